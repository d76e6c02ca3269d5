/* check_queue_write: unit tests for writing and reading messages on a
 * real queue directory (qdir.h): the writer (domain order, spilled sort
 * runs, body limit, abort), the recipient cursor, state checkpoints and
 * damaged files. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "qdir.h"
#include "queue_file.h"
#include "queue_msg.h"
#include "queue_path.h"
#include "queue_write.h"

static void
commit_simple(const char *const *rcpts, size_t n, char *id)
{
	struct queue_writer w;
	size_t i;

	ck_assert_int_eq(queue_writer_open(&w, qdir, 0), 0);
	ck_assert_int_eq(queue_writer_body(&w, "hello\n", 6), 0);
	ck_assert_int_eq(queue_writer_sender(&w, "s@x", 3), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(queue_writer_rcpt(&w, rcpts[i], strlen(rcpts[i])), 0);
	ck_assert_int_eq(queue_writer_commit(&w, 1000), 0);
	memcpy(id, w.id, QUEUE_ID_LEN + 1);
	ck_assert(queue_id_valid(id));
}

START_TEST(write_sorted)
{
	static const char *const in[] = { "z1@B.org", "a1@a.org", "z2@b.ORG", "nodomain",
		"a2@A.ORG", "m@c.net", "x@", "a3@a.org" };
	static const char want[] = "nodomain\0x@\0a1@a.org\0a2@A.ORG\0a3@a.org\0"
	    "z1@B.org\0z2@b.ORG\0m@c.net";
	struct buf got = BUF_INIT, path = BUF_INIT;
	char id[QUEUE_ID_LEN + 1];
	struct queue_msg m;
	struct stat st;

	commit_simple(in, 8, id);
	ck_assert_uint_eq(qdir_read_rcpts(id, &got), 8);
	ck_assert_uint_eq(got.len, sizeof want);
	ck_assert_mem_eq(got.p, want, sizeof want);
	/* the file is at mess/SS/ID and nothing is left in tmp/ */
	ck_assert_int_eq(queue_path_mess(&path, qdir, id), 0);
	ck_assert_int_eq(stat(path.p, &st), 0);
	ck_assert_uint_eq(qdir_count_mess(), 1);
	ck_assert_uint_eq(qdir_count("tmp"), 0);
	ck_assert_int_eq(queue_msg_open(&m, qdir, id, false), 0);
	ck_assert_str_eq(m.sender, "s@x");
	ck_assert_uint_eq(m.hdr.created, 1000);
	ck_assert_uint_eq(m.size, (uint64_t)st.st_size);
	ck_assert_uint_eq(m.hdr.body_len, 6);
	queue_msg_close(&m);
	buf_free(&got);
	buf_free(&path);
}
END_TEST

/* Recipient i of the big test: 37 domains in varying case, some long. */
static void
big_addr(struct buf *b, size_t i)
{
	unsigned d = (unsigned)(i * 7919 % 37);

	buf_reset(b);
	if (i % 1000 == 999) {
		ck_assert_int_eq(buf_printf(b, "%06zu.", i), 0);
		while (b->len < 900)
			ck_assert_int_eq(buf_addc(b, 'l'), 0);
	} else
		ck_assert_int_eq(buf_printf(b, "%06zu", i), 0);
	ck_assert_int_eq(buf_printf(b, i % 3 == 0 ? "@Dom%02u.EXAMPLE" : "@dom%02u.example", d), 0);
}

#define BIG 20000

static void
write_big(char *id, bool spill)
{
	struct queue_writer w;
	struct buf a = BUF_INIT;
	size_t i, before = qdir_count_mess();

	ck_assert_int_eq(queue_writer_open(&w, qdir, 0), 0);
	ck_assert_int_eq(queue_writer_body(&w, "x\n", 2), 0);
	ck_assert_int_eq(queue_writer_sender(&w, "", 0), 0);
	for (i = 0; i < BIG; i++) {
		big_addr(&a, i);
		ck_assert_int_eq(queue_writer_rcpt(&w, a.p, a.len), 0);
	}
	ck_assert_uint_eq(queue_writer_count(&w), BIG);
	if (spill)
		ck_assert_uint_gt(w.nruns, 100);
	else
		ck_assert_uint_eq(w.nruns, 0);
	/* the message and its sort runs have no name before the commit */
	ck_assert_uint_eq(qdir_count("tmp"), 0);
	ck_assert_uint_eq(qdir_count_mess(), before);
	ck_assert_int_eq(queue_writer_commit(&w, 1), 0);
	memcpy(id, w.id, QUEUE_ID_LEN + 1);
	buf_free(&a);
}

START_TEST(write_spill)
{
	char id1[QUEUE_ID_LEN + 1], id2[QUEUE_ID_LEN + 1];
	struct buf r1 = BUF_INIT, r2 = BUF_INIT, a = BUF_INIT;
	unsigned char *seen;
	const char *p, *prev = NULL, *dom, *pdom;
	size_t i, n;

	write_big(id1, false);
	queue_writer_set_run_size(4096);
	write_big(id2, true);
	ck_assert_str_ne(id1, id2);
	ck_assert_uint_eq(qdir_read_rcpts(id1, &r1), BIG);
	ck_assert_uint_eq(qdir_read_rcpts(id2, &r2), BIG);
	ck_assert_uint_eq(r1.len, r2.len);
	ck_assert(memcmp(r1.p, r2.p, r1.len) == 0);
	ck_assert_uint_eq(qdir_count("tmp"), 0);
	/* every recipient exactly once, domains in order, injection order inside one */
	ck_assert_ptr_nonnull(seen = calloc(BIG, 1));
	for (p = r2.p, n = 0; p < r2.p + r2.len; p += strlen(p) + 1, n++) {
		i = strtoul(p, NULL, 10);
		ck_assert_uint_lt(i, BIG);
		ck_assert_uint_eq(seen[i], 0);
		seen[i] = 1;
		big_addr(&a, i);
		ck_assert_str_eq(p, a.p);
		dom = strrchr(p, '@') + 1;
		if (prev) {
			pdom = strrchr(prev, '@') + 1;
			ck_assert_int_le(strcasecmp(pdom, dom), 0);
			if (strcasecmp(pdom, dom) == 0)
				ck_assert_uint_lt(strtoul(prev, NULL, 10), i);
		}
		prev = p;
	}
	ck_assert_uint_eq(n, BIG);
	free(seen);
	buf_free(&r1);
	buf_free(&r2);
	buf_free(&a);
}
END_TEST

START_TEST(write_body)
{
	struct queue_writer w;
	struct queue_msg m;
	size_t len = 1024 * 1024 + 13, i, off, k;
	unsigned char *body, *back;
	const char *rc = "r@x";
	ssize_t got;

	ck_assert_ptr_nonnull(body = malloc(len));
	ck_assert_ptr_nonnull(back = malloc(len + 100));
	for (i = 0; i < len; i++)
		body[i] = (unsigned char)(i * 131 + i / 256);
	ck_assert_int_eq(queue_writer_open(&w, qdir, 0), 0);
	for (off = 0; off < len; off += k) {
		k = len - off < 70001 ? len - off : 70001;
		ck_assert_int_eq(queue_writer_body(&w, body + off, k), 0);
	}
	ck_assert_int_eq(queue_writer_sender(&w, "", 0), 0);
	ck_assert_int_eq(queue_writer_rcpt(&w, rc, 3), 0);
	ck_assert_int_eq(queue_writer_commit(&w, 5), 0);

	ck_assert_int_eq(queue_msg_open(&m, qdir, w.id, false), 0);
	ck_assert_uint_eq(m.hdr.body_len, len);
	ck_assert_str_eq(m.sender, "");
	for (off = 0; off < len; off += (size_t)got) {
		got = queue_msg_body(&m, off, back + off, 33333);
		ck_assert_int_gt(got, 0);
	}
	ck_assert_uint_eq(off, len);
	ck_assert(memcmp(body, back, len) == 0);
	ck_assert_int_eq(queue_msg_body(&m, len, back, 10), 0);
	ck_assert_int_eq(queue_msg_body(&m, len - 3, back, 10), 3);
	ck_assert_mem_eq(back, body + len - 3, 3);
	queue_msg_close(&m);
	free(body);
	free(back);
}
END_TEST

START_TEST(write_limit)
{
	struct queue_writer w;
	char blk[60];

	memset(blk, 'b', sizeof blk);
	ck_assert_int_eq(queue_writer_open(&w, qdir, 100), 0);
	ck_assert_int_eq(queue_writer_body(&w, blk, 60), 0);
	ck_assert_int_eq(queue_writer_body(&w, blk, 40), 0);  /* exactly the limit */
	ck_assert_int_eq(queue_writer_body(&w, blk, 1), 1);
	ck_assert_int_eq(queue_writer_body(&w, blk, 60), 1);
	ck_assert_uint_eq(w.hdr.body_len, 100);
	ck_assert_uint_eq(qdir_count("tmp"), 0);
	queue_writer_abort(&w);
	qdir_assert_empty();
}
END_TEST

START_TEST(write_abort)
{
	struct queue_writer w;
	struct buf a = BUF_INIT;
	size_t i;

	queue_writer_set_run_size(4096);
	ck_assert_int_eq(queue_writer_open(&w, qdir, 0), 0);
	ck_assert_int_eq(queue_writer_body(&w, "body\n", 5), 0);
	ck_assert_int_eq(queue_writer_sender(&w, "s@x", 3), 0);
	for (i = 0; i < 2000; i++) {
		big_addr(&a, i);
		ck_assert_int_eq(queue_writer_rcpt(&w, a.p, a.len), 0);
	}
	ck_assert_uint_gt(w.nruns, 0);
	queue_writer_abort(&w);
	qdir_assert_empty();
	/* zero recipients: commit succeeds and queues nothing */
	ck_assert_int_eq(queue_writer_open(&w, qdir, 0), 0);
	ck_assert_int_eq(queue_writer_body(&w, "body\n", 5), 0);
	ck_assert_int_eq(queue_writer_sender(&w, "s@x", 3), 0);
	ck_assert_uint_eq(queue_writer_count(&w), 0);
	ck_assert_int_eq(queue_writer_commit(&w, 1), 0);
	qdir_assert_empty();
	/* no sender: commit fails and leaves nothing */
	ck_assert_int_eq(queue_writer_open(&w, qdir, 0), 0);
	ck_assert_int_eq(queue_writer_body(&w, "body\n", 5), 0);
	ck_assert_int_eq(queue_writer_commit(&w, 1), -1);
	qdir_assert_empty();
	/* a bad recipient is refused */
	ck_assert_int_eq(queue_writer_open(&w, qdir, 0), 0);
	ck_assert_int_eq(queue_writer_sender(&w, "", 0), 0);
	ck_assert_int_eq(queue_writer_rcpt(&w, "a\0b", 3), -1);
	ck_assert_int_eq(queue_writer_rcpt(&w, a.p, QUEUE_ADDR_MAX + 1), -1);
	ck_assert_uint_eq(queue_writer_count(&w), 0);
	queue_writer_abort(&w);
	qdir_assert_empty();
	/* no queue directory */
	ck_assert_int_eq(queue_writer_open(&w, "/nonexistent/queue", 0), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "/nonexistent/queue/mess/"));
	buf_free(&a);
}
END_TEST

START_TEST(state_update)
{
	static const char *const in[] = { "a@a", "b@b", "c@c" };
	struct queue_rstate s = { QUEUE_RCPT_DONE, 3, 12345 };
	char id[QUEUE_ID_LEN + 1];
	struct queue_msg m;
	struct queue_cursor c;
	struct queue_rcpt r;
	uint64_t off2;

	commit_simple(in, 3, id);
	ck_assert_int_eq(queue_msg_open(&m, qdir, id, true), 0);
	ck_assert_int_eq(queue_cursor_open(&c, &m), 0);
	ck_assert_int_eq(queue_cursor_next(&c, &r), 1);
	ck_assert_int_eq(queue_cursor_next(&c, &r), 1);
	ck_assert_str_eq(r.addr, "b@b");
	off2 = r.off;
	queue_cursor_close(&c);
	ck_assert_int_eq(queue_msg_set_state(&m, off2, &s), 0);
	ck_assert_int_eq(queue_msg_sync(&m), 0);
	/* offsets that are not a record */
	ck_assert_int_eq(queue_msg_set_state(&m, m.hdr.rcpt_off - 8, &s), -1);
	ck_assert_int_eq(queue_msg_set_state(&m, off2 + 4, &s), -1);
	ck_assert_int_eq(queue_msg_set_state(&m, m.hdr.rcpt_off + m.hdr.rcpt_len, &s), -1);
	ck_assert_int_eq(queue_msg_set_state(&m, (uint64_t)1 << 40, &s), -1);
	ck_assert_int_eq(queue_msg_set_state(&m, 0, &s), -1);
	queue_msg_close(&m);

	ck_assert_int_eq(queue_msg_open(&m, qdir, id, false), 0);
	ck_assert_int_eq(queue_cursor_open(&c, &m), 0);
	ck_assert_int_eq(queue_cursor_next(&c, &r), 1);
	ck_assert_uint_eq(r.st.state, 'P');
	ck_assert_int_eq(queue_cursor_next(&c, &r), 1);
	ck_assert_str_eq(r.addr, "b@b");
	ck_assert_uint_eq(r.st.state, 'D');
	ck_assert_uint_eq(r.st.tries, 3);
	ck_assert_uint_eq(r.st.next_try, 12345);
	ck_assert_int_eq(queue_cursor_next(&c, &r), 1);
	ck_assert_uint_eq(r.st.state, 'P');
	ck_assert_int_eq(queue_cursor_next(&c, &r), 0);
	queue_cursor_close(&c);
	/* a read-only message cannot be updated */
	ck_assert_int_eq(queue_msg_set_state(&m, off2, &s), -1);
	queue_msg_close(&m);
}
END_TEST

/* Walk the recipients of id; returns the last cursor result and the count. */
static int
walk(const char *id, size_t *n)
{
	struct queue_msg m;
	struct queue_cursor c;
	struct queue_rcpt r;
	int k;

	*n = 0;
	ck_assert_int_eq(queue_msg_open(&m, qdir, id, false), 0);
	ck_assert_int_eq(queue_cursor_open(&c, &m), 0);
	while ((k = queue_cursor_next(&c, &r)) == 1)
		(*n)++;
	queue_cursor_close(&c);
	queue_msg_close(&m);
	return k;
}

/* Rewrite rcpt_count and rcpt_len in the header of the file at path. */
static void
set_rcpts(const char *path, uint64_t count, uint64_t len)
{
	unsigned char b[16];
	int fd, i;

	for (i = 0; i < 8; i++) {
		b[i] = (unsigned char)(count >> (8 * i));
		b[8 + i] = (unsigned char)(len >> (8 * i));
	}
	ck_assert_int_ne(fd = open(path, O_WRONLY), -1);
	ck_assert_int_eq(pwrite(fd, b, 16, 56), 16);
	close(fd);
}

START_TEST(corrupt)
{
	/* four records of 24 bytes */
	static const char *const in[] = { "a@aaaaa", "b@bbbbb", "c@ccccc", "d@ddddd" };
	char id[QUEUE_ID_LEN + 1];
	struct buf path = BUF_INIT;
	struct queue_msg m;
	struct queue_cursor c;
	struct queue_rcpt r;
	uint64_t roff;
	size_t n;
	int fd;

	commit_simple(in, 4, id);
	ck_assert_int_eq(queue_path_mess(&path, qdir, id), 0);
	ck_assert_int_eq(walk(id, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(queue_msg_open(&m, qdir, id, false), 0);
	roff = m.hdr.rcpt_off;
	ck_assert_uint_eq(m.hdr.rcpt_len, 96);
	queue_msg_close(&m);

	/* an unknown state byte in the second record */
	ck_assert_int_ne(fd = open(path.p, O_WRONLY), -1);
	ck_assert_int_eq(pwrite(fd, "Z", 1, (off_t)roff + 24), 1);
	ck_assert_int_eq(walk(id, &n), -1);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(pwrite(fd, "P", 1, (off_t)roff + 24), 1);
	ck_assert_int_eq(walk(id, &n), 0);
	/* an address length pointing past the records */
	ck_assert_int_eq(pwrite(fd, "\x40", 1, (off_t)roff + 72 + 8), 1);
	ck_assert_int_eq(walk(id, &n), -1);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(pwrite(fd, "\x07", 1, (off_t)roff + 72 + 8), 1);
	ck_assert_int_eq(walk(id, &n), 0);
	ck_assert_uint_eq(n, 4);
	close(fd);

	/* whole records missing: fewer than rcpt_count */
	ck_assert_int_eq(truncate(path.p, (off_t)roff + 72), 0);
	ck_assert_int_eq(queue_msg_open(&m, qdir, id, false), -1);
	set_rcpts(path.p, 4, 72);
	ck_assert_int_eq(walk(id, &n), -1);
	ck_assert_uint_eq(n, 3);
	set_rcpts(path.p, 3, 72);
	ck_assert_int_eq(walk(id, &n), 0);
	ck_assert_uint_eq(n, 3);
	/* the file shrinks under an open message */
	ck_assert_int_eq(queue_msg_open(&m, qdir, id, false), 0);
	ck_assert_int_eq(truncate(path.p, (off_t)roff + 28), 0);
	ck_assert_int_eq(queue_cursor_open(&c, &m), 0);
	ck_assert_int_eq(queue_cursor_next(&c, &r), 1);
	ck_assert_int_eq(queue_cursor_next(&c, &r), -1);
	queue_cursor_close(&c);
	queue_msg_close(&m);
	/* truncated, header no longer matches the size */
	ck_assert_int_eq(queue_msg_open(&m, qdir, id, false), -1);
	/* truncated mid-record with a header that agrees */
	set_rcpts(path.p, 1, 28);
	ck_assert_int_eq(walk(id, &n), -1);
	ck_assert_uint_eq(n, 1);
	/* shorter than a header, bad magic, not an id */
	ck_assert_int_eq(truncate(path.p, 100), 0);
	ck_assert_int_eq(queue_msg_open(&m, qdir, id, false), -1);
	commit_simple(in, 4, id);
	ck_assert_int_eq(queue_path_mess(&path, qdir, id), 0);
	ck_assert_int_ne(fd = open(path.p, O_WRONLY), -1);
	ck_assert_int_eq(pwrite(fd, "X", 1, 0), 1);
	close(fd);
	ck_assert_int_eq(queue_msg_open(&m, qdir, id, false), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "magic"));
	ck_assert_int_eq(queue_msg_open(&m, qdir, "../../etc/passwd", false), -1);
	ck_assert_int_eq(queue_msg_open(&m, qdir, "0000000000000000000000", false), -1);
	buf_free(&path);
}
END_TEST

/* Open message id and verify it: 0 if it passes. */
static int
verify_id(const char *id)
{
	struct queue_msg m;
	int r;

	if (queue_msg_open(&m, qdir, id, false) == -1)
		return -1;
	r = queue_msg_verify(&m);
	queue_msg_close(&m);
	return r;
}

/* Copy the file of message from over the file of message to. */
static void
copy_over(const char *from, const char *to)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	char data[65536];
	ssize_t n;
	int in, out;

	ck_assert_int_eq(queue_path_mess(&a, qdir, from), 0);
	ck_assert_int_eq(queue_path_mess(&b, qdir, to), 0);
	ck_assert_int_ne(in = open(a.p, O_RDONLY), -1);
	ck_assert_int_ne(out = open(b.p, O_WRONLY | O_TRUNC), -1);
	while ((n = read(in, data, sizeof data)) > 0)
		ck_assert_int_eq(write(out, data, (size_t)n), n);
	close(in);
	close(out);
	buf_free(&a);
	buf_free(&b);
}

/* The header names the message and hashes what was written: a file whose
 * contents are not what its writer wrote fails queue_msg_verify. */
START_TEST(sealed)
{
	const char *const rc[] = { "a@x.test", "b@y.test", "c@x.test" };
	char id1[QUEUE_ID_LEN + 1], id2[QUEUE_ID_LEN + 1], id3[QUEUE_ID_LEN + 1];
	struct queue_msg m;
	struct queue_rstate st = { QUEUE_RCPT_DONE, 3, 1234 };
	struct queue_cursor cur;
	struct queue_rcpt r;
	struct buf path = BUF_INIT;
	unsigned char hdr[QUEUE_HDR_SIZE], c;
	int fd;

	commit_simple(rc, 3, id1);
	commit_simple(rc, 3, id2);
	ck_assert_int_eq(verify_id(id1), 0);
	ck_assert_int_eq(queue_msg_open(&m, qdir, id1, true), 0);
	ck_assert_str_eq(m.hdr.id, id1);
	/* states change in place: still the same message */
	ck_assert_int_eq(queue_cursor_open(&cur, &m), 0);
	ck_assert_int_eq(queue_cursor_next(&cur, &r), 1);
	ck_assert_int_eq(queue_msg_set_state(&m, r.off, &st), 0);
	queue_cursor_close(&cur);
	ck_assert_int_eq(queue_msg_verify(&m), 0);
	queue_msg_close(&m);
	/* one byte of the body changed */
	ck_assert_int_eq(queue_path_mess(&path, qdir, id1), 0);
	ck_assert_int_ne(fd = open(path.p, O_RDWR), -1);
	ck_assert_int_eq(pread(fd, &c, 1, QUEUE_HDR_SIZE + 1), 1);
	c ^= 0x20;
	ck_assert_int_eq(pwrite(fd, &c, 1, QUEUE_HDR_SIZE + 1), 1);
	ck_assert_int_eq(verify_id(id1), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "hash"));
	c ^= 0x20;
	ck_assert_int_eq(pwrite(fd, &c, 1, QUEUE_HDR_SIZE + 1), 1);
	ck_assert_int_eq(verify_id(id1), 0);
	/* one byte of an address changed */
	ck_assert_int_eq(pread(fd, hdr, sizeof hdr, 0), (ssize_t)sizeof hdr);
	ck_assert_int_eq(pread(fd, &c, 1, (off_t)(r.off + QUEUE_RCPT_FIXED)), 1);
	c ^= 1;
	ck_assert_int_eq(pwrite(fd, &c, 1, (off_t)(r.off + QUEUE_RCPT_FIXED)), 1);
	ck_assert_int_eq(verify_id(id1), -1);
	close(fd);
	/* another message's whole file under this name (a spare's old contents) */
	copy_over(id2, id1);
	ck_assert_int_eq(verify_id(id1), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), id2));
	ck_assert_int_eq(verify_id(id2), 0);
	/* an unsealed file (written without id and hash) is not checked */
	commit_simple(rc, 1, id3);
	ck_assert_int_eq(queue_path_mess(&path, qdir, id3), 0);
	ck_assert_int_ne(fd = open(path.p, O_RDWR), -1);
	memset(hdr, 0, 32);
	ck_assert_int_eq(pwrite(fd, hdr, 32, 72), 32);
	close(fd);
	ck_assert_int_eq(verify_id(id3), 0);
	buf_free(&path);
}
END_TEST

static Suite *
write_suite(void)
{
	Suite *s = suite_create("queue_write");
	TCase *tc;

	tc = tcase_create("writer");
	tcase_add_checked_fixture(tc, qdir_setup, qdir_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, write_sorted);
	tcase_add_test(tc, write_spill);
	tcase_add_test(tc, write_body);
	tcase_add_test(tc, write_limit);
	tcase_add_test(tc, write_abort);
	suite_add_tcase(s, tc);

	tc = tcase_create("reader");
	tcase_add_checked_fixture(tc, qdir_setup, qdir_teardown);
	tcase_add_test(tc, state_update);
	tcase_add_test(tc, corrupt);
	tcase_add_test(tc, sealed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(write_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
