/* users_assign: parsing users/assign and compiling it into users/assign.db
 * (formats in users_assign.h and herald-users(5)). */
#include "config.h"

#include <ctype.h>
#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fsio.h"
#include "users_assign.h"
#include "users_db.h"

#define USERS_ASSIGN_FIELDS 8          /* seven ':' make eight fields, the last empty */

/* Parse a uid or gid: decimal digits, at most UINT_MAX - 1 ((uid_t)-1 is not an id). */
static bool
users_assign_id(const char *s, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v >= UINT_MAX)
			return false;
	}
	*out = v;
	return true;
}

/* Parse one entry line (NUL-terminated, modified in place) into e. */
static int
users_assign_line(char *line, const char *where, unsigned no, struct users_entry *e)
{
	char *f[USERS_ASSIGN_FIELDS], *p;
	unsigned long uid, gid;
	int n = 0;

	e->kind = line[0];
	f[n++] = line + 1;
	for (p = line + 1; *p; p++) {
		if (*p != ':')
			continue;
		if (n == USERS_ASSIGN_FIELDS) {
			err_set("%s:%u: more than seven ':'", where, no);
			return -1;
		}
		*p = '\0';
		f[n++] = p + 1;
	}
	if (n != USERS_ASSIGN_FIELDS) {
		err_set("%s:%u: %d ':' where seven are needed", where, no, n - 1);
		return -1;
	}
	if (*f[7] != '\0') {
		err_set("%s:%u: text after the seventh ':'", where, no);
		return -1;
	}
	if (*f[1] == '\0') {
		err_set("%s:%u: the user name is empty", where, no);
		return -1;
	}
	if (!users_assign_id(f[2], &uid)) {
		err_set("%s:%u: the uid is not a number: '%s'", where, no, f[2]);
		return -1;
	}
	if (!users_assign_id(f[3], &gid)) {
		err_set("%s:%u: the gid is not a number: '%s'", where, no, f[3]);
		return -1;
	}
	if (f[4][0] != '/') {
		err_set("%s:%u: the home directory is not an absolute path: '%s'", where, no, f[4]);
		return -1;
	}
	if (strcmp(f[5], "") != 0 && strcmp(f[5], "-") != 0) {
		err_set("%s:%u: dash must be empty or '-', not '%s'", where, no, f[5]);
		return -1;
	}
	for (p = f[0]; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	e->key = f[0];
	e->user = f[1];
	e->uid = (uid_t)uid;
	e->gid = (gid_t)gid;
	e->home = f[4];
	e->dash = f[5];
	e->ext = f[6];
	return 0;
}

int
users_assign_parse(const char *text, size_t len, const char *where, users_assign_fn *fn,
    void *arg)
{
	struct buf line = BUF_INIT;
	struct users_entry e;
	const char *nl;
	size_t pos = 0, n;
	unsigned no = 0;
	bool end = false;
	int r = -1;

	while (pos < len) {
		no++;
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		if (end) {
			err_set("%s:%u: text after the final '.' line", where, no);
			goto out;
		}
		if (buf_set(&line, text + pos, n) == -1) {
			err_set("out of memory");
			goto out;
		}
		pos += n + (nl != NULL);
		if (nl == NULL) {
			err_set("%s:%u: the last line does not end with a newline", where, no);
			goto out;
		}
		if (memchr(line.p, '\0', line.len) != NULL) {
			err_set("%s:%u: NUL byte in the line", where, no);
			goto out;
		}
		if (strcmp(line.p, ".") == 0) {
			end = true;
			continue;
		}
		if (line.len == 0 || (line.p[0] != '=' && line.p[0] != '+')) {
			err_set("%s:%u: a line must start with '=' or '+', or be '.'", where, no);
			goto out;
		}
		if (users_assign_line(line.p, where, no, &e) == -1 || fn(arg, &e, no) == -1)
			goto out;
	}
	if (!end) {
		err_set("%s:%u: missing the final '.' line", where, no + 1);
		goto out;
	}
	r = 0;
out:
	buf_free(&line);
	return r;
}

int
users_assign_encode(const struct users_entry *e, struct buf *key, struct buf *val)
{
	buf_reset(key);
	buf_reset(val);
	if (buf_addc(key, e->kind) == -1 || buf_adds(key, e->key) == -1 ||
	    buf_add(val, e->user, strlen(e->user) + 1) == -1 ||
	    buf_printf(val, "%lu", (unsigned long)e->uid) == -1 || buf_addc(val, '\0') == -1 ||
	    buf_printf(val, "%lu", (unsigned long)e->gid) == -1 || buf_addc(val, '\0') == -1 ||
	    buf_add(val, e->home, strlen(e->home) + 1) == -1 ||
	    buf_add(val, e->dash, strlen(e->dash) + 1) == -1 ||
	    buf_add(val, e->ext, strlen(e->ext) + 1) == -1) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

int
users_assign_decode(const char *val, size_t n, struct users_entry *e)
{
	const char *f[6];
	unsigned long uid, gid;
	size_t pos = 0;
	const char *nul;
	int i;

	for (i = 0; i < 6; i++) {
		if (pos >= n || (nul = memchr(val + pos, '\0', n - pos)) == NULL)
			goto bad;
		f[i] = val + pos;
		pos = (size_t)(nul - val) + 1;
	}
	if (pos != n || !users_assign_id(f[1], &uid) || !users_assign_id(f[2], &gid) ||
	    f[3][0] != '/')
		goto bad;
	e->user = f[0];
	e->uid = (uid_t)uid;
	e->gid = (gid_t)gid;
	e->home = f[3];
	e->dash = f[4];
	e->ext = f[5];
	return 0;
bad:
	err_set("users/assign.db: malformed record");
	return -1;
}

struct users_assign_out {
	struct __db *db;
	const char *where;
	const char *text;
	size_t len;
	struct buf key, val;
};

static int
users_assign_put(void *arg, const struct users_entry *e, unsigned line)
{
	struct users_assign_out *o = arg;
	int r;

	if (users_assign_encode(e, &o->key, &o->val) == -1)
		return -1;
	r = users_db_put(o->db, o->key.p, o->key.len, o->val.p, o->val.len);
	if (r == 1) {
		err_set("%s:%u: a second entry for %c%s", o->where, line, e->kind, e->key);
		return -1;
	}
	return r;
}

/* Fill a new database from users/assign's text. */
static int
users_assign_fill(void *arg, struct __db *db)
{
	struct users_assign_out *o = arg;

	o->db = db;
	return users_assign_parse(o->text, o->len, o->where, users_assign_put, o);
}

int
users_assign_compile(const char *text, size_t len, const char *where, const char *dbpath)
{
	struct users_assign_out o = { NULL, where, text, len, BUF_INIT, BUF_INIT };
	int r;

	r = users_db_build(dbpath, users_assign_fill, &o);
	buf_free(&o.key);
	buf_free(&o.val);
	return r;
}
