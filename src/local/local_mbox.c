/* local_mbox: mbox delivery (see local_mbox.h).
 * Invariant: the file is locked from before its end is taken until it is
 * closed, so a truncation never cuts another writer's message. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "fsio.h"
#include "local_mbox.h"

#define LOCAL_MBOX_FLUSH 65536

enum { LOCAL_MBOX_BOL, LOCAL_MBOX_FROM, LOCAL_MBOX_MID };

void
local_mbox_quote_init(struct local_mbox_quote *q)
{
	q->state = LOCAL_MBOX_BOL;
	q->from = 0;
	q->partial = false;
}

int
local_mbox_quote(struct local_mbox_quote *q, const char *in, size_t n, struct buf *out)
{
	static const char from[] = "From ";
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		c = in[i];
		q->partial = c != '\n';
		if (q->state == LOCAL_MBOX_BOL) {
			if (c == '>') {
				if (buf_addc(out, c) == -1)
					return -1;
				continue;
			}
			q->state = LOCAL_MBOX_FROM;
			q->from = 0;
		}
		if (q->state == LOCAL_MBOX_FROM) {
			if (c == from[q->from]) {
				if (++q->from == 5) {
					if (buf_adds(out, ">From ") == -1)
						return -1;
					q->state = LOCAL_MBOX_MID;
				}
				continue;
			}
			if (buf_add(out, from, q->from) == -1)
				return -1;
			q->state = LOCAL_MBOX_MID;
		}
		if (buf_addc(out, c) == -1)
			return -1;
		if (c == '\n')
			q->state = LOCAL_MBOX_BOL;
	}
	return 0;
}

int
local_mbox_quote_end(struct local_mbox_quote *q, struct buf *out)
{
	if (q->state == LOCAL_MBOX_FROM && buf_add(out, "From ", q->from) == -1)
		return -1;
	if (q->partial && buf_addc(out, '\n') == -1)
		return -1;
	q->state = LOCAL_MBOX_BOL;
	q->partial = false;
	return buf_addc(out, '\n');
}

/* Take both locks on fd, waiting at most LOCAL_MBOX_LOCK_WAIT seconds. */
static int
local_mbox_lock(int fd, const char *path)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	struct flock fl;
	int i;
	bool flocked = false;

	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	for (i = 0; i < LOCAL_MBOX_LOCK_WAIT * 10; i++) {
		if (!flocked) {
			if (flock(fd, LOCK_EX | LOCK_NB) == 0)
				flocked = true;
			else if (errno != EWOULDBLOCK && errno != EINTR) {
				err_sys("Unable to lock %s (#4.3.0)", path);
				return -1;
			}
		}
		if (flocked) {
			if (fcntl(fd, F_SETLK, &fl) == 0)
				return 0;
			if (errno != EACCES && errno != EAGAIN && errno != EINTR) {
				err_sys("Unable to lock %s (#4.3.0)", path);
				return -1;
			}
		}
		nanosleep(&pause, NULL);
	}
	err_set("%s has been locked for %d seconds straight (#4.3.0)", path,
	    LOCAL_MBOX_LOCK_WAIT);
	return -1;
}

/* Write out to fd and empty it. */
static int
local_mbox_flush(int fd, struct buf *out)
{
	if (fsio_write_all(fd, out->p, out->len) == -1)
		return -1;
	buf_reset(out);
	return 0;
}

enum local_status
local_mbox_deliver(struct local *l, const char *path)
{
	struct local_mbox_quote q;
	struct buf out = BUF_INIT;
	enum local_status st = LOCAL_TEMP;
	const char *p;
	ssize_t n;
	off_t pos;
	int fd, e;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd == -1) {
		local_fail(l, LOCAL_TEMP, "Unable to open %s: %s (#4.2.1)", path,
		    strerror(errno));
		return LOCAL_TEMP;
	}
	if (local_mbox_lock(fd, path) == -1) {
		local_fail(l, LOCAL_TEMP, "%s", err_str());
		goto out;
	}
	if ((pos = lseek(fd, 0, SEEK_END)) == -1) {
		local_fail(l, LOCAL_TEMP, "Unable to seek in %s: %s (#4.3.0)", path,
		    strerror(errno));
		goto out;
	}
	local_mbox_quote_init(&q);
	if (buf_add(&out, l->ufline.p, l->ufline.len) == -1 ||
	    buf_add(&out, l->rpline.p, l->rpline.len) == -1 ||
	    buf_add(&out, l->dtline.p, l->dtline.len) == -1)
		goto nomem;
	local_msg_rewind(l->msg);
	while ((n = local_msg_read(l->msg, &p)) > 0) {
		if (local_mbox_quote(&q, p, (size_t)n, &out) == -1)
			goto nomem;
		if (out.len >= LOCAL_MBOX_FLUSH && local_mbox_flush(fd, &out) == -1)
			goto writerr;
	}
	if (n == -1) {
		local_fail(l, LOCAL_TEMP, "Unable to deliver to %s: %s (#4.3.0)", path,
		    err_str());
		goto trunc;
	}
	if (local_mbox_quote_end(&q, &out) == -1)
		goto nomem;
	if (local_mbox_flush(fd, &out) == -1 || fsync(fd) == -1)
		goto writerr;
	st = LOCAL_OK;
	goto out;
nomem:
	local_fail(l, LOCAL_TEMP, "out of memory (#4.3.0)");
	goto trunc;
writerr:
	e = errno;
	local_fail(l, LOCAL_TEMP, "Unable to write %s: %s (#%s)", path, strerror(e),
	    e == ENOSPC || e == EDQUOT ? "4.2.2" : "4.3.0");
trunc:
	if (ftruncate(fd, pos) == 0)
		fsync(fd);
out:
	close(fd);
	buf_free(&out);
	return st;
}
