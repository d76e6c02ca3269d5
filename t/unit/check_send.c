/* check_send: the scheduler's pure parts: routing (locals,
 * virtualdomains and discard), the retry schedule, the lspawn protocol frames, and the
 * string map they are built on. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "send_lproto.h"
#include "send_retry.h"
#include "send_route.h"
#include "strmap.h"

static struct send_route route = SEND_ROUTE_INIT;

static void
route_setup(void)
{
	ck_assert_int_eq(send_route_add_local(&route, "Example.ORG"), 0);
	ck_assert_int_eq(send_route_add_vdom(&route, "virt.test:vp", "t:1"), 0);
	ck_assert_int_eq(send_route_add_vdom(&route, ".wild.test:wp", "t:2"), 0);
	ck_assert_int_eq(send_route_add_vdom(&route, "joe@virt.test:jp", "t:3"), 0);
	ck_assert_int_eq(send_route_add_vdom(&route, "out.wild.test:", "t:4"), 0);
}

static void
route_teardown(void)
{
	send_route_free(&route);
	memset(&route, 0, sizeof route);
}

static const char *
classify(const char *addr, enum send_route_kind want)
{
	static struct buf out = BUF_INIT;

	ck_assert_int_eq(send_route_classify(&route, addr, strlen(addr), &out), want);
	return out.p ? out.p : "";
}

START_TEST(test_route_locals)
{
	ck_assert_str_eq(classify("Bob@example.org", SEND_ROUTE_LOCAL), "Bob@example.org");
	ck_assert_str_eq(classify("bob@EXAMPLE.org", SEND_ROUTE_LOCAL), "bob@EXAMPLE.org");
	classify("bob@sub.example.org", SEND_ROUTE_REMOTE);
	classify("bob@example.org.evil", SEND_ROUTE_REMOTE);
	ck_assert_str_eq(classify("postmaster", SEND_ROUTE_LOCAL), "postmaster");
}
END_TEST

START_TEST(test_route_virtual)
{
	ck_assert_str_eq(classify("ann@virt.test", SEND_ROUTE_LOCAL), "vp-ann@virt.test");
	ck_assert_str_eq(classify("joe@Virt.Test", SEND_ROUTE_LOCAL), "jp-joe@Virt.Test");
	ck_assert_str_eq(classify("x@a.wild.test", SEND_ROUTE_LOCAL), "wp-x@a.wild.test");
	ck_assert_str_eq(classify("x@b.a.wild.test", SEND_ROUTE_LOCAL), "wp-x@b.a.wild.test");
	classify("x@wild.test", SEND_ROUTE_REMOTE);          /* .wild.test is subdomains only */
	classify("x@out.wild.test", SEND_ROUTE_REMOTE);      /* an empty prefix: exception */
	classify("x@other.test", SEND_ROUTE_REMOTE);
}
END_TEST

START_TEST(test_route_catchall)
{
	ck_assert_int_eq(send_route_add_vdom(&route, ":all", "t:5"), 0);
	ck_assert_str_eq(classify("x@other.test", SEND_ROUTE_LOCAL), "all-x@other.test");
	classify("x@out.wild.test", SEND_ROUTE_REMOTE);      /* the longer key wins */
}
END_TEST

START_TEST(test_route_errors)
{
	ck_assert_int_eq(send_route_add_vdom(&route, "nocolon", "control/virtualdomains:7"), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "control/virtualdomains:7"));
	ck_assert_int_eq(send_route_add_vdom(&route, "a.test:p@q", "control/virtualdomains:8"), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), ":8"));
}
END_TEST

START_TEST(test_route_discard)
{
	ck_assert_int_eq(send_route_add_discard(&route, "Drop.Test", "t:6"), 0);
	ck_assert_int_eq(send_route_add_discard(&route, ".sink.test", "t:7"), 0);
	ck_assert_int_eq(send_route_add_discard(&route, "noreply@example.org", "t:8"), 0);
	ck_assert_int_eq(send_route_add_discard(&route, "old@virt.test", "t:9"), 0);
	ck_assert_str_eq(classify("x@drop.test", SEND_ROUTE_DISCARD), "");
	ck_assert_str_eq(classify("x@DROP.TEST", SEND_ROUTE_DISCARD), "");
	classify("x@a.sink.test", SEND_ROUTE_DISCARD);
	classify("x@sink.test", SEND_ROUTE_REMOTE);           /* .sink.test is subdomains only */
	classify("x@sub.drop.test", SEND_ROUTE_REMOTE);       /* a domain is only itself */
	/* it wins over locals and virtualdomains, for that address only */
	classify("NoReply@Example.org", SEND_ROUTE_DISCARD);
	ck_assert_str_eq(classify("reply@example.org", SEND_ROUTE_LOCAL), "reply@example.org");
	classify("old@virt.test", SEND_ROUTE_DISCARD);
	ck_assert_str_eq(classify("new@virt.test", SEND_ROUTE_LOCAL), "vp-new@virt.test");
	/* lines that are not a key name their place */
	ck_assert_int_eq(send_route_add_discard(&route, "a.test:x", "control/discard:3"), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "control/discard:3"));
	ck_assert_int_eq(send_route_add_discard(&route, "a@b@c", "control/discard:4"), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "control/discard:4"));
	ck_assert_int_eq(send_route_add_discard(&route, "@a.test", "control/discard:5"), -1);
	ck_assert_int_eq(send_route_add_discard(&route, "user@", "control/discard:6"), -1);
	ck_assert_int_eq(send_route_add_discard(&route, "a test", "control/discard:7"), -1);
	ck_assert_int_eq(send_route_add_discard(&route, "", "t:10"), -1);
	classify("x@other.test", SEND_ROUTE_REMOTE);          /* nothing else is discarded */
}
END_TEST

START_TEST(test_retry)
{
	struct send_retry r = { 60, 3600, 86400 };
	uint32_t t, prev = 0;
	unsigned i;

	t = send_retry_next(&r, 1, 1000, 0);
	ck_assert_uint_ge(t, 1000 + 54);
	ck_assert_uint_le(t, 1000 + 66);
	for (i = 1; i < 20; i++) {
		t = send_retry_next(&r, i, 1000, 12345);
		ck_assert_uint_le(t - 1000, 3600 + 360);        /* capped, with jitter */
		if (i < 6)
			ck_assert_uint_gt(t, prev);              /* grows until the cap */
		prev = t;
	}
	/* jitter spreads the same attempt over a range */
	ck_assert_uint_ne(send_retry_next(&r, 3, 0, 1), send_retry_next(&r, 3, 0, 7));
	ck_assert(!send_retry_expired(&r, 1000, 1000 + 86400));
	ck_assert(send_retry_expired(&r, 1000, 1000 + 86401));
	ck_assert(!send_retry_expired(&r, 5000, 1000));         /* clock went back */
}
END_TEST

START_TEST(test_lproto_request)
{
	struct buf b = BUF_INIT;
	const char want[] = "37:7\0queue/mess/00/x\0" "128\0" "42\0" "a-b=c@d\0b@c\0,";

	ck_assert_int_eq(send_lproto_request(&b, 7, "queue/mess/00/x", 128, 42, "a-b=c@d", "b@c"), 0);
	ck_assert_uint_eq(b.len, sizeof want - 1);
	ck_assert(memcmp(b.p, want, b.len) == 0);
	buf_free(&b);
}
END_TEST

START_TEST(test_lproto_result)
{
	char ok[] = "24:12\0K\0delivered (#2.0.0)\0,";
	char two[] = "6:3\0Z\0x\0,6:4\0D\0y\0,";
	char partial[] = "24:12\0K\0deliv";
	struct send_lproto_result r;
	size_t used;

	ck_assert_int_eq(send_lproto_result(ok, sizeof ok - 1, &r, &used), 1);
	ck_assert_uint_eq(r.num, 12);
	ck_assert_int_eq(r.status, 'K');
	ck_assert_str_eq(r.text, "delivered (#2.0.0)");
	ck_assert_uint_eq(used, sizeof ok - 1);
	ck_assert_int_eq(send_lproto_result(two, sizeof two - 1, &r, &used), 1);
	ck_assert_uint_eq(r.num, 3);
	ck_assert_int_eq(send_lproto_result(two + used, sizeof two - 1 - used, &r, &used), 1);
	ck_assert_int_eq(r.status, 'D');
	ck_assert_int_eq(send_lproto_result(partial, sizeof partial - 1, &r, &used), 0);
	ck_assert_int_eq(send_lproto_result("12", 2, &r, &used), 0);
}
END_TEST

START_TEST(test_lproto_bad)
{
	struct send_lproto_result r;
	size_t used;
	char badstatus[] = "6:3\0X\0x\0,";
	char nocomma[] = "6:3\0K\0x\0;";
	char fields[] = "4:3\0K\0,";
	char notnum[] = "6:a\0K\0x\0,";
	char huge[] = "99999:";

	ck_assert_int_eq(send_lproto_result(badstatus, sizeof badstatus - 1, &r, &used), -1);
	ck_assert_int_eq(send_lproto_result(nocomma, sizeof nocomma - 1, &r, &used), -1);
	ck_assert_int_eq(send_lproto_result(fields, sizeof fields - 1, &r, &used), -1);
	ck_assert_int_eq(send_lproto_result(notnum, sizeof notnum - 1, &r, &used), -1);
	ck_assert_int_eq(send_lproto_result(huge, sizeof huge - 1, &r, &used), -1);
	ck_assert_int_eq(send_lproto_result(":", 1, &r, &used), -1);
}
END_TEST

START_TEST(test_strmap)
{
	struct strmap m = STRMAP_INIT;
	char key[32];
	int i;

	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		ck_assert_int_eq(strmap_put(&m, key, strlen(key), i % 2 ? key : NULL), 0);
	}
	ck_assert_uint_eq(m.count, 5000);
	ck_assert_str_eq(strmap_get(&m, "k17", 3)->val, "k17");
	ck_assert_ptr_null(strmap_get(&m, "k16", 3)->val);
	ck_assert_ptr_null(strmap_get(&m, "k1", 1));            /* prefix of a key is not a key */
	for (i = 0; i < 5000; i += 3) {
		snprintf(key, sizeof key, "k%d", i);
		ck_assert(strmap_del(&m, key, strlen(key)));
	}
	ck_assert(!strmap_del(&m, "k0", 2));
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		if (i % 3 == 0)
			ck_assert_ptr_null(strmap_get(&m, key, strlen(key)));
		else
			ck_assert_ptr_nonnull(strmap_get(&m, key, strlen(key)));
	}
	ck_assert_int_eq(strmap_put(&m, "k1", 2, "new"), 0);
	ck_assert_str_eq(strmap_get(&m, "k1", 2)->val, "new");
	strmap_free(&m);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("send");
	TCase *tc = tcase_create("route");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, route_setup, route_teardown);
	tcase_add_test(tc, test_route_locals);
	tcase_add_test(tc, test_route_virtual);
	tcase_add_test(tc, test_route_catchall);
	tcase_add_test(tc, test_route_errors);
	tcase_add_test(tc, test_route_discard);
	suite_add_tcase(s, tc);
	tc = tcase_create("other");
	tcase_add_test(tc, test_retry);
	tcase_add_test(tc, test_lproto_request);
	tcase_add_test(tc, test_lproto_result);
	tcase_add_test(tc, test_lproto_bad);
	tcase_add_test(tc, test_strmap);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
