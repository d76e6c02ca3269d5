/* queue_scan: walking the committed messages (QDIR/mess/SS/ID) one split
 * directory at a time, so memory stays bounded by one directory stream.
 * Names that are not message ids are skipped. */
#ifndef HERALD_QUEUE_SCAN_H
#define HERALD_QUEUE_SCAN_H

#include <dirent.h>

#include "buf.h"
#include "queue_id.h"

struct queue_scan {
	const char *qdir;
	unsigned split;
	DIR *dir;
	char id[QUEUE_ID_LEN + 1];
};

/* Start a walk of qdir's committed messages. */
void queue_scan_open(struct queue_scan *s, const char *qdir);
/* Next message id (in s->id): 1, 0 at the end, -1 on an unreadable directory. */
int queue_scan_next(struct queue_scan *s);
/* End the walk. */
void queue_scan_close(struct queue_scan *s);

#endif
