/* tls: OpenSSL for herald's network programs: a server context from a
 * certificate chain and key (TLS 1.2 and later only), the handshake on a
 * netio connection (within the connection's timeouts), and a one-line
 * description of the session for logs and trace fields. */
#ifndef HERALD_TLS_H
#define HERALD_TLS_H

#include "buf.h"
#include "netio.h"

struct ssl_ctx_st;

/* A server context with the PEM certificate chain in cert and the key in key. */
struct ssl_ctx_st *tls_server_ctx(const char *cert, const char *key);
/* Run the server side of a handshake on io; from then on io speaks TLS.
 * Any buffered plaintext input is an error (it would be a command injected
 * before the handshake, CVE-2011-0411). */
int tls_server_start(struct netio *io, struct ssl_ctx_st *ctx);
/* Append "TLSv1.3 TLS_AES_256_GCM_SHA384" (protocol and cipher) for io's session. */
int tls_describe(struct buf *out, const struct netio *io);
/* Free a context. */
void tls_ctx_free(struct ssl_ctx_st *ctx);

#endif
