/* check_util: unit tests for src/util: the growable buffer, control files
 * (in a temporary instance set with home_set), trace dates and the
 * last-error text. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "control.h"
#include "date.h"
#include "err.h"
#include "home.h"

/* buf */

START_TEST(buf_growth)
{
	struct buf b = BUF_INIT;
	size_t i, bad = 0;

	ck_assert_ptr_null(b.p);
	/* count violations and assert once: each ck_assert costs a pipe write */
	for (i = 0; i < 100000; i++) {
		if (buf_addc(&b, (char)('a' + i % 26)) != 0 || b.len != i + 1 ||
		    b.cap <= b.len || b.p[b.len] != '\0')
			bad++;
	}
	ck_assert_uint_eq(bad, 0);
	for (i = 0; i < 100000; i++)
		if (b.p[i] != (char)('a' + i % 26))
			bad++;
	ck_assert_uint_eq(bad, 0);
	buf_free(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
}
END_TEST

START_TEST(buf_binary)
{
	static const char data[] = { 'a', '\0', 'b', '\0', '\0', (char)0xff, 'c' };
	struct buf b = BUF_INIT;

	ck_assert_int_eq(buf_add(&b, data, sizeof data), 0);
	ck_assert_int_eq(buf_add(&b, data, sizeof data), 0);
	ck_assert_uint_eq(b.len, 2 * sizeof data);
	ck_assert_mem_eq(b.p, data, sizeof data);
	ck_assert_mem_eq(b.p + sizeof data, data, sizeof data);
	ck_assert_int_eq(b.p[b.len], '\0');
	ck_assert_int_eq(buf_set(&b, data + 1, 3), 0);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_mem_eq(b.p, "\0b\0", 4);
	ck_assert_int_eq(buf_add(&b, "", 0), 0);
	ck_assert_uint_eq(b.len, 3);
	buf_free(&b);
}
END_TEST

START_TEST(buf_strings)
{
	struct buf b = BUF_INIT;
	size_t cap;

	ck_assert_int_eq(buf_sets(&b, "hello"), 0);
	ck_assert_int_eq(buf_adds(&b, ", "), 0);
	ck_assert_int_eq(buf_printf(&b, "%s %d%c", "world", 42, '!'), 0);
	ck_assert_str_eq(b.p, "hello, world 42!");
	ck_assert_uint_eq(b.len, strlen("hello, world 42!"));
	cap = b.cap;
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.p, "");
	ck_assert_uint_eq(b.cap, cap);
	/* printf output longer than the current capacity */
	ck_assert_int_eq(buf_printf(&b, "%0500d|%s", 7, "end"), 0);
	ck_assert_uint_eq(b.len, 504);
	ck_assert_int_eq(b.p[498], '0');
	ck_assert_int_eq(b.p[499], '7');
	ck_assert_str_eq(b.p + 500, "|end");
	/* %s of an empty string and a NUL via %c */
	buf_reset(&b);
	ck_assert_int_eq(buf_printf(&b, "%s%c%s", "", 0, "x"), 0);
	ck_assert_uint_eq(b.len, 2);
	ck_assert_mem_eq(b.p, "\0x", 3);
	buf_free(&b);
}
END_TEST

START_TEST(buf_consume_)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(buf_sets(&b, "0123456789"), 0);
	buf_consume(&b, 0);
	ck_assert_str_eq(b.p, "0123456789");
	buf_consume(&b, 3);
	ck_assert_str_eq(b.p, "3456789");
	ck_assert_uint_eq(b.len, 7);
	buf_consume(&b, 6);
	ck_assert_str_eq(b.p, "9");
	buf_consume(&b, 1);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.p, "");
	ck_assert_int_eq(buf_sets(&b, "abc"), 0);
	buf_consume(&b, 100);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.p, "");
	/* consuming an empty, never allocated buffer is harmless */
	buf_free(&b);
	buf_consume(&b, 5);
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

/* control: each test gets its own instance directory */

static char home[64];

static void
home_setup(void)
{
	char path[128];

	snprintf(home, sizeof home, "/tmp/check_util.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(home));
	snprintf(path, sizeof path, "%s/control", home);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	home_set(home);
}

static void
home_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", home);
}

static void
put(const char *name, const char *text)
{
	char path[192];
	FILE *f;

	snprintf(path, sizeof path, "%s/control/%s", home, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(control_missing)
{
	struct buf b = BUF_INIT;
	unsigned long v = 1;
	size_t n = 99;
	bool found = true;

	ck_assert_str_eq(home_dir(), home);
	ck_assert_int_eq(control_line("me", &b, &found), 0);
	ck_assert(!found);
	ck_assert_int_eq(control_ulong("databytes", 12345, 1000000, &v), 0);
	ck_assert_uint_eq(v, 12345);
	ck_assert_int_eq(buf_sets(&b, "stale"), 0);
	ck_assert_int_eq(control_lines("locals", &b, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(b.len, 0);
	/* an empty file counts as missing */
	put("me", "");
	ck_assert_int_eq(control_line("me", &b, &found), 0);
	ck_assert(!found);
	put("databytes", "  \n");
	ck_assert_int_eq(control_ulong("databytes", 7, 100, &v), 0);
	ck_assert_uint_eq(v, 7);
	buf_free(&b);
}
END_TEST

START_TEST(control_line_)
{
	struct buf b = BUF_INIT;
	bool found = false;

	put("me", "  mail.example.org \t\r\nsecond line\n");
	ck_assert_int_eq(control_line("me", &b, &found), 0);
	ck_assert(found);
	ck_assert_str_eq(b.p, "mail.example.org");
	ck_assert_uint_eq(b.len, strlen("mail.example.org"));
	put("me", "no-newline.example");
	ck_assert_int_eq(control_line("me", &b, &found), 0);
	ck_assert(found);
	ck_assert_str_eq(b.p, "no-newline.example");
	buf_free(&b);
}
END_TEST

START_TEST(control_lines_)
{
	struct buf b = BUF_INIT;
	size_t n = 0;
	const char *p;

	put("locals", "# local domains\n\nexample.org  \n   \n\t# indented comment\n"
	    "  localhost\r\nlast.example");
	ck_assert_int_eq(control_lines("locals", &b, &n), 0);
	ck_assert_uint_eq(n, 3);
	p = b.p;
	ck_assert_str_eq(p, "example.org");
	p += strlen(p) + 1;
	ck_assert_str_eq(p, "localhost");
	p += strlen(p) + 1;
	ck_assert_str_eq(p, "last.example");
	p += strlen(p) + 1;
	ck_assert_uint_eq((size_t)(p - b.p), b.len);
	/* only comments */
	put("locals", "#a\n#b\n\n");
	ck_assert_int_eq(control_lines("locals", &b, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
}
END_TEST

START_TEST(control_ulong_)
{
	unsigned long v = 0;

	put("databytes", " 1048576 \n");
	ck_assert_int_eq(control_ulong("databytes", 0, (unsigned long)-1, &v), 0);
	ck_assert_uint_eq(v, 1048576);
	put("databytes", "0\n");
	ck_assert_int_eq(control_ulong("databytes", 5, 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	put("databytes", "10\n");
	ck_assert_int_eq(control_ulong("databytes", 5, 10, &v), 0);
	ck_assert_uint_eq(v, 10);

	v = 77;
	put("databytes", "abc\n");
	ck_assert_int_eq(control_ulong("databytes", 5, 100, &v), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "control/databytes:1:"));
	ck_assert_ptr_nonnull(strstr(err_str(), "abc"));
	ck_assert_uint_eq(v, 77);
	put("databytes", "12k\n");
	ck_assert_int_eq(control_ulong("databytes", 5, 100000, &v), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "control/databytes:1:"));
	put("databytes", "-1\n");
	ck_assert_int_eq(control_ulong("databytes", 5, 100000, &v), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "control/databytes:1:"));
	/* larger than max, and larger than an unsigned long */
	put("databytes", "11\n");
	ck_assert_int_eq(control_ulong("databytes", 5, 10, &v), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "control/databytes:1:"));
	put("databytes", "99999999999999999999999999\n");
	ck_assert_int_eq(control_ulong("databytes", 5, (unsigned long)-1, &v), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "control/databytes:1:"));
	ck_assert_uint_eq(v, 77);
}
END_TEST

START_TEST(control_parse)
{
	unsigned long v = 0;

	ck_assert_int_eq(control_parse_ulong("18446744073709551615", "x", (unsigned long)-1, &v), 0);
	ck_assert_uint_eq(v, (unsigned long)-1);
	ck_assert_int_eq(control_parse_ulong("18446744073709551616", "x", (unsigned long)-1, &v), -1);
	ck_assert_int_eq(control_parse_ulong("", "control/y", 10, &v), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "control/y:1:"));
	ck_assert_int_eq(control_parse_ulong("1 2", "control/y", 100, &v), -1);
}
END_TEST

START_TEST(control_unreadable)
{
	char path[192];
	struct buf b = BUF_INIT;
	bool found;

	/* a directory where a file is expected is an error, not "missing" */
	snprintf(path, sizeof path, "%s/control/me", home);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(control_line("me", &b, &found), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "control/me"));
	/* a NUL byte in a control file */
	put("locals", "a");
	snprintf(path, sizeof path, "%s/control/locals", home);
	{
		int fd = open(path, O_WRONLY | O_APPEND);

		ck_assert_int_ne(fd, -1);
		ck_assert_int_eq(write(fd, "\0b\n", 3), 3);
		close(fd);
	}
	{
		size_t n;

		ck_assert_int_eq(control_lines("locals", &b, &n), -1);
		ck_assert_ptr_nonnull(strstr(err_str(), "control/locals"));
	}
	buf_free(&b);
}
END_TEST

/* date */

START_TEST(date_trace_)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(date_trace(&b, 0), 0);
	ck_assert_str_eq(b.p, "1 Jan 1970 00:00:00 -0000");
	buf_reset(&b);
	ck_assert_int_eq(date_trace(&b, 1795250878), 0);      /* 21 Nov 2026 08:47:58 UTC */
	ck_assert_str_eq(b.p, "21 Nov 2026 08:47:58 -0000");
	/* appends */
	ck_assert_int_eq(date_trace(&b, 951782400), 0);       /* leap day 2000 */
	ck_assert_str_eq(b.p, "21 Nov 2026 08:47:58 -000029 Feb 2000 00:00:00 -0000");
	buf_free(&b);
}
END_TEST

START_TEST(date_header_)
{
	struct buf b = BUF_INIT;

	setenv("TZ", "UTC", 1);
	tzset();
	ck_assert_int_eq(date_header(&b, 0), 0);
	ck_assert_str_eq(b.p, "Thu, 1 Jan 1970 00:00:00 +0000");
	buf_reset(&b);
	setenv("TZ", "EST5", 1);
	tzset();
	ck_assert_int_eq(date_header(&b, 0), 0);
	ck_assert_str_eq(b.p, "Wed, 31 Dec 1969 19:00:00 -0500");
	buf_reset(&b);
	setenv("TZ", "IST-5:30", 1);
	tzset();
	ck_assert_int_eq(date_header(&b, 0), 0);
	ck_assert_str_eq(b.p, "Thu, 1 Jan 1970 05:30:00 +0530");
	buf_free(&b);
}
END_TEST

/* err */

START_TEST(err_)
{
	char big[3000];

	err_set("simple %d %s", 1, "two");
	ck_assert_str_eq(err_str(), "simple 1 two");
	errno = ENOENT;
	err_sys("open %s", "/x");
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(err_str(), "open /x: No such file or directory");
	/* the last text may be an argument: callers prefix it with context */
	err_set("queue/mess/01/x: %s", err_str());
	ck_assert_str_eq(err_str(), "queue/mess/01/x: open /x: No such file or directory");
	errno = EIO;
	err_sys("reading %s", err_str());
	ck_assert_str_eq(err_str(),
	    "reading queue/mess/01/x: open /x: No such file or directory: Input/output error");
	/* an over-long text is cut, not overflowed */
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	err_set("%s", big);
	ck_assert_uint_gt(strlen(err_str()), 100);
	ck_assert_uint_lt(strlen(err_str()), sizeof big - 1);
	errno = EACCES;
	err_sys("%s", big);
	ck_assert_uint_lt(strlen(err_str()), sizeof big - 1);
	ck_assert_int_eq(errno, EACCES);
}
END_TEST

static Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc;

	tc = tcase_create("buf");
	tcase_add_test(tc, buf_growth);
	tcase_add_test(tc, buf_binary);
	tcase_add_test(tc, buf_strings);
	tcase_add_test(tc, buf_consume_);
	suite_add_tcase(s, tc);

	tc = tcase_create("control");
	tcase_add_checked_fixture(tc, home_setup, home_teardown);
	tcase_add_test(tc, control_missing);
	tcase_add_test(tc, control_line_);
	tcase_add_test(tc, control_lines_);
	tcase_add_test(tc, control_ulong_);
	tcase_add_test(tc, control_parse);
	tcase_add_test(tc, control_unreadable);
	suite_add_tcase(s, tc);

	tc = tcase_create("date");
	tcase_add_test(tc, date_trace_);
	tcase_add_test(tc, date_header_);
	suite_add_tcase(s, tc);

	tc = tcase_create("err");
	tcase_add_test(tc, err_);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(util_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
