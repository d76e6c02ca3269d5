/* queue_path: names of things in the queue directory (herald-queue(5)).
 *   tmp/ID          an injection in progress (locked with flock while alive)
 *   mess/SS/ID      a committed message; SS = queue_id_split(ID) as 2 hex digits
 *   lock/trigger    FIFO; one byte written after each commit wakes the scheduler */
#ifndef HERALD_QUEUE_PATH_H
#define HERALD_QUEUE_PATH_H

#include "buf.h"

/* out = QDIR/tmp/ID */
int queue_path_tmp(struct buf *out, const char *qdir, const char *id);
/* out = QDIR/mess/SS (the split directory of id) */
int queue_path_split(struct buf *out, const char *qdir, const char *id);
/* out = QDIR/mess/SS/ID */
int queue_path_mess(struct buf *out, const char *qdir, const char *id);
/* out = QDIR/mess/SS for split number n */
int queue_path_splitn(struct buf *out, const char *qdir, unsigned n);

#endif
