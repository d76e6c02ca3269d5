/* smtpc_reply: SMTP reply assembly (see smtpc_reply.h). Error texts show
 * at most 60 bytes of the offending line, bytes outside printable ASCII
 * as '?'. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "smtpc_reply.h"

#define SMTPC_REPLY_ERR_SHOW 60

static bool
smtpc_reply_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char
smtpc_reply_printable(char c)
{
	return c >= 32 && c < 127 ? c : '?';
}

/* Record a protocol error quoting the start of line l (n bytes); returns -1. */
static int
smtpc_reply_err(const char *why, const char *l, size_t n)
{
	char shown[SMTPC_REPLY_ERR_SHOW + 4];
	size_t i, k = n < SMTPC_REPLY_ERR_SHOW ? n : SMTPC_REPLY_ERR_SHOW;

	for (i = 0; i < k; i++)
		shown[i] = smtpc_reply_printable(l[i]);
	if (k < n) {
		memcpy(shown + k, "...", 3);
		k += 3;
	}
	shown[k] = '\0';
	err_set("%s: \"%s\"", why, shown);
	return -1;
}

/* Length of the enhanced status code "c.ddd.ddd" at t (n bytes), or 0. */
static size_t
smtpc_reply_esc_len(const char *t, size_t n, char cls)
{
	size_t i = 2, part, digits;

	if (n < 5 || t[0] != cls || (cls != '2' && cls != '4' && cls != '5') || t[1] != '.')
		return 0;
	for (part = 0; part < 2; part++) {
		for (digits = 0; i < n && smtpc_reply_digit(t[i]) && digits < 4; i++)
			digits++;
		if (digits == 0 || digits > 3)
			return 0;
		if (part == 0) {
			if (i >= n || t[i] != '.')
				return 0;
			i++;
		}
	}
	return i == n || t[i] == ' ' ? i : 0;
}

/* Process one complete line l (n bytes, without its line end). */
static int
smtpc_reply_line(struct smtpc_reply *r, const char *l, size_t n)
{
	const char *t;
	size_t tn, keep, e;
	bool last;
	int code;

	if (n < 3 || !smtpc_reply_digit(l[0]) || !smtpc_reply_digit(l[1]) ||
	    !smtpc_reply_digit(l[2]))
		return smtpc_reply_err("malformed reply line (no 3-digit code)", l, n);
	if (n > 3 && l[3] != ' ' && l[3] != '-')
		return smtpc_reply_err("malformed reply line (bad separator)", l, n);
	code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	if (r->nlines > 0 && code != r->code)
		return smtpc_reply_err("reply code changed within a multi-line reply", l, n);
	if (++r->nlines > SMTPC_REPLY_LINES_MAX) {
		err_set("reply longer than %d lines", SMTPC_REPLY_LINES_MAX);
		return -1;
	}
	r->code = code;
	last = n == 3 || l[3] == ' ';
	t = n > 4 ? l + 4 : "";
	tn = n > 4 ? n - 4 : 0;
	if (r->text.len < SMTPC_REPLY_KEEP) {
		keep = SMTPC_REPLY_KEEP - r->text.len;
		if (r->nlines > 1) {
			if (buf_addc(&r->text, '\n') == -1)
				goto oom;
			keep--;
		}
		if (buf_add(&r->text, t, tn < keep ? tn : keep) == -1)
			goto oom;
	}
	if (last) {
		r->complete = true;
		if ((e = smtpc_reply_esc_len(t, tn, l[0])) > 0) {
			memcpy(r->esc, t, e);
			r->esc[e] = '\0';
		}
	}
	return 0;
oom:
	err_set("out of memory");
	return -1;
}

int
smtpc_reply_feed(struct smtpc_reply *r, const char *p, size_t n, size_t *used)
{
	const char *lf;
	size_t i = 0, take, len;

	*used = 0;
	if (r->complete) {
		r->complete = false;
		r->code = 0;
		r->esc[0] = '\0';
		r->nlines = 0;
		buf_reset(&r->text);
	}
	while (i < n) {
		lf = memchr(p + i, '\n', n - i);
		take = lf ? (size_t)(lf - (p + i)) : n - i;
		if (r->line.len + take > SMTPC_REPLY_LINE_MAX + 1) {
			*used = i + take;
			return smtpc_reply_err("reply line too long", r->line.len ? r->line.p : p + i,
			    r->line.len ? r->line.len : take);
		}
		if (buf_add(&r->line, p + i, take) == -1) {
			err_set("out of memory");
			return -1;
		}
		i += take;
		if (lf == NULL)
			break;
		i++;
		len = r->line.len;
		if (len > 0 && r->line.p[len - 1] == '\r')
			len--;
		if (len > SMTPC_REPLY_LINE_MAX) {
			*used = i;
			return smtpc_reply_err("reply line too long", r->line.p, len);
		}
		if (smtpc_reply_line(r, r->line.p, len) == -1) {
			*used = i;
			return -1;
		}
		buf_reset(&r->line);
		if (r->complete) {
			*used = i;
			return 1;
		}
	}
	*used = i;
	return 0;
}

void
smtpc_reply_reset(struct smtpc_reply *r)
{
	r->code = 0;
	r->esc[0] = '\0';
	r->nlines = 0;
	r->complete = false;
	buf_reset(&r->text);
	buf_reset(&r->line);
}

int
smtpc_reply_show(const struct smtpc_reply *r, struct buf *out)
{
	size_t i = 0, j, elen = strlen(r->esc), start = out->len, lim;
	const char *t = r->text.p ? r->text.p : "";
	size_t n = r->text.len;
	bool cut = false;

	if (buf_printf(out, "%03d", r->code) == -1)
		return -1;
	if (elen && buf_printf(out, " %s", r->esc) == -1)
		return -1;
	lim = start + SMTPC_REPLY_SHOW;
	while (i <= n && !cut) {
		const char *nl = memchr(t + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - t) : n;

		j = i;
		if (elen && end - j >= elen && memcmp(t + j, r->esc, elen) == 0 &&
		    (end - j == elen || t[j + elen] == ' '))
			j += elen;
		while (j < end && t[j] == ' ')
			j++;
		if (j < end) {
			if (out->len >= lim) {
				cut = true;
				break;
			}
			if (buf_addc(out, ' ') == -1)
				return -1;
		}
		for (; j < end; j++) {
			if (out->len >= lim) {
				cut = true;
				break;
			}
			if (buf_addc(out, smtpc_reply_printable(t[j])) == -1)
				return -1;
		}
		i = end + 1;
	}
	if (cut && buf_adds(out, "...") == -1)
		return -1;
	return 0;
}

bool
smtpc_reply_class(const struct smtpc_reply *r, char c)
{
	return r->code / 100 == c - '0';
}

void
smtpc_reply_free(struct smtpc_reply *r)
{
	buf_free(&r->text);
	buf_free(&r->line);
}
