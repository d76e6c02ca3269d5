/* local_msg: reading the message slice (see local_msg.h).
 * Invariant: 0 <= pos <= len; bytes are read with pread at off + pos. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fsio.h"
#include "local_msg.h"

int
local_msg_open(struct local_msg *m, int fd, off_t off, off_t len)
{
	struct stat st;

	m->fd = fd;
	m->pos = 0;
	if (fstat(fd, &st) == -1) {
		err_sys("cannot stat the message");
		return -1;
	}
	if (lseek(fd, 0, SEEK_CUR) == -1) {
		err_sys("the message is not in a seekable file");
		return -1;
	}
	if (off < 0 || off > st.st_size || (len >= 0 && len > st.st_size - off)) {
		err_set("the message (offset %lld, length %lld) lies beyond the end of "
		    "the file (%lld bytes)", (long long)off, (long long)len,
		    (long long)st.st_size);
		return -1;
	}
	m->off = off;
	m->len = len >= 0 ? len : st.st_size - off;
	return 0;
}

void
local_msg_rewind(struct local_msg *m)
{
	m->pos = 0;
}

ssize_t
local_msg_read(struct local_msg *m, const char **p)
{
	size_t want;
	ssize_t got;

	if (m->pos >= m->len)
		return 0;
	want = sizeof m->buf;
	if ((off_t)want > m->len - m->pos)
		want = (size_t)(m->len - m->pos);
	got = fsio_pread_full(m->fd, m->buf, want, m->off + m->pos);
	if (got == -1) {
		err_sys("cannot read the message");
		return -1;
	}
	if ((size_t)got < want) {
		err_set("cannot read the message: the file is shorter than it was");
		return -1;
	}
	m->pos += got;
	*p = m->buf;
	return got;
}

int
local_msg_header_has(struct local_msg *m, const char *line, size_t n, bool *found)
{
	const char *p;
	ssize_t got, i;
	size_t col = 0;
	bool same = true;

	*found = false;
	local_msg_rewind(m);
	while ((got = local_msg_read(m, &p)) > 0) {
		for (i = 0; i < got; i++) {
			if (col == 0 && p[i] == '\n')
				return 0;
			if (col >= n || tolower((unsigned char)p[i]) !=
			    tolower((unsigned char)line[col]))
				same = false;
			col++;
			if (p[i] == '\n') {
				if (same && col == n) {
					*found = true;
					return 0;
				}
				col = 0;
				same = true;
			}
		}
	}
	return got == -1 ? -1 : 0;
}
