/* conn_io: the buffers of a conn: what the owner calls to read and queue
 * (conn.h), and the socket or TLS reads and writes that fill and drain
 * them (conn_int.h). Nothing here reports to the owner: conn.c turns the
 * results into events. Input never grows past CONN_INBUF unconsumed
 * bytes; sent output is dropped from the front of the buffer once it
 * adds up to CONN_COMPACT (a retried TLS write may then see its bytes
 * move, which its context allows). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn_int.h"
#include "err.h"
#include "tls.h"

size_t
conn_avail(const struct conn *c)
{
	return c->in.len - c->in_off;
}

const char *
conn_peek(const struct conn *c)
{
	return c->in.p ? c->in.p + c->in_off : "";
}

size_t
conn_line(const struct conn *c)
{
	const char *p = conn_peek(c), *lf;

	if (conn_avail(c) == 0)
		return 0;
	lf = memchr(p, '\n', conn_avail(c));
	return lf ? (size_t)(lf - p) + 1 : 0;
}

void
conn_consume(struct conn *c, size_t n)
{
	if (n > conn_avail(c))
		n = conn_avail(c);
	c->in_off += n;
	if (c->in_off == c->in.len) {
		buf_reset(&c->in);
		c->in_off = 0;
	}
	conn_poke(c);
}

size_t
conn_pending(const struct conn *c)
{
	return c->out.len - c->out_off;
}

void
conn_lowat(struct conn *c, size_t n)
{
	c->lowat = n;
}

/* Ready the output buffer for more: false if the connection is closed. */
static bool
conn_out_ready(struct conn *c)
{
	if (c->state == CONN_S_CLOSED) {
		err_set("connection closed");
		return false;
	}
	if (c->out_off >= CONN_COMPACT && c->out_off * 2 >= c->out.len) {
		buf_consume(&c->out, c->out_off);
		c->out_off = 0;
	}
	return true;
}

int
conn_put(struct conn *c, const void *p, size_t n)
{
	if (!conn_out_ready(c))
		return -1;
	if (buf_add(&c->out, p, n) == -1) {
		err_set("out of memory");
		return -1;
	}
	conn_poke(c);
	return 0;
}

int
conn_printf(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (!conn_out_ready(c))
		return -1;
	va_start(ap, fmt);
	r = buf_vprintf(&c->out, fmt, ap);
	va_end(ap);
	if (r == -1) {
		err_set("out of memory");
		return -1;
	}
	conn_poke(c);
	return 0;
}

int
conn_io_write(struct conn *c)
{
	const char *p = c->out.p + c->out_off;
	size_t n = conn_pending(c), put = 0;
	enum tls_io r;
	ssize_t k;

	if (n > CONN_WRITE_MAX)
		n = CONN_WRITE_MAX;
	if (c->tls_up) {
		switch ((r = tls_write(c->ssl, p, n, &put))) {
		case TLS_IO_OK:
			c->wr_wants_r = false;
			break;
		case TLS_IO_WANT_READ:
		case TLS_IO_WANT_WRITE:
			c->wr_wants_r = r == TLS_IO_WANT_READ;
			c->can_write = false;
			return 0;
		case TLS_IO_EOF:
			errno = EPIPE;
			return -1;
		case TLS_IO_ERROR:
			return -1;
		}
	} else {
		do
			k = send(c->fd, p, n, MSG_NOSIGNAL);
		while (k < 0 && errno == EINTR);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->can_write = false;
			return 0;
		}
		if (k < 0)
			return -1;
		put = (size_t)k;
		if (put < n)
			c->can_write = false;   /* the socket buffer is full */
	}
	c->out_off += put;
	c->nout += put;
	if (c->out_off == c->out.len) {
		buf_reset(&c->out);
		c->out_off = 0;
	}
	return 1;
}

int
conn_io_read(struct conn *c)
{
	size_t room, got = 0;
	enum tls_io r;
	ssize_t k;

	if (c->in_off > 0) {
		buf_consume(&c->in, c->in_off);
		c->in_off = 0;
	}
	room = CONN_INBUF - c->in.len;
	if (buf_reserve(&c->in, room) == -1) {
		err_set("out of memory");
		errno = ENOMEM;
		return -1;
	}
	if (c->tls_up) {
		switch ((r = tls_read(c->ssl, c->in.p + c->in.len, room, &got))) {
		case TLS_IO_OK:
			c->rd_wants_w = false;
			break;
		case TLS_IO_WANT_READ:
		case TLS_IO_WANT_WRITE:
			c->rd_wants_w = r == TLS_IO_WANT_WRITE;
			c->can_read = false;
			return 0;
		case TLS_IO_EOF:
			c->eof = true;
			return 2;
		case TLS_IO_ERROR:
			return -1;
		}
	} else {
		do
			k = read(c->fd, c->in.p + c->in.len, room);
		while (k < 0 && errno == EINTR);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->can_read = false;
			return 0;
		}
		if (k < 0)
			return -1;
		if (k == 0) {
			c->eof = true;
			return 2;
		}
		got = (size_t)k;
		if (got < room)
			c->can_read = false;    /* drained the socket; the loop says when there is more */
	}
	c->in.len += got;
	c->in.p[c->in.len] = '\0';
	c->nin += got;
	return 1;
}
