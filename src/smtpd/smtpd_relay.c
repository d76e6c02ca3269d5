/* smtpd_relay: rcpthosts and morercpthosts.db (see smtpd_relay.h). */
#include "config.h"

#include <string.h>

#include "control.h"
#include "err.h"
#include "home.h"
#include "smtpd_relay.h"
#include "users.h"

int
smtpd_relay_add(struct smtpd_relay *r, const char *entry)
{
	if (users_lower(&r->low, entry, strlen(entry)) == -1 ||
	    strmap_put(&r->hosts, r->low.p, r->low.len, NULL) == -1) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

int
smtpd_relay_load(struct smtpd_relay *r)
{
	struct buf list = BUF_INIT, path = BUF_INIT;
	size_t i, n, off;
	int ret = -1;

	memset(r, 0, sizeof *r);
	if (control_lines("rcpthosts", &list, &n) == -1)
		goto out;
	for (i = 0, off = 0; i < n; i++, off += strlen(list.p + off) + 1)
		if (smtpd_relay_add(r, list.p + off) == -1)
			goto out;
	if (home_path(&path, "control/morercpthosts.db") == -1 ||
	    users_db_init(&r->more, path.p) == -1) {
		err_set("out of memory");
		goto out;
	}
	r->have_more = true;
	ret = 0;
out:
	buf_free(&list);
	buf_free(&path);
	return ret;
}

/* Look key (n bytes, lower case) up in the database. */
static int
smtpd_relay_db(struct smtpd_relay *r, const char *key, size_t n)
{
	if (!r->have_more)
		return 0;
	if (users_db_refresh(&r->more) == -1)
		return -1;
	return users_db_get(&r->more, key, n, &r->val);
}

int
smtpd_relay_ours(struct smtpd_relay *r, const char *domain, size_t n)
{
	const char *low;
	size_t i;
	int got;

	if (n == 0)
		return 0;
	if (users_lower(&r->low, domain, n) == -1) {
		err_set("out of memory");
		return -1;
	}
	low = r->low.p;
	if (strmap_get(&r->hosts, low, n) != NULL)
		return 1;
	if ((got = smtpd_relay_db(r, low, n)) != 0)
		return got;
	for (i = 1; i < n; i++) {
		if (low[i] != '.')
			continue;
		if (strmap_get(&r->hosts, low + i, n - i) != NULL)
			return 1;
		if ((got = smtpd_relay_db(r, low + i, n - i)) != 0)
			return got;
	}
	return 0;
}

struct smtpd_relay_fill {
	const char *text, *where;
	size_t len;
};

/* Put every entry of morercpthosts into db. */
static int
smtpd_relay_fill(void *arg, struct __db *db)
{
	struct smtpd_relay_fill *f = arg;
	struct buf low = BUF_INIT;
	size_t pos = 0, end, s, e;
	unsigned line = 0;
	int r = -1;

	while (pos < f->len) {
		line++;
		for (end = pos; end < f->len && f->text[end] != '\n'; end++)
			;
		for (s = pos; s < end && (f->text[s] == ' ' || f->text[s] == '\t'); s++)
			;
		for (e = end; e > s && (f->text[e - 1] == ' ' || f->text[e - 1] == '\t' ||
		    f->text[e - 1] == '\r'); e--)
			;
		pos = end + 1;
		if (e == s || f->text[s] == '#')
			continue;
		if (memchr(f->text + s, '\0', e - s) || memchr(f->text + s, ' ', e - s)) {
			err_set("%s:%u: not a domain", f->where, line);
			goto out;
		}
		if (users_lower(&low, f->text + s, e - s) == -1) {
			err_set("out of memory");
			goto out;
		}
		if (users_db_put(db, low.p, low.len, "", 0) == -1)
			goto out;
	}
	r = 0;
out:
	buf_free(&low);
	return r;
}

int
smtpd_relay_compile(const char *text, size_t len, const char *where, const char *dbpath)
{
	struct smtpd_relay_fill f = { text, where, len };

	return users_db_build(dbpath, smtpd_relay_fill, &f);
}

void
smtpd_relay_free(struct smtpd_relay *r)
{
	strmap_free(&r->hosts);
	if (r->have_more)
		users_db_free(&r->more);
	buf_free(&r->low);
	buf_free(&r->val);
}
