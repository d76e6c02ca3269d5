/* check_tcpd: unit tests for src/tcpd: parsing herald-tcprules(5) files
 * (errors name FILE:LINE), which rule applies to a client (most specific
 * first, IPv4 and IPv6), and the per-client connection table. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "tcpd_limit.h"
#include "tcpd_rules.h"

/* Parse text as file "r"; returns what tcpd_rules_parse returns. */
static int
parse(struct tcpd_rules *r, const char *text)
{
	return tcpd_rules_parse(r, "r", text, strlen(text));
}

/* The line of the rule for ip (IPv4 or IPv6 text), 0 when none applies. */
static unsigned
match_line(const struct tcpd_rules *r, const char *ip)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	const struct tcpd_rule *ru;

	memset(&s4, 0, sizeof s4);
	memset(&s6, 0, sizeof s6);
	if (inet_pton(AF_INET, ip, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		ru = tcpd_rules_match(r, (struct sockaddr *)&s4);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, ip, &s6.sin6_addr), 1);
		s6.sin6_family = AF_INET6;
		ru = tcpd_rules_match(r, (struct sockaddr *)&s6);
	}
	return ru ? ru->line : 0;
}

static const struct tcpd_rule *
match(const struct tcpd_rules *r, const char *ip)
{
	unsigned line = match_line(r, ip);
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].line == line)
			return &r->v[i];
	return NULL;
}

/* rules: parsing */

START_TEST(rules_empty)
{
	struct tcpd_rules r = TCPD_RULES_INIT;

	ck_assert_int_eq(parse(&r, "# nothing\n\n   \n\t# indented comment\n"), 0);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_uint_eq(match_line(&r, "192.0.2.1"), 0);
	ck_assert_str_eq(r.file, "r");
	tcpd_rules_free(&r);
}
END_TEST

START_TEST(rules_vars)
{
	struct tcpd_rules r = TCPD_RULES_INIT;
	const struct tcpd_rule *ru;

	ck_assert_int_eq(parse(&r,
	    "127.:allow,RELAYCLIENT=\"\",GREETING=\"hi, there\",X=plain\r\n"
	    "192.0.2.7:deny,TEXT=\"421 4.7.0 go away, please\"\n"
	    ":allow\n"), 0);
	ck_assert_uint_eq(r.n, 3);
	ru = match(&r, "127.0.0.1");
	ck_assert_ptr_nonnull(ru);
	ck_assert(ru->allow);
	ck_assert_uint_eq(ru->nvars, 3);
	ck_assert_str_eq(ru->vars[0].name, "RELAYCLIENT");
	ck_assert_str_eq(ru->vars[0].value, "");
	ck_assert_str_eq(ru->vars[1].name, "GREETING");
	ck_assert_str_eq(ru->vars[1].value, "hi, there");
	ck_assert_str_eq(ru->vars[2].name, "X");
	ck_assert_str_eq(ru->vars[2].value, "plain");
	ck_assert(!ru->has_text);
	ru = match(&r, "192.0.2.7");
	ck_assert_ptr_nonnull(ru);
	ck_assert(!ru->allow);
	ck_assert(ru->has_text);
	ck_assert_str_eq(ru->text, "421 4.7.0 go away, please");
	ck_assert_uint_eq(ru->nvars, 0);
	ru = match(&r, "198.51.100.1");
	ck_assert_ptr_nonnull(ru);
	ck_assert_uint_eq(ru->line, 3);
	ck_assert_uint_eq(ru->prefix, 0);
	tcpd_rules_free(&r);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_ptr_null(r.v);
}
END_TEST

/* Every bad line gives "r:LINE: ..." with the expected words. */
START_TEST(rules_errors)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "127.0.0.1:allow\n127.0.0.1\n", "r:2: missing ':'" },
		{ "\n\n127.0.0.1:permit\n", "r:3: unknown action" },
		{ "1.2.3.4.:allow\n", "r:1: bad IPv4 prefix" },
		{ "300.:allow\n", "r:1: bad IPv4 prefix" },
		{ "1..:allow\n", "r:1: bad IPv4 prefix" },
		{ "1.2.3:allow\n", "r:1: bad IPv4 address" },
		{ "1.2.3.256:allow\n", "r:1: bad IPv4 address" },
		{ "192.0.2.0/33:allow\n", "r:1: bad IPv4 prefix length" },
		{ "192.0.2.0/:allow\n", "r:1: bad IPv4 prefix length" },
		{ "192.0.2.1/24:allow\n", "r:1: address has bits set past its prefix" },
		{ "[2001:db8::1:allow\n", "r:1: missing ']'" },
		{ "[2001:db8::g]:allow\n", "r:1: bad IPv6 address" },
		{ "[2001:db8::]/129:allow\n", "r:1: bad IPv6 prefix" },
		{ "[2001:db8::]/0:allow\n", "r:1: prefix length 0" },
		{ "[2001:db8::1]/32:allow\n", "r:1: address has bits set" },
		{ "::1:allow\n", "IPv6 addresses go in brackets" },
		{ "127.:allow,FOO\n", "r:1: missing '=' after variable \"FOO\"" },
		{ "127.:allow,1X=a\n", "r:1: bad variable name" },
		{ "127.:allow,=a\n", "r:1: missing variable name" },
		{ "127.:allow,A=\"open\n", "r:1: unterminated quoted value" },
		{ "127.:allow,A=\"x\"y\n", "r:1: text after the quoted value" },
		{ "127.:allow,A=x\"y\n", "r:1: stray '\"'" },
		{ "127.:allow,A=1,A=2\n", "r:1: variable given twice \"A\"" },
		{ "127.:allow,TEXT=\"no\"\n", "r:1: TEXT is only for deny rules" },
		{ "127.:deny,TEXT=a,TEXT=b\n", "r:1: TEXT given twice" },
		{ "127.:deny,RELAYCLIENT=\"\"\n", "r:1: deny rules set no variables but TEXT" },
		{ "127.:allow,TCPREMOTEIP=1\n", "r:1: variable is set by herald-tcpd" },
		{ "# c\n10.:allow\n\n10.0.0.0/8:deny\n", "r:4: same pattern as line 2" },
		{ ":allow\n:deny\n", "r:2: same pattern as line 1" },
		{ "1.2.3.4:allow\n[::ffff:1.2.3.4]:deny\n", "r:2: same pattern as line 1" },
		{ ":allow,\n", "r:1: missing variable name" },
	};
	struct tcpd_rules r = TCPD_RULES_INIT;
	size_t i, bad = 0;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (parse(&r, cases[i].text) != -1 || strstr(err_str(), cases[i].want) == NULL) {
			fprintf(stderr, "case %zu: %s -> %s\n", i, cases[i].text, err_str());
			bad++;
		}
		ck_assert_uint_eq(r.n, 0);
	}
	ck_assert_uint_eq(bad, 0);
	/* a line with a NUL byte */
	ck_assert_int_eq(tcpd_rules_parse(&r, "r", "127.:allow\n1\0:deny\n", 19), -1);
	ck_assert_str_eq(err_str(), "r:2: NUL byte in the line");
}
END_TEST

/* A failed parse leaves the previous rules alone (a bad reload keeps them). */
START_TEST(rules_keep_old)
{
	struct tcpd_rules r = TCPD_RULES_INIT;

	ck_assert_int_eq(parse(&r, "10.:deny\n"), 0);
	ck_assert_int_eq(parse(&r, "10.:allow\nbad\n"), -1);
	ck_assert_uint_eq(r.n, 1);
	ck_assert(!r.v[0].allow);
	ck_assert_int_eq(parse(&r, "10.:allow\n"), 0);
	ck_assert_uint_eq(r.n, 1);
	ck_assert(r.v[0].allow);
	tcpd_rules_free(&r);
}
END_TEST

START_TEST(rules_load)
{
	struct tcpd_rules r = TCPD_RULES_INIT;
	char path[] = "/tmp/check_tcpd.XXXXXX";
	const char text[] = "# rules\n127.0.0.1:allow\n\n10.:denny\n";
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof text - 1), (int)(sizeof text - 1));
	close(fd);
	ck_assert_int_eq(tcpd_rules_load(&r, path), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), ":4: unknown action"));
	ck_assert_ptr_nonnull(strstr(err_str(), path));
	unlink(path);
	ck_assert_int_eq(tcpd_rules_load(&r, path), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "cannot open"));
}
END_TEST

/* rules: matching */

START_TEST(rules_precedence_v4)
{
	struct tcpd_rules r = TCPD_RULES_INIT;

	/* written least specific first: the order in the file does not matter */
	ck_assert_int_eq(parse(&r,
	    ":deny\n"                       /* 1 */
	    "10.:allow\n"                   /* 2: /8 */
	    "10.1.:deny\n"                  /* 3: /16 */
	    "10.1.2.0/23:allow\n"           /* 4: /23 */
	    "10.1.2.128/25:deny\n"          /* 5: /25 */
	    "10.1.2.200:allow\n"            /* 6: exact */
	    "0.0.0.0/0:allow\n"             /* 7: every IPv4 address */
	    "192.0.2.0/24:deny\n"), 0);     /* 8 */
	ck_assert_uint_eq(match_line(&r, "10.1.2.200"), 6);
	ck_assert_uint_eq(match_line(&r, "10.1.2.201"), 5);
	ck_assert_uint_eq(match_line(&r, "10.1.2.127"), 4);
	ck_assert_uint_eq(match_line(&r, "10.1.3.1"), 4);
	ck_assert_uint_eq(match_line(&r, "10.1.4.1"), 3);
	ck_assert_uint_eq(match_line(&r, "10.2.0.1"), 2);
	ck_assert_uint_eq(match_line(&r, "11.0.0.1"), 7);
	ck_assert_uint_eq(match_line(&r, "192.0.2.255"), 8);
	ck_assert_uint_eq(match_line(&r, "192.0.3.0"), 7);
	/* IPv4-mapped IPv6 clients match the IPv4 rules */
	ck_assert_uint_eq(match_line(&r, "::ffff:10.1.2.200"), 6);
	ck_assert_uint_eq(match_line(&r, "::ffff:192.0.2.9"), 8);
	/* other IPv6 clients fall to the default */
	ck_assert_uint_eq(match_line(&r, "2001:db8::1"), 1);
	ck_assert_uint_eq(match_line(&r, "::1"), 1);
	tcpd_rules_free(&r);
}
END_TEST

START_TEST(rules_precedence_v6)
{
	struct tcpd_rules r = TCPD_RULES_INIT;

	ck_assert_int_eq(parse(&r,
	    "[2001:db8::]/32:deny\n"        /* 1 */
	    "[2001:db8:1::]/48:allow\n"     /* 2 */
	    "[2001:db8:1::7]:deny\n"        /* 3 */
	    "[::1]:allow,RELAYCLIENT=\"\"\n"  /* 4 */
	    "127.:allow\n"), 0);            /* 5 */
	ck_assert_uint_eq(match_line(&r, "2001:db8:1::7"), 3);
	ck_assert_uint_eq(match_line(&r, "2001:db8:1::8"), 2);
	ck_assert_uint_eq(match_line(&r, "2001:db8:1:ffff::1"), 2);
	ck_assert_uint_eq(match_line(&r, "2001:db8:2::1"), 1);
	ck_assert_uint_eq(match_line(&r, "2001:db9::1"), 0);
	ck_assert_uint_eq(match_line(&r, "::1"), 4);
	ck_assert_uint_eq(match_line(&r, "::2"), 0);
	ck_assert_uint_eq(match_line(&r, "127.0.0.1"), 5);
	ck_assert_uint_eq(match_line(&r, "128.0.0.1"), 0);
	tcpd_rules_free(&r);
}
END_TEST

START_TEST(rules_addr_str)
{
	struct sockaddr_in6 s6;
	struct buf b = BUF_INIT;
	unsigned char a[16];

	memset(&s6, 0, sizeof s6);
	s6.sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:192.0.2.1", &s6.sin6_addr), 1);
	ck_assert_int_eq(tcpd_rules_addr((struct sockaddr *)&s6, a), 0);
	ck_assert_int_eq(tcpd_rules_addr_str(a, &b), 0);
	ck_assert_str_eq(b.p, "192.0.2.1");
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:0:0:0:0:0:1", &s6.sin6_addr), 1);
	ck_assert_int_eq(tcpd_rules_addr((struct sockaddr *)&s6, a), 0);
	ck_assert_int_eq(tcpd_rules_addr_str(a, &b), 0);
	ck_assert_str_eq(b.p, "2001:db8::1");
	buf_free(&b);
}
END_TEST

/* limit */

static void
ip4(unsigned n, unsigned char a[16])
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = (unsigned char)(n >> 24);
	a[13] = (unsigned char)(n >> 16);
	a[14] = (unsigned char)(n >> 8);
	a[15] = (unsigned char)n;
}

START_TEST(limit_basic)
{
	struct tcpd_limit l = TCPD_LIMIT_INIT;
	unsigned char a[16], b[16];

	ip4(0xc0000201, a);
	ip4(0xc0000202, b);
	ck_assert_uint_eq(tcpd_limit_count(&l, a), 0);
	tcpd_limit_del(&l, a);                  /* harmless on an empty table */
	ck_assert_int_eq(tcpd_limit_add(&l, a), 1);
	ck_assert_int_eq(tcpd_limit_add(&l, a), 2);
	ck_assert_int_eq(tcpd_limit_add(&l, b), 1);
	ck_assert_uint_eq(tcpd_limit_count(&l, a), 2);
	ck_assert_uint_eq(l.used, 2);
	tcpd_limit_del(&l, a);
	ck_assert_uint_eq(tcpd_limit_count(&l, a), 1);
	tcpd_limit_del(&l, a);
	ck_assert_uint_eq(tcpd_limit_count(&l, a), 0);
	ck_assert_uint_eq(l.used, 1);
	tcpd_limit_del(&l, a);                  /* not there: no change */
	ck_assert_uint_eq(tcpd_limit_count(&l, b), 1);
	ck_assert_uint_eq(l.used, 1);
	tcpd_limit_free(&l);
	ck_assert_uint_eq(l.cap, 0);
}
END_TEST

/* Many clients come and go: counts stay exact through growth and the
 * backward-shift deletions, and the table forgets clients at zero. */
START_TEST(limit_churn)
{
	enum { N = 3000 };
	struct tcpd_limit l = TCPD_LIMIT_INIT;
	static unsigned want[N];
	unsigned char a[16];
	unsigned i, k, bad = 0, seed = 12345;
	size_t used = 0;

	for (k = 0; k < 200000; k++) {
		seed = seed * 1103515245u + 12345u;
		i = (seed >> 8) % N;
		ip4(i * 2654435761u, a);        /* spread, but also clustered below */
		if (i % 7 == 0)
			ip4(0x0a000000 + i, a);
		if ((seed >> 4) % 3 != 0 || want[i] == 0) {
			if (tcpd_limit_add(&l, a) != (int)want[i] + 1)
				bad++;
			if (want[i]++ == 0)
				used++;
		} else {
			tcpd_limit_del(&l, a);
			if (--want[i] == 0)
				used--;
		}
		if (l.used != used)
			bad++;
	}
	for (i = 0; i < N; i++) {
		ip4(i * 2654435761u, a);
		if (i % 7 == 0)
			ip4(0x0a000000 + i, a);
		if (tcpd_limit_count(&l, a) != want[i])
			bad++;
		while (want[i] > 0) {
			tcpd_limit_del(&l, a);
			want[i]--;
		}
	}
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_eq(l.used, 0);
	ck_assert(l.cap >= 16 && (l.cap & (l.cap - 1)) == 0);
	for (i = 0; i < l.cap; i++)
		if (l.slots[i].count != 0)
			bad++;
	ck_assert_uint_eq(bad, 0);
	tcpd_limit_free(&l);
}
END_TEST

static Suite *
tcpd_suite(void)
{
	Suite *s = suite_create("tcpd");
	TCase *tc;

	tc = tcase_create("rules");
	tcase_add_test(tc, rules_empty);
	tcase_add_test(tc, rules_vars);
	tcase_add_test(tc, rules_errors);
	tcase_add_test(tc, rules_keep_old);
	tcase_add_test(tc, rules_load);
	tcase_add_test(tc, rules_precedence_v4);
	tcase_add_test(tc, rules_precedence_v6);
	tcase_add_test(tc, rules_addr_str);
	suite_add_tcase(s, tc);

	tc = tcase_create("limit");
	tcase_add_test(tc, limit_basic);
	tcase_add_test(tc, limit_churn);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tcpd_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
