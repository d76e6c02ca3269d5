/* check_dns_cache: unit tests for src/dns/dns_cache.c, the table of
 * looked-up names: expiry at a given now, restarting an entry, the bound
 * (expired entries first, at most one sweep a second, then the oldest;
 * never one being looked up), and growth to many names. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "dns_cache.h"
#include "err.h"

/* A done cache entry (kind MX) expiring at expires. */
static struct dns_entry *
cache_put(struct dns_cache *c, const char *name, int64_t expires, int64_t now)
{
	struct dns_entry *e = dns_cache_add(c, DNS_KIND_MX, name, now);

	ck_assert_ptr_nonnull(e);
	ck_assert(e->resolving);
	dns_cache_done(c, e, dns_res_fail(name, DNS_PERMFAIL, DNS_WHY_NXDOMAIN, "x", expires,
	    "no %s", name));
	return e;
}

static bool
has(struct dns_cache *c, const char *name)
{
	return dns_cache_get(c, DNS_KIND_MX, name) != NULL;
}

START_TEST(cache_expiry)
{
	struct dns_cache c;
	struct dns_entry *e;
	struct dns_res *r;

	dns_cache_init(&c, 10);
	e = dns_cache_add(&c, DNS_KIND_MX, "example.org", 1000);
	ck_assert_ptr_null(dns_cache_fresh(&c, DNS_KIND_MX, "example.org", 1000));  /* resolving */
	dns_cache_done(&c, e, dns_res_fail("example.org", DNS_TEMPFAIL, DNS_WHY_TEMP, "t", 5000,
	    "t"));
	r = dns_cache_fresh(&c, DNS_KIND_MX, "example.org", 4999);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->r.name, "example.org");
	ck_assert_ptr_null(dns_cache_fresh(&c, DNS_KIND_MX, "example.org", 5000));
	ck_assert_ptr_null(dns_cache_fresh(&c, DNS_KIND_HOST, "example.org", 1000));
	ck_assert_ptr_null(dns_cache_get(&c, DNS_KIND_HOST, "example.org"));
	dns_cache_restart(&c, e);
	ck_assert(e->resolving);
	ck_assert_ptr_null(e->res);
	ck_assert_ptr_null(dns_cache_fresh(&c, DNS_KIND_MX, "example.org", 1000));
	dns_cache_free(&c, NULL, NULL);
}
END_TEST

static void
count_drop(struct dns_entry *e, void *arg)
{
	(void)e;
	(*(int *)arg)++;
}

/* At the bound: expired entries go first (one sweep a second at most),
 * then the oldest; resolving ones never. Many names grow the table. */
START_TEST(cache_bound)
{
	struct dns_cache c;
	struct dns_entry *e;
	char name[32];
	int dropped = 0, i;

	dns_cache_init(&c, 3);
	cache_put(&c, "a", 1000000, 100);
	cache_put(&c, "b", 150, 100);
	cache_put(&c, "c", 1000000, 100);
	cache_put(&c, "d", 1000000, 200);       /* sweeps: b has expired */
	ck_assert(has(&c, "a") && !has(&c, "b") && has(&c, "c") && has(&c, "d"));
	ck_assert_uint_eq(c.count, 3);
	e = dns_cache_get(&c, DNS_KIND_MX, "c");
	dns_cache_done(&c, e, dns_res_fail("c", DNS_PERMFAIL, DNS_WHY_NXDOMAIN, "x", 250, "c"));
	cache_put(&c, "e", 1000000, 300);       /* no sweep yet: the oldest, a, goes */
	ck_assert(!has(&c, "a") && has(&c, "c") && has(&c, "d") && has(&c, "e"));
	cache_put(&c, "f", 1000000, 1300);      /* a second later: c has expired */
	ck_assert(!has(&c, "c") && has(&c, "d") && has(&c, "e") && has(&c, "f"));
	e = dns_cache_get(&c, DNS_KIND_MX, "d");
	dns_cache_restart(&c, e);               /* d is resolving and the newest */
	cache_put(&c, "g", 1000000, 1400);
	ck_assert(has(&c, "d") && !has(&c, "e") && has(&c, "f") && has(&c, "g"));
	cache_put(&c, "h", 1000000, 1500);
	cache_put(&c, "i", 1000000, 1600);
	ck_assert(has(&c, "d") && has(&c, "h") && has(&c, "i") && c.count == 3);
	dns_cache_free(&c, NULL, NULL);

	/* resolving entries are never evicted: the bound is exceeded */
	dns_cache_init(&c, 2);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "r%d", i);
		ck_assert_ptr_nonnull(dns_cache_add(&c, DNS_KIND_HOST, name, 0));
	}
	ck_assert_uint_eq(c.count, 5);
	dns_cache_free(&c, count_drop, &dropped);
	ck_assert_int_eq(dropped, 5);

	dns_cache_init(&c, 100000);
	for (i = 0; i < 20000; i++) {
		snprintf(name, sizeof name, "n%d.example.org", i);
		cache_put(&c, name, 1000000, 0);
	}
	ck_assert_uint_eq(c.count, 20000);
	ck_assert_uint_ge(c.nbucket, 20000);
	ck_assert(has(&c, "n0.example.org") && has(&c, "n19999.example.org"));
	ck_assert(!has(&c, "n20000.example.org"));
	dns_cache_free(&c, NULL, NULL);
}
END_TEST

static Suite *
cache_suite(void)
{
	Suite *s = suite_create("dns_cache");
	TCase *tc = tcase_create("cache");

	tcase_add_test(tc, cache_expiry);
	tcase_add_test(tc, cache_bound);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cache_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
