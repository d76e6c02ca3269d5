/* check_local: herald-local's library without processes: .qmail lookup
 * order, line classification and limits, From_ quoting, the program
 * environment, program exit codes, the message slice and its header scan. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "local.h"
#include "local_dot.h"
#include "local_env.h"
#include "local_maildir.h"
#include "local_mbox.h"
#include "local_msg.h"
#include "local_prog.h"

/* Candidate k for dash and ext as "NAME DEFAULT" ("NAME -" if no DEFAULT); NULL if none. */
static const char *
cand(size_t k, const char *dash, const char *ext)
{
	static struct buf out = BUF_INIT;
	struct buf name = BUF_INIT;
	long def;

	if (!local_dot_candidate(k, dash, ext, &name, &def)) {
		buf_free(&name);
		return NULL;
	}
	buf_reset(&out);
	buf_printf(&out, "%s %s", name.p, def < 0 ? "-" : ext + def);
	buf_free(&name);
	return out.p;
}

START_TEST(test_lookup_order)
{
	ck_assert_str_eq(cand(0, "-", "a-b-c"), ".qmail-a-b-c -");
	ck_assert_str_eq(cand(1, "-", "a-b-c"), ".qmail-a-b-default c");
	ck_assert_str_eq(cand(2, "-", "a-b-c"), ".qmail-a-default b-c");
	ck_assert_str_eq(cand(3, "-", "a-b-c"), ".qmail-default a-b-c");
	ck_assert_ptr_null(cand(4, "-", "a-b-c"));
	/* case and dots: file names lower case with ':', DEFAULT as written */
	ck_assert_str_eq(cand(0, "-", "List.X-Sub"), ".qmail-list:x-sub -");
	ck_assert_str_eq(cand(1, "-", "List.X-Sub"), ".qmail-list:x-default Sub");
	/* a trailing dash: the empty DEFAULT */
	ck_assert_str_eq(cand(1, "-", "a-"), ".qmail-a-default ");
	/* an empty extension with a dash: .qmail- then .qmail-default */
	ck_assert_str_eq(cand(0, "-", ""), ".qmail- -");
	ck_assert_str_eq(cand(1, "-", ""), ".qmail-default ");
	ck_assert_ptr_null(cand(2, "-", ""));
	/* no dash: only .qmail */
	ck_assert_str_eq(cand(0, "", ""), ".qmail -");
	ck_assert_ptr_null(cand(1, "", ""));
}
END_TEST

static enum local_dot_kind
kind(const char *line, const char **arg)
{
	static char a[256];
	const char *p;
	size_t n;
	enum local_dot_kind k = local_dot_classify(line, strlen(line), &p, &n);

	snprintf(a, sizeof a, "%.*s", (int)n, p);
	*arg = a;
	return k;
}

START_TEST(test_classify)
{
	const char *arg;

	ck_assert_int_eq(kind("", &arg), LOCAL_DOT_BLANK);
	ck_assert_int_eq(kind("# note", &arg), LOCAL_DOT_COMMENT);
	ck_assert_int_eq(kind("./Maildir/", &arg), LOCAL_DOT_MAILDIR);
	ck_assert_str_eq(arg, "./Maildir/");
	ck_assert_int_eq(kind("/var/mail/joe/", &arg), LOCAL_DOT_MAILDIR);
	ck_assert_int_eq(kind("./Mailbox", &arg), LOCAL_DOT_MBOX);
	ck_assert_int_eq(kind("/var/mail/joe", &arg), LOCAL_DOT_MBOX);
	ck_assert_int_eq(kind("|exec prog -x", &arg), LOCAL_DOT_PROG);
	ck_assert_str_eq(arg, "exec prog -x");
	ck_assert_int_eq(kind("&bob@example.org", &arg), LOCAL_DOT_FORWARD);
	ck_assert_str_eq(arg, "bob@example.org");
	ck_assert_int_eq(kind("bob@example.org", &arg), LOCAL_DOT_FORWARD);
	ck_assert_str_eq(arg, "bob@example.org");
	ck_assert_int_eq(kind("+list", &arg), LOCAL_DOT_LIST);
	ck_assert_int_eq(kind("+other", &arg), LOCAL_DOT_PLUS);
}
END_TEST

START_TEST(test_lines)
{
	const char *text = "./Maildir/ \t\n\n|prog  \nlast";
	const char *line;
	size_t pos = 0, n;

	ck_assert(local_dot_line(text, strlen(text), &pos, &line, &n));
	ck_assert_int_eq(n, 10);
	ck_assert(memcmp(line, "./Maildir/", 10) == 0);
	ck_assert(local_dot_line(text, strlen(text), &pos, &line, &n));
	ck_assert_int_eq(n, 0);
	ck_assert(local_dot_line(text, strlen(text), &pos, &line, &n));
	ck_assert_int_eq(n, 5);
	ck_assert(local_dot_line(text, strlen(text), &pos, &line, &n));
	ck_assert_int_eq(n, 4);
	ck_assert(!local_dot_line(text, strlen(text), &pos, &line, &n));
}
END_TEST

START_TEST(test_limits)
{
	struct buf b = BUF_INIT;
	int i;

	ck_assert_int_eq(local_dot_check(".qmail-x", "./Maildir/\n\n# c\n", 16), 0);
	ck_assert_int_eq(local_dot_check(".qmail-x", "\n./Maildir/\n", 12), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "first line of .qmail-x is blank"));
	ck_assert_int_eq(local_dot_check(".qmail-x", "a\0b\n", 4), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), ".qmail-x:1: NUL"));
	ck_assert_int_eq(local_dot_check(".qmail-x", "# c\n&\n", 6), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), ".qmail-x:2:"));
	buf_adds(&b, "# long\n|");
	for (i = 0; i < LOCAL_DOT_LINE_MAX; i++)
		buf_addc(&b, 'x');
	ck_assert_int_eq(local_dot_check(".qmail-y", b.p, b.len), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), ".qmail-y:2: line longer than"));
	buf_reset(&b);
	for (i = 0; i < LOCAL_DOT_FWD_MAX; i++)
		buf_printf(&b, "u%d@example.org\n", i);
	ck_assert_int_eq(local_dot_check(".qmail-z", b.p, b.len), 0);
	buf_adds(&b, "&one@more.example\n");
	ck_assert_int_eq(local_dot_check(".qmail-z", b.p, b.len), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), ".qmail-z has more than 1000 forward"));
	buf_free(&b);
}
END_TEST

/* Quote in (n bytes) in chunks of step bytes; returns the result. */
static char *
quote(const char *in, size_t step)
{
	static struct buf out = BUF_INIT;
	struct local_mbox_quote q;
	size_t i, n = strlen(in);

	buf_sets(&out, "");
	local_mbox_quote_init(&q);
	for (i = 0; i < n; i += step)
		ck_assert_int_eq(local_mbox_quote(&q, in + i, n - i < step ? n - i : step,
		    &out), 0);
	ck_assert_int_eq(local_mbox_quote_end(&q, &out), 0);
	return out.p;
}

START_TEST(test_from_quoting)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "From a\n", ">From a\n\n" },
		{ "x\nFrom b\nFrom\n", "x\n>From b\nFrom\n\n" },
		{ ">From c\n>>From d\n", ">>From c\n>>>From d\n\n" },
		{ "a From e\n From f\n", "a From e\n From f\n\n" },
		{ "Fro", "Fro\n\n" },
		{ "From", "From\n\n" },
		{ ">>", ">>\n\n" },
		{ "no newline", "no newline\n\n" },
		{ "", "\n" },
		{ "\n\nFrom \n", "\n\n>From \n\n" },
		{ "Fromage\nFrom:\n", "Fromage\nFrom:\n\n" },
	};
	size_t i, step;

	for (i = 0; i < sizeof cases / sizeof *cases; i++)
		for (step = 1; step <= 4; step++)
			ck_assert_str_eq(quote(cases[i].in, step), cases[i].out);
}
END_TEST

/* Value of NAME in the environment list env, NULL if absent. */
static const char *
envget(const struct buf *env, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < env->len; i += strlen(env->p + i) + 1)
		if (strncmp(env->p + i, name, n) == 0 && env->p[i + n] == '=')
			return env->p + i + n + 1;
	return NULL;
}

START_TEST(test_env)
{
	char *args[8] = { "joe", "/home/joe", "joe-list-sub-x", "-", "list-sub-x",
		"mail.example.co.uk", "s@example.org", "./Maildir/" };
	struct buf env = BUF_INIT, h = BUF_INIT;
	struct local l;

	ck_assert_str_eq(local_env_ext("a-b-c", 1), "a-b-c");
	ck_assert_str_eq(local_env_ext("a-b-c", 2), "b-c");
	ck_assert_str_eq(local_env_ext("a-b-c", 3), "c");
	ck_assert_str_eq(local_env_ext("a-b-c", 4), "");
	ck_assert_str_eq(local_env_ext("abc", 2), "");
	local_env_host(&h, "a.b.c.d", 2);
	ck_assert_str_eq(h.p, "a.b.c");
	local_env_host(&h, "a.b.c.d", 4);
	ck_assert_str_eq(h.p, "a");
	local_env_host(&h, "a.b", 3);
	ck_assert_str_eq(h.p, "a");
	local_env_host(&h, "localhost", 2);
	ck_assert_str_eq(h.p, "localhost");

	ck_assert_int_eq(local_init(&l, args, true, 0, NULL), 0);
	ck_assert_str_eq(l.dtline.p, "Delivered-To: joe-list-sub-x@mail.example.co.uk\n");
	ck_assert_str_eq(l.rpline.p, "Return-Path: <s@example.org>\n");
	ck_assert_str_eq(l.ufline.p, "From s@example.org Thu Jan  1 00:00:00 1970\n");
	l.deflt = l.ext + 5;
	ck_assert_int_eq(local_env_build(&l, &env), 0);
	ck_assert_str_eq(envget(&env, "USER"), "joe");
	ck_assert_str_eq(envget(&env, "HOME"), "/home/joe");
	ck_assert_str_eq(envget(&env, "LOCAL"), "joe-list-sub-x");
	ck_assert_str_eq(envget(&env, "RECIPIENT"), "joe-list-sub-x@mail.example.co.uk");
	ck_assert_str_eq(envget(&env, "SENDER"), "s@example.org");
	ck_assert_str_eq(envget(&env, "NEWSENDER"), "s@example.org");
	ck_assert_str_eq(envget(&env, "EXT"), "list-sub-x");
	ck_assert_str_eq(envget(&env, "EXT2"), "sub-x");
	ck_assert_str_eq(envget(&env, "EXT3"), "x");
	ck_assert_str_eq(envget(&env, "EXT4"), "");
	ck_assert_str_eq(envget(&env, "HOST"), "mail.example.co.uk");
	ck_assert_str_eq(envget(&env, "HOST2"), "mail.example.co");
	ck_assert_str_eq(envget(&env, "HOST3"), "mail.example");
	ck_assert_str_eq(envget(&env, "HOST4"), "mail");
	ck_assert_str_eq(envget(&env, "DEFAULT"), "sub-x");
	ck_assert_str_eq(envget(&env, "DTLINE"), l.dtline.p);
	ck_assert_str_eq(envget(&env, "RPLINE"), l.rpline.p);
	ck_assert_str_eq(envget(&env, "UFLINE"), l.ufline.p);
	l.deflt = NULL;
	ck_assert_int_eq(local_env_build(&l, &env), 0);
	ck_assert_ptr_null(envget(&env, "DEFAULT"));
	local_free(&l);

	/* the null sender and blanks in the From_ line */
	local_env_ufline(&h, "", 86400 * 365);
	ck_assert_str_eq(h.p, "From MAILER-DAEMON Fri Jan  1 00:00:00 1971\n");
	local_env_ufline(&h, "a b\tc", 0);
	ck_assert_str_eq(h.p, "From a-b-c Thu Jan  1 00:00:00 1970\n");
	local_env_dtline(&h, "x\ny@z");
	ck_assert_str_eq(h.p, "Delivered-To: x_y@z\n");
	buf_free(&h);
	buf_free(&env);
}
END_TEST

static int
exited(int code)
{
	return (code & 0xff) << 8;      /* a wait status for exit(code) */
}

START_TEST(test_prog_status)
{
	static const int perm[] = { 100, 64, 65, 70, 76, 77, 78, 112 };
	static const int temp[] = { 1, 2, 75, 99 + 12, 101, 111, 126, 127, 255 };
	bool stop;
	size_t i;

	ck_assert(WIFEXITED(exited(100)) && WEXITSTATUS(exited(100)) == 100);
	ck_assert_int_eq(local_prog_status(exited(0), &stop), LOCAL_OK);
	ck_assert(!stop);
	ck_assert_int_eq(local_prog_status(exited(99), &stop), LOCAL_OK);
	ck_assert(stop);
	for (i = 0; i < sizeof perm / sizeof *perm; i++) {
		ck_assert_int_eq(local_prog_status(exited(perm[i]), &stop), LOCAL_PERM);
		ck_assert(!stop);
	}
	for (i = 0; i < sizeof temp / sizeof *temp; i++)
		ck_assert_int_eq(local_prog_status(exited(temp[i]), &stop), LOCAL_TEMP);
	ck_assert_int_eq(local_prog_status(9 /* killed by SIGKILL */, &stop), LOCAL_TEMP);

	ck_assert(local_prog_has_code("Sorry. (#5.1.1)", 15));
	ck_assert(local_prog_has_code("#4.2.22", 7));
	ck_assert(!local_prog_has_code("#5.1.", 5));
	ck_assert(!local_prog_has_code("#5.1", 4));
	ck_assert(!local_prog_has_code("#3.1.1", 6));
	ck_assert(!local_prog_has_code("5.1.1", 5));
}
END_TEST

START_TEST(test_prog_fail_text)
{
	char *args[8] = { "u", "/h", "u", "", "", "d", "s", "./Mailbox" };
	struct local l;

	ck_assert_int_eq(local_init(&l, args, true, 0, NULL), 0);
	ck_assert_int_eq(local_prog_fail(&l, "cmd", exited(100), "no such list\n", 13),
	    LOCAL_PERM);
	ck_assert_str_eq(l.why.p, "no such list (#5.0.0)");
	ck_assert_int_eq(local_prog_fail(&l, "cmd", exited(111), "a\nb (#4.3.2)\n", 13),
	    LOCAL_TEMP);
	ck_assert_str_eq(l.why.p, "a/b (#4.3.2)");
	ck_assert_int_eq(local_prog_fail(&l, "cmd", exited(3), "", 0), LOCAL_TEMP);
	ck_assert_str_eq(l.why.p, "program |cmd exited 3 (#4.0.0)");
	local_free(&l);
}
END_TEST

START_TEST(test_msg)
{
	static const char text[] = "XXXXDelivered-To: a@b\nDELIVERED-TO: joe@example.org\n"
	    "Subject: s\n\nDelivered-To: x@y\nbody\nYYYY";
	char path[] = "/tmp/check_local.XXXXXX";
	struct local_msg *m = malloc(sizeof *m);
	const char *p;
	bool found;
	ssize_t n;
	int fd;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_ne(fd = mkstemp(path), -1);
	unlink(path);
	ck_assert_int_eq(write(fd, text, sizeof text - 1), (ssize_t)sizeof text - 1);
	ck_assert_int_eq(local_msg_open(m, fd, 4, sizeof text - 1 - 8), 0);
	ck_assert_int_eq(n = local_msg_read(m, &p), sizeof text - 1 - 8);
	ck_assert(memcmp(p, "Delivered-To: a@b\n", 18) == 0);
	ck_assert(memcmp(p + n - 5, "body\n", 5) == 0);
	ck_assert_int_eq(local_msg_read(m, &p), 0);
	ck_assert_int_eq(local_msg_header_has(m, "Delivered-To: joe@example.org\n", 30, &found),
	    0);
	ck_assert(found);
	ck_assert_int_eq(local_msg_header_has(m, "Delivered-To: a@b\n", 18, &found), 0);
	ck_assert(found);
	ck_assert_int_eq(local_msg_header_has(m, "Delivered-To: a@\n", 17, &found), 0);
	ck_assert(!found);
	/* after the header: not a loop */
	ck_assert_int_eq(local_msg_header_has(m, "Delivered-To: x@y\n", 18, &found), 0);
	ck_assert(!found);
	/* a slice past the end of the file is refused */
	ck_assert_int_eq(local_msg_open(m, fd, 4, sizeof text), -1);
	ck_assert_int_eq(local_msg_open(m, fd, sizeof text + 1, -1), -1);
	ck_assert_int_eq(local_msg_open(m, fd, 0, -1), 0);
	ck_assert_int_eq(m->len, sizeof text - 1);
	close(fd);
	free(m);
}
END_TEST

START_TEST(test_maildir_name)
{
	struct timeval tv = { 1700000000, 42 };
	struct buf b = BUF_INIT;

	ck_assert_int_eq(local_maildir_name(&b, &tv, 123, 7, "h/o:st"), 0);
	ck_assert_str_eq(b.p, "1700000000.M000042P123Q7.h\\057o\\072st");
	buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("local");
	TCase *tc = tcase_create("local");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_lookup_order);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_from_quoting);
	tcase_add_test(tc, test_env);
	tcase_add_test(tc, test_prog_status);
	tcase_add_test(tc, test_prog_fail_text);
	tcase_add_test(tc, test_msg);
	tcase_add_test(tc, test_maildir_name);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
