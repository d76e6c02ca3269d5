/* tcpd_rules: parsing and matching herald-tcpd's rules (see tcpd_rules.h).
 * Line format (herald-tcprules(5)):
 *   PATTERN:ACTION[,VAR=VALUE]...
 * PATTERN: a.b.c.d | a.b. (dotted prefix) | a.b.c.d/N | [v6] | [v6]/N | empty
 * ACTION: allow | deny; VALUE: bytes up to the next ',' or "quoted". */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fsio.h"
#include "tcpd_rules.h"

/* The largest rules file read; a bigger list is a mistake. */
#define TCPD_RULES_MAX (16 * 1024 * 1024)

/* Variables herald-tcpd sets itself for every connection. */
static const char *const tcpd_rules_reserved[] = {
	"PROTO", "TCPLOCALIP", "TCPLOCALPORT", "TCPREMOTEIP", "TCPREMOTEPORT",
};

static void
tcpd_rules_free_rule(struct tcpd_rule *ru)
{
	size_t i;

	for (i = 0; i < ru->nvars; i++) {
		free(ru->vars[i].name);
		free(ru->vars[i].value);
	}
	free(ru->vars);
	free(ru->text);
	memset(ru, 0, sizeof *ru);
}

void
tcpd_rules_free(struct tcpd_rules *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		tcpd_rules_free_rule(&r->v[i]);
	free(r->v);
	free(r->file);
	r->v = NULL;
	r->n = 0;
	r->file = NULL;
}

int
tcpd_rules_addr(const struct sockaddr *sa, unsigned char out[16])
{
	const struct sockaddr_in *s4;
	const struct sockaddr_in6 *s6;

	if (sa->sa_family == AF_INET) {
		s4 = (const struct sockaddr_in *)sa;
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &s4->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)sa;
		memcpy(out, &s6->sin6_addr, 16);
		return 0;
	}
	err_set("not an IP address (family %d)", sa->sa_family);
	return -1;
}

static bool
tcpd_rules_is_mapped(const unsigned char a[16])
{
	static const unsigned char pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, pre, sizeof pre) == 0;
}

int
tcpd_rules_addr_str(const unsigned char addr[16], struct buf *out)
{
	char text[INET6_ADDRSTRLEN];
	const char *p;

	if (tcpd_rules_is_mapped(addr))
		p = inet_ntop(AF_INET, addr + 12, text, sizeof text);
	else
		p = inet_ntop(AF_INET6, addr, text, sizeof text);
	if (p == NULL) {
		err_sys("inet_ntop");
		return -1;
	}
	if (buf_sets(out, text) == -1) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

/* Do the first prefix bits of a and b agree? */
static bool
tcpd_rules_covers(const unsigned char a[16], const unsigned char b[16], unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	unsigned char mask;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

/* Are the bits of a past prefix all zero? */
static bool
tcpd_rules_host_zero(const unsigned char a[16], unsigned prefix)
{
	unsigned i;

	for (i = prefix; i < 128; i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

const struct tcpd_rule *
tcpd_rules_match(const struct tcpd_rules *r, const struct sockaddr *sa)
{
	unsigned char a[16];
	size_t i;

	if (tcpd_rules_addr(sa, a) == -1)
		return NULL;
	for (i = 0; i < r->n; i++)
		if (tcpd_rules_covers(r->v[i].addr, a, r->v[i].prefix))
			return &r->v[i];
	return NULL;
}

/* Parse a decimal number of at most 3 digits into *n (<= max). */
static bool
tcpd_rules_num(const char *s, size_t len, unsigned max, unsigned *n)
{
	size_t i;

	if (len == 0 || len > 3)
		return false;
	*n = 0;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*n = *n * 10 + (unsigned)(s[i] - '0');
	}
	return *n <= max;
}

/* Where the line being parsed comes from, for error messages. */
struct tcpd_rules_ctx {
	const char *file;
	unsigned line;
};

static int
tcpd_rules_fail(const struct tcpd_rules_ctx *c, const char *what, const char *s, size_t n)
{
	if (s != NULL)
		err_set("%s:%u: %s \"%.*s\"", c->file, c->line, what, (int)(n > 200 ? 200 : n), s);
	else
		err_set("%s:%u: %s", c->file, c->line, what);
	return -1;
}

/* Parse the pattern s[0..n) into ru->addr and ru->prefix. */
static int
tcpd_rules_pattern(const struct tcpd_rules_ctx *c, const char *s, size_t n, struct tcpd_rule *ru)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	const char *slash, *close;
	unsigned oct, bits;
	size_t i, start;

	memset(ru->addr, 0, sizeof ru->addr);
	ru->prefix = 0;
	if (n == 0)
		return 0;                       /* the default rule */
	if (s[0] == '[') {
		close = memchr(s, ']', n);
		if (close == NULL || close - s - 1 >= (long)sizeof tmp)
			return tcpd_rules_fail(c, "bad IPv6 pattern", s, n);
		memcpy(tmp, s + 1, (size_t)(close - s - 1));
		tmp[close - s - 1] = '\0';
		if (inet_pton(AF_INET6, tmp, ru->addr) != 1)
			return tcpd_rules_fail(c, "bad IPv6 address", s, n);
		i = (size_t)(close - s) + 1;
		ru->prefix = 128;
		if (i < n) {
			if (s[i] != '/' || !tcpd_rules_num(s + i + 1, n - i - 1, 128, &bits))
				return tcpd_rules_fail(c, "bad IPv6 prefix", s, n);
			if (bits == 0)
				return tcpd_rules_fail(c,
				    "prefix length 0 (use the default rule, an empty pattern)", s, n);
			ru->prefix = bits;
		}
	} else if (s[n - 1] == '.') {
		/* tcprules-style dotted prefix: 1 to 3 octets, each followed by '.' */
		ru->addr[10] = ru->addr[11] = 0xff;
		for (i = 0, start = 0, oct = 0; i < n; i++) {
			if (s[i] != '.')
				continue;
			if (oct == 3 || !tcpd_rules_num(s + start, i - start, 255, &bits))
				return tcpd_rules_fail(c, "bad IPv4 prefix", s, n);
			ru->addr[12 + oct++] = (unsigned char)bits;
			start = i + 1;
		}
		ru->prefix = 96 + 8 * oct;
	} else {
		slash = memchr(s, '/', n);
		i = slash ? (size_t)(slash - s) : n;
		if (i >= sizeof tmp)
			return tcpd_rules_fail(c, "bad IPv4 address", s, n);
		memcpy(tmp, s, i);
		tmp[i] = '\0';
		ru->addr[10] = ru->addr[11] = 0xff;
		if (inet_pton(AF_INET, tmp, ru->addr + 12) != 1)
			return tcpd_rules_fail(c, strchr(tmp, ':') ?
			    "bad IPv4 address (IPv6 addresses go in brackets)" : "bad IPv4 address",
			    s, n);
		ru->prefix = 128;
		if (slash != NULL) {
			if (!tcpd_rules_num(slash + 1, n - i - 1, 32, &bits))
				return tcpd_rules_fail(c, "bad IPv4 prefix length", s, n);
			ru->prefix = 96 + bits;
		}
	}
	if (!tcpd_rules_host_zero(ru->addr, ru->prefix))
		return tcpd_rules_fail(c, "address has bits set past its prefix length", s, n);
	return 0;
}

/* Add name=value (copies) to the rule. */
static int
tcpd_rules_addvar(struct tcpd_rule *ru, const char *name, size_t nlen, const char *val,
    size_t vlen)
{
	struct tcpd_rules_var *v;

	v = realloc(ru->vars, (ru->nvars + 1) * sizeof *v);
	if (v == NULL)
		goto nomem;
	ru->vars = v;
	v = &ru->vars[ru->nvars];
	v->name = strndup(name, nlen);
	v->value = strndup(val, vlen);
	if (v->name == NULL || v->value == NULL) {
		free(v->name);
		free(v->value);
		goto nomem;
	}
	ru->nvars++;
	return 0;
nomem:
	err_set("out of memory");
	return -1;
}

/* Parse ACTION[,VAR=VALUE]... in s[0..n). */
static int
tcpd_rules_action(const struct tcpd_rules_ctx *c, const char *s, size_t n, struct tcpd_rule *ru)
{
	const char *name, *val, *q;
	size_t i, nlen, vlen, k;

	for (i = 0; i < n && s[i] != ','; i++)
		;
	if (i == 5 && memcmp(s, "allow", 5) == 0)
		ru->allow = true;
	else if (i == 4 && memcmp(s, "deny", 4) == 0)
		ru->allow = false;
	else
		return tcpd_rules_fail(c, memchr(s, ':', i) ?
		    "unknown action (allow or deny; IPv6 addresses go in brackets)" :
		    "unknown action (allow or deny)", s, i);
	while (i < n) {
		i++;                            /* the ',' */
		name = s + i;
		for (nlen = 0; i < n && s[i] != '=' && s[i] != ','; i++, nlen++)
			if (!(isalpha((unsigned char)s[i]) || s[i] == '_' ||
			    (nlen > 0 && isdigit((unsigned char)s[i]))))
				return tcpd_rules_fail(c, "bad variable name", name, nlen + 1);
		if (nlen == 0)
			return tcpd_rules_fail(c, "missing variable name", NULL, 0);
		if (i == n || s[i] != '=')
			return tcpd_rules_fail(c, "missing '=' after variable", name, nlen);
		i++;
		if (i < n && s[i] == '"') {
			val = s + i + 1;
			q = memchr(val, '"', n - i - 1);
			if (q == NULL)
				return tcpd_rules_fail(c, "unterminated quoted value of", name, nlen);
			vlen = (size_t)(q - val);
			i = (size_t)(q - s) + 1;
			if (i < n && s[i] != ',')
				return tcpd_rules_fail(c, "text after the quoted value of", name, nlen);
		} else {
			val = s + i;
			for (vlen = 0; i < n && s[i] != ','; i++, vlen++)
				if (s[i] == '"')
					return tcpd_rules_fail(c, "stray '\"' in the value of", name,
					    nlen);
		}
		if (nlen == 4 && memcmp(name, "TEXT", 4) == 0) {
			if (ru->allow)
				return tcpd_rules_fail(c, "TEXT is only for deny rules", NULL, 0);
			if (ru->has_text)
				return tcpd_rules_fail(c, "TEXT given twice", NULL, 0);
			if ((ru->text = strndup(val, vlen)) == NULL) {
				err_set("out of memory");
				return -1;
			}
			ru->has_text = true;
			continue;
		}
		if (!ru->allow)
			return tcpd_rules_fail(c, "deny rules set no variables but TEXT", name, nlen);
		for (k = 0; k < sizeof tcpd_rules_reserved / sizeof tcpd_rules_reserved[0]; k++)
			if (strlen(tcpd_rules_reserved[k]) == nlen &&
			    memcmp(tcpd_rules_reserved[k], name, nlen) == 0)
				return tcpd_rules_fail(c, "variable is set by herald-tcpd", name, nlen);
		for (k = 0; k < ru->nvars; k++)
			if (strlen(ru->vars[k].name) == nlen &&
			    memcmp(ru->vars[k].name, name, nlen) == 0)
				return tcpd_rules_fail(c, "variable given twice", name, nlen);
		if (tcpd_rules_addvar(ru, name, nlen, val, vlen) == -1)
			return -1;
	}
	return 0;
}

/* Parse one non-blank, non-comment line s[0..n) into ru. */
static int
tcpd_rules_line(const struct tcpd_rules_ctx *c, const char *s, size_t n, struct tcpd_rule *ru)
{
	const char *colon;
	size_t i;

	memset(ru, 0, sizeof *ru);
	ru->line = c->line;
	if (memchr(s, '\0', n))
		return tcpd_rules_fail(c, "NUL byte in the line", NULL, 0);
	if (n > 0 && s[0] == '[') {
		colon = memchr(s, ']', n);
		if (colon == NULL)
			return tcpd_rules_fail(c, "missing ']'", s, n);
		colon = memchr(colon, ':', n - (size_t)(colon - s));
	} else {
		colon = memchr(s, ':', n);
	}
	if (colon == NULL)
		return tcpd_rules_fail(c, "missing ':' between pattern and action", s, n);
	i = (size_t)(colon - s);
	if (tcpd_rules_pattern(c, s, i, ru) == -1)
		return -1;
	return tcpd_rules_action(c, colon + 1, n - i - 1, ru);
}

/* Longest prefix first, then by address, then by line. */
static int
tcpd_rules_cmp(const void *a, const void *b)
{
	const struct tcpd_rule *x = a, *y = b;
	int d;

	if (x->prefix != y->prefix)
		return x->prefix > y->prefix ? -1 : 1;
	if ((d = memcmp(x->addr, y->addr, sizeof x->addr)) != 0)
		return d;
	return x->line < y->line ? -1 : x->line > y->line;
}

int
tcpd_rules_parse(struct tcpd_rules *r, const char *file, const char *text, size_t len)
{
	struct tcpd_rules nr = TCPD_RULES_INIT;
	struct tcpd_rules_ctx c = { file, 0 };
	struct tcpd_rule *v;
	const char *p = text, *end = text + len, *eol;
	size_t a, b, i;

	if ((nr.file = strdup(file)) == NULL) {
		err_set("out of memory");
		return -1;
	}
	while (p < end) {
		c.line++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		a = 0;
		b = (size_t)(eol - p);
		while (a < b && (p[a] == ' ' || p[a] == '\t'))
			a++;
		while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t' || p[b - 1] == '\r'))
			b--;
		if (a < b && p[a] != '#') {
			v = realloc(nr.v, (nr.n + 1) * sizeof *v);
			if (v == NULL) {
				err_set("out of memory");
				goto fail;
			}
			nr.v = v;
			if (tcpd_rules_line(&c, p + a, b - a, &nr.v[nr.n]) == -1) {
				tcpd_rules_free_rule(&nr.v[nr.n]);
				goto fail;
			}
			nr.n++;
		}
		p = eol + 1;
	}
	if (nr.n > 0)
		qsort(nr.v, nr.n, sizeof nr.v[0], tcpd_rules_cmp);
	for (i = 1; i < nr.n; i++) {
		if (nr.v[i].prefix == nr.v[i - 1].prefix &&
		    memcmp(nr.v[i].addr, nr.v[i - 1].addr, sizeof nr.v[i].addr) == 0) {
			c.line = nr.v[i].line;
			err_set("%s:%u: same pattern as line %u", file, c.line, nr.v[i - 1].line);
			goto fail;
		}
	}
	tcpd_rules_free(r);
	*r = nr;
	return 0;
fail:
	tcpd_rules_free(&nr);
	return -1;
}

int
tcpd_rules_load(struct tcpd_rules *r, const char *path)
{
	struct buf text = BUF_INIT;
	int ret = fsio_read_file(path, NULL, &text, TCPD_RULES_MAX);

	if (ret == 0) {
		err_set("%s: cannot open: no such file", path);
		ret = -1;
	} else if (ret == 1)
		ret = tcpd_rules_parse(r, path, text.p ? text.p : "", text.len);
	buf_free(&text);
	return ret;
}
