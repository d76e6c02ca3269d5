/* queue_msg: reading a committed message and updating its recipients'
 * states. Recipients are streamed with a cursor that holds one fixed-size
 * buffer, so memory does not grow with the number of recipients. A state
 * update is one 8-byte pwrite; queue_msg_sync makes a batch of them durable
 * with a single fdatasync (group commit). */
#ifndef HERALD_QUEUE_MSG_H
#define HERALD_QUEUE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "queue_file.h"
#include "queue_id.h"

struct queue_msg {
	int fd;
	char id[QUEUE_ID_LEN + 1];
	uint64_t size;
	struct queue_hdr hdr;
	char *sender;                   /* NUL-terminated envelope sender */
};

struct queue_cursor {
	struct queue_msg *msg;
	uint64_t pos;                   /* file offset of buf[0] */
	unsigned char *buf;
	size_t len, head;
	uint64_t seen;
};

/* Open message id in qdir; writable lets the caller update states.
 * errno is EBADMSG when the file is there but is not a whole queue file. */
int queue_msg_open(struct queue_msg *m, const char *qdir, const char *id, bool writable);
/* Close the message. */
void queue_msg_close(struct queue_msg *m);
/* Read body bytes [off, off+n) into p; returns the count read or -1. */
ssize_t queue_msg_body(struct queue_msg *m, uint64_t off, void *p, size_t n);
/* Start a cursor at the first recipient. */
int queue_cursor_open(struct queue_cursor *c, struct queue_msg *m);
/* Next recipient: 1 and *r filled, 0 at the end, -1 on a corrupt file. */
int queue_cursor_next(struct queue_cursor *c, struct queue_rcpt *r);
/* Step back over r, which the last queue_cursor_next returned: the next
 * call returns it again. */
void queue_cursor_back(struct queue_cursor *c, const struct queue_rcpt *r);
/* Free the cursor. */
void queue_cursor_close(struct queue_cursor *c);
/* Check that the file is the message its name says and holds what was
 * written (queue_file.h: id and hash); an unsealed file passes. -1 with
 * the reason: a name given to a file whose contents never reached the
 * disk (a power loss before the injection's fsync), or damage. */
int queue_msg_verify(struct queue_msg *m);
/* Write the state of the recipient record at off (not yet durable). */
int queue_msg_set_state(struct queue_msg *m, uint64_t off, const struct queue_rstate *s);
/* Make every state written so far durable. */
int queue_msg_sync(struct queue_msg *m);

#endif
