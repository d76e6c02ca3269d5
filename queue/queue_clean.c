/* queue_clean: cleanup of abandoned injections (see queue_clean.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "queue_bounce.h"
#include "queue_clean.h"
#include "queue_id.h"
#include "queue_path.h"

int
queue_clean_tmp(const char *qdir, size_t *removed)
{
	struct buf dir = BUF_INIT, path = BUF_INIT;
	struct dirent *d;
	DIR *dp = NULL;
	bool failed = false;
	int fd, r = -1;

	*removed = 0;
	if (buf_printf(&dir, "%s/tmp", qdir) == -1) {
		err_set("out of memory");
		goto out;
	}
	if ((dp = opendir(dir.p)) == NULL) {
		err_sys("cannot open %s", dir.p);
		goto out;
	}
	for (;;) {
		errno = 0;
		if ((d = readdir(dp)) == NULL)
			break;
		if (d->d_name[0] == '.')
			continue;
		buf_reset(&path);
		if (buf_printf(&path, "%s/%s", dir.p, d->d_name) == -1) {
			err_set("out of memory");
			goto out;
		}
		fd = open(path.p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd == -1)
			continue;       /* gone already, or not ours to judge */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (unlink(path.p) == 0)
				(*removed)++;
			else if (errno != ENOENT) {
				err_sys("cannot remove %s", path.p);
				failed = true;
			}
		}
		close(fd);
		errno = 0;
	}
	if (errno) {
		err_sys("cannot read %s", dir.p);
		goto out;
	}
	r = failed ? -1 : 0;
out:
	if (dp)
		closedir(dp);
	buf_free(&dir);
	buf_free(&path);
	return r;
}

int
queue_clean_bounce(const char *qdir, size_t *removed)
{
	struct buf dir = BUF_INIT, mess = BUF_INIT;
	struct dirent *d;
	DIR *dp = NULL;
	int r = -1;

	*removed = 0;
	if (buf_printf(&dir, "%s/bounce", qdir) == -1) {
		err_set("out of memory");
		goto out;
	}
	if ((dp = opendir(dir.p)) == NULL) {
		if (errno == ENOENT)
			r = 0;
		else
			err_sys("cannot open %s", dir.p);
		goto out;
	}
	for (;;) {
		errno = 0;
		if ((d = readdir(dp)) == NULL)
			break;
		if (!queue_id_valid(d->d_name) || queue_path_mess(&mess, qdir, d->d_name) == -1)
			continue;
		if (access(mess.p, F_OK) == -1 && errno == ENOENT &&
		    queue_bounce_remove(qdir, d->d_name) == 0)
			(*removed)++;
		errno = 0;
	}
	if (errno) {
		err_sys("cannot read %s", dir.p);
		goto out;
	}
	r = 0;
out:
	if (dp)
		closedir(dp);
	buf_free(&dir);
	buf_free(&mess);
	return r;
}
