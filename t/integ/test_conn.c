/* test_conn: a test driver for conn's TLS client, used by t/integ/conn.t.
 *
 *   test_conn [-dv] [-a CA] [-n NAME] [-b BYTES] HOST PORT
 *
 * Connects to HOST (an address) and PORT, reads the greeting, sends
 * STARTTLS, reads the reply and starts TLS for server name NAME (default
 * HOST): opportunistic, or with -v verifying against CA (a file or
 * directory; default: the system's CAs). Over TLS it sends PING and reads
 * one line, with -b sends "BLOB BYTES" and that many bytes and expects
 * them back, then sends QUIT and waits for the end. With -d, input is
 * handled between rounds of the loop instead of inside the callback (so
 * conn_consume, conn_put and conn_starttls are called from outside the
 * loop's callbacks). It prints one line
 * per step ("greeting ...", "reply ...", "tls PROTOCOL CIPHER", "verify
 * ...", "read ...", "blob ok", "eof") and on failure "refused ...",
 * "error ..." or "timeout", exiting 1. Every wait is bounded (10 s). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conn.h"
#include "err.h"
#include "ev.h"
#include "tls.h"

enum step { GREETING, REPLY, HANDSHAKE, PONG, BLOB, BYE, DONE };

struct drv {
	struct ev *ev;
	struct ssl_ctx_st *ctx;
	struct conn *c;
	const char *name;
	bool verify, deferred, readable;
	enum step step;
	size_t blob, sent, got;
	int status;                     /* -1 running, else the exit code */
};

static unsigned char
pat(size_t i)
{
	return (unsigned char)(i * 131 + (i >> 13));
}

/* Print a line received, without its line end. */
static void
show(const char *what, const char *p, size_t n)
{
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	printf("%s %.*s\n", what, (int)n, p);
}

static void
finish(struct drv *d, struct conn *c, int status)
{
	d->status = status;
	d->step = DONE;
	conn_free(c);
}

static void
blob_more(struct drv *d, struct conn *c)
{
	unsigned char piece[8192];
	size_t n;

	while (d->sent < d->blob && conn_pending(c) < 65536) {
		n = d->blob - d->sent < sizeof piece ? d->blob - d->sent : sizeof piece;
		for (size_t i = 0; i < n; i++)
			piece[i] = pat(d->sent + i);
		conn_put(c, piece, n);
		d->sent += n;
	}
}

/* The blob coming back: check it byte by byte. */
static void
blob_read(struct drv *d, struct conn *c)
{
	const unsigned char *p = (const unsigned char *)conn_peek(c);
	size_t n = conn_avail(c);

	if (n > d->blob - d->got)
		n = d->blob - d->got;
	for (size_t i = 0; i < n; i++)
		if (p[i] != pat(d->got + i)) {
			printf("error blob differs at byte %zu\n", d->got + i);
			finish(d, c, 1);
			return;
		}
	d->got += n;
	conn_consume(c, n);
	if (d->got == d->blob) {
		printf("blob ok\n");
		conn_put(c, "QUIT\r\n", 6);
		d->step = BYE;
	}
}

/* A complete line arrived in step d->step. */
static void
on_line(struct drv *d, struct conn *c, const char *p, size_t n)
{
	switch (d->step) {
	case GREETING:
		show("greeting", p, n);
		conn_consume(c, n);
		conn_put(c, "STARTTLS\r\n", 10);
		d->step = REPLY;
		break;
	case REPLY:
		show("reply", p, n);
		conn_consume(c, n);
		if (conn_starttls(c, d->ctx, d->name, d->verify ? CONN_TLS_VERIFY : CONN_TLS_ANY) < 0) {
			printf("refused %s\n", err_str());
			finish(d, c, 1);
			return;
		}
		d->step = HANDSHAKE;
		break;
	case HANDSHAKE:                 /* conn_starttls must have refused */
		show("error plaintext read during the handshake:", p, n);
		finish(d, c, 1);
		break;
	case PONG:
		show("read", p, n);
		conn_consume(c, n);
		if (d->blob > 0) {
			conn_printf(c, "BLOB %zu\r\n", d->blob);
			blob_more(d, c);
			d->step = BLOB;
		} else {
			conn_put(c, "QUIT\r\n", 6);
			d->step = BYE;
		}
		break;
	default:
		show("read", p, n);
		conn_consume(c, n);
		break;
	}
}

/* Handle what has arrived. */
static void
on_input(struct drv *d, struct conn *c)
{
	size_t n;

	while (d->step != DONE) {
		if (d->step == BLOB) {  /* the blob coming back, not lines */
			if (conn_avail(c) == 0)
				break;
			blob_read(d, c);
			continue;
		}
		if ((n = conn_line(c)) == 0)
			break;
		on_line(d, c, conn_peek(c), n);
	}
}

static void
on_event(struct conn *c, enum conn_event e, void *arg)
{
	struct drv *d = arg;
	struct buf b = BUF_INIT;

	switch (e) {
	case CONN_CONNECTED:
		conn_deadline(c, ev_now(d->ev) + 10000);
		break;
	case CONN_TLS:
		conn_tls_describe(c, &b);
		printf("tls %s\n", b.p);
		buf_reset(&b);
		conn_tls_verify(c, &b);
		printf("verify %s\n", b.p);
		buf_free(&b);
		conn_put(c, "PING\r\n", 6);
		d->step = PONG;
		break;
	case CONN_READ:
		if (d->deferred)
			d->readable = true;
		else
			on_input(d, c);
		break;
	case CONN_DRAINED:
		if (d->step == BLOB)
			blob_more(d, c);
		break;
	case CONN_EOF:
		printf("eof\n");
		finish(d, c, d->step == BYE ? 0 : 1);
		break;
	case CONN_FAILED:
	case CONN_ERROR:
		printf("error %s\n", conn_error(c));
		finish(d, c, 1);
		break;
	case CONN_TIMEOUT:
		printf("timeout\n");
		finish(d, c, 1);
		break;
	}
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct drv d = { .status = -1 };
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	const char *ca = NULL;
	socklen_t len;
	int opt;

	while ((opt = getopt(argc, argv, "a:b:dn:v")) != -1) {
		switch (opt) {
		case 'a': ca = optarg; break;
		case 'b': d.blob = strtoul(optarg, NULL, 10); break;
		case 'd': d.deferred = true; break;
		case 'n': d.name = optarg; break;
		case 'v': d.verify = true; break;
		default: goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, argv[optind], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)atoi(argv[optind + 1]));
		len = sizeof *s4;
	} else if (inet_pton(AF_INET6, argv[optind], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)atoi(argv[optind + 1]));
		len = sizeof *s6;
	} else
		goto usage;
	if (d.name == NULL)
		d.name = argv[optind];
	signal(SIGPIPE, SIG_IGN);
	if ((d.ev = ev_new()) == NULL || (d.ctx = tls_client_ctx(ca)) == NULL) {
		printf("error %s\n", err_str());
		return 1;
	}
	if ((d.c = conn_connect(d.ev, (struct sockaddr *)&ss, len, NULL, 0, ev_now(d.ev) + 10000,
	    on_event, &d)) == NULL) {
		printf("error %s\n", err_str());
		return 1;
	}
	while (d.status < 0) {
		if (ev_run_once(d.ev, 1000) < 0) {
			printf("error %s\n", err_str());
			return 1;
		}
		if (d.readable) {
			d.readable = false;
			on_input(&d, d.c);
			fflush(stdout);
		}
	}
	tls_ctx_free(d.ctx);
	ev_free(d.ev);
	return d.status;
usage:
	fprintf(stderr, "usage: test_conn [-dv] [-a CA] [-n NAME] [-b BYTES] HOST PORT\n");
	return 2;
}
