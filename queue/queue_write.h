/* queue_write: writing one new message into the queue (the only writer).
 *
 * Order of operations, which is what makes injection crash-safe
 * (herald-queue(5) explains it in full):
 *   1. claim a spare file (queue_spare.h: a finished message kept for
 *      reuse, locked and still named QDIR/spare/NAME), or else create an
 *      unnamed file (O_TMPFILE) in QDIR/mess/SS, the split directory of
 *      the new id;
 *   2. write body, sender and recipients (sorted by domain, in bounded
 *      memory: runs of RUN bytes are sorted and spilled to anonymous files
 *      in QDIR/tmp, then merged) over it, hashing all of it, then the
 *      header with the id and the hash (the seal, queue_msg_verify), cut
 *      the file to that size, then fsync it;
 *   3. give it the name QDIR/mess/SS/ID: rename a spare (never over an
 *      existing name), link an unnamed file (the commit point: from here
 *      on the scheduler sees a complete message);
 *   4. fsync QDIR/mess/SS, so the name survives a power loss;
 *   5. write "ID\n" to the FIFO QDIR/lock/trigger.
 * A crash before 3 leaves nothing behind: the file never had a name, or
 * it is still a spare. Two fsyncs per message, whatever its size. */
#ifndef HERALD_QUEUE_WRITE_H
#define HERALD_QUEUE_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "queue_file.h"
#include "queue_id.h"

struct queue_run;

struct queue_writer {
	const char *qdir;
	char id[QUEUE_ID_LEN + 1];
	struct buf tmp;                 /* the split directory or spare the file was made in */
	int fd;
	bool spare;                     /* fd is a claimed spare named tmp */
	unsigned char *out;             /* write buffer */
	size_t outlen;
	uint64_t off;                   /* file offset of out[0] */
	struct queue_hdr hdr;
	uint64_t max_body;              /* 0: no limit */
	bool have_sender;
	unsigned char *arena;           /* encoded recipient records of the current run */
	size_t arena_len, arena_cap;
	uint32_t *idx;                  /* record offsets in the arena */
	size_t nidx, idx_cap;
	struct queue_run *runs;         /* spilled sorted runs */
	size_t nruns;
};

/* Create the temporary file for a new message in qdir; max_body limits the
 * body (0 = none). The string qdir must outlive the writer. */
int queue_writer_open(struct queue_writer *w, const char *qdir, uint64_t max_body);
/* Append body bytes. Returns 0, 1 if the body is now over max_body, -1 on error. */
int queue_writer_body(struct queue_writer *w, const void *p, size_t n);
/* Set the envelope sender; ends the body. */
int queue_writer_sender(struct queue_writer *w, const char *addr, size_t len);
/* Add one recipient. */
int queue_writer_rcpt(struct queue_writer *w, const char *addr, size_t len);
/* Number of recipients added so far. */
uint64_t queue_writer_count(const struct queue_writer *w);
/* Make the message durable and visible (steps 2-5 above); w->id is its id.
 * With no recipients nothing is queued and 0 is returned. Frees the writer. */
int queue_writer_commit(struct queue_writer *w, uint64_t now);
/* Throw the message away and free the writer. */
void queue_writer_abort(struct queue_writer *w);
/* Size of a sort run in bytes (tests use it to force spilling). */
void queue_writer_set_run_size(size_t bytes);

#endif
