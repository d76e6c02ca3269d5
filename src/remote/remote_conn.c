/* remote_conn: one SMTP connection of herald-remote: conn.h carries the
 * bytes, smtpc.h decides what they mean, and this file moves jobs in and
 * results out (see remote.h for the policy).
 *
 * Events from smtpc are handled in a loop (step returns the next event),
 * never by recursion, so a run of transactions decided without a reply
 * (all recipients over the server's SIZE) cannot grow the stack. After
 * every callback the machine's output is handed to the connection and the
 * deadline is set for what the machine now waits for: timeoutgreeting for
 * the greeting, timeoutremotedata for the reply to the final dot once the
 * whole message is out, timeoutremote for everything else (each reply,
 * the TLS handshake, and the message while it goes out: a deadline that
 * passes while bytes of it still moved is set anew, so only a stalled
 * write times out).
 *
 * Under the opportunistic TLS policy a TLS handshake that fails (or a
 * connection that breaks or times out during it) does not fail the host:
 * the host is used without STARTTLS for REMOTE_NOTLS_SECS, the connection
 * closes, and its domain is kicked, which opens a new one in plain text.
 * Such a connection keeps the policy it was opened under (it only leaves
 * STARTTLS out), so it carries opportunistic domains only, as before. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fsio.h"
#include "log.h"
#include "remote.h"

#define BODY_LOWAT 65536

static void on_conn(struct conn *cn, enum conn_event e, void *arg);

static void
unidle(struct remote_conn *c)
{
	struct remote_conn **p;

	for (p = &c->host->idle; *p; p = &(*p)->next_idle)
		if (*p == c) {
			*p = c->next_idle;
			break;
		}
	c->idle = false;
	c->next_idle = NULL;
}

/* Serve d from now on (NULL: nobody); the domain left is not kicked. */
static void
serve(struct remote_conn *c, struct remote_dom *d)
{
	struct remote_dom *old = c->dom;

	if (old == d)
		return;
	c->dom = d;
	if (d)
		d->nconn++;
	if (old) {
		old->nconn--;
		remote_dom_maybe_free(c->r, old);
	}
}

/* Stop serving the current domain and kick it: it may need a new connection. */
static void
detach(struct remote_conn *c)
{
	struct remote_dom *d = c->dom;

	if (d == NULL)
		return;
	c->dom = NULL;
	d->nconn--;
	remote_dom_kick(c->r, d);
	remote_dom_maybe_free(c->r, d);
}

/* Wait for work on the host's idle list. */
static enum smtpc_event
go_idle(struct remote_conn *c)
{
	serve(c, NULL);
	c->idle = true;
	c->next_idle = c->host->idle;
	c->host->idle = c;
	return SMTPC_EV_NONE;
}

/* End the session: QUIT if it can take one, else close at once. */
static enum smtpc_event
quit(struct remote_conn *c)
{
	c->quitting = true;
	return smtpc_quit(&c->sm) ? SMTPC_EV_NONE : SMTPC_EV_CLOSED;
}

/* Close and free c; jobs still on it go back to their domain. */
static void
close_conn(struct remote_conn *c)
{
	struct remote *r = c->r;
	struct remote_host *h = c->host;

	if (c->idle)
		unidle(c);
	if (c->ntxn > 0 && c->dom)
		remote_dom_requeue(c->dom, c->txn, c->ntxn);
	c->ntxn = 0;
	if (c->body)
		remote_msg_put(r, c->body);
	conn_free(c->c);
	if (c->sm_on)
		smtpc_free(&c->sm);
	buf_free(&c->chunk);
	h->nconn--;
	r->nconn--;
	if (c->prev)
		c->prev->next = c->next;
	else
		r->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (!h->proven && h->nconn == 0) {
		/* the probe is gone without a word: the next job probes again */
		h->probe_dom = NULL;
		ev_timer_stop(r->ev, &h->probe);
	}
	detach(c);
	free(c->txn);
	free(c->addrs);
	free(c->name);
	free(c);
	remote_host_freed(r, h);
}

int
remote_conn_open(struct remote *r, struct remote_host *h, struct remote_dom *d, const char *name)
{
	const struct sockaddr *from = NULL;
	socklen_t fromlen = 0;
	struct remote_conn *c = calloc(1, sizeof *c);

	if (c == NULL || (c->txn = calloc(REMOTE_TXN_RCPTS, sizeof *c->txn)) == NULL ||
	    (c->addrs = calloc(REMOTE_TXN_RCPTS, sizeof *c->addrs)) == NULL ||
	    (c->name = strdup(name)) == NULL) {
		if (c) {
			free(c->txn);
			free(c->addrs);
		}
		free(c);
		return -1;
	}
	c->captxn = c->capaddrs = REMOTE_TXN_RCPTS;
	c->r = r;
	c->host = h;
	c->tls = remote_conf_tls(&r->conf, d->name, &c->verify);
	if (h->sa.ss_family == AF_INET && r->conf.have_out4) {
		from = (const struct sockaddr *)&r->conf.out4;
		fromlen = sizeof(struct sockaddr_in);
	} else if (h->sa.ss_family == AF_INET6 && r->conf.have_out6) {
		from = (const struct sockaddr *)&r->conf.out6;
		fromlen = sizeof(struct sockaddr_in6);
	}
	c->c = conn_connect(r->ev, (const struct sockaddr *)&h->sa, h->salen, from, fromlen,
	    ev_now(r->ev) + (int64_t)r->conf.timeout_connect * 1000, on_conn, c);
	if (c->c == NULL) {
		log_warn("host %s: %s", h->key, err_str());
		free(c->txn);
		free(c->addrs);
		free(c->name);
		free(c);
		return -1;
	}
	h->nconn++;
	r->nconn++;
	c->next = r->conns;
	if (r->conns)
		r->conns->prev = c;
	r->conns = c;
	c->dom = d;
	d->nconn++;
	return 0;
}

void
remote_conn_end_unused(struct remote *r)
{
	struct remote_conn *c, *next;

	for (c = r->conns; c; c = next) {
		next = c->next;
		if (c->ntxn > 0 || c->body || c->quitting)
			continue;
		if (c->idle || (c->sm_on && smtpc_ready(&c->sm)))
			remote_conn_shutdown(c);
		else
			close_conn(c);  /* still setting up: nothing to finish */
	}
}

bool
remote_conn_fits(const struct remote_conn *c, const struct remote_dom *d)
{
	bool verify;
	size_t k;

	if (remote_conf_tls(&c->r->conf, d->name, &verify) != c->tls || verify != c->verify)
		return false;
	if (!verify)
		return true;
	/* a verified certificate is only good for the name it was checked against */
	for (k = 0; k < d->nhosts; k++)
		if (d->hosts[k] == c->host && strcmp(d->names[k], c->name) == 0)
			return true;
	return false;
}

/* Choose the domain for the next transaction: a domain waiting for this
 * host goes first (the current one queues up behind it), so domains that
 * share a host share its connections; only domains of the connection's
 * TLS policy (the others wait for a connection of their own). */
static struct remote_dom *
next_dom(struct remote_conn *c)
{
	struct remote_dom *d = c->dom, *w;
	size_t tries = c->host->nwaiting;

	while (tries-- > 0 && (w = remote_host_next_waiting(c->host)) != NULL) {
		if (w->njobs == 0) {
			remote_dom_maybe_free(c->r, w);
			continue;
		}
		if (!remote_conn_fits(c, w)) {
			remote_host_wait(c->host, w);
			continue;
		}
		if (d && d != w && d->njobs > 0)
			remote_host_wait(c->host, d);
		serve(c, w);
		return w;
	}
	if (d && d->njobs > 0)
		return d;
	/* a domain held back by concurrencyremote that this host serves */
	if ((w = remote_dom_global_take(c->r, c)) != NULL)
		serve(c, w);
	return w;
}

/* Start the next transaction, or go idle or quit. */
static enum smtpc_event
next_txn(struct remote_conn *c)
{
	struct remote_dom *d;
	struct smtpc_txn t;
	struct remote_msg *m;
	size_t i, n;

	if (c->txns >= c->host->lim.txns || remote_ending(c->r))
		return quit(c);
	if ((d = next_dom(c)) == NULL) {
		if (c->r->ngwait > 0) {
			/* others wait for a connection slot: give this one up */
			serve(c, NULL);
			return quit(c);
		}
		return go_idle(c);
	}
	if (!remote_host_take(c->r, c->host)) {
		/* the host's rate: wait idle; the domain is woken when one may start */
		remote_host_wait(c->host, d);
		return go_idle(c);
	}
	n = remote_dom_take(d, c);
	m = c->txn[0]->msg;
	for (i = 0; i < n; i++) {
		c->addrs[i].p = c->txn[i]->rcpt;
		c->addrs[i].len = c->txn[i]->rcpt_len;
		c->addrs[i].id = i;
	}
	memset(&t, 0, sizeof t);
	t.sender = c->txn[0]->sender;
	t.sender_len = c->txn[0]->sender_len;
	t.rcpt = c->addrs;
	t.nrcpt = n;
	t.size = m->wire_size;
	t.body8 = m->body8;
	c->txns++;
	return smtpc_txn_start(&c->sm, &t);
}

/* Answer the transaction's recipients; with requeue, those that got no
 * answer because the session failed go back to their domain. */
static void
results(struct remote_conn *c, bool requeue)
{
	size_t i, n = smtpc_nresults(&c->sm), back = 0;

	for (i = 0; i < n && c->ntxn > 0; i++) {
		const struct smtpc_result *res = smtpc_result(&c->sm, i);
		struct remote_job *j = c->txn[res->id];

		if (requeue && res->session) {
			c->txn[back++] = j;
			continue;
		}
		remote_result(c->r, j, res->status == SMTPC_OK ? 'K' :
		    res->status == SMTPC_PERMFAIL ? 'D' : 'Z', res->text.p);
	}
	if (back > 0 && c->dom)
		remote_dom_requeue(c->dom, c->txn, back);
	c->ntxn = 0;
}

/* Queue more of a streamed body; when it is all queued, tell smtpc. */
static void
pump(struct remote_conn *c)
{
	struct remote_msg *m = c->body;
	char in[16384];
	ssize_t n;

	while (conn_pending(c->c) < BODY_LOWAT && c->body_pos < m->len) {
		size_t want = m->len - c->body_pos < sizeof in ? (size_t)(m->len - c->body_pos) :
		    sizeof in;

		n = fsio_pread_full(m->fd, in, want, (off_t)(m->off + c->body_pos));
		if (n <= 0) {
			log_warn("%s: cannot read the message: %m", m->path);
			c->body_pos = m->len + 1;       /* settle() fails the session soon */
			return;
		}
		buf_reset(&c->chunk);
		if (smtpc_body_encode(&c->enc, &c->chunk, in, (size_t)n) == -1 ||
		    conn_put(c->c, c->chunk.p, c->chunk.len) == -1)
			return;
		c->body_pos += (uint64_t)n;
	}
	if (c->body_pos == m->len) {
		buf_reset(&c->chunk);
		if (smtpc_body_finish(&c->enc, &c->chunk) == 0)
			conn_put(c->c, c->chunk.p, c->chunk.len);
		remote_msg_put(c->r, m);
		c->body = NULL;
		conn_lowat(c->c, 0);
		smtpc_data_done(&c->sm);
	}
}

static void
send_body(struct remote_conn *c)
{
	struct remote_msg *m = c->txn[0]->msg;

	if (m->cached) {
		conn_put(c->c, m->wire.p, m->wire.len);
		smtpc_data_done(&c->sm);
		return;
	}
	m->refs++;
	c->body = m;
	c->body_pos = 0;
	smtpc_body_init(&c->enc);
	conn_lowat(c->c, BODY_LOWAT);
	pump(c);
}

/* The TLS handshake failed (why, e.g. "TLS handshake failed: ..."): under the
 * opportunistic policy the host is used in plain text for a while, and
 * true says the caller is to close c (its domain then gets a new
 * connection without STARTTLS); false: fail the session as usual. */
static bool
tls_fallback(struct remote_conn *c, const char *why)
{
	struct remote_host *h = c->host;

	if (c->tls != SMTPC_TLS_OPPORTUNISTIC || smtpc_waiting(&c->sm) != SMTPC_WAIT_TLS)
		return false;
	h->notls_until = ev_now(c->r->ev) + (int64_t)REMOTE_NOTLS_SECS * 1000;
	log_info("host %s (%s): TLS failed, plain text for %d s: %s", h->key, h->name,
	    REMOTE_NOTLS_SECS, why);
	return true;
}

/* The session failed: answer or requeue, mark the host, quit or close. */
static enum smtpc_event
failed(struct remote_conn *c)
{
	const struct smtpc_failure *f = smtpc_failure(&c->sm);

	results(c, true);
	remote_host_down(c->r, c->host, f->text.p ? f->text.p : "session failed (#4.4.2)");
	detach(c);
	return quit(c);
}

/* Act on ev; returns the next event (NONE when done), or CLOSED after
 * which c must be closed. */
static enum smtpc_event
step(struct remote_conn *c, enum smtpc_event ev)
{
	switch (ev) {
	case SMTPC_EV_READY:
		remote_host_ready(c->r, c->host);
		return next_txn(c);
	case SMTPC_EV_STARTTLS:
		conn_consume(c->c, conn_avail(c->c));
		if (conn_starttls(c->c, c->r->tls_ctx, c->name,
		    c->verify ? CONN_TLS_VERIFY : CONN_TLS_ANY) == -1) {
			if (tls_fallback(c, err_str()))
				return SMTPC_EV_CLOSED;
			return smtpc_tls_done(&c->sm, false);
		}
		return SMTPC_EV_NONE;
	case SMTPC_EV_SEND_BODY:
		send_body(c);
		return SMTPC_EV_NONE;
	case SMTPC_EV_TXN_DONE:
		results(c, false);
		return next_txn(c);
	case SMTPC_EV_FAILED:
		return failed(c);
	default:
		return SMTPC_EV_NONE;
	}
}

/* Whether the message is going out (some of it still queued). */
static bool
sending(const struct remote_conn *c)
{
	enum smtpc_wait w = smtpc_waiting(&c->sm);

	return (w == SMTPC_WAIT_BODY || w == SMTPC_WAIT_DOT) && conn_pending(c->c) > 0;
}

/* How long to wait, in ms, for what the machine waits for now. */
static int64_t
wait_ms(const struct remote_conn *c)
{
	const struct remote_conf *cf = &c->r->conf;

	if (c->idle)
		return REMOTE_IDLE_MS;
	if (c->body && c->body_pos > c->body->len)
		return 0;               /* the message could not be read: end it */
	switch (smtpc_waiting(&c->sm)) {
	case SMTPC_WAIT_GREETING:
		return (int64_t)cf->timeout_greeting * 1000;
	case SMTPC_WAIT_DOT:
		if (conn_pending(c->c) == 0)
			return (int64_t)cf->timeout_data * 1000;
		return (int64_t)cf->timeout_remote * 1000;
	default:
		return (int64_t)cf->timeout_remote * 1000;
	}
}

/* Hand the machine's output to the connection and set the deadline. */
static void
settle(struct remote_conn *c)
{
	struct buf *o = smtpc_output(&c->sm);

	if (o->len) {
		conn_put(c->c, o->p, o->len);
		buf_reset(o);
	}
	c->out_mark = conn_bytes_out(c->c);
	conn_deadline(c->c, ev_now(c->r->ev) + wait_ms(c));
}

/* Run events to the end; false if c was closed. */
static bool
run(struct remote_conn *c, enum smtpc_event ev)
{
	while (ev != SMTPC_EV_NONE) {
		if (ev == SMTPC_EV_CLOSED) {
			close_conn(c);
			return false;
		}
		ev = step(c, ev);
	}
	settle(c);
	return true;
}

void
remote_conn_assign(struct remote_conn *c, struct remote_dom *d)
{
	if (c->idle)
		unidle(c);
	c->dom = d;
	d->nconn++;
	run(c, next_txn(c));
}

void
remote_conn_shutdown(struct remote_conn *c)
{
	if (c->idle)
		unidle(c);
	if (quit(c) == SMTPC_EV_CLOSED) {
		close_conn(c);
		return;
	}
	settle(c);
}

static void
on_read(struct remote_conn *c)
{
	enum smtpc_event ev;
	size_t used;

	while (conn_avail(c->c) > 0) {
		ev = smtpc_feed(&c->sm, conn_peek(c->c), conn_avail(c->c), &used);
		conn_consume(c->c, used);
		if (ev == SMTPC_EV_NONE && used == 0)
			break;
		if (!run(c, ev))
			return;
		if (ev == SMTPC_EV_STARTTLS)
			break;
	}
}

static void
on_conn(struct conn *cn, enum conn_event e, void *arg)
{
	struct remote_conn *c = arg;
	struct remote_host *h = c->host;
	struct buf why = BUF_INIT, peer = BUF_INIT;
	enum smtpc_tls tls;

	(void)cn;
	switch (e) {
	case CONN_CONNECTED:
		tls = c->tls;
		if (tls == SMTPC_TLS_OPPORTUNISTIC &&
		    (c->r->tls_ctx == NULL || h->notls_until > ev_now(c->r->ev)))
			tls = SMTPC_TLS_NONE;   /* no TLS at hand, or it failed with h lately */
		buf_printf(&peer, "%s[%s]", c->name, h->key);
		if (smtpc_init(&c->sm, c->r->conf.me.p, peer.p ? peer.p : h->key, tls) == -1) {
			buf_free(&peer);
			close_conn(c);
			return;
		}
		buf_free(&peer);
		c->sm_on = true;
		settle(c);
		return;
	case CONN_FAILED:
		buf_printf(&why, "%s[%s]: cannot connect: %s (#4.4.1)", c->name, h->key,
		    conn_error(c->c));
		remote_host_down(c->r, h, why.p ? why.p : "cannot connect (#4.4.1)");
		buf_free(&why);
		close_conn(c);
		return;
	case CONN_READ:
		on_read(c);
		return;
	case CONN_TLS:
		run(c, smtpc_tls_done(&c->sm, true));
		return;
	case CONN_DRAINED:
		if (c->body) {
			pump(c);
			settle(c);      /* the body is moving: a new deadline */
		} else if (!c->idle && !c->quitting && smtpc_waiting(&c->sm) == SMTPC_WAIT_DOT)
			settle(c);      /* the whole message is out: the final reply's time */
		return;
	case CONN_TIMEOUT:
		if (c->idle) {
			remote_conn_shutdown(c);
			return;
		}
		if (c->quitting) {
			close_conn(c);
			return;
		}
		if (sending(c) && conn_bytes_out(c->c) != c->out_mark &&
		    !(c->body && c->body_pos > c->body->len)) {
			settle(c);      /* slow, but the message moved: not stalled */
			return;
		}
		if (tls_fallback(c, "TLS handshake: timed out")) {
			close_conn(c);
			return;
		}
		run(c, smtpc_lost(&c->sm, smtpc_waiting(&c->sm) == SMTPC_WAIT_DOT &&
		    conn_pending(c->c) > 0 ? "timed out sending the message" : "timed out"));
		return;
	case CONN_EOF:
		if (c->idle) {          /* the server ended an idle session: fine */
			close_conn(c);
			return;
		}
		if (tls_fallback(c, "TLS handshake: connection closed")) {
			close_conn(c);
			return;
		}
		run(c, smtpc_lost(&c->sm, NULL));
		return;
	case CONN_ERROR:
		if (c->quitting || c->idle) {
			close_conn(c);
			return;
		}
		if (tls_fallback(c, conn_error(c->c))) {
			close_conn(c);
			return;
		}
		if (smtpc_waiting(&c->sm) == SMTPC_WAIT_TLS) {
			if (run(c, smtpc_tls_done(&c->sm, false)))
				close_conn(c);
			return;
		}
		if (run(c, smtpc_lost(&c->sm, conn_error(c->c))))
			close_conn(c);      /* the descriptor is gone either way */
		return;
	}
}
