/* qdir: scratch queue directories for the queue unit tests (see qdir.h). */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "qdir.h"
#include "queue_file.h"
#include "queue_id.h"
#include "queue_msg.h"
#include "queue_path.h"

char qdir[64];

void
qdir_path(struct buf *b, const char *rel)
{
	buf_reset(b);
	ck_assert_int_eq(buf_printf(b, "%s/%s", qdir, rel), 0);
}

void
qdir_setup(void)
{
	struct buf p = BUF_INIT;
	unsigned i;

	snprintf(qdir, sizeof qdir, "/tmp/check_queue.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(qdir));
	qdir_path(&p, "tmp");
	ck_assert_int_eq(mkdir(p.p, 0700), 0);
	qdir_path(&p, "lock");
	ck_assert_int_eq(mkdir(p.p, 0750), 0);
	qdir_path(&p, "spare");
	ck_assert_int_eq(mkdir(p.p, 0750), 0);
	qdir_path(&p, "mess");
	ck_assert_int_eq(mkdir(p.p, 0750), 0);
	for (i = 0; i < QUEUE_SPLIT; i++) {
		ck_assert_int_eq(queue_path_splitn(&p, qdir, i), 0);
		ck_assert_int_eq(mkdir(p.p, 0750), 0);
	}
	buf_free(&p);
}

void
qdir_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", qdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", qdir);
}

size_t
qdir_count(const char *rel)
{
	struct buf p = BUF_INIT;
	struct dirent *d;
	size_t n = 0;
	DIR *dp;

	qdir_path(&p, rel);
	ck_assert_ptr_nonnull(dp = opendir(p.p));
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			n++;
	closedir(dp);
	buf_free(&p);
	return n;
}

size_t
qdir_count_mess(void)
{
	char rel[16];
	size_t n = 0;
	unsigned i;

	for (i = 0; i < QUEUE_SPLIT; i++) {
		snprintf(rel, sizeof rel, "mess/%02x", i);
		n += qdir_count(rel);
	}
	return n;
}

void
qdir_assert_empty(void)
{
	ck_assert_uint_eq(qdir_count("tmp"), 0);
	ck_assert_uint_eq(qdir_count_mess(), 0);
}

size_t
qdir_read_rcpts(const char *id, struct buf *out)
{
	struct queue_msg m;
	struct queue_cursor c;
	struct queue_rcpt r;
	uint64_t last = 0;
	size_t n = 0;
	int k;

	buf_reset(out);
	ck_assert_int_eq(queue_msg_open(&m, qdir, id, false), 0);
	ck_assert_int_eq(queue_cursor_open(&c, &m), 0);
	while ((k = queue_cursor_next(&c, &r)) == 1) {
		ck_assert_uint_eq(r.off % 8, 0);
		ck_assert_uint_ge(r.off, m.hdr.rcpt_off + last);
		ck_assert_uint_eq(r.dom_off, queue_rcpt_domain(r.addr, r.addr_len));
		last = r.off - m.hdr.rcpt_off + queue_rcpt_size(r.addr_len);
		ck_assert_int_eq(buf_add(out, r.addr, r.addr_len), 0);
		ck_assert_int_eq(buf_addc(out, '\0'), 0);
		n++;
	}
	ck_assert_int_eq(k, 0);
	ck_assert_uint_eq(last, m.hdr.rcpt_len);
	ck_assert_uint_eq(n, m.hdr.rcpt_count);
	queue_cursor_close(&c);
	queue_msg_close(&m);
	return n;
}
