/* smtpc_txn: SMTP transactions in the client machine (see smtpc.h).
 *
 * A transaction is a sequence of commands numbered from 0: RSET (only when
 * t_rset), MAIL FROM, one RCPT TO per recipient in order[], DATA. t_sent
 * of them have been sent, t_next have been answered (t_next <= t_sent <=
 * t_total). With PIPELINING all are sent at once; otherwise the next is
 * sent after each reply, and the sequence stops early when MAIL is refused
 * or no RCPT was accepted. Replies are matched to commands by order.
 *
 * Invariants: a recipient is undecided from the start of the transaction
 * until a reply (or a local check, or the session failing) decides it; the
 * undecided recipients after the last RCPT reply are exactly those
 * accepted, and the reply to DATA or to the final dot decides them all.
 * in_txn is true from an accepted MAIL until the final dot is answered or
 * RSET accepted. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr_envelope.h"
#include "smtpc.h"
#include "smtpc_txn.h"

/* The command numbered k, and (for RCPT) the recipient's index in *j. */
static enum smtpc_cmd
smtpc_txn_cmd(const struct smtpc *s, size_t k, size_t *j)
{
	if (s->t_rset) {
		if (k == 0)
			return SMTPC_CMD_RSET;
		k--;
	}
	if (k == 0)
		return SMTPC_CMD_MAIL;
	k--;
	if (k < s->nsend) {
		*j = s->order[k];
		return SMTPC_CMD_RCPT;
	}
	return SMTPC_CMD_DATA;
}

enum smtpc_cmd
smtpc_txn_next(const struct smtpc *s)
{
	size_t j;

	return smtpc_txn_cmd(s, s->t_next, &j);
}

/* Mark recipient i decided (the caller has set its esc and text). */
static void
smtpc_txn_decided(struct smtpc *s, size_t i, enum smtpc_status st, enum smtpc_cmd cmd, int code)
{
	struct smtpc_result *r = &s->rs[i].r;

	r->status = st;
	r->cmd = cmd;
	r->code = code;
	r->decided = true;
}

/* Decide recipient i by a local check: text, then " (#esc)". */
static int
smtpc_txn_local(struct smtpc *s, size_t i, const char *esc, const char *text)
{
	struct smtpc_result *r = &s->rs[i].r;

	snprintf(r->esc, sizeof r->esc, "%s", esc);
	buf_reset(&r->text);
	if (buf_printf(&r->text, "%s (#%s)", text, esc) == -1)
		return -1;
	smtpc_txn_decided(s, i, esc[0] == '5' ? SMTPC_PERMFAIL : SMTPC_TEMPFAIL,
	    SMTPC_CMD_NONE, 0);
	return 0;
}

/* The outcome the reply in s->reply gives a recipient, answering cmd. */
static enum smtpc_status
smtpc_txn_status(const struct smtpc *s, enum smtpc_cmd cmd)
{
	const struct smtpc_reply *r = &s->reply;

	if (smtpc_reply_class(r, '2') && cmd != SMTPC_CMD_DATA)
		return SMTPC_OK;
	if (smtpc_reply_class(r, '5') && !(cmd == SMTPC_CMD_RCPT && r->code == 552))
		return SMTPC_PERMFAIL;
	return SMTPC_TEMPFAIL;
}

/* Decide every undecided recipient (all = false: only recipient j) by s->reply. */
static int
smtpc_txn_by_reply(struct smtpc *s, enum smtpc_cmd cmd, bool all, size_t j)
{
	enum smtpc_status st = smtpc_txn_status(s, cmd);
	size_t i;

	for (i = all ? 0 : j; i < (all ? s->nrs : j + 1); i++) {
		if (s->rs[i].r.decided)
			continue;
		if (smtpc_say(s, &s->rs[i].r.text, s->rs[i].r.esc, st, &s->reply, cmd) == -1)
			return -1;
		smtpc_txn_decided(s, i, st, cmd, s->reply.code);
	}
	return 0;
}

void
smtpc_txn_abort(struct smtpc *s)
{
	const struct smtpc_failure *f = &s->fail;
	struct smtpc_result *r;
	size_t i, elen = strlen(f->esc);

	if (s->state != SMTPC_S_TXN && s->state != SMTPC_S_BODY && s->state != SMTPC_S_DOT)
		return;
	for (i = 0; i < s->nrs; i++) {
		r = &s->rs[i].r;
		if (r->decided)
			continue;
		snprintf(r->esc, sizeof r->esc, "%s", f->esc);
		r->esc[0] = '4';
		buf_reset(&r->text);
		/* f->text ends in "(#" esc ")": the same text, with the class 4 */
		if (f->text.len >= elen + 3 &&
		    (buf_add(&r->text, f->text.p, f->text.len - elen - 3) == -1 ||
		    buf_printf(&r->text, "(#%s)", r->esc) == -1))
			buf_sets(&r->text, "out of memory (#4.3.0)");
		smtpc_txn_decided(s, i, SMTPC_TEMPFAIL, f->cmd, f->code);
		r->session = true;
	}
}

/* True if p[0..n) has a byte outside ASCII; *ctl: a control byte, or n == 0. */
static bool
smtpc_txn_scan(const char *p, size_t n, bool *ctl)
{
	bool high = false;
	size_t i;

	*ctl = false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 32 || c == 127)
			*ctl = true;
		if (c >= 128)
			high = true;
	}
	return high;
}

/* Queue command number k. */
static int
smtpc_txn_send(struct smtpc *s, size_t k)
{
	struct buf *o = &s->out;
	size_t j = 0;

	switch (smtpc_txn_cmd(s, k, &j)) {
	case SMTPC_CMD_RSET:
		if (buf_adds(o, "RSET\r\n") == -1)
			return -1;
		break;
	case SMTPC_CMD_MAIL:
		if (buf_adds(o, "MAIL FROM:<") == -1 || (s->sender_len &&
		    addr_envelope_quote(o, s->addrs.p, s->sender_len) == -1) ||
		    buf_addc(o, '>') == -1)
			return -1;
		if (s->caps.size && buf_printf(o, " SIZE=%llu", (unsigned long long)s->size) == -1)
			return -1;
		if (s->body8 && s->caps.eightbitmime && buf_adds(o, " BODY=8BITMIME") == -1)
			return -1;
		if (s->utf8 && buf_adds(o, " SMTPUTF8") == -1)
			return -1;
		if (buf_adds(o, "\r\n") == -1)
			return -1;
		break;
	case SMTPC_CMD_RCPT:
		if (buf_adds(o, "RCPT TO:<") == -1 ||
		    addr_envelope_quote(o, s->addrs.p + s->rs[j].off, s->rs[j].len) == -1 ||
		    buf_adds(o, ">\r\n") == -1)
			return -1;
		break;
	default:
		if (buf_adds(o, "DATA\r\n") == -1)
			return -1;
		break;
	}
	s->t_sent = k + 1;
	return 0;
}

/* Copy the transaction in, with every recipient undecided. */
static int
smtpc_txn_copy(struct smtpc *s, const struct smtpc_txn *t)
{
	size_t i;

	if (t->nrcpt > s->rs_cap) {
		struct smtpc_rslot *rs = realloc(s->rs, t->nrcpt * sizeof *rs);
		size_t *order;

		if (rs == NULL)
			return -1;
		s->rs = rs;
		memset(rs + s->rs_cap, 0, (t->nrcpt - s->rs_cap) * sizeof *rs);
		if ((order = realloc(s->order, t->nrcpt * sizeof *order)) == NULL)
			return -1;
		s->order = order;
		s->rs_cap = t->nrcpt;   /* only now: both arrays hold nrcpt */
	}
	buf_reset(&s->addrs);
	if (buf_add(&s->addrs, t->sender, t->sender_len) == -1)
		return -1;
	s->sender_len = t->sender_len;
	for (i = 0; i < t->nrcpt; i++) {
		struct smtpc_result *r = &s->rs[i].r;

		s->rs[i].off = s->addrs.len;
		s->rs[i].len = t->rcpt[i].len;
		if (buf_add(&s->addrs, t->rcpt[i].p, t->rcpt[i].len) == -1)
			return -1;
		r->id = t->rcpt[i].id;
		r->status = SMTPC_TEMPFAIL;
		r->cmd = SMTPC_CMD_NONE;
		r->code = 0;
		r->session = r->decided = false;
		r->esc[0] = '\0';
		buf_reset(&r->text);
	}
	s->nrs = t->nrcpt;
	return 0;
}

/* Decide recipients locally (size, SMTPUTF8, bad addresses); fill order[]. */
static int
smtpc_txn_check(struct smtpc *s, const struct smtpc_txn *t)
{
	const char *peer = smtpc_peer(s), *esc = NULL;
	bool ctl, high = smtpc_txn_scan(t->sender, t->sender_len, &ctl);
	struct buf why = BUF_INIT, utf8 = BUF_INIT;
	int rv = -1;
	size_t i;

	s->utf8 = t->smtputf8 || high;
	if (buf_printf(&utf8, "%s does not support SMTPUTF8, which this address needs",
	    peer) == -1)
		goto out;
	if (ctl && t->sender_len > 0) {
		esc = "5.1.7";
		if (buf_adds(&why, "Invalid sender address: it contains a control character") == -1)
			goto out;
	} else if (s->caps.size && s->caps.size_max > 0 && t->size > s->caps.size_max) {
		esc = "5.3.4";
		if (buf_printf(&why, "Message too big for %s: it has %llu bytes, the limit is %llu",
		    peer, (unsigned long long)t->size,
		    (unsigned long long)s->caps.size_max) == -1)
			goto out;
	} else if (s->utf8 && !s->caps.smtputf8) {
		esc = "5.6.7";
		if (buf_printf(&why, "%s does not support SMTPUTF8, which this message needs",
		    peer) == -1)
			goto out;
	}
	s->nsend = 0;
	for (i = 0; i < s->nrs; i++) {
		int r = 0;

		high = smtpc_txn_scan(s->addrs.p + s->rs[i].off, s->rs[i].len, &ctl);
		if (esc)
			r = smtpc_txn_local(s, i, esc, why.p);
		else if (ctl)
			r = smtpc_txn_local(s, i, "5.1.3",
			    "Invalid recipient address: it contains a control character");
		else if (s->rs[i].len == 0)
			r = smtpc_txn_local(s, i, "5.1.3", "Invalid recipient address: it is empty");
		else if (high && !s->caps.smtputf8)
			r = smtpc_txn_local(s, i, "5.6.7", utf8.p);
		else {
			s->order[s->nsend++] = i;
			s->utf8 |= high;
		}
		if (r == -1)
			goto out;
	}
	rv = 0;
out:
	buf_free(&why);
	buf_free(&utf8);
	return rv;
}

enum smtpc_event
smtpc_txn_start(struct smtpc *s, const struct smtpc_txn *t)
{
	size_t k;

	if (s->state != SMTPC_S_READY || t->nrcpt == 0)
		abort();
	s->nrs = 0;
	if (smtpc_txn_copy(s, t) == -1 || smtpc_txn_check(s, t) == -1)
		goto oom;
	if (s->nsend == 0)
		return SMTPC_EV_TXN_DONE;
	s->size = t->size;
	s->body8 = t->body8;
	s->t_rset = s->in_txn;
	s->t_mail_ok = s->t_ignore_dot = false;
	s->t_accepted = 0;
	s->t_total = (s->t_rset ? 1 : 0) + 1 + s->nsend + 1;
	s->t_sent = s->t_next = 0;
	s->state = SMTPC_S_TXN;
	for (k = 0; k < (s->caps.pipelining ? s->t_total : 1); k++)
		if (smtpc_txn_send(s, k) == -1)
			goto oom;
	return SMTPC_EV_NONE;
oom:
	s->state = SMTPC_S_TXN;
	return smtpc_fail_local(s, "4.3.0", false, "out of memory");
}

/* The transaction is over. */
static enum smtpc_event
smtpc_txn_done(struct smtpc *s)
{
	s->state = SMTPC_S_READY;
	return SMTPC_EV_TXN_DONE;
}

/* The reply to DATA. */
static enum smtpc_event
smtpc_txn_data(struct smtpc *s)
{
	bool go = smtpc_reply_class(&s->reply, '3');

	if (!s->t_mail_ok || s->t_accepted == 0) {
		if (!go)
			return smtpc_txn_done(s);
		/* a 354 with no recipient: end an empty message at once */
		if (buf_adds(&s->out, ".\r\n") == -1)
			return smtpc_fail_local(s, "4.3.0", false, "out of memory");
		s->t_ignore_dot = true;
		s->state = SMTPC_S_DOT;
		return SMTPC_EV_NONE;
	}
	if (go) {
		s->state = SMTPC_S_BODY;
		return SMTPC_EV_SEND_BODY;
	}
	if (smtpc_txn_by_reply(s, SMTPC_CMD_DATA, true, 0) == -1)
		return smtpc_fail_local(s, "4.3.0", false, "out of memory");
	return smtpc_txn_done(s);
}

enum smtpc_event
smtpc_txn_reply(struct smtpc *s)
{
	bool ok = smtpc_reply_class(&s->reply, '2');
	enum smtpc_cmd cmd, next;
	size_t j = 0;

	if (s->state == SMTPC_S_DOT) {
		s->in_txn = false;
		if (!s->t_ignore_dot && smtpc_txn_by_reply(s, SMTPC_CMD_DOT, true, 0) == -1)
			return smtpc_fail_local(s, "4.3.0", false, "out of memory");
		return smtpc_txn_done(s);
	}
	cmd = smtpc_txn_cmd(s, s->t_next, &j);
	if (cmd == SMTPC_CMD_RSET && !ok)
		return smtpc_fail_reply(s, cmd, s->t_sent == s->t_next + 1);
	s->t_next++;
	switch (cmd) {
	case SMTPC_CMD_RSET:
		s->in_txn = false;
		break;
	case SMTPC_CMD_MAIL:
		if (ok)
			s->t_mail_ok = s->in_txn = true;
		else if (smtpc_txn_by_reply(s, cmd, true, 0) == -1)
			goto oom;
		break;
	case SMTPC_CMD_RCPT:
		if (!s->t_mail_ok)
			break;          /* decided by MAIL's reply */
		if (ok)
			s->t_accepted++;
		else if (smtpc_txn_by_reply(s, cmd, false, j) == -1)
			goto oom;
		break;
	default:
		return smtpc_txn_data(s);
	}
	if (s->t_next < s->t_sent)
		return SMTPC_EV_NONE;
	next = smtpc_txn_cmd(s, s->t_sent, &j);
	if (next != SMTPC_CMD_MAIL && !s->t_mail_ok)
		return smtpc_txn_done(s);
	if (next == SMTPC_CMD_DATA && s->t_accepted == 0)
		return smtpc_txn_done(s);
	if (smtpc_txn_send(s, s->t_sent) == -1)
		goto oom;
	return SMTPC_EV_NONE;
oom:
	return smtpc_fail_local(s, "4.3.0", false, "out of memory");
}

void
smtpc_data_done(struct smtpc *s)
{
	if (s->state == SMTPC_S_BODY)
		s->state = SMTPC_S_DOT;
	else if (s->state != SMTPC_S_FAILED && s->state != SMTPC_S_CLOSED)
		abort();
}

size_t
smtpc_nresults(const struct smtpc *s)
{
	return s->nrs;
}

const struct smtpc_result *
smtpc_result(const struct smtpc *s, size_t i)
{
	if (i >= s->nrs)
		abort();
	return &s->rs[i].r;
}
