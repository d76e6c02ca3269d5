/* tls: OpenSSL for herald's network programs: a server context from a
 * certificate chain and key, the server handshake on a netio connection
 * (within the connection's timeouts), a client context, the steps of a
 * non-blocking client session (handshake, read, write) for conn.h, and
 * one-line descriptions of a session and of its certificate check for
 * logs and trace fields. Every context speaks TLS 1.2 and later only.
 *
 * Client sessions name the server they expect: that name goes out as SNI
 * (unless it is an address literal) and is what the certificate must
 * match; whether a failed check ends the handshake is the caller's
 * choice (tls_client_new's verify), the result is recorded either way. */
#ifndef HERALD_TLS_H
#define HERALD_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "netio.h"

struct ssl_ctx_st;
struct ssl_st;

/* Outcome of one non-blocking TLS read or write. */
enum tls_io {
	TLS_IO_OK,                      /* some bytes moved */
	TLS_IO_WANT_READ,               /* retry when the socket is readable */
	TLS_IO_WANT_WRITE,              /* retry when the socket is writable */
	TLS_IO_EOF,                     /* the peer closed the session */
	TLS_IO_ERROR                    /* errno set; EPROTO: err_str() says why */
};

/* A server context with the PEM certificate chain in cert and the key in key. */
struct ssl_ctx_st *tls_server_ctx(const char *cert, const char *key);
/* Run the server side of a handshake on io; from then on io speaks TLS.
 * Any buffered plaintext input is an error (it would be a command injected
 * before the handshake, CVE-2011-0411). */
int tls_server_start(struct netio *io, struct ssl_ctx_st *ctx);
/* Append "TLSv1.3 TLS_AES_256_GCM_SHA384" (protocol and cipher) for io's session. */
int tls_describe(struct buf *out, const struct netio *io);
/* Append protocol and cipher of an established session. */
int tls_describe_ssl(struct buf *out, const struct ssl_st *ssl);
/* Free a context. */
void tls_ctx_free(struct ssl_ctx_st *ctx);

/* A client context that checks certificates against ca (a PEM file or a
 * directory of hashed certificates), or the system's default CAs if NULL. */
struct ssl_ctx_st *tls_client_ctx(const char *ca);
/* A client session on the connected socket fd for server name host (may
 * be NULL: no SNI, no name check); verify makes a failed check fatal. */
struct ssl_st *tls_client_new(struct ssl_ctx_st *ctx, int fd, const char *host, bool verify);
/* One step of the client handshake: 1 done, 0 to be continued when the
 * socket is writable (*want_write) or readable, -1 failed (err_str()). */
int tls_client_handshake(struct ssl_st *ssl, bool *want_write);
/* Append "verified" or why the peer's certificate did not pass the check
 * ("certificate verify failed: self-signed certificate"). */
int tls_verify_describe(struct buf *out, const struct ssl_st *ssl);
/* Read up to n bytes of plaintext; *got says how many on TLS_IO_OK. */
enum tls_io tls_read(struct ssl_st *ssl, void *p, size_t n, size_t *got);
/* Write up to n bytes; *put says how many on TLS_IO_OK. A retry after
 * WANT_* must pass the same bytes again (more may follow them). */
enum tls_io tls_write(struct ssl_st *ssl, const void *p, size_t n, size_t *put);
/* Send close_notify once, without waiting for the peer's (best effort). */
void tls_close(struct ssl_st *ssl);
/* Free a session. */
void tls_free(struct ssl_st *ssl);

#endif
