/* conn: a non-blocking client connection on herald's event loop (see
 * conn.h for the API and its rules, conn_int.h for the structure and
 * conn_io.c for the buffers): connecting, the TLS handshake, and the state
 * machine that turns what the loop reports into the owner's events.
 *
 * All reading, writing and reporting happens in conn_run, called by the
 * loop only; busy counts conn_run frames on the stack, and conn_free while
 * busy releases the socket at once but leaves the memory to the outermost
 * frame. The one timer serves the deadline and "kicks": when there is
 * work the loop would not signal (the owner started TLS or consumed input
 * outside a callback while TLS holds decrypted bytes, a pass limit was
 * hit, a failure was found outside the loop), it is armed for now. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn_int.h"
#include "err.h"
#include "tls.h"

#define CONN_PASSES 16                  /* reads/writes per round, for fairness */

static void conn_timer_cb(struct ev_timer *t);

/* Stop watching and close the socket; the rest stays for conn_error. */
static void
conn_release(struct conn *c)
{
	ev_io_del(c->ev, &c->io);
	ev_timer_stop(c->ev, &c->timer);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void
conn_destroy(struct conn *c)
{
	conn_release(c);
	if (c->ssl)
		tls_free(c->ssl);
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->errtext);
	free(c);
}

/* Tell the owner; false if it freed the connection. */
static bool
conn_emit(struct conn *c, enum conn_event e)
{
	c->cb(c, e, c->arg);
	return !c->dead;
}

/* Close with a final CONN_FAILED (still connecting) or CONN_ERROR. */
static void
conn_fail(struct conn *c, int e, const char *text)
{
	bool connecting = c->state == CONN_S_CONNECTING;

	conn_release(c);
	c->state = CONN_S_CLOSED;
	c->err = e;
	buf_reset(&c->errtext);
	buf_adds(&c->errtext, text);
	conn_emit(c, connecting ? CONN_FAILED : CONN_ERROR);
}

/* conn_fail with strerror(e) in lower case, after "what: " if what. */
static void
conn_fail_errno(struct conn *c, int e, const char *what)
{
	char text[256];
	int n = 0;

	if (what)
		n = snprintf(text, sizeof text, "%s: ", what);
	if (n < 0 || (size_t)n >= sizeof text)
		n = 0;
	snprintf(text + n, sizeof text - (size_t)n, "%s", strerror(e));
	text[n] = (char)tolower((unsigned char)text[n]);
	conn_fail(c, e, text);
}

/* Fail after a read or write error (errno; EPROTO: err_str() says why). */
static void
conn_fail_io(struct conn *c)
{
	int e = errno;

	if (e == EPROTO || e == ENOMEM)
		conn_fail(c, e, err_str());
	else
		conn_fail_errno(c, e ? e : ECONNRESET, NULL);
}

/* Waiting interest, and the timer (kicked for now when there is work the
 * loop would not signal, else at the deadline). Never reports anything. */
static void
conn_update(struct conn *c)
{
	unsigned want = 0;
	bool work = c->perr != 0, room;
	int64_t at;

	switch (c->state) {
	case CONN_S_CONNECTING:
		want = EV_WRITE;
		break;
	case CONN_S_HANDSHAKE:
		want = c->hs_want;
		work = work || c->hs_want == 0;
		break;
	case CONN_S_OPEN:
		room = !c->eof && conn_avail(c) < CONN_INBUF;
		if (room || c->wr_wants_r)
			want |= EV_READ;
		if ((conn_pending(c) > 0 && !c->wr_wants_r) || c->rd_wants_w)
			want |= EV_WRITE;
		work = work || (room && c->can_read) || (conn_pending(c) > 0 && c->can_write);
		break;
	case CONN_S_CLOSED:
		return;
	}
	if (c->hup)
		ev_io_del(c->ev, &c->io);       /* hang-up is reported forever: reads and writes will fail */
	else if (ev_io_want(c->ev, &c->io, want) == -1 && c->perr == 0) {
		c->perr = errno ? errno : EINVAL;
		c->pwhat = "cannot watch the connection";
		work = true;
	}
	at = work ? ev_now(c->ev) : c->deadline;
	if (at == 0 || ev_timer_at(c->ev, &c->timer, at, conn_timer_cb, c) == -1)
		ev_timer_stop(c->ev, &c->timer);
}

/* The loop does this itself after callbacks. */
void
conn_poke(struct conn *c)
{
	if (c->busy == 0 && c->state != CONN_S_CLOSED)
		conn_update(c);
}

/* Connecting: true once connected and reported. */
static bool
conn_connect_step(struct conn *c)
{
	socklen_t len = sizeof(int);
	int e = 0;

	if (!c->can_write)
		return false;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		e = errno;
	if (e != 0) {
		conn_fail_errno(c, e, NULL);
		return false;
	}
	c->state = CONN_S_OPEN;
	return conn_emit(c, CONN_CONNECTED);
}

/* One handshake step: true once done and reported. */
static bool
conn_handshake_step(struct conn *c)
{
	bool want_write = false;
	int r;

	if (c->hs_want != 0 && !(c->hs_want == EV_READ ? c->can_read : c->can_write))
		return false;
	r = tls_client_handshake(c->ssl, &want_write);
	if (r == 0) {
		c->hs_want = want_write ? EV_WRITE : EV_READ;
		c->can_read = c->can_write = false;
		return false;
	}
	if (r < 0) {
		conn_fail(c, EPROTO, err_str());
		return false;
	}
	c->state = CONN_S_OPEN;
	c->tls_up = true;
	c->can_read = c->can_write = true;
	return conn_emit(c, CONN_TLS);
}

/* One pass over an open connection: true if it made progress (so another
 * pass may make more). Returns right after any report, since the owner
 * may have started TLS or freed the connection. */
static bool
conn_io_step(struct conn *c)
{
	bool progress = false;
	int r;

	if (conn_pending(c) > 0 && c->can_write) {
		if ((r = conn_io_write(c)) < 0) {
			conn_fail_io(c);
			return false;
		}
		if (r > 0 && conn_pending(c) <= c->lowat)
			return conn_emit(c, CONN_DRAINED);
		progress = r > 0;
	}
	if (!c->eof && c->can_read && conn_avail(c) < CONN_INBUF) {
		if ((r = conn_io_read(c)) < 0) {
			conn_fail_io(c);
			return false;
		}
		if (r == 1)
			return conn_emit(c, CONN_READ);
		if (r == 2)
			return conn_emit(c, CONN_EOF);
	}
	return progress;
}

/* Do what can be done now, reporting as it goes. */
static void
conn_step(struct conn *c)
{
	bool more = true;
	int e;

	for (int pass = 0; more && pass < CONN_PASSES && !c->dead; pass++) {
		if (c->perr != 0) {
			e = c->perr;
			c->perr = 0;
			conn_fail_errno(c, e, c->pwhat);
			return;
		}
		switch (c->state) {
		case CONN_S_CONNECTING:
			more = conn_connect_step(c);
			break;
		case CONN_S_HANDSHAKE:
			more = conn_handshake_step(c);
			break;
		case CONN_S_OPEN:
			more = conn_io_step(c);
			break;
		case CONN_S_CLOSED:
			return;
		}
	}
}

/* Everything the loop calls comes through here. */
static void
conn_run(struct conn *c)
{
	c->busy++;
	conn_step(c);
	if (!c->dead && c->state != CONN_S_CLOSED && c->deadline != 0 &&
	    c->deadline <= ev_now(c->ev)) {
		c->deadline = 0;
		if (c->state == CONN_S_CONNECTING)
			conn_fail(c, ETIMEDOUT, "timed out");
		else if (conn_emit(c, CONN_TIMEOUT))
			conn_step(c);
	}
	if (!c->dead)
		conn_update(c);
	c->busy--;
	if (c->dead && c->busy == 0)
		conn_destroy(c);
}

static void
conn_io_cb(struct ev_io *w, unsigned events)
{
	struct conn *c = w->arg;

	if (events & EV_READ) {
		c->can_read = true;
		if (c->wr_wants_r)
			c->can_write = true;
	}
	if (events & EV_WRITE) {
		c->can_write = true;
		if (c->rd_wants_w)
			c->can_read = true;
	}
	if (events & EV_ERROR) {
		c->can_read = c->can_write = true;
		c->hup = true;
	}
	conn_run(c);
}

static void
conn_timer_cb(struct ev_timer *t)
{
	conn_run(t->arg);
}

struct conn *
conn_connect(struct ev *ev, const struct sockaddr *to, socklen_t tolen,
    const struct sockaddr *from, socklen_t fromlen, int64_t deadline, conn_cb *cb, void *arg)
{
	struct conn *c = calloc(1, sizeof *c);
	int one = 1;

	if (c == NULL) {
		err_set("out of memory");
		return NULL;
	}
	c->ev = ev;
	c->cb = cb;
	c->arg = arg;
	c->deadline = deadline;
	c->state = CONN_S_CONNECTING;
	c->fd = socket(to->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		err_sys("cannot make a socket");
		free(c);
		return NULL;
	}
	if (ev_io_add(ev, &c->io, c->fd, EV_WRITE, conn_io_cb, c) == -1) {
		close(c->fd);
		free(c);
		return NULL;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (from != NULL && bind(c->fd, from, fromlen) == -1) {
		c->perr = errno;
		c->pwhat = "cannot bind to the source address";
	} else if (connect(c->fd, to, tolen) == -1 && errno != EINPROGRESS && errno != EINTR)
		c->perr = errno;
	conn_update(c);
	return c;
}

void
conn_free(struct conn *c)
{
	if (c == NULL || c->dead)
		return;
	if (c->tls_up && c->state == CONN_S_OPEN && !c->eof && !c->hup)
		tls_close(c->ssl);
	if (c->busy > 0) {
		conn_release(c);
		c->dead = true;
		return;
	}
	conn_destroy(c);
}

void
conn_deadline(struct conn *c, int64_t at)
{
	c->deadline = at;
	conn_poke(c);
}

int
conn_starttls(struct conn *c, struct ssl_ctx_st *ctx, const char *host,
    enum conn_tls_policy policy)
{
	if (c->state != CONN_S_OPEN || c->ssl != NULL || c->eof) {
		err_set("TLS cannot start on this connection");
		return -1;
	}
	if (conn_avail(c) > 0) {
		err_set("%zu bytes of plaintext received after the STARTTLS reply", conn_avail(c));
		return -1;
	}
	if (conn_pending(c) > 0) {
		err_set("output queued before the TLS handshake");
		return -1;
	}
	if ((c->ssl = tls_client_new(ctx, c->fd, host, policy == CONN_TLS_VERIFY)) == NULL)
		return -1;
	c->state = CONN_S_HANDSHAKE;
	c->hs_want = 0;
	c->rd_wants_w = c->wr_wants_r = false;
	conn_poke(c);
	return 0;
}

bool
conn_tls(const struct conn *c)
{
	return c->tls_up;
}

int
conn_tls_describe(const struct conn *c, struct buf *out)
{
	return c->tls_up ? tls_describe_ssl(out, c->ssl) : 0;
}

int
conn_tls_verify(const struct conn *c, struct buf *out)
{
	return c->tls_up ? tls_verify_describe(out, c->ssl) : 0;
}

const char *
conn_error(const struct conn *c)
{
	return c->errtext.len ? c->errtext.p : "no error";
}

int
conn_errno(const struct conn *c)
{
	return c->err;
}

uint64_t
conn_bytes_in(const struct conn *c)
{
	return c->nin;
}

uint64_t
conn_bytes_out(const struct conn *c)
{
	return c->nout;
}

int
conn_fd(const struct conn *c)
{
	return c->fd;
}
