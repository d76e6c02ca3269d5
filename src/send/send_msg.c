/* send_msg: passes over one message's recipients (see send.h for the
 * scheduling and the group-commit argument). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "queue_bounce.h"
#include "queue_path.h"
#include "queue_spare.h"
#include "send.h"
#include "send_lproto.h"
#include "verp.h"

/* m's queue file failed queue_msg_verify: it is never to be delivered;
 * rename it to ID.bad, out of the scan's way, for a look. */
static void
set_aside(struct send_msg *m)
{
	struct buf bad = BUF_INIT;

	log_warn("msg %s: the queue file is damaged: %s; renamed to %s.bad", m->id, err_str(),
	    m->path.p);
	if (buf_printf(&bad, "%s.bad", m->path.p) == -1 || rename(m->path.p, bad.p) == -1)
		log_warn("msg %s: cannot rename %s: %m", m->id, m->path.p);
	buf_free(&bad);
}

int
send_msg_activate(struct send *s, const char *id, bool force)
{
	struct send_msg *m;
	int e;

	if ((m = calloc(1, sizeof *m)) == NULL) {
		err_set("out of memory");
		return -1;
	}
	memcpy(m->id, id, QUEUE_ID_LEN + 1);
	m->qm.fd = -1;
	if (queue_path_mess(&m->path, s->qdir, id) == -1)
		goto fail;
	if ((queue_msg_open(&m->qm, s->qdir, id, true) == -1 && errno == EBADMSG) ||
	    (m->qm.fd != -1 && queue_msg_verify(&m->qm) == -1)) {
		set_aside(m);
		errno = ENOENT;         /* forgotten, like a message that has gone */
		goto fail;
	}
	if (m->qm.fd == -1 || queue_cursor_open(&m->cur, &m->qm) == -1)
		goto fail;
	m->force = force;
	if (s->ring) {
		m->next = s->ring->next;
		s->ring->next = m;
	} else {
		m->next = m;
		s->ring = m;
	}
	s->nactive++;
	return 0;
fail:
	e = errno;
	queue_msg_close(&m->qm);
	buf_free(&m->path);
	free(m);
	errno = e;
	return -1;
}

static void
note_later(struct send_msg *m, uint32_t when)
{
	m->pending_left++;
	if (m->earliest == 0 || when < m->earliest)
		m->earliest = when;
}

/* Record a permanent failure: the bounce text now, the 'F' state at commit. */
static int
fail(struct send *s, struct send_msg *m, uint64_t off, uint16_t tries, const char *rcpt,
    const char *status, const char *text)
{
	struct send_fail *f;

	if (m->nfails == m->capfails) {
		size_t cap = m->capfails ? m->capfails * 2 : 16;

		if ((f = realloc(m->fails, cap * sizeof *f)) == NULL) {
			err_set("out of memory");
			return -1;
		}
		m->fails = f;
		m->capfails = cap;
	}
	if (queue_bounce_append(s->qdir, m->id, rcpt, status, text) == -1)
		return -1;
	m->fails[m->nfails].off = off;
	m->fails[m->nfails].tries = tries;
	m->nfails++;
	m->bounce_dirty = true;
	m->failed = true;
	return 0;
}

/* Start one delivery of m's recipient r on channel c (to address to). */
static int
start(struct send *s, struct send_chan *c, struct send_msg *m, const struct queue_rcpt *r,
    const char *to)
{
	struct send_slot *slot;
	unsigned long num;

	if (c->nfree == 0)
		abort();        /* step only starts with a free slot */
	num = c->free[c->nfree - 1];
	slot = &c->slots[num];
	if ((slot->rcpt = strdup(r->addr)) == NULL) {
		err_set("out of memory");
		return -1;
	}
	if (verp_encode(&s->verp, m->qm.sender, m->qm.hdr.sender_len, r->addr, r->addr_len) == -1 ||
	    send_lproto_request(&c->out, c->base + num, m->path.p, m->qm.hdr.body_off,
		m->qm.hdr.body_len, s->verp.p, to) == -1) {
		free(slot->rcpt);
		slot->rcpt = NULL;
		return -1;
	}
	c->nfree--;
	slot->msg = m;
	slot->off = r->off;
	slot->tries = r->st.tries;
	m->inflight++;
	c->inflight++;
	s->inflight++;
	log_info("starting delivery %lu: msg %s to %s %s", c->base + num, m->id, c->kind, to);
	return 0;
}

/* Throw away m's recipient r (control/discard): delivered, as far as the
 * queue is concerned, with no delivery made. */
static int
discard(struct send_msg *m, const struct queue_rcpt *r)
{
	struct queue_rstate st;

	st.state = QUEUE_RCPT_DONE;
	st.tries = (uint16_t)(r->st.tries + 1);
	st.next_try = 0;
	if (queue_msg_set_state(&m->qm, r->off, &st) == -1)
		return -1;
	m->dirty = true;
	log_info("msg %s: %s: discarded (control/discard)", m->id, r->addr);
	return 0;
}

/* Advance m's cursor to its next due recipient and start it.
 * Returns 1 if a delivery started, 0 at the end of the pass or when the
 * next recipient's channel is full (it is read again next time), -1 on error. */
static int
step(struct send *s, struct send_msg *m, uint64_t now)
{
	struct buf *to = &s->to;
	enum send_route_kind kind;
	struct queue_rcpt r;
	struct send_chan *c;
	int n, rc = 0;

	while (!m->cursor_done) {
		n = queue_cursor_next(&m->cur, &r);
		if (n == 0) {
			m->cursor_done = true;
			break;
		}
		if (n == -1) {
			log_warn("msg %s: %s; leaving it for later", m->id, err_str());
			m->cursor_done = true;
			note_later(m, (uint32_t)(now + s->retry.max));
			break;
		}
		if (r.st.state == QUEUE_RCPT_FAILED)
			m->failed = true;
		if (r.st.state != QUEUE_RCPT_PENDING)
			continue;
		if (send_retry_expired(&s->retry, m->qm.hdr.created, now)) {
			if (fail(s, m, r.off, r.st.tries, r.addr, "4.4.7",
				"This message has been in the queue too long; I've given up. (#4.4.7)") == -1) {
				rc = -1;
				break;
			}
			log_info("msg %s: %s: expired", m->id, r.addr);
			continue;
		}
		kind = send_route_classify(&s->route, r.addr, r.addr_len, to);
		c = NULL;               /* none for a discarded recipient */
		if (kind == SEND_ROUTE_REMOTE) {
			c = &s->ch[SEND_REMOTE];
			if (c->req == -1) {
				m->remote_left++;
				note_later(m, (uint32_t)(now + s->retry.max));
				continue;
			}
			if (buf_set(to, r.addr, r.addr_len) == -1) {
				err_set("out of memory");
				rc = -1;
				break;
			}
		} else if (kind == SEND_ROUTE_LOCAL)
			c = &s->ch[SEND_LOCAL];
		if (!m->force && r.st.next_try > now) {
			note_later(m, r.st.next_try);
			continue;
		}
		if (kind == SEND_ROUTE_DISCARD) {
			if (discard(m, &r) == -1) {
				rc = -1;
				break;
			}
			continue;
		}
		if (c->nfree == 0) {
			queue_cursor_back(&m->cur, &r);
			break;
		}
		rc = start(s, c, m, &r, to->p) == -1 ? -1 : 1;
		break;
	}
	return rc;
}

int
send_msg_dispatch(struct send *s, uint64_t now)
{
	struct send_msg *m;
	unsigned idle = 0;
	int n;

	while (!s->stopping && (s->ch[SEND_LOCAL].nfree || s->ch[SEND_REMOTE].nfree) && s->ring &&
	    idle < s->nactive) {
		m = s->ring;
		s->ring = m->next;
		if (m->cursor_done) {
			idle++;
			continue;
		}
		if ((n = step(s, m, now)) == -1)
			return -1;
		idle = n == 1 ? 0 : idle + 1;
	}
	return 0;
}

/* The enhanced status code "X.Y.Z" at the end of text, or dflt. */
static void
status_of(const char *text, const char *dflt, char out[16])
{
	const char *p = strstr(text, "(#");
	size_t n;

	snprintf(out, 16, "%s", dflt);
	while (p && strstr(p + 2, "(#"))
		p = strstr(p + 2, "(#");
	if (p == NULL)
		return;
	p += 2;
	n = strcspn(p, ")");
	if (n >= 5 && n < 16 && p[n] == ')' && (p[0] == '4' || p[0] == '5') && p[1] == '.') {
		memcpy(out, p, n);
		out[n] = '\0';
	}
}

int
send_msg_result(struct send *s, struct send_chan *c, unsigned long num, char status,
    const char *text, uint64_t now)
{
	struct send_slot *slot;
	struct queue_rstate st;
	struct send_msg *m;
	char code[16];

	if (num < c->base || num - c->base >= c->nslots ||
	    (slot = &c->slots[num - c->base])->msg == NULL || slot->off == 0) {
		err_set("%s reported delivery %lu, which is not in flight", c->name, num);
		return -1;
	}
	m = slot->msg;
	c->settled[c->nsettled++] = num - c->base;     /* freed at the next commit */
	switch (status) {
	case 'K':
		log_info("delivery %lu: success: %s", num, text);
		st.state = QUEUE_RCPT_DONE;
		st.tries = (uint16_t)(slot->tries + 1);
		st.next_try = 0;
		break;
	case 'D':
		log_info("delivery %lu: failure: %s", num, text);
		status_of(text, "5.0.0", code);
		if (code[0] == '4')
			code[0] = '5';
		if (fail(s, m, slot->off, (uint16_t)(slot->tries + 1), slot->rcpt, code, text) == -1)
			return -1;
		slot->off = 0;          /* done with the record; the slot is freed at commit */
		return 0;
	default:
		log_info("delivery %lu: deferral: %s", num, text);
		st.state = QUEUE_RCPT_PENDING;
		st.tries = (uint16_t)(slot->tries + 1);
		st.next_try = send_retry_next(&s->retry, st.tries, now, s->rnd = s->rnd * 1103515245u + 12345u);
		note_later(m, st.next_try);
		break;
	}
	if (queue_msg_set_state(&m->qm, slot->off, &st) == -1)
		return -1;
	m->dirty = true;
	slot->off = 0;
	return 0;
}

/* Make m's states durable: bounce records, then the 'F' states, then one fdatasync. */
static int
commit_msg(struct send *s, struct send_msg *m)
{
	struct queue_rstate st;
	size_t i;

	if (m->bounce_dirty) {
		if (queue_bounce_sync(s->qdir, m->id) == -1)
			return -1;
		m->bounce_dirty = false;
	}
	for (i = 0; i < m->nfails; i++) {
		st.state = QUEUE_RCPT_FAILED;
		st.tries = m->fails[i].tries;
		st.next_try = 0;
		if (queue_msg_set_state(&m->qm, m->fails[i].off, &st) == -1)
			return -1;
		m->dirty = true;
	}
	m->nfails = 0;
	if (m->dirty) {
		if (queue_msg_sync(&m->qm) == -1)
			return -1;
		m->dirty = false;
	}
	return 0;
}

/* m's pass is over and every recipient it had is delivered: finish()
 * removes it at once, so its new state words need not be made durable
 * first (a crash before the removal delivers them again, like any
 * delivery in flight; a removal that survives a crash is the end state). */
static bool
delivered_all(const struct send_msg *m)
{
	return m->cursor_done && m->inflight == 0 && m->pending_left == 0 && !m->failed &&
	    m->nfails == 0 && !m->bounce_dirty;
}

int
send_msg_commit(struct send *s, bool reap_follows)
{
	struct send_msg *m = s->ring;
	unsigned long i;
	unsigned k;
	int c;

	for (c = 0; c < SEND_NCHAN; c++) {
		struct send_chan *ch = &s->ch[c];

		for (i = 0; i < ch->nsettled; i++) {    /* results applied */
			struct send_slot *slot = &ch->slots[ch->settled[i]];

			slot->msg->inflight--;
			ch->inflight--;
			s->inflight--;
			slot->msg = NULL;
			free(slot->rcpt);
			slot->rcpt = NULL;
			ch->free[ch->nfree++] = ch->settled[i];
		}
		ch->nsettled = 0;
	}
	for (k = 0; k < s->nactive; k++, m = m->next)
		if ((m->dirty || m->bounce_dirty || m->nfails) && !(reap_follows && delivered_all(m)) &&
		    commit_msg(s, m) == -1)
			return -1;
	return 0;
}

void
send_msg_drop(struct send *s, struct send_msg *m)
{
	struct send_msg *p = s->ring;

	if (m->next == m)
		s->ring = NULL;
	else {
		while (p->next != m)
			p = p->next;
		p->next = m->next;
		if (s->ring == m)
			s->ring = m->next;
	}
	s->nactive--;
	queue_cursor_close(&m->cur);
	queue_msg_close(&m->qm);
	buf_free(&m->path);
	free(m->fails);
	free(m);
}

/* End m's pass: bounce, then remove it or put it back to wait. */
static int
finish(struct send *s, struct send_msg *m, uint64_t now)
{
	uint32_t when;

	if (!delivered_all(m) && commit_msg(s, m) == -1)
		return -1;
	if (m->failed && send_bounce(s, m, now) == -1)
		log_warn("msg %s: cannot bounce now: %s", m->id, err_str());
	if (m->pending_left == 0 && !m->failed) {
		/* kept as a spare for a new message, or removed */
		if (queue_spare_retire(s->qdir, m->path.p, m->qm.fd) == -1)
			log_warn("msg %s: %s", m->id, err_str());
		/* its bounce file, if any, went with the bounce (send_bounce);
		 * herald-clean removes one a crash left behind */
		strmap_del(&s->known, m->id, QUEUE_ID_LEN);
		log_info("end msg %s", m->id);
		send_msg_drop(s, m);
		return 0;
	}
	if (m->remote_left)
		log_info("msg %s: %llu remote recipients deferred: herald-remote is not "
		    "running (#4.3.0)", m->id, (unsigned long long)m->remote_left);
	when = m->earliest ? m->earliest : (uint32_t)(now + s->retry.min);
	if (m->failed)          /* the bounce could not be queued: try it again soon */
		when = (uint32_t)(now + s->retry.min);
	if (m->again)
		when = (uint32_t)now;
	if (send_wait_push(s, m->id, when, m->again) == -1)
		return -1;
	send_msg_drop(s, m);
	return 0;
}

int
send_msg_reap(struct send *s, uint64_t now)
{
	struct send_msg *m, *next;
	unsigned k, n = s->nactive;

	m = s->ring;
	for (k = 0; k < n && m; k++) {
		next = m->next;
		if (m->cursor_done && m->inflight == 0 && finish(s, m, now) == -1)
			return -1;
		m = next;
		if (s->ring == NULL)
			break;
	}
	return 0;
}
