/* conn: one outgoing TCP connection driven by herald's event loop (ev.h),
 * for programs that hold many at once (herald-remote): non-blocking
 * connect, buffered input and output, one deadline, and TLS started in
 * the middle of the session (STARTTLS). netio.h is the blocking
 * counterpart for herald-smtpd.
 *
 * Use:
 *   c = conn_connect(ev, &mx, mxlen, src_or_NULL, srclen, ev_now(ev) + 30000, cb, arg);
 *   cb(c, CONN_CONNECTED, arg)      -> conn_deadline(c, ...) for the greeting
 *   cb(c, CONN_READ, arg)           -> while ((n = conn_line(c)) > 0) { use
 *                                      conn_peek(c)[0..n); conn_consume(c, n); }
 *                                      conn_put(c, "EHLO ...\r\n", ...)
 *   after "220" to STARTTLS         -> conn_starttls(c, ctx, "mx.example", policy)
 *   cb(c, CONN_TLS, arg)            -> conn_tls_describe / conn_tls_verify for logs
 *   streaming a body                -> conn_lowat(c, 65536); on CONN_DRAINED add
 *                                      the next piece (conn_pending(c) says how much waits)
 *   cb(c, CONN_FAILED / CONN_ERROR / CONN_EOF / CONN_TIMEOUT) -> conn_error(c); conn_free(c)
 *
 * Events come only from the loop, never from inside a conn_* call made by
 * the owner: conn_put, conn_consume, conn_starttls and conn_deadline only
 * record what to do, and the work happens when the callback returns (or,
 * outside callbacks, in the loop's next round through the connection's
 * timer). Output may be queued at any time: what is queued while
 * connecting is sent once connected, what is queued during the TLS
 * handshake goes over TLS. CONN_FAILED and CONN_ERROR are final: the
 * descriptor is closed and nothing else is reported; the owner still
 * calls conn_free.
 *
 * Deadline: one at a time, absolute on ev's clock. The one given to
 * conn_connect stays in force after connecting until conn_deadline
 * replaces or clears it; when it passes, CONN_FAILED "timed out" while
 * connecting, else one CONN_TIMEOUT, and it is cleared.
 *
 * Freeing: conn_free may be called at any time, also from inside the
 * connection's own callback (the memory is released when the callback has
 * returned; no further event is reported) or from another connection's.
 *
 * Input is bounded: the connection reads only while fewer than CONN_INBUF
 * bytes wait unconsumed, so a peer cannot make memory grow; an owner that
 * finds CONN_INBUF bytes without a line end must give up (line too long).
 * A CONN_READ is reported once per arrival of new bytes: consume every
 * complete line before returning.
 *
 * TLS: conn_starttls refuses to start while plaintext received after the
 * STARTTLS reply waits unconsumed (bytes a man in the middle injected
 * before the handshake must never pass for bytes that came over TLS) or
 * while output is pending. With CONN_TLS_ANY any certificate is accepted;
 * with CONN_TLS_VERIFY the chain must verify against the context's CAs and
 * the certificate must match the host name, or the handshake fails with
 * CONN_ERROR and a text like "certificate verify failed: hostname
 * mismatch". Either way conn_tls_verify tells what the check found.
 *
 * Counters count application bytes (plaintext under TLS). Writes may raise
 * SIGPIPE under TLS: programs using conn ignore SIGPIPE. */
#ifndef HERALD_CONN_H
#define HERALD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "buf.h"
#include "ev.h"

#define CONN_INBUF 16384                /* most input buffered beyond what was consumed */

struct conn;
struct ssl_ctx_st;

enum conn_event {
	CONN_CONNECTED,                 /* the TCP connection is up */
	CONN_FAILED,                    /* connecting failed or timed out (final) */
	CONN_TLS,                       /* the TLS handshake finished */
	CONN_READ,                      /* new input is buffered */
	CONN_DRAINED,                   /* a write left at most the low-water mark queued */
	CONN_EOF,                       /* the peer closed: no more input */
	CONN_ERROR,                     /* I/O or TLS failure after connecting (final) */
	CONN_TIMEOUT                    /* the deadline passed (it is cleared) */
};

enum conn_tls_policy {
	CONN_TLS_ANY,                   /* opportunistic: encrypt, accept any certificate */
	CONN_TLS_VERIFY                 /* the certificate must verify and match the name */
};

typedef void conn_cb(struct conn *c, enum conn_event e, void *arg);

/* Start connecting to `to` (IPv4 or IPv6), first binding to `from` if not
 * NULL; deadline (absolute, ev's clock; 0: none) bounds the connect. NULL
 * only if no socket could be made (err_str()); every other outcome comes
 * through cb as CONN_CONNECTED or CONN_FAILED. */
struct conn *conn_connect(struct ev *ev, const struct sockaddr *to, socklen_t tolen,
    const struct sockaddr *from, socklen_t fromlen, int64_t deadline, conn_cb *cb, void *arg);
/* Close the connection and free it (safe inside callbacks; NULL is ignored). */
void conn_free(struct conn *c);
/* Report CONN_TIMEOUT once at absolute time at on ev's clock (0: never). */
void conn_deadline(struct conn *c, int64_t at);

/* Bytes received and not yet consumed. */
size_t conn_avail(const struct conn *c);
/* The first unconsumed byte (conn_avail(c) bytes follow, then a NUL). */
const char *conn_peek(const struct conn *c);
/* Length of the first buffered line including its LF, or 0 if none is complete. */
size_t conn_line(const struct conn *c);
/* Mark n received bytes as consumed. */
void conn_consume(struct conn *c, size_t n);

/* Queue n bytes for sending. */
int conn_put(struct conn *c, const void *p, size_t n);
/* Queue printf-formatted text. */
int conn_printf(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Bytes queued and not yet sent. */
size_t conn_pending(const struct conn *c);
/* Report CONN_DRAINED when a write leaves at most n bytes queued (default 0). */
void conn_lowat(struct conn *c, size_t n);

/* Start a TLS client handshake on the open connection (after the peer's
 * "220" to STARTTLS); host is the expected server name (SNI and the name
 * check; an address literal is checked as an address). The outcome comes
 * as CONN_TLS or CONN_ERROR; -1 if TLS cannot start now (err_str()). */
int conn_starttls(struct conn *c, struct ssl_ctx_st *ctx, const char *host,
    enum conn_tls_policy policy);
/* Whether the session runs over TLS (handshake done). */
bool conn_tls(const struct conn *c);
/* Append protocol and cipher ("TLSv1.3 TLS_AES_256_GCM_SHA384"; nothing without TLS). */
int conn_tls_describe(const struct conn *c, struct buf *out);
/* Append "verified" or why the certificate check failed (nothing without TLS). */
int conn_tls_verify(const struct conn *c, struct buf *out);

/* Why the connection failed ("connection refused", "timed out", ...). */
const char *conn_error(const struct conn *c);
/* The errno of the failure (ETIMEDOUT, ECONNREFUSED, ...; EPROTO for TLS). */
int conn_errno(const struct conn *c);
/* Application bytes received so far. */
uint64_t conn_bytes_in(const struct conn *c);
/* Application bytes sent so far. */
uint64_t conn_bytes_out(const struct conn *c);
/* The socket (for getsockname and the like; -1 once closed). */
int conn_fd(const struct conn *c);

#endif
