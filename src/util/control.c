/* control: reading control files (see control.h). */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "err.h"
#include "fsio.h"
#include "home.h"

/* The largest control file herald reads; larger lists belong in a database. */
#define CONTROL_MAX (64 * 1024 * 1024)

/* Read control/NAME whole; returns 1 if read, 0 if missing, -1 on error. */
static int
control_slurp(const char *name, struct buf *out)
{
	struct buf path = BUF_INIT, what = BUF_INIT;
	int r = -1;

	buf_reset(out);
	if (buf_printf(&path, "%s/control/%s", home_dir(), name) == -1 ||
	    buf_printf(&what, "control/%s", name) == -1) {
		err_set("out of memory");
		goto out;
	}
	if ((r = fsio_read_file(path.p, what.p, out, CONTROL_MAX)) == 1 &&
	    memchr(out->p ? out->p : "", '\0', out->len)) {
		err_set("control/%s: contains a NUL byte", name);
		r = -1;
	}
out:
	buf_free(&path);
	buf_free(&what);
	return r;
}

static size_t
trim(const char *s, size_t n, size_t *start)
{
	size_t a = 0;

	while (a < n && isspace((unsigned char)s[a]))
		a++;
	while (n > a && isspace((unsigned char)s[n - 1]))
		n--;
	*start = a;
	return n - a;
}

int
control_line(const char *name, struct buf *out, bool *found)
{
	struct buf all = BUF_INIT;
	const char *nl;
	size_t len, start;
	int r;

	*found = false;
	if ((r = control_slurp(name, &all)) <= 0) {
		buf_free(&all);
		return r;
	}
	nl = memchr(all.p ? all.p : "", '\n', all.len);
	len = nl ? (size_t)(nl - all.p) : all.len;
	len = trim(all.p ? all.p : "", len, &start);
	if (buf_set(out, all.p + start, len) == -1) {
		err_set("out of memory");
		buf_free(&all);
		return -1;
	}
	*found = len > 0;
	buf_free(&all);
	return 0;
}

int
control_parse_ulong(const char *text, const char *where, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *p;

	if (*text == '\0') {
		err_set("%s:1: empty value", where);
		return -1;
	}
	for (p = text; *p; p++) {
		if (!isdigit((unsigned char)*p)) {
			err_set("%s:1: not a number: '%s'", where, text);
			return -1;
		}
		if (v > (ULONG_MAX - (unsigned long)(*p - '0')) / 10) {
			err_set("%s:1: number too large: '%s'", where, text);
			return -1;
		}
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > max) {
		err_set("%s:1: %lu is larger than the maximum %lu", where, v, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
control_ulong(const char *name, unsigned long dflt, unsigned long max, unsigned long *out)
{
	struct buf line = BUF_INIT, where = BUF_INIT;
	bool found;
	int r = -1;

	if (control_line(name, &line, &found) == -1)
		goto out;
	if (!found) {
		*out = dflt;
		r = 0;
		goto out;
	}
	if (buf_printf(&where, "control/%s", name) == -1) {
		err_set("out of memory");
		goto out;
	}
	r = control_parse_ulong(line.p, where.p, max, out);
out:
	buf_free(&line);
	buf_free(&where);
	return r;
}

static int
lines(const char *name, struct buf *out, size_t *count, bool numbered)
{
	struct buf all = BUF_INIT;
	size_t pos = 0, len, start;
	unsigned long lineno = 0;
	const char *nl;
	int r;

	*count = 0;
	buf_reset(out);
	if ((r = control_slurp(name, &all)) <= 0) {
		buf_free(&all);
		return r;
	}
	while (pos < all.len) {
		lineno++;
		nl = memchr(all.p + pos, '\n', all.len - pos);
		len = nl ? (size_t)(nl - (all.p + pos)) : all.len - pos;
		len = trim(all.p + pos, len, &start);
		if (len > 0 && all.p[pos + start] != '#') {
			if ((numbered && buf_printf(out, "%lu:", lineno) == -1) ||
			    buf_add(out, all.p + pos + start, len) == -1 || buf_addc(out, '\0') == -1) {
				err_set("out of memory");
				buf_free(&all);
				return -1;
			}
			(*count)++;
		}
		pos += (nl ? (size_t)(nl - (all.p + pos)) + 1 : all.len - pos);
	}
	buf_free(&all);
	return 0;
}

int
control_lines(const char *name, struct buf *out, size_t *count)
{
	return lines(name, out, count, false);
}

int
control_each(const char *name, int (*fn)(const char *entry, const char *where, void *arg),
    void *arg)
{
	struct buf list = BUF_INIT, where = BUF_INIT;
	const char *p;
	size_t n, i;
	int r = -1;

	if (lines(name, &list, &n, true) == -1)
		goto out;
	for (p = list.p, i = 0; i < n; i++) {
		unsigned long line = strtoul(p, (char **)&p, 10);

		p++;            /* the ':' after the line number */
		buf_reset(&where);
		if (buf_printf(&where, "control/%s:%lu", name, line) == -1) {
			err_set("out of memory");
			goto out;
		}
		if (fn(p, where.p, arg) == -1)
			goto out;
		p += strlen(p) + 1;
	}
	r = 0;
out:
	buf_free(&list);
	buf_free(&where);
	return r;
}
