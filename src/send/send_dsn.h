/* send_dsn: the bounce message (RFC 3464 delivery status notification,
 * RFC 6522 multipart/report) for the permanent failures of one queued
 * message, and where it goes (herald-dsn(5) describes the result).
 *
 * Use: fill the public fields of a struct send_dsn, send_dsn_begin, one
 * send_dsn_rcpt per failed recipient, send_dsn_finish (reads the original
 * header from the queued message), send_dsn_free. Memory grows with the
 * number of failed recipients of the one message: every recipient gets a
 * delivery-status block, the human-readable part lists the first
 * SEND_DSN_LISTED of them.
 *
 * Output invariants: LF line ends, no line longer than 998 bytes, the
 * notification and the delivery report in US-ASCII (other bytes of
 * addresses and texts become '?'), a boundary that occurs nowhere in the
 * content. Pure: the clock is the now passed in.
 *
 * Routing (send_dsn_route, qmail's rules): a bounce has the null envelope
 * sender and goes to the original sender; if that sender was null the
 * failed message was itself a bounce, and the double bounce goes from
 * "#@[]" to control/doublebounceto (default "postmaster", qualified with
 * control/me; an empty first line drops it); a message from "#@[]" (a
 * failed double bounce) is dropped. */
#ifndef HERALD_SEND_DSN_H
#define HERALD_SEND_DSN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "queue_msg.h"

/* Recipients listed one by one in the human-readable part. */
#define SEND_DSN_LISTED 1000
/* Longest original header copied into the third part. */
#define SEND_DSN_HEADER_MAX (64 * 1024)
/* The envelope sender of double bounces (and the sender that is never bounced). */
#define SEND_DSN_DOUBLE_SENDER "#@[]"

enum send_dsn_route {
	SEND_DSN_SEND,
	SEND_DSN_DROP,
};

struct send_dsn {
	const char *me;                 /* control/me: the reporting MTA */
	const char *sender;             /* envelope sender of the failed message */
	const char *to;                 /* the bounce's recipient (To:); NULL: sender */
	uint64_t arrival;               /* injection time of the failed message */
	time_t now;
	/* filled by the builder */
	struct buf human;               /* the notification's recipient list */
	struct buf report;              /* the per-recipient delivery-status blocks */
	size_t count;                   /* recipients added */
};

/* Decide where a bounce of a message from sender goes: *to and *from
 * (envelope) are set when SEND_DSN_SEND is returned; doublebounceto is
 * the first line of control/doublebounceto, NULL if it does not exist.
 * Returns SEND_DSN_SEND, SEND_DSN_DROP, or -1 (out of memory). */
int send_dsn_route(const char *sender, const char *doublebounceto, const char *me,
    struct buf *to, struct buf *from);
/* True if s is an RFC 3464 failure status code: 4 or 5, ".", 1-3 digits, ".", 1-3 digits. */
bool send_dsn_status_valid(const char *s);
/* Append "name: value" to out, value made US-ASCII and folded at
 * white space so that no line exceeds 78 bytes where possible, 998 ever. */
int send_dsn_fold(struct buf *out, const char *name, const char *value);
/* Start a bounce (d's public fields set; the builder's are reset). */
int send_dsn_begin(struct send_dsn *d);
/* Add a failed recipient: its status code (5.0.0 if not valid), the text
 * of the failure, and the time of the last attempt (0: d->now). */
int send_dsn_rcpt(struct send_dsn *d, const char *rcpt, const char *status,
    const char *text, time_t when);
/* Set out to the complete bounce, with m's header as the third part. */
int send_dsn_finish(struct send_dsn *d, struct queue_msg *m, struct buf *out);
/* Free the builder's memory. */
void send_dsn_free(struct send_dsn *d);
/* Queue msg (len bytes) through herald-queue from envelope sender from to
 * the one recipient to. */
int send_dsn_queue(const char *msg, size_t len, const char *to, const char *from);

#endif
