/* local_maildir: Maildir delivery (see local_maildir.h).
 * Invariant: success is returned only after the file and new/ are fsynced;
 * a failure leaves nothing in tmp/ or new/. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fsio.h"
#include "local_maildir.h"

static unsigned local_maildir_seq;

int
local_maildir_name(struct buf *out, const struct timeval *tv, long pid, unsigned q,
    const char *host)
{
	const char *h;

	buf_reset(out);
	if (buf_printf(out, "%lld.M%06ldP%ldQ%u.", (long long)tv->tv_sec, (long)tv->tv_usec,
	    pid, q) == -1)
		return -1;
	for (h = host; *h; h++) {
		if (*h == '/' ? buf_adds(out, "\\057") == -1 :
		    *h == ':' ? buf_adds(out, "\\072") == -1 : buf_addc(out, *h) == -1)
			return -1;
	}
	return 0;
}

/* The status code of a failed write: mailbox full for ENOSPC and EDQUOT. */
static const char *
local_maildir_code(int e)
{
	return e == ENOSPC || e == EDQUOT ? "4.2.2" : "4.3.0";
}

/* Write the trace lines and the message to fd. */
static int
local_maildir_write(struct local *l, int fd)
{
	const char *p;
	ssize_t n;

	if (fsio_write_all(fd, l->rpline.p, l->rpline.len) == -1 ||
	    fsio_write_all(fd, l->dtline.p, l->dtline.len) == -1)
		return -1;
	local_msg_rewind(l->msg);
	while ((n = local_msg_read(l->msg, &p)) > 0)
		if (fsio_write_all(fd, p, (size_t)n) == -1)
			return -1;
	return n == -1 ? -2 : 0;
}

enum local_status
local_maildir_deliver(struct local *l, const char *dir)
{
	struct buf name = BUF_INIT, tmp = BUF_INIT, new = BUF_INIT;
	char host[256];
	struct timeval tv;
	enum local_status st = LOCAL_TEMP;
	int fd = -1, tries, r, e;
	bool made = false;

	if (gethostname(host, sizeof host) == -1)
		memcpy(host, "localhost", sizeof "localhost");
	host[sizeof host - 1] = '\0';
	for (tries = 0; tries < 5; tries++) {
		gettimeofday(&tv, NULL);
		if (local_maildir_name(&name, &tv, (long)getpid(), ++local_maildir_seq,
		    host) == -1)
			goto nomem;
		buf_reset(&tmp);
		if (buf_printf(&tmp, "%stmp/%s", dir, name.p) == -1)
			goto nomem;
		fd = open(tmp.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	if (fd == -1) {
		e = errno;
		local_fail(l, LOCAL_TEMP, "Unable to deliver to %s: cannot create %s: %s (#%s)",
		    dir, tmp.p, strerror(e), e == ENOENT ? "4.2.1" : local_maildir_code(e));
		goto out;
	}
	made = true;
	r = local_maildir_write(l, fd);
	if (r == -2) {
		local_fail(l, LOCAL_TEMP, "Unable to deliver to %s: %s (#4.3.0)", dir, err_str());
		goto unlink;
	}
	if (r == -1 || fsync(fd) == -1 || close(fd) == -1) {
		e = errno;
		fd = -1;
		local_fail(l, LOCAL_TEMP, "Unable to write %s: %s (#%s)", tmp.p, strerror(e),
		    local_maildir_code(e));
		goto unlink;
	}
	fd = -1;
	if (buf_printf(&new, "%snew/%s", dir, name.p) == -1)
		goto nomem;
	if (link(tmp.p, new.p) == -1) {
		local_fail(l, LOCAL_TEMP, "Unable to link %s to %s: %s (#4.3.0)", tmp.p, new.p,
		    strerror(errno));
		goto unlink;
	}
	buf_reset(&new);
	if (buf_printf(&new, "%snew", dir) == -1)
		goto nomem;
	if (fsio_fsync_dir(new.p) == -1) {
		local_fail(l, LOCAL_TEMP, "Unable to deliver to %s: %s (#4.3.0)", dir, err_str());
		buf_reset(&new);
		if (buf_printf(&new, "%snew/%s", dir, name.p) == 0)
			unlink(new.p);
		goto unlink;
	}
	st = LOCAL_OK;
	goto unlink;
nomem:
	local_fail(l, LOCAL_TEMP, "out of memory (#4.3.0)");
unlink:
	if (fd != -1)
		close(fd);
	if (made)
		unlink(tmp.p);
out:
	buf_free(&name);
	buf_free(&tmp);
	buf_free(&new);
	return st;
}
