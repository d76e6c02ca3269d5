/* smtpc: the session half of the SMTP client machine (see smtpc.h):
 * greeting, EHLO/HELO, STARTTLS, QUIT, failures, and the dispatch of
 * replies; transactions are in smtpc_txn.c.
 *
 * Invariants: s->out holds only whole commands; in SMTPC_S_TLS received
 * bytes are discarded (nothing sent in the clear after the server's 220 to
 * STARTTLS is believed); after SMTPC_S_FAILED or _CLOSED no byte is
 * queued except QUIT (when quit_ok) and every input is ignored. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "smtpc.h"
#include "smtpc_txn.h"

/* How texts name what a reply answered, by enum smtpc_cmd. */
static const char *const smtpc_cmd_phrase[] = {
	"without a command", "at the greeting", "in reply to EHLO command",
	"in reply to HELO command", "in reply to STARTTLS command",
	"in reply to RSET command", "in reply to MAIL FROM command",
	"in reply to RCPT TO command", "in reply to DATA command",
	"in reply to end of DATA command", "in reply to QUIT command",
};

/* What was awaited, for texts about a lost connection, by enum smtpc_wait. */
static const char *const smtpc_wait_phrase[] = {
	"", " while waiting for the greeting", " while waiting for the reply to EHLO",
	" while waiting for the reply to HELO", " while waiting for the reply to STARTTLS",
	" during the TLS handshake", " while waiting for the reply to RSET",
	" while waiting for the reply to MAIL FROM", " while waiting for the reply to RCPT TO",
	" while waiting for the reply to DATA", " while sending the message",
	" while waiting for the reply to end of DATA", " while waiting for the reply to QUIT",
};

int
smtpc_init(struct smtpc *s, const char *helo, const char *peer, enum smtpc_tls tls)
{
	const char *c;

	memset(s, 0, sizeof *s);
	s->state = SMTPC_S_GREETING;
	s->tls = tls;
	for (c = helo; *c; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 127) {
			err_set("invalid HELO name \"%s\"", helo);
			return -1;
		}
	if (*helo == '\0') {
		err_set("empty HELO name");
		return -1;
	}
	if (buf_sets(&s->helo, helo) == -1 ||
	    buf_sets(&s->peer, peer && *peer ? peer : "the remote host") == -1) {
		smtpc_free(s);
		err_set("out of memory");
		return -1;
	}
	return 0;
}

void
smtpc_free(struct smtpc *s)
{
	size_t i;

	buf_free(&s->helo);
	buf_free(&s->peer);
	smtpc_reply_free(&s->reply);
	buf_free(&s->out);
	buf_free(&s->fail.text);
	buf_free(&s->addrs);
	for (i = 0; i < s->rs_cap; i++)
		buf_free(&s->rs[i].r.text);
	free(s->rs);
	free(s->order);
	s->rs = NULL;
	s->order = NULL;
	s->nrs = s->rs_cap = 0;
}

const char *
smtpc_peer(const struct smtpc *s)
{
	return s->peer.p;
}

int
smtpc_say(struct smtpc *s, struct buf *text, char esc[12], enum smtpc_status st,
    const struct smtpc_reply *r, enum smtpc_cmd cmd)
{
	char cls = st == SMTPC_OK ? '2' : st == SMTPC_TEMPFAIL ? '4' : '5';

	if (r->esc[0]) {
		snprintf(esc, 12, "%s", r->esc);
		esc[0] = cls;
	} else if (st != SMTPC_OK && !smtpc_reply_class(r, '4') && !smtpc_reply_class(r, '5'))
		snprintf(esc, 12, "%c.5.0", cls);
	else
		snprintf(esc, 12, "%c.0.0", cls);
	buf_reset(text);
	if (buf_printf(text, "%s said: ", s->peer.p) == -1 || smtpc_reply_show(r, text) == -1 ||
	    buf_printf(text, " (%s) (#%s)", smtpc_cmd_phrase[cmd], esc) == -1)
		return -1;
	return 0;
}

/* Enter SMTPC_S_FAILED with s->fail filled in. */
static enum smtpc_event
smtpc_failed(struct smtpc *s, bool quit_ok)
{
	s->quit_ok = quit_ok;
	smtpc_txn_abort(s);
	s->state = SMTPC_S_FAILED;
	return SMTPC_EV_FAILED;
}

enum smtpc_event
smtpc_fail_reply(struct smtpc *s, enum smtpc_cmd cmd, bool quit_ok)
{
	struct smtpc_failure *f = &s->fail;

	f->wait = smtpc_waiting(s);
	f->status = smtpc_reply_class(&s->reply, '5') ? SMTPC_PERMFAIL : SMTPC_TEMPFAIL;
	f->cmd = cmd;
	f->code = s->reply.code;
	f->said_421 = s->reply.code == 421;
	if (smtpc_say(s, &f->text, f->esc, f->status, &s->reply, cmd) == -1)
		return smtpc_fail_local(s, "4.3.0", false, "out of memory");
	return smtpc_failed(s, quit_ok && !f->said_421);
}

enum smtpc_event
smtpc_fail_local(struct smtpc *s, const char *esc, bool quit_ok, const char *fmt, ...)
{
	struct smtpc_failure *f = &s->fail;
	va_list ap;
	int rv;

	f->wait = smtpc_waiting(s);
	f->status = esc[0] == '5' ? SMTPC_PERMFAIL : SMTPC_TEMPFAIL;
	f->cmd = SMTPC_CMD_NONE;
	f->code = 0;
	f->said_421 = false;
	snprintf(f->esc, sizeof f->esc, "%s", esc);
	buf_reset(&f->text);
	va_start(ap, fmt);
	rv = buf_vprintf(&f->text, fmt, ap);
	va_end(ap);
	if (rv == -1 || buf_printf(&f->text, " (#%s)", esc) == -1) {
		/* keep a text even without memory: the buffer may hold part of one */
		buf_reset(&f->text);
		f->status = SMTPC_TEMPFAIL;
		snprintf(f->esc, sizeof f->esc, "4.3.0");
		buf_adds(&f->text, "out of memory (#4.3.0)");
	}
	return smtpc_failed(s, quit_ok);
}

/* Queue a command line (without CRLF); a failure fails the session. */
static enum smtpc_event
smtpc_send(struct smtpc *s, const char *cmd, int next_state)
{
	if (buf_printf(&s->out, "%s\r\n", cmd) == -1)
		return smtpc_fail_local(s, "4.3.0", false, "out of memory");
	s->state = next_state;
	return SMTPC_EV_NONE;
}

/* Send EHLO or HELO. */
static enum smtpc_event
smtpc_hello(struct smtpc *s, bool ehlo)
{
	if (buf_printf(&s->out, "%s %s\r\n", ehlo ? "EHLO" : "HELO", s->helo.p) == -1)
		return smtpc_fail_local(s, "4.3.0", false, "out of memory");
	s->state = ehlo ? SMTPC_S_EHLO : SMTPC_S_HELO;
	return SMTPC_EV_NONE;
}

/* True if the keyword line l (n bytes) is kw, with or without parameters. */
static bool
smtpc_kw(const char *l, size_t n, const char *kw, const char **param)
{
	size_t k = strlen(kw);

	if (n < k || strncasecmp(l, kw, k) != 0 || (n > k && l[k] != ' ' && l[k] != '='))
		return false;
	*param = n > k ? l + k + 1 : l + n;
	return true;
}

/* Read the capabilities in an EHLO reply (every line after the first). */
static void
smtpc_caps_parse(struct smtpc *s)
{
	struct smtpc_caps *c = &s->caps;
	const char *t = s->reply.text.p, *end = t + s->reply.text.len, *nl, *param;
	uint64_t v;

	memset(c, 0, sizeof *c);
	c->esmtp = true;
	if (t == NULL || (nl = memchr(t, '\n', s->reply.text.len)) == NULL)
		return;
	for (t = nl + 1; t < end; t = nl + 1) {
		size_t n;

		nl = memchr(t, '\n', (size_t)(end - t));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - t);
		if (smtpc_kw(t, n, "PIPELINING", &param))
			c->pipelining = true;
		else if (smtpc_kw(t, n, "8BITMIME", &param))
			c->eightbitmime = true;
		else if (smtpc_kw(t, n, "STARTTLS", &param))
			c->starttls = true;
		else if (smtpc_kw(t, n, "SMTPUTF8", &param))
			c->smtputf8 = true;
		else if (smtpc_kw(t, n, "ENHANCEDSTATUSCODES", &param))
			c->enhancedstatuscodes = true;
		else if (smtpc_kw(t, n, "SIZE", &param)) {
			c->size = true;
			for (v = 0; param < nl && *param >= '0' && *param <= '9'; param++) {
				if (v > (UINT64_MAX - 9) / 10) {
					v = 0;      /* absurd: as if no limit was given */
					break;
				}
				v = v * 10 + (uint64_t)(*param - '0');
			}
			c->size_max = param == nl ? v : 0;
		}
	}
}

/* EHLO or HELO succeeded: STARTTLS if wanted, else ready. */
static enum smtpc_event
smtpc_helloed(struct smtpc *s)
{
	if (!s->tls_on && s->tls != SMTPC_TLS_NONE) {
		if (s->caps.starttls)
			return smtpc_send(s, "STARTTLS", SMTPC_S_STARTTLS);
		if (s->tls == SMTPC_TLS_REQUIRED)
			return smtpc_fail_local(s, "4.7.4", true,
			    "TLS is required but was not offered by %s", s->peer.p);
	}
	s->state = SMTPC_S_READY;
	return SMTPC_EV_READY;
}

/* STARTTLS was refused. */
static enum smtpc_event
smtpc_tls_refused(struct smtpc *s)
{
	struct buf said = BUF_INIT;
	enum smtpc_event ev;

	if (s->tls != SMTPC_TLS_REQUIRED) {
		s->state = SMTPC_S_READY;
		return SMTPC_EV_READY;
	}
	if (smtpc_reply_show(&s->reply, &said) == -1)
		ev = smtpc_fail_local(s, "4.3.0", false, "out of memory");
	else
		ev = smtpc_fail_local(s, "4.7.4", true,
		    "TLS is required but %s refused STARTTLS: %s", s->peer.p, said.p);
	s->fail.cmd = SMTPC_CMD_STARTTLS;
	s->fail.code = s->reply.code;
	buf_free(&said);
	return ev;
}

/* The command whose reply is awaited. */
static enum smtpc_cmd
smtpc_awaited(const struct smtpc *s)
{
	switch (smtpc_waiting(s)) {
	case SMTPC_WAIT_GREETING: return SMTPC_CMD_GREETING;
	case SMTPC_WAIT_EHLO: return SMTPC_CMD_EHLO;
	case SMTPC_WAIT_HELO: return SMTPC_CMD_HELO;
	case SMTPC_WAIT_STARTTLS: return SMTPC_CMD_STARTTLS;
	case SMTPC_WAIT_RSET: return SMTPC_CMD_RSET;
	case SMTPC_WAIT_MAIL: return SMTPC_CMD_MAIL;
	case SMTPC_WAIT_RCPT: return SMTPC_CMD_RCPT;
	case SMTPC_WAIT_DATA: case SMTPC_WAIT_BODY: return SMTPC_CMD_DATA;
	case SMTPC_WAIT_DOT: return SMTPC_CMD_DOT;
	case SMTPC_WAIT_QUIT: return SMTPC_CMD_QUIT;
	default: return SMTPC_CMD_NONE;
	}
}

/* Act on the complete reply in s->reply. */
static enum smtpc_event
smtpc_reply(struct smtpc *s)
{
	const struct smtpc_reply *r = &s->reply;

	if (s->state == SMTPC_S_QUIT) {
		s->state = SMTPC_S_CLOSED;
		return SMTPC_EV_CLOSED;
	}
	if (r->code == 421)
		return smtpc_fail_reply(s, smtpc_awaited(s), false);
	switch (s->state) {
	case SMTPC_S_GREETING:
		if (r->code != 220)
			return smtpc_fail_reply(s, SMTPC_CMD_GREETING, true);
		return smtpc_hello(s, true);
	case SMTPC_S_EHLO:
		if (smtpc_reply_class(r, '5'))
			return smtpc_hello(s, false);
		if (!smtpc_reply_class(r, '2'))
			return smtpc_fail_reply(s, SMTPC_CMD_EHLO, true);
		smtpc_caps_parse(s);
		return smtpc_helloed(s);
	case SMTPC_S_HELO:
		if (!smtpc_reply_class(r, '2'))
			return smtpc_fail_reply(s, SMTPC_CMD_HELO, true);
		memset(&s->caps, 0, sizeof s->caps);
		return smtpc_helloed(s);
	case SMTPC_S_STARTTLS:
		if (r->code != 220)
			return smtpc_tls_refused(s);
		s->state = SMTPC_S_TLS;
		return SMTPC_EV_STARTTLS;
	case SMTPC_S_TXN:
	case SMTPC_S_DOT:
		return smtpc_txn_reply(s);
	case SMTPC_S_BODY:
		return smtpc_fail_reply(s, SMTPC_CMD_DATA, false);
	default:
		return smtpc_fail_reply(s, SMTPC_CMD_NONE, false);
	}
}

enum smtpc_event
smtpc_feed(struct smtpc *s, const char *p, size_t n, size_t *used)
{
	enum smtpc_event ev = SMTPC_EV_NONE;
	size_t i = 0, k;
	int rv;

	while (i < n && ev == SMTPC_EV_NONE) {
		if (s->state == SMTPC_S_TLS || s->state == SMTPC_S_FAILED ||
		    s->state == SMTPC_S_CLOSED) {
			i = n;
			break;
		}
		rv = smtpc_reply_feed(&s->reply, p + i, n - i, &k);
		i += k;
		if (rv == 0)
			break;
		if (rv == -1)
			ev = smtpc_fail_local(s, "4.5.0", false, "Protocol error from %s: %s",
			    s->peer.p, err_str());
		else
			ev = smtpc_reply(s);
	}
	*used = i;
	return ev;
}

struct buf *
smtpc_output(struct smtpc *s)
{
	return &s->out;
}

enum smtpc_wait
smtpc_waiting(const struct smtpc *s)
{
	switch (s->state) {
	case SMTPC_S_GREETING: return SMTPC_WAIT_GREETING;
	case SMTPC_S_EHLO: return SMTPC_WAIT_EHLO;
	case SMTPC_S_HELO: return SMTPC_WAIT_HELO;
	case SMTPC_S_STARTTLS: return SMTPC_WAIT_STARTTLS;
	case SMTPC_S_TLS: return SMTPC_WAIT_TLS;
	case SMTPC_S_BODY: return SMTPC_WAIT_BODY;
	case SMTPC_S_DOT: return SMTPC_WAIT_DOT;
	case SMTPC_S_QUIT: return SMTPC_WAIT_QUIT;
	case SMTPC_S_TXN:
		switch (smtpc_txn_next(s)) {
		case SMTPC_CMD_RSET: return SMTPC_WAIT_RSET;
		case SMTPC_CMD_MAIL: return SMTPC_WAIT_MAIL;
		case SMTPC_CMD_RCPT: return SMTPC_WAIT_RCPT;
		default: return SMTPC_WAIT_DATA;
		}
	default: return SMTPC_WAIT_NONE;
	}
}

bool
smtpc_ready(const struct smtpc *s)
{
	return s->state == SMTPC_S_READY;
}

const struct smtpc_caps *
smtpc_caps(const struct smtpc *s)
{
	return &s->caps;
}

bool
smtpc_tls_on(const struct smtpc *s)
{
	return s->tls_on;
}

enum smtpc_event
smtpc_tls_done(struct smtpc *s, bool ok)
{
	if (s->state != SMTPC_S_TLS)
		abort();
	if (!ok)
		return smtpc_fail_local(s, "4.7.5", false, "TLS handshake with %s failed",
		    s->peer.p);
	s->tls_on = true;
	smtpc_reply_reset(&s->reply);
	memset(&s->caps, 0, sizeof s->caps);
	return smtpc_hello(s, true);
}

enum smtpc_event
smtpc_lost(struct smtpc *s, const char *why)
{
	if (s->state == SMTPC_S_QUIT || s->state == SMTPC_S_FAILED ||
	    s->state == SMTPC_S_CLOSED) {
		s->state = SMTPC_S_CLOSED;
		return SMTPC_EV_CLOSED;
	}
	return smtpc_fail_local(s, "4.4.2", false, "Connection to %s lost%s: %s", s->peer.p,
	    smtpc_wait_phrase[smtpc_waiting(s)], why ? why : "closed by the server");
}

bool
smtpc_quit(struct smtpc *s)
{
	if (s->state != SMTPC_S_READY && !(s->state == SMTPC_S_FAILED && s->quit_ok))
		return false;
	if (buf_adds(&s->out, "QUIT\r\n") == -1)
		return false;
	s->state = SMTPC_S_QUIT;
	return true;
}

const struct smtpc_failure *
smtpc_failure(const struct smtpc *s)
{
	return &s->fail;
}
