/* queue_scan: iteration over committed messages (see queue_scan.h). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "err.h"
#include "queue_path.h"
#include "queue_scan.h"

void
queue_scan_open(struct queue_scan *s, const char *qdir)
{
	memset(s, 0, sizeof *s);
	s->qdir = qdir;
}

int
queue_scan_next(struct queue_scan *s)
{
	struct buf path = BUF_INIT;
	struct dirent *d;

	for (;;) {
		if (s->dir == NULL) {
			if (s->split >= QUEUE_SPLIT)
				return 0;
			if (queue_path_splitn(&path, s->qdir, s->split++) == -1)
				return -1;
			if ((s->dir = opendir(path.p)) == NULL) {
				err_sys("cannot open %s", path.p);
				buf_free(&path);
				return -1;
			}
			buf_free(&path);
		}
		errno = 0;
		if ((d = readdir(s->dir)) == NULL) {
			if (errno) {
				err_sys("cannot read %s/mess", s->qdir);
				return -1;
			}
			closedir(s->dir);
			s->dir = NULL;
			continue;
		}
		if (strlen(d->d_name) == QUEUE_ID_LEN && queue_id_valid(d->d_name)) {
			memcpy(s->id, d->d_name, QUEUE_ID_LEN + 1);
			return 1;
		}
	}
}

void
queue_scan_close(struct queue_scan *s)
{
	if (s->dir)
		closedir(s->dir);
	s->dir = NULL;
}
