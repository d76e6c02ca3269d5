/* local_dot: .qmail lookup, limits and line classification (see
 * local_dot.h). The candidate order is qmail-local's qmesearch(). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fsio.h"
#include "local_dot.h"

/* Append n bytes of ext as they appear in a file name: lower case, '.' as ':'. */
static int
local_dot_safe(struct buf *out, const char *ext, size_t n)
{
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		c = (char)tolower((unsigned char)ext[i]);
		if (buf_addc(out, c == '.' ? ':' : c) == -1)
			return -1;
	}
	return 0;
}

bool
local_dot_candidate(size_t k, const char *dash, const char *ext, struct buf *name,
    long *defoff)
{
	size_t len = strlen(ext), i;

	buf_reset(name);
	*defoff = -1;
	if (k == 0) {
		/* out of memory shows as an empty name, which never opens */
		if (buf_adds(name, ".qmail") == -1 || buf_adds(name, dash) == -1 ||
		    local_dot_safe(name, ext, len) == -1)
			buf_reset(name);
		return true;
	}
	if (!*dash)
		return false;
	for (i = len + 1; i-- > 0;) {
		if (i != 0 && ext[i - 1] != '-')
			continue;
		if (--k > 0)
			continue;
		if (buf_adds(name, ".qmail") == -1 || buf_adds(name, dash) == -1 ||
		    local_dot_safe(name, ext, i) == -1 || buf_adds(name, "default") == -1)
			buf_reset(name);
		*defoff = (long)i;
		return true;
	}
	return false;
}

/* Read the open file fd (named name) into d->text. */
static int
local_dot_read(struct local_dot *d, int fd, const char *name)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		err_sys("Unable to stat %s (#4.3.0)", name);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		err_set("Uh-oh: %s is group or world writable (#4.7.0)", name);
		return -1;
	}
	if (st.st_size > LOCAL_DOT_FILE_MAX) {
		err_set("%s is larger than %d bytes (#4.3.5)", name, LOCAL_DOT_FILE_MAX);
		return -1;
	}
	d->forwardonly = (st.st_mode & S_IXUSR) != 0;
	buf_reset(&d->text);
	if (fsio_read_all(fd, &d->text, LOCAL_DOT_FILE_MAX) == -1) {
		if (errno == EFBIG)
			err_set("%s is larger than %d bytes (#4.3.5)", name, LOCAL_DOT_FILE_MAX);
		else
			err_sys("Unable to read %s (#4.3.0)", name);
		return -1;
	}
	return local_dot_check(name, d->text.p ? d->text.p : "", d->text.len);
}

int
local_dot_find(struct local_dot *d, const char *dash, const char *ext)
{
	long defoff;
	size_t k;
	int fd, r;

	d->found = false;
	d->forwardonly = false;
	d->deflt = NULL;
	for (k = 0; local_dot_candidate(k, dash, ext, &d->name, &defoff); k++) {
		if (d->name.len == 0) {
			err_set("out of memory (#4.3.0)");
			return -1;
		}
		fd = open(d->name.p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd == -1) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			err_sys("Unable to open %s (#4.2.1)", d->name.p);
			return -1;
		}
		r = local_dot_read(d, fd, d->name.p);
		close(fd);
		if (r == -1)
			return -1;
		d->found = true;
		if (defoff >= 0)
			d->deflt = ext + defoff;
		return 0;
	}
	buf_reset(&d->name);
	return 0;
}

bool
local_dot_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
	const char *nl;
	size_t end;

	if (*pos >= len)
		return false;
	*line = text + *pos;
	nl = memchr(*line, '\n', len - *pos);
	end = nl ? (size_t)(nl - text) : len;
	*n = end - *pos;
	*pos = nl ? end + 1 : len;
	while (*n > 0 && ((*line)[*n - 1] == ' ' || (*line)[*n - 1] == '\t'))
		(*n)--;
	return true;
}

int
local_dot_check(const char *name, const char *text, size_t len)
{
	const char *line, *arg;
	size_t pos = 0, n, alen, lineno = 0, fwds = 0;

	if (len > LOCAL_DOT_FILE_MAX) {
		err_set("%s is larger than %d bytes (#4.3.5)", name, LOCAL_DOT_FILE_MAX);
		return -1;
	}
	while (local_dot_line(text, len, &pos, &line, &n)) {
		lineno++;
		if (n > LOCAL_DOT_LINE_MAX) {
			err_set("%s:%zu: line longer than %d bytes (#4.3.5)", name, lineno,
			    LOCAL_DOT_LINE_MAX);
			return -1;
		}
		if (memchr(line, '\0', n)) {
			err_set("%s:%zu: NUL byte in line (#4.3.5)", name, lineno);
			return -1;
		}
		switch (local_dot_classify(line, n, &arg, &alen)) {
		case LOCAL_DOT_BLANK:
			if (lineno == 1) {
				err_set("Uh-oh: first line of %s is blank (#4.2.1)", name);
				return -1;
			}
			break;
		case LOCAL_DOT_FORWARD:
			if (alen == 0) {
				err_set("%s:%zu: '&' without an address (#4.3.5)", name, lineno);
				return -1;
			}
			if (++fwds > LOCAL_DOT_FWD_MAX) {
				err_set("%s has more than %d forward addresses (#4.3.5)", name,
				    LOCAL_DOT_FWD_MAX);
				return -1;
			}
			break;
		default:
			break;
		}
	}
	return 0;
}

enum local_dot_kind
local_dot_classify(const char *line, size_t n, const char **arg, size_t *alen)
{
	*arg = line;
	*alen = n;
	if (n == 0)
		return LOCAL_DOT_BLANK;
	switch (line[0]) {
	case '#':
		return LOCAL_DOT_COMMENT;
	case '.':
	case '/':
		return line[n - 1] == '/' ? LOCAL_DOT_MAILDIR : LOCAL_DOT_MBOX;
	case '|':
		*arg = line + 1;
		*alen = n - 1;
		return LOCAL_DOT_PROG;
	case '+':
		*arg = line + 1;
		*alen = n - 1;
		return n == 5 && memcmp(line, "+list", 5) == 0 ? LOCAL_DOT_LIST : LOCAL_DOT_PLUS;
	case '&':
		*arg = line + 1;
		*alen = n - 1;
		return LOCAL_DOT_FORWARD;
	default:
		return LOCAL_DOT_FORWARD;
	}
}

void
local_dot_free(struct local_dot *d)
{
	buf_free(&d->name);
	buf_free(&d->text);
}
