/* users_lookup: resolving a local part to herald-local's user, home, dash
 * and ext (the order of the steps is in users.h). */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "users.h"
#include "users_assign.h"

int
users_multi(const char *home, bool *multi)
{
	struct buf path = BUF_INIT;
	struct stat st;
	int r = -1;

	*multi = false;
	if (geteuid() != 0)
		return 0;
	if (buf_printf(&path, "%s/queue", home) == -1) {
		err_set("out of memory");
		return -1;
	}
	if (stat(path.p, &st) == -1)
		err_sys("cannot stat %s", path.p);
	else {
		*multi = st.st_uid != 0;
		r = 0;
	}
	buf_free(&path);
	return r;
}

int
users_init(struct users *u, const char *home, bool multi)
{
	struct buf path = BUF_INIT;
	int r;

	memset(u, 0, sizeof *u);
	u->home = home;
	u->multi = multi;
	if (buf_printf(&path, "%s/users/assign.db", home) == -1) {
		err_set("out of memory");
		return -1;
	}
	r = users_db_init(&u->db, path.p);
	buf_free(&path);
	return r;
}

void
users_free(struct users *u)
{
	users_db_free(&u->db);
	buf_free(&u->key);
	buf_free(&u->val);
}

void
users_pw_free(struct users_pw *pw)
{
	buf_free(&pw->user);
	buf_free(&pw->home);
	buf_free(&pw->dash);
	buf_free(&pw->ext);
}

size_t
users_split(const char *local)
{
	const char *dash = strchr(local, '-');

	return dash ? (size_t)(dash - local) : strlen(local);
}

int
users_lower(struct buf *out, const char *s, size_t n)
{
	size_t i;

	buf_reset(out);
	if (buf_reserve(out, n) == -1) {
		err_set("out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		out->p[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	out->len = n;
	out->p[n] = '\0';
	return 0;
}

/* Fill pw; ext is ext1 followed by ext2. */
static int
users_fill(struct users_pw *pw, enum users_source src, const char *user, size_t ulen,
    const char *home, const char *dash, const char *ext1, const char *ext2)
{
	pw->source = src;
	if (buf_set(&pw->user, user, ulen) == -1 || buf_sets(&pw->home, home) == -1 ||
	    buf_sets(&pw->dash, dash) == -1 || buf_sets(&pw->ext, ext1) == -1 ||
	    buf_adds(&pw->ext, ext2) == -1) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

/* Look up kind + n bytes of lower in the database: 1 found (e set), 0, -1. */
static int
users_get(struct users *u, char kind, const char *lower, size_t n, struct users_entry *e)
{
	int r;

	buf_reset(&u->key);
	if (buf_addc(&u->key, kind) == -1 || buf_add(&u->key, lower, n) == -1) {
		err_set("out of memory");
		return -1;
	}
	if ((r = users_db_get(&u->db, u->key.p, u->key.len, &u->val)) != 1)
		return r;
	e->kind = kind;
	return users_assign_decode(u->val.p, u->val.len, e) == -1 ? -1 : 1;
}

/* Step 2: users/assign.db. */
static int
users_assign(struct users *u, const char *local, const char *lower, size_t n,
    struct users_pw *pw)
{
	struct users_entry e;
	size_t i = 0;
	int r;

	if (users_db_refresh(&u->db) == -1)
		return -1;
	if ((r = users_get(u, '=', lower, n, &e)) == 1)
		goto found;
	for (i = n + 1; r == 0 && i-- > 0;)
		if ((r = users_get(u, '+', lower, i, &e)) == 1)
			goto found;
	return r;
found:
	if (users_fill(pw, USERS_ASSIGN, e.user, strlen(e.user), e.home, e.dash, e.ext,
	    e.kind == '+' ? local + i : "") == -1)
		return -1;
	pw->uid = e.uid;
	pw->gid = e.gid;
	return 1;
}

/* Step 3, multi-user: a system account. */
static int
users_passwd(const char *local, const char *lower, struct users_pw *pw)
{
	struct buf name = BUF_INIT;
	struct passwd *p;
	struct stat st;
	size_t n = users_split(lower);
	int r = -1;

	if (n == 0)
		return 0;
	if (buf_set(&name, lower, n) == -1) {
		err_set("out of memory");
		return -1;
	}
	errno = 0;
	if ((p = getpwnam(name.p)) == NULL) {
		if (errno == 0 || errno == ENOENT || errno == ESRCH || errno == EBADF ||
		    errno == EPERM)
			r = 0;
		else
			err_sys("cannot look up user %s", name.p);
		goto out;
	}
	if (p->pw_uid == 0) {
		r = 0;
		goto out;
	}
	if (stat(p->pw_dir, &st) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			r = 0;
		else
			err_sys("cannot stat the home directory %s of %s", p->pw_dir, name.p);
		goto out;
	}
	if (st.st_uid != p->pw_uid) {
		r = 0;
		goto out;
	}
	if (users_fill(pw, USERS_PASSWD, name.p, n, p->pw_dir, local[n] ? "-" : "",
	    local[n] ? local + n + 1 : "", "") == -1)
		goto out;
	pw->uid = p->pw_uid;
	pw->gid = p->pw_gid;
	r = 1;
out:
	buf_free(&name);
	return r;
}

/* Step 3, single-user: the directory HOME/users/NAME. */
static int
users_dir(struct users *u, const char *local, const char *lower, struct users_pw *pw)
{
	struct buf path = BUF_INIT;
	struct stat st;
	size_t n = users_split(lower);
	int r = -1;

	if (n == 0 || memchr(lower, '/', n) != NULL || (n == 1 && lower[0] == '.') ||
	    (n == 2 && lower[0] == '.' && lower[1] == '.'))
		return 0;
	if (buf_printf(&path, "%s/users/", u->home) == -1 || buf_add(&path, lower, n) == -1) {
		err_set("out of memory");
		return -1;
	}
	if (stat(path.p, &st) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			r = 0;
		else
			err_sys("cannot stat %s", path.p);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		r = 0;
		goto out;
	}
	if (users_fill(pw, USERS_DIR, lower, n, path.p, local[n] ? "-" : "",
	    local[n] ? local + n + 1 : "", "") == -1)
		goto out;
	r = 1;
out:
	buf_free(&path);
	return r;
}

/* Step 4: the alias user. */
static int
users_alias(struct users *u, const char *local, struct users_pw *pw)
{
	struct buf home = BUF_INIT;
	struct passwd *p = NULL;
	int r = -1;

	if (u->multi && (p = getpwnam(USERS_ALIAS)) == NULL) {
		err_set("no system user %s for %s/alias (see herald-setup(8))", USERS_ALIAS,
		    u->home);
		return -1;
	}
	if (buf_printf(&home, "%s/alias", u->home) == -1) {
		err_set("out of memory");
		goto out;
	}
	if (users_fill(pw, USERS_ALIASED, USERS_ALIAS, strlen(USERS_ALIAS), home.p, "-", local,
	    "") == -1)
		goto out;
	if (p != NULL) {
		pw->uid = p->pw_uid;
		pw->gid = p->pw_gid;
	}
	r = 1;
out:
	buf_free(&home);
	return r;
}

int
users_lookup(struct users *u, const char *local, struct users_pw *pw)
{
	struct buf lower = BUF_INIT;
	size_t n = strlen(local);
	int r = -1;

	if (users_lower(&lower, local, n) == -1)
		goto out;
	if ((r = users_assign(u, local, lower.p, n, pw)) == 0)
		r = u->multi ? users_passwd(local, lower.p, pw) : users_dir(u, local, lower.p, pw);
	if (r == 0)
		r = users_alias(u, local, pw);
	if (r == 1 && !u->multi) {
		pw->uid = getuid();
		pw->gid = getgid();
	}
out:
	buf_free(&lower);
	return r == -1 ? -1 : 0;
}
