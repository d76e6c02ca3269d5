/* check_lspawn: herald-lspawn's protocol without processes: request
 * netstrings (complete, incomplete at every length, malformed), result
 * framing, and the result made from herald-local's exit and output. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "err.h"
#include "lspawn_req.h"
#include "lspawn_res.h"
#include "queue_path.h"

#define ID "0691a2b3c0000100004d2a"
/* A string literal with NULs inside, and its length. */
#define LIT(s) s, sizeof s - 1

/* Frame a request payload of n bytes as a netstring into out. */
static void
frame(struct buf *out, const char *payload, size_t n)
{
	buf_printf(out, "%zu:", n);
	buf_add(out, payload, n);
	buf_addc(out, ',');
}

/* Build a request for rcpt into out (appending). */
static void
req(struct buf *out, const char *num, const char *off, const char *rcpt)
{
	struct buf pay = BUF_INIT, path = BUF_INIT;

	queue_path_mess(&path, "queue", ID);
	buf_add(&pay, num, strlen(num) + 1);
	buf_add(&pay, path.p, path.len + 1);
	buf_add(&pay, off, strlen(off) + 1);
	buf_add(&pay, "120", 4);
	buf_add(&pay, "s@x.test", 9);
	buf_add(&pay, rcpt, strlen(rcpt) + 1);
	frame(out, pay.p, pay.len);
	buf_free(&pay);
	buf_free(&path);
}

START_TEST(test_req_parse)
{
	struct buf in = BUF_INIT;
	struct lspawn_req r;
	size_t used, i, first;

	req(&in, "17", "128", "Bob-Ext@a@herald.test");
	first = in.len;
	req(&in, "18", "0", "x@y");
	ck_assert_int_eq(lspawn_req_parse(in.p, in.len, &r, &used), 1);
	ck_assert_uint_eq(used, first);
	ck_assert_uint_eq(r.num, 17);
	ck_assert_uint_eq(r.off, 128);
	ck_assert_uint_eq(r.len, 120);
	ck_assert_str_eq(r.sender, "s@x.test");
	ck_assert_str_eq(r.rcpt, "Bob-Ext@a@herald.test");
	ck_assert_int_eq(strncmp(r.path, "queue/mess/", 11), 0);
	ck_assert_int_eq(lspawn_req_parse(in.p + used, in.len - used, &r, &used), 1);
	ck_assert_uint_eq(r.num, 18);
	for (i = 0; i < first; i++)
		ck_assert_int_eq(lspawn_req_parse(in.p, i, &r, &used), 0);
	buf_free(&in);
}
END_TEST

/* Expect the bytes at in (n) to be refused with a text containing want. */
static void
refused(const char *in, size_t n, const char *want)
{
	struct lspawn_req r;
	size_t used;

	ck_assert_int_eq(lspawn_req_parse(in, n, &r, &used), -1);
	ck_assert_msg(strstr(err_str(), want) != NULL, "got '%s', want '%s'", err_str(), want);
}

START_TEST(test_req_malformed)
{
	struct buf b = BUF_INIT, p = BUF_INIT, path = BUF_INIT;

	refused(":", 1, "not a netstring");
	refused("x", 1, "not a netstring");
	refused("01:", 3, "leading zero");
	refused("4097", 4, "longer than 4096");
	refused("3:abc;", 6, "not terminated by ','");
	refused("0:,", 3, "0 fields");
	refused(LIT("3:a\0b,"), "not terminated by a NUL");
	req(&b, "1x", "0", "a@b");
	refused(b.p, b.len, "malformed number");
	buf_reset(&b);
	req(&b, "", "0", "a@b");
	refused(b.p, b.len, "malformed number");
	buf_reset(&b);
	req(&b, "1", "1234567890123456789", "a@b");
	refused(b.p, b.len, "malformed number");
	buf_reset(&b);
	req(&b, "1", "0", "nobody");
	refused(b.p, b.len, "without '@'");
	buf_reset(&b);
	/* the right id in another split directory */
	queue_path_mess(&path, "queue", ID);
	path.p[12] = path.p[12] == '0' ? '1' : '0';
	buf_add(&p, "1", 2);
	buf_add(&p, path.p, path.len + 1);
	buf_add(&p, LIT("0\0" "1\0\0a@b\0"));
	frame(&b, p.p, p.len);
	refused(b.p, b.len, "not a message path");
	buf_reset(&b);
	buf_reset(&p);
	buf_add(&p, LIT("1\0queue/mess/00/../../../../etc/x\0" "0\0" "1\0\0a@b\0"));
	frame(&b, p.p, p.len);
	refused(b.p, b.len, "not a message path");
	buf_reset(&b);
	buf_reset(&p);
	buf_add(&p, LIT("1\0queue/mess/00/zz\0" "0\0" "1\0\0a@b\0"));
	frame(&b, p.p, p.len);
	refused(b.p, b.len, "not a message path");
	buf_free(&b);
	buf_free(&p);
	buf_free(&path);
}
END_TEST

START_TEST(test_result_frame)
{
	struct buf b = BUF_INIT;
	char big[1500];

	ck_assert_int_eq(lspawn_req_result(&b, 42, 'K', "delivered\tto x (#2.0.0)"), 0);
	ck_assert_uint_eq(b.len, sizeof "29:42\0K\0delivered?to x (#2.0.0)\0," - 1);
	ck_assert_int_eq(memcmp(b.p, LIT("29:42\0K\0delivered?to x (#2.0.0)\0,")), 0);
	buf_reset(&b);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(lspawn_req_result(&b, 1, 'Z', big), 0);
	ck_assert_uint_eq(b.len, sizeof "1005:" - 1 + 1005 + 1);
	ck_assert_int_eq(memcmp(b.p, LIT("1005:1\0Z\0aaa")), 0);
	buf_free(&b);
}
END_TEST

static char st;

static const char *
make(int wstatus, const char *out)
{
	static struct buf text = BUF_INIT;

	st = lspawn_res_make(wstatus, out, strlen(out), &text);
	return text.p;
}

START_TEST(test_result_text)
{
	struct buf b = BUF_INIT;
	size_t i;

	ck_assert_str_eq(make(0, "delivered to ./Maildir/ (#2.0.0)\n"),
	    "delivered to ./Maildir/ (#2.0.0)");
	ck_assert_int_eq(st, 'K');
	ck_assert_str_eq(make(100 << 8, "Sorry, no mailbox here by that name. (#5.1.1)\n"),
	    "Sorry, no mailbox here by that name. (#5.1.1)");
	ck_assert_int_eq(st, 'D');
	ck_assert_str_eq(make(111 << 8, "Unable to write\x01 (#4.2.2)\nsecond line\n"),
	    "Unable to write? (#4.2.2)");
	ck_assert_int_eq(st, 'Z');
	ck_assert_str_eq(make(3 << 8, ""), "herald-local exited 3 without a result line (#4.3.0)");
	ck_assert_int_eq(st, 'Z');
	ck_assert_str_eq(make(100 << 8, ""),
	    "herald-local exited 100 without a result line (#5.0.0)");
	ck_assert_int_eq(st, 'D');
	ck_assert_str_eq(make(0, ""), "herald-local exited 0 without a result line (#2.0.0)");
	ck_assert_str_eq(make(9, "partial"), "herald-local was killed by signal 9 (#4.3.0)");
	ck_assert_int_eq(st, 'Z');
	ck_assert_str_eq(make(111 << 8, "no code here"), "no code here (#4.0.0)");
	ck_assert_str_eq(make(2 << 8, "odd (#5.1.1)"), "odd (#5.1.1)");
	ck_assert_int_eq(st, 'Z');
	for (i = 0; i < 1990; i++)
		buf_addc(&b, 'x');
	buf_adds(&b, " (#4.2.2)\n");
	ck_assert_uint_eq(strlen(make(111 << 8, b.p)), 1000);
	ck_assert_int_eq(strncmp(make(111 << 8, b.p) + 1000 - 12, "... (#4.2.2)", 12), 0);
	ck_assert_uint_eq(lspawn_res_code("x (#4.3.0)", 10), 8);
	ck_assert_uint_eq(lspawn_res_code("(#5.123.456)", 12), 12);
	ck_assert_uint_eq(lspawn_res_code("(#5.1234.4)", 11), 0);
	ck_assert_uint_eq(lspawn_res_code("(#5..4)", 7), 0);
	ck_assert_uint_eq(lspawn_res_code("(4.1.1)", 7), 0);
	ck_assert_uint_eq(lspawn_res_code("", 0), 0);
	buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lspawn");
	TCase *tc = tcase_create("lspawn");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_req_parse);
	tcase_add_test(tc, test_req_malformed);
	tcase_add_test(tc, test_result_frame);
	tcase_add_test(tc, test_result_text);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
