/* check_smtpd: unit tests for src/smtpd without a network: command verbs,
 * MAIL/RCPT path parsing (quoting, source routes, parameters, the reply
 * code and enhanced code of every error), base64, the DATA state machine
 * (dot-unstuffing, <CRLF>.<CRLF> found across every split of the input,
 * bare CR/LF marking, hop counting, the size limit), rcpthosts and
 * morercpthosts.db matching, and AUTH PLAIN decoding and checkpassword.
 * Inputs are copied to exact-size allocations so that ASan sees any read
 * past the bytes a function was given. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "smtpd_auth.h"
#include "smtpd_cmd.h"
#include "smtpd_data.h"
#include "smtpd_relay.h"
#include "users_db.h"

/* A copy of n bytes of s in an allocation of exactly n bytes. */
static char *
exact(const char *s, size_t n)
{
	char *p = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, s, n);
	return p;
}

/* ---- verbs ---- */

static void
verb_is(const char *line, enum smtpd_cmd_verb want, size_t want_arg)
{
	size_t n = strlen(line), arg = 9999;
	char *p = exact(line, n);

	ck_assert_msg(smtpd_cmd_verb(p, n, &arg) == want, "verb of [%s]", line);
	ck_assert_msg(arg == want_arg, "arg of [%s]: %zu, want %zu", line, arg, want_arg);
	free(p);
}

START_TEST(verb_)
{
	verb_is("HELO x", SMTPD_CMD_HELO, 5);
	verb_is("EHLO client.test", SMTPD_CMD_EHLO, 5);
	verb_is("ehlo", SMTPD_CMD_EHLO, 4);
	verb_is("MAIL FROM:<>", SMTPD_CMD_MAIL, 5);
	verb_is("mAiL FROM:<>", SMTPD_CMD_MAIL, 5);
	verb_is("RCPT TO:<a@b>", SMTPD_CMD_RCPT, 5);
	verb_is("DATA", SMTPD_CMD_DATA, 4);
	verb_is("DATA ", SMTPD_CMD_DATA, 5);
	verb_is("BDAT 100 LAST", SMTPD_CMD_BDAT, 5);
	verb_is("RSET", SMTPD_CMD_RSET, 4);
	verb_is("NOOP anything", SMTPD_CMD_NOOP, 5);
	verb_is("quit", SMTPD_CMD_QUIT, 4);
	verb_is("VRFY joe", SMTPD_CMD_VRFY, 5);
	verb_is("EXPN list", SMTPD_CMD_EXPN, 5);
	verb_is("HELP", SMTPD_CMD_HELP, 4);
	verb_is("STARTTLS", SMTPD_CMD_STARTTLS, 8);
	verb_is("AUTH PLAIN", SMTPD_CMD_AUTH, 5);
	verb_is("", SMTPD_CMD_UNKNOWN, 0);
	verb_is(" MAIL FROM:<>", SMTPD_CMD_UNKNOWN, 1);
	verb_is("MAILFROM:<>", SMTPD_CMD_UNKNOWN, 11);
	verb_is("MAI", SMTPD_CMD_UNKNOWN, 3);
	verb_is("STARTTLSX", SMTPD_CMD_UNKNOWN, 9);
	verb_is("MAIL\tFROM:<>", SMTPD_CMD_UNKNOWN, 12);
	{
		size_t arg;

		/* a NUL inside the verb is not ignored */
		ck_assert_int_eq(smtpd_cmd_verb("MA\0L x", 6, &arg), SMTPD_CMD_UNKNOWN);
		ck_assert_int_eq(smtpd_cmd_verb("QUIT\0", 5, &arg), SMTPD_CMD_UNKNOWN);
	}
}
END_TEST

/* ---- paths ---- */

/* Parse s as the argument of kind into p; returns the code. */
static int
parse(enum smtpd_cmd_kind kind, const char *s, struct smtpd_cmd_path *p)
{
	size_t n = strlen(s);
	char *c = exact(s, n);
	int r = smtpd_cmd_path(kind, c, n, p);

	free(c);
	return r;
}

/* s parses as kind to addr (internal form) with local part length local_len. */
static void
path_ok(enum smtpd_cmd_kind kind, const char *s, const char *addr, size_t local_len, bool dom)
{
	struct smtpd_cmd_path p = SMTPD_CMD_PATH_INIT;
	int r = parse(kind, s, &p);

	ck_assert_msg(r == 0, "[%s]: %d %s", s, r, err_str());
	ck_assert_msg(p.addr.len == strlen(addr) && memcmp(p.addr.p ? p.addr.p : "", addr,
	    p.addr.len) == 0, "[%s] gave [%.*s], want [%s]", s, (int)p.addr.len,
	    p.addr.p ? p.addr.p : "", addr);
	ck_assert_msg(p.local_len == local_len, "[%s] local_len %zu", s, p.local_len);
	ck_assert_msg(p.has_domain == dom, "[%s] has_domain", s);
	ck_assert(!p.null);
	smtpd_cmd_path_free(&p);
}

/* s is refused with code and an error text starting with enh. */
static void
path_bad(enum smtpd_cmd_kind kind, const char *s, int code, const char *enh)
{
	struct smtpd_cmd_path p = SMTPD_CMD_PATH_INIT;
	int r = parse(kind, s, &p);

	ck_assert_msg(r == code, "[%s]: got %d (%s), want %d", s, r, err_str(), code);
	ck_assert_msg(strncmp(err_str(), enh, strlen(enh)) == 0 && err_str()[strlen(enh)] == ' ',
	    "[%s]: error [%s] does not start with %s", s, err_str(), enh);
	smtpd_cmd_path_free(&p);
}

#define M SMTPD_CMD_KIND_MAIL
#define R SMTPD_CMD_KIND_RCPT

START_TEST(path_plain)
{
	path_ok(M, "FROM:<a@b.test>", "a@b.test", 1, true);
	path_ok(M, "from:<a@b.test>", "a@b.test", 1, true);
	path_ok(M, "FROM: <a@b.test>", "a@b.test", 1, true);
	path_ok(M, "FROM:a@b.test", "a@b.test", 1, true);
	path_ok(M, "FROM:<a@b.test>   ", "a@b.test", 1, true);
	path_ok(R, "TO:<user@herald.test>", "user@herald.test", 4, true);
	path_ok(R, "to:<User.Name+tag@Herald.TEST>", "User.Name+tag@Herald.TEST", 13, true);
	path_ok(R, "TO:<user%evil.test@herald.test>", "user%evil.test@herald.test", 14, true);
	path_ok(R, "TO:<evil.test!user@herald.test>", "evil.test!user@herald.test", 14, true);
	path_ok(R, "TO:<u@[127.0.0.1]>", "u@[127.0.0.1]", 1, true);
	path_ok(R, "TO:<u@[IPv6:::1]>", "u@[IPv6:::1]", 1, true);
}
END_TEST

START_TEST(path_null_postmaster)
{
	struct smtpd_cmd_path p = SMTPD_CMD_PATH_INIT;

	ck_assert_int_eq(parse(M, "FROM:<>", &p), 0);
	ck_assert(p.null);
	ck_assert_uint_eq(p.addr.len, 0);
	ck_assert(!p.has_domain);
	ck_assert_int_eq(parse(M, "FROM:<> SIZE=10", &p), 0);
	ck_assert(p.null);
	ck_assert_uint_eq(p.size, 10);
	/* a later parse forgets the null path */
	ck_assert_int_eq(parse(M, "FROM:<a@b.test>", &p), 0);
	ck_assert(!p.null);
	smtpd_cmd_path_free(&p);

	path_ok(R, "TO:<postmaster>", "postmaster", 10, false);
	path_ok(R, "TO:<PostMaster>", "PostMaster", 10, false);
	path_ok(R, "TO:postmaster", "postmaster", 10, false);
	path_ok(R, "TO:<postmaster@herald.test>", "postmaster@herald.test", 10, true);
	path_bad(R, "TO:<>", 553, "5.1.3");
	path_bad(R, "TO:<postmasterx>", 553, "5.1.3");
	path_bad(R, "TO:<user>", 553, "5.1.3");
	/* an empty bare path, for MAIL as for RCPT */
	path_bad(M, "FROM:", 553, "5.1.3");
	path_bad(M, "FROM:   ", 553, "5.1.3");
	path_bad(R, "TO:", 553, "5.1.3");
}
END_TEST

START_TEST(path_quoted)
{
	path_ok(M, "FROM:<\"a b\"@x.test>", "a b@x.test", 3, true);
	path_ok(M, "FROM:<\"a\\\"b\"@x.test>", "a\"b@x.test", 3, true);
	path_ok(M, "FROM:<\"a\\\\b\"@x.test>", "a\\b@x.test", 3, true);
	path_ok(M, "FROM:<\"a>b\"@x.test>", "a>b@x.test", 3, true);
	path_ok(R, "TO:<\"user@evil.test\"@herald.test>", "user@evil.test@herald.test", 14, true);
	path_ok(R, "TO:<\"user\"@evil.test>", "user@evil.test", 4, true);
	path_bad(R, "TO:<\"user@evil.test\">", 553, "5.1.3");
	path_bad(R, "TO:<\"unterminated@x.test>", 501, "5.5.4");
	path_bad(R, "TO:<\"a\rb\"@x.test>", 553, "5.1.3");
	path_bad(R, "TO:<user\\@evil.test@herald.test>", 553, "5.1.3");
}
END_TEST

START_TEST(path_route)
{
	path_ok(M, "FROM:<@a.test:u@c.test>", "u@c.test", 1, true);
	path_ok(R, "TO:<@a.test,@b.test:u@c.test>", "u@c.test", 1, true);
	path_ok(R, "TO:<@[192.0.2.1]:u@c.test>", "u@c.test", 1, true);
	path_ok(R, "TO:<@herald.test:postmaster>", "postmaster", 10, false);
	path_bad(R, "TO:<@:u@c.test>", 553, "5.1.3");
	path_bad(R, "TO:<@a.test u@c.test>", 553, "5.1.3");
	path_bad(R, "TO:<@a.test,b.test:u@c.test>", 553, "5.1.3");
	path_bad(R, "TO:<@a.test,:u@c.test>", 553, "5.1.3");
	path_bad(R, "TO:<@a_b.test:u@c.test>", 553, "5.1.3");
	path_bad(R, "TO:<@a.test:>", 553, "5.1.3");
	path_bad(R, "TO:<@a.test>", 553, "5.1.3");
	path_bad(R, "TO:<:u@c.test>", 553, "5.1.3");
}
END_TEST

START_TEST(path_syntax)
{
	path_bad(M, "FROM<a@b.test>", 501, "5.5.4");
	path_bad(M, "TO:<a@b.test>", 501, "5.5.4");
	path_bad(R, "FROM:<a@b.test>", 501, "5.5.4");
	path_bad(M, "", 501, "5.5.4");
	path_bad(M, "FRO", 501, "5.5.4");
	path_bad(M, "FROM:<a@b.test", 501, "5.5.4");
	path_bad(M, "FROM:<", 501, "5.5.4");
	path_bad(R, "TO:<user@herald.test.>", 553, "5.1.3");
	path_bad(R, "TO:<user@evil.test >", 553, "5.1.3");
	path_bad(R, "TO:<user@herald.test,user@evil.test>", 553, "5.1.3");
	path_bad(R, "TO:<user@evil.test@herald.test>", 553, "5.1.3");
	path_bad(R, "TO:<user@>", 553, "5.1.3");
	path_bad(R, "TO:<@>", 553, "5.1.3");
	path_bad(R, "TO:<.user@x.test>", 553, "5.1.3");
	path_bad(R, "TO:<us..er@x.test>", 553, "5.1.3");
	path_bad(R, "TO:<u@[300.0.0.1]>", 553, "5.1.3");
	path_bad(R, "TO:<u@[herald.test]>", 553, "5.1.3");
	path_bad(R, "TO:<u@x_y.test>", 553, "5.1.3");
	path_bad(R, "TO:<u@[tag:a@herald.test]>", 553, "5.1.3");
	path_bad(M, "FROM:<u@[x:@]>", 553, "5.1.3");
	path_ok(R, "TO:<u@[tag:text]>", "u@[tag:text]", 1, true);
	/* the first '>' outside quotes ends the path; the rest is a parameter */
	path_bad(R, "TO:<a@b.test>>", 555, "5.5.4");
	path_bad(R, "TO:<user@herald.test> <user@evil.test>", 555, "5.5.4");
}
END_TEST

START_TEST(path_params)
{
	struct smtpd_cmd_path p = SMTPD_CMD_PATH_INIT;

	ck_assert_int_eq(parse(M, "FROM:<a@b.test> SIZE=123 BODY=8BITMIME SMTPUTF8", &p), 0);
	ck_assert_uint_eq(p.size, 123);
	ck_assert(p.size_given);
	ck_assert_int_eq(p.body, SMTPD_CMD_BODY_8BITMIME);
	ck_assert(p.smtputf8);
	ck_assert_int_eq(parse(M, "FROM:<a@b.test>  size=9999999999999999999  body=7bit", &p), 0);
	ck_assert_uint_eq(p.size, UINT64_C(9999999999999999999));
	ck_assert_int_eq(p.body, SMTPD_CMD_BODY_7BIT);
	ck_assert(!p.smtputf8);
	ck_assert_int_eq(parse(M, "FROM:<a@b.test>", &p), 0);
	ck_assert(!p.size_given);
	ck_assert_uint_eq(p.size, 0);
	ck_assert_int_eq(p.body, SMTPD_CMD_BODY_NONE);
	ck_assert_int_eq(parse(M, "FROM:<a@b.test> AUTH=<>", &p), 0);
	ck_assert_int_eq(parse(M, "FROM:<a@b.test> AUTH=someone@b.test", &p), 0);
	smtpd_cmd_path_free(&p);

	path_bad(M, "FROM:<a@b.test> SIZE=", 501, "5.5.4");
	path_bad(M, "FROM:<a@b.test> SIZE=12a", 501, "5.5.4");
	path_bad(M, "FROM:<a@b.test> SIZE=-1", 501, "5.5.4");
	path_bad(M, "FROM:<a@b.test> SIZE=18446744073709551616", 501, "5.5.4");
	path_bad(M, "FROM:<a@b.test> BODY=BINARYMIME", 501, "5.5.4");
	path_bad(M, "FROM:<a@b.test> BODY=", 501, "5.5.4");
	path_bad(M, "FROM:<a@b.test> SIZE", 555, "5.5.4");
	path_bad(M, "FROM:<a@b.test> FOO=bar", 555, "5.5.4");
	ck_assert_ptr_nonnull(strstr(err_str(), "FOO"));
	path_bad(M, "FROM:<a@b.test> SMTPUTF8=yes", 555, "5.5.4");
	path_bad(M, "FROM:<a@b.test> RET=HDRS", 555, "5.5.4");
	/* MAIL's parameters are not RCPT's */
	path_bad(R, "TO:<a@b.test> SIZE=1", 555, "5.5.4");
	path_bad(R, "TO:<a@b.test> BODY=7BIT", 555, "5.5.4");
	path_bad(R, "TO:<a@b.test> SMTPUTF8", 555, "5.5.4");
	path_bad(R, "TO:<a@b.test> NOTIFY=NEVER", 555, "5.5.4");
}
END_TEST

START_TEST(path_utf8)
{
	struct smtpd_cmd_path p = SMTPD_CMD_PATH_INIT;

	path_bad(M, "FROM:<j\xc3\xb6rg@b.test>", 553, "5.6.7");
	path_bad(M, "FROM:<jorg@b\xc3\xbc.test>", 553, "5.6.7");
	path_ok(M, "FROM:<j\xc3\xb6rg@b.test> SMTPUTF8", "j\xc3\xb6rg@b.test", 5, true);
	/* RCPT: allowed only in a transaction whose MAIL said SMTPUTF8 */
	ck_assert_int_eq(parse(M, "FROM:<a@b.test>", &p), 0);
	ck_assert_int_eq(parse(R, "TO:<j\xc3\xb6rg@herald.test>", &p), 553);
	ck_assert_int_eq(strncmp(err_str(), "5.6.7 ", 6), 0);
	ck_assert_int_eq(parse(R, "TO:<jorg@herald.test>", &p), 0);
	ck_assert_int_eq(parse(M, "FROM:<a@b.test> SMTPUTF8", &p), 0);
	ck_assert_int_eq(parse(R, "TO:<j\xc3\xb6rg@herald.test>", &p), 0);
	ck_assert_int_eq(parse(R, "TO:<jorg@h\xc3\xa9rald.test>", &p), 0);
	ck_assert_int_eq(parse(M, "FROM:<a@b.test>", &p), 0);
	ck_assert_int_eq(parse(R, "TO:<j\xc3\xb6rg@herald.test>", &p), 553);
	smtpd_cmd_path_free(&p);
}
END_TEST

/* ---- base64 ---- */

static void
b64_is(const char *plain, size_t n, const char *enc)
{
	struct buf e = BUF_INIT, d = BUF_INIT;
	char *c;

	ck_assert_int_eq(smtpd_cmd_base64_encode(&e, plain, n), 0);
	ck_assert_uint_eq(e.len, strlen(enc));
	ck_assert(e.len == 0 || memcmp(e.p, enc, e.len) == 0);
	c = exact(enc, strlen(enc));
	ck_assert_int_eq(smtpd_cmd_base64_decode(c, strlen(enc), &d), 0);
	ck_assert_uint_eq(d.len, n);
	ck_assert(n == 0 || memcmp(d.p, plain, n) == 0);
	free(c);
	buf_free(&e);
	buf_free(&d);
}

static void
b64_bad(const char *s, size_t n)
{
	struct buf d = BUF_INIT;
	char *c = exact(s, n);

	ck_assert_msg(smtpd_cmd_base64_decode(c, n, &d) == -1, "decoded [%.*s]", (int)n, s);
	free(c);
	buf_free(&d);
}

START_TEST(base64_)
{
	unsigned char raw[256];
	struct buf e = BUF_INIT, d = BUF_INIT;
	unsigned x = 12345;
	size_t n, i;

	b64_is("", 0, "");
	b64_is("f", 1, "Zg==");
	b64_is("fo", 2, "Zm8=");
	b64_is("foo", 3, "Zm9v");
	b64_is("foob", 4, "Zm9vYg==");
	b64_is("fooba", 5, "Zm9vYmE=");
	b64_is("foobar", 6, "Zm9vYmFy");
	b64_is("\0alice\0secret", 13, "AGFsaWNlAHNlY3JldA==");
	b64_is("\xff\xfe\xfd", 3, "//79");
	/* round trips of every length up to 256, all byte values */
	for (n = 0; n <= sizeof raw; n++) {
		for (i = 0; i < n; i++) {
			x = x * 1103515245 + 12345;
			raw[i] = (unsigned char)(x >> 16);
		}
		buf_reset(&e);
		ck_assert_int_eq(smtpd_cmd_base64_encode(&e, raw, n), 0);
		ck_assert_uint_eq(e.len, (n + 2) / 3 * 4);
		ck_assert_int_eq(smtpd_cmd_base64_decode(e.p ? e.p : "", e.len, &d), 0);
		ck_assert_uint_eq(d.len, n);
		ck_assert(n == 0 || memcmp(d.p, raw, n) == 0);
	}
	buf_free(&e);
	buf_free(&d);

	b64_bad("Z", 1);
	b64_bad("Zg", 2);
	b64_bad("Zg=", 3);
	b64_bad("Zg===", 5);
	b64_bad("Z===", 4);
	b64_bad("====", 4);
	b64_bad("==", 2);
	b64_bad("Zg==Zg==", 8);
	b64_bad("Zm9v!", 5);
	b64_bad("Zm 9v", 5);
	b64_bad("Zm9v\r\n", 6);
	b64_bad("Zm\0v", 4);
	b64_bad("Zm9-", 4);
	b64_bad("Zm9_", 4);
}
END_TEST

/* ---- DATA ---- */

/* Feed in (n bytes) in chunks of chunk bytes (0: all at once) until the
 * end; returns the bytes used, the message in out. */
static size_t
feed(struct smtpd_data *d, uint64_t max, const char *in, size_t n, size_t chunk, struct buf *out)
{
	size_t pos = 0, len, used;
	char *c;

	smtpd_data_init(d, max);
	buf_reset(out);
	while (pos < n && !smtpd_data_done(d)) {
		len = chunk && n - pos > chunk ? chunk : n - pos;
		c = exact(in + pos, len);
		used = smtpd_data_feed(d, c, len, out);
		free(c);
		ck_assert_uint_le(used, len);
		if (used < len)
			ck_assert(smtpd_data_done(d));
		pos += used;
	}
	return pos;
}

/* in gives the message want, ends (the end is followed by rest bytes), no bare line ends. */
static void
data_is(const char *in, const char *want, size_t rest)
{
	struct smtpd_data d;
	struct buf out = BUF_INIT;
	size_t n = strlen(in), used;

	used = feed(&d, 0, in, n, 0, &out);
	ck_assert_msg(smtpd_data_done(&d), "no end in [%s]", in);
	ck_assert_uint_eq(used, n - rest);
	ck_assert_msg(!d.bare, "bare in [%s]", in);
	ck_assert_msg(out.len == strlen(want) && memcmp(out.p ? out.p : "", want, out.len) == 0,
	    "[%s] gave [%.*s] want [%s]", in, (int)out.len, out.p ? out.p : "", want);
	ck_assert_uint_eq(d.size, out.len);
	buf_free(&out);
}

START_TEST(data_basic)
{
	data_is(".\r\n", "", 0);
	data_is("Subject: a\r\n\r\nbody\r\n.\r\n", "Subject: a\n\nbody\n", 0);
	data_is("..leading dot\r\n.\r\n", ".leading dot\n", 0);
	data_is("a\r\n...\r\n.\r\n", "a\n..\n", 0);
	data_is("a\r\n.x\r\n.\r\n", "a\nx\n", 0);
	data_is("a\r\n. \r\n.\r\n", "a\n \n", 0);
	data_is("a\r\n..\r\n.\r\n", "a\n.\n", 0);
	data_is("a.\r\nb\r\n.\r\n", "a.\nb\n", 0);
	data_is("\r\n\r\n.\r\n", "\n\n", 0);
	data_is("8bit \xc3\xa9\x01\x7f\r\n.\r\n", "8bit \xc3\xa9\x01\x7f\n", 0);
	data_is("a\r\n.\r\nQUIT\r\n", "a\n", 6);
	data_is("a\r\n.\r\n.\r\n", "a\n", 3);
}
END_TEST

/* NUL bytes are data: data_is cannot say so with C strings. */
START_TEST(data_nul)
{
	static const char in[] = "a\0b\r\n.\r\n";
	struct smtpd_data d;
	struct buf out = BUF_INIT;

	ck_assert_uint_eq(feed(&d, 0, in, sizeof in - 1, 1, &out), sizeof in - 1);
	ck_assert(smtpd_data_done(&d));
	ck_assert_uint_eq(out.len, 4);
	ck_assert_int_eq(memcmp(out.p, "a\0b\n", 4), 0);
	buf_free(&out);
}
END_TEST

START_TEST(data_no_end)
{
	static const char *const ins[] = {
		"a\r\n", "a\r\n.", "a\r\n.\r", "a\r\n..\r\n", "a\r\n. \r\n", "a\r\n.\r\r\n",
		"a.\r\n", "a\r\n.a\r\n", "a\r\n\r.\r\n",
	};
	struct smtpd_data d;
	struct buf out = BUF_INIT;
	size_t i, n;

	for (i = 0; i < sizeof ins / sizeof *ins; i++) {
		n = strlen(ins[i]);
		ck_assert_uint_eq(feed(&d, 0, ins[i], n, 0, &out), n);
		ck_assert_msg(!smtpd_data_done(&d), "ended: [%s]", ins[i]);
	}
	buf_free(&out);
}
END_TEST

/* The same message and the same end, whatever the split of the input. */
START_TEST(data_splits)
{
	static const char in[] = "Received: x\r\nSubject: y\r\n\r\n..dot\r\nline\r\n\r\n.\r\nNOOP\r\n";
	static const char want[] = "Received: x\nSubject: y\n\n.dot\nline\n\n";
	size_t n = sizeof in - 1, endpos = n - 6, k, used, chunk;
	struct smtpd_data d;
	struct buf out = BUF_INIT;
	char *a, *b;

	/* two feeds, split at every byte boundary */
	for (k = 0; k <= n; k++) {
		smtpd_data_init(&d, 0);
		buf_reset(&out);
		a = exact(in, k);
		b = exact(in + k, n - k);
		used = smtpd_data_feed(&d, a, k, &out);
		if (k <= endpos) {
			ck_assert_uint_eq(used, k);
			/* the end is seen exactly when its last byte is fed */
			ck_assert_msg(smtpd_data_done(&d) == (k == endpos), "split %zu", k);
			if (!smtpd_data_done(&d))
				used += smtpd_data_feed(&d, b, n - k, &out);
		} else
			ck_assert_uint_eq(used, endpos);
		free(a);
		free(b);
		ck_assert(smtpd_data_done(&d));
		ck_assert_uint_eq(used, endpos);
		ck_assert(!d.bare);
		ck_assert_uint_eq(d.hops, 1);
		ck_assert_uint_eq(out.len, sizeof want - 1);
		ck_assert_int_eq(memcmp(out.p, want, out.len), 0);
	}
	/* every chunk size */
	for (chunk = 1; chunk <= n; chunk++) {
		ck_assert_uint_eq(feed(&d, 0, in, n, chunk, &out), endpos);
		ck_assert(smtpd_data_done(&d));
		ck_assert_uint_eq(out.len, sizeof want - 1);
		ck_assert_int_eq(memcmp(out.p, want, out.len), 0);
		ck_assert_uint_eq(d.hops, 1);
	}
	/* a finished machine takes nothing more */
	ck_assert_uint_eq(smtpd_data_feed(&d, "x\r\n.\r\n", 6, &out), 0);
	ck_assert_uint_eq(out.len, sizeof want - 1);
	buf_free(&out);
}
END_TEST

/* Bare CR and LF: flagged, and never an end of data, however split. */
START_TEST(data_bare)
{
	static const char *const fake[] = {
		"\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\r",
		"\n", "\r", "\r\r\n", "\n\r\n",
	};
	static const char smuggled[] =
	    "MAIL FROM:<x@evil.test>\r\nRCPT TO:<victim@herald.test>\r\nDATA\r\nsmuggled";
	struct smtpd_data d;
	struct buf in = BUF_INIT, out = BUF_INIT;
	size_t i, chunk;

	for (i = 0; i < sizeof fake / sizeof *fake; i++) {
		buf_reset(&in);
		ck_assert_int_eq(buf_printf(&in, "Subject: s\r\n\r\nbody%s%s\r\n.\r\n", fake[i],
		    smuggled), 0);
		for (chunk = 0; chunk <= in.len; chunk++) {
			ck_assert_uint_eq(feed(&d, 0, in.p, in.len, chunk, &out), in.len);
			ck_assert_msg(smtpd_data_done(&d), "fake end %zu chunk %zu", i, chunk);
			ck_assert_msg(d.bare, "fake end %zu chunk %zu not flagged", i, chunk);
			/* the text after the fake end is part of the same message */
			ck_assert_ptr_nonnull(memmem(out.p, out.len, "smuggled", 8));
		}
	}
	/* ".\r" followed by anything but LF */
	ck_assert_uint_eq(feed(&d, 0, "a\r\n.\rb\r\n.\r\n", 11, 0, &out), 11);
	ck_assert(d.bare);
	ck_assert(smtpd_data_done(&d));
	/* a CRLF-only message is clean */
	ck_assert_uint_eq(feed(&d, 0, "a\r\nb\r\n.\r\n", 9, 1, &out), 9);
	ck_assert(!d.bare);
	buf_free(&in);
	buf_free(&out);
}
END_TEST

/* A header with n fields "name: x" (and others around them), then a body. */
static void
hops_msg(struct buf *b, const char *name, unsigned n)
{
	unsigned i;

	buf_reset(b);
	ck_assert_int_eq(buf_adds(b, "Subject: hops\r\n"), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(buf_printf(b, "%s x%u\r\n\tcontinued\r\n", name, i), 0);
	ck_assert_int_eq(buf_adds(b, "X-Received: no\r\nFrom: a@b.test\r\n\r\n"
	    "Received: in the body\r\nDelivered-To: in the body\r\n.\r\n"), 0);
}

START_TEST(data_hops)
{
	struct smtpd_data d;
	struct buf in = BUF_INIT, out = BUF_INIT;
	size_t chunk;

	hops_msg(&in, "Received:", 100);
	feed(&d, 0, in.p, in.len, 0, &out);
	ck_assert_uint_eq(d.hops, 100);
	hops_msg(&in, "Received:", 101);
	feed(&d, 0, in.p, in.len, 0, &out);
	ck_assert_uint_eq(d.hops, 101);
	hops_msg(&in, "received:", 7);
	feed(&d, 0, in.p, in.len, 0, &out);
	ck_assert_uint_eq(d.hops, 7);
	hops_msg(&in, "DELIVERED-TO:", 5);
	feed(&d, 0, in.p, in.len, 0, &out);
	ck_assert_uint_eq(d.hops, 5);
	hops_msg(&in, "Received-SPF:", 5);
	feed(&d, 0, in.p, in.len, 0, &out);
	ck_assert_uint_eq(d.hops, 0);
	hops_msg(&in, "Delivered-To", 5);
	feed(&d, 0, in.p, in.len, 0, &out);
	ck_assert_uint_eq(d.hops, 0);
	/* the count does not depend on how the input arrives */
	hops_msg(&in, "Received:", 3);
	for (chunk = 1; chunk <= in.len; chunk++) {
		feed(&d, 0, in.p, in.len, chunk, &out);
		ck_assert_uint_eq(d.hops, 3);
	}
	/* no header: the first line is empty */
	feed(&d, 0, "\r\nReceived: x\r\n.\r\n", 18, 0, &out);
	ck_assert_uint_eq(d.hops, 0);
	buf_free(&in);
	buf_free(&out);
}
END_TEST

START_TEST(data_size)
{
	static const char in[] = "0123456789\r\n.\r\n";     /* 11 bytes of message */
	struct smtpd_data d;
	struct buf out = BUF_INIT, big = BUF_INIT;
	size_t chunk, i;

	for (chunk = 0; chunk <= sizeof in - 1; chunk++) {
		ck_assert_uint_eq(feed(&d, 11, in, sizeof in - 1, chunk, &out), sizeof in - 1);
		ck_assert(!d.toobig);
		ck_assert_uint_eq(out.len, 11);
		ck_assert_uint_eq(feed(&d, 10, in, sizeof in - 1, chunk, &out), sizeof in - 1);
		ck_assert(smtpd_data_done(&d));
		ck_assert(d.toobig);
		ck_assert_uint_eq(out.len, 0);
		ck_assert_uint_eq(d.size, 11);
	}
	/* far over the limit: nothing is kept, the end is still found */
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(buf_adds(&big, "a line of text that is long enough\r\n"), 0);
	ck_assert_int_eq(buf_adds(&big, ".\r\nQUIT\r\n"), 0);
	ck_assert_uint_eq(feed(&d, 100, big.p, big.len, 4096, &out), big.len - 6);
	ck_assert(smtpd_data_done(&d));
	ck_assert(d.toobig);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_uint_eq(d.size, 1000 * 35);
	/* no limit */
	ck_assert_uint_eq(feed(&d, 0, big.p, big.len, 4096, &out), big.len - 6);
	ck_assert(!d.toobig);
	ck_assert_uint_eq(out.len, 1000 * 35);
	buf_free(&out);
	buf_free(&big);
}
END_TEST

/* ---- relay ---- */

static int
ours(struct smtpd_relay *r, const char *dom)
{
	size_t n = strlen(dom);
	char *c = exact(dom, n);
	int v = smtpd_relay_ours(r, c, n);

	free(c);
	return v;
}

START_TEST(relay_rcpthosts)
{
	struct smtpd_relay r;

	memset(&r, 0, sizeof r);
	ck_assert_int_eq(ours(&r, "herald.test"), 0);  /* nothing listed: nothing accepted */
	ck_assert_int_eq(smtpd_relay_add(&r, "herald.test"), 0);
	ck_assert_int_eq(smtpd_relay_add(&r, ".sub.herald.test"), 0);
	ck_assert_int_eq(smtpd_relay_add(&r, "Upper.TEST"), 0);
	ck_assert_int_eq(ours(&r, "herald.test"), 1);
	ck_assert_int_eq(ours(&r, "HERALD.TEST"), 1);
	ck_assert_int_eq(ours(&r, "Herald.Test"), 1);
	ck_assert_int_eq(ours(&r, "upper.test"), 1);
	ck_assert_int_eq(ours(&r, "a.sub.herald.test"), 1);
	ck_assert_int_eq(ours(&r, "A.B.SUB.HERALD.TEST"), 1);
	ck_assert_int_eq(ours(&r, "sub.herald.test"), 0);      /* ".x" is for subdomains only */
	ck_assert_int_eq(ours(&r, "x.herald.test"), 0);        /* "x" is for x only */
	ck_assert_int_eq(ours(&r, "evilherald.test"), 0);
	ck_assert_int_eq(ours(&r, "evil.sub.herald.test.evil.test"), 0);
	ck_assert_int_eq(ours(&r, "herald.test.evil.test"), 0);
	ck_assert_int_eq(ours(&r, "erald.test"), 0);
	ck_assert_int_eq(ours(&r, "herald.tes"), 0);
	ck_assert_int_eq(ours(&r, "herald.test."), 0);
	ck_assert_int_eq(ours(&r, ".herald.test"), 0);
	ck_assert_int_eq(ours(&r, "test"), 0);
	ck_assert_int_eq(ours(&r, ""), 0);
	ck_assert_int_eq(ours(&r, "[127.0.0.1]"), 0);
	ck_assert_int_eq(smtpd_relay_add(&r, "[127.0.0.1]"), 0);
	ck_assert_int_eq(ours(&r, "[127.0.0.1]"), 1);
	smtpd_relay_free(&r);
}
END_TEST

START_TEST(relay_more)
{
	static const char text[] = "# more\nmore.test\n  .sub.more.test \t\r\n\nUPPERMORE.TEST\n"
	    "more.test\nlast.test";
	char dir[] = "/tmp/check_smtpd.XXXXXX", db[64], bad[64];
	struct smtpd_relay r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db, sizeof db, "%s/morercpthosts.db", dir);
	snprintf(bad, sizeof bad, "%s/bad.db", dir);
	ck_assert_int_eq(smtpd_relay_compile(text, sizeof text - 1, "control/morercpthosts", db), 0);
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(smtpd_relay_add(&r, "herald.test"), 0);
	ck_assert_int_eq(users_db_init(&r.more, db), 0);
	r.have_more = true;
	ck_assert_int_eq(ours(&r, "herald.test"), 1);
	ck_assert_int_eq(ours(&r, "more.test"), 1);
	ck_assert_int_eq(ours(&r, "MORE.test"), 1);
	ck_assert_int_eq(ours(&r, "uppermore.test"), 1);
	ck_assert_int_eq(ours(&r, "last.test"), 1);
	ck_assert_int_eq(ours(&r, "a.sub.more.test"), 1);
	ck_assert_int_eq(ours(&r, "sub.more.test"), 0);
	ck_assert_int_eq(ours(&r, "x.more.test"), 0);
	ck_assert_int_eq(ours(&r, "evilmore.test"), 0);
	ck_assert_int_eq(ours(&r, "more.test.evil.test"), 0);
	ck_assert_int_eq(ours(&r, "# more"), 0);
	smtpd_relay_free(&r);

	/* a bad line: an error naming it, and no database */
	ck_assert_int_eq(smtpd_relay_compile("ok.test\nnot a domain\n", 21, "control/morercpthosts",
	    bad), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "control/morercpthosts:2"));
	ck_assert_int_eq(access(bad, F_OK), -1);
	unlink(db);
	rmdir(dir);
}
END_TEST

/* ---- AUTH ---- */

/* AUTH PLAIN of the n raw bytes: the result, user and password. */
static int
plain(const char *raw, size_t n, struct buf *user, struct buf *pass)
{
	struct buf b = BUF_INIT;
	int r;

	ck_assert_int_eq(smtpd_cmd_base64_encode(&b, raw, n), 0);
	r = smtpd_auth_plain(b.p ? b.p : "", b.len, user, pass);
	buf_free(&b);
	return r;
}

START_TEST(auth_plain)
{
	struct buf user = BUF_INIT, pass = BUF_INIT;

	ck_assert_int_eq(plain("\0alice\0secret", 13, &user, &pass), 0);
	ck_assert_str_eq(user.p, "alice");
	ck_assert_str_eq(pass.p, "secret");
	ck_assert_int_eq(plain("alice\0alice\0pw", 14, &user, &pass), 0);
	ck_assert_str_eq(user.p, "alice");
	ck_assert_str_eq(pass.p, "pw");
	ck_assert_int_eq(plain("\0alice\0", 7, &user, &pass), 0);
	ck_assert_uint_eq(pass.len, 0);
	/* acting for another user, no user, missing parts, NUL in the password */
	ck_assert_int_eq(plain("bob\0alice\0secret", 16, &user, &pass), -1);
	ck_assert_int_eq(plain("alic\0alice\0secret", 17, &user, &pass), -1);
	ck_assert_int_eq(plain("\0\0secret", 8, &user, &pass), -1);
	ck_assert_int_eq(plain("\0alice", 6, &user, &pass), -1);
	ck_assert_int_eq(plain("alice", 5, &user, &pass), -1);
	ck_assert_int_eq(plain("", 0, &user, &pass), -1);
	ck_assert_int_eq(plain("\0alice\0se\0cret", 15, &user, &pass), -1);
	/* not base64 */
	ck_assert_int_eq(smtpd_auth_plain("AGFsaWNlAHNlY3JldA=", 19, &user, &pass), -1);
	ck_assert_int_eq(smtpd_auth_plain("*", 1, &user, &pass), -1);
	buf_free(&user);
	buf_free(&pass);
}
END_TEST

START_TEST(auth_check)
{
	char *ok[] = { "/bin/true", NULL };
	char *no[] = { "/bin/false", NULL };
	char *tmp[] = { "/bin/sh", "-c", "exit 2", NULL };
	char *sig[] = { "/bin/sh", "-c", "kill -9 $$", NULL };
	char *missing[] = { "/nonexistent/checkpassword", NULL };
	/* reads user NUL password NUL timestamp NUL on descriptor 3 */
	char *reads[] = { "/bin/sh", "-c",
		"tr '\\0' '\\n' <&3 | { read u; read p; read t; "
		"[ \"$u\" = alice ] && [ \"$p\" = 'se cret' ] && "
		"case $t in '<'*'@herald>') exit 0;; esac; exit 1; }", NULL };
	char big[600];

	signal(SIGPIPE, SIG_IGN);       /* as herald-smtpd does: a checker may exit unread */
	ck_assert_int_eq(smtpd_auth_check(ok, "alice", 5, "pw", 2), 0);
	ck_assert_int_eq(smtpd_auth_check(no, "alice", 5, "pw", 2), 1);
	ck_assert_int_eq(smtpd_auth_check(tmp, "alice", 5, "pw", 2), -1);
	ck_assert_int_eq(smtpd_auth_check(sig, "alice", 5, "pw", 2), -1);
	ck_assert_int_eq(smtpd_auth_check(missing, "alice", 5, "pw", 2), -1);
	/* with descriptor 3 taken in this process: the pipe gets another one */
	{
		int held = fcntl(3, F_GETFD) == -1 ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1;

		ck_assert_int_eq(smtpd_auth_check(reads, "alice", 5, "se cret", 7), 0);
		ck_assert_int_eq(smtpd_auth_check(reads, "alice", 5, "secret", 6), 1);
		ck_assert_int_eq(smtpd_auth_check(reads, "bob", 3, "se cret", 7), 1);
		if (held != -1)
			close(held);
	}
	/* as in herald-smtpd, with only descriptors 0-2 open, so that the
	 * pipe's read end is descriptor 3 already */
	{
		int saved = fcntl(3, F_DUPFD_CLOEXEC, 10), r;

		close(3);
		r = smtpd_auth_check(reads, "alice", 5, "se cret", 7);
		if (saved != -1) {
			dup2(saved, 3);
			close(saved);
		}
		ck_assert_msg(r == 0, "checkpassword got no descriptor 3 when it was free: %d", r);
	}
	/* too long, or a NUL in the user name: refused without running anything */
	memset(big, 'a', sizeof big);
	ck_assert_int_eq(smtpd_auth_check(ok, "alice", 5, big, sizeof big), 1);
	ck_assert_int_eq(smtpd_auth_check(ok, "ali\0ce", 6, "pw", 2), 1);
}
END_TEST

static Suite *
smtpd_suite(void)
{
	Suite *s = suite_create("smtpd");
	TCase *tc;

	tc = tcase_create("cmd");
	tcase_add_test(tc, verb_);
	tcase_add_test(tc, path_plain);
	tcase_add_test(tc, path_null_postmaster);
	tcase_add_test(tc, path_quoted);
	tcase_add_test(tc, path_route);
	tcase_add_test(tc, path_syntax);
	tcase_add_test(tc, path_params);
	tcase_add_test(tc, path_utf8);
	tcase_add_test(tc, base64_);
	suite_add_tcase(s, tc);

	tc = tcase_create("data");
	tcase_add_test(tc, data_basic);
	tcase_add_test(tc, data_nul);
	tcase_add_test(tc, data_no_end);
	tcase_add_test(tc, data_splits);
	tcase_add_test(tc, data_bare);
	tcase_add_test(tc, data_hops);
	tcase_add_test(tc, data_size);
	suite_add_tcase(s, tc);

	tc = tcase_create("relay");
	tcase_add_test(tc, relay_rcpthosts);
	tcase_add_test(tc, relay_more);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth");
	tcase_add_test(tc, auth_plain);
	tcase_add_test(tc, auth_check);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(smtpd_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
