/* check_smtpc: unit tests for src/remote's SMTP client machine: the reply
 * parser (every chunking, multi-line, errors, enhanced codes), EHLO
 * capabilities, the session (greeting, HELO fallback, STARTTLS policies,
 * QUIT, 421, lost connections), the exact bytes of pipelined and one-by-one
 * transactions, per-recipient outcomes, RSET between transactions, and the
 * body encoder (CRLF, dot stuffing, random bodies in random chunks). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpc.h"
#include "smtpc_body.h"
#include "smtpc_reply.h"

#define PEER "mx.example[192.0.2.1]"
#define EHLO_PIPE "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n" \
	"250 ENHANCEDSTATUSCODES\r\n"
#define EHLO_PLAIN "250-mx.example\r\n250 SIZE 1000\r\n"

/* Feed str in chunks of at most chunk bytes; the one event it gave (or NONE). */
static enum smtpc_event
feedn(struct smtpc *s, const char *str, size_t chunk)
{
	size_t n = strlen(str), off = 0, used, k;
	enum smtpc_event ev, got = SMTPC_EV_NONE;

	while (off < n) {
		k = n - off < chunk ? n - off : chunk;
		ev = smtpc_feed(s, str + off, k, &used);
		ck_assert_uint_gt(used, 0);
		off += used;
		if (ev != SMTPC_EV_NONE) {
			ck_assert_int_eq(got, SMTPC_EV_NONE);
			got = ev;
		}
	}
	return got;
}

static enum smtpc_event
feed(struct smtpc *s, const char *str)
{
	return feedn(s, str, (size_t)-1);
}

/* Check what smtpc wants to send, and take it. */
static void
sent(struct smtpc *s, const char *want)
{
	struct buf *o = smtpc_output(s);

	ck_assert_str_eq(o->len ? o->p : "", want);
	buf_reset(o);
}

static void
open_session(struct smtpc *s, const char *ehlo, enum smtpc_tls tls)
{
	ck_assert_int_eq(smtpc_init(s, "me.example", PEER, tls), 0);
	ck_assert_int_eq(smtpc_waiting(s), SMTPC_WAIT_GREETING);
	ck_assert_int_eq(feed(s, "220 mx.example ESMTP\r\n"), SMTPC_EV_NONE);
	sent(s, "EHLO me.example\r\n");
	ck_assert_int_eq(smtpc_waiting(s), SMTPC_WAIT_EHLO);
	ck_assert_int_eq(feed(s, ehlo), SMTPC_EV_READY);
	ck_assert(smtpc_ready(s));
	sent(s, "");
}

/* Start a transaction to the NULL-terminated rcpts (ids 100, 101, ...). */
static enum smtpc_event
start(struct smtpc *s, const char *sender, const char *const *rcpts, uint64_t size,
    bool body8, bool utf8)
{
	struct smtpc_addr a[16];
	struct smtpc_txn t;
	size_t n;

	for (n = 0; rcpts[n]; n++) {
		a[n].p = rcpts[n];
		a[n].len = strlen(rcpts[n]);
		a[n].id = 100 + n;
	}
	t.sender = sender;
	t.sender_len = strlen(sender);
	t.rcpt = a;
	t.nrcpt = n;
	t.size = size;
	t.body8 = body8;
	t.smtputf8 = utf8;
	return smtpc_txn_start(s, &t);
}

/* Check recipient i's result (text: NULL to skip). */
static void
res(struct smtpc *s, size_t i, enum smtpc_status st, enum smtpc_cmd cmd, const char *esc,
    const char *text)
{
	const struct smtpc_result *r = smtpc_result(s, i);

	ck_assert_uint_eq(r->id, 100 + i);
	ck_assert_int_eq(r->status, st);
	ck_assert_int_eq(r->cmd, cmd);
	ck_assert_str_eq(r->esc, esc);
	if (text)
		ck_assert_str_eq(r->text.p, text);
	ck_assert_ptr_nonnull(strstr(r->text.p, "(#"));
}

/* reply parser */

static const struct {
	const char *in, *esc, *show;
	int code;
} replies[] = {
	{ "220 mx ready\r\n", "", "220 mx ready", 220 },
	{ "250\r\n", "", "250", 250 },
	{ "250 \n", "", "250", 250 },
	{ "250-a\r\n250-b\n250 c\r\n", "", "250 a b c", 250 },
	{ "550 5.1.1 No such user\r\n", "5.1.1", "550 5.1.1 No such user", 550 },
	{ "550-5.1.1 The account\r\n550-5.1.1 does not\r\n550 5.1.1 exist\r\n", "5.1.1",
	  "550 5.1.1 The account does not exist", 550 },
	{ "250-2.0.0 first\r\n250 second\r\n", "", "250 2.0.0 first second", 250 },
	{ "550 4.1.1 class differs\r\n", "", "550 4.1.1 class differs", 550 },
	{ "550 5.1234.1 too long\r\n", "", "550 5.1234.1 too long", 550 },
	{ "550 5.1.1x\r\n", "", "550 5.1.1x", 550 },
	{ "451 4.3.0\r\n", "4.3.0", "451 4.3.0", 451 },
	{ "250 2.1.5 ok\r\n", "2.1.5", "250 2.1.5 ok", 250 },
	{ "554 bad\x01\xff text\r\n", "", "554 bad?? text", 554 },
	{ "421-a\r\n421\r\n", "", "421 a", 421 },
};

START_TEST(reply_every_split)
{
	size_t n = strlen(replies[_i].in), cut, used, off;
	struct buf b = BUF_INIT;

	for (cut = 0; cut <= n; cut++) {
		struct smtpc_reply r = SMTPC_REPLY_INIT;
		int rv = 0;

		/* two pieces split at cut, then byte by byte when cut == n */
		for (off = 0; off < n; off += used) {
			size_t k = cut == n ? 1 : off < cut ? cut - off : n - off;

			ck_assert_int_eq(rv, 0);
			rv = smtpc_reply_feed(&r, replies[_i].in + off, k, &used);
			ck_assert_int_ge(rv, 0);
			ck_assert_uint_eq(used, k);
		}
		ck_assert_int_eq(rv, 1);
		ck_assert_int_eq(r.code, replies[_i].code);
		ck_assert_str_eq(r.esc, replies[_i].esc);
		buf_reset(&b);
		ck_assert_int_eq(smtpc_reply_show(&r, &b), 0);
		ck_assert_str_eq(b.p, replies[_i].show);
		smtpc_reply_free(&r);
	}
	buf_free(&b);
}
END_TEST

START_TEST(reply_two_in_one)
{
	struct smtpc_reply r = SMTPC_REPLY_INIT;
	const char *in = "250-a\r\n250 b\r\n354 go\r\n";
	size_t used;

	ck_assert_int_eq(smtpc_reply_feed(&r, in, strlen(in), &used), 1);
	ck_assert_uint_eq(used, 14);
	ck_assert_int_eq(r.code, 250);
	ck_assert_int_eq(smtpc_reply_feed(&r, in + 14, strlen(in) - 14, &used), 1);
	ck_assert_int_eq(r.code, 354);
	ck_assert_uint_eq(r.nlines, 1);
	ck_assert_str_eq(r.text.p, "go");
	smtpc_reply_free(&r);
}
END_TEST

START_TEST(reply_errors)
{
	static const char *const bad[] = {
		"25 x\r\n", "2500 x\r\n", "25a x\r\n", "\r\n", "abc\r\n", "250_x\r\n",
		"250-a\r\n251 b\r\n", "250-a\r\n550-b\r\n", " 250 x\r\n",
	};
	struct smtpc_reply r = SMTPC_REPLY_INIT;
	struct buf b = BUF_INIT;
	size_t i, used;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		smtpc_reply_reset(&r);
		ck_assert_msg(smtpc_reply_feed(&r, bad[i], strlen(bad[i]), &used) == -1, "%s", bad[i]);
	}
	/* a line of exactly the limit is fine, one byte more is not */
	for (i = 0; i < 2; i++) {
		smtpc_reply_reset(&r);
		buf_reset(&b);
		buf_adds(&b, "250 ");
		while (b.len < SMTPC_REPLY_LINE_MAX + i)
			buf_addc(&b, 'x');
		buf_adds(&b, "\r\n");
		ck_assert_int_eq(smtpc_reply_feed(&r, b.p, b.len, &used), i ? -1 : 1);
	}
	/* without a line end, too: the parser does not wait for ever */
	smtpc_reply_reset(&r);
	buf_reset(&b);
	while (b.len < SMTPC_REPLY_LINE_MAX + 2)
		buf_adds(&b, "2");
	ck_assert_int_eq(smtpc_reply_feed(&r, b.p, b.len, &used), -1);
	/* at most SMTPC_REPLY_LINES_MAX lines */
	for (i = 0; i < 2; i++) {
		size_t k;

		smtpc_reply_reset(&r);
		buf_reset(&b);
		for (k = 1; k < SMTPC_REPLY_LINES_MAX + i; k++)
			buf_adds(&b, "250-line\r\n");
		buf_adds(&b, "250 end\r\n");
		ck_assert_int_eq(smtpc_reply_feed(&r, b.p, b.len, &used), i ? -1 : 1);
		if (i == 0)
			ck_assert_uint_le(r.text.len, SMTPC_REPLY_KEEP);
	}
	smtpc_reply_free(&r);
	buf_free(&b);
}
END_TEST

START_TEST(reply_show_cut)
{
	struct smtpc_reply r = SMTPC_REPLY_INIT;
	struct buf b = BUF_INIT, out = BUF_INIT;
	size_t used, k;

	for (k = 0; k < 20; k++)
		buf_printf(&b, "550-5.7.1 %0100d\r\n", 0);
	buf_adds(&b, "550 5.7.1 end\r\n");
	ck_assert_int_eq(smtpc_reply_feed(&r, b.p, b.len, &used), 1);
	ck_assert_int_eq(smtpc_reply_show(&r, &out), 0);
	ck_assert_uint_eq(out.len, SMTPC_REPLY_SHOW + 3);
	ck_assert_str_eq(out.p + out.len - 3, "...");
	smtpc_reply_free(&r);
	buf_free(&b);
	buf_free(&out);
}
END_TEST

/* session */

START_TEST(ehlo_caps)
{
	static const struct {
		const char *ehlo;
		bool pipe, b8, tls, utf8, esc, size;
		unsigned long long max;
	} t[] = {
		{ "250 mx\r\n", 0, 0, 0, 0, 0, 0, 0 },
		{ EHLO_PIPE, 1, 1, 0, 0, 1, 1, 1000 },
		{ "250-mx\r\n250-pipelining\r\n250-Size\r\n250-STARTTLS\r\n250 SMTPUTF8\r\n",
		  1, 0, 1, 1, 0, 1, 0 },
		{ "250-mx\r\n250-AUTH PLAIN LOGIN\r\n250-SIZE 0\r\n250 8BITMIMEX\r\n",
		  0, 0, 0, 0, 0, 1, 0 },
		{ "250-mx\r\n250-SIZE 99999999999999999999999\r\n250 PIPELININGS\r\n",
		  0, 0, 0, 0, 0, 1, 0 },
		{ "250-mx PIPELINING\r\n250 SIZE 52428800\n", 0, 0, 0, 0, 0, 1, 52428800 },
	};
	struct smtpc s;
	const struct smtpc_caps *c;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		open_session(&s, t[i].ehlo, SMTPC_TLS_NONE);
		c = smtpc_caps(&s);
		ck_assert(c->esmtp);
		ck_assert_msg(c->pipelining == t[i].pipe && c->eightbitmime == t[i].b8 &&
		    c->starttls == t[i].tls && c->smtputf8 == t[i].utf8 &&
		    c->enhancedstatuscodes == t[i].esc && c->size == t[i].size &&
		    c->size_max == t[i].max, "caps %zu", i);
		smtpc_free(&s);
	}
}
END_TEST

START_TEST(greeting_fails)
{
	struct smtpc s;
	const struct smtpc_failure *f;

	ck_assert_int_eq(smtpc_init(&s, "me.example", PEER, SMTPC_TLS_NONE), 0);
	ck_assert_int_eq(feed(&s, "554 5.7.1 go away\r\n"), SMTPC_EV_FAILED);
	f = smtpc_failure(&s);
	ck_assert_str_eq(f->text.p, PEER " said: 554 5.7.1 go away (at the greeting) (#5.7.1)");
	ck_assert_int_eq(f->status, SMTPC_PERMFAIL);
	ck_assert_int_eq(f->cmd, SMTPC_CMD_GREETING);
	ck_assert_int_eq(f->wait, SMTPC_WAIT_GREETING);
	ck_assert(!f->said_421);
	ck_assert_uint_eq(smtpc_nresults(&s), 0);
	ck_assert(smtpc_quit(&s));
	sent(&s, "QUIT\r\n");
	ck_assert_int_eq(feed(&s, "221 bye\r\n"), SMTPC_EV_CLOSED);
	smtpc_free(&s);

	ck_assert_int_eq(smtpc_init(&s, "me.example", PEER, SMTPC_TLS_NONE), 0);
	ck_assert_int_eq(feed(&s, "421 busy\r\n"), SMTPC_EV_FAILED);
	f = smtpc_failure(&s);
	ck_assert(f->said_421);
	ck_assert_str_eq(f->esc, "4.0.0");
	ck_assert_str_eq(f->text.p, PEER " said: 421 busy (at the greeting) (#4.0.0)");
	ck_assert(!smtpc_quit(&s));
	ck_assert_int_eq(smtpc_lost(&s, NULL), SMTPC_EV_CLOSED);
	smtpc_free(&s);

	/* anything but 220, even a 2xx */
	ck_assert_int_eq(smtpc_init(&s, "me.example", PEER, SMTPC_TLS_NONE), 0);
	ck_assert_int_eq(feed(&s, "250 hi\r\n"), SMTPC_EV_FAILED);
	smtpc_free(&s);
	/* garbage */
	ck_assert_int_eq(smtpc_init(&s, "me.example", PEER, SMTPC_TLS_NONE), 0);
	ck_assert_int_eq(feed(&s, "HTTP/1.0 400\r\n"), SMTPC_EV_FAILED);
	ck_assert_str_eq(smtpc_failure(&s)->text.p, "Protocol error from " PEER
	    ": malformed reply line (no 3-digit code): \"HTTP/1.0 400\" (#4.5.0)");
	smtpc_free(&s);
	ck_assert_int_eq(smtpc_init(&s, "bad name", PEER, SMTPC_TLS_NONE), -1);
	ck_assert_int_eq(smtpc_init(&s, "a\r\nQUIT", PEER, SMTPC_TLS_NONE), -1);
}
END_TEST

START_TEST(helo_fallback)
{
	struct smtpc s;

	ck_assert_int_eq(smtpc_init(&s, "me.example", PEER, SMTPC_TLS_OPPORTUNISTIC), 0);
	feed(&s, "220 old\r\n");
	sent(&s, "EHLO me.example\r\n");
	ck_assert_int_eq(feed(&s, "502 what?\r\n"), SMTPC_EV_NONE);
	sent(&s, "HELO me.example\r\n");
	ck_assert_int_eq(smtpc_waiting(&s), SMTPC_WAIT_HELO);
	ck_assert_int_eq(feed(&s, "250 ok\r\n"), SMTPC_EV_READY);
	ck_assert(!smtpc_caps(&s)->esmtp);
	ck_assert(!smtpc_tls_on(&s));
	smtpc_free(&s);

	/* HELO refused, EHLO 4xx: failures */
	ck_assert_int_eq(smtpc_init(&s, "me.example", PEER, SMTPC_TLS_NONE), 0);
	feed(&s, "220 old\r\n500 no\r\n");
	ck_assert_int_eq(feed(&s, "550 not you\r\n"), SMTPC_EV_FAILED);
	ck_assert_int_eq(smtpc_failure(&s)->cmd, SMTPC_CMD_HELO);
	ck_assert_str_eq(smtpc_failure(&s)->text.p,
	    PEER " said: 550 not you (in reply to HELO command) (#5.0.0)");
	smtpc_free(&s);
	ck_assert_int_eq(smtpc_init(&s, "me.example", PEER, SMTPC_TLS_NONE), 0);
	ck_assert_int_eq(feed(&s, "220 x\r\n450 4.3.2 later\r\n"), SMTPC_EV_FAILED);
	ck_assert_int_eq(smtpc_failure(&s)->cmd, SMTPC_CMD_EHLO);
	ck_assert_int_eq(smtpc_failure(&s)->status, SMTPC_TEMPFAIL);
	smtpc_free(&s);

	/* TLS required and no ESMTP at all */
	ck_assert_int_eq(smtpc_init(&s, "me.example", PEER, SMTPC_TLS_REQUIRED), 0);
	feed(&s, "220 old\r\n502 no\r\n");
	ck_assert_int_eq(feed(&s, "250 ok\r\n"), SMTPC_EV_FAILED);
	ck_assert_str_eq(smtpc_failure(&s)->esc, "4.7.4");
	smtpc_free(&s);
}
END_TEST

START_TEST(starttls_ok)
{
	static const char *const rcpt[] = { "b@y", NULL };
	const char *in = "220 2.0.0 go ahead\r\n250 injected\r\n";
	struct smtpc s;
	size_t used;

	ck_assert_int_eq(smtpc_init(&s, "me.example", PEER, _i ? SMTPC_TLS_REQUIRED :
	    SMTPC_TLS_OPPORTUNISTIC), 0);
	feed(&s, "220 mx\r\n");
	sent(&s, "EHLO me.example\r\n");
	ck_assert_int_eq(feed(&s, "250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n"), SMTPC_EV_NONE);
	sent(&s, "STARTTLS\r\n");
	ck_assert_int_eq(smtpc_waiting(&s), SMTPC_WAIT_STARTTLS);
	ck_assert_int_eq(smtpc_feed(&s, in, strlen(in), &used), SMTPC_EV_STARTTLS);
	ck_assert_uint_eq(used, 20);    /* the rest is not believed */
	ck_assert_int_eq(smtpc_waiting(&s), SMTPC_WAIT_TLS);
	/* a driver that feeds them anyway: ignored, and a partial line too */
	ck_assert_int_eq(feed(&s, in + used), SMTPC_EV_NONE);
	ck_assert_int_eq(feed(&s, "250-partial"), SMTPC_EV_NONE);
	sent(&s, "");
	ck_assert_int_eq(smtpc_tls_done(&s, true), SMTPC_EV_NONE);
	sent(&s, "EHLO me.example\r\n");
	ck_assert(!smtpc_caps(&s)->pipelining);
	ck_assert_int_eq(feed(&s, "250-mx\r\n250-STARTTLS\r\n250 SIZE 10\r\n"), SMTPC_EV_READY);
	sent(&s, "");
	ck_assert(smtpc_tls_on(&s));
	ck_assert(!smtpc_caps(&s)->pipelining);
	ck_assert_uint_eq(smtpc_caps(&s)->size_max, 10);
	ck_assert_int_eq(start(&s, "a@x", rcpt, 5, false, false), SMTPC_EV_NONE);
	sent(&s, "MAIL FROM:<a@x> SIZE=5\r\n");
	smtpc_free(&s);
}
END_TEST

START_TEST(starttls_policies)
{
	static const struct {
		enum smtpc_tls tls;
		const char *ehlo, *tls_reply;   /* tls_reply: NULL when not sent */
		enum smtpc_event ev;
		const char *text;
	} t[] = {
		{ SMTPC_TLS_NONE, "250-mx\r\n250 STARTTLS\r\n", NULL, SMTPC_EV_READY, NULL },
		{ SMTPC_TLS_OPPORTUNISTIC, "250 mx\r\n", NULL, SMTPC_EV_READY, NULL },
		{ SMTPC_TLS_REQUIRED, "250 mx\r\n", NULL, SMTPC_EV_FAILED,
		  "TLS is required but was not offered by " PEER " (#4.7.4)" },
		{ SMTPC_TLS_OPPORTUNISTIC, "250-mx\r\n250 STARTTLS\r\n", "454 4.7.0 no TLS\r\n",
		  SMTPC_EV_READY, NULL },
		{ SMTPC_TLS_REQUIRED, "250-mx\r\n250 STARTTLS\r\n", "454 4.7.0 no TLS\r\n",
		  SMTPC_EV_FAILED, "TLS is required but " PEER
		  " refused STARTTLS: 454 4.7.0 no TLS (#4.7.4)" },
		{ SMTPC_TLS_OPPORTUNISTIC, "250-mx\r\n250 STARTTLS\r\n", "421 4.3.2 bye\r\n",
		  SMTPC_EV_FAILED, PEER " said: 421 4.3.2 bye (in reply to STARTTLS command) "
		  "(#4.3.2)" },
	};
	struct smtpc s;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_int_eq(smtpc_init(&s, "me.example", PEER, t[i].tls), 0);
		feed(&s, "220 mx\r\n");
		sent(&s, "EHLO me.example\r\n");
		if (t[i].tls_reply) {
			ck_assert_int_eq(feed(&s, t[i].ehlo), SMTPC_EV_NONE);
			sent(&s, "STARTTLS\r\n");
			ck_assert_int_eq(feed(&s, t[i].tls_reply), t[i].ev);
		} else
			ck_assert_int_eq(feed(&s, t[i].ehlo), t[i].ev);
		sent(&s, "");
		ck_assert(!smtpc_tls_on(&s));
		if (t[i].text) {
			ck_assert_str_eq(smtpc_failure(&s)->text.p, t[i].text);
			ck_assert_int_eq(smtpc_failure(&s)->status, SMTPC_TEMPFAIL);
		} else
			ck_assert(smtpc_ready(&s));
		smtpc_free(&s);
	}

	/* a failed handshake */
	ck_assert_int_eq(smtpc_init(&s, "me.example", PEER, SMTPC_TLS_OPPORTUNISTIC), 0);
	feed(&s, "220 mx\r\n250-mx\r\n250 STARTTLS\r\n");
	ck_assert_int_eq(feed(&s, "220 go\r\n"), SMTPC_EV_STARTTLS);
	ck_assert_int_eq(smtpc_tls_done(&s, false), SMTPC_EV_FAILED);
	ck_assert_str_eq(smtpc_failure(&s)->text.p, "TLS handshake with " PEER " failed (#4.7.5)");
	ck_assert(!smtpc_quit(&s));
	smtpc_free(&s);
}
END_TEST

START_TEST(quit_and_lost)
{
	static const char *const rcpt[] = { "b@y", "c@y", NULL };
	struct smtpc s;
	const struct smtpc_failure *f;

	open_session(&s, EHLO_PIPE, SMTPC_TLS_NONE);
	ck_assert(smtpc_quit(&s));
	sent(&s, "QUIT\r\n");
	ck_assert_int_eq(smtpc_waiting(&s), SMTPC_WAIT_QUIT);
	ck_assert_int_eq(feed(&s, "221 2.0.0 bye\r\n"), SMTPC_EV_CLOSED);
	ck_assert_int_eq(smtpc_waiting(&s), SMTPC_WAIT_NONE);
	smtpc_free(&s);

	open_session(&s, EHLO_PIPE, SMTPC_TLS_NONE);
	ck_assert(smtpc_quit(&s));
	ck_assert_int_eq(smtpc_lost(&s, NULL), SMTPC_EV_CLOSED);
	smtpc_free(&s);

	/* lost mid-transaction: the undecided recipients may go elsewhere */
	open_session(&s, EHLO_PIPE, SMTPC_TLS_NONE);
	start(&s, "a@x", rcpt, 10, false, false);
	ck_assert_int_eq(feed(&s, "250 ok\r\n550 5.1.1 no\r\n"), SMTPC_EV_NONE);
	ck_assert_int_eq(smtpc_waiting(&s), SMTPC_WAIT_RCPT);
	ck_assert(!smtpc_quit(&s));
	ck_assert_int_eq(smtpc_lost(&s, "timed out"), SMTPC_EV_FAILED);
	f = smtpc_failure(&s);
	ck_assert_int_eq(f->wait, SMTPC_WAIT_RCPT);
	ck_assert_str_eq(f->text.p, "Connection to " PEER
	    " lost while waiting for the reply to RCPT TO: timed out (#4.4.2)");
	res(&s, 0, SMTPC_PERMFAIL, SMTPC_CMD_RCPT, "5.1.1", NULL);
	res(&s, 1, SMTPC_TEMPFAIL, SMTPC_CMD_NONE, "4.4.2", f->text.p);
	ck_assert(smtpc_result(&s, 1)->session && !smtpc_result(&s, 0)->session);
	ck_assert_int_eq(feed(&s, "250 late\r\n"), SMTPC_EV_NONE);
	ck_assert(!smtpc_quit(&s));
	smtpc_free(&s);

	/* idle, the server closes; an unsolicited 421 */
	open_session(&s, EHLO_PIPE, SMTPC_TLS_NONE);
	ck_assert_int_eq(smtpc_lost(&s, NULL), SMTPC_EV_FAILED);
	ck_assert_str_eq(smtpc_failure(&s)->text.p, "Connection to " PEER
	    " lost: closed by the server (#4.4.2)");
	ck_assert_int_eq(smtpc_failure(&s)->wait, SMTPC_WAIT_NONE);
	smtpc_free(&s);
	open_session(&s, EHLO_PIPE, SMTPC_TLS_NONE);
	ck_assert_int_eq(feed(&s, "421 4.4.2 idle too long\r\n"), SMTPC_EV_FAILED);
	ck_assert(smtpc_failure(&s)->said_421);
	ck_assert_int_eq(smtpc_failure(&s)->wait, SMTPC_WAIT_NONE);
	smtpc_free(&s);
}
END_TEST

/* transactions */

START_TEST(txn_bytes)
{
	static const char *const rcpt[] = { "b@y", "c d@y", "e\"f@[192.0.2.9]", NULL };
	struct smtpc s;

	/* pipelined: one batch */
	open_session(&s, EHLO_PIPE, SMTPC_TLS_NONE);
	ck_assert_int_eq(start(&s, "a@x", rcpt, 123, true, false), SMTPC_EV_NONE);
	sent(&s, "MAIL FROM:<a@x> SIZE=123 BODY=8BITMIME\r\nRCPT TO:<b@y>\r\n"
	    "RCPT TO:<\"c d\"@y>\r\nRCPT TO:<\"e\\\"f\"@[192.0.2.9]>\r\nDATA\r\n");
	ck_assert_int_eq(smtpc_waiting(&s), SMTPC_WAIT_MAIL);
	ck_assert_int_eq(feedn(&s, "250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n", 5),
	    SMTPC_EV_SEND_BODY);
	ck_assert_int_eq(smtpc_waiting(&s), SMTPC_WAIT_BODY);
	sent(&s, "");
	smtpc_data_done(&s);
	ck_assert_int_eq(smtpc_waiting(&s), SMTPC_WAIT_DOT);
	ck_assert_int_eq(feed(&s, "250 2.0.0 queued as X\r\n"), SMTPC_EV_TXN_DONE);
	res(&s, 2, SMTPC_OK, SMTPC_CMD_DOT, "2.0.0",
	    PEER " said: 250 2.0.0 queued as X (in reply to end of DATA command) (#2.0.0)");
	/* the next one: no RSET, null sender */
	ck_assert_int_eq(start(&s, "", rcpt + 2, 5, false, false), SMTPC_EV_NONE);
	sent(&s, "MAIL FROM:<> SIZE=5\r\nRCPT TO:<\"e\\\"f\"@[192.0.2.9]>\r\nDATA\r\n");
	smtpc_free(&s);

	/* one at a time, no SIZE, no 8BITMIME */
	open_session(&s, "250 mx\r\n", SMTPC_TLS_NONE);
	ck_assert_int_eq(start(&s, "a@x", rcpt, 123, true, false), SMTPC_EV_NONE);
	sent(&s, "MAIL FROM:<a@x>\r\n");
	ck_assert_int_eq(feed(&s, "250 ok\r\n"), SMTPC_EV_NONE);
	sent(&s, "RCPT TO:<b@y>\r\n");
	ck_assert_int_eq(smtpc_waiting(&s), SMTPC_WAIT_RCPT);
	ck_assert_int_eq(feed(&s, "250 ok\r\n"), SMTPC_EV_NONE);
	sent(&s, "RCPT TO:<\"c d\"@y>\r\n");
	ck_assert_int_eq(feed(&s, "550 no\r\n"), SMTPC_EV_NONE);
	sent(&s, "RCPT TO:<\"e\\\"f\"@[192.0.2.9]>\r\n");
	ck_assert_int_eq(feed(&s, "250 ok\r\n"), SMTPC_EV_NONE);
	sent(&s, "DATA\r\n");
	ck_assert_int_eq(smtpc_waiting(&s), SMTPC_WAIT_DATA);
	ck_assert_int_eq(feed(&s, "354 go\r\n"), SMTPC_EV_SEND_BODY);
	smtpc_data_done(&s);
	ck_assert_int_eq(feed(&s, "250 ok\r\n"), SMTPC_EV_TXN_DONE);
	res(&s, 0, SMTPC_OK, SMTPC_CMD_DOT, "2.0.0", NULL);
	res(&s, 1, SMTPC_PERMFAIL, SMTPC_CMD_RCPT, "5.0.0",
	    PEER " said: 550 no (in reply to RCPT TO command) (#5.0.0)");
	res(&s, 2, SMTPC_OK, SMTPC_CMD_DOT, "2.0.0", NULL);
	sent(&s, "");
	smtpc_free(&s);
}
END_TEST

/* Every mix of 250/450/550 for three recipients, then 250/451/554 after
 * the dot, pipelined or not, fed whole or byte by byte; the next
 * transaction starts with RSET exactly when the last left one open. */
START_TEST(txn_mixes)
{
	static const char *const rcpt[] = { "r0@y", "r1@y", "r2@y", NULL };
	static const int rc[3] = { 250, 450, 550 }, dc[3] = { 250, 451, 554 };
	static const enum smtpc_status st[3] = { SMTPC_OK, SMTPC_TEMPFAIL, SMTPC_PERMFAIL };
	bool pipe = _i & 1;
	size_t chunk = _i & 2 ? 1 : 4096;
	int mix, d, k, accepted;
	char line[64];
	struct smtpc s;

	for (mix = 0; mix < 27; mix++)
		for (d = 0; d < 3; d++) {
			int code[3] = { rc[mix % 3], rc[mix / 3 % 3], rc[mix / 9] };
			struct buf all = BUF_INIT;

			open_session(&s, pipe ? EHLO_PIPE : EHLO_PLAIN, SMTPC_TLS_NONE);
			ck_assert_int_eq(start(&s, "a@x", rcpt, 10, false, false), SMTPC_EV_NONE);
			buf_reset(smtpc_output(&s));
			accepted = 0;
			buf_adds(&all, "250 2.1.0 ok\r\n");
			if (!pipe)
				ck_assert_int_eq(feedn(&s, all.p, chunk), SMTPC_EV_NONE);
			for (k = 0; k < 3; k++) {
				snprintf(line, sizeof line, "%d rcpt %d\r\n", code[k], k);
				accepted += code[k] == 250;
				if (pipe)
					buf_adds(&all, line);
				else
					ck_assert_int_eq(feedn(&s, line, chunk), k == 2 &&
					    !accepted ? SMTPC_EV_TXN_DONE : SMTPC_EV_NONE);
			}
			if (pipe)
				buf_adds(&all, accepted ? "354 go\r\n" : "554 5.5.1 no rcpt\r\n");
			if (accepted) {
				ck_assert_int_eq(feedn(&s, pipe ? all.p : "354 go\r\n", chunk),
				    SMTPC_EV_SEND_BODY);
				smtpc_data_done(&s);
				snprintf(line, sizeof line, "%d end\r\n", dc[d]);
				ck_assert_int_eq(feedn(&s, line, chunk), SMTPC_EV_TXN_DONE);
			} else if (pipe)
				ck_assert_int_eq(feedn(&s, all.p, chunk), SMTPC_EV_TXN_DONE);
			for (k = 0; k < 3; k++) {
				const struct smtpc_result *r = smtpc_result(&s, (size_t)k);

				if (code[k] == 250) {
					ck_assert_int_eq(r->status, st[d]);
					ck_assert_int_eq(r->cmd, SMTPC_CMD_DOT);
					ck_assert_int_eq(r->code, dc[d]);
				} else {
					ck_assert_int_eq(r->status, st[code[k] / 100 - 3]);
					ck_assert_int_eq(r->cmd, SMTPC_CMD_RCPT);
				}
				ck_assert(!r->session);
			}
			buf_reset(smtpc_output(&s));
			start(&s, "a@x", rcpt + 2, 10, false, false);
			ck_assert_int_eq(strncmp(smtpc_output(&s)->p, "RSET\r\n", 6) == 0,
			    accepted == 0);
			buf_free(&all);
			smtpc_free(&s);
		}
}
END_TEST

START_TEST(txn_mail_refused)
{
	static const char *const rcpt[] = { "b@y", "c@y", NULL };
	struct smtpc s;

	open_session(&s, _i ? EHLO_PIPE : EHLO_PLAIN, SMTPC_TLS_NONE);
	start(&s, "a@x", rcpt, 10, false, false);
	buf_reset(smtpc_output(&s));
	ck_assert_int_eq(feed(&s, _i ? "553 5.7.1 sender rejected\r\n503 5.5.1 MAIL first\r\n"
	    "503 5.5.1 MAIL first\r\n554 5.5.1 no valid recipients\r\n" :
	    "553 5.7.1 sender rejected\r\n"), SMTPC_EV_TXN_DONE);
	sent(&s, "");
	res(&s, 0, SMTPC_PERMFAIL, SMTPC_CMD_MAIL, "5.7.1",
	    PEER " said: 553 5.7.1 sender rejected (in reply to MAIL FROM command) (#5.7.1)");
	res(&s, 1, SMTPC_PERMFAIL, SMTPC_CMD_MAIL, "5.7.1", NULL);
	/* no transaction open: no RSET */
	start(&s, "a@x", rcpt, 10, false, false);
	ck_assert_int_eq(strncmp(smtpc_output(&s)->p, "MAIL FROM:<a@x> SIZE=10\r\n", 25), 0);
	smtpc_free(&s);
}
END_TEST

START_TEST(txn_no_rcpt_broken_354)
{
	static const char *const rcpt[] = { "b@y", "c@y", NULL };
	struct smtpc s;

	open_session(&s, EHLO_PIPE, SMTPC_TLS_NONE);
	start(&s, "a@x", rcpt, 10, false, false);
	buf_reset(smtpc_output(&s));
	ck_assert_int_eq(feed(&s, "250 ok\r\n550 no\r\n451 later\r\n354 go ahead\r\n"),
	    SMTPC_EV_NONE);
	sent(&s, ".\r\n");
	ck_assert_int_eq(smtpc_waiting(&s), SMTPC_WAIT_DOT);
	ck_assert_int_eq(feed(&s, "554 5.6.0 empty message\r\n"), SMTPC_EV_TXN_DONE);
	res(&s, 0, SMTPC_PERMFAIL, SMTPC_CMD_RCPT, "5.0.0", NULL);
	res(&s, 1, SMTPC_TEMPFAIL, SMTPC_CMD_RCPT, "4.0.0",
	    PEER " said: 451 later (in reply to RCPT TO command) (#4.0.0)");
	/* the dot ended the transaction: no RSET */
	start(&s, "a@x", rcpt, 10, false, false);
	ck_assert_int_eq(strncmp(smtpc_output(&s)->p, "MAIL", 4), 0);
	smtpc_free(&s);
}
END_TEST

START_TEST(txn_data_refused)
{
	static const char *const rcpt[] = { "b@y", "c@y", "d@y", NULL };
	struct smtpc s;

	open_session(&s, EHLO_PIPE, SMTPC_TLS_NONE);
	start(&s, "a@x", rcpt, 10, false, false);
	buf_reset(smtpc_output(&s));
	ck_assert_int_eq(feed(&s, "250 ok\r\n250 ok\r\n550 5.1.1 no\r\n250 ok\r\n"
	    "554 5.7.1 not today\r\n"), SMTPC_EV_TXN_DONE);
	res(&s, 0, SMTPC_PERMFAIL, SMTPC_CMD_DATA, "5.7.1",
	    PEER " said: 554 5.7.1 not today (in reply to DATA command) (#5.7.1)");
	res(&s, 1, SMTPC_PERMFAIL, SMTPC_CMD_RCPT, "5.1.1", NULL);
	res(&s, 2, SMTPC_PERMFAIL, SMTPC_CMD_DATA, "5.7.1", NULL);
	/* RSET pipelined with the next transaction */
	start(&s, "a@x", rcpt + 2, 10, false, false);
	sent(&s, "RSET\r\nMAIL FROM:<a@x> SIZE=10\r\nRCPT TO:<d@y>\r\nDATA\r\n");
	ck_assert_int_eq(smtpc_waiting(&s), SMTPC_WAIT_RSET);
	ck_assert_int_eq(feed(&s, "250 reset\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
	    SMTPC_EV_SEND_BODY);
	smtpc_free(&s);

	/* one at a time: RSET alone first; a refused RSET ends the session */
	open_session(&s, EHLO_PLAIN, SMTPC_TLS_NONE);
	start(&s, "a@x", rcpt + 2, 10, false, false);
	feed(&s, "250 ok\r\n250 ok\r\n");
	buf_reset(smtpc_output(&s));
	ck_assert_int_eq(feed(&s, "451 4.3.0 oops\r\n"), SMTPC_EV_TXN_DONE);
	res(&s, 0, SMTPC_TEMPFAIL, SMTPC_CMD_DATA, "4.3.0", NULL);
	start(&s, "a@x", rcpt + 1, 10, false, false);
	sent(&s, "RSET\r\n");
	ck_assert_int_eq(feed(&s, "250 ok\r\n"), SMTPC_EV_NONE);
	sent(&s, "MAIL FROM:<a@x> SIZE=10\r\n");
	feed(&s, "250 ok\r\n250 ok\r\n");
	buf_reset(smtpc_output(&s));
	ck_assert_int_eq(feed(&s, "550 no\r\n"), SMTPC_EV_NONE);
	sent(&s, "DATA\r\n");
	ck_assert_int_eq(feed(&s, "554 no\r\n"), SMTPC_EV_TXN_DONE);
	start(&s, "a@x", rcpt, 10, false, false);
	sent(&s, "RSET\r\n");
	ck_assert_int_eq(feed(&s, "500 what\r\n"), SMTPC_EV_FAILED);
	ck_assert_int_eq(smtpc_failure(&s)->cmd, SMTPC_CMD_RSET);
	res(&s, 0, SMTPC_TEMPFAIL, SMTPC_CMD_RSET, "4.0.0",
	    PEER " said: 500 what (in reply to RSET command) (#4.0.0)");
	ck_assert(smtpc_result(&s, 0)->session);
	ck_assert(smtpc_quit(&s));
	smtpc_free(&s);
}
END_TEST

START_TEST(txn_local_checks)
{
	static const char *const rcpt[] = { "b@y", "c@y", NULL };
	static const char *const rcpt8[] = { "b@y", "j\xc3\xb6rg@y", "a\r\nRSET@y", "", NULL };
	struct smtpc s;

	/* SIZE: the limit itself is fine, one byte more is not; SIZE 0: no limit */
	open_session(&s, EHLO_PIPE, SMTPC_TLS_NONE);
	ck_assert_int_eq(start(&s, "a@x", rcpt, 1001, false, false), SMTPC_EV_TXN_DONE);
	sent(&s, "");
	ck_assert(smtpc_ready(&s));
	res(&s, 0, SMTPC_PERMFAIL, SMTPC_CMD_NONE, "5.3.4", "Message too big for " PEER
	    ": it has 1001 bytes, the limit is 1000 (#5.3.4)");
	res(&s, 1, SMTPC_PERMFAIL, SMTPC_CMD_NONE, "5.3.4", NULL);
	ck_assert_int_eq(start(&s, "a@x", rcpt, 1000, false, false), SMTPC_EV_NONE);
	smtpc_free(&s);
	open_session(&s, "250-mx\r\n250 SIZE 0\r\n", SMTPC_TLS_NONE);
	ck_assert_int_eq(start(&s, "a@x", rcpt, 1u << 30, false, false), SMTPC_EV_NONE);
	sent(&s, "MAIL FROM:<a@x> SIZE=1073741824\r\n");
	smtpc_free(&s);

	/* SMTPUTF8 needed but not offered */
	open_session(&s, EHLO_PIPE, SMTPC_TLS_NONE);
	ck_assert_int_eq(start(&s, "a@x", rcpt, 10, false, true), SMTPC_EV_TXN_DONE);
	res(&s, 0, SMTPC_PERMFAIL, SMTPC_CMD_NONE, "5.6.7",
	    PEER " does not support SMTPUTF8, which this message needs (#5.6.7)");
	ck_assert_int_eq(start(&s, "\xc3\xa9@x", rcpt, 10, false, false), SMTPC_EV_TXN_DONE);
	res(&s, 1, SMTPC_PERMFAIL, SMTPC_CMD_NONE, "5.6.7", NULL);
	/* a non-ASCII or bad recipient fails alone */
	ck_assert_int_eq(start(&s, "a@x", rcpt8, 10, false, false), SMTPC_EV_NONE);
	sent(&s, "MAIL FROM:<a@x> SIZE=10\r\nRCPT TO:<b@y>\r\nDATA\r\n");
	res(&s, 1, SMTPC_PERMFAIL, SMTPC_CMD_NONE, "5.6.7",
	    PEER " does not support SMTPUTF8, which this address needs (#5.6.7)");
	res(&s, 2, SMTPC_PERMFAIL, SMTPC_CMD_NONE, "5.1.3",
	    "Invalid recipient address: it contains a control character (#5.1.3)");
	res(&s, 3, SMTPC_PERMFAIL, SMTPC_CMD_NONE, "5.1.3", NULL);
	ck_assert_int_eq(feed(&s, "250 ok\r\n250 ok\r\n354 go\r\n"), SMTPC_EV_SEND_BODY);
	smtpc_data_done(&s);
	ck_assert_int_eq(feed(&s, "250 ok\r\n"), SMTPC_EV_TXN_DONE);
	res(&s, 0, SMTPC_OK, SMTPC_CMD_DOT, "2.0.0", NULL);
	res(&s, 1, SMTPC_PERMFAIL, SMTPC_CMD_NONE, "5.6.7", NULL);
	smtpc_free(&s);

	/* offered: SMTPUTF8 on MAIL when an address or the message needs it */
	open_session(&s, "250-mx\r\n250 SMTPUTF8\r\n", SMTPC_TLS_NONE);
	start(&s, "a@x", rcpt8, 10, true, false);
	sent(&s, "MAIL FROM:<a@x> SMTPUTF8\r\n");
	smtpc_free(&s);
	open_session(&s, "250-mx\r\n250 SMTPUTF8\r\n", SMTPC_TLS_NONE);
	start(&s, "a@x", rcpt, 10, false, false);
	sent(&s, "MAIL FROM:<a@x>\r\n");
	smtpc_free(&s);
}
END_TEST

START_TEST(txn_421)
{
	static const char *const rcpt[] = { "b@y", "c@y", "d@y", NULL };
	const struct smtpc_failure *f;
	struct smtpc s;

	open_session(&s, EHLO_PIPE, SMTPC_TLS_NONE);
	start(&s, "a@x", rcpt, 10, false, false);
	ck_assert_int_eq(feed(&s, "250 ok\r\n250 ok\r\n550 5.1.1 no\r\n421 4.3.2 shutting down\r\n"
	    "503 x\r\n"), SMTPC_EV_FAILED);
	f = smtpc_failure(&s);
	ck_assert(f->said_421);
	ck_assert_int_eq(f->cmd, SMTPC_CMD_RCPT);
	ck_assert_int_eq(f->wait, SMTPC_WAIT_RCPT);
	res(&s, 0, SMTPC_TEMPFAIL, SMTPC_CMD_RCPT, "4.3.2",
	    PEER " said: 421 4.3.2 shutting down (in reply to RCPT TO command) (#4.3.2)");
	res(&s, 1, SMTPC_PERMFAIL, SMTPC_CMD_RCPT, "5.1.1", NULL);
	res(&s, 2, SMTPC_TEMPFAIL, SMTPC_CMD_RCPT, "4.3.2", NULL);
	ck_assert(smtpc_result(&s, 0)->session && smtpc_result(&s, 2)->session);
	ck_assert(!smtpc_quit(&s));
	smtpc_free(&s);

	/* after the dot, and a reply in the middle of the body */
	open_session(&s, EHLO_PIPE, SMTPC_TLS_NONE);
	start(&s, "a@x", rcpt, 10, false, false);
	feed(&s, "250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
	ck_assert_int_eq(feed(&s, "554 5.7.0 your body smells\r\n"), SMTPC_EV_FAILED);
	res(&s, 1, SMTPC_TEMPFAIL, SMTPC_CMD_DATA, "4.7.0",
	    PEER " said: 554 5.7.0 your body smells (in reply to DATA command) (#4.7.0)");
	smtpc_data_done(&s);
	smtpc_free(&s);
	open_session(&s, EHLO_PIPE, SMTPC_TLS_NONE);
	start(&s, "a@x", rcpt, 10, false, false);
	feed(&s, "250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
	smtpc_data_done(&s);
	ck_assert_int_eq(feed(&s, "421 bye\r\n"), SMTPC_EV_FAILED);
	res(&s, 2, SMTPC_TEMPFAIL, SMTPC_CMD_DOT, "4.0.0", NULL);
	smtpc_free(&s);
}
END_TEST

START_TEST(txn_esc)
{
	static const struct {
		const char *rcpt_reply;
		enum smtpc_status st;
		const char *esc;
	} t[] = {
		{ "550 no such user\r\n", SMTPC_PERMFAIL, "5.0.0" },
		{ "450 later\r\n", SMTPC_TEMPFAIL, "4.0.0" },
		{ "550 5.1.1 unknown\r\n", SMTPC_PERMFAIL, "5.1.1" },
		{ "552 5.5.3 too many recipients\r\n", SMTPC_TEMPFAIL, "4.5.3" },
		{ "552 full\r\n", SMTPC_TEMPFAIL, "4.0.0" },
		{ "354 what\r\n", SMTPC_TEMPFAIL, "4.5.0" },
		{ "650 6.1.1 odd\r\n", SMTPC_TEMPFAIL, "4.5.0" },
		{ "250 2.1.5 ok\r\n", SMTPC_OK, "2.0.0" },
	};
	static const char *const rcpt[] = { "b@y", NULL };
	struct smtpc s;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		open_session(&s, EHLO_PLAIN, SMTPC_TLS_NONE);
		start(&s, "a@x", rcpt, 10, false, false);
		feed(&s, "250 ok\r\n");
		if (t[i].st == SMTPC_OK) {
			ck_assert_int_eq(feed(&s, t[i].rcpt_reply), SMTPC_EV_NONE);
			ck_assert_int_eq(feed(&s, "354 go\r\n"), SMTPC_EV_SEND_BODY);
			smtpc_data_done(&s);
			ck_assert_int_eq(feed(&s, "250 ok\r\n"), SMTPC_EV_TXN_DONE);
			res(&s, 0, SMTPC_OK, SMTPC_CMD_DOT, t[i].esc, NULL);
		} else {
			ck_assert_int_eq(feed(&s, t[i].rcpt_reply), SMTPC_EV_TXN_DONE);
			res(&s, 0, t[i].st, SMTPC_CMD_RCPT, t[i].esc, NULL);
		}
		smtpc_free(&s);
	}
	/* an unexpected 2xx to DATA */
	open_session(&s, EHLO_PLAIN, SMTPC_TLS_NONE);
	start(&s, "a@x", rcpt, 10, false, false);
	ck_assert_int_eq(feed(&s, "250 ok\r\n250 ok\r\n250 2.0.0 sure\r\n"), SMTPC_EV_TXN_DONE);
	res(&s, 0, SMTPC_TEMPFAIL, SMTPC_CMD_DATA, "4.0.0", NULL);
	smtpc_free(&s);
}
END_TEST

/* body encoder */

static void
encode(struct buf *out, const char *p, size_t n, size_t *cuts, size_t ncut)
{
	struct smtpc_body e;
	size_t i, at = 0;

	smtpc_body_init(&e);
	for (i = 0; i <= ncut; i++) {
		size_t to = i < ncut ? cuts[i] : n;

		ck_assert_int_eq(smtpc_body_encode(&e, out, p + at, to - at), 0);
		at = to;
	}
	ck_assert_int_eq(smtpc_body_finish(&e, out), 0);
	ck_assert_uint_eq(e.size, out->len);
	ck_assert_uint_eq(smtpc_body_size(p, n), out->len);
}

START_TEST(body_table)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "", ".\r\n" },
		{ "\n", "\r\n.\r\n" },
		{ "a\nb\n", "a\r\nb\r\n.\r\n" },
		{ "a\r\nb\r\n", "a\r\nb\r\n.\r\n" },
		{ "no final line end", "no final line end\r\n.\r\n" },
		{ ".\n", "..\r\n.\r\n" },
		{ ".", "..\r\n.\r\n" },
		{ "a\n.\nb", "a\r\n..\r\nb\r\n.\r\n" },
		{ "..x\n.\r\n", "...x\r\n..\r\n.\r\n" },
		{ "a.b\n x.\n", "a.b\r\n x.\r\n.\r\n" },
		{ "a\rb\n\r", "a\rb\r\n\r\r\n.\r\n" },
		{ "\r\r\n", "\r\r\n.\r\n" },
		{ "\n\n.", "\r\n\r\n..\r\n.\r\n" },
	};
	struct buf one = BUF_INIT, cut = BUF_INIT;
	size_t i, k, n;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		n = strlen(t[i].in);
		buf_reset(&one);
		encode(&one, t[i].in, n, NULL, 0);
		ck_assert_str_eq(one.p, t[i].out);
		/* every split point, and byte by byte */
		for (k = 0; k <= n; k++) {
			buf_reset(&cut);
			encode(&cut, t[i].in, n, &k, 1);
			ck_assert_str_eq(cut.p, t[i].out);
		}
		buf_reset(&cut);
		{
			size_t cuts[64];

			for (k = 0; k < n; k++)
				cuts[k] = k;
			encode(&cut, t[i].in, n, cuts, n);
		}
		ck_assert_str_eq(cut.p, t[i].out);
	}
	buf_free(&one);
	buf_free(&cut);
}
END_TEST

/* Undo the wire encoding: check it is well formed, drop the final dot,
 * unstuff, CRLF -> LF. */
static void
decode(const struct buf *w, struct buf *out)
{
	size_t i, n = w->len;

	ck_assert_uint_ge(n, 3);
	ck_assert_int_eq(memcmp(w->p + n - 3, ".\r\n", 3), 0);
	ck_assert(n == 3 || (n >= 5 && memcmp(w->p + n - 5, "\r\n", 2) == 0));
	n -= 3;
	for (i = 0; i < n; i++) {
		if (w->p[i] == '\n')
			ck_assert(i > 0 && w->p[i - 1] == '\r');
		if ((i == 0 || w->p[i - 1] == '\n') && w->p[i] == '.') {
			ck_assert(i + 1 < n && w->p[i + 1] == '.');     /* stuffed */
			i++;
		}
		if (w->p[i] == '\r' && i + 1 < n && w->p[i + 1] == '\n')
			continue;
		buf_addc(out, w->p[i]);
	}
}

START_TEST(body_random)
{
	static const char alpha[] = "ab.\n\r.\n";
	struct buf in = BUF_INIT, want = BUF_INIT, w = BUF_INIT, back = BUF_INIT;
	size_t cuts[40], ncut, i, n;
	int iter;

	srandom(12345);
	for (iter = 0; iter < 20000; iter++) {
		buf_reset(&in);
		buf_reset(&want);
		buf_reset(&w);
		buf_reset(&back);
		n = (size_t)random() % 60;
		for (i = 0; i < n; i++)
			buf_addc(&in, alpha[random() % (sizeof alpha - 1)]);
		/* the expected message: CRLF read as LF, and a final LF */
		for (i = 0; i < n; i++)
			if (!(in.p[i] == '\r' && i + 1 < n && in.p[i + 1] == '\n'))
				buf_addc(&want, in.p[i]);
		if (n > 0 && in.p[n - 1] != '\n')
			buf_addc(&want, '\n');
		ncut = n ? (size_t)random() % 8 : 0;
		for (i = 0; i < ncut; i++)
			cuts[i] = (size_t)random() % (n + 1);
		for (i = 1; i < ncut; i++)      /* sort */
			if (cuts[i] < cuts[i - 1]) {
				size_t x = cuts[i];

				cuts[i] = cuts[i - 1];
				cuts[i - 1] = x;
				i = 0;
			}
		encode(&w, in.p ? in.p : "", n, cuts, ncut);
		decode(&w, &back);
		ck_assert_uint_eq(back.len, want.len);
		ck_assert(back.len == 0 || memcmp(back.p, want.p, back.len) == 0);
	}
	buf_free(&in);
	buf_free(&want);
	buf_free(&w);
	buf_free(&back);
}
END_TEST

static Suite *
smtpc_suite(void)
{
	Suite *s = suite_create("smtpc");
	TCase *tc;

	tc = tcase_create("reply");
	tcase_add_loop_test(tc, reply_every_split, 0, sizeof replies / sizeof replies[0]);
	tcase_add_test(tc, reply_two_in_one);
	tcase_add_test(tc, reply_errors);
	tcase_add_test(tc, reply_show_cut);
	suite_add_tcase(s, tc);

	tc = tcase_create("session");
	tcase_add_test(tc, ehlo_caps);
	tcase_add_test(tc, greeting_fails);
	tcase_add_test(tc, helo_fallback);
	tcase_add_loop_test(tc, starttls_ok, 0, 2);
	tcase_add_test(tc, starttls_policies);
	tcase_add_test(tc, quit_and_lost);
	suite_add_tcase(s, tc);

	tc = tcase_create("txn");
	tcase_add_test(tc, txn_bytes);
	tcase_add_loop_test(tc, txn_mixes, 0, 4);
	tcase_add_loop_test(tc, txn_mail_refused, 0, 2);
	tcase_add_test(tc, txn_no_rcpt_broken_354);
	tcase_add_test(tc, txn_data_refused);
	tcase_add_test(tc, txn_local_checks);
	tcase_add_test(tc, txn_421);
	tcase_add_test(tc, txn_esc);
	suite_add_tcase(s, tc);

	tc = tcase_create("body");
	tcase_add_test(tc, body_table);
	tcase_add_test(tc, body_random);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(smtpc_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
