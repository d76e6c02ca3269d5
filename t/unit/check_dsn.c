/* check_dsn: unit tests for bounces: where they go (send_dsn_route), the
 * status code syntax, header folding, the three-part multipart/report
 * built against a real queued message (qdir.h) with a fixed clock, and the
 * bounce record file (queue_bounce: torn records, duplicates, chunks). */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "date.h"
#include "qdir.h"
#include "queue_bounce.h"
#include "queue_msg.h"
#include "queue_write.h"
#include "send_dsn.h"

#define NOW ((time_t)1800000000)

START_TEST(route)
{
	struct buf to = BUF_INIT, from = BUF_INIT;

	ck_assert_int_eq(send_dsn_route("a@b.test", NULL, "me.test", &to, &from), SEND_DSN_SEND);
	ck_assert_str_eq(to.p, "a@b.test");
	ck_assert_uint_eq(from.len, 0);
	ck_assert_int_eq(send_dsn_route("", NULL, "me.test", &to, &from), SEND_DSN_SEND);
	ck_assert_str_eq(to.p, "postmaster@me.test");
	ck_assert_str_eq(from.p, "#@[]");
	ck_assert_int_eq(send_dsn_route("", "ops", "me.test", &to, &from), SEND_DSN_SEND);
	ck_assert_str_eq(to.p, "ops@me.test");
	ck_assert_int_eq(send_dsn_route("", "ops@other.test", "me.test", &to, &from), SEND_DSN_SEND);
	ck_assert_str_eq(to.p, "ops@other.test");
	ck_assert_str_eq(from.p, "#@[]");
	ck_assert_int_eq(send_dsn_route("", "", "me.test", &to, &from), SEND_DSN_DROP);
	ck_assert_int_eq(send_dsn_route("#@[]", NULL, "me.test", &to, &from), SEND_DSN_DROP);
	ck_assert_int_eq(send_dsn_route("#@[]", "ops", "me.test", &to, &from), SEND_DSN_DROP);
	buf_free(&to);
	buf_free(&from);
}
END_TEST

START_TEST(status)
{
	static const char *const good[] = { "5.1.1", "4.4.7", "5.0.0", "5.123.456", "4.7.12" };
	static const char *const bad[] = { "", "5", "5.1", "5.1.", "2.0.0", "6.1.1", "5..1",
		"5.1.1 ", " 5.1.1", "5.1234.1", "5.1.1234", "x.1.1", "5.1.1.1", "55.1.1" };
	size_t i;

	for (i = 0; i < sizeof good / sizeof *good; i++)
		ck_assert_msg(send_dsn_status_valid(good[i]), "%s", good[i]);
	for (i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(!send_dsn_status_valid(bad[i]), "%s", bad[i]);
}
END_TEST

/* The longest line of s. */
static size_t
longest(const char *s, size_t len)
{
	size_t max = 0, col = 0, i;

	for (i = 0; i < len; i++) {
		col = s[i] == '\n' ? 0 : col + 1;
		if (col > max)
			max = col;
	}
	return max;
}

/* s with the folds ("\n ") taken out, the final LF dropped. */
static void
unfold(struct buf *out, const char *s)
{
	buf_reset(out);
	for (; *s != '\0'; s++) {
		if (s[0] == '\n' && s[1] == ' ')
			continue;
		if (s[0] == '\n' && s[1] == '\0')
			break;
		ck_assert_int_eq(buf_addc(out, *s), 0);
	}
}

START_TEST(fold)
{
	struct buf out = BUF_INIT, u = BUF_INIT, in = BUF_INIT;
	size_t i;

	ck_assert_int_eq(send_dsn_fold(&out, "Status", "5.1.1"), 0);
	ck_assert_str_eq(out.p, "Status: 5.1.1\n");
	/* many words: lines of at most 78, unfolding gives the text back */
	for (i = 0; i < 200; i++)
		ck_assert_int_eq(buf_printf(&in, "%sword%zu", i ? " " : "", i), 0);
	buf_reset(&out);
	ck_assert_int_eq(send_dsn_fold(&out, "Diagnostic-Code", in.p), 0);
	ck_assert_uint_le(longest(out.p, out.len), 78);
	ck_assert_ptr_nonnull(strstr(out.p, "\n "));
	unfold(&u, out.p);
	ck_assert_str_eq(u.p + strlen("Diagnostic-Code: "), in.p);
	/* one 3000-byte word: broken at 998 */
	buf_reset(&in);
	for (i = 0; i < 3000; i++)
		ck_assert_int_eq(buf_addc(&in, (char)('a' + i % 26)), 0);
	buf_reset(&out);
	ck_assert_int_eq(send_dsn_fold(&out, "X", in.p), 0);
	ck_assert_uint_le(longest(out.p, out.len), 998);
	ck_assert_uint_ge(longest(out.p, out.len), 990);
	/* line breaks, NULs cannot come, control and 8-bit bytes are made safe */
	buf_reset(&out);
	ck_assert_int_eq(send_dsn_fold(&out, "X", "a\r\nBcc: evil@x\tb \xc3\xa9"), 0);
	ck_assert_str_eq(out.p, "X: a Bcc: evil@x b ??\n");
	buf_free(&out);
	buf_free(&u);
	buf_free(&in);
}
END_TEST

/* Queue a message with body text from sender; id gets its id. */
static void
queue_one(const char *body, size_t len, const char *sender, char *id)
{
	struct queue_writer w;

	ck_assert_int_eq(queue_writer_open(&w, qdir, 0), 0);
	ck_assert_int_eq(queue_writer_body(&w, body, len), 0);
	ck_assert_int_eq(queue_writer_sender(&w, sender, strlen(sender)), 0);
	ck_assert_int_eq(queue_writer_rcpt(&w, "r@x.test", 8), 0);
	ck_assert_int_eq(queue_writer_commit(&w, (uint64_t)NOW - 3600), 0);
	memcpy(id, w.id, QUEUE_ID_LEN + 1);
}

/* Number of occurrences of s in b. */
static size_t
count(const struct buf *b, const char *s)
{
	const char *p = b->p;
	size_t n = 0;

	while ((p = strstr(p, s)) != NULL) {
		n++;
		p += strlen(s);
	}
	return n;
}

/* Build the bounce of message id (sender) for the given failures. */
static void
build(const char *id, const char *sender, const char *const *f, size_t nf, struct buf *out)
{
	struct send_dsn d = { .me = "me.test", .sender = sender, .arrival = NOW - 3600,
		.now = NOW };
	struct queue_msg m;
	size_t i;

	ck_assert_int_eq(send_dsn_begin(&d), 0);
	for (i = 0; i < nf; i += 3)
		ck_assert_int_eq(send_dsn_rcpt(&d, f[i], f[i + 1], f[i + 2], 0), 0);
	ck_assert_int_eq(queue_msg_open(&m, qdir, id, false), 0);
	ck_assert_int_eq(send_dsn_finish(&d, &m, out), 0);
	queue_msg_close(&m);
	send_dsn_free(&d);
	ck_assert_uint_le(longest(out->p, out->len), 998);
}

/* The boundary of a built bounce. */
static void
boundary_of(const struct buf *msg, struct buf *b)
{
	const char *p = strstr(msg->p, "boundary=\""), *e;

	ck_assert_ptr_nonnull(p);
	p += 10;
	ck_assert_ptr_nonnull(e = strchr(p, '"'));
	ck_assert_int_eq(buf_set(b, p, (size_t)(e - p)), 0);
	ck_assert_uint_gt(b->len, 20);
}

START_TEST(structure)
{
	static const char body[] = "Subject: hello =_herald_ there\nFrom: s@x.test\n"
	    "To: r@x.test\n\nthe body\n--=_herald_\n";
	static const char *const f[] = {
		"r@x.test", "5.1.1", "550 5.1.1 no such user",
		"q@x.test", "bogus", "the mailbox exploded",
		"old@x.test", "4.4.7", "message is too old; gave up after 604800 seconds",
	};
	char id[QUEUE_ID_LEN + 1];
	struct buf out = BUF_INIT, b = BUF_INIT, want = BUF_INIT, date = BUF_INIT;
	const char *p1, *p2, *p3, *end;

	queue_one(body, sizeof body - 1, "s@x.test", id);
	build(id, "s@x.test", f, 9, &out);
	{
		static const char head[] = "From: MAILER-DAEMON@me.test\nTo: s@x.test\n"
		    "Subject: failure notice\nDate: ";

		ck_assert(strncmp(out.p, head, sizeof head - 1) == 0);
	}
	ck_assert_int_eq(date_header(&date, NOW), 0);
	ck_assert_int_eq(buf_printf(&want, "\nDate: %s\n", date.p), 0);
	ck_assert_ptr_nonnull(strstr(out.p, want.p));
	ck_assert_ptr_nonnull(strstr(out.p, "\nAuto-Submitted: auto-replied\n"));
	ck_assert_ptr_nonnull(strstr(out.p, "\nMIME-Version: 1.0\n"));
	ck_assert_ptr_nonnull(strstr(out.p, "@me.test>\n"));
	ck_assert_ptr_nonnull(strstr(out.p, "\nContent-Type: multipart/report; "
	    "report-type=delivery-status;\n boundary=\""));
	boundary_of(&out, &b);
	/* the boundary occurs only as the four delimiters */
	ck_assert_uint_eq(count(&out, b.p), 5);     /* header parameter + 4 */
	buf_reset(&want);
	ck_assert_int_eq(buf_printf(&want, "\n--%s\nContent-Type: ", b.p), 0);
	ck_assert_uint_eq(count(&out, want.p), 3);
	buf_reset(&want);
	ck_assert_int_eq(buf_printf(&want, "\n--%s--\n", b.p), 0);
	end = strstr(out.p, want.p);
	ck_assert_ptr_nonnull(end);
	ck_assert_uint_eq((size_t)(end - out.p) + want.len, out.len);
	p1 = strstr(out.p, "Content-Type: text/plain; charset=us-ascii\n");
	p2 = strstr(out.p, "Content-Type: message/delivery-status\n");
	p3 = strstr(out.p, "Content-Type: text/rfc822-headers\n");
	ck_assert(p1 != NULL && p2 != NULL && p3 != NULL && p1 < p2 && p2 < p3);
	/* part 1 */
	ck_assert_ptr_nonnull(strstr(p1, "Hi. This is the herald program at me.test.\n"));
	ck_assert_ptr_nonnull(strstr(p1, "<r@x.test>:\n550 5.1.1 no such user\n"));
	ck_assert_ptr_nonnull(strstr(p1, "<old@x.test>:\nmessage is too old"));
	ck_assert(strstr(p1, "<old@x.test>:\nmessage is too old") < p2);
	/* part 2 */
	buf_reset(&date);
	ck_assert_int_eq(date_header(&date, NOW - 3600), 0);
	buf_reset(&want);
	ck_assert_int_eq(buf_printf(&want, "\n\nReporting-MTA: dns; me.test\n"
	    "Arrival-Date: %s\n\nFinal-Recipient: ", date.p), 0);
	ck_assert_ptr_nonnull(strstr(p2, want.p));
	ck_assert_ptr_nonnull(strstr(p2, "Reporting-MTA: dns; me.test\n"));
	ck_assert_ptr_nonnull(strstr(p2, "\nFinal-Recipient: rfc822; r@x.test\nAction: failed\n"
	    "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 no such user\n"));
	ck_assert_ptr_nonnull(strstr(p2, "\nFinal-Recipient: rfc822; q@x.test\nAction: failed\n"
	    "Status: 5.0.0\nDiagnostic-Code: x-herald; the mailbox exploded\n"));
	ck_assert_ptr_nonnull(strstr(p2, "\nFinal-Recipient: rfc822; old@x.test\nAction: failed\n"
	    "Status: 4.4.7\n"));
	/* part 3: the header only, not the body */
	ck_assert_ptr_nonnull(strstr(p3, "\n\nSubject: hello =_herald_ there\nFrom: s@x.test\n"
	    "To: r@x.test\n\n--"));
	ck_assert_ptr_null(strstr(p3, "the body"));
	buf_free(&out);
	buf_free(&b);
	buf_free(&want);
	buf_free(&date);
}
END_TEST

START_TEST(double_bounce)
{
	static const char body[] = "Subject: a bounce\n\nx\n";
	static const char *const f[] = { "r@x.test", "5.1.1", "no" };
	struct buf out = BUF_INIT;
	char id[QUEUE_ID_LEN + 1];

	queue_one(body, sizeof body - 1, "", id);
	build(id, "", f, 3, &out);
	ck_assert_ptr_nonnull(strstr(out.p, "\nTo: postmaster\n"));
	ck_assert_ptr_nonnull(strstr(out.p, "itself a bounce"));
	buf_free(&out);
}
END_TEST

START_TEST(big_header)
{
	struct buf body = BUF_INIT, out = BUF_INIT;
	char id[QUEUE_ID_LEN + 1];
	const char *p3;
	size_t i;

	/* a 3000-byte header line, then 70 KiB of header */
	ck_assert_int_eq(buf_adds(&body, "Subject: "), 0);
	for (i = 0; i < 3000; i++)
		ck_assert_int_eq(buf_addc(&body, 'x'), 0);
	ck_assert_int_eq(buf_addc(&body, '\n'), 0);
	for (i = 0; body.len < 70 * 1024; i++)
		ck_assert_int_eq(buf_printf(&body, "X-Filler-%zu: some text\n", i), 0);
	ck_assert_int_eq(buf_adds(&body, "\nbody\n"), 0);
	queue_one(body.p, body.len, "s@x.test", id);
	build(id, "s@x.test", (const char *const[]){ "r@x.test", "5.1.1", "no" }, 3, &out);
	ck_assert_ptr_nonnull(strstr(out.p, "only its beginning is\nincluded"));
	p3 = strstr(out.p, "Content-Type: text/rfc822-headers\n");
	ck_assert_ptr_nonnull(p3);
	ck_assert_uint_le(out.len - (size_t)(p3 - out.p), SEND_DSN_HEADER_MAX + 400);
	ck_assert_ptr_nonnull(strstr(p3, "X-Filler-1: some text\n"));
	ck_assert_ptr_null(strstr(p3, "\nbody\n"));
	buf_free(&body);
	buf_free(&out);
}
END_TEST

START_TEST(many)
{
	struct send_dsn d = { .me = "me.test", .sender = "s@x.test", .now = NOW };
	static const char body[] = "Subject: s\n\nx\n";
	struct buf out = BUF_INIT, a = BUF_INIT;
	char id[QUEUE_ID_LEN + 1];
	struct queue_msg m;
	size_t i;

	queue_one(body, sizeof body - 1, "s@x.test", id);
	ck_assert_int_eq(send_dsn_begin(&d), 0);
	for (i = 0; i < SEND_DSN_LISTED + 5; i++) {
		buf_reset(&a);
		ck_assert_int_eq(buf_printf(&a, "u%zu@x.test", i), 0);
		ck_assert_int_eq(send_dsn_rcpt(&d, a.p, "5.1.1", "no", NOW - 5), 0);
	}
	ck_assert_int_eq(queue_msg_open(&m, qdir, id, false), 0);
	ck_assert_int_eq(send_dsn_finish(&d, &m, &out), 0);
	queue_msg_close(&m);
	send_dsn_free(&d);
	ck_assert_uint_eq(count(&out, "Final-Recipient: rfc822; u"), SEND_DSN_LISTED + 5);
	ck_assert_uint_eq(count(&out, "\n<u"), SEND_DSN_LISTED);
	ck_assert_ptr_nonnull(strstr(out.p, "<u999@x.test>:"));
	ck_assert_ptr_null(strstr(out.p, "<u1000@x.test>:"));
	ck_assert_ptr_nonnull(strstr(out.p, "... and 5 more;"));
	buf_free(&out);
	buf_free(&a);
}
END_TEST

static int
collect(void *arg, const struct queue_bounce_rec *r)
{
	struct buf *b = arg;

	return buf_printf(b, "%s|%s|%s;", r->rcpt, r->status, r->text);
}

static void
bounce_dir(void)
{
	struct buf p = BUF_INIT;

	qdir_path(&p, "bounce");
	ck_assert_int_eq(mkdir(p.p, 0750), 0);
	buf_free(&p);
}

START_TEST(bounce_file)
{
	static const char id[] = "0000000000000000000001";
	struct buf got = BUF_INIT, path = BUF_INIT;
	struct stat st;
	int fd;

	bounce_dir();
	ck_assert_int_eq(queue_bounce_read(qdir, id, collect, &got), 0);
	ck_assert_int_eq(queue_bounce_append(qdir, id, "a@x", "5.1.1", "no\nsuch"), 0);
	ck_assert_int_eq(queue_bounce_append(qdir, id, "b@x", "", "gone"), 0);
	ck_assert_int_eq(queue_bounce_append(qdir, id, "a@x", "5.2.2", "full"), 0);
	ck_assert_int_eq(queue_bounce_append(qdir, id, "bad\naddr", "5.1.1", "x"), -1);
	ck_assert_int_eq(queue_bounce_path(&path, qdir, id), 0);
	ck_assert_int_eq(stat(path.p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0660);
	ck_assert_int_eq(queue_bounce_sync(qdir, id), 0);
	ck_assert_int_eq(stat(path.p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(queue_bounce_read(qdir, id, collect, &got), 2);
	ck_assert_str_eq(got.p, "b@x|5.0.0|gone;a@x|5.2.2|full;");
	/* a torn record, then one more append: both complete records count */
	ck_assert_int_eq(truncate(path.p, st.st_size - 3), 0);
	buf_reset(&got);
	ck_assert_int_eq(queue_bounce_read(qdir, id, collect, &got), 2);
	ck_assert_str_eq(got.p, "a@x|5.1.1|no such;b@x|5.0.0|gone;");
	ck_assert_int_eq(queue_bounce_append(qdir, id, "c@x", "5.1.1", "c"), 0);
	ck_assert_int_ne(fd = open(path.p, O_WRONLY | O_APPEND), -1);
	ck_assert_int_eq(write(fd, "\0\0\0\0", 4), 4);          /* power-loss zeros */
	close(fd);
	ck_assert_int_eq(queue_bounce_append(qdir, id, "d@x", "5.1.1", "d"), 0);
	buf_reset(&got);
	ck_assert_int_eq(queue_bounce_read(qdir, id, collect, &got), 4);
	ck_assert_str_eq(got.p, "a@x|5.1.1|no such;b@x|5.0.0|gone;c@x|5.1.1|c;d@x|5.1.1|d;");
	ck_assert_int_eq(queue_bounce_remove(qdir, id), 0);
	ck_assert_int_eq(queue_bounce_remove(qdir, id), 0);
	buf_reset(&got);
	ck_assert_int_eq(queue_bounce_read(qdir, id, collect, &got), 0);
	ck_assert_int_eq(queue_bounce_read(qdir, "nonsense", collect, &got), -1);
	buf_free(&got);
	buf_free(&path);
}
END_TEST

struct tally {
	size_t n;
	unsigned char seen[3 * QUEUE_BOUNCE_CHUNK];
};

static int
tally(void *arg, const struct queue_bounce_rec *r)
{
	struct tally *t = arg;
	unsigned i = (unsigned)atoi(r->rcpt + 1);

	ck_assert_uint_lt(i, sizeof t->seen);
	ck_assert_uint_eq(t->seen[i], 0);
	t->seen[i] = 1;
	/* the last record of a recipient wins: odd ones were appended twice */
	ck_assert_str_eq(r->text, i % 2 ? "second" : "first");
	t->n++;
	return 0;
}

START_TEST(bounce_chunks)
{
	static const char id[] = "0000000000000000000002";
	static struct tally t;
	char a[32];
	unsigned i, n = 3 * QUEUE_BOUNCE_CHUNK - 7;

	bounce_dir();
	for (i = 0; i < n; i++) {
		snprintf(a, sizeof a, "u%u@x", i);
		ck_assert_int_eq(queue_bounce_append(qdir, id, a, "5.1.1", "first"), 0);
	}
	/* duplicates land in later chunks than their first records */
	for (i = 1; i < n; i += 2) {
		snprintf(a, sizeof a, "u%u@x", i);
		ck_assert_int_eq(queue_bounce_append(qdir, id, a, "5.1.1", "second"), 0);
	}
	memset(&t, 0, sizeof t);
	ck_assert_int_eq(queue_bounce_read(qdir, id, tally, &t), n);
	ck_assert_uint_eq(t.n, n);
}
END_TEST

static Suite *
dsn_suite(void)
{
	Suite *s = suite_create("dsn");
	TCase *tc;

	tc = tcase_create("pure");
	tcase_add_test(tc, route);
	tcase_add_test(tc, status);
	tcase_add_test(tc, fold);
	suite_add_tcase(s, tc);

	tc = tcase_create("message");
	tcase_add_checked_fixture(tc, qdir_setup, qdir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, structure);
	tcase_add_test(tc, double_bounce);
	tcase_add_test(tc, big_header);
	tcase_add_test(tc, many);
	tcase_add_test(tc, bounce_file);
	tcase_add_test(tc, bounce_chunks);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dsn_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
