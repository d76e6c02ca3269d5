/* check_dns: unit tests for src/dns without a network: control/resolvers
 * parsing (errors name FILE:LINE), what a query's outcome means, the order
 * of mail exchangers, null MX, TTLs and negative TTLs, and which names are
 * looked up. The results built from answers, the answer reader and the
 * cache have their own tests (check_dns_res, check_dns_wire,
 * check_dns_cache). */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns_conf.h"
#include "dns_name.h"
#include "dns_res.h"
#include "err.h"

static int
conf(struct dns_conf *c, const char *text)
{
	return dns_conf_parse(c, "r", text, strlen(text));
}

START_TEST(conf_good)
{
	struct dns_conf c;
	unsigned char a[16];

	ck_assert_int_eq(conf(&c, "# resolvers\n\n  192.0.2.1\n192.0.2.2:5353\n"
	    "[2001:db8::1]:53535\n2001:db8::2\n[::1]\n\t[192.0.2.3]:54\r\n   # the end\n"), 0);
	ck_assert_uint_eq(c.n, 6);
	ck_assert_int_eq(c.v[0].family, AF_INET);
	ck_assert_uint_eq(c.v[0].port, 53);
	ck_assert_mem_eq(c.v[0].addr, "\xc0\x00\x02\x01", 4);
	ck_assert_uint_eq(c.v[1].port, 5353);
	ck_assert_int_eq(c.v[2].family, AF_INET6);
	ck_assert_uint_eq(c.v[2].port, 53535);
	inet_pton(AF_INET6, "2001:db8::1", a);
	ck_assert_mem_eq(c.v[2].addr, a, 16);
	ck_assert_int_eq(c.v[3].family, AF_INET6);
	ck_assert_uint_eq(c.v[3].port, 53);
	ck_assert_int_eq(c.v[4].family, AF_INET6);
	ck_assert_int_eq(c.v[5].family, AF_INET);
	ck_assert_uint_eq(c.v[5].port, 54);
	ck_assert_int_eq(conf(&c, "# only a comment\n\n"), 0);
	ck_assert_uint_eq(c.n, 0);
}
END_TEST

START_TEST(conf_errors)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "192.0.2.1\n300.1.1.1\n", "r:2: not an IP address: '300.1.1.1'" },
		{ "\n192.0.2.1:0\n", "r:2: bad port '0'" },
		{ "192.0.2.1:65536\n", "r:1: bad port" },
		{ "192.0.2.1:\n", "r:1: bad port ''" },
		{ "192.0.2.1:5x\n", "r:1: bad port '5x'" },
		{ "[2001:db8::1\n", "r:1: missing ']'" },
		{ "[2001:db8::1]x\n", "r:1: junk after ']'" },
		{ "[2001:db8::1]:x\n", "r:1: bad port 'x'" },
		{ "# x\nexample.org\n", "r:2: not an IP address: 'example.org'" },
		{ "192.0.2.1 # main\n", "r:1: not an IP address" },
		{ "fe80::1%eth0\n", "r:1: not an IP address" },
		{ "[]:53\n", "r:1: not an IP address" },
	};
	struct dns_conf c;
	char many[17 * 12 + 1] = "";
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		c.n = 99;
		ck_assert_msg(conf(&c, cases[i].text) == -1, "accepted %s", cases[i].text);
		ck_assert_msg(strstr(err_str(), cases[i].want) != NULL, "%s: got '%s'", cases[i].want,
		    err_str());
		ck_assert_uint_eq(c.n, 99);       /* nothing of a bad file is kept */
	}
	for (i = 0; i < 17; i++)
		memcpy(many + i * 10, "192.0.2.1\n", 11);
	ck_assert_int_eq(conf(&c, many), -1);
	ck_assert_str_eq(err_str(), "r:17: more than 16 resolvers");
	ck_assert_int_eq(dns_conf_parse(&c, "r", "192.0.2.1\n\0\n", 12), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "r:2: contains a NUL byte"));
}
END_TEST

START_TEST(conf_load)
{
	char path[] = "/tmp/check_dns.XXXXXX";
	const char text[] = "127.0.0.1:5300\n\n[::1]:bad\n";
	struct dns_conf c;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof text - 1), (int)(sizeof text - 1));
	close(fd);
	ck_assert_int_eq(dns_conf_load(&c, path), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), ":3: bad port 'bad'"));
	ck_assert_ptr_eq(strstr(err_str(), path), err_str());
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	close(fd);
	c.n = 5;
	ck_assert_int_eq(dns_conf_load(&c, path), 0);
	ck_assert_uint_eq(c.n, 0);
	unlink(path);
	c.n = 5;
	ck_assert_int_eq(dns_conf_load(&c, path), 0);   /* missing: the system's */
	ck_assert_uint_eq(c.n, 0);
}
END_TEST

START_TEST(ttl_rules)
{
	ck_assert_uint_eq(dns_ttl_neg(false, 0), 300);
	ck_assert_uint_eq(dns_ttl_neg(true, 5), 30);
	ck_assert_uint_eq(dns_ttl_neg(true, 0), 30);
	ck_assert_uint_eq(dns_ttl_neg(true, 1000), 1000);
	ck_assert_uint_eq(dns_ttl_neg(true, 1000000), 86400);
	ck_assert_uint_eq(dns_ttl_pos(0), 0);
	ck_assert_uint_eq(dns_ttl_pos(3600), 3600);
	ck_assert_uint_eq(dns_ttl_pos(DNS_WIRE_NOTTL), 86400);
}
END_TEST

static void
mxrec(struct dns_wire_rec *r, unsigned pref, const char *name)
{
	memset(r, 0, sizeof *r);
	r->pref = pref;
	snprintf(r->name, sizeof r->name, "%s", name);
}

/* Preference order; equal preferences shuffled (both orders seen); root
 * targets and repeats dropped; at most DNS_MX_MAX. */
START_TEST(mx_order)
{
	struct dns_wire_rec v[40];
	uint64_t rng = 42;
	int seen_ac = 0, seen_ca = 0, seen_bd = 0, seen_db = 0, round;
	size_t n, i;

	for (round = 0; round < 200; round++) {
		mxrec(&v[0], 20, "b");
		mxrec(&v[1], 10, "a");
		mxrec(&v[2], 10, "c");
		mxrec(&v[3], 30, "");
		mxrec(&v[4], 10, "a");
		mxrec(&v[5], 20, "d");
		mxrec(&v[6], 40, "b");
		n = dns_res_mx_order(v, 7, &rng);
		ck_assert_uint_eq(n, 4);
		ck_assert_uint_eq(v[0].pref, 10);
		ck_assert_uint_eq(v[1].pref, 10);
		ck_assert_uint_eq(v[2].pref, 20);
		ck_assert_uint_eq(v[3].pref, 20);
		seen_ac += strcmp(v[0].name, "a") == 0 && strcmp(v[1].name, "c") == 0;
		seen_ca += strcmp(v[0].name, "c") == 0 && strcmp(v[1].name, "a") == 0;
		seen_bd += strcmp(v[2].name, "b") == 0 && strcmp(v[3].name, "d") == 0;
		seen_db += strcmp(v[2].name, "d") == 0 && strcmp(v[3].name, "b") == 0;
	}
	ck_assert_int_eq(seen_ac + seen_ca, 200);
	ck_assert_int_eq(seen_bd + seen_db, 200);
	ck_assert_int_gt(seen_ac, 50);
	ck_assert_int_gt(seen_ca, 50);
	ck_assert_int_gt(seen_bd, 50);
	ck_assert_int_gt(seen_db, 50);
	for (i = 0; i < 40; i++) {
		char name[16];

		snprintf(name, sizeof name, "h%zu", i);
		mxrec(&v[i], (unsigned)(40 - i), name);
	}
	ck_assert_uint_eq(dns_res_mx_order(v, 40, &rng), DNS_MX_MAX);
	ck_assert_str_eq(v[0].name, "h39");
	ck_assert_uint_eq(v[DNS_MX_MAX - 1].pref, 40 - 8);
	ck_assert_uint_eq(dns_res_mx_order(v, 0, &rng), 0);
}
END_TEST

START_TEST(mx_null)
{
	struct dns_wire_rec v[2];
	struct dns_wire_ans a = DNS_WIRE_ANS_INIT;

	a.rec = v;
	ck_assert(!dns_res_nullmx(&a));
	mxrec(&v[0], 0, "");
	a.n = 1;
	ck_assert(dns_res_nullmx(&a));
	mxrec(&v[0], 10, "");
	ck_assert(dns_res_nullmx(&a));
	mxrec(&v[1], 10, "mx.example.org");
	a.n = 2;
	ck_assert(!dns_res_nullmx(&a));
	a.n = 1;
	a.skipped = 1;
	ck_assert(!dns_res_nullmx(&a));
}
END_TEST

START_TEST(names)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{ "Example.ORG", "example.org" }, { "example.org.", "example.org" },
		{ "_dmarc.x-1.test", "_dmarc.x-1.test" }, { "a", "a" },
	};
	static const char *const bad[] = {
		"", ".", "a..b", ".a", "a..", "a b", "a/b", "ex\\ample", "[192.0.2.1]", "é.test",
	};
	char out[DNS_WIRE_NAME], label[70], longname[300];
	unsigned char addr[16];
	int family;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		ck_assert_int_eq(dns_name_norm(good[i].in, out), 0);
		ck_assert_str_eq(out, good[i].out);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(dns_name_norm(bad[i], out) == -1, "accepted '%s'", bad[i]);
	memset(label, 'a', 64);
	label[64] = '\0';
	ck_assert_int_eq(dns_name_norm(label, out), -1);        /* a label of 64 */
	label[63] = '\0';
	ck_assert_int_eq(dns_name_norm(label, out), 0);
	memset(longname, 'a', sizeof longname);
	for (i = 1; i < 254; i += 2)
		longname[i] = '.';
	longname[253] = '\0';
	ck_assert_int_eq(dns_name_norm(longname, out), 0);      /* 253 in all */
	longname[253] = 'a';
	longname[254] = '\0';
	ck_assert_int_eq(dns_name_norm(longname, out), -1);

	ck_assert(dns_name_literal("192.0.2.1", &family, addr, out));
	ck_assert_int_eq(family, AF_INET);
	ck_assert_str_eq(out, "192.0.2.1");
	ck_assert(dns_name_literal("[192.0.2.1]", &family, addr, out));
	ck_assert_mem_eq(addr, "\xc0\x00\x02\x01", 4);
	ck_assert(dns_name_literal("[IPv6:2001:db8::1]", &family, addr, out));
	ck_assert_int_eq(family, AF_INET6);
	ck_assert_str_eq(out, "2001:db8::1");
	ck_assert(dns_name_literal("::1", &family, addr, out));
	ck_assert(!dns_name_literal("example.org", &family, addr, out));
	ck_assert(!dns_name_literal("[IPv6:192.0.2.1", &family, addr, out));
	ck_assert(!dns_name_literal("192.0.2.256", &family, addr, out));
	ck_assert(!dns_name_literal(longname, &family, addr, out));
}
END_TEST

static Suite *
dns_suite(void)
{
	Suite *s = suite_create("dns");
	TCase *tc;

	tc = tcase_create("conf");
	tcase_add_test(tc, conf_good);
	tcase_add_test(tc, conf_errors);
	tcase_add_test(tc, conf_load);
	suite_add_tcase(s, tc);

	tc = tcase_create("res");
	tcase_add_test(tc, ttl_rules);
	tcase_add_test(tc, mx_order);
	tcase_add_test(tc, mx_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dns_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
