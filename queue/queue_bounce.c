/* queue_bounce: per-message records of permanent failures (format and
 * reading strategy in queue_bounce.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fsio.h"
#include "queue_bounce.h"
#include "queue_file.h"
#include "queue_id.h"

/* The longest record: LF, R addr NUL, S status NUL, A time NUL, T text NUL, LF. */
#define REC_MAX (2 + 2 + QUEUE_ADDR_MAX + 2 + QUEUE_BOUNCE_STATUS_MAX + 2 + 20 + \
	2 + QUEUE_BOUNCE_TEXT_MAX + 1)
#define SCAN_BUF 8192
#define SLOTS (2 * QUEUE_BOUNCE_CHUNK)  /* a power of two */

/* A sequential reader of the lines of a bounce file. */
struct scan {
	int fd;
	uint64_t end;                   /* file size when the reading began */
	uint64_t pos;                   /* file offset of buf[0] */
	size_t len, head;
	bool skipping;                  /* inside a line longer than the buffer */
	char buf[SCAN_BUF];
};

struct ent {
	uint64_t hash;
	uint64_t off;                   /* file offset of the record's 'R' */
};

/* Everything a reading needs, allocated once (bounded memory). */
struct rd {
	struct scan s;
	struct ent ents[QUEUE_BOUNCE_CHUNK];
	bool dead[QUEUE_BOUNCE_CHUNK];  /* a later record of the recipient exists */
	int32_t slots[SLOTS];           /* open addressing: index into ents, or -1 */
	char rec[REC_MAX + 1];          /* one record read back */
};

int
queue_bounce_path(struct buf *out, const char *qdir, const char *id)
{
	buf_reset(out);
	if (!queue_id_valid(id)) {
		err_set("%s: not a message id", id);
		return -1;
	}
	if (buf_printf(out, "%s/bounce/%s", qdir, id) == -1) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

/* Copy s into p as one field: at most max bytes, control characters as
 * spaces (the text) or refused (strict). Returns the bytes copied or -1. */
static int
field(char *p, const char *s, size_t max, bool strict)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			if (strict)
				return -1;
			c = ' ';
		}
		p[i] = (char)c;
	}
	if (strict && s[i] != '\0')
		return -1;
	return (int)i;
}

int
queue_bounce_append(const char *qdir, const char *id, const char *rcpt,
    const char *status, const char *text)
{
	struct buf path = BUF_INIT;
	char rec[REC_MAX], st[QUEUE_BOUNCE_STATUS_MAX + 1];
	size_t n = 0, i;
	int k, fd = -1, r = -1;

	if (queue_bounce_path(&path, qdir, id) == -1)
		return -1;
	/* The status: printable, no spaces, cut to its maximum. */
	if (*status == '\0')
		status = "5.0.0";
	for (i = 0; status[i] != '\0' && i < QUEUE_BOUNCE_STATUS_MAX; i++)
		st[i] = status[i] > 0x20 && status[i] < 0x7f ? status[i] : '?';
	st[i] = '\0';
	rec[n++] = '\n';
	rec[n++] = 'R';
	if (*rcpt == '\0' || (k = field(rec + n, rcpt, QUEUE_ADDR_MAX, true)) == -1) {
		err_set("bounce record for message %s: unusable recipient address", id);
		goto out;
	}
	n += (size_t)k;
	rec[n++] = '\0';
	k = snprintf(rec + n, sizeof rec - n, "S%s%cA%" PRId64 "%cT", st, '\0',
	    (int64_t)time(NULL), '\0');
	n += (size_t)k;
	n += (size_t)field(rec + n, text, QUEUE_BOUNCE_TEXT_MAX, false);
	rec[n++] = '\0';
	rec[n++] = '\n';

	fd = open(path.p, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		/* New: mode 0660 marks "directory entry not yet synced". */
		fd = open(path.p, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0660);
		if (fd != -1 && fchmod(fd, 0660) == -1) {
			err_sys("%s", path.p);
			goto out;
		}
		if (fd == -1 && errno == EEXIST)
			fd = open(path.p, O_WRONLY | O_APPEND | O_CLOEXEC);
	}
	if (fd == -1) {
		err_sys("%s", path.p);
		goto out;
	}
	/* One write(2): a crash leaves at most this record torn. */
	if (write(fd, rec, n) != (ssize_t)n) {
		err_sys("append to %s", path.p);
		goto out;
	}
	r = 0;
out:
	if (fd != -1 && close(fd) == -1 && r == 0) {
		err_sys("close %s", path.p);
		r = -1;
	}
	buf_free(&path);
	return r;
}

int
queue_bounce_sync(const char *qdir, const char *id)
{
	struct buf path = BUF_INIT;
	struct stat st;
	int fd = -1, r = -1;

	if (queue_bounce_path(&path, qdir, id) == -1)
		return -1;
	if ((fd = open(path.p, O_RDONLY | O_CLOEXEC)) == -1) {
		err_sys("%s", path.p);
		goto out;
	}
	if (fsync(fd) == -1 || fstat(fd, &st) == -1) {
		err_sys("fsync %s", path.p);
		goto out;
	}
	if ((st.st_mode & 07777) == 0660) {
		buf_reset(&path);
		if (buf_printf(&path, "%s/bounce", qdir) == -1) {
			err_set("out of memory");
			goto out;
		}
		if (fsio_fsync_dir(path.p) == -1) {
			err_sys("fsync %s", path.p);
			goto out;
		}
		/* Losing this change only costs another directory fsync. */
		if (fchmod(fd, 0640) == -1) {
			err_sys("chmod %s/%s", path.p, id);
			goto out;
		}
	}
	r = 0;
out:
	if (fd != -1)
		close(fd);
	buf_free(&path);
	return r;
}

int
queue_bounce_remove(const char *qdir, const char *id)
{
	struct buf path = BUF_INIT;
	int r = 0;

	if (queue_bounce_path(&path, qdir, id) == -1)
		return -1;
	if (unlink(path.p) == -1 && errno != ENOENT) {
		err_sys("remove %s", path.p);
		r = -1;
	}
	buf_free(&path);
	return r;
}

/* Parse one line (without its LF) as a record; false if it is not one. */
static bool
parse(char *p, size_t n, struct queue_bounce_rec *r)
{
	char *f[4], *e;
	static const char tag[4] = { 'R', 'S', 'A', 'T' };
	size_t i, k = 0;
	long long t;

	if (n == 0 || p[n - 1] != '\0')
		return false;
	for (i = 0; i < n; i++) {
		if (k < 4 && (i == 0 || p[i - 1] == '\0'))
			f[k++] = p + i;
		else if (i == 0 || p[i - 1] == '\0')
			return false;   /* a fifth field */
	}
	if (k != 4)
		return false;
	for (i = 0; i < 4; i++)
		if (f[i][0] != tag[i])
			return false;
	if (f[0][1] == '\0' || f[1][1] == '\0' || f[2][1] < '0' || f[2][1] > '9')
		return false;
	errno = 0;
	t = strtoll(f[2] + 1, &e, 10);
	if (*e != '\0' || errno != 0)
		return false;
	r->rcpt = f[0] + 1;
	r->status = f[1] + 1;
	r->when = (time_t)t;
	r->text = f[3] + 1;
	return true;
}

static void
scan_init(struct scan *s, int fd, uint64_t end, uint64_t start)
{
	s->fd = fd;
	s->end = end;
	s->pos = start;
	s->len = s->head = 0;
	s->skipping = false;
}

/* The next record: 1 with *r and *off (offset of its 'R') set, 0 at the end,
 * -1 on a read error. *r points into s->buf until the next call. */
static int
scan_next(struct scan *s, struct queue_bounce_rec *r, uint64_t *off)
{
	char *nl;
	size_t start;
	ssize_t k;

	for (;;) {
		nl = memchr(s->buf + s->head, '\n', s->len - s->head);
		if (nl != NULL) {
			start = s->head;
			s->head = (size_t)(nl - s->buf) + 1;
			if (s->skipping) {
				s->skipping = false;
				continue;
			}
			if (parse(s->buf + start, (size_t)(nl - s->buf) - start, r)) {
				*off = s->pos + start;
				return 1;
			}
			continue;
		}
		if (s->pos + s->len >= s->end)
			return 0;       /* no LF: a torn final record, or nothing */
		if (s->head == 0 && s->len == SCAN_BUF) {
			s->skipping = true;     /* no record is this long */
			s->head = s->len;
		}
		s->pos += s->head;
		memmove(s->buf, s->buf + s->head, s->len - s->head);
		s->len -= s->head;
		s->head = 0;
		k = fsio_pread_full(s->fd, s->buf + s->len, SCAN_BUF - s->len,
		    (off_t)(s->pos + s->len));
		if (k == -1) {
			err_sys("read bounce file");
			return -1;
		}
		if (k == 0) {
			s->end = s->pos + s->len;
			return 0;
		}
		s->len += (size_t)k;
		if (s->pos + s->len > s->end)
			s->len = (size_t)(s->end - s->pos);
	}
}

/* Read back the record at off into rd->rec. */
static int
reread(struct rd *rd, uint64_t off, struct queue_bounce_rec *r)
{
	ssize_t k;
	char *nl;

	k = fsio_pread_full(rd->s.fd, rd->rec, REC_MAX, (off_t)off);
	if (k == -1) {
		err_sys("read bounce file");
		return -1;
	}
	if ((nl = memchr(rd->rec, '\n', (size_t)k)) == NULL ||
	    !parse(rd->rec, (size_t)(nl - rd->rec), r)) {
		err_set("bounce file changed while it was read");
		return -1;
	}
	return 0;
}

static uint64_t
hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot of rcpt (hash h) among the first n entries: its entry index
 * in *slot's value, or an empty slot (-1). -1 on error, else 0. */
static int
lookup(struct rd *rd, uint64_t h, const char *rcpt, size_t *slot)
{
	struct queue_bounce_rec r;
	size_t i = (size_t)h & (SLOTS - 1);

	for (;; i = (i + 1) & (SLOTS - 1)) {
		int32_t e = rd->slots[i];

		if (e == -1 || rd->ents[e].hash == h) {
			if (e != -1) {
				if (reread(rd, rd->ents[e].off, &r) == -1)
					return -1;
				if (strcmp(r.rcpt, rcpt) != 0)
					continue;
			}
			*slot = i;
			return 0;
		}
	}
}

long
queue_bounce_read(const char *qdir, const char *id, queue_bounce_fn *fn, void *arg)
{
	struct buf path = BUF_INIT;
	struct queue_bounce_rec r;
	struct rd *rd = NULL;
	struct stat st;
	uint64_t start = 0, off, h;
	size_t n, i, slot;
	long count = 0;
	int fd = -1, k = 0;

	if (queue_bounce_path(&path, qdir, id) == -1)
		return -1;
	if ((fd = open(path.p, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			goto done;
		err_sys("%s", path.p);
		goto fail;
	}
	if (fstat(fd, &st) == -1) {
		err_sys("%s", path.p);
		goto fail;
	}
	if ((rd = malloc(sizeof *rd)) == NULL) {
		err_set("out of memory");
		goto fail;
	}
	for (;;) {
		/* Take a chunk of records; a recipient seen again kills its earlier entry. */
		scan_init(&rd->s, fd, (uint64_t)st.st_size, start);
		memset(rd->slots, 0xff, sizeof rd->slots);
		n = 0;
		while (n < QUEUE_BOUNCE_CHUNK && (k = scan_next(&rd->s, &r, &off)) == 1) {
			h = hash(r.rcpt);
			if (lookup(rd, h, r.rcpt, &slot) == -1)
				goto fail;
			if (rd->slots[slot] != -1)
				rd->dead[rd->slots[slot]] = true;
			rd->slots[slot] = (int32_t)n;
			rd->ents[n].hash = h;
			rd->ents[n].off = off;
			rd->dead[n] = false;
			n++;
		}
		if (n < QUEUE_BOUNCE_CHUNK && k == -1)
			goto fail;
		if (n == 0)
			break;
		start = rd->s.pos + rd->s.head;
		/* The rest of the file: later records of the chunk's recipients. */
		if (n == QUEUE_BOUNCE_CHUNK) {
			while ((k = scan_next(&rd->s, &r, &off)) == 1) {
				if (lookup(rd, hash(r.rcpt), r.rcpt, &slot) == -1)
					goto fail;
				if (rd->slots[slot] != -1)
					rd->dead[rd->slots[slot]] = true;
			}
			if (k == -1)
				goto fail;
		}
		for (i = 0; i < n; i++) {
			if (rd->dead[i])
				continue;
			if (reread(rd, rd->ents[i].off, &r) == -1)
				goto fail;
			if (fn(arg, &r) != 0)
				goto fail;
			count++;
		}
		if (n < QUEUE_BOUNCE_CHUNK)
			break;
	}
done:
	if (fd != -1)
		close(fd);
	free(rd);
	buf_free(&path);
	return count;
fail:
	if (fd != -1)
		close(fd);
	free(rd);
	buf_free(&path);
	return -1;
}
