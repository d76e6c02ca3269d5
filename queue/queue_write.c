/* queue_write: message injection (the crash-safety argument is in
 * queue_write.h and herald-queue(5)). Memory use is bounded by the run
 * size plus one buffer per spilled run, whatever the number of recipients. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "fsio.h"
#include "queue_path.h"
#include "queue_spare.h"
#include "queue_write.h"

#define OUT_SIZE (256 * 1024)
#define RUN_READ (64 * 1024)

static size_t run_size = 8 * 1024 * 1024;
static uint64_t last_sec;               /* the time in the last id made here */
static uint32_t last_usec;

/* One sorted run spilled to an anonymous file, read back during the merge. */
struct queue_run {
	int fd;
	uint64_t size, pos;             /* bytes in the file, bytes consumed */
	unsigned char *buf;
	size_t len, head;               /* buffered bytes, start of the current record */
};

void
queue_writer_set_run_size(size_t bytes)
{
	run_size = bytes < 4096 ? 4096 : bytes;
}

static int
out_flush(struct queue_writer *w)
{
	size_t skip;

	if (w->outlen == 0)
		return 0;
	/* the hash covers everything after the header, as written */
	skip = w->off < QUEUE_HDR_SIZE ? (size_t)(QUEUE_HDR_SIZE - w->off) : 0;
	if (skip < w->outlen)
		w->hdr.hash = queue_hash(w->hdr.hash, w->out + skip, w->outlen - skip);
	if (fsio_write_all(w->fd, w->out, w->outlen) == -1) {
		err_sys("write %s", w->tmp.p);
		return -1;
	}
	w->off += w->outlen;
	w->outlen = 0;
	return 0;
}

static int
out_add(struct queue_writer *w, const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t k;

	while (n > 0) {
		if (w->outlen == OUT_SIZE && out_flush(w) == -1)
			return -1;
		k = OUT_SIZE - w->outlen;
		if (k > n)
			k = n;
		memcpy(w->out + w->outlen, c, k);
		w->outlen += k;
		c += k;
		n -= k;
	}
	return 0;
}

static uint64_t
out_pos(const struct queue_writer *w)
{
	return w->off + w->outlen;
}

static int
out_pad(struct queue_writer *w)
{
	static const unsigned char zero[8];
	uint64_t pos = out_pos(w);

	return out_add(w, zero, (size_t)(queue_file_pad(pos) - pos));
}

int
queue_writer_open(struct queue_writer *w, const char *qdir, uint64_t max_body)
{
	struct timeval tv;
	unsigned char hdr[QUEUE_HDR_SIZE];

	memset(w, 0, sizeof *w);
	w->fd = -1;
	w->qdir = qdir;
	w->max_body = max_body;
	w->hdr.hash = QUEUE_HASH_INIT;
	if ((w->out = malloc(OUT_SIZE)) == NULL) {
		err_set("out of memory");
		return -1;
	}
	/* ids are unique among processes by their pid; within this process,
	 * never the same one twice (two messages in one microsecond) */
	gettimeofday(&tv, NULL);
	if ((uint64_t)tv.tv_sec < last_sec ||
	    ((uint64_t)tv.tv_sec == last_sec && (uint32_t)tv.tv_usec <= last_usec)) {
		tv.tv_sec = (time_t)last_sec;
		tv.tv_usec = (suseconds_t)last_usec + 1;
		if (tv.tv_usec >= 1000000) {
			tv.tv_sec++;
			tv.tv_usec = 0;
		}
	}
	last_sec = (uint64_t)tv.tv_sec;
	last_usec = (uint32_t)tv.tv_usec;
	queue_id_make(w->id, (uint64_t)tv.tv_sec, (uint32_t)tv.tv_usec, getpid());
	/* a spare finished message to write over, or else an unnamed file
	 * in the message's own split directory: either way nothing to clean
	 * up after a crash and the commit is one rename or link */
	switch (queue_spare_claim(qdir, &w->fd, &w->tmp)) {
	case 1:
		w->spare = true;
		break;
	case 0:
		if (queue_path_split(&w->tmp, qdir, w->id) == -1)
			goto fail;
		w->fd = open(w->tmp.p, O_TMPFILE | O_RDWR | O_CLOEXEC, 0640);
		if (w->fd == -1) {
			err_sys("cannot create a new message in %s", w->tmp.p);
			goto fail;
		}
		/* Readable and writable by the instance's group (the scheduler
		 * writes recipient states), whatever the caller's umask. */
		if (fchmod(w->fd, 0660) == -1) {
			err_sys("cannot set the mode of a new message in %s", w->tmp.p);
			goto fail;
		}
		break;
	default:
		goto fail;
	}
	memset(hdr, 0, sizeof hdr);
	if (out_add(w, hdr, sizeof hdr) == -1)
		goto fail;
	w->hdr.body_off = QUEUE_HDR_SIZE;
	return 0;
fail:
	queue_writer_abort(w);
	return -1;
}

int
queue_writer_body(struct queue_writer *w, const void *p, size_t n)
{
	if (w->max_body && w->hdr.body_len + n > w->max_body)
		return 1;
	if (out_add(w, p, n) == -1)
		return -1;
	w->hdr.body_len += n;
	return 0;
}

int
queue_writer_sender(struct queue_writer *w, const char *addr, size_t len)
{
	if (out_pad(w) == -1)
		return -1;
	w->hdr.sender_off = out_pos(w);
	w->hdr.sender_len = len;
	if (out_add(w, addr, len) == -1 || out_add(w, "", 1) == -1 || out_pad(w) == -1)
		return -1;
	w->hdr.rcpt_off = out_pos(w);
	w->have_sender = true;
	return 0;
}

static const unsigned char *sort_arena;

static int
sort_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = queue_rcpt_cmp_domain(sort_arena + x, sort_arena + y);

	if (c != 0)
		return c;
	return (x > y) - (x < y);       /* stable: injection order */
}

static void
arena_sort(struct queue_writer *w)
{
	sort_arena = w->arena;
	qsort(w->idx, w->nidx, sizeof *w->idx, sort_cmp);
}

/* Open an anonymous file in QDIR/tmp that vanishes when closed. */
static int
run_file(struct queue_writer *w)
{
	struct buf dir = BUF_INIT;
	int fd;

	if (buf_printf(&dir, "%s/tmp", w->qdir) == -1) {
		err_set("out of memory");
		return -1;
	}
	fd = open(dir.p, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd == -1)
		err_sys("cannot create a sort run in %s", dir.p);
	buf_free(&dir);
	return fd;
}

/* Sort the arena and spill it as a new run. */
static int
arena_spill(struct queue_writer *w)
{
	struct queue_run *runs, *r;
	size_t i, sz;
	int fd;

	arena_sort(w);
	if ((runs = realloc(w->runs, (w->nruns + 1) * sizeof *runs)) == NULL) {
		err_set("out of memory");
		return -1;
	}
	w->runs = runs;
	if ((fd = run_file(w)) == -1)
		return -1;
	r = &w->runs[w->nruns++];
	memset(r, 0, sizeof *r);
	r->fd = fd;
	/* Reorder into the out buffer's worth of chunks to write sequentially. */
	for (i = 0; i < w->nidx; i++) {
		sz = queue_rcpt_size((size_t)(w->arena[w->idx[i] + 8] | (w->arena[w->idx[i] + 9] << 8)));
		if (fsio_write_all(fd, w->arena + w->idx[i], sz) == -1) {
			err_sys("write sort run");
			return -1;
		}
		r->size += sz;
	}
	w->arena_len = 0;
	w->nidx = 0;
	return 0;
}

int
queue_writer_rcpt(struct queue_writer *w, const char *addr, size_t len)
{
	size_t sz = queue_rcpt_size(len);
	void *p;

	if (len > QUEUE_ADDR_MAX || memchr(addr, '\0', len)) {
		err_set("bad recipient address");
		return -1;
	}
	if (w->arena_len + sz > run_size && w->nidx > 0 && arena_spill(w) == -1)
		return -1;
	if (w->arena_len + sz > w->arena_cap) {
		size_t cap = w->arena_cap ? w->arena_cap * 2 : 16384;

		while (cap < w->arena_len + sz)
			cap *= 2;
		if (cap > run_size + 4096)
			cap = run_size + 4096;
		if ((p = realloc(w->arena, cap)) == NULL) {
			err_set("out of memory");
			return -1;
		}
		w->arena = p;
		w->arena_cap = cap;
	}
	if (w->nidx == w->idx_cap) {
		size_t cap = w->idx_cap ? w->idx_cap * 2 : 1024;

		if ((p = realloc(w->idx, cap * sizeof *w->idx)) == NULL) {
			err_set("out of memory");
			return -1;
		}
		w->idx = p;
		w->idx_cap = cap;
	}
	queue_rcpt_encode(addr, len, w->arena + w->arena_len);
	w->idx[w->nidx++] = (uint32_t)w->arena_len;
	w->arena_len += sz;
	w->hdr.rcpt_count++;
	w->hdr.rcpt_len += sz;
	return 0;
}

uint64_t
queue_writer_count(const struct queue_writer *w)
{
	return w->hdr.rcpt_count;
}

/* Make sure the current record of run r is fully buffered; 0 at its end. */
static int
run_fill(struct queue_run *r)
{
	struct queue_rcpt rc;
	size_t used;
	ssize_t n;
	int d;

	for (;;) {
		d = queue_rcpt_decode(r->buf + r->head, r->len - r->head, &rc, &used);
		if (d == 1)
			return 1;
		if (d == -1)
			return -1;
		if (r->pos == r->size)
			return r->len == r->head ? 0 : -1;
		memmove(r->buf, r->buf + r->head, r->len - r->head);
		r->len -= r->head;
		r->head = 0;
		n = fsio_pread_full(r->fd, r->buf + r->len, RUN_READ - r->len, (off_t)r->pos);
		if (n <= 0) {
			err_sys("read sort run");
			return -1;
		}
		r->len += (size_t)n;
		r->pos += (uint64_t)n;
	}
}

static size_t
rec_size(const unsigned char *rec)
{
	return queue_rcpt_size((size_t)(rec[8] | (rec[9] << 8)));
}

static int
write_sorted(struct queue_writer *w)
{
	size_t i, best, alive;
	int f;

	if (w->nruns == 0) {
		arena_sort(w);
		for (i = 0; i < w->nidx; i++)
			if (out_add(w, w->arena + w->idx[i], rec_size(w->arena + w->idx[i])) == -1)
				return -1;
		return 0;
	}
	if (w->nidx > 0 && arena_spill(w) == -1)
		return -1;
	free(w->arena);
	w->arena = NULL;
	w->arena_cap = 0;
	for (i = 0; i < w->nruns; i++)
		if ((w->runs[i].buf = malloc(RUN_READ)) == NULL) {
			err_set("out of memory");
			return -1;
		}
	for (;;) {
		alive = 0;
		best = w->nruns;
		for (i = 0; i < w->nruns; i++) {
			struct queue_run *r = &w->runs[i];

			if ((f = run_fill(r)) == -1) {
				err_set("sort run is corrupt");
				return -1;
			}
			if (f == 0)
				continue;
			alive++;
			if (best == w->nruns ||
			    queue_rcpt_cmp_domain(r->buf + r->head,
				w->runs[best].buf + w->runs[best].head) < 0)
				best = i;
		}
		if (alive == 0)
			return 0;
		{
			struct queue_run *r = &w->runs[best];
			size_t sz = rec_size(r->buf + r->head);

			if (out_add(w, r->buf + r->head, sz) == -1)
				return -1;
			r->head += sz;
		}
	}
}

static void
writer_free(struct queue_writer *w)
{
	size_t i;

	for (i = 0; i < w->nruns; i++) {
		close(w->runs[i].fd);
		free(w->runs[i].buf);
	}
	free(w->runs);
	free(w->arena);
	free(w->idx);
	free(w->out);
	buf_free(&w->tmp);
	w->runs = NULL;
	w->arena = NULL;
	w->idx = NULL;
	w->out = NULL;
	w->nruns = 0;
	if (w->fd != -1)
		close(w->fd);
	w->fd = -1;
}

void
queue_writer_abort(struct queue_writer *w)
{
	/* the file has no name (closing it throws it away) or is still a
	 * spare, which stays as small as retired spares are (and gives back
	 * the space of a message that did not fit on the disk) */
	if (w->spare && w->fd != -1 && w->off > QUEUE_SPARE_MAX_SIZE && ftruncate(w->fd, 0) == -1) {
		/* left for the next writer to cut */
	}
	writer_free(w);
}

/* Tell the scheduler about id: "ID\n" into the FIFO, one atomic write
 * (shorter than PIPE_BUF). No reader, or a full FIFO: the scheduler's
 * periodic scan finds the message instead. */
static void
trigger(const char *qdir, const char *id)
{
	struct buf path = BUF_INIT;
	char line[QUEUE_ID_LEN + 1];
	int fd;

	memcpy(line, id, QUEUE_ID_LEN);
	line[QUEUE_ID_LEN] = '\n';
	if (buf_printf(&path, "%s/lock/trigger", qdir) == 0 &&
	    (fd = open(path.p, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) != -1) {
		if (write(fd, line, sizeof line) < 0) {
			/* no room: left to the scan */
		}
		close(fd);
	}
	buf_free(&path);
}

/* Write the header, with the id the message has now, at the start of
 * the file. */
static int
write_header(struct queue_writer *w)
{
	unsigned char hdr[QUEUE_HDR_SIZE];

	memcpy(w->hdr.id, w->id, QUEUE_ID_LEN + 1);
	queue_hdr_encode(&w->hdr, hdr);
	if (fsio_pwrite_all(w->fd, hdr, sizeof hdr, 0) == -1) {
		err_sys("write %s", w->tmp.p);
		return -1;
	}
	return 0;
}

/* Give the file its name mess/SS/ID (rename the spare, link the unnamed
 * file), taking a new id if the name is taken (a leftover); the new id
 * may live in another split directory of the same file system, and is
 * written into the header (made durable again) before the next try. */
static int
link_into_place(struct queue_writer *w, struct buf *dir)
{
	struct buf mess = BUF_INIT;
	char self[64];
	uint64_t sec = queue_id_time(w->id);
	uint32_t usec = 0;
	int tries, r = -1;

	snprintf(self, sizeof self, "/proc/self/fd/%d", w->fd);
	for (tries = 0; tries < 1000; tries++) {
		if (queue_path_mess(&mess, w->qdir, w->id) == -1)
			goto out;
		if (w->spare ? renameat2(AT_FDCWD, w->tmp.p, AT_FDCWD, mess.p, RENAME_NOREPLACE) == 0
		    : linkat(AT_FDCWD, self, AT_FDCWD, mess.p, AT_SYMLINK_FOLLOW) == 0)
			break;
		if (errno != EEXIST) {
			err_sys("cannot %s the new message to %s", w->spare ? "rename" : "link",
			    mess.p);
			goto out;
		}
		queue_id_make(w->id, sec, usec++, getpid());
		if (write_header(w) == -1)
			goto out;
		if (fsync(w->fd) == -1) {
			err_sys("fsync %s", w->tmp.p);
			goto out;
		}
	}
	if (tries == 1000) {
		err_set("cannot find a free message id");
		goto out;
	}
	if (queue_path_split(dir, w->qdir, w->id) == -1)
		goto out;
	r = 0;
out:
	buf_free(&mess);
	return r;
}

int
queue_writer_commit(struct queue_writer *w, uint64_t now)
{
	struct buf dir = BUF_INIT;

	if (!w->have_sender) {
		err_set("no envelope sender");
		goto fail;
	}
	if (w->hdr.rcpt_count == 0) {
		queue_writer_abort(w);
		return 0;
	}
	w->hdr.created = now;
	if (write_sorted(w) == -1 || out_flush(w) == -1)
		goto fail;
	if (write_header(w) == -1)
		goto fail;
	if (w->spare && ftruncate(w->fd, (off_t)out_pos(w)) == -1) {
		err_sys("truncate %s", w->tmp.p);
		goto fail;
	}
	if (fsync(w->fd) == -1) {
		err_sys("fsync %s", w->tmp.p);
		goto fail;
	}
	if (link_into_place(w, &dir) == -1)
		goto fail;
	if (fsio_fsync_dir(dir.p) == -1) {
		/* Linked but maybe not durable: take the link back, report failure. */
		err_sys("fsync %s", dir.p);
		{
			struct buf mess = BUF_INIT;

			if (queue_path_mess(&mess, w->qdir, w->id) == 0)
				unlink(mess.p);
			buf_free(&mess);
		}
		goto fail;
	}
	trigger(w->qdir, w->id);
	buf_free(&dir);
	writer_free(w);
	return 0;
fail:
	buf_free(&dir);
	queue_writer_abort(w);
	return -1;
}
