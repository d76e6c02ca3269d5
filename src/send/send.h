/* send: the scheduler (herald-send(8)).
 *
 * Messages come from the trigger FIFO (herald-queue writes "ID\n"), from a
 * scan at start-up and from a periodic scan that catches what the FIFO
 * missed. A message waits in a heap ordered by the time of its next pass;
 * at most SEND_ACTIVE_MAX messages are active (open, with a cursor).
 * Deliveries are taken round-robin from the active messages, so a small
 * message is never stuck behind a large post. They go to two channels
 * that speak the same protocol (herald-lspawn(8)): herald-lspawn for local
 * recipients, at most concurrencylocal at once, and herald-remote for
 * remote ones, at most SEND_REMOTE_WINDOW times concurrencyremote at once
 * (herald-remote groups them into SMTP transactions and connections).
 * Each pass streams a message's recipient records once: delivered and
 * failed ones are skipped, pending ones that are due are delivered (a
 * recipient whose channel is full waits for a free slot, holding its
 * message's cursor), the rest set the time of the next pass; without
 * herald-remote, remote recipients stay queued. Outcomes are written into the recipient state words and made
 * durable in one fdatasync per message per batch of results (group commit)
 * before the slots they used are given to new deliveries, so a crash
 * repeats at most the deliveries that were in flight. At the end of a pass
 * with no delivery in flight, failures are bounced (one DSN for all of
 * them) and a message with nothing pending is removed. */
#ifndef HERALD_SEND_H
#define HERALD_SEND_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "queue_msg.h"
#include "send_retry.h"
#include "send_route.h"
#include "strmap.h"

#define SEND_ACTIVE_MAX 64
#define SEND_SCAN_INTERVAL 60           /* seconds between safety-net scans */
#define SEND_REMOTE_WINDOW 16           /* remote deliveries in flight per connection */

struct send_msg;

/* A recipient whose permanent failure is recorded in the bounce file and
 * whose 'F' state is written at the next commit, after that file's fsync. */
struct send_fail {
	uint64_t off;
	uint16_t tries;
};

struct send_msg {
	char id[QUEUE_ID_LEN + 1];
	struct buf path;                /* queue/mess/SS/ID, for the delivery requests */
	struct queue_msg qm;
	struct queue_cursor cur;
	bool cursor_done;
	bool force;                     /* this pass ignores next_try (SIGALRM) */
	bool again;                     /* SIGALRM came during the pass: one more, forced */
	unsigned inflight;
	uint64_t pending_left;          /* pending recipients left for a later pass */
	uint64_t remote_left;           /* of which remote */
	uint32_t earliest;              /* earliest next_try among them, 0 if none */
	bool failed;                    /* recipients in state F (a bounce is owed) */
	bool dirty;                     /* states written since the last sync */
	bool bounce_dirty;              /* bounce records appended since the last sync */
	struct send_fail *fails;
	size_t nfails, capfails;
	struct send_msg *next;          /* active ring */
};

struct send_slot {
	struct send_msg *msg;           /* NULL: free */
	uint64_t off;                   /* recipient record offset */
	uint16_t tries;
	char *rcpt;
};

enum send_chan_id { SEND_LOCAL, SEND_REMOTE, SEND_NCHAN };

/* One delivery channel. A slot's number plus base is the delivery number
 * on the wire and in the log (the remote channel's numbers follow the
 * local ones, so a number names one delivery); free slots are a stack,
 * and slots whose result was applied wait in settled until the commit
 * makes it durable and frees them. */
struct send_chan {
	const char *name;               /* "herald-lspawn", "herald-remote" */
	const char *kind;               /* "local", "remote" (for the log) */
	unsigned long base;             /* delivery number of slot 0 */
	int req, res;                   /* write requests / read results; -1: none */
	struct buf out, in;
	struct send_slot *slots;
	unsigned long nslots, inflight;
	unsigned long *free, nfree;
	unsigned long *settled, nsettled;
};

struct send_wait {
	uint32_t when;
	bool force;                     /* the pass ignores next_try (SIGALRM) */
	char id[QUEUE_ID_LEN + 1];
};

struct send {
	const char *qdir;               /* "queue", relative to the instance (cwd) */
	struct send_route route;
	struct send_retry retry;
	unsigned long concurrency;
	struct buf me;
	struct buf doublebounceto;
	/* messages */
	struct strmap known;            /* ids waiting or active */
	struct send_wait *heap;
	size_t nheap, capheap;
	struct send_msg *ring;          /* active ring (points at the next to serve) */
	unsigned nactive;
	/* deliveries */
	struct send_chan ch[SEND_NCHAN];
	unsigned long inflight;         /* both channels */
	struct buf to;                  /* scratch: a recipient's local address */
	struct buf verp;                /* scratch: a delivery's envelope sender */
	/* the rest */
	int trigger, trigger_keep;
	struct buf trig_in;
	bool stopping;
	uint64_t last_scan;
	uint32_t rnd;
};

/* Set up: read control files, open the trigger; lreq/lres talk to
 * herald-lspawn, rreq/rres to herald-remote (-1: no remote delivery). */
int send_init(struct send *s, int lreq, int lres, int rreq, int rres);
/* Run until SIGTERM (after the deliveries in flight) or a fatal error;
 * returns the exit code (111: fatal, err_str() says why). */
int send_run(struct send *s);
/* Re-read control files (SIGHUP); on error the old settings stay. */
int send_reload(struct send *s);
/* Free everything. */
void send_free(struct send *s);

/* send_msg.c: one message's passes */
/* Open message id and add it to the active ring; force: ignore next_try. */
int send_msg_activate(struct send *s, const char *id, bool force);
/* Start deliveries until the slots are full or no active message has a due
 * local recipient. */
int send_msg_dispatch(struct send *s, uint64_t now);
/* Apply one result from channel c. */
int send_msg_result(struct send *s, struct send_chan *c, unsigned long num, char status,
    const char *text, uint64_t now);
/* Free the slots of the results applied and make the states written
 * durable (bounce records first). With reap_follows (send_msg_reap comes
 * next), a message whose every recipient is delivered is left as it is:
 * it is removed, not synced. */
int send_msg_commit(struct send *s, bool reap_follows);
/* Finish the passes that are over: bounce, remove or put back to wait. */
int send_msg_reap(struct send *s, uint64_t now);
/* Unlink m from the ring of active messages and free it. */
void send_msg_drop(struct send *s, struct send_msg *m);

/* send_wait.c: the heap of waiting messages */
/* Queue id for a pass at when; force: that pass ignores next_try. */
int send_wait_push(struct send *s, const char *id, uint32_t when, bool force);
/* SIGALRM: every waiting message is due now with a forced pass, and every
 * active one gets one more forced pass when its current one ends. */
void send_wait_force_all(struct send *s);
/* The earliest waiting entry, or NULL. */
const struct send_wait *send_wait_top(const struct send *s);
/* Remove the earliest entry into out. */
void send_wait_pop(struct send *s, struct send_wait *out);
/* Scan the queue for messages not known yet. */
int send_wait_scan(struct send *s, uint64_t now);

/* send_bounce.c: */
/* Queue one DSN for the failed recipients of m and mark them reported. */
int send_bounce(struct send *s, struct send_msg *m, uint64_t now);

#endif
