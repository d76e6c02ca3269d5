/* inject_in: reading the message to inject (see inject_in.h).
 * Invariant: pos <= len <= INJECT_IN_BUFSIZE; buf[pos..len) is read but
 * not yet handed out. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "inject_in.h"

void
inject_in_init(struct inject_in *in, int fd, bool dot)
{
	in->fd = fd;
	in->dot = dot;
	in->bol = true;
	in->eof = false;
	in->done = false;
	in->pos = in->len = 0;
}

/* Have at least want bytes buffered, fewer only at end of file. */
static int
inject_in_fill(struct inject_in *in, size_t want)
{
	ssize_t r;

	if (in->len - in->pos >= want || in->eof)
		return 0;
	memmove(in->buf, in->buf + in->pos, in->len - in->pos);
	in->len -= in->pos;
	in->pos = 0;
	while (in->len < want && !in->eof) {
		r = read(in->fd, in->buf + in->len, sizeof in->buf - in->len);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			err_sys("cannot read the message");
			return -1;
		}
		if (r == 0)
			in->eof = true;
		in->len += (size_t)r;
	}
	return 0;
}

/* True if a "." line starts at pos (the caller buffered 3 bytes). */
static bool
inject_in_dotline(const struct inject_in *in)
{
	const char *p = in->buf + in->pos;
	size_t avail = in->len - in->pos;

	if (avail == 0 || p[0] != '.')
		return false;
	if (avail == 1 || p[1] == '\n')
		return true;
	return p[1] == '\r' && (avail == 2 || p[2] == '\n');
}

long
inject_in_piece(struct inject_in *in, struct buf *out, size_t max)
{
	size_t start = out->len, avail, room, i;
	char c;

	if (in->done)
		return 0;
	if (in->bol && in->dot) {
		if (inject_in_fill(in, 3) == -1)
			return -1;
		if (inject_in_dotline(in)) {
			in->done = true;
			return 0;
		}
	}
	while ((room = max - (out->len - start)) > 0) {
		if (in->pos == in->len && inject_in_fill(in, 1) == -1)
			return -1;
		if (in->pos == in->len) {               /* end of file */
			if (!in->bol) {
				if (buf_addc(out, '\n') == -1)
					goto nomem;
				in->bol = true;
			}
			in->done = true;
			break;
		}
		avail = in->len - in->pos;
		if (avail > room)
			avail = room;
		for (i = 0; i < avail; i++)
			if (in->buf[in->pos + i] == '\n' || in->buf[in->pos + i] == '\r')
				break;
		if (i > 0) {
			if (buf_add(out, in->buf + in->pos, i) == -1)
				goto nomem;
			in->pos += i;
			in->bol = false;
			continue;
		}
		c = in->buf[in->pos];
		if (c == '\r') {
			if (inject_in_fill(in, 2) == -1)
				return -1;
			if (in->len - in->pos >= 2 && in->buf[in->pos + 1] == '\n')
				in->pos++;
			else {
				in->pos++;
				if (buf_addc(out, '\r') == -1)
					goto nomem;
				in->bol = false;
				continue;
			}
		}
		in->pos++;
		if (buf_addc(out, '\n') == -1)
			goto nomem;
		in->bol = true;
		break;
	}
	return (long)(out->len - start);
nomem:
	err_set("out of memory");
	return -1;
}
