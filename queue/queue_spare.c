/* queue_spare: reuse of finished message files (protocol in queue_spare.h).
 *
 * Both sides walk the slots from 0 up, so the spares gather in the low
 * slots: a writer finds one after a few opens, and stops looking after a
 * run of empty slots; the scheduler fills the lowest free slot, and after
 * finding every slot taken it removes the next few files without looking. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "queue_spare.h"

#define EMPTY_RUN 8                     /* empty slots in a row that end a claim */
#define FULL_SKIP 16                    /* retirements that skip a full pool */

static unsigned full_skip;

static int slot_path(struct buf *out, const char *qdir, unsigned n)
{
	buf_reset(out);
	if (buf_printf(out, "%s/spare/%u", qdir, n) == -1) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

int
queue_spare_claim(const char *qdir, int *fd, struct buf *path)
{
	struct stat a, b;
	unsigned n, empty = 0;
	int f;

	for (n = 0; n < QUEUE_SPARE_SLOTS && empty < EMPTY_RUN; n++) {
		if (slot_path(path, qdir, n) == -1)
			return -1;
		f = open(path->p, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (f == -1) {
			if (errno == ENOENT) {
				empty++;
				continue;
			}
			return 0;       /* not usable: a new file will do */
		}
		empty = 0;
		if (flock(f, LOCK_EX | LOCK_NB) == 0 && fstat(f, &a) == 0 &&
		    stat(path->p, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev &&
		    S_ISREG(a.st_mode)) {
			*fd = f;
			return 1;
		}
		close(f);               /* someone else's, or gone meanwhile */
	}
	return 0;
}

int
queue_spare_retire(const char *qdir, const char *path, int fd)
{
	struct buf slot = BUF_INIT;
	struct stat st;
	unsigned n;
	int r = -1;

	if (full_skip > 0)
		full_skip--;
	else if (fd != -1 && fstat(fd, &st) == 0 && st.st_size <= QUEUE_SPARE_MAX_SIZE) {
		for (n = 0; n < QUEUE_SPARE_SLOTS; n++) {
			if (slot_path(&slot, qdir, n) == -1)
				goto out;
			if (renameat2(AT_FDCWD, path, AT_FDCWD, slot.p, RENAME_NOREPLACE) == 0) {
				r = 0;
				goto out;
			}
			if (errno != EEXIST)
				break;  /* no spare/, or the message is gone: remove */
		}
		if (n == QUEUE_SPARE_SLOTS)
			full_skip = FULL_SKIP;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		err_sys("cannot remove %s", path);
		goto out;
	}
	r = 0;
out:
	buf_free(&slot);
	return r;
}
