/* queue_spare: reuse of finished message files (protocol in queue_spare.h).
 *
 * A writer reads spare/ and tries the files it lists, starting at a place
 * that differs between processes so that concurrent writers do not all
 * go for the same file first. The scheduler, the only process that adds
 * spares, keeps an estimate of their number (what it last counted plus
 * what it added since) and counts again only when the estimate says the
 * pool is full; while it really is full, finished files are removed
 * without counting. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "queue_spare.h"

#define CLAIM_NAMES QUEUE_SPARE_FILES   /* names read and tried per claim */
#define NAME_MAX_LEN 31                 /* longer names are not ours: left alone */
#define FULL_SKIP 32                    /* retirements that skip a full pool */

static unsigned turn;                   /* claims made by this process */
static bool counted;                    /* estimate has been counted once */
static unsigned estimate;               /* spares, as counted plus added since */
static unsigned full_skip;

static int
spare_dir(struct buf *out, const char *qdir)
{
	buf_reset(out);
	if (buf_printf(out, "%s/spare", qdir) == -1) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

static bool
candidate(const struct dirent *e)
{
	return e->d_name[0] != '.' && strlen(e->d_name) <= NAME_MAX_LEN &&
	    (e->d_type == DT_REG || e->d_type == DT_UNKNOWN);
}

/* Open, lock and check spare name in dfd: the descriptor, or -1. */
static int
take(int dfd, const char *name)
{
	struct stat a, b;
	int f;

	f = openat(dfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (f == -1)
		return -1;      /* gone meanwhile, or not usable */
	if (flock(f, LOCK_EX | LOCK_NB) == 0 && fstat(f, &a) == 0 &&
	    fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev && S_ISREG(a.st_mode))
		return f;
	close(f);               /* someone else's, or moved meanwhile */
	return -1;
}

int
queue_spare_claim(const char *qdir, int *fd, struct buf *path)
{
	char names[CLAIM_NAMES][NAME_MAX_LEN + 1];
	const char *name = NULL;
	struct dirent *e;
	unsigned n = 0, i, start;
	DIR *d;
	int f = -1;

	if (spare_dir(path, qdir) == -1)
		return -1;
	if ((d = opendir(path->p)) == NULL)
		return 0;       /* no spare/: no reuse */
	while (n < CLAIM_NAMES && (e = readdir(d)) != NULL)
		if (candidate(e))
			memcpy(names[n++], e->d_name, strlen(e->d_name) + 1);
	start = n ? (unsigned)(getpid() + turn++) % n : 0;
	for (i = 0; i < n; i++) {
		name = names[(start + i) % n];
		if ((f = take(dirfd(d), name)) != -1)
			break;
	}
	closedir(d);
	if (f == -1)
		return 0;
	if (buf_printf(path, "/%s", name) == -1) {
		close(f);
		err_set("out of memory");
		return -1;
	}
	*fd = f;
	return 1;
}

/* The number of spares in dir (a directory that cannot be read: none). */
static unsigned
count(const char *dir)
{
	struct dirent *e;
	unsigned n = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += candidate(e);
	closedir(d);
	return n;
}

/* Is there room for one more spare in dir? */
static bool
room(const char *dir)
{
	if (!counted) {
		estimate = count(dir);
		counted = true;
	}
	if (estimate >= QUEUE_SPARE_FILES) {
		if (full_skip > 0) {
			full_skip--;
			return false;
		}
		if ((estimate = count(dir)) >= QUEUE_SPARE_FILES) {
			full_skip = FULL_SKIP;
			return false;
		}
	}
	estimate++;
	return true;
}

int
queue_spare_retire(const char *qdir, const char *path, int fd)
{
	struct buf spare = BUF_INIT;
	const char *base = strrchr(path, '/');
	struct stat st;
	int r = -1;

	if (fd != -1 && fstat(fd, &st) == 0 && st.st_size <= QUEUE_SPARE_MAX_SIZE) {
		if (spare_dir(&spare, qdir) == -1)
			goto out;
		if (room(spare.p)) {
			if (buf_printf(&spare, "/%s", base ? base + 1 : path) == -1) {
				err_set("out of memory");
				goto out;
			}
			if (renameat2(AT_FDCWD, path, AT_FDCWD, spare.p, RENAME_NOREPLACE) == 0) {
				r = 0;
				goto out;
			}
			/* no spare/, the message is gone, or the name is taken: remove */
			estimate--;
		}
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		err_sys("cannot remove %s", path);
		goto out;
	}
	r = 0;
out:
	buf_free(&spare);
	return r;
}
