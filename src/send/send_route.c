/* send_route: local/remote classification (rules in send_route.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "err.h"
#include "send_route.h"

/* Put key (len bytes), lower-cased, into m with val. */
static int
put_lower(struct strmap *m, const char *key, size_t len, const char *val)
{
	struct buf b = BUF_INIT;
	int rc;

	rc = buf_set_lower(&b, key, len) == -1 ? -1 : strmap_put(m, b.p, b.len, val);
	if (rc == -1)
		err_set("out of memory");
	buf_free(&b);
	return rc;
}

int
send_route_add_local(struct send_route *r, const char *domain)
{
	return put_lower(&r->locals, domain, strlen(domain), NULL);
}

int
send_route_add_vdom(struct send_route *r, const char *line, const char *where)
{
	const char *colon = strchr(line, ':');

	if (colon == NULL) {
		err_set("%s: missing ':' (want key:prefix)", where);
		return -1;
	}
	if (strchr(colon + 1, ':') || strchr(colon + 1, '@')) {
		err_set("%s: the prefix may not contain ':' or '@'", where);
		return -1;
	}
	return put_lower(&r->vdoms, line, (size_t)(colon - line), colon + 1);
}

int
send_route_add_discard(struct send_route *r, const char *line, const char *where)
{
	const char *at = strchr(line, '@');

	/* no empty key: it would match every address */
	if (!*line || strpbrk(line, ": \t") ||
	    (at && (at == line || strchr(at + 1, '@') || !at[1]))) {
		err_set("%s: not an address, a domain or a .domain: '%s'", where, line);
		return -1;
	}
	return put_lower(&r->discard, line, strlen(line), NULL);
}

static int
add_vdom(const char *line, const char *where, void *r)
{
	return send_route_add_vdom(r, line, where);
}

static int
add_discard(const char *line, const char *where, void *r)
{
	return send_route_add_discard(r, line, where);
}

int
send_route_load(struct send_route *r)
{
	struct buf list = BUF_INIT;
	const char *p;
	size_t n, i;
	int rc = -1;

	if (control_lines("locals", &list, &n) == -1)
		goto out;
	for (p = list.p, i = 0; i < n; i++, p += strlen(p) + 1)
		if (send_route_add_local(r, p) == -1)
			goto out;
	if (control_each("virtualdomains", add_vdom, r) == -1)
		goto out;
	rc = control_each("discard", add_discard, r);
out:
	buf_free(&list);
	return rc;
}

/* The entry of m for the lower-cased address low (its '@' at at): the
 * whole address, the domain, each .suffix from the longest, then "". */
static const struct strmap_slot *
lookup(const struct strmap *m, const char *low, size_t len, size_t at)
{
	const struct strmap_slot *hit = NULL;
	size_t i;

	for (i = 0; i <= len && !hit; i++)
		if (i == 0 || i == at + 1 || i == len || (i > at && low[i] == '.'))
			hit = strmap_get(m, low + i, len - i);
	return hit;
}

enum send_route_kind
send_route_classify(struct send_route *r, const char *addr, size_t len, struct buf *out)
{
	struct buf *low = &r->low;
	const struct strmap_slot *hit;
	enum send_route_kind kind = SEND_ROUTE_REMOTE;
	size_t at = len, i;

	buf_reset(out);
	for (i = len; i > 0; i--)
		if (addr[i - 1] == '@') {
			at = i - 1;
			break;
		}
	if (at == len || buf_set_lower(low, addr, len) == -1) {
		kind = SEND_ROUTE_LOCAL;        /* no domain (or no memory: keep it here) */
		goto local;
	}
	if (r->discard.count && lookup(&r->discard, low->p, len, at))
		return SEND_ROUTE_DISCARD;
	if (strmap_get(&r->locals, low->p + at + 1, len - at - 1)) {
		kind = SEND_ROUTE_LOCAL;
		goto local;
	}
	hit = lookup(&r->vdoms, low->p, len, at);
	if (hit == NULL || hit->val == NULL || hit->val[0] == '\0')
		goto out;
	kind = SEND_ROUTE_LOCAL;
	if (buf_adds(out, hit->val) == -1 || buf_addc(out, '-') == -1)
		goto out;
local:
	buf_add(out, addr, len);
out:
	return kind;
}

void
send_route_free(struct send_route *r)
{
	strmap_free(&r->locals);
	strmap_free(&r->vdoms);
	strmap_free(&r->discard);
	buf_free(&r->low);
}
