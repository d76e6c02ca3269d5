/* netio: buffered, deadline-bounded I/O in the clear or through TLS (see
 * netio.h). Both descriptors are put in non-blocking mode; every operation
 * is "try, and on EAGAIN (or OpenSSL's WANT_READ/WANT_WRITE) poll until
 * the descriptor is ready or the time is up", so a stalled peer costs a
 * timeout, never a hang. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "err.h"
#include "netio.h"

void
netio_init(struct netio *io, int rfd, int wfd, int timeout_ms)
{
	int fl;

	memset(io, 0, sizeof *io);
	io->rfd = rfd;
	io->wfd = wfd;
	io->timeout_ms = timeout_ms;
	if ((fl = fcntl(rfd, F_GETFL)) != -1)
		fcntl(rfd, F_SETFL, fl | O_NONBLOCK);
	if (wfd != rfd && (fl = fcntl(wfd, F_GETFL)) != -1)
		fcntl(wfd, F_SETFL, fl | O_NONBLOCK);
}

int64_t
netio_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
netio_deadline(struct netio *io, int64_t ms)
{
	io->deadline_ms = ms > 0 ? netio_now_ms() + ms : 0;
}

/* Wait until fd is ready for events; -1 with ETIMEDOUT when the time is up. */
static int
netio_wait(struct netio *io, int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t now, wait;
	int r;

	for (;;) {
		wait = io->timeout_ms > 0 ? io->timeout_ms : -1;
		if (io->deadline_ms) {
			now = netio_now_ms();
			if (now >= io->deadline_ms) {
				errno = ETIMEDOUT;
				return -1;
			}
			if (wait < 0 || io->deadline_ms - now < wait)
				wait = io->deadline_ms - now;
		}
		r = poll(&p, 1, (int)wait);
		if (r > 0)
			return 0;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

int
netio_fill_wait(struct netio *io, bool out)
{
	return out ? netio_wait(io, io->wfd, POLLOUT) : netio_wait(io, io->rfd, POLLIN);
}

/* Wait as OpenSSL asks after a call that returned r. */
static int
netio_ssl_wait(struct netio *io, int r)
{
	switch (SSL_get_error(io->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return netio_wait(io, io->rfd, POLLIN);
	case SSL_ERROR_WANT_WRITE:
		return netio_wait(io, io->wfd, POLLOUT);
	case SSL_ERROR_ZERO_RETURN:
		errno = 0;
		return 1;
	case SSL_ERROR_SYSCALL:
		if (errno == 0)
			errno = ECONNRESET;
		return -1;
	default:
		ERR_clear_error();
		errno = EPROTO;
		return -1;
	}
}

ssize_t
netio_fill(struct netio *io)
{
	ssize_t n;
	int w;

	if (io->eof)
		return 0;
	if (io->in_off > 0 && io->in_off == io->in.len) {
		buf_reset(&io->in);
		io->in_off = 0;
	} else if (io->in_off > NETIO_READ) {
		buf_consume(&io->in, io->in_off);
		io->in_off = 0;
	}
	if (buf_reserve(&io->in, NETIO_READ) == -1) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		if (io->ssl) {
			ERR_clear_error();
			n = SSL_read(io->ssl, io->in.p + io->in.len, NETIO_READ);
			if (n > 0)
				break;
			if ((w = netio_ssl_wait(io, (int)n)) == 1) {
				io->eof = true;
				return 0;
			}
			if (w == -1)
				return -1;
			continue;
		}
		n = read(io->rfd, io->in.p + io->in.len, NETIO_READ);
		if (n > 0)
			break;
		if (n == 0) {
			io->eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || netio_wait(io, io->rfd, POLLIN) == -1)
			return -1;
	}
	io->in.len += (size_t)n;
	io->in.p[io->in.len] = '\0';
	return n;
}

size_t
netio_avail(const struct netio *io)
{
	return io->in.len - io->in_off;
}

const char *
netio_peek(const struct netio *io)
{
	return io->in.p + io->in_off;
}

void
netio_consume(struct netio *io, size_t n)
{
	io->in_off += n;
	if (io->in_off >= io->in.len) {
		buf_reset(&io->in);
		io->in_off = 0;
	}
}

size_t
netio_line(const struct netio *io)
{
	const char *p = netio_peek(io), *lf;

	if (netio_avail(io) == 0)
		return 0;
	lf = memchr(p, '\n', netio_avail(io));
	return lf ? (size_t)(lf - p) + 1 : 0;
}

int
netio_put(struct netio *io, const void *p, size_t n)
{
	if (buf_add(&io->out, p, n) == -1) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

int
netio_printf(struct netio *io, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(&io->out, fmt, ap);
	va_end(ap);
	if (r == -1)
		err_set("out of memory");
	return r;
}

int
netio_flush(struct netio *io)
{
	size_t off = 0;
	ssize_t n;

	while (off < io->out.len) {
		if (io->ssl) {
			ERR_clear_error();
			n = SSL_write(io->ssl, io->out.p + off, (int)(io->out.len - off));
			if (n <= 0) {
				if (netio_ssl_wait(io, (int)n) != 0)
					goto fail;
				continue;
			}
		} else {
			n = write(io->wfd, io->out.p + off, io->out.len - off);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN || netio_wait(io, io->wfd, POLLOUT) == -1)
					goto fail;
				continue;
			}
		}
		off += (size_t)n;
	}
	buf_reset(&io->out);
	return 0;
fail:
	err_sys("cannot send");
	buf_consume(&io->out, off);
	return -1;
}

void
netio_free(struct netio *io)
{
	if (io->ssl) {
		SSL_free(io->ssl);
		io->ssl = NULL;
	}
	buf_free(&io->in);
	buf_free(&io->out);
}
