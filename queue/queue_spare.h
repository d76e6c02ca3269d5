/* queue_spare: finished message files kept for reuse as new messages.
 *
 * Allocating an inode for every new message and freeing one for every
 * finished message is most of a file system's work for a queue that
 * takes and delivers small messages at a high rate. Instead the
 * scheduler moves a finished message file mess/SS/ID to QDIR/spare/ID,
 * and the next injection writes its message over one of the files in
 * spare/ and renames it to mess/SS/NEWID.
 *
 * Ownership protocol (what makes concurrent injections safe):
 *   - a file enters spare/ only by rename with RENAME_NOREPLACE under the
 *     id of the message it held (ids are unique), never over another;
 *   - a writer claims a spare by opening spare/NAME, taking
 *     flock(LOCK_EX) without waiting, and then checking that spare/NAME
 *     is still the file it locked (same device and inode). Only the lock
 *     holder moves a file out of spare/, so after that check the file is
 *     the writer's until it is renamed into mess/ (the commit) or the
 *     writer lets go;
 *   - a writer that crashes or gives up leaves the file where it was,
 *     still a spare: a crash leaves nothing to clean up.
 * The content of a spare is meaningless; the writer truncates it to the
 * new message's size before its fsync. Writers find spares by reading
 * the directory; any file in spare/ is a spare, whatever its name. */
#ifndef HERALD_QUEUE_SPARE_H
#define HERALD_QUEUE_SPARE_H

#include "buf.h"

#define QUEUE_SPARE_FILES 256                /* at most this many spares kept */
#define QUEUE_SPARE_MAX_SIZE (256 * 1024)    /* larger files are removed, not kept */

/* Try to claim a spare: 1 with *fd open read-write and locked and its
 * name in path, 0 if none was free or usable, -1 out of memory. */
int queue_spare_claim(const char *qdir, int *fd, struct buf *path);
/* Retire the finished message file at path (open as fd, or -1): keep it
 * as a spare when there is room and it is small, else remove it. */
int queue_spare_retire(const char *qdir, const char *path, int fd);

#endif
