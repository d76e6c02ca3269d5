/* tls: OpenSSL contexts and handshakes for netio connections (see tls.h). */
#include "config.h"

#include <errno.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "err.h"
#include "tls.h"

/* Record OpenSSL's first queued error after what. */
static void
tls_err(const char *what)
{
	unsigned long e = ERR_get_error();
	char text[256];

	if (e) {
		ERR_error_string_n(e, text, sizeof text);
		err_set("%s: %s", what, text);
	} else
		err_set("%s", what);
	ERR_clear_error();
}

SSL_CTX *
tls_server_ctx(const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		tls_err("cannot make a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_err(cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		tls_err(key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_err("the key does not match the certificate");
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int
tls_server_start(struct netio *io, SSL_CTX *ctx)
{
	int r, e;

	if (netio_avail(io) > 0) {
		err_set("data received before the TLS handshake");
		return -1;
	}
	if ((io->ssl = SSL_new(ctx)) == NULL) {
		tls_err("cannot start TLS");
		return -1;
	}
	if (SSL_set_rfd(io->ssl, io->rfd) != 1 || SSL_set_wfd(io->ssl, io->wfd) != 1) {
		tls_err("cannot start TLS");
		goto fail;
	}
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_accept(io->ssl)) == 1)
			return 0;
		e = SSL_get_error(io->ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
				err_set("TLS handshake: connection closed");
			else
				tls_err("TLS handshake");
			goto fail;
		}
		if (netio_fill_wait(io, e == SSL_ERROR_WANT_WRITE) == -1) {
			err_sys("TLS handshake");
			goto fail;
		}
	}
fail:
	SSL_free(io->ssl);
	io->ssl = NULL;
	return -1;
}

int
tls_describe(struct buf *out, const struct netio *io)
{
	if (io->ssl == NULL)
		return 0;
	return buf_printf(out, "%s %s", SSL_get_version(io->ssl),
	    SSL_CIPHER_get_name(SSL_get_current_cipher(io->ssl)));
}

void
tls_ctx_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}
