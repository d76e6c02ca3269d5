/* addr: RFC 5322 address lists (see addr.h).
 *
 * The list parser is a tokenizer (white space, folding and comments are
 * dropped between tokens) under a small recursive-descent parser with one
 * token of lookahead. Nothing recurses on input data: comment nesting is a
 * counter, groups do not nest, so the stack stays bounded whatever the
 * input. Error texts quote (at most 100 bytes of) the list element being
 * parsed, with control characters shown as '?'. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "err.h"

#define ADDR_ERR_SHOW 100

enum addr_tok {
	ADDR_TOK_EOF,
	ADDR_TOK_ATOM,
	ADDR_TOK_QSTR,          /* raw span includes the quotes */
	ADDR_TOK_DLIT,          /* raw span includes the brackets */
	ADDR_TOK_SPECIAL,       /* one of < > : ; @ , . */
};

struct addr_parser {
	const char *s;
	size_t n, pos;
	enum addr_tok tok;      /* the lookahead token */
	size_t tstart, tend;    /* its raw span */
	size_t elem;            /* start of the mailbox being parsed (errors) */
	char addr[ADDR_MAX + 1];
	size_t len;
	addr_list_cb cb;
	void *arg;
};

void
addr_show(char *out, size_t outsz, const char *s, size_t n)
{
	size_t i, m = 0;

	for (i = 0; i < n && m + 4 < outsz; i++) {
		unsigned char c = (unsigned char)s[i];

		out[m++] = (c < 32 || c == 127) ? '?' : (char)c;
	}
	if (i < n && m + 3 < outsz) {
		memcpy(out + m, "...", 3);
		m += 3;
	}
	out[m] = '\0';
}

static int
addr_perr(struct addr_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record a parse error, quoting the element being parsed; returns -1. */
static int
addr_perr(struct addr_parser *p, const char *fmt, ...)
{
	char why[256], shown[ADDR_ERR_SHOW * 4];
	size_t end = p->pos > p->tend ? p->pos : p->tend;
	size_t start = p->elem;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (end > p->n)
		end = p->n;
	while (end < p->n && p->s[end] != ',')          /* show the rest of the element */
		end++;
	while (start < end && strchr(" \t\r\n", p->s[start]))
		start++;
	while (end > start && strchr(" \t\r\n", p->s[end - 1]))
		end--;
	addr_show(shown, ADDR_ERR_SHOW + 4, p->s + start, end - start);
	err_set("%s in \"%s\"", why, shown);
	return -1;
}

static bool
addr_is_special(unsigned char c)
{
	return c != '\0' && strchr("()<>[]:;@\\,.\"", c) != NULL;
}

static bool
addr_is_ctl(unsigned char c)
{
	return c < 32 || c == 127;
}

/* Skip white space and comments. */
static int
addr_skip_cfws(struct addr_parser *p)
{
	size_t depth;

	while (p->pos < p->n) {
		char c = p->s[p->pos];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			p->pos++;
			continue;
		}
		if (c != '(')
			break;
		depth = 0;
		while (p->pos < p->n) {
			c = p->s[p->pos++];
			if (c == '\\' && p->pos < p->n)
				p->pos++;
			else if (c == '(')
				depth++;
			else if (c == ')' && --depth == 0)
				break;
		}
		if (depth > 0)
			return addr_perr(p, "unterminated comment");
	}
	return 0;
}

/* Scan a quoted string or domain literal ending with close. */
static int
addr_scan_quoted(struct addr_parser *p, char close, const char *what)
{
	while (++p->pos < p->n) {
		char c = p->s[p->pos];

		if (c == '\\')
			p->pos++;
		else if (c == close) {
			p->pos++;
			return 0;
		} else if (close == ']' && (c == '[' || c == '\\'))
			break;
	}
	p->pos = p->n;
	return addr_perr(p, "unterminated %s", what);
}

/* Advance to the next token. */
static int
addr_next(struct addr_parser *p)
{
	unsigned char c;

	if (addr_skip_cfws(p) == -1)
		return -1;
	p->tstart = p->pos;
	if (p->pos >= p->n) {
		p->tok = ADDR_TOK_EOF;
		p->tend = p->pos;
		return 0;
	}
	c = (unsigned char)p->s[p->pos];
	if (c == '"') {
		p->tok = ADDR_TOK_QSTR;
		if (addr_scan_quoted(p, '"', "quoted string") == -1)
			return -1;
	} else if (c == '[') {
		p->tok = ADDR_TOK_DLIT;
		if (addr_scan_quoted(p, ']', "address literal") == -1)
			return -1;
	} else if (c == ')' || c == ']' || c == '\\') {
		p->pos++;
		return addr_perr(p, "unexpected '%c'", c);
	} else if (addr_is_special(c)) {
		p->tok = ADDR_TOK_SPECIAL;
		p->pos++;
	} else if (addr_is_ctl(c)) {
		p->pos++;
		return addr_perr(p, "control character 0x%02x", c);
	} else {
		p->tok = ADDR_TOK_ATOM;
		while (p->pos < p->n) {
			c = (unsigned char)p->s[p->pos];
			if (addr_is_special(c) || addr_is_ctl(c) || c == ' ')
				break;
			p->pos++;
		}
	}
	p->tend = p->pos;
	return 0;
}

static bool
addr_is(struct addr_parser *p, char c)
{
	return p->tok == ADDR_TOK_SPECIAL && p->s[p->tstart] == c;
}

static bool
addr_is_word(struct addr_parser *p)
{
	return p->tok == ADDR_TOK_ATOM || p->tok == ADDR_TOK_QSTR;
}

/* Describe the lookahead token for an error text. */
static const char *
addr_tokname(struct addr_parser *p, char *out, size_t outsz)
{
	char shown[48];

	switch (p->tok) {
	case ADDR_TOK_EOF:
		return "end of list";
	case ADDR_TOK_SPECIAL:
		snprintf(out, outsz, "'%c'", p->s[p->tstart]);
		return out;
	default:
		addr_show(shown, 40, p->s + p->tstart, p->tend - p->tstart);
		snprintf(out, outsz, "word '%s'", shown);
		return out;
	}
}

static int
addr_unexpected(struct addr_parser *p, const char *where)
{
	char tn[64];

	return addr_perr(p, "unexpected %s%s", addr_tokname(p, tn, sizeof tn), where);
}

/* Append the current token to the address (quoted strings unquoted,
 * folding removed). *room is cleared if it does not fit. */
static void
addr_take(struct addr_parser *p, bool *room)
{
	size_t i = p->tstart, e = p->tend;

	if (p->tok == ADDR_TOK_QSTR) {
		i++;
		e--;
	}
	for (; i < e; i++) {
		char c = p->s[i];

		if (c == '\r' || c == '\n')
			continue;
		if (c == '\\' && p->tok == ADDR_TOK_QSTR && i + 1 < e)
			c = p->s[++i];
		if (p->len >= ADDR_MAX) {
			*room = false;
			return;
		}
		p->addr[p->len++] = c;
	}
}

static int
addr_toolong(struct addr_parser *p)
{
	return addr_perr(p, "address longer than %d bytes", ADDR_MAX);
}

/* Scan words and dots (a local part or a display name) into the address.
 * *ntok counts them; *valid tells if no two words are adjacent; *last_end
 * is the end of the last one; *room is false if they did not fit. */
static int
addr_words(struct addr_parser *p, size_t *ntok, bool *valid, size_t *last_end, bool *room)
{
	bool prev_word = false;

	*ntok = 0;
	*valid = true;
	*room = true;
	while (addr_is_word(p) || addr_is(p, '.')) {
		if (addr_is_word(p)) {
			if (prev_word)
				*valid = false;
			prev_word = true;
		} else
			prev_word = false;
		addr_take(p, room);
		(*ntok)++;
		*last_end = p->tend;
		if (addr_next(p) == -1)
			return -1;
	}
	return 0;
}

/* Parse a domain (the '@' is consumed); appends it to the address. */
static int
addr_domain(struct addr_parser *p, size_t *end, bool *literal)
{
	bool room = true;

	*literal = false;
	if (p->tok == ADDR_TOK_DLIT) {
		*literal = true;
		addr_take(p, &room);
		*end = p->tend;
		if (!room)
			return addr_toolong(p);
		return addr_next(p);
	}
	if (p->tok != ADDR_TOK_ATOM)
		return addr_unexpected(p, " where a domain was expected");
	for (;;) {
		addr_take(p, &room);
		*end = p->tend;
		if (addr_next(p) == -1)
			return -1;
		if (!addr_is(p, '.'))
			break;
		addr_take(p, &room);
		if (addr_next(p) == -1)
			return -1;
		if (p->tok != ADDR_TOK_ATOM)
			return addr_perr(p, "empty label in domain");
	}
	if (!room)
		return addr_toolong(p);
	return 0;
}

static int
addr_emit(struct addr_parser *p, size_t start, size_t end, size_t local_len, bool dom, bool lit)
{
	struct addr_mbox m;

	p->addr[p->len] = '\0';
	m.addr = p->addr;
	m.len = p->len;
	m.local_len = local_len;
	m.has_domain = dom;
	m.literal = lit;
	m.start = start;
	m.end = end;
	return p->cb(p->arg, &m);
}

/* Skip an obsolete route "@a,@b:" inside an angle address. */
static int
addr_route(struct addr_parser *p)
{
	size_t keep = p->len, end;
	bool lit;

	while (addr_is(p, '@')) {
		if (addr_next(p) == -1 || addr_domain(p, &end, &lit) == -1)
			return -1;
		p->len = keep;
		while (addr_is(p, ','))
			if (addr_next(p) == -1)
				return -1;
	}
	if (!addr_is(p, ':'))
		return addr_unexpected(p, " in route (expected ':')");
	return addr_next(p);
}

/* Parse "<addr-spec>"; the lookahead is '<'. */
static int
addr_angle(struct addr_parser *p, size_t start)
{
	size_t ntok, end = 0, local_len;
	bool valid, room, lit = false, dom = false;

	p->len = 0;
	if (addr_next(p) == -1)
		return -1;
	if (addr_is(p, '@') && addr_route(p) == -1)
		return -1;
	if (addr_is(p, '>')) {
		if (addr_emit(p, start, p->tstart, 0, false, false) == -1)
			return -1;
		return addr_next(p);
	}
	if (addr_words(p, &ntok, &valid, &end, &room) == -1)
		return -1;
	if (ntok == 0)
		return addr_unexpected(p, " where a local part was expected");
	if (!valid)
		return addr_perr(p, "local part has words not joined by '.'");
	if (!room)
		return addr_toolong(p);
	local_len = p->len;
	if (addr_is(p, '@')) {
		dom = true;
		if (p->len >= ADDR_MAX)
			return addr_toolong(p);
		p->addr[p->len++] = '@';
		if (addr_next(p) == -1 || addr_domain(p, &end, &lit) == -1)
			return -1;
	}
	if (!addr_is(p, '>'))
		return addr_unexpected(p, " (expected '>')");
	if (addr_emit(p, start, end, local_len, dom, lit) == -1)
		return -1;
	return addr_next(p);
}

static int addr_group(struct addr_parser *p);

/* Parse one address (mailbox or group) or nothing; the caller checks what follows. */
static int
addr_address(struct addr_parser *p, bool in_group)
{
	size_t ntok, end = 0, local_len, start = p->tstart;
	bool valid, room, lit = false;

	p->elem = start;
	p->len = 0;
	if (addr_words(p, &ntok, &valid, &end, &room) == -1)
		return -1;
	if (addr_is(p, '<'))
		return addr_angle(p, start);
	if (addr_is(p, ':')) {
		if (in_group)
			return addr_perr(p, "group inside a group");
		return addr_group(p);
	}
	if (ntok == 0) {
		if (p->tok == ADDR_TOK_EOF || addr_is(p, ',') || (in_group && addr_is(p, ';')))
			return 0;
		return addr_unexpected(p, "");
	}
	if (!valid)
		return addr_perr(p, "not an address (a display name needs <address>)");
	if (!room)
		return addr_toolong(p);
	local_len = p->len;
	if (!addr_is(p, '@'))
		return addr_emit(p, start, end, local_len, false, false);
	if (p->len >= ADDR_MAX)
		return addr_toolong(p);
	p->addr[p->len++] = '@';
	if (addr_next(p) == -1 || addr_domain(p, &end, &lit) == -1)
		return -1;
	if (addr_is(p, '<'))            /* unquoted "a@b <a@b>": the first was a name */
		return addr_angle(p, start);
	return addr_emit(p, start, end, local_len, true, lit);
}

/* Parse "name: mailbox, ...;"; the lookahead is ':'. */
static int
addr_group(struct addr_parser *p)
{
	if (addr_next(p) == -1)
		return -1;
	for (;;) {
		while (addr_is(p, ','))
			if (addr_next(p) == -1)
				return -1;
		if (addr_is(p, ';'))
			return addr_next(p);
		if (p->tok == ADDR_TOK_EOF)         /* "undisclosed-recipients:" */
			return 0;
		if (addr_address(p, true) == -1)
			return -1;
		if (!addr_is(p, ',') && !addr_is(p, ';') && p->tok != ADDR_TOK_EOF)
			return addr_unexpected(p, " after address");
	}
}

int
addr_list_parse(const char *s, size_t n, addr_list_cb cb, void *arg)
{
	struct addr_parser p;

	memset(&p, 0, sizeof p);
	p.s = s;
	p.n = n;
	p.cb = cb;
	p.arg = arg;
	if (addr_next(&p) == -1)
		return -1;
	for (;;) {
		while (addr_is(&p, ','))
			if (addr_next(&p) == -1)
				return -1;
		if (p.tok == ADDR_TOK_EOF)
			return 0;
		if (addr_address(&p, false) == -1)
			return -1;
		if (!addr_is(&p, ',') && p.tok != ADDR_TOK_EOF)
			return addr_unexpected(&p, " after address");
	}
}
