/* queue_msg: committed-message access, recipient cursor, state checkpoints
 * (see queue_msg.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fsio.h"
#include "queue_msg.h"
#include "queue_path.h"

#define CURSOR_BUF (64 * 1024)

int
queue_msg_open(struct queue_msg *m, const char *qdir, const char *id, bool writable)
{
	struct buf path = BUF_INIT;
	unsigned char hdr[QUEUE_HDR_SIZE];
	struct stat st;
	ssize_t n;

	memset(m, 0, sizeof *m);
	m->fd = -1;
	if (!queue_id_valid(id)) {
		err_set("%s: not a message id", id);
		return -1;
	}
	memcpy(m->id, id, QUEUE_ID_LEN + 1);
	if (queue_path_mess(&path, qdir, id) == -1)
		goto fail;
	if ((m->fd = open(path.p, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC)) == -1) {
		err_sys("%s", path.p);
		goto fail;
	}
	if (fstat(m->fd, &st) == -1) {
		err_sys("%s", path.p);
		goto fail;
	}
	m->size = (uint64_t)st.st_size;
	n = fsio_pread_full(m->fd, hdr, sizeof hdr, 0);
	if (n != (ssize_t)sizeof hdr) {
		err_set("%s: too short for a queue file", path.p);
		goto damaged;
	}
	if (queue_hdr_decode(hdr, m->size, &m->hdr) == -1) {
		err_set("%s: %s", path.p, err_str());
		goto damaged;
	}
	if ((m->sender = malloc(m->hdr.sender_len + 1)) == NULL) {
		err_set("out of memory");
		goto fail;
	}
	n = fsio_pread_full(m->fd, m->sender, m->hdr.sender_len + 1, (off_t)m->hdr.sender_off);
	if (n != (ssize_t)m->hdr.sender_len + 1 || m->sender[m->hdr.sender_len] != '\0') {
		err_set("%s: cannot read the envelope sender", path.p);
		goto damaged;
	}
	buf_free(&path);
	return 0;
damaged:
	buf_free(&path);
	queue_msg_close(m);
	errno = EBADMSG;
	return -1;
fail:
	buf_free(&path);
	queue_msg_close(m);
	return -1;
}

int
queue_msg_verify(struct queue_msg *m)
{
	unsigned char *buf, rec[QUEUE_RCPT_FIXED + QUEUE_ADDR_MAX + 8];
	struct queue_cursor cur;
	struct queue_rcpt r;
	uint64_t h = QUEUE_HASH_INIT, off, count = 0;
	size_t want;
	int k = -1;

	if (m->hdr.id[0] == '\0')
		return 0;               /* unsealed: nothing to check it against */
	if (strcmp(m->hdr.id, m->id) != 0) {
		err_set("its header is message %s's", m->hdr.id);
		return -1;
	}
	if ((buf = malloc(CURSOR_BUF)) == NULL) {
		err_set("out of memory");
		return -1;
	}
	for (off = QUEUE_HDR_SIZE; off < m->hdr.rcpt_off; off += want) {
		want = m->hdr.rcpt_off - off < CURSOR_BUF ? (size_t)(m->hdr.rcpt_off - off) : CURSOR_BUF;
		if (fsio_pread_full(m->fd, buf, want, (off_t)off) != (ssize_t)want) {
			err_set("cannot read it back");
			goto out;
		}
		h = queue_hash(h, buf, want);
	}
	/* records as first written: their state words back to pending */
	if (queue_cursor_open(&cur, m) == -1)
		goto out;
	while ((k = queue_cursor_next(&cur, &r)) == 1) {
		queue_rcpt_encode(r.addr, r.addr_len, rec);
		h = queue_hash(h, rec, queue_rcpt_size(r.addr_len));
		count++;
	}
	queue_cursor_close(&cur);
	if (k == 0 && (count != m->hdr.rcpt_count || h != m->hdr.hash)) {
		err_set("its contents are not what was written (hash mismatch)");
		k = -1;
	}
out:
	free(buf);
	return k == 0 ? 0 : -1;
}

void
queue_msg_close(struct queue_msg *m)
{
	if (m->fd != -1)
		close(m->fd);
	m->fd = -1;
	free(m->sender);
	m->sender = NULL;
}

ssize_t
queue_msg_body(struct queue_msg *m, uint64_t off, void *p, size_t n)
{
	ssize_t r;

	if (off >= m->hdr.body_len)
		return 0;
	if (n > m->hdr.body_len - off)
		n = (size_t)(m->hdr.body_len - off);
	r = fsio_pread_full(m->fd, p, n, (off_t)(m->hdr.body_off + off));
	if (r == -1)
		err_sys("read message %s", m->id);
	return r;
}

int
queue_cursor_open(struct queue_cursor *c, struct queue_msg *m)
{
	memset(c, 0, sizeof *c);
	c->msg = m;
	c->pos = m->hdr.rcpt_off;
	if ((c->buf = malloc(CURSOR_BUF)) == NULL) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

int
queue_cursor_next(struct queue_cursor *c, struct queue_rcpt *r)
{
	uint64_t end = c->msg->hdr.rcpt_off + c->msg->hdr.rcpt_len;
	size_t used, want;
	ssize_t n;
	int d;

	for (;;) {
		d = queue_rcpt_decode(c->buf + c->head, c->len - c->head, r, &used);
		if (d == -1) {
			err_set("message %s: %s", c->msg->id, err_str());
			return -1;
		}
		if (d == 1) {
			r->off = c->pos + c->head;
			c->head += used;
			c->seen++;
			return 1;
		}
		if (c->pos + c->len == end) {
			if (c->head != c->len || c->seen != c->msg->hdr.rcpt_count) {
				err_set("message %s: recipient records are truncated", c->msg->id);
				return -1;
			}
			return 0;
		}
		c->pos += c->head;
		memmove(c->buf, c->buf + c->head, c->len - c->head);
		c->len -= c->head;
		c->head = 0;
		want = CURSOR_BUF - c->len;
		if (want > end - (c->pos + c->len))
			want = (size_t)(end - (c->pos + c->len));
		n = fsio_pread_full(c->msg->fd, c->buf + c->len, want, (off_t)(c->pos + c->len));
		if (n <= 0) {
			err_sys("message %s: read recipients", c->msg->id);
			return -1;
		}
		c->len += (size_t)n;
	}
}

void
queue_cursor_back(struct queue_cursor *c, const struct queue_rcpt *r)
{
	/* the record is still in the buffer: next() only refills before decoding */
	c->head = (size_t)(r->off - c->pos);
	c->seen--;
}

void
queue_cursor_close(struct queue_cursor *c)
{
	free(c->buf);
	c->buf = NULL;
}

int
queue_msg_set_state(struct queue_msg *m, uint64_t off, const struct queue_rstate *s)
{
	unsigned char w[QUEUE_RSTATE_SIZE];

	if (off < m->hdr.rcpt_off || off % 8 != 0 ||
	    off + QUEUE_RCPT_FIXED > m->hdr.rcpt_off + m->hdr.rcpt_len) {
		err_set("message %s: no recipient record at offset %llu", m->id,
		    (unsigned long long)off);
		return -1;
	}
	queue_rstate_encode(s, w);
	if (fsio_pwrite_all(m->fd, w, sizeof w, (off_t)off) == -1) {
		err_sys("message %s: write state", m->id);
		return -1;
	}
	return 0;
}

int
queue_msg_sync(struct queue_msg *m)
{
	if (fdatasync(m->fd) == -1) {
		err_sys("message %s: fdatasync", m->id);
		return -1;
	}
	return 0;
}
