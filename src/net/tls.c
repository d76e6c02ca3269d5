/* tls: OpenSSL contexts, the server handshake for netio connections and
 * the non-blocking client steps for conn (see tls.h). Client contexts
 * release their buffers while idle (herald-remote holds thousands of
 * sessions) and take a close without close_notify as a plain end of input
 * (many SMTP servers close that way after QUIT). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

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
	return tls_describe_ssl(out, io->ssl);
}

int
tls_describe_ssl(struct buf *out, const SSL *ssl)
{
	return buf_printf(out, "%s %s", SSL_get_version(ssl),
	    SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
}

void
tls_ctx_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}

/* Record "what: reason" for OpenSSL's first queued error (reason only,
 * e.g. "wrong version number"), or what alone. */
static void
tls_err_reason(const char *what)
{
	unsigned long e = ERR_get_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	if (reason)
		err_set("%s: %s", what, reason);
	else
		err_set("%s", what);
	ERR_clear_error();
}

SSL_CTX *
tls_client_ctx(const char *ca)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	struct stat st;
	int r;

	if (ctx == NULL) {
		tls_err("cannot make a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	if (ca == NULL)
		r = SSL_CTX_set_default_verify_paths(ctx);
	else if (stat(ca, &st) == 0 && S_ISDIR(st.st_mode))
		r = SSL_CTX_load_verify_locations(ctx, NULL, ca);
	else
		r = SSL_CTX_load_verify_locations(ctx, ca, NULL);
	if (r != 1) {
		tls_err(ca ? ca : "cannot load the default CA certificates");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

SSL *
tls_client_new(SSL_CTX *ctx, int fd, const char *host, bool verify)
{
	X509_VERIFY_PARAM *vp;
	unsigned char addr[16];
	char name[256];
	size_t n = host ? strlen(host) : 0;
	SSL *ssl;

	if (n > 0 && host[n - 1] == '.')
		n--;                    /* "mx.example." is "mx.example" */
	if (n >= sizeof name) {
		err_set("TLS: server name too long");
		return NULL;
	}
	memcpy(name, host ? host : "", n);
	name[n] = '\0';
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1) {
		tls_err("cannot start TLS");
		goto fail;
	}
	SSL_set_connect_state(ssl);
	vp = SSL_get0_param(ssl);
	if (n > 0 && (inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, name) != 1) {
			tls_err("TLS: bad server address");
			goto fail;
		}
	} else if (n > 0) {
		X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set_tlsext_host_name(ssl, name) != 1 ||
		    X509_VERIFY_PARAM_set1_host(vp, name, 0) != 1) {
			tls_err("TLS: bad server name");
			goto fail;
		}
	}
	SSL_set_verify(ssl, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	return ssl;
fail:
	SSL_free(ssl);
	return NULL;
}

/* The peer's certificate is there (the session holds the reference). */
static bool
tls_has_peer_cert(const SSL *ssl)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	return SSL_get0_peer_certificate(ssl) != NULL;
#else
	X509 *x = SSL_get_peer_certificate(ssl);

	X509_free(x);
	return x != NULL;
#endif
}

int
tls_client_handshake(SSL *ssl, bool *want_write)
{
	long v;
	int r, e;

	ERR_clear_error();
	errno = 0;
	r = SSL_connect(ssl);
	if (r == 1) {
		if ((SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) &&
		    (!tls_has_peer_cert(ssl) || SSL_get_verify_result(ssl) != X509_V_OK)) {
			err_set("certificate verify failed: %s", tls_has_peer_cert(ssl) ?
			    X509_verify_cert_error_string(SSL_get_verify_result(ssl)) : "no certificate");
			return -1;
		}
		return 1;
	}
	e = SSL_get_error(ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*want_write = e == SSL_ERROR_WANT_WRITE;
		return 0;
	}
	v = SSL_get_verify_result(ssl);
	if ((SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) && v != X509_V_OK)
		err_set("certificate verify failed: %s", X509_verify_cert_error_string(v));
	else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
		err_set("TLS handshake: %s", errno ? strerror(errno) : "connection closed");
	else
		tls_err_reason("TLS handshake failed");
	ERR_clear_error();
	return -1;
}

int
tls_verify_describe(struct buf *out, const SSL *ssl)
{
	long v = SSL_get_verify_result(ssl);

	if (!tls_has_peer_cert(ssl))
		return buf_adds(out, "no certificate");
	if (v == X509_V_OK)
		return buf_adds(out, "verified");
	return buf_printf(out, "certificate verify failed: %s", X509_verify_cert_error_string(v));
}

/* Map a failed SSL_read_ex/SSL_write_ex (errno cleared before it). */
static enum tls_io
tls_io_result(SSL *ssl, int r)
{
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return TLS_IO_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_IO_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_IO_EOF;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			if (errno == 0)
				return TLS_IO_EOF;      /* closed without close_notify */
			return TLS_IO_ERROR;
		}
		/* FALLTHROUGH */
	default:
		tls_err_reason("TLS");
		errno = EPROTO;
		return TLS_IO_ERROR;
	}
}

enum tls_io
tls_read(SSL *ssl, void *p, size_t n, size_t *got)
{
	int r;

	ERR_clear_error();
	errno = 0;
	if ((r = SSL_read_ex(ssl, p, n, got)) == 1)
		return TLS_IO_OK;
	return tls_io_result(ssl, r);
}

enum tls_io
tls_write(SSL *ssl, const void *p, size_t n, size_t *put)
{
	int r;

	ERR_clear_error();
	errno = 0;
	if ((r = SSL_write_ex(ssl, p, n, put)) == 1)
		return TLS_IO_OK;
	return tls_io_result(ssl, r);
}

void
tls_close(SSL *ssl)
{
	ERR_clear_error();
	SSL_shutdown(ssl);
	ERR_clear_error();
}

void
tls_free(SSL *ssl)
{
	SSL_free(ssl);
}
