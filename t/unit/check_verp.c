/* check_verp: VERP return paths, qmail's convention. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "verp.h"

static const char *
enc(const char *s, const char *r)
{
	static struct buf b = BUF_INIT;

	ck_assert_int_eq(verp_encode(&b, s, strlen(s), r, strlen(r)), 0);
	return b.p;
}

START_TEST(test_verp_detect)
{
	ck_assert(verp_is_verp("list-@example.org-@[]", 21));
	ck_assert(!verp_is_verp("list@example.org", 16));
	ck_assert(!verp_is_verp("-@[]", 4));
	ck_assert(!verp_is_verp("nohost-@[]", 10));
	ck_assert(!verp_is_verp("", 0));
}
END_TEST

START_TEST(test_verp_encode)
{
	ck_assert_str_eq(enc("list-return-@example.org-@[]", "u@d.test"),
	    "list-return-u=d.test@example.org");
	ck_assert_str_eq(enc("p-@h-@[]", "a@b@c"), "p-a@b=c@h");
	ck_assert_str_eq(enc("p-@h-@[]", "postmaster"), "p-postmaster@h");
	ck_assert_str_eq(enc("plain@example.org", "u@d.test"), "plain@example.org");
	ck_assert_str_eq(enc("", "u@d.test"), "");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("verp");
	TCase *tc = tcase_create("verp");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_verp_detect);
	tcase_add_test(tc, test_verp_encode);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
