/* smtpd_cmd: SMTP command line parsing (see smtpd_cmd.h). */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "addr_envelope.h"
#include "err.h"
#include "smtpd_cmd.h"

static const struct {
	const char *name;
	enum smtpd_cmd_verb verb;
} smtpd_cmd_verbs[] = {
	{ "HELO", SMTPD_CMD_HELO }, { "EHLO", SMTPD_CMD_EHLO }, { "MAIL", SMTPD_CMD_MAIL },
	{ "RCPT", SMTPD_CMD_RCPT }, { "DATA", SMTPD_CMD_DATA }, { "BDAT", SMTPD_CMD_BDAT },
	{ "RSET", SMTPD_CMD_RSET }, { "NOOP", SMTPD_CMD_NOOP }, { "QUIT", SMTPD_CMD_QUIT },
	{ "VRFY", SMTPD_CMD_VRFY }, { "EXPN", SMTPD_CMD_EXPN }, { "HELP", SMTPD_CMD_HELP },
	{ "STARTTLS", SMTPD_CMD_STARTTLS }, { "AUTH", SMTPD_CMD_AUTH },
};

enum smtpd_cmd_verb
smtpd_cmd_verb(const char *line, size_t n, size_t *arg)
{
	size_t i, len;

	for (len = 0; len < n && line[len] != ' '; len++)
		;
	*arg = len < n ? len + 1 : n;
	for (i = 0; i < sizeof smtpd_cmd_verbs / sizeof *smtpd_cmd_verbs; i++)
		if (strlen(smtpd_cmd_verbs[i].name) == len &&
		    strncasecmp(line, smtpd_cmd_verbs[i].name, len) == 0)
			return smtpd_cmd_verbs[i].verb;
	return SMTPD_CMD_UNKNOWN;
}

/* Length of the path at s (n bytes): up to and including the '>' that
 * closes it, skipping quoted strings; 0 if unterminated. */
static size_t
smtpd_cmd_path_len(const char *s, size_t n)
{
	bool quoted = false;
	size_t i;

	for (i = 1; i < n; i++) {
		if (quoted) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				quoted = false;
		} else if (s[i] == '"')
			quoted = true;
		else if (s[i] == '>')
			return i + 1;
	}
	return 0;
}

/* Check an obsolete source route "@a,@b:" (n bytes, without the ':'). */
static bool
smtpd_cmd_route_ok(const char *s, size_t n)
{
	size_t i, start;

	for (start = 0; start < n; start = i + 1) {
		if (s[start] != '@')
			return false;
		for (i = start + 1; i < n && s[i] != ','; i++)
			if (!(isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '.' ||
			    s[i] == '[' || s[i] == ']' || s[i] == ':'))
				return false;
		if (i == start + 1)
			return false;
	}
	return n > 0 && s[n - 1] != ',';       /* no empty last element "@a," */
}

/* Put the internal form of the RFC 5321 mailbox m (n bytes, checked) in out. */
static int
smtpd_cmd_unquote(const char *m, size_t n, struct smtpd_cmd_path *out)
{
	size_t i = 0;

	buf_reset(&out->addr);
	if (n > 0 && m[0] == '"') {
		for (i = 1; i < n && m[i] != '"'; i++) {
			if (m[i] == '\\')
				i++;
			if (buf_addc(&out->addr, m[i]) == -1)
				return -1;
		}
		i++;
	} else {
		while (i < n && m[i] != '@')
			i++;
		if (buf_add(&out->addr, m, i) == -1)
			return -1;
	}
	out->local_len = out->addr.len;
	out->has_domain = i < n;
	return buf_add(&out->addr, m + i, n - i);
}

/* Parse one ESMTP parameter (n bytes) of MAIL or RCPT. */
static int
smtpd_cmd_param(enum smtpd_cmd_kind kind, const char *p, size_t n, struct smtpd_cmd_path *out)
{
	const char *eq = memchr(p, '=', n);
	size_t klen = eq ? (size_t)(eq - p) : n, vlen = eq ? n - klen - 1 : 0;
	const char *v = eq ? eq + 1 : NULL;
	uint64_t size = 0;
	char shown[48];
	size_t i;

	if (kind == SMTPD_CMD_KIND_MAIL && klen == 4 && strncasecmp(p, "SIZE", 4) == 0 && v) {
		if (vlen == 0 || vlen > 19)
			goto bad;
		for (i = 0; i < vlen; i++) {
			if (!isdigit((unsigned char)v[i]))
				goto bad;
			size = size * 10 + (uint64_t)(v[i] - '0');
		}
		out->size = size;
		out->size_given = true;
		return 0;
	}
	if (kind == SMTPD_CMD_KIND_MAIL && klen == 4 && strncasecmp(p, "BODY", 4) == 0 && v) {
		if (vlen == 4 && strncasecmp(v, "7BIT", 4) == 0)
			out->body = SMTPD_CMD_BODY_7BIT;
		else if (vlen == 8 && strncasecmp(v, "8BITMIME", 8) == 0)
			out->body = SMTPD_CMD_BODY_8BITMIME;
		else
			goto bad;
		return 0;
	}
	if (kind == SMTPD_CMD_KIND_MAIL && n == 8 && strncasecmp(p, "SMTPUTF8", 8) == 0) {
		out->smtputf8 = true;
		return 0;
	}
	/* AUTH=<> or AUTH=addr (RFC 4954): accepted and not trusted */
	if (kind == SMTPD_CMD_KIND_MAIL && klen == 4 && strncasecmp(p, "AUTH", 4) == 0 && v)
		return 0;
	addr_show(shown, sizeof shown, p, klen);
	err_set("5.5.4 unsupported parameter %s", shown);
	return 555;
bad:
	addr_show(shown, sizeof shown, p, klen);
	err_set("5.5.4 invalid value for parameter %s", shown);
	return 501;
}

/* True if every byte of s (n bytes) is ASCII. */
static bool
smtpd_cmd_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

int
smtpd_cmd_path(enum smtpd_cmd_kind kind, const char *arg, size_t n, struct smtpd_cmd_path *out)
{
	const char *kw = kind == SMTPD_CMD_KIND_MAIL ? "FROM:" : "TO:";
	size_t kwlen = strlen(kw), i, plen, start, end;
	const char *path, *colon;
	bool angle;
	int r;

	/* for RCPT, out->smtputf8 comes in as the transaction's SMTPUTF8 (set
	 * by the MAIL parsed into the same struct): it allows a non-ASCII
	 * recipient and is left as it is */
	if (kind == SMTPD_CMD_KIND_MAIL)
		out->smtputf8 = false;
	out->null = out->has_domain = out->size_given = false;
	out->size = 0;
	out->local_len = 0;
	out->body = SMTPD_CMD_BODY_NONE;
	buf_reset(&out->addr);
	if (n < kwlen || strncasecmp(arg, kw, kwlen) != 0) {
		err_set("5.5.4 syntax: %s %s<address>", kind == SMTPD_CMD_KIND_MAIL ? "MAIL" : "RCPT", kw);
		return 501;
	}
	i = kwlen;
	while (i < n && arg[i] == ' ')
		i++;
	path = arg + i;
	angle = i < n && arg[i] == '<';
	if (angle) {
		if ((plen = smtpd_cmd_path_len(path, n - i)) == 0) {
			err_set("5.5.4 syntax: unterminated <address>");
			return 501;
		}
		start = 1;
		end = plen - 1;
	} else {
		for (plen = 0; i + plen < n && arg[i + plen] != ' '; plen++)
			;
		start = 0;
		end = plen;
	}
	if (end == start) {
		if (kind == SMTPD_CMD_KIND_RCPT || !angle) {
			err_set("5.1.3 empty address");
			return 553;
		}
		out->null = true;
	} else {
		/* an obsolete source route is checked and ignored (RFC 5321 C.) */
		if (path[start] == '@') {
			colon = memchr(path + start, ':', end - start);
			if (colon == NULL || !smtpd_cmd_route_ok(path + start,
			    (size_t)(colon - path - start))) {
				err_set("5.1.3 invalid source route");
				return 553;
			}
			start = (size_t)(colon - path) + 1;
		}
		if (kind == SMTPD_CMD_KIND_RCPT && end - start == 10 &&
		    strncasecmp(path + start, "postmaster", 10) == 0) {
			/* RFC 5321 4.5.1: <postmaster> without a domain */
			if (buf_set(&out->addr, path + start, 10) == -1)
				goto nomem;
			out->local_len = 10;
		} else {
			if (addr_envelope_check(path + start, end - start) == -1) {
				err_set("5.1.3 %s", err_str());
				return 553;
			}
			if (smtpd_cmd_unquote(path + start, end - start, out) == -1)
				goto nomem;
			/* the internal form's domain starts after the last '@' (addr.h):
			 * an '@' in an address literal ("[tag:a@b]") would move it */
			if (out->has_domain && memchr(out->addr.p + out->local_len + 1, '@',
			    out->addr.len - out->local_len - 1) != NULL) {
				err_set("5.1.3 invalid address literal: '@' in the domain");
				return 553;
			}
		}
	}
	/* parameters */
	for (i = (size_t)(path - arg) + plen; i < n;) {
		if (arg[i] == ' ') {
			i++;
			continue;
		}
		for (start = i; i < n && arg[i] != ' '; i++)
			;
		if ((r = smtpd_cmd_param(kind, arg + start, i - start, out)) != 0)
			return r;
	}
	if (!out->smtputf8 && !smtpd_cmd_ascii(out->addr.p ? out->addr.p : "", out->addr.len)) {
		err_set("5.6.7 non-ASCII address without SMTPUTF8");
		return 553;
	}
	return 0;
nomem:
	err_set("4.3.0 out of memory");
	return 451;
}

void
smtpd_cmd_path_free(struct smtpd_cmd_path *p)
{
	buf_free(&p->addr);
}

static const char smtpd_cmd_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
smtpd_cmd_base64_decode(const char *s, size_t n, struct buf *out)
{
	unsigned acc = 0, bits = 0;
	size_t i, pad = 0, got = 0;
	const char *p;

	buf_reset(out);
	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			pad++;
			continue;
		}
		if (pad || s[i] == '\0' || (p = strchr(smtpd_cmd_b64, s[i])) == NULL)
			return -1;
		acc = (acc << 6) | (unsigned)(p - smtpd_cmd_b64);
		bits += 6;
		got++;
		if (bits >= 8) {
			bits -= 8;
			if (buf_addc(out, (char)((acc >> bits) & 0xff)) == -1)
				return -1;
		}
	}
	if ((got + pad) % 4 != 0 || pad > 2)
		return -1;
	return 0;
}

int
smtpd_cmd_base64_encode(struct buf *out, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;
	unsigned v;
	char q[4];

	for (i = 0; i < n; i += 3) {
		v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		q[0] = smtpd_cmd_b64[(v >> 18) & 63];
		q[1] = smtpd_cmd_b64[(v >> 12) & 63];
		q[2] = i + 1 < n ? smtpd_cmd_b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? smtpd_cmd_b64[v & 63] : '=';
		if (buf_add(out, q, 4) == -1)
			return -1;
	}
	return 0;
}
