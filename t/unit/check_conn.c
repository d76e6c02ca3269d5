/* check_conn: unit tests for src/net/conn, connecting and closing:
 * connecting over loopback (refused, timed out against a full accept
 * queue, a source address that cannot be bound, a chosen source address,
 * IPv6), the peer closing, the deadline, freeing a connection from inside
 * callbacks, and a regression test of ev's timer rounds that conn relies
 * on. Servers are forked children (connlib.c); check_conn_io tests the
 * buffers and t/integ/conn.t the TLS client. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connlib.h"

static int
child_hello(int fd)
{
	char line[64];

	if (write_all(fd, "hello\r\n", 7) < 0 || read_line(fd, line, sizeof line) < 0)
		return 1;
	return strcmp(line, "ping\r\n") == 0 ? 0 : 2;
}

/* Say "ADDRESS\r\n" of the peer. */
static int
child_peer(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char host[INET6_ADDRSTRLEN], line[INET6_ADDRSTRLEN + 2];
	const void *a;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return 1;
	a = ss.ss_family == AF_INET ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
	    : (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
	if (inet_ntop(ss.ss_family, a, host, sizeof host) == NULL)
		return 1;
	snprintf(line, sizeof line, "%s\r\n", host);
	return write_all(fd, line, strlen(line)) < 0;
}

START_TEST(connect_ok)
{
	struct fix f;
	struct rec r;

	fix_up(&f, "127.0.0.1", 8, child_hello);
	rec_init(&r);
	r.c = dial(&f, 5000, rec_cb, &r);
	ck_assert_int_eq(conn_put(r.c, "ping\r\n", 6), 0);  /* queued before connecting */
	ck_assert_int_eq(r.norder, 0);                       /* events come from the loop only */
	spin(f.ev, &r.done, 10000);
	ck_assert_int_eq(r.n[CONN_CONNECTED], 1);
	ck_assert_int_eq(r.order[0], CONN_CONNECTED);
	ck_assert_int_eq(r.n[CONN_EOF], 1);
	ck_assert_int_eq(r.n[CONN_FAILED] + r.n[CONN_ERROR], 0);
	ck_assert_str_eq(r.in.p, "hello\r\n");
	ck_assert_uint_eq(conn_bytes_in(r.c), 7);
	ck_assert_uint_eq(conn_bytes_out(r.c), 6);
	conn_free(r.c);
	buf_free(&r.in);
	fix_down(&f);
}
END_TEST

START_TEST(connect_refused)
{
	struct fix f;
	struct rec r;

	fix_up(&f, "127.0.0.1", -1, NULL);     /* bound, not listening */
	rec_init(&r);
	r.c = dial(&f, 5000, rec_cb, &r);
	spin(f.ev, &r.done, 10000);
	ck_assert_int_eq(r.n[CONN_FAILED], 1);
	ck_assert_int_eq(r.norder, 1);
	ck_assert_int_eq(r.errnum, ECONNREFUSED);
	ck_assert_str_eq(r.err, "connection refused");
	ck_assert_int_eq(conn_put(r.c, "x", 1), -1);
	ck_assert_int_eq(conn_fd(r.c), -1);
	ck_assert_uint_eq(ev_count(f.ev), 0);  /* nothing left to report */
	conn_free(r.c);
	fix_down(&f);
}
END_TEST

/* Whether a plain connect to f's socket completes within ms. */
static bool
completes(int fd, const struct fix *f, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	if (connect(fd, (const struct sockaddr *)&f->ss, f->len) == 0)
		return true;
	ck_assert_int_eq(errno, EINPROGRESS);
	return poll(&p, 1, ms) == 1;
}

START_TEST(connect_timeout)
{
	int fill[8], nfill = 0;
	bool full = false;
	struct fix f;
	struct rec r;
	int64_t t0;

	/* A listener that never accepts: once its queue is full the kernel
	 * drops further SYNs, and a connect can only time out. */
	fix_up(&f, "127.0.0.1", 0, NULL);
	while (!full && nfill < 8) {
		fill[nfill] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ck_assert_int_ge(fill[nfill], 0);
		full = !completes(fill[nfill++], &f, 200);
	}
	ck_assert_msg(full, "the accept queue never filled");
	rec_init(&r);
	t0 = ev_now_update(f.ev);
	r.c = dial(&f, 300, rec_cb, &r);
	spin(f.ev, &r.done, 5000);
	ck_assert_int_eq(r.n[CONN_FAILED], 1);
	ck_assert_int_eq(r.norder, 1);
	ck_assert_str_eq(r.err, "timed out");
	ck_assert_int_eq(r.errnum, ETIMEDOUT);
	ck_assert_int_ge(ev_now(f.ev) - t0, 300);
	conn_free(r.c);
	while (nfill > 0)
		close(fill[--nfill]);
	fix_down(&f);
}
END_TEST

START_TEST(bind_fail)
{
	struct sockaddr_in6 from = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct fix f;
	struct rec r;

	fix_up(&f, "127.0.0.1", 1, NULL);
	rec_init(&r);
	r.c = conn_connect(f.ev, (struct sockaddr *)&f.ss, f.len, (struct sockaddr *)&from,
	    sizeof from, ev_now_update(f.ev) + 5000, rec_cb, &r);
	ck_assert_ptr_nonnull(r.c);
	ck_assert_int_eq(r.norder, 0);         /* reported by the loop, not inside the call */
	spin(f.ev, &r.done, 5000);
	ck_assert_int_eq(r.n[CONN_FAILED], 1);
	ck_assert_msg(strncmp(r.err, "cannot bind to the source address: ", 35) == 0, "%s", r.err);
	conn_free(r.c);
	fix_down(&f);
}
END_TEST

/* Connect from src (NULL: any) to ip; the server must see want. */
static void
peer_seen(const char *ip, const char *src, const char *want)
{
	struct sockaddr_storage from;
	socklen_t flen = 0;
	struct fix f;
	struct rec r;
	int sfd;

	if (src) {                      /* src port 0 as an address */
		sfd = listen_on(src, &from, &flen, -1);
		ck_assert_int_ge(sfd, 0);
		close(sfd);
		((struct sockaddr_in *)&from)->sin_port = 0;
	}
	fix_up(&f, ip, 8, child_peer);
	rec_init(&r);
	r.c = conn_connect(f.ev, (struct sockaddr *)&f.ss, f.len, src ? (struct sockaddr *)&from : NULL,
	    flen, ev_now_update(f.ev) + 5000, rec_cb, &r);
	ck_assert_ptr_nonnull(r.c);
	spin(f.ev, &r.done, 10000);
	ck_assert_int_eq(r.n[CONN_EOF], 1);
	ck_assert_str_eq(r.in.p, want);
	conn_free(r.c);
	buf_free(&r.in);
	fix_down(&f);
}

START_TEST(source_address)
{
	peer_seen("127.0.0.1", "127.0.0.2", "127.0.0.2\r\n");
}
END_TEST

START_TEST(ipv6)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = listen_on("::1", &ss, &len, 1);

	if (fd < 0) {
		fprintf(stderr, "check_conn: ::1 is not configured, IPv6 not tested\n");
		return;
	}
	close(fd);
	peer_seen("::1", NULL, "::1\r\n");
}
END_TEST

START_TEST(peer_close)
{
	bool never = false;
	struct fix f;
	struct rec r;

	fix_up(&f, "127.0.0.1", 8, child_bye);
	rec_init(&r);
	r.c = dial(&f, 5000, rec_cb, &r);
	spin(f.ev, &r.done, 10000);
	ck_assert_int_eq(r.norder, 3);
	ck_assert_int_eq(r.order[0], CONN_CONNECTED);
	ck_assert_int_eq(r.order[1], CONN_READ);
	ck_assert_int_eq(r.order[2], CONN_EOF);
	ck_assert_str_eq(r.in.p, "bye\r\n");
	/* nothing more to say, and no busy loop over the closed socket */
	ck_assert_int_le(spin(f.ev, &never, 100), 2);
	ck_assert_int_eq(r.norder, 3);
	conn_free(r.c);
	buf_free(&r.in);
	fix_down(&f);
}
END_TEST

START_TEST(deadline)
{
	bool never = false;
	struct fix f;
	struct rec r;
	int64_t t0;

	fix_up(&f, "127.0.0.1", 8, child_silent);
	rec_init(&r);
	r.c = dial(&f, 5000, rec_cb, &r);
	while (r.norder == 0)
		ck_assert_int_ge(ev_run_once(f.ev, 5000), 0);
	ck_assert_int_eq(r.n[CONN_CONNECTED], 1);
	conn_deadline(r.c, 0);          /* cleared: the connect deadline no longer counts */
	t0 = ev_now_update(f.ev);
	conn_deadline(r.c, t0 + 100);
	spin(f.ev, &r.done, 5000);
	ck_assert_int_eq(r.n[CONN_TIMEOUT], 1);
	ck_assert_int_ge(ev_now(f.ev) - t0, 100);
	spin(f.ev, &never, 150);        /* reported once, then cleared */
	ck_assert_int_eq(r.n[CONN_TIMEOUT], 1);
	ck_assert_uint_eq(ev_count(f.ev), 1);  /* the descriptor; no timer */
	conn_free(r.c);
	fix_down(&f);
}
END_TEST

/* Free the connection from inside the callback of event `on`; nothing
 * more may be reported and nothing may stay registered with the loop. */
static void
free_on(enum conn_event on, int (*child)(int))
{
	bool never = false;
	struct fix f;
	struct rec r;
	int seen;

	fix_up(&f, "127.0.0.1", child ? 8 : -1, child);
	rec_init(&r);
	r.free_on = (int)on;
	r.c = dial(&f, 5000, rec_cb, &r);
	ck_assert_int_eq(conn_put(r.c, "some output\r\n", 13), 0);
	if (on == CONN_TIMEOUT)
		conn_deadline(r.c, ev_now(f.ev) + 50);
	spin(f.ev, &r.done, 10000);
	ck_assert_ptr_null(r.c);
	ck_assert_int_eq(r.n[on], 1);
	seen = r.norder;
	spin(f.ev, &never, 50);
	ck_assert_int_eq(r.norder, seen);
	buf_free(&r.in);
	fix_down(&f);                   /* nothing registered */
}

START_TEST(free_inside)
{
	free_on(CONN_CONNECTED, child_bye);
	free_on(CONN_READ, child_bye);
	free_on(CONN_EOF, child_bye);
	free_on(CONN_DRAINED, child_silent);
	free_on(CONN_TIMEOUT, child_silent);
	free_on(CONN_FAILED, NULL);
}
END_TEST

START_TEST(free_other)
{
	struct fix f;
	struct rec a, b;

	/* two refused connections; whichever fails first frees the other */
	fix_up(&f, "127.0.0.1", -1, NULL);
	rec_init(&a);
	rec_init(&b);
	a.c = dial(&f, 5000, rec_cb, &a);
	b.c = dial(&f, 5000, rec_cb, &b);
	a.free_on = b.free_on = CONN_FAILED;
	a.also = b.c;
	b.also = a.c;
	while (!a.done && !b.done)
		ck_assert_int_ge(ev_run_once(f.ev, 5000), 0);
	ck_assert_int_eq(a.n[CONN_FAILED] + b.n[CONN_FAILED], 1);
	fix_down(&f);
}
END_TEST

/* ev: a timer re-armed for now from its own callback runs once a round. */
static int rearmed;

static void
rearm_cb(struct ev_timer *t)
{
	struct ev *ev = t->arg;

	if (++rearmed < 1000)
		ev_timer_at(ev, t, ev_now(ev), rearm_cb, ev);
}

START_TEST(ev_rearm_now)
{
	struct ev *ev = ev_new();
	struct ev_timer t = { 0 };

	rearmed = 0;
	ck_assert_int_eq(ev_timer_at(ev, &t, ev_now(ev), rearm_cb, ev), 0);
	ck_assert_int_eq(ev_run_once(ev, 0), 1);
	ck_assert_int_eq(rearmed, 1);
	ck_assert_int_eq(ev_run_once(ev, 0), 1);
	ck_assert_int_eq(rearmed, 2);
	ev_timer_stop(ev, &t);
	ev_free(ev);
}
END_TEST

static Suite *
conn_suite(void)
{
	Suite *s = suite_create("conn");
	TCase *tc;

	tc = tcase_create("connect");
	tcase_add_test(tc, connect_ok);
	tcase_add_test(tc, connect_refused);
	tcase_add_test(tc, connect_timeout);
	tcase_add_test(tc, bind_fail);
	tcase_add_test(tc, source_address);
	tcase_add_test(tc, ipv6);
	suite_add_tcase(s, tc);

	tc = tcase_create("close");
	tcase_add_test(tc, peer_close);
	tcase_add_test(tc, deadline);
	tcase_add_test(tc, free_inside);
	tcase_add_test(tc, free_other);
	suite_add_tcase(s, tc);

	tc = tcase_create("ev");
	tcase_add_test(tc, ev_rearm_now);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(conn_suite());
	int failed;

	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
