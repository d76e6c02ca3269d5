/* send_bounce: reporting a message's permanent failures. The reasons come
 * from the bounce file (queue_bounce.h); recipients in state 'F' without a
 * reason on file (a crash between the two writes) are reported too. Once
 * the DSN is queued the recipients become 'B' and the bounce file goes; a
 * crash between the two repeats the DSN, never loses it.
 *
 * Grouping: without VERP one DSN covers every failure of the message. With
 * a VERP sender (prefix-@host-@[]) each failed recipient has its own return
 * path, prefix-user=domain@host, and gets its own DSN sent there, so the
 * list manager learns which subscriber failed. Where a DSN goes (the
 * sender, a double bounce, dropped) is send_dsn_route's decision. */
#include "config.h"

#include <string.h>

#include "err.h"
#include "log.h"
#include "queue_bounce.h"
#include "send.h"
#include "send_dsn.h"
#include "verp.h"

struct bounce {
	struct send *s;
	struct send_msg *m;
	uint64_t now;
	bool verp;
	struct send_dsn dsn;            /* the one DSN without VERP */
	struct strmap seen;             /* recipients with a reason on file */
	size_t queued, dropped;
};

/* Route, build and queue one DSN whose recipients were added to d. */
static int
dsn_send(struct bounce *b, struct send_dsn *d, const char *sender)
{
	struct buf to = BUF_INIT, from = BUF_INIT, out = BUF_INIT;
	int rc = -1;

	if (send_dsn_route(sender, b->s->doublebounceto.p, b->s->me.p, &to, &from) == SEND_DSN_DROP) {
		b->dropped += d->count;
		rc = 0;
		goto out;
	}
	d->to = to.p;
	if (send_dsn_finish(d, &b->m->qm, &out) == -1 ||
	    send_dsn_queue(out.p, out.len, to.p, from.p) == -1)
		goto out;
	log_info("msg %s: bounce for %zu recipient%s queued to <%s>", b->m->id, d->count,
	    d->count == 1 ? "" : "s", to.p);
	b->queued++;
	rc = 0;
out:
	buf_free(&to);
	buf_free(&from);
	buf_free(&out);
	return rc;
}

static void
dsn_init(struct bounce *b, struct send_dsn *d)
{
	memset(d, 0, sizeof *d);
	d->me = b->s->me.p;
	d->sender = b->m->qm.sender;
	d->arrival = b->m->qm.hdr.created;
	d->now = (time_t)b->now;
}

/* One failed recipient: into the message's DSN, or (VERP) a DSN of its own. */
static int
add(struct bounce *b, const char *rcpt, const char *status, const char *text, time_t when)
{
	struct buf sender = BUF_INIT;
	struct send_dsn one;
	int rc = -1;

	if (!b->verp)
		return send_dsn_rcpt(&b->dsn, rcpt, status, text, when);
	dsn_init(b, &one);
	if (verp_encode(&sender, b->m->qm.sender, b->m->qm.hdr.sender_len, rcpt, strlen(rcpt)) == -1)
		goto out;
	one.sender = sender.p;
	if (send_dsn_begin(&one) == -1 || send_dsn_rcpt(&one, rcpt, status, text, when) == -1 ||
	    dsn_send(b, &one, sender.p) == -1)
		goto out;
	rc = 0;
out:
	send_dsn_free(&one);
	buf_free(&sender);
	return rc;
}

static int
on_record(void *arg, const struct queue_bounce_rec *r)
{
	struct bounce *b = arg;

	if (strmap_put(&b->seen, r->rcpt, strlen(r->rcpt), NULL) == -1)
		return -1;
	return add(b, r->rcpt, r->status, r->text, r->when);
}

/* Walk the records: report failed ones without a reason on file (report),
 * or mark every failed one reported. */
static int
walk(struct bounce *b, bool report)
{
	struct queue_cursor cur;
	struct queue_rcpt r;
	struct queue_rstate st;
	int n;

	if (queue_cursor_open(&cur, &b->m->qm) == -1)
		return -1;
	while ((n = queue_cursor_next(&cur, &r)) == 1) {
		if (r.st.state != QUEUE_RCPT_FAILED)
			continue;
		if (report) {
			if (!strmap_get(&b->seen, r.addr, r.addr_len) &&
			    add(b, r.addr, "5.0.0", "The reason for this failure was not recorded. (#5.0.0)",
				(time_t)b->now) == -1) {
				n = -1;
				break;
			}
			continue;
		}
		st = r.st;
		st.state = QUEUE_RCPT_BOUNCED;
		if (queue_msg_set_state(&b->m->qm, r.off, &st) == -1) {
			n = -1;
			break;
		}
	}
	queue_cursor_close(&cur);
	if (n == 0 && !report)
		n = queue_msg_sync(&b->m->qm);
	return n;
}

int
send_bounce(struct send *s, struct send_msg *m, uint64_t now)
{
	struct bounce b;
	int rc = -1;

	memset(&b, 0, sizeof b);
	b.s = s;
	b.m = m;
	b.now = now;
	b.verp = verp_is_verp(m->qm.sender, m->qm.hdr.sender_len);
	dsn_init(&b, &b.dsn);
	if (!b.verp && send_dsn_begin(&b.dsn) == -1)
		goto out;
	if (queue_bounce_read(s->qdir, m->id, on_record, &b) == -1 || walk(&b, true) == -1)
		goto out;
	if (!b.verp && b.dsn.count > 0 && dsn_send(&b, &b.dsn, m->qm.sender) == -1)
		goto out;
	if (b.dropped)
		log_info("msg %s: failures of %zu recipients not reported: the sender <%s> is a "
		    "bounce address", m->id, b.dropped, m->qm.sender);
	if (walk(&b, false) == -1)
		goto out;
	queue_bounce_remove(s->qdir, m->id);
	m->failed = false;
	rc = 0;
out:
	send_dsn_free(&b.dsn);
	strmap_free(&b.seen);
	return rc;
}
