/* queue_clean: removing what interrupted injections left in QDIR/tmp.
 * A live writer holds flock(LOCK_EX) on its tmp file for its whole life;
 * a file whose lock can be taken belongs to a writer that is gone, and is
 * removed. (Sort runs are anonymous O_TMPFILE files and never leave
 * anything behind.) */
#ifndef HERALD_QUEUE_CLEAN_H
#define HERALD_QUEUE_CLEAN_H

#include <stddef.h>

/* Remove abandoned files in qdir/tmp; *removed gets their number. A file
 * that cannot be removed is skipped and makes the result -1 at the end. */
int queue_clean_tmp(const char *qdir, size_t *removed);

/* Remove bounce files (QDIR/bounce/ID) whose message is gone: herald-send
 * removes a message's bounce file right after the message, so these are
 * what a crash between the two left. *removed gets their number. */
int queue_clean_bounce(const char *qdir, size_t *removed);

#endif
