/* check_addr: unit tests for src/util/addr: RFC 5322 address lists
 * (mailboxes, groups, comments, quoting, routes, literals, offsets,
 * limits, garbage) and the RFC 5321 envelope check and quoting. */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "addr_envelope.h"
#include "buf.h"
#include "err.h"

/* The mailboxes a parse yielded. */
struct got {
	int n;
	char addr[8][ADDR_MAX + 1];
	size_t local_len[8], start[8], end[8];
	bool dom[8], lit[8];
	int stop_after;         /* return -1 after this many (0: never) */
};

static int
collect(void *arg, const struct addr_mbox *m)
{
	struct got *g = arg;

	ck_assert_int_lt(g->n, 8);
	ck_assert_uint_eq(strlen(m->addr), m->len);
	memcpy(g->addr[g->n], m->addr, m->len + 1);
	g->local_len[g->n] = m->local_len;
	g->start[g->n] = m->start;
	g->end[g->n] = m->end;
	g->dom[g->n] = m->has_domain;
	g->lit[g->n] = m->literal;
	g->n++;
	if (g->stop_after && g->n == g->stop_after) {
		err_set("stopped by callback");
		return -1;
	}
	return 0;
}

static int
parse(const char *s, struct got *g)
{
	memset(g, 0, sizeof *g);
	return addr_list_parse(s, strlen(s), collect, g);
}

/* Parse s, expecting an error whose text contains want. */
static void
parse_fails(const char *s, const char *want)
{
	struct got g;

	ck_assert_msg(parse(s, &g) == -1, "parsed: %s", s);
	ck_assert_msg(strstr(err_str(), want) != NULL, "for [%s] error [%s] lacks [%s]", s,
	    err_str(), want);
}

START_TEST(list_plain)
{
	struct got g;

	ck_assert_int_eq(parse("a@b.example, c.d@e.example", &g), 0);
	ck_assert_int_eq(g.n, 2);
	ck_assert_str_eq(g.addr[0], "a@b.example");
	ck_assert_uint_eq(g.local_len[0], 1);
	ck_assert(g.dom[0]);
	ck_assert(!g.lit[0]);
	ck_assert_uint_eq(g.end[0], 11);
	ck_assert_str_eq(g.addr[1], "c.d@e.example");
	ck_assert_uint_eq(g.local_len[1], 3);
	ck_assert_uint_eq(g.start[1], 13);
	ck_assert_int_eq(parse("", &g), 0);
	ck_assert_int_eq(g.n, 0);
	ck_assert_int_eq(parse(" , ,, ", &g), 0);
	ck_assert_int_eq(g.n, 0);
	ck_assert_int_eq(parse(" a . b @ c . d ", &g), 0);
	ck_assert_str_eq(g.addr[0], "a.b@c.d");
}
END_TEST

START_TEST(list_angle)
{
	struct got g;

	ck_assert_int_eq(parse("Joe Q. Public <joe@x.example>, \"Smith, Ann\" <ann@y.example>",
	    &g), 0);
	ck_assert_int_eq(g.n, 2);
	ck_assert_str_eq(g.addr[0], "joe@x.example");
	ck_assert_uint_eq(g.start[0], 0);
	ck_assert_uint_eq(g.end[0], 28);
	ck_assert_str_eq(g.addr[1], "ann@y.example");
	/* no display name, white space inside the brackets */
	ck_assert_int_eq(parse("< joe@x >", &g), 0);
	ck_assert_str_eq(g.addr[0], "joe@x");
	ck_assert_uint_eq(g.end[0], 7);
	/* obsolete route */
	ck_assert_int_eq(parse("<@a.example,,@b.example:joe@c.example>", &g), 0);
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(g.addr[0], "joe@c.example");
	/* the null address */
	ck_assert_int_eq(parse("<>", &g), 0);
	ck_assert_int_eq(g.n, 1);
	ck_assert_uint_eq(strlen(g.addr[0]), 0);
	/* an unquoted address used as a display name */
	ck_assert_int_eq(parse("joe@x.example <joe@y.example>", &g), 0);
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(g.addr[0], "joe@y.example");
	/* UTF-8 and encoded words in names */
	ck_assert_int_eq(parse("J\xc3\xb6rg <j@x>, =?utf-8?q?J=C3=B6rg?= <k@x>", &g), 0);
	ck_assert_int_eq(g.n, 2);
	ck_assert_str_eq(g.addr[1], "k@x");
}
END_TEST

START_TEST(list_bare_local)
{
	struct got g;

	ck_assert_int_eq(parse("joe, Ann <ann>", &g), 0);
	ck_assert_int_eq(g.n, 2);
	ck_assert_str_eq(g.addr[0], "joe");
	ck_assert(!g.dom[0]);
	ck_assert_uint_eq(g.local_len[0], 3);
	ck_assert_uint_eq(g.end[0], 3);
	ck_assert_str_eq(g.addr[1], "ann");
	ck_assert(!g.dom[1]);
	ck_assert_uint_eq(g.end[1], 13);
}
END_TEST

START_TEST(list_groups)
{
	struct got g;

	ck_assert_int_eq(parse("undisclosed-recipients:;", &g), 0);
	ck_assert_int_eq(g.n, 0);
	ck_assert_int_eq(parse("undisclosed-recipients:", &g), 0);
	ck_assert_int_eq(g.n, 0);
	ck_assert_int_eq(parse("team: a@x, Bee <b@x>;, c@y, empty: ;", &g), 0);
	ck_assert_int_eq(g.n, 3);
	ck_assert_str_eq(g.addr[0], "a@x");
	ck_assert_str_eq(g.addr[1], "b@x");
	ck_assert_str_eq(g.addr[2], "c@y");
	parse_fails("a: b: c@d;;", "group inside a group");
	parse_fails("team: a@x; b@y", "unexpected word 'b'");
}
END_TEST

START_TEST(list_comments)
{
	struct got g;

	ck_assert_int_eq(parse("(lead (nested \\) paren) x) joe(in)@(the)x.example (Joe)",
	    &g), 0);
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(g.addr[0], "joe@x.example");
	ck_assert_int_eq(parse("a@b (c@d, e@f)", &g), 0);
	ck_assert_int_eq(g.n, 1);
	parse_fails("a@b (open (nested)", "unterminated comment");
	parse_fails("a@b )", "unexpected ')'");
}
END_TEST

START_TEST(list_quoted)
{
	struct got g;

	ck_assert_int_eq(parse("\"john doe\"@x.example", &g), 0);
	ck_assert_str_eq(g.addr[0], "john doe@x.example");
	ck_assert_uint_eq(g.local_len[0], 8);
	ck_assert_int_eq(parse("\"a\\\"b\\\\c\"@x, \"with@at\"@y", &g), 0);
	ck_assert_int_eq(g.n, 2);
	ck_assert_str_eq(g.addr[0], "a\"b\\c@x");
	ck_assert_str_eq(g.addr[1], "with@at@y");
	ck_assert_uint_eq(g.local_len[1], 7);
	ck_assert_int_eq(parse("\"first\".last@x", &g), 0);
	ck_assert_str_eq(g.addr[0], "first.last@x");
	/* a quoted display name may hold anything */
	ck_assert_int_eq(parse("\"<not@this>, (nor this)\" <real@x>", &g), 0);
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(g.addr[0], "real@x");
	parse_fails("\"unterminated@x", "unterminated quoted string");
}
END_TEST

START_TEST(list_folded)
{
	struct got g;

	ck_assert_int_eq(parse("a@b.example,\r\n c@d.example,\n\t\"fold\r\n ed\"@e", &g), 0);
	ck_assert_int_eq(g.n, 3);
	ck_assert_str_eq(g.addr[1], "c@d.example");
	ck_assert_str_eq(g.addr[2], "fold ed@e");
}
END_TEST

START_TEST(list_literal)
{
	struct got g;

	ck_assert_int_eq(parse("joe@[192.0.2.1], <ann@[IPv6:2001:db8::1]>", &g), 0);
	ck_assert_int_eq(g.n, 2);
	ck_assert_str_eq(g.addr[0], "joe@[192.0.2.1]");
	ck_assert(g.lit[0]);
	ck_assert_uint_eq(g.end[0], 15);
	ck_assert_str_eq(g.addr[1], "ann@[IPv6:2001:db8::1]");
	ck_assert(g.lit[1]);
	parse_fails("joe@[192.0.2.1", "unterminated address literal");
}
END_TEST

START_TEST(list_limits)
{
	char big[3000];
	struct got g;

	/* exactly ADDR_MAX bytes is fine */
	memset(big, 'a', ADDR_MAX - 2);
	memcpy(big + ADDR_MAX - 2, "@x", 3);
	ck_assert_int_eq(parse(big, &g), 0);
	ck_assert_uint_eq(strlen(g.addr[0]), ADDR_MAX);
	/* one more is not */
	memset(big, 'a', ADDR_MAX - 1);
	memcpy(big + ADDR_MAX - 1, "@x", 3);
	parse_fails(big, "longer than 1002 bytes");
	memset(big, 'a', 2000);
	big[2000] = '\0';
	parse_fails(big, "longer than 1002 bytes");
	/* a long display name is not an address */
	memset(big, 'n', 2000);
	memcpy(big + 2000, " <a@b>", 7);
	ck_assert_int_eq(parse(big, &g), 0);
	ck_assert_str_eq(g.addr[0], "a@b");
	/* error texts quote at most 100 bytes of the input */
	memset(big, 'w', 2000);
	memcpy(big + 2000, " x", 3);
	ck_assert_int_eq(parse(big, &g), -1);
	ck_assert_uint_lt(strlen(err_str()), 200);
}
END_TEST

START_TEST(list_garbage)
{
	struct got g;

	parse_fails("Joe Smith", "not an address");
	parse_fails("a@b c@d", "unexpected word 'c' after address");
	parse_fails("a@", "where a domain was expected");
	parse_fails("a@b.", "empty label in domain");
	parse_fails("a@b..c", "empty label in domain");
	parse_fails("@b", "unexpected '@'");
	parse_fails("<a@b", "expected '>'");
	parse_fails("a@b>", "unexpected '>'");
	parse_fails("<a b@c>", "not joined by '.'");
	parse_fails("a\\b@c", "unexpected '\\'");
	parse_fails("a@b]", "unexpected ']'");
	parse_fails("a\001b@c", "control character 0x01");
	parse_fails("a@\"quoted\".domain", "where a domain was expected");
	parse_fails("<@route joe@x>", "in route");
	parse_fails("Name <>x", "unexpected word 'x'");
	/* the error quotes the element, control characters shown as '?' */
	parse_fails("good@x, Bad\r\n Name", "in \"Bad?? Name\"");
	/* a callback failure stops the parse */
	memset(&g, 0, sizeof g);
	g.stop_after = 1;
	ck_assert_int_eq(addr_list_parse("a@b, c@d", 8, collect, &g), -1);
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(err_str(), "stopped by callback");
}
END_TEST

/* Lengths are honoured: no read past n. */
START_TEST(list_not_terminated)
{
	char s[] = "a@b.example, c@d";
	struct got g;

	memset(&g, 0, sizeof g);
	ck_assert_int_eq(addr_list_parse(s, 11, collect, &g), 0);
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(g.addr[0], "a@b.example");
	memset(&g, 0, sizeof g);
	ck_assert_int_eq(addr_list_parse("\"abc", 2, collect, &g), -1);
}
END_TEST

static void
env_ok(const char *a)
{
	ck_assert_msg(addr_envelope_check(a, strlen(a)) == 0, "%s: %s", a, err_str());
}

static void
env_bad(const char *a, const char *want)
{
	ck_assert_msg(addr_envelope_check(a, strlen(a)) == -1, "accepted %s", a);
	ck_assert_msg(strstr(err_str(), want) != NULL, "for [%s] error [%s] lacks [%s]", a,
	    err_str(), want);
	ck_assert_msg(strstr(err_str(), "invalid address") != NULL, "%s", err_str());
}

START_TEST(envelope_valid)
{
	env_ok("a@b");
	env_ok("first.last+tag@sub.example.org");
	env_ok("!#$%&'*+-/=?^_`{|}~@x.example");
	env_ok("\"john doe\"@x.example");
	env_ok("\"a\\\"b\"@x.example");
	env_ok("\"\"@x.example");
	env_ok("a@[192.0.2.1]");
	env_ok("a@[IPv6:2001:db8::1]");
	env_ok("a@[x-tag:some-content]");
	env_ok("a@1-2.example");
	env_ok("j\xc3\xb6rg@b\xc3\xbc" "cher.example");
}
END_TEST

START_TEST(envelope_invalid)
{
	char big[1100], label[100];

	env_bad("", "empty address");
	env_bad("@x.example", "empty local part");
	env_bad("joe", "missing '@domain'");
	env_bad("joe@", "empty domain");
	env_bad(".a@x", "local part starts with '.'");
	env_bad("a.@x", "local part ends with '.'");
	env_bad("a..b@x", "'..' in local part");
	env_bad("a b@x", "invalid character 0x20 in local part");
	env_bad("a(b@x", "invalid character '(' in local part");
	env_bad("\"abc@x", "unterminated quoted local part");
	env_bad("\"a\nb\"@x", "control character 0x0a in quoted local part");
	env_bad("\"a\"b@x", "missing '@domain'");
	env_bad("a@-x.example", "domain label starts with '-'");
	env_bad("a@x-.example", "domain label ends with '-'");
	env_bad("a@x..example", "empty label in domain");
	env_bad("a@.x", "empty label in domain");
	env_bad("a@x.", "empty label in domain");
	env_bad("a@x_y.example", "invalid character '_' in domain");
	env_bad("a@x y", "invalid character 0x20 in domain");
	env_bad("a@[1.2.3]", "invalid IPv4 address literal");
	env_bad("a@[256.1.1.1]", "invalid IPv4 address literal");
	env_bad("a@[1.2.3.4", "unterminated address literal");
	env_bad("a@[IPv6:zz::1]", "invalid IPv6 address literal");
	env_bad("a@[:x]", "invalid address literal");
	env_bad("a@[tag:a b]", "invalid character 0x20 in address literal");
	memset(label, 'l', 64);
	memcpy(label + 64, ".x", 3);
	memcpy(big, "a@", 2);
	memcpy(big + 2, label, 67);
	env_bad(big, "domain label longer than 63 bytes");
	memset(big, 'a', 1000);
	memcpy(big + 1000, "@xy", 4);
	env_bad(big, "longer than 1002 bytes");
	memset(big, 'a', 10);
	big[10] = '@';
	memset(big + 11, 'd', 300);
	big[311] = '\0';
	for (int i = 1; i < 5; i++)
		big[11 + i * 60] = '.';
	env_bad(big, "domain longer than 255 bytes");
}
END_TEST

START_TEST(quote_)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(addr_envelope_quote(&b, "joe@x", 5), 0);
	ck_assert_str_eq(b.p, "joe@x");
	buf_reset(&b);
	ck_assert_int_eq(addr_envelope_quote(&b, "john doe@x", 10), 0);
	ck_assert_str_eq(b.p, "\"john doe\"@x");
	buf_reset(&b);
	ck_assert_int_eq(addr_envelope_quote(&b, "a\"b\\c@x", 7), 0);
	ck_assert_str_eq(b.p, "\"a\\\"b\\\\c\"@x");
	buf_reset(&b);
	ck_assert_int_eq(addr_envelope_quote(&b, "with@at@y", 9), 0);
	ck_assert_str_eq(b.p, "\"with@at\"@y");
	buf_reset(&b);
	ck_assert_int_eq(addr_envelope_quote(&b, "a..b@x", 6), 0);
	ck_assert_str_eq(b.p, "\"a..b\"@x");
	buf_reset(&b);
	ck_assert_int_eq(addr_envelope_quote(&b, "@x", 2), 0);
	ck_assert_str_eq(b.p, "\"\"@x");
	/* what addr_quote makes passes the envelope check */
	ck_assert_int_eq(addr_envelope_check(b.p, b.len), 0);
	buf_reset(&b);
	ck_assert_int_eq(addr_envelope_quote(&b, "a\"b\\c@x", 7), 0);
	ck_assert_int_eq(addr_envelope_check(b.p, b.len), 0);
	ck_assert(addr_envelope_dot_string("a.b", 3));
	ck_assert(!addr_envelope_dot_string("a b", 3));
	ck_assert(!addr_envelope_dot_string("", 0));
	ck_assert(!addr_envelope_dot_string("a.", 2));
	buf_free(&b);
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc;

	tc = tcase_create("list");
	tcase_add_test(tc, list_plain);
	tcase_add_test(tc, list_angle);
	tcase_add_test(tc, list_bare_local);
	tcase_add_test(tc, list_groups);
	tcase_add_test(tc, list_comments);
	tcase_add_test(tc, list_quoted);
	tcase_add_test(tc, list_folded);
	tcase_add_test(tc, list_literal);
	tcase_add_test(tc, list_limits);
	tcase_add_test(tc, list_garbage);
	tcase_add_test(tc, list_not_terminated);
	suite_add_tcase(s, tc);

	tc = tcase_create("envelope");
	tcase_add_test(tc, envelope_valid);
	tcase_add_test(tc, envelope_invalid);
	tcase_add_test(tc, quote_);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
