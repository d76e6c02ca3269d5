/* check_inject: unit tests for src/inject: reading the input (CRLF, the
 * "." line, pieces), address qualification, header rewriting, the added
 * fields, the command lines of herald-inject and sendmail, herald-queue's
 * exit codes and the program lookup. */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "err.h"
#include "home.h"
#include "inject.h"
#include "inject_addr.h"
#include "inject_conf.h"
#include "inject_hdr.h"
#include "inject_in.h"
#include "inject_opt.h"
#include "inject_queue.h"

/* The NUL-terminated list in b is exactly the n bytes of want. */
static void
list_is(const struct buf *b, const char *want, size_t n)
{
	ck_assert_uint_eq(b->len, n);
	ck_assert_mem_eq(b->p, want, n);
}

#define LIST_IS(b, lit) list_is((b), (lit), sizeof(lit) - 1)

/* A file descriptor reading the n bytes of s. */
static int
input(const char *s, size_t n)
{
	FILE *f = tmpfile();
	int fd;

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(s, 1, n, f), n);
	fflush(f);
	fd = dup(fileno(f));
	fclose(f);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* All of the input s read as pieces of at most max bytes, joined by '|'. */
static void
pieces(const char *s, bool dot, size_t max, struct buf *out)
{
	struct inject_in *in = malloc(sizeof *in);
	struct buf p = BUF_INIT;
	int fd = input(s, strlen(s));
	long n;

	ck_assert_ptr_nonnull(in);
	inject_in_init(in, fd, dot);
	buf_reset(out);
	while ((n = inject_in_piece(in, &p, max)) > 0) {
		ck_assert_uint_le((size_t)n, max);
		buf_add(out, p.p, p.len);
		buf_addc(out, '|');
		buf_reset(&p);
	}
	ck_assert_int_eq(n, 0);
	buf_free(&p);
	free(in);
	close(fd);
}

START_TEST(in_crlf)
{
	struct buf b = BUF_INIT;

	pieces("a\r\nb\nc\rd\r\n\r\nlast", false, 1000, &b);
	ck_assert_str_eq(b.p, "a\n|b\n|c\rd\n|\n|last\n|");
	/* small pieces split lines but never a CRLF */
	pieces("abc\r\nde\r\n", false, 2, &b);
	ck_assert_str_eq(b.p, "ab|c\n|de|\n|");
	pieces("", false, 10, &b);
	ck_assert_uint_eq(b.len, 0);
	/* a CR at the end of the input stays */
	pieces("x\r", false, 10, &b);
	ck_assert_str_eq(b.p, "x\r\n|");
	buf_free(&b);
}
END_TEST

START_TEST(in_dot)
{
	struct buf b = BUF_INIT;

	pieces("a\n.\nb\n", true, 100, &b);
	ck_assert_str_eq(b.p, "a\n|");
	pieces("a\r\n.\r\nb\r\n", true, 100, &b);
	ck_assert_str_eq(b.p, "a\n|");
	pieces("a\n.", true, 100, &b);
	ck_assert_str_eq(b.p, "a\n|");
	/* only a lone dot counts, and only at the start of a line */
	pieces("..\n.x\n x.\n", true, 100, &b);
	ck_assert_str_eq(b.p, "..\n|.x\n| x.\n|");
	pieces("ab.\n.\n", true, 2, &b);
	ck_assert_str_eq(b.p, "ab|.\n|");
	/* without dot mode a dot is a line like any other */
	pieces("a\n.\nb\n", false, 100, &b);
	ck_assert_str_eq(b.p, "a\n|.\n|b\n|");
	buf_free(&b);
}
END_TEST

/* A configuration for tests: me = mx.example.org, no control files. */
static void
conf(struct inject_conf *c, const char *defaulthost, const char *defaultdomain)
{
	memset(c, 0, sizeof *c);
	buf_sets(&c->me, "mx.example.org");
	buf_sets(&c->defaulthost, defaulthost);
	buf_sets(&c->plusdomain, "plus.example");
	buf_sets(&c->idhost, "id.example");
	if (defaultdomain) {
		c->has_defaultdomain = true;
		buf_sets(&c->defaultdomain, defaultdomain);
	}
	buf_sets(&c->user, "alice");
	buf_sets(&c->host, "mx.example.org");
	buf_sets(&c->shost, "mx.example.org");
	c->now = 1700000000;
	c->pid = 4242;
}

/* The qualified form of the single address in s. */
static const char *
qualified(const struct inject_conf *c, const char *s)
{
	static struct buf out;
	size_t n = 0;

	buf_reset(&out);
	ck_assert_msg(inject_addr_list(c, s, strlen(s), true, &out, &n) == 0, "%s: %s", s,
	    err_str());
	ck_assert_uint_eq(n, 1);
	return out.p;
}

START_TEST(qualify_)
{
	struct inject_conf c;

	conf(&c, "example.org", NULL);
	ck_assert_str_eq(qualified(&c, "joe"), "joe@example.org");
	ck_assert_str_eq(qualified(&c, "Joe <joe>"), "joe@example.org");
	ck_assert_str_eq(qualified(&c, "joe@host"), "joe@host");
	ck_assert_str_eq(qualified(&c, "joe@host+"), "joe@host.plus.example");
	ck_assert_str_eq(qualified(&c, "joe@+"), "joe@plus.example");
	ck_assert_str_eq(qualified(&c, "joe@[192.0.2.1]"), "joe@[192.0.2.1]");
	ck_assert_str_eq(qualified(&c, "\"j d\""), "j d@example.org");
	ck_assert_str_eq(qualified(&c, "<>"), "");
	inject_conf_free(&c);
	conf(&c, "mailhost", "example.net");
	ck_assert_str_eq(qualified(&c, "joe"), "joe@mailhost.example.net");
	ck_assert_str_eq(qualified(&c, "joe@host"), "joe@host.example.net");
	ck_assert_str_eq(qualified(&c, "joe@a.b"), "joe@a.b");
	inject_conf_free(&c);
	conf(&c, "host+", NULL);
	ck_assert_str_eq(qualified(&c, "joe"), "joe@host.plus.example");
	inject_conf_free(&c);
}
END_TEST

START_TEST(qualify_errors)
{
	struct inject_conf c;
	struct buf out = BUF_INIT;
	size_t n = 0;

	conf(&c, "example.org", NULL);
	ck_assert_int_eq(inject_addr_list(&c, "<>", 2, false, &out, &n), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "empty address"));
	ck_assert_int_eq(inject_addr_list(&c, "joe@bad_host.example", 20, false, &out, &n), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "invalid character '_' in domain"));
	ck_assert_int_eq(inject_addr_list(&c, "a, b@x.example", 14, false, &out, &n), 0);
	ck_assert_uint_eq(n, 2);
	LIST_IS(&out, "a@example.org\0b@x.example\0");
	buf_free(&out);
	inject_conf_free(&c);
}
END_TEST

/* Process header text with configuration c into h. */
static int
process(struct inject_hdr *h, const struct inject_conf *c, const char *text)
{
	inject_hdr_init(h);
	return inject_hdr_process(h, c, text, strlen(text));
}

START_TEST(hdr_rewrite)
{
	struct inject_conf c;
	struct inject_hdr h;
	const char *in =
	    "Subject: joe, ann\n"
	    "To: joe (Joe\n"
	    " himself), \"Ann\" <ann>,\n"
	    "\tgroup: bob@x.example, eve;\n"
	    "From: Alice <alice>\n"
	    "Reply-To: list@lists+\n"
	    "Received: from joe by ann\n";

	conf(&c, "example.org", NULL);
	ck_assert_int_eq(process(&h, &c, in), 0);
	ck_assert_str_eq(h.out.p,
	    "Subject: joe, ann\n"
	    "To: joe@example.org (Joe\n"
	    " himself), \"Ann\" <ann@example.org>,\n"
	    "\tgroup: bob@x.example, eve@example.org;\n"
	    "From: Alice <alice@example.org>\n"
	    "Reply-To: list@lists.plus.example\n"
	    "Received: from joe by ann\n");
	ck_assert_uint_eq(h.nrcpt, 4);
	LIST_IS(&h.rcpt, "joe@example.org\0ann@example.org\0bob@x.example\0"
	    "eve@example.org\0");
	ck_assert(h.has_from);
	ck_assert(h.has_from_addr);
	ck_assert_str_eq(h.from.p, "alice@example.org");
	ck_assert(!h.has_date);
	ck_assert(!h.has_msgid);
	ck_assert(!h.has_resent);
	inject_hdr_free(&h);
	inject_conf_free(&c);
}
END_TEST

START_TEST(hdr_removed)
{
	struct inject_conf c;
	struct inject_hdr h;

	conf(&c, "example.org", NULL);
	ck_assert_int_eq(process(&h, &c,
	    "To: a@x.example\n"
	    "Bcc: hidden@y.example,\n second\n"
	    "bCC: third@z.example\n"
	    "Return-Path: <bounce@x.example>\n"
	    "Content-Length: 12\n"
	    "Cc: c@x.example\n"), 0);
	ck_assert_str_eq(h.out.p, "To: a@x.example\nCc: c@x.example\n");
	ck_assert_uint_eq(h.nrcpt, 5);
	LIST_IS(&h.rcpt, "a@x.example\0hidden@y.example\0second@example.org\0"
	    "third@z.example\0c@x.example\0");
	ck_assert(h.has_retpath);
	ck_assert_str_eq(h.retpath.p, "bounce@x.example");
	inject_hdr_free(&h);
	ck_assert_int_eq(process(&h, &c, "Return-Path: <>\n"), 0);
	ck_assert(h.has_retpath);
	ck_assert_uint_eq(h.retpath.len, 0);
	ck_assert_uint_eq(h.out.len, 0);
	inject_hdr_free(&h);
	inject_conf_free(&c);
}
END_TEST

START_TEST(hdr_resent)
{
	struct inject_conf c;
	struct inject_hdr h;

	conf(&c, "example.org", NULL);
	ck_assert_int_eq(process(&h, &c,
	    "To: orig@x.example\n"
	    "Resent-To: new@y.example\n"
	    "Resent-Bcc: hidden\n"), 0);
	ck_assert(h.has_resent);
	ck_assert_uint_eq(h.nrcpt, 1);
	ck_assert_uint_eq(h.nresent, 2);
	LIST_IS(&h.resent, "new@y.example\0hidden@example.org\0");
	ck_assert_str_eq(h.out.p, "To: orig@x.example\nResent-To: new@y.example\n");
	inject_hdr_free(&h);
	inject_conf_free(&c);
}
END_TEST

START_TEST(hdr_errors)
{
	struct inject_conf c;
	struct inject_hdr h;

	conf(&c, "example.org", NULL);
	ck_assert_int_eq(process(&h, &c, "Subject: x\nCc: ok@x, Joe Smith\n"), -1);
	ck_assert(!h.temp);
	ck_assert_str_eq(err_str(),
	    "Cc: not an address (a display name needs <address>) in \"Joe Smith\"");
	inject_hdr_free(&h);
	ck_assert_int_eq(process(&h, &c, "To: <joe@exa mple.com>\n"), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "To: unexpected word 'mple' (expected '>')"));
	inject_hdr_free(&h);
	ck_assert_int_eq(process(&h, &c, "Bcc: joe@-bad.example\n"), -1);
	ck_assert_str_eq(err_str(),
	    "Bcc: invalid address \"joe@-bad.example\": domain label starts with '-'");
	inject_hdr_free(&h);
	ck_assert_int_eq(process(&h, &c, "To: <>\n"), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "To: empty address"));
	inject_hdr_free(&h);
	/* a bad address in a field that is not an address list is no error */
	ck_assert_int_eq(process(&h, &c, "Subject: Joe Smith <\nX-To: ((\n"), 0);
	ck_assert_str_eq(h.out.p, "Subject: Joe Smith <\nX-To: ((\n");
	inject_hdr_free(&h);
	inject_conf_free(&c);
}
END_TEST

START_TEST(hdr_complete)
{
	struct inject_conf c;
	struct inject_hdr h;
	struct buf want = BUF_INIT;

	conf(&c, "example.org", NULL);
	ck_assert_int_eq(process(&h, &c, "Subject: s\n"), 0);
	ck_assert_int_eq(inject_hdr_complete(&h, &c), 0);
	ck_assert(strncmp(h.out.p, "Subject: s\nDate: ", 17) == 0);
	ck_assert_ptr_nonnull(strstr(h.out.p, "\nMessage-ID: <1700000000.4242."));
	ck_assert_ptr_nonnull(strstr(h.out.p, "@id.example>\nFrom: alice@mx.example.org\n"));
	ck_assert_str_eq(h.from.p, "alice@mx.example.org");
	inject_hdr_free(&h);
	/* display names are quoted when they need it */
	c.has_name = true;
	buf_sets(&c.name, "Alice Liddell");
	ck_assert_int_eq(process(&h, &c, "Date: x\nMessage-ID: <y>\n"), 0);
	ck_assert_int_eq(inject_hdr_complete(&h, &c), 0);
	ck_assert_str_eq(h.out.p,
	    "Date: x\nMessage-ID: <y>\nFrom: Alice Liddell <alice@mx.example.org>\n");
	inject_hdr_free(&h);
	buf_sets(&c.name, "Liddell, \"Alice\"\n");
	buf_sets(&c.user, "a b");
	ck_assert_int_eq(process(&h, &c, "DATE: x\nmessage-id: <y>\n"), 0);
	ck_assert_int_eq(inject_hdr_complete(&h, &c), 0);
	ck_assert_str_eq(h.out.p, "DATE: x\nmessage-id: <y>\n"
	    "From: \"Liddell, \\\"Alice\\\" \" <\"a b\"@mx.example.org>\n");
	inject_hdr_free(&h);
	/* nothing is added when all are present */
	ck_assert_int_eq(process(&h, &c, "From: x@y\nDate: d\nMessage-Id: <m>\n"), 0);
	ck_assert_int_eq(inject_hdr_complete(&h, &c), 0);
	ck_assert_str_eq(h.out.p, "From: x@y\nDate: d\nMessage-Id: <m>\n");
	inject_hdr_free(&h);
	/* message ids differ within one process */
	inject_hdr_msgid(&want, &c);
	buf_addc(&want, ' ');
	inject_hdr_msgid(&want, &c);
	ck_assert_ptr_nonnull(strstr(want.p, "@id.example> <1700000000.4242."));
	ck_assert(strncmp(want.p, want.p + want.len / 2 + 1, want.len / 2) != 0);
	buf_free(&want);
	inject_conf_free(&c);
}
END_TEST

START_TEST(hdr_is_field)
{
	ck_assert(inject_hdr_is_field("To: x\n", 6));
	ck_assert(inject_hdr_is_field("X-Odd-Name :x\n", 14));
	ck_assert(!inject_hdr_is_field("no colon here\n", 14));
	ck_assert(!inject_hdr_is_field(" To: x\n", 7));
	ck_assert(!inject_hdr_is_field(": x\n", 4));
	ck_assert(!inject_hdr_is_field("Two words: x\n", 13));
}
END_TEST

/* Parse a command line given as a NULL-terminated list. */
static int
sendmail_args(struct inject_opts *o, enum inject_opt_action *act, const char **args)
{
	int argc = 0;

	while (args[argc])
		argc++;
	inject_opts_init(o);
	return inject_opt_sendmail(o, argc, (char **)args, act);
}

START_TEST(opt_sendmail)
{
	struct inject_opts o;
	enum inject_opt_action act;
	const char *a1[] = { "sendmail", "-t", "-oi", "x@y", NULL };
	const char *a2[] = { "sendmail", "-fme@x", "-F", "My Name", "-B", "8BITMIME", "-N",
		"never", "-R", "hdrs", "-V", "envid", "-X", "log", "-C", "cf", "-O", "Timeout=1",
		"-L", "tag", "-v", "-odb", "-oem", "-U", "-Zz", "a@b", "c@d", NULL };
	const char *a3[] = { "sendmail", "-ti", "-r", "r@x", "--", "-notopt", NULL };
	const char *a4[] = { "/usr/sbin/mailq", NULL };
	const char *a5[] = { "sendmail", "-bs", NULL };
	const char *a6[] = { "sendmail", "-f", NULL };
	const char *a7[] = { "sendmail", "-bp", NULL };
	const char *a8[] = { "sendmail", "-O", "IgnoreDots=true", "-q", "a", NULL };
	const char *a9[] = { "sendmail", "-o", "i", "-bi", NULL };
	const char *a10[] = { "sendmail", "-bz", NULL };

	ck_assert_int_eq(sendmail_args(&o, &act, a1), 0);
	ck_assert_int_eq(act, INJECT_OPT_SEND);
	ck_assert_int_eq(o.mode, INJECT_RCPT_BOTH);
	ck_assert(!o.dot);
	ck_assert_uint_eq(o.nargs, 1);
	ck_assert_str_eq(o.args[0], "x@y");
	ck_assert_int_eq(sendmail_args(&o, &act, a2), 0);
	ck_assert_int_eq(o.mode, INJECT_RCPT_ARGS);
	ck_assert(o.dot);
	ck_assert_str_eq(o.sender, "me@x");
	ck_assert_str_eq(o.fullname, "My Name");
	ck_assert_uint_eq(o.nargs, 2);
	ck_assert_str_eq(o.args[0], "a@b");
	ck_assert_int_eq(sendmail_args(&o, &act, a3), 0);
	ck_assert_int_eq(o.mode, INJECT_RCPT_BOTH);
	ck_assert(!o.dot);
	ck_assert_str_eq(o.sender, "r@x");
	ck_assert_uint_eq(o.nargs, 1);
	ck_assert_str_eq(o.args[0], "-notopt");
	ck_assert_int_eq(sendmail_args(&o, &act, a4), 0);
	ck_assert_int_eq(act, INJECT_OPT_QREAD);
	ck_assert_int_eq(sendmail_args(&o, &act, a5), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "-bs"));
	ck_assert_ptr_nonnull(strstr(err_str(), "not supported"));
	ck_assert_int_eq(sendmail_args(&o, &act, a6), -1);
	ck_assert_str_eq(err_str(), "option -f needs a value");
	ck_assert_int_eq(sendmail_args(&o, &act, a7), 0);
	ck_assert_int_eq(act, INJECT_OPT_QREAD);
	ck_assert_int_eq(sendmail_args(&o, &act, a8), 0);
	ck_assert(!o.dot);
	ck_assert_int_eq(act, INJECT_OPT_NOOP);
	ck_assert_uint_eq(o.nargs, 1);
	ck_assert_int_eq(sendmail_args(&o, &act, a9), 0);
	ck_assert(!o.dot);
	ck_assert_int_eq(act, INJECT_OPT_NOOP);
	ck_assert_uint_eq(o.nargs, 0);
	ck_assert_int_eq(sendmail_args(&o, &act, a10), -1);
}
END_TEST

START_TEST(opt_inject)
{
	struct inject_opts o;
	const char *a1[] = { "herald-inject", "-n", "-f", "s@x", "-Fname", "-H", "r@x", NULL };
	const char *a2[] = { "herald-inject", "-ah", "-z", NULL };
	const char *a3[] = { "herald-inject", NULL };

	inject_opts_init(&o);
	ck_assert_int_eq(inject_opt_inject(&o, 6 + 1, (char **)a1), 0);
	ck_assert(o.print);
	ck_assert_str_eq(o.sender, "s@x");
	ck_assert_str_eq(o.fullname, "name");
	ck_assert_int_eq(o.mode, INJECT_RCPT_BOTH);
	ck_assert_uint_eq(o.nargs, 1);
	inject_opts_init(&o);
	ck_assert_int_eq(inject_opt_inject(&o, 3, (char **)a2), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "unknown option -z"));
	ck_assert_int_eq(o.mode, INJECT_RCPT_HEADER);
	inject_opts_init(&o);
	ck_assert_int_eq(inject_opt_inject(&o, 1, (char **)a3), 0);
	ck_assert_int_eq(o.mode, INJECT_RCPT_DEFAULT);
	ck_assert(!o.dot);
	ck_assert_uint_eq(o.nargs, 0);
}
END_TEST

/* The exit code inject_queue_status gives a child that exits with code. */
static int
status_of(int code)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(code);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return inject_queue_status(status);
}

START_TEST(queue_status)
{
	pid_t pid;
	int status;

	ck_assert_int_eq(status_of(0), 0);
	ck_assert_int_eq(status_of(11), 100);
	ck_assert_str_eq(err_str(), "herald-queue: envelope address too long (exit 11) (#5.3.0)");
	ck_assert_int_eq(status_of(31), 100);
	ck_assert_ptr_nonnull(strstr(err_str(), "permanently refused"));
	ck_assert_int_eq(status_of(40), 100);
	ck_assert_int_eq(status_of(53), 111);
	ck_assert_str_eq(err_str(), "herald-queue: write error or disk full (exit 53) (#4.3.0)");
	ck_assert_int_eq(status_of(91), 111);
	ck_assert_int_eq(status_of(1), 111);
	ck_assert_int_eq(status_of(99), 111);
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ck_assert_int_eq(inject_queue_status(status), 111);
	ck_assert_ptr_nonnull(strstr(err_str(), "signal 9"));
}
END_TEST

START_TEST(queue_find)
{
	char dir[] = "/tmp/check_inject.XXXXXX";
	struct buf p = BUF_INIT, want = BUF_INIT;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	home_set(dir);
	setenv("HERALD_TEST_PROG", "/some/where/herald-queue", 1);
	ck_assert_int_eq(inject_queue_find(&p, "herald-queue", "HERALD_TEST_PROG", true), 0);
	ck_assert_str_eq(p.p, "/some/where/herald-queue");
	unsetenv("HERALD_TEST_PROG");
	/* HOME/bin first */
	buf_printf(&want, "%s/bin", dir);
	ck_assert_int_eq(mkdir(want.p, 0755), 0);
	buf_adds(&want, "/herald-nothing");
	f = fopen(want.p, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(chmod(want.p, 0755), 0);
	ck_assert_int_eq(inject_queue_find(&p, "herald-nothing", "HERALD_TEST_PROG", true), 0);
	ck_assert_str_eq(p.p, want.p);
	/* not looked for in HOME/bin unless asked, and then not found */
	ck_assert_int_eq(inject_queue_find(&p, "herald-nothing", NULL, false), -1);
	ck_assert_str_eq(err_str(), "cannot find herald-nothing (install it next to this program)");
	unlink(want.p);
	want.len -= strlen("/herald-nothing");
	rmdir(want.p);
	rmdir(dir);
	buf_free(&p);
	buf_free(&want);
}
END_TEST

static Suite *
inject_suite(void)
{
	Suite *s = suite_create("inject");
	TCase *tc;

	tc = tcase_create("in");
	tcase_add_test(tc, in_crlf);
	tcase_add_test(tc, in_dot);
	suite_add_tcase(s, tc);

	tc = tcase_create("addr");
	tcase_add_test(tc, qualify_);
	tcase_add_test(tc, qualify_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("hdr");
	tcase_add_test(tc, hdr_rewrite);
	tcase_add_test(tc, hdr_removed);
	tcase_add_test(tc, hdr_resent);
	tcase_add_test(tc, hdr_errors);
	tcase_add_test(tc, hdr_complete);
	tcase_add_test(tc, hdr_is_field);
	suite_add_tcase(s, tc);

	tc = tcase_create("opt");
	tcase_add_test(tc, opt_sendmail);
	tcase_add_test(tc, opt_inject);
	suite_add_tcase(s, tc);

	tc = tcase_create("queue");
	tcase_add_test(tc, queue_status);
	tcase_add_test(tc, queue_find);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(inject_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
