/* netio: herald's one I/O layer for network connections: buffered reads
 * and writes on a pair of descriptors (the same socket twice, or fd 0 and
 * fd 1 under a UCSPI server), in the clear or through TLS (tls.h), with a
 * deadline on every blocking operation.
 *
 * Invariants: in.p[in_off .. in.len) are received bytes not yet consumed;
 * out holds bytes not yet sent. Reads never buffer more than NETIO_READ
 * bytes at once beyond what the caller consumed, so a peer cannot make
 * the buffer grow without bound: the caller bounds what it accepts (line
 * length) and consumes as it goes.
 *
 * Timeouts: timeout_ms > 0 gives each netio_fill and netio_flush that
 * much time to make progress; a deadline (netio_deadline) additionally
 * bounds the total time until it is cleared, so a peer sending one byte a
 * second cannot stretch a command or a message forever. A timed-out call
 * fails with errno ETIMEDOUT. */
#ifndef HERALD_NETIO_H
#define HERALD_NETIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define NETIO_READ 16384

struct ssl_st;

struct netio {
	int rfd, wfd;
	struct ssl_st *ssl;             /* TLS session, or NULL */
	struct buf in;
	size_t in_off;
	struct buf out;
	int timeout_ms;                 /* per operation; <= 0: none */
	int64_t deadline_ms;            /* monotonic; 0: none */
	bool eof;
};

/* Set io up on the two descriptors (the same one twice for a socket). */
void netio_init(struct netio *io, int rfd, int wfd, int timeout_ms);
/* Give blocking operations until ms milliseconds from now in total (0: no deadline). */
void netio_deadline(struct netio *io, int64_t ms);
/* Milliseconds on the monotonic clock. */
int64_t netio_now_ms(void);
/* Read once more into the buffer; returns bytes added, 0 at end of input, -1 on error. */
ssize_t netio_fill(struct netio *io);
/* Bytes received and not yet consumed. */
size_t netio_avail(const struct netio *io);
/* Pointer to the first unconsumed byte. */
const char *netio_peek(const struct netio *io);
/* Mark n bytes as consumed. */
void netio_consume(struct netio *io, size_t n);
/* Find a line ending in LF among buffered bytes: its length including the LF, or 0. */
size_t netio_line(const struct netio *io);
/* Wait until the connection can be read (or written, if out) within the time limits. */
int netio_fill_wait(struct netio *io, bool out);
/* Queue n bytes for sending. */
int netio_put(struct netio *io, const void *p, size_t n);
/* Queue printf-formatted text. */
int netio_printf(struct netio *io, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Send everything queued. */
int netio_flush(struct netio *io);
/* Free the buffers and the TLS session (the descriptors stay open). */
void netio_free(struct netio *io);

#endif
