/* inject_addr: address qualification for injection (see inject_addr.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "addr_envelope.h"
#include "err.h"
#include "inject_addr.h"
#include "inject_conf.h"

/* How to qualify host h: drop *del bytes at its end, then append suffix. */
static int
inject_addr_host_edit(const struct inject_conf *c, const char *h, size_t n,
    struct buf *suffix, size_t *del)
{
	buf_reset(suffix);
	*del = 0;
	if (n > 0 && h[0] == '[')
		return 0;
	if (n > 0 && h[n - 1] == '+') {
		*del = 1;
		if (n > 1 && buf_addc(suffix, '.') == -1)
			return -1;
		return buf_add(suffix, c->plusdomain.p, c->plusdomain.len);
	}
	if (c->has_defaultdomain && c->defaultdomain.len > 0 && memchr(h, '.', n) == NULL) {
		if (buf_addc(suffix, '.') == -1)
			return -1;
		return buf_add(suffix, c->defaultdomain.p, c->defaultdomain.len);
	}
	return 0;
}

int
inject_addr_host(const struct inject_conf *c, const char *h, size_t n, struct buf *out)
{
	struct buf suffix = BUF_INIT;
	size_t del;
	int r = -1;

	if (inject_addr_host_edit(c, h, n, &suffix, &del) == -1)
		goto out;
	buf_reset(out);
	if (buf_add(out, h, n - del) == -1 || buf_add(out, suffix.p, suffix.len) == -1)
		goto out;
	r = 0;
out:
	buf_free(&suffix);
	if (r == -1)
		err_set("out of memory");
	return r;
}

int
inject_addr_qualify(const struct inject_conf *c, const struct addr_mbox *m,
    struct buf *suffix, size_t *del)
{
	size_t dom;

	buf_reset(suffix);
	*del = 0;
	if (m->len == 0 || m->literal)
		return 0;
	if (!m->has_domain) {
		struct buf host = BUF_INIT;
		int r;

		if (inject_addr_host(c, c->defaulthost.p, c->defaulthost.len, &host) == -1)
			return -1;
		r = buf_addc(suffix, '@') == -1 || buf_add(suffix, host.p, host.len) == -1 ? -1 : 0;
		buf_free(&host);
		if (r == -1)
			goto nomem;
		return 0;
	}
	dom = m->local_len + 1;
	if (inject_addr_host_edit(c, m->addr + dom, m->len - dom, suffix, del) == -1)
		goto nomem;
	return 0;
nomem:
	err_set("out of memory");
	return -1;
}

int
inject_addr_check(const char *a, size_t n)
{
	struct buf wire = BUF_INIT;
	int r = -1;

	if (n > ADDR_MAX) {
		err_set("address \"%.100s...\" longer than %d bytes", a, ADDR_MAX);
		goto out;
	}
	if (addr_envelope_quote(&wire, a, n) == -1) {
		err_set("out of memory");
		goto out;
	}
	r = addr_envelope_check(wire.p, wire.len);
out:
	buf_free(&wire);
	return r;
}

int
inject_addr_build(const struct inject_conf *c, const struct addr_mbox *m, struct buf *out)
{
	struct buf suffix = BUF_INIT;
	size_t del;
	int r = -1;

	if (inject_addr_qualify(c, m, &suffix, &del) == -1)
		goto out;
	buf_reset(out);
	if (buf_add(out, m->addr, m->len - del) == -1 || buf_add(out, suffix.p, suffix.len) == -1) {
		err_set("out of memory");
		goto out;
	}
	r = 0;
out:
	buf_free(&suffix);
	return r;
}

int
inject_addr_final(const struct inject_conf *c, const struct addr_mbox *m, struct buf *out)
{
	if (inject_addr_build(c, m, out) == -1)
		return -1;
	return inject_addr_check(out->p, out->len);
}

struct inject_addr_ctx {
	const struct inject_conf *c;
	bool allow_null;
	struct buf *out;
	size_t *count;
	struct buf one;
};

static int
inject_addr_one(void *arg, const struct addr_mbox *m)
{
	struct inject_addr_ctx *x = arg;

	if (m->len == 0) {
		if (!x->allow_null) {
			err_set("empty address <> is not a recipient");
			return -1;
		}
		buf_reset(&x->one);
	} else if (inject_addr_final(x->c, m, &x->one) == -1)
		return -1;
	if (buf_add(x->out, x->one.p ? x->one.p : "", x->one.len) == -1 ||
	    buf_addc(x->out, '\0') == -1) {
		err_set("out of memory");
		return -1;
	}
	(*x->count)++;
	return 0;
}

int
inject_addr_list(const struct inject_conf *c, const char *text, size_t n, bool allow_null,
    struct buf *out, size_t *count)
{
	struct inject_addr_ctx x = { c, allow_null, out, count, BUF_INIT };
	int r;

	r = addr_list_parse(text, n, inject_addr_one, &x);
	buf_free(&x.one);
	return r;
}

void
inject_addr_errprefix(const char *prefix)
{
	char copy[1024];

	snprintf(copy, sizeof copy, "%s", err_str());
	err_set("%s: %s", prefix, copy);
}
