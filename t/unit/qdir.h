/* qdir: a scratch queue directory for the queue unit tests.
 * qdir_setup makes /tmp/check_queue.XXXXXX with tmp/, lock/, spare/
 * and mess/00 .. 3f, as herald-setup does; qdir_teardown removes it. The
 * helpers assert (check's ck_assert) instead of returning errors. */
#ifndef HERALD_T_QDIR_H
#define HERALD_T_QDIR_H

#include <stddef.h>

#include "buf.h"

/* The queue directory of the running test. */
extern char qdir[64];

/* Create a fresh queue directory (a check fixture). */
void qdir_setup(void);
/* Remove it (a check fixture). */
void qdir_teardown(void);
/* b = QDIR/rel */
void qdir_path(struct buf *b, const char *rel);
/* Number of entries in QDIR/rel. */
size_t qdir_count(const char *rel);
/* Number of committed messages in QDIR/mess. */
size_t qdir_count_mess(void);
/* Assert that nothing is in tmp/ or mess/. */
void qdir_assert_empty(void);
/* Read the recipients of message id into out (each followed by a NUL),
 * checking offsets, domains and the count; returns their number. */
size_t qdir_read_rcpts(const char *id, struct buf *out);

#endif
