/* check_conn_io: unit tests for the buffers of src/net/conn: lines read
 * across chunk boundaries, the input bound (a peer sending a megabyte to
 * an owner that consumes nothing: memory stays bounded and the loop does
 * not spin, also after a reset), and several megabytes streamed through
 * the drained event to a child that checks every byte. */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "connlib.h"

#define BIG (8u << 20)                  /* bytes streamed in big_output */
#define FLOOD (1u << 20)                /* bytes sent in input_bound */

/* Three pieces, each sent after the client acknowledged the previous one. */
static int
child_chunks(int fd)
{
	static const char *piece[] = { "hel", "lo\r\nwor", "ld\r\n" };
	char ack;

	for (int i = 0; i < 3; i++)
		if (write_all(fd, piece[i], strlen(piece[i])) < 0 || read(fd, &ack, 1) != 1)
			return 1;
	return 0;
}

/* A little first (the client acknowledges it), then a flood. */
static int
child_flood(int fd)
{
	static unsigned char b[65536];
	char ack;

	for (size_t i = 0; i < 1000; i++)
		b[i] = pat(i);
	if (write_all(fd, b, 1000) < 0 || read(fd, &ack, 1) != 1)
		return 1;
	for (size_t off = 1000; off < FLOOD; off += sizeof b) {
		for (size_t i = 0; i < sizeof b; i++)
			b[i] = pat(off + i);
		if (write_all(fd, b, off + sizeof b > FLOOD ? FLOOD - off : sizeof b) < 0)
			return 1;
	}
	return 0;
}

/* 64 KB, then (once the client has seen some) a reset. */
static int
child_reset(int fd)
{
	static unsigned char b[65536];
	struct linger lg = { 1, 0 };
	char ack;

	for (size_t i = 0; i < sizeof b; i++)
		b[i] = pat(i);
	if (write_all(fd, b, sizeof b) < 0 || read(fd, &ack, 1) != 1)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
	return 0;
}

/* Read BIG bytes, check each, then say "ok N" or where it went wrong. */
static int
child_sink(int fd)
{
	static unsigned char b[65536];
	char line[64];
	size_t got = 0;
	ssize_t k;

	while (got < BIG && (k = read(fd, b, sizeof b)) > 0)
		for (ssize_t i = 0; i < k; i++, got++)
			if (b[i] != pat(got)) {
				snprintf(line, sizeof line, "bad at %zu\r\n", got);
				write_all(fd, line, strlen(line));
				return 1;
			}
	snprintf(line, sizeof line, "ok %zu\r\n", got);
	return write_all(fd, line, strlen(line)) < 0;
}

/* lines: each arrival acknowledged with one byte, so that the pieces
 * reach the connection one at a time. */
struct lines {
	struct rec r;
	int reads, first_line;
	char got[2][16];
	int nlines;
};

static void
lines_cb(struct conn *c, enum conn_event e, void *arg)
{
	struct lines *l = arg;
	size_t n;

	if (e != CONN_READ) {
		rec_cb(c, e, &l->r);
		return;
	}
	if (l->reads++ == 0)
		l->first_line = (int)conn_line(c);
	while ((n = conn_line(c)) > 0) {
		ck_assert_int_lt(l->nlines, 2);
		ck_assert_uint_lt(n, sizeof l->got[0]);
		memcpy(l->got[l->nlines], conn_peek(c), n);
		l->got[l->nlines++][n] = '\0';
		conn_consume(c, n);
	}
	ck_assert_int_eq(conn_put(c, "k", 1), 0);
}

START_TEST(lines_across_chunks)
{
	struct lines l;
	struct fix f;

	fix_up(&f, "127.0.0.1", 8, child_chunks);
	memset(&l, 0, sizeof l);
	rec_init(&l.r);
	l.r.c = dial(&f, 5000, lines_cb, &l);
	spin(f.ev, &l.r.done, 10000);
	ck_assert_int_eq(l.r.n[CONN_EOF], 1);
	ck_assert_int_eq(l.reads, 3);
	ck_assert_int_eq(l.first_line, 0);      /* "hel": no line yet */
	ck_assert_int_eq(l.nlines, 2);
	ck_assert_str_eq(l.got[0], "hello\r\n");
	ck_assert_str_eq(l.got[1], "world\r\n");
	ck_assert_uint_eq(conn_avail(l.r.c), 0);
	conn_free(l.r.c);
	fix_down(&f);
}
END_TEST

/* flood: nothing is consumed until the deadline (or the test says so),
 * then everything, checking every byte. */
struct flood {
	struct rec r;
	bool consuming;
	size_t most, at_timeout, checked;
};

static void
flood_take(struct flood *f, struct conn *c)
{
	const unsigned char *p = (const unsigned char *)conn_peek(c);
	size_t n = conn_avail(c);

	for (size_t i = 0; i < n; i++)
		if (p[i] != pat(f->checked + i))
			ck_abort_msg("byte %zu differs", f->checked + i);
	f->checked += n;
	conn_consume(c, n);
}

static void
flood_cb(struct conn *c, enum conn_event e, void *arg)
{
	struct flood *f = arg;

	if (conn_avail(c) > f->most)
		f->most = conn_avail(c);
	if (e == CONN_READ && f->r.n[CONN_READ]++ == 0)
		ck_assert_int_eq(conn_put(c, "k", 1), 0);       /* got the first piece */
	if (e == CONN_READ && f->consuming)
		flood_take(f, c);
	else if (e == CONN_TIMEOUT) {
		f->at_timeout = conn_avail(c);
		f->consuming = true;
		flood_take(f, c);
	} else if (e != CONN_READ)
		rec_cb(c, e, &f->r);
}

START_TEST(input_bound)
{
	struct flood fl;
	struct fix f;
	long calls;

	fix_up(&f, "127.0.0.1", 8, child_flood);
	memset(&fl, 0, sizeof fl);
	rec_init(&fl.r);
	fl.r.c = dial(&f, 300, flood_cb, &fl);
	/* the peer sends a megabyte; the owner consumes nothing for 300 ms */
	calls = spin(f.ev, &fl.consuming, 5000);
	ck_assert(fl.consuming);
	ck_assert_uint_eq(fl.at_timeout, CONN_INBUF);
	ck_assert_msg(calls < 50, "%ld callbacks while full", calls);
	spin(f.ev, &fl.r.done, 10000);
	ck_assert_int_eq(fl.r.n[CONN_EOF], 1);
	ck_assert_uint_le(fl.most, CONN_INBUF);
	ck_assert_uint_eq(fl.checked, FLOOD);
	ck_assert_uint_eq(conn_bytes_in(fl.r.c), FLOOD);
	conn_free(fl.r.c);
	fix_down(&f);
}
END_TEST

START_TEST(reset_while_full)
{
	bool never = false;
	struct flood fl;
	struct fix f;
	long calls;

	fix_up(&f, "127.0.0.1", 8, child_reset);
	memset(&fl, 0, sizeof fl);
	rec_init(&fl.r);
	fl.r.c = dial(&f, 5000, flood_cb, &fl);
	while (fl.r.n[CONN_READ] == 0)
		ck_assert_int_ge(ev_run_once(f.ev, 5000), 0);
	ck_assert_int_eq(reap(f.pid), 0);
	f.pid = -1;
	/* the peer reset the connection while the input buffer is full:
	 * nothing to report until the owner makes room, and no busy loop */
	calls = spin(f.ev, &never, 200);
	ck_assert_msg(calls < 20, "%ld callbacks after the reset", calls);
	ck_assert_uint_eq(conn_avail(fl.r.c), CONN_INBUF);
	ck_assert_int_eq(fl.r.n[CONN_ERROR] + fl.r.n[CONN_EOF], 0);
	fl.consuming = true;
	flood_take(&fl, fl.r.c);        /* outside the callbacks */
	spin(f.ev, &fl.r.done, 5000);
	ck_assert_int_eq(fl.r.n[CONN_ERROR] + fl.r.n[CONN_EOF], 1);
	ck_assert_msg(fl.r.n[CONN_EOF] || strcmp(fl.r.err, "connection reset by peer") == 0,
	    "%s", fl.r.err);
	conn_free(fl.r.c);
	fix_down(&f);
}
END_TEST

/* stream: BIG bytes added in pieces as the connection drains. */
struct stream {
	struct rec r;
	size_t sent, most;
	int drained;
};

static void
stream_more(struct stream *s, struct conn *c)
{
	unsigned char piece[16384];

	while (conn_pending(c) < 262144 && s->sent < BIG) {
		for (size_t i = 0; i < sizeof piece; i++)
			piece[i] = pat(s->sent + i);
		ck_assert_int_eq(conn_put(c, piece, sizeof piece), 0);
		s->sent += sizeof piece;
	}
	if (conn_pending(c) > s->most)
		s->most = conn_pending(c);
}

static void
stream_cb(struct conn *c, enum conn_event e, void *arg)
{
	struct stream *s = arg;

	if (e == CONN_DRAINED)
		s->drained++;
	if (e == CONN_CONNECTED || e == CONN_DRAINED)
		stream_more(s, c);
	rec_cb(c, e, &s->r);
}

START_TEST(big_output)
{
	struct stream s;
	struct fix f;
	char want[32];

	fix_up(&f, "127.0.0.1", 8, child_sink);
	memset(&s, 0, sizeof s);
	rec_init(&s.r);
	s.r.c = dial(&f, 5000, stream_cb, &s);
	conn_lowat(s.r.c, 65536);
	spin(f.ev, &s.r.done, 30000);
	snprintf(want, sizeof want, "ok %u\r\n", BIG);
	ck_assert_str_eq(s.r.in.len ? s.r.in.p : "", want);
	ck_assert_int_eq(s.r.n[CONN_EOF], 1);
	ck_assert_uint_eq(s.sent, BIG);
	ck_assert_uint_eq(conn_bytes_out(s.r.c), BIG);
	ck_assert_uint_eq(conn_pending(s.r.c), 0);
	ck_assert_int_gt(s.drained, 8);         /* it really was streamed */
	ck_assert_uint_le(s.most, 262144 + 16384);
	conn_free(s.r.c);
	buf_free(&s.r.in);
	fix_down(&f);
}
END_TEST

static Suite *
conn_io_suite(void)
{
	Suite *s = suite_create("conn_io");
	TCase *tc = tcase_create("io");

	tcase_add_test(tc, lines_across_chunks);
	tcase_add_test(tc, input_bound);
	tcase_add_test(tc, reset_while_full);
	tcase_add_test(tc, big_output);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(conn_io_suite());
	int failed;

	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
