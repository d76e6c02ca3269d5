/* remote_msg: the message files herald-remote sends from. A message is
 * opened on its first job and read once: the body is encoded for the wire
 * (smtpc_body) to learn its exact size and whether it has 8-bit bytes, and
 * kept encoded when it is at most REMOTE_BODY_CACHE bytes, so a post to a
 * large list is read and encoded once, not once per recipient. Larger
 * bodies are streamed from the file for each transaction. A message
 * nobody uses any more is closed by the sweep a few seconds later (the
 * next job for it usually comes before). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fsio.h"
#include "remote.h"

#define READ_CHUNK 65536

static void
msg_free(struct remote_msg *m)
{
	if (m->fd != -1)
		close(m->fd);
	buf_free(&m->wire);
	free(m->path);
	free(m);
}

/* Read the body once: wire size, 8-bit bytes, and the encoding if small. */
static int
msg_scan(struct remote_msg *m)
{
	struct smtpc_body enc;
	char *chunk = malloc(READ_CHUNK);
	uint64_t pos = 0;
	size_t i;
	ssize_t n;
	int rc = -1;

	if (chunk == NULL) {
		err_set("out of memory");
		return -1;
	}
	smtpc_body_init(&enc);
	m->cached = m->len <= REMOTE_BODY_CACHE;
	while (pos < m->len) {
		size_t want = m->len - pos < READ_CHUNK ? (size_t)(m->len - pos) : READ_CHUNK;

		n = fsio_pread_full(m->fd, chunk, want, (off_t)(m->off + pos));
		if (n <= 0) {
			err_sys("%s: cannot read the message", m->path);
			if (n == 0)
				err_set("%s: the message is shorter than its header says", m->path);
			goto out;
		}
		for (i = 0; i < (size_t)n && !m->body8; i++)
			if ((unsigned char)chunk[i] & 0x80)
				m->body8 = true;
		if (smtpc_body_encode(&enc, m->cached ? &m->wire : NULL, chunk, (size_t)n) == -1)
			goto out;
		pos += (uint64_t)n;
	}
	if (smtpc_body_finish(&enc, m->cached ? &m->wire : NULL) == -1)
		goto out;
	m->wire_size = enc.size;
	rc = 0;
out:
	free(chunk);
	return rc;
}

struct remote_msg *
remote_msg_get(struct remote *r, const char *path, uint64_t off, uint64_t len)
{
	struct remote_msg *m = strmap_ptr(&r->msgs, path, strlen(path));

	if (m) {
		if (m->off != off || m->len != len) {
			err_set("%s: body offset or length differ from an earlier request", path);
			return NULL;
		}
		m->refs++;
		return m;
	}
	if ((m = calloc(1, sizeof *m)) == NULL || (m->path = strdup(path)) == NULL) {
		free(m);
		err_set("out of memory");
		return NULL;
	}
	m->off = off;
	m->len = len;
	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->fd == -1) {
		err_sys("cannot open %s", path);
		msg_free(m);
		return NULL;
	}
	if (msg_scan(m) == -1 || strmap_put_ptr(&r->msgs, path, strlen(path), m) == -1) {
		msg_free(m);
		return NULL;
	}
	if (m->cached) {                /* all it needs is in memory */
		close(m->fd);
		m->fd = -1;
	}
	m->refs = 1;
	return m;
}

void
remote_msg_put(struct remote *r, struct remote_msg *m)
{
	if (--m->refs == 0)
		m->unused_since = ev_now(r->ev);
}

void
remote_msg_sweep(struct remote *r, int64_t now, int64_t ms)
{
	size_t i;

	for (i = 0; i < r->msgs.cap; i++) {
		struct strmap_slot *s = &r->msgs.slots[i];
		struct remote_msg *m;

		if (s->key == NULL || (m = s->ptr) == NULL)
			continue;
		if (ms < 0 || (m->refs == 0 && m->unused_since <= now - ms)) {
			strmap_del(&r->msgs, m->path, strlen(m->path));
			msg_free(m);
			i--;            /* deletion shifted a later entry into this slot */
		}
	}
}
