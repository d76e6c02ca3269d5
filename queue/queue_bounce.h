/* queue_bounce: the reasons of a message's permanent failures, kept in
 * QDIR/bounce/ID until the bounce (DSN) for them has been queued.
 *
 * herald-send appends a recipient's record BEFORE it writes the
 * recipient's state 'F' into the queue file, so the reason survives a
 * crash. The file is append-only; each record is written with one
 * write(2) and is
 *
 *   LF 'R' recipient NUL 'S' status NUL 'A' time NUL 'T' text NUL LF
 *
 * where status is an RFC 3463 enhanced status code ("5.1.1"), time the
 * decimal unix time of the failure, and text one line of at most
 * QUEUE_BOUNCE_TEXT_MAX bytes. No field contains LF (control characters in
 * the text become spaces; a recipient with a LF or NUL is refused), so the
 * leading LF lets a reader find the next record after a torn one: a line
 * that is not exactly one well-formed record (a crash in the middle of an
 * append, NULs left by a power loss) is skipped, empty lines are ignored.
 * When a recipient has several records, the last one counts.
 *
 * Durability: appends are not synced; queue_bounce_sync fsyncs the file
 * and, the first time, the bounce/ directory. A file is created with mode
 * 0660 and turned to 0640 once its directory entry is known durable, so the
 * directory is fsynced once per file, across restarts too.
 *
 * Reading takes bounded memory whatever the number of records: records
 * are taken in chunks of QUEUE_BOUNCE_CHUNK; for each chunk the rest of
 * the file is scanned for later records of the same recipients. */
#ifndef HERALD_QUEUE_BOUNCE_H
#define HERALD_QUEUE_BOUNCE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

/* Longest text kept (longer texts are cut). */
#define QUEUE_BOUNCE_TEXT_MAX 1000
/* Longest status code kept. */
#define QUEUE_BOUNCE_STATUS_MAX 15
/* Records examined together when reading (memory: about 32 bytes each). */
#define QUEUE_BOUNCE_CHUNK 4096

struct queue_bounce_rec {
	const char *rcpt;
	const char *status;
	const char *text;
	time_t when;                    /* time of the failure */
};

/* Called for each record; returning -1 stops the reading (which fails). */
typedef int queue_bounce_fn(void *arg, const struct queue_bounce_rec *r);

/* Append the failure of rcpt (status, text) to QDIR/bounce/ID, not synced. */
int queue_bounce_append(const char *qdir, const char *id, const char *rcpt,
    const char *status, const char *text);
/* Make the appends to QDIR/bounce/ID durable (and its directory entry). */
int queue_bounce_sync(const char *qdir, const char *id);
/* Call fn for the last record of each recipient, in the order of those
 * records; returns the number of calls (0 if there is no file) or -1. */
long queue_bounce_read(const char *qdir, const char *id, queue_bounce_fn *fn, void *arg);
/* Remove QDIR/bounce/ID (a missing file is fine). */
int queue_bounce_remove(const char *qdir, const char *id);
/* out = QDIR/bounce/ID */
int queue_bounce_path(struct buf *out, const char *qdir, const char *id);

#endif
