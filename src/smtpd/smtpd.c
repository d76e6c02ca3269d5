/* smtpd: the SMTP server session (see smtpd.h, herald-smtpd(8)).
 * State: helo (HELO/EHLO seen), a transaction (MAIL seen, recipients in
 * rcpts as NUL-terminated internal-form addresses), TLS and AUTH facts.
 * Every error reply counts towards control/smtpmaxerrors. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "date.h"
#include "err.h"
#include "inject_queue.h"
#include "log.h"
#include "queue_inject.h"
#include "smtpd.h"
#include "smtpd_auth.h"
#include "smtpd_cmd.h"
#include "smtpd_data.h"
#include "smtpd_rcpt.h"
#include "tls.h"

#define SMTPD_CHUNK 65536               /* message bytes passed to the queue at once */

struct smtpd {
	struct smtpd_conf *c;
	struct netio io;
	struct buf line;                /* the current command, without CRLF */
	struct buf helo;
	bool seen_helo, esmtp;
	bool in_mail;
	struct smtpd_cmd_path path;
	struct buf sender;
	struct buf rcpts;
	size_t nrcpt;
	size_t refused;                 /* recipients refused in this transaction */
	bool utf8;
	unsigned long errors;
	bool authed;
	struct buf user;
	struct buf tlsinfo;
	bool quit;
	int code;                       /* exit code */
};

/* Queue a reply line; the text includes the enhanced status code. */
static void smtpd_reply(struct smtpd *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
smtpd_vreply(struct smtpd *s, const char *fmt, va_list ap)
{
	if (buf_vprintf(&s->io.out, fmt, ap) == -1 || buf_add(&s->io.out, "\r\n", 2) == -1)
		s->quit = true;
}

static void
smtpd_reply(struct smtpd *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	smtpd_vreply(s, fmt, ap);
	va_end(ap);
}

/* An error reply: counted; too many end the session. */
static void smtpd_error(struct smtpd *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
smtpd_error(struct smtpd *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	smtpd_vreply(s, fmt, ap);
	va_end(ap);
	if (++s->errors >= s->c->maxerrors) {
		smtpd_reply(s, "421 4.7.0 %s too many errors; closing", s->c->me.p);
		log_info("%ld %s too many errors", (long)getpid(), s->c->remoteip);
		s->quit = true;
		s->code = 0;
	}
}

static void smtpd_log_tx(struct smtpd *s, const char *id, uint64_t size, const char *result);

/* Forget the transaction; one that ended without a message is logged too. */
static void
smtpd_reset(struct smtpd *s)
{
	char result[64];

	if (s->in_mail) {
		snprintf(result, sizeof result, "no message; %zu recipients refused", s->refused);
		smtpd_log_tx(s, NULL, 0, result);
	}
	s->refused = 0;
	s->in_mail = false;
	s->utf8 = false;
	s->nrcpt = 0;
	buf_reset(&s->sender);
	buf_reset(&s->rcpts);
}

/* Send what is queued; true if it went out. */
static bool
smtpd_flush(struct smtpd *s)
{
	if (s->io.out.len == 0)
		return true;
	if (netio_flush(&s->io) == -1) {
		log_info("%ld %s %s", (long)getpid(), s->c->remoteip, err_str());
		s->quit = true;
		s->code = 111;
		return false;
	}
	return true;
}

/* Read one command line into s->line: 1 read, 0 end of input or timeout
 * (the session is over), -1 a bad line (already answered). */
static int
smtpd_getline(struct smtpd *s)
{
	size_t n;
	bool toolong = false;

	netio_deadline(&s->io, (int64_t)s->c->timeout * 1000);
	for (;;) {
		if ((n = netio_line(&s->io)) > 0)
			break;
		if (netio_avail(&s->io) > SMTPD_LINE_MAX) {
			/* keep reading to the end of the line, without keeping it */
			toolong = true;
			netio_consume(&s->io, netio_avail(&s->io));
		}
		if (!smtpd_flush(s))
			return 0;
		if (netio_fill(&s->io) <= 0) {
			if (errno == ETIMEDOUT && !s->io.eof) {
				smtpd_reply(s, "421 4.4.2 %s timeout; closing", s->c->me.p);
				smtpd_flush(s);
				log_info("%ld %s timeout", (long)getpid(), s->c->remoteip);
			}
			s->quit = true;
			return 0;
		}
	}
	if (toolong || n > SMTPD_LINE_MAX) {
		netio_consume(&s->io, n);
		smtpd_error(s, "500 5.5.2 line too long (at most %d bytes)", SMTPD_LINE_MAX);
		return -1;
	}
	if (n < 2 || netio_peek(&s->io)[n - 2] != '\r' ||
	    memchr(netio_peek(&s->io), '\r', n - 2) != NULL ||
	    memchr(netio_peek(&s->io), '\0', n) != NULL) {
		netio_consume(&s->io, n);
		smtpd_error(s, "500 5.5.2 command lines must end in CRLF, with no bare CR or NUL");
		return -1;
	}
	if (buf_set(&s->line, netio_peek(&s->io), n - 2) == -1) {
		s->quit = true;
		return 0;
	}
	netio_consume(&s->io, n);
	return 1;
}

/* HELO or EHLO. */
static void
smtpd_helo(struct smtpd *s, const char *arg, size_t n, bool esmtp)
{
	char shown[128];

	while (n > 0 && arg[n - 1] == ' ')
		n--;
	if (n == 0) {
		smtpd_error(s, "501 5.5.4 syntax: %s domain", esmtp ? "EHLO" : "HELO");
		return;
	}
	addr_show(shown, sizeof shown, arg, n);
	buf_sets(&s->helo, shown);
	s->seen_helo = true;
	s->esmtp = esmtp;
	smtpd_reset(s);
	if (!esmtp) {
		smtpd_reply(s, "250 %s", s->c->me.p);
		return;
	}
	smtpd_reply(s, "250-%s", s->c->me.p);
	smtpd_reply(s, "250-PIPELINING");
	smtpd_reply(s, "250-8BITMIME");
	smtpd_reply(s, "250-SMTPUTF8");
	if (s->c->databytes)
		smtpd_reply(s, "250-SIZE %lu", s->c->databytes);
	else
		smtpd_reply(s, "250-SIZE");
	if (s->c->tls && s->io.ssl == NULL)
		smtpd_reply(s, "250-STARTTLS");
	if (s->c->checkpw && !s->authed && (s->io.ssl || s->c->authnotls))
		smtpd_reply(s, "250-AUTH PLAIN LOGIN");
	smtpd_reply(s, "250 ENHANCEDSTATUSCODES");
}

/* MAIL FROM: */
static void
smtpd_mail(struct smtpd *s, const char *arg, size_t n)
{
	int code;

	if (!s->seen_helo) {
		smtpd_error(s, "503 5.5.1 send HELO or EHLO first");
		return;
	}
	if (s->in_mail) {
		smtpd_error(s, "503 5.5.1 nested MAIL command");
		return;
	}
	if ((code = smtpd_cmd_path(SMTPD_CMD_KIND_MAIL, arg, n, &s->path)) != 0) {
		smtpd_error(s, "%d %s", code, err_str());
		return;
	}
	if (s->c->databytes && s->path.size > s->c->databytes) {
		smtpd_error(s, "552 5.3.4 message size exceeds fixed maximum message size (%lu bytes)",
		    s->c->databytes);
		return;
	}
	if (buf_set(&s->sender, s->path.addr.p ? s->path.addr.p : "", s->path.addr.len) == -1) {
		smtpd_reply(s, "451 4.3.0 out of memory");
		return;
	}
	s->in_mail = true;
	s->utf8 = s->path.smtputf8;
	smtpd_reply(s, "250 2.1.0 ok");
}

/* Why a non-relay client may not send to the address in path, or NULL. */
static const char *
smtpd_relay_denied(struct smtpd *s, const struct smtpd_cmd_path *p)
{
	const char *a = p->addr.p, *dom;
	int ours;

	if (!p->has_domain)
		return NULL;            /* <postmaster> */
	/* the percent hack, ! paths and quoted '@' would relay through a local domain */
	if (memchr(a, '@', p->local_len) || memchr(a, '%', p->local_len) ||
	    memchr(a, '!', p->local_len))
		return "553 5.7.1 relaying denied: '@', '%' and '!' are not allowed in local parts";
	dom = a + p->local_len + 1;
	if ((ours = smtpd_relay_ours(&s->c->relay, dom, p->addr.len - p->local_len - 1)) == -1) {
		log_warn("%ld control/morercpthosts.db: %s", (long)getpid(), err_str());
		return "451 4.3.0 temporary failure reading control/morercpthosts.db";
	}
	if (ours == 0)
		return "553 5.7.1 relaying denied: that domain is not in my list of rcpthosts";
	return NULL;
}

/* RCPT TO: */
static void
smtpd_rcpt_cmd(struct smtpd *s, const char *arg, size_t n)
{
	struct smtpd_cmd_path *p = &s->path;
	const char *why;
	int code;

	if (!s->in_mail) {
		smtpd_error(s, "503 5.5.1 send MAIL first");
		return;
	}
	s->refused++;   /* until it is accepted below */
	p->smtputf8 = s->utf8;
	if ((code = smtpd_cmd_path(SMTPD_CMD_KIND_RCPT, arg, n, p)) != 0) {
		smtpd_error(s, "%d %s", code, err_str());
		return;
	}
	if (s->nrcpt >= s->c->maxrcpt) {
		smtpd_error(s, "452 4.5.3 too many recipients (at most %lu per message)", s->c->maxrcpt);
		return;
	}
	if (!p->has_domain && (buf_addc(&p->addr, '@') == -1 ||
	    buf_add(&p->addr, s->c->me.p, s->c->me.len) == -1))
		goto nomem;
	if (s->c->relayclient == NULL && !s->authed && (why = smtpd_relay_denied(s, p)) != NULL) {
		smtpd_error(s, "%s", why);
		return;
	}
	if (s->c->relayclient && buf_adds(&p->addr, s->c->relayclient) == -1)
		goto nomem;
	if (s->c->rcptcheck) {
		switch (smtpd_rcpt_known(&s->c->check, p->addr.p, p->addr.len)) {
		case 0:
			smtpd_error(s, "550 5.1.1 no mailbox here by that name");
			return;
		case -1:
			log_warn("%ld recipient check: %s", (long)getpid(), err_str());
			smtpd_reply(s, "451 4.3.0 temporary failure checking the recipient");
			return;
		}
	}
	if (buf_add(&s->rcpts, p->addr.p, p->addr.len + 1) == -1)
		goto nomem;
	s->nrcpt++;
	s->refused--;
	smtpd_reply(s, "250 2.1.5 ok");
	return;
nomem:
	smtpd_reply(s, "451 4.3.0 out of memory");
}

/* The Received: field for a message, with the client's and the session's facts. */
static int
smtpd_received(struct smtpd *s, struct buf *out, const char *id)
{
	const char *proto = s->esmtp ? (s->io.ssl ? (s->authed ? "ESMTPSA" : "ESMTPS") :
	    (s->authed ? "ESMTPA" : "ESMTP")) : "SMTP";

	if (s->utf8)
		proto = s->io.ssl ? (s->authed ? "UTF8SMTPSA" : "UTF8SMTPS") :
		    (s->authed ? "UTF8SMTPA" : "UTF8SMTP");
	buf_reset(out);
	if (buf_printf(out, "Received: from %s ([%s])\n\tby %s (herald) with %s", s->helo.p,
	    s->c->remoteip, s->c->me.p, proto) == -1)
		return -1;
	if (s->io.ssl && buf_printf(out, " (%s)", s->tlsinfo.p) == -1)
		return -1;
	if (s->authed && buf_printf(out, " (authenticated as %s)", s->user.p) == -1)
		return -1;
	if (id && *id && buf_printf(out, "\n\tid %s", id) == -1)
		return -1;
	if (buf_adds(out, "; ") == -1 || date_trace(out, time(NULL)) == -1 || buf_addc(out, '\n') == -1)
		return -1;
	return 0;
}

/* Log one line for a transaction. */
static void
smtpd_log_tx(struct smtpd *s, const char *id, uint64_t size, const char *result)
{
	log_info("%ld tx %s helo=%s from=<%s> rcpts=%zu size=%llu tls=%s auth=%s id=%s result=\"%s\"",
	    (long)getpid(), s->c->remoteip, s->helo.p, s->sender.p ? s->sender.p : "", s->nrcpt,
	    (unsigned long long)size, s->io.ssl ? "yes" : "no", s->authed ? s->user.p : "-",
	    id && *id ? id : "-", result);
}

/* Read the message after 354 into the queue; false if the session is over. */
static bool
smtpd_data_read(struct smtpd *s, struct smtpd_data *d, struct inject_queue *q, bool *werr)
{
	struct buf out = BUF_INIT;
	size_t used;
	bool ok = true;

	netio_deadline(&s->io, (int64_t)s->c->timeoutdata * 1000);
	while (!smtpd_data_done(d)) {
		if (netio_avail(&s->io) == 0 && netio_fill(&s->io) <= 0) {
			if (errno == ETIMEDOUT && !s->io.eof) {
				smtpd_reply(s, "421 4.4.2 %s timeout; closing", s->c->me.p);
				smtpd_flush(s);
				log_info("%ld %s timeout in DATA", (long)getpid(), s->c->remoteip);
			}
			ok = false;
			break;
		}
		used = smtpd_data_feed(d, netio_peek(&s->io), netio_avail(&s->io), &out);
		netio_consume(&s->io, used);
		if (out.len >= SMTPD_CHUNK || smtpd_data_done(d)) {
			if (!*werr && !d->toobig && inject_queue_write(q, out.p, out.len) == -1)
				*werr = true;
			buf_reset(&out);
		}
	}
	buf_free(&out);
	return ok;
}

/* DATA */
static void
smtpd_data_cmd(struct smtpd *s)
{
	struct inject_queue q;
	struct smtpd_data d;
	struct buf rec = BUF_INIT, res = BUF_INIT;
	char id[64] = "";
	bool werr = false, counted = true;
	int code, r;

	if (!s->in_mail) {
		smtpd_error(s, "503 5.5.1 send MAIL first");
		return;
	}
	if (s->nrcpt == 0) {
		smtpd_error(s, "554 5.5.1 no valid recipients");
		return;
	}
	if (inject_queue_start(&q, QUEUE_SLACK_MAX) == -1) {
		log_warn("%ld %s", (long)getpid(), err_str());
		smtpd_reply(s, "451 4.3.0 temporary failure starting the queue");
		smtpd_reset(s);
		return;
	}
	if (q.w)
		snprintf(id, sizeof id, "%s", q.w->id);
	/* herald-smtpd checks databytes on the message itself; its Received:
	 * field (at most 4 x 255 bytes of names and addresses) is slack */
	if (smtpd_received(s, &rec, id) == -1 || rec.len > QUEUE_SLACK_MAX ||
	    inject_queue_write(&q, rec.p, rec.len) == -1)
		werr = true;
	buf_free(&rec);
	smtpd_reply(s, "354 go ahead; end with <CRLF>.<CRLF>");
	if (!smtpd_flush(s)) {
		inject_queue_abort(&q);
		return;
	}
	smtpd_data_init(&d, s->c->databytes);
	if (!smtpd_data_read(s, &d, &q, &werr)) {
		inject_queue_abort(&q);
		smtpd_log_tx(s, id, d.size, "connection lost in DATA");
		s->in_mail = false;
		s->quit = true;
		return;
	}
	/* the result: an error reply counts towards smtpmaxerrors */
	if (d.bare || d.toobig || d.hops > SMTPD_HOPS_MAX || werr)
		inject_queue_abort(&q);
	if (d.bare)
		r = buf_sets(&res, "554 5.6.0 bare CR or LF in the message: refused "
		    "(lines must end in CRLF)");
	else if (d.toobig)
		r = buf_printf(&res, "552 5.3.4 message size exceeds fixed maximum message size "
		    "(%lu bytes)", s->c->databytes);
	else if (d.hops > SMTPD_HOPS_MAX)
		r = buf_printf(&res, "554 5.4.6 too many hops (%u Received: and Delivered-To: "
		    "fields): mail loop", d.hops);
	else if (werr) {
		log_warn("%ld %s", (long)getpid(), err_str());
		r = buf_sets(&res, "451 4.3.0 temporary failure writing the queue");
		counted = false;
	} else if ((code = inject_queue_finish(&q, s->sender.p ? s->sender.p : "", s->rcpts.p,
	    s->rcpts.len)) == 0) {
		r = buf_printf(&res, "250 2.0.0 ok %s", id);
		counted = false;
	} else if (code == 100)
		r = buf_printf(&res, "554 5.3.0 %s", err_str());
	else {
		log_warn("%ld %s", (long)getpid(), err_str());
		r = buf_printf(&res, "451 4.3.0 %s", err_str());
		counted = false;
	}
	if (r == -1) {
		buf_sets(&res, "451 4.3.0 out of memory");
		counted = false;
	}
	if (counted)
		smtpd_error(s, "%s", res.p);
	else
		smtpd_reply(s, "%s", res.p);
	smtpd_log_tx(s, id, d.size, res.p);
	buf_free(&res);
	s->in_mail = false;     /* logged above */
	smtpd_reset(s);
}

/* STARTTLS */
static void
smtpd_starttls(struct smtpd *s, size_t arglen)
{
	if (s->c->tls == NULL) {
		smtpd_error(s, "502 5.5.1 STARTTLS is not offered here");
		return;
	}
	if (s->io.ssl) {
		smtpd_error(s, "503 5.5.1 TLS is already on");
		return;
	}
	if (arglen) {
		smtpd_error(s, "501 5.5.4 syntax: STARTTLS");
		return;
	}
	smtpd_reply(s, "220 2.0.0 ready to start TLS");
	if (!smtpd_flush(s))
		return;
	netio_deadline(&s->io, (int64_t)s->c->timeout * 1000);
	if (tls_server_start(&s->io, s->c->tls) == -1) {
		log_info("%ld %s STARTTLS: %s", (long)getpid(), s->c->remoteip, err_str());
		s->quit = true;
		return;
	}
	buf_reset(&s->tlsinfo);
	tls_describe(&s->tlsinfo, &s->io);
	log_info("%ld %s TLS %s", (long)getpid(), s->c->remoteip, s->tlsinfo.p);
	/* RFC 3207 4.2: forget everything learnt before TLS */
	s->seen_helo = false;
	smtpd_reset(s);
}

/* Read one AUTH continuation line into out; false if the session ended or the client cancelled. */
static bool
smtpd_auth_line(struct smtpd *s, const char *prompt, struct buf *out)
{
	int r;

	smtpd_reply(s, "334 %s", prompt);
	if ((r = smtpd_getline(s)) != 1)
		return false;
	if (s->line.len == 1 && s->line.p[0] == '*') {
		smtpd_error(s, "501 5.0.0 authentication cancelled");
		return false;
	}
	return buf_set(out, s->line.p, s->line.len) == 0;
}

/* AUTH */
static void
smtpd_auth(struct smtpd *s, const char *arg, size_t n)
{
	struct buf resp = BUF_INIT, pass = BUF_INIT, tmp = BUF_INIT;
	const char *sp = memchr(arg, ' ', n);
	size_t mlen = sp ? (size_t)(sp - arg) : n;
	const char *init = sp ? sp + 1 : NULL;
	bool plain;
	int r;

	if (s->c->checkpw == NULL) {
		smtpd_error(s, "502 5.5.1 AUTH is not offered here");
		return;
	}
	if (s->io.ssl == NULL && !s->c->authnotls) {
		smtpd_error(s, "538 5.7.11 encryption required: use STARTTLS first");
		return;
	}
	if (!s->seen_helo || s->authed || s->in_mail) {
		smtpd_error(s, "503 5.5.1 AUTH is not allowed now");
		return;
	}
	if (mlen == 5 && strncasecmp(arg, "PLAIN", 5) == 0)
		plain = true;
	else if (mlen == 5 && strncasecmp(arg, "LOGIN", 5) == 0)
		plain = false;
	else {
		smtpd_error(s, "504 5.5.4 unrecognized authentication type");
		return;
	}
	if (plain) {
		if (init && buf_set(&resp, init, n - mlen - 1) == -1)
			goto out;
		if (!init && !smtpd_auth_line(s, "", &resp))
			goto out;
		if (smtpd_auth_plain(resp.p ? resp.p : "", resp.len, &s->user, &pass) == -1) {
			smtpd_error(s, "501 5.5.2 malformed AUTH PLAIN response");
			goto out;
		}
	} else {
		if (init) {
			if (buf_set(&resp, init, n - mlen - 1) == -1)
				goto out;
		} else if (!smtpd_auth_line(s, "VXNlcm5hbWU6", &resp))
			goto out;
		if (smtpd_cmd_base64_decode(resp.p ? resp.p : "", resp.len, &s->user) == -1 ||
		    s->user.len == 0) {
			smtpd_error(s, "501 5.5.2 malformed AUTH LOGIN response");
			goto out;
		}
		if (!smtpd_auth_line(s, "UGFzc3dvcmQ6", &tmp))
			goto out;
		if (smtpd_cmd_base64_decode(tmp.p ? tmp.p : "", tmp.len, &pass) == -1) {
			smtpd_error(s, "501 5.5.2 malformed AUTH LOGIN response");
			goto out;
		}
	}
	r = smtpd_auth_check(s->c->checkpw, s->user.p, s->user.len, pass.p ? pass.p : "", pass.len);
	if (r == 0) {
		char shown[128];

		addr_show(shown, sizeof shown, s->user.p, s->user.len);
		buf_sets(&s->user, shown);
		s->authed = true;
		log_info("%ld %s auth %s ok", (long)getpid(), s->c->remoteip, s->user.p);
		smtpd_reply(s, "235 2.7.0 authentication successful");
	} else if (r == 1) {
		log_info("%ld %s auth failed", (long)getpid(), s->c->remoteip);
		smtpd_error(s, "535 5.7.8 authentication credentials invalid");
	} else {
		log_warn("%ld auth: %s", (long)getpid(), err_str());
		smtpd_reply(s, "454 4.7.0 temporary authentication failure");
	}
out:
	if (!s->authed)
		buf_reset(&s->user);
	if (pass.p)
		explicit_bzero(pass.p, pass.len);
	if (resp.p)
		explicit_bzero(resp.p, resp.len);
	if (tmp.p)
		explicit_bzero(tmp.p, tmp.len);
	buf_free(&pass);
	buf_free(&resp);
	buf_free(&tmp);
}

/* Act on the command in s->line. */
static void
smtpd_command(struct smtpd *s)
{
	size_t n = s->line.len, arg;
	const char *p = s->line.p ? s->line.p : "";
	enum smtpd_cmd_verb v = smtpd_cmd_verb(p, n, &arg);

	switch (v) {
	case SMTPD_CMD_HELO:
	case SMTPD_CMD_EHLO:
		smtpd_helo(s, p + arg, n - arg, v == SMTPD_CMD_EHLO);
		break;
	case SMTPD_CMD_MAIL:
		smtpd_mail(s, p + arg, n - arg);
		break;
	case SMTPD_CMD_RCPT:
		smtpd_rcpt_cmd(s, p + arg, n - arg);
		break;
	case SMTPD_CMD_DATA:
		if (n != arg)
			smtpd_error(s, "501 5.5.4 syntax: DATA");
		else
			smtpd_data_cmd(s);
		break;
	case SMTPD_CMD_RSET:
		smtpd_reset(s);
		smtpd_reply(s, "250 2.0.0 ok");
		break;
	case SMTPD_CMD_NOOP:
		smtpd_reply(s, "250 2.0.0 ok");
		break;
	case SMTPD_CMD_QUIT:
		smtpd_reply(s, "221 2.0.0 %s closing", s->c->me.p);
		s->quit = true;
		break;
	case SMTPD_CMD_VRFY:
		smtpd_reply(s, "252 2.5.2 cannot VRFY; send some mail and I will try my best");
		break;
	case SMTPD_CMD_EXPN:
		smtpd_error(s, "502 5.5.1 EXPN is not offered here");
		break;
	case SMTPD_CMD_HELP:
		smtpd_reply(s, "214 2.0.0 herald: see RFC 5321");
		break;
	case SMTPD_CMD_STARTTLS:
		smtpd_starttls(s, n - arg);
		break;
	case SMTPD_CMD_AUTH:
		smtpd_auth(s, p + arg, n - arg);
		break;
	case SMTPD_CMD_BDAT:
	case SMTPD_CMD_UNKNOWN:
		smtpd_error(s, "500 5.5.1 unrecognized command");
		break;
	}
}

int
smtpd_session(struct smtpd_conf *c, int rfd, int wfd)
{
	struct smtpd s;
	int r;

	memset(&s, 0, sizeof s);
	s.c = c;
	s.path = (struct smtpd_cmd_path)SMTPD_CMD_PATH_INIT;
	netio_init(&s.io, rfd, wfd, (int)(c->timeout * 1000));
	buf_sets(&s.helo, "unknown");
	smtpd_reply(&s, "220 %s ESMTP herald", c->greeting.p);
	while (!s.quit) {
		if ((r = smtpd_getline(&s)) == 1)
			smtpd_command(&s);
		if (netio_avail(&s.io) == 0 || s.quit)
			smtpd_flush(&s);
	}
	smtpd_flush(&s);
	smtpd_reset(&s);        /* logs a transaction left open */
	smtpd_cmd_path_free(&s.path);
	buf_free(&s.line);
	buf_free(&s.helo);
	buf_free(&s.sender);
	buf_free(&s.rcpts);
	buf_free(&s.user);
	buf_free(&s.tlsinfo);
	netio_free(&s.io);
	return s.code;
}
