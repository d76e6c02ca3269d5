/* check_users: the user lookup library: users/assign parsing and its
 * errors, the database record, the '-' split, lower-casing, and the lookup
 * order (exact before wildcard, the longest prefix first, HOME/users/NAME,
 * the alias user) in a single-user instance made in a temporary directory. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "users.h"
#include "users_assign.h"

static int
count(void *arg, const struct users_entry *e, unsigned line)
{
	struct buf *out = arg;

	buf_printf(out, "%u %c%s %s %lu %lu %s [%s] [%s]\n", line, e->kind, e->key, e->user,
	    (unsigned long)e->uid, (unsigned long)e->gid, e->home, e->dash, e->ext);
	return 0;
}

static int
nothing(void *arg, const struct users_entry *e, unsigned line)
{
	(void)arg;
	(void)e;
	(void)line;
	return 0;
}

/* Parse text expecting an error that contains want. */
static void
bad(const char *text, const char *want)
{
	const char *why;

	if (users_assign_parse(text, strlen(text), "users/assign", nothing, NULL) == 0)
		ck_abort_msg("accepted: %s", text);
	why = err_str();
	ck_assert_msg(strstr(why, want) != NULL, "%s: got '%s', want '%s'", text, why, want);
}

START_TEST(test_assign_parse)
{
	struct buf out = BUF_INIT;
	const char *text = "=Joe:joe:1001:100:/home/joe:::\n"
	    "+List-:lists:1002:100:/home/lists:-:l-:\n"
	    "+:alias:1003:100:/var/alias:-::\n"
	    ".\n";

	ck_assert_int_eq(users_assign_parse(text, strlen(text), "users/assign", count, &out), 0);
	ck_assert_str_eq(out.p,
	    "1 =joe joe 1001 100 /home/joe [] []\n"
	    "2 +list- lists 1002 100 /home/lists [-] [l-]\n"
	    "3 + alias 1003 100 /var/alias [-] []\n");
	buf_reset(&out);
	ck_assert_int_eq(users_assign_parse(".\n", 2, "users/assign", count, &out), 0);
	ck_assert_uint_eq(out.len, 0);
	buf_free(&out);
}
END_TEST

START_TEST(test_assign_errors)
{
	bad("", "users/assign:1: missing the final '.' line");
	bad("=a:a:1:1:/a:::\n", "users/assign:2: missing the final '.' line");
	bad("=a:a:1:1:/a:::\n.", "users/assign:2: the last line does not end with a newline");
	bad(".\n=a:a:1:1:/a:::\n", "users/assign:2: text after the final '.' line");
	bad("=a:a:1:1:/a::\n.\n", "users/assign:1: 6 ':' where seven are needed");
	bad("=a:a:1:1:/a::::\n.\n", "users/assign:1: more than seven ':'");
	bad("=a:a:1:1:/a:::x\n.\n", "users/assign:1: text after the seventh ':'");
	bad("=a::1:1:/a:::\n.\n", "users/assign:1: the user name is empty");
	bad("=a:a:x:1:/a:::\n.\n", "users/assign:1: the uid is not a number: 'x'");
	bad("=a:a::1:/a:::\n.\n", "users/assign:1: the uid is not a number");
	bad("=a:a:-1:1:/a:::\n.\n", "users/assign:1: the uid is not a number");
	bad("=a:a:99999999999:1:/a:::\n.\n", "users/assign:1: the uid is not a number");
	bad("=a:a:1:1x:/a:::\n.\n", "users/assign:1: the gid is not a number: '1x'");
	bad("=a:a:1:1:home/a:::\n.\n", "users/assign:1: the home directory is not an absolute path");
	bad("=a:a:1:1:/a:x::\n.\n", "users/assign:1: dash must be empty or '-'");
	bad("=a:a:1:1:/a:::\n# comment\n.\n", "users/assign:2: a line must start with");
	bad("=a:a:1:1:/a:::\n\n.\n", "users/assign:2: a line must start with");
	bad("=a:a:1:1:/a:::\r\n.\n", "users/assign:1: text after the seventh ':'");
	bad("=a:a:1:1:/a:::\n .\n", "users/assign:2: a line must start with");
}
END_TEST

START_TEST(test_assign_record)
{
	struct users_entry e = { '+', "list-", "lists", "/home/lists", "-", "l-", 1002, 100 };
	struct users_entry d;
	struct buf key = BUF_INIT, val = BUF_INIT;

	ck_assert_int_eq(users_assign_encode(&e, &key, &val), 0);
	ck_assert_uint_eq(key.len, 6);
	ck_assert_int_eq(memcmp(key.p, "+list-", 6), 0);
	ck_assert_uint_eq(val.len, sizeof "lists\0" "1002\0" "100\0" "/home/lists\0" "-\0" "l-");
	ck_assert_int_eq(memcmp(val.p, "lists\0" "1002\0" "100\0" "/home/lists\0" "-\0" "l-",
	    val.len), 0);
	ck_assert_int_eq(users_assign_decode(val.p, val.len, &d), 0);
	ck_assert_str_eq(d.user, "lists");
	ck_assert_uint_eq(d.uid, 1002);
	ck_assert_uint_eq(d.gid, 100);
	ck_assert_str_eq(d.home, "/home/lists");
	ck_assert_str_eq(d.dash, "-");
	ck_assert_str_eq(d.ext, "l-");
	ck_assert_int_eq(users_assign_decode(val.p, val.len - 1, &d), -1);
	ck_assert_int_eq(users_assign_decode("a\0" "1\0" "1\0" "rel\0" "\0" "\0", 12, &d), -1);
	buf_free(&key);
	buf_free(&val);
}
END_TEST

START_TEST(test_split_lower)
{
	struct buf b = BUF_INIT;

	ck_assert_uint_eq(users_split("bob"), 3);
	ck_assert_uint_eq(users_split("bob-ext-more"), 3);
	ck_assert_uint_eq(users_split("-x"), 0);
	ck_assert_uint_eq(users_split(""), 0);
	ck_assert_int_eq(users_lower(&b, "BoB-Ext.X", 9), 0);
	ck_assert_str_eq(b.p, "bob-ext.x");
	ck_assert_int_eq(users_lower(&b, "\xc3\x89T\xc3\xa9", 5), 0);
	ck_assert_str_eq(b.p, "\xc3\x89t\xc3\xa9");
	buf_free(&b);
}
END_TEST

static char dir[] = "/tmp/check_users.XXXXXX";

/* Write dir/users/assign.db from text. */
static void
compile(const char *text)
{
	struct buf db = BUF_INIT;

	buf_printf(&db, "%s/users/assign.db", dir);
	if (users_assign_compile(text, strlen(text), "users/assign", db.p) == -1)
		ck_abort_msg("compile: %s", err_str());
	buf_free(&db);
}

/* Look up local; returns "user uid home dash ext" with dir shown as H. */
static const char *
look(struct users *u, const char *local)
{
	static struct buf out = BUF_INIT;
	struct users_pw pw;
	const char *home;

	memset(&pw, 0, sizeof pw);
	if (users_lookup(u, local, &pw) == -1)
		ck_abort_msg("lookup %s: %s", local, err_str());
	home = pw.home.p;
	buf_reset(&out);
	if (strncmp(home, dir, strlen(dir)) == 0) {
		home += strlen(dir);
		buf_printf(&out, "%s %d H%s [%s] [%s]", pw.user.p, pw.uid == getuid(), home,
		    pw.dash.p, pw.ext.p);
	} else {
		buf_printf(&out, "%s %d %s [%s] [%s]", pw.user.p, pw.uid == getuid(), home,
		    pw.dash.p, pw.ext.p);
	}
	users_pw_free(&pw);
	return out.p;
}

START_TEST(test_lookup)
{
	struct users u;
	struct buf p = BUF_INIT;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	buf_printf(&p, "%s/users", dir);
	ck_assert_int_eq(mkdir(p.p, 0755), 0);
	buf_printf(&p, "/bob");
	ck_assert_int_eq(mkdir(p.p, 0755), 0);
	ck_assert_int_eq(users_init(&u, dir, false), 0);

	/* no database: HOME/users/NAME, then the alias user */
	ck_assert_str_eq(look(&u, "bob"), "bob 1 H/users/bob [] []");
	ck_assert_str_eq(look(&u, "BoB-Ext-More"), "bob 1 H/users/bob [-] [Ext-More]");
	ck_assert_str_eq(look(&u, "bob-"), "bob 1 H/users/bob [-] []");
	ck_assert_str_eq(look(&u, "Postmaster"), "alias 1 H/alias [-] [Postmaster]");
	ck_assert_str_eq(look(&u, "-bob"), "alias 1 H/alias [-] [-bob]");
	ck_assert_str_eq(look(&u, ".."), "alias 1 H/alias [-] [..]");
	ck_assert_str_eq(look(&u, ""), "alias 1 H/alias [-] []");

	/* exact entries first, then the longest wildcard prefix; uid ignored */
	compile("=list-exact:ex:4242:4242:/x/exact:-:e:\n"
	    "+list-:l1:4242:4242:/x/l1:-:p1-:\n"
	    "+list-x-:l2:4242:4242:/x/l2:-:p2-:\n"
	    "=boss:bob:4242:4242:/x/boss:::\n"
	    ".\n");
	ck_assert_str_eq(look(&u, "list-exact"), "ex 1 /x/exact [-] [e]");
	ck_assert_str_eq(look(&u, "LIST-Exact"), "ex 1 /x/exact [-] [e]");
	ck_assert_str_eq(look(&u, "list-exactly"), "l1 1 /x/l1 [-] [p1-exactly]");
	ck_assert_str_eq(look(&u, "list-x-Y"), "l2 1 /x/l2 [-] [p2-Y]");
	ck_assert_str_eq(look(&u, "List-X-"), "l2 1 /x/l2 [-] [p2-]");
	ck_assert_str_eq(look(&u, "list-x"), "l1 1 /x/l1 [-] [p1-x]");
	ck_assert_str_eq(look(&u, "list-"), "l1 1 /x/l1 [-] [p1-]");
	ck_assert_str_eq(look(&u, "list"), "alias 1 H/alias [-] [list]");
	ck_assert_str_eq(look(&u, "Boss"), "bob 1 /x/boss [] []");
	ck_assert_str_eq(look(&u, "boss-x"), "alias 1 H/alias [-] [boss-x]");
	ck_assert_str_eq(look(&u, "bob-x"), "bob 1 H/users/bob [-] [x]");
	ck_assert_str_eq(look(&u, "bob"), "bob 1 H/users/bob [] []");

	/* a new database is seen without reopening by hand; "+" matches everything */
	compile("+:all:1:1:/x/all:-:a-:\n=bob:b2:1:1:/x/b2:::\n.\n");
	ck_assert_str_eq(look(&u, "bob"), "b2 1 /x/b2 [] []");
	ck_assert_str_eq(look(&u, "list-exact"), "all 1 /x/all [-] [a-list-exact]");
	ck_assert_str_eq(look(&u, ""), "all 1 /x/all [-] [a-]");

	/* the database removed: back to the directories */
	buf_reset(&p);
	buf_printf(&p, "%s/users/assign.db", dir);
	ck_assert_int_eq(unlink(p.p), 0);
	ck_assert_str_eq(look(&u, "list-exact"), "alias 1 H/alias [-] [list-exact]");

	users_free(&u);
	buf_reset(&p);
	buf_printf(&p, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(p.p), 0);
	buf_free(&p);
}
END_TEST

START_TEST(test_compile_keeps_old)
{
	char d[] = "/tmp/check_users.XXXXXX";
	struct buf db = BUF_INIT, tmp = BUF_INIT;
	struct stat a, b;
	const char *bad_text = "=a:a:1:1:/a:::\n=a:b:1:1:/b:::\n.\n";

	ck_assert_ptr_nonnull(mkdtemp(d));
	buf_printf(&db, "%s/assign.db", d);
	buf_printf(&tmp, "%s/assign.db.tmp", d);
	ck_assert_int_eq(users_assign_compile(".\n", 2, "users/assign", db.p), 0);
	ck_assert_int_eq(stat(db.p, &a), 0);
	ck_assert_int_eq(users_assign_compile(bad_text, strlen(bad_text), "users/assign", db.p),
	    -1);
	ck_assert_str_eq(err_str(), "users/assign:2: a second entry for =a");
	ck_assert_int_eq(stat(db.p, &b), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino);
	ck_assert_int_eq(access(tmp.p, F_OK), -1);
	ck_assert_int_eq(unlink(db.p), 0);
	ck_assert_int_eq(rmdir(d), 0);
	buf_free(&db);
	buf_free(&tmp);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("users");
	TCase *tc = tcase_create("users");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_assign_parse);
	tcase_add_test(tc, test_assign_errors);
	tcase_add_test(tc, test_assign_record);
	tcase_add_test(tc, test_split_lower);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_compile_keeps_old);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
