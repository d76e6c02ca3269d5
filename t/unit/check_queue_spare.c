/* check_queue_spare: reuse of finished message files (queue_spare.h) on a
 * real queue directory: a retired message becomes the next new message
 * (same inode, cut to the new size), a claimed spare is one writer's only,
 * concurrent writers each get their own, an aborted or crashed writer
 * leaves the spare in place, large files and a full pool mean removal
 * (and room again after writers took some), and no spare/ means no reuse. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "qdir.h"
#include "queue_msg.h"
#include "queue_path.h"
#include "queue_spare.h"
#include "queue_write.h"

/* Queue a message with body and one recipient; its id into id. */
static void
commit(const char *body, size_t n, char *id)
{
	struct queue_writer w;

	ck_assert_int_eq(queue_writer_open(&w, qdir, 0), 0);
	ck_assert_int_eq(queue_writer_body(&w, body, n), 0);
	ck_assert_int_eq(queue_writer_sender(&w, "s@x", 3), 0);
	ck_assert_int_eq(queue_writer_rcpt(&w, "r@y", 3), 0);
	ck_assert_int_eq(queue_writer_commit(&w, 1000), 0);
	memcpy(id, w.id, QUEUE_ID_LEN + 1);
}

static ino_t
inode_of(const char *id)
{
	struct buf p = BUF_INIT;
	struct stat st;

	ck_assert_int_eq(queue_path_mess(&p, qdir, id), 0);
	ck_assert_int_eq(stat(p.p, &st), 0);
	buf_free(&p);
	return st.st_ino;
}

/* Retire message id as the scheduler does when it is finished. */
static void
retire(const char *id)
{
	struct buf p = BUF_INIT;
	int fd;

	ck_assert_int_eq(queue_path_mess(&p, qdir, id), 0);
	fd = open(p.p, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(queue_spare_retire(qdir, p.p, fd), 0);
	close(fd);
	ck_assert_int_eq(access(p.p, F_OK), -1);
	buf_free(&p);
}

/* Assert message id holds exactly body (and nothing after its records). */
static void
assert_body(const char *id, const char *body, size_t n)
{
	struct queue_msg m;
	struct buf p = BUF_INIT;
	struct stat st;
	char *got = malloc(n + 1);

	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(queue_msg_open(&m, qdir, id, false), 0);
	ck_assert_uint_eq(m.hdr.body_len, n);
	ck_assert_int_eq(pread(m.fd, got, n, (off_t)m.hdr.body_off), (ssize_t)n);
	ck_assert_mem_eq(got, body, n);
	ck_assert_uint_eq(m.hdr.rcpt_count, 1);
	ck_assert_int_eq(queue_path_mess(&p, qdir, id), 0);
	ck_assert_int_eq(stat(p.p, &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, m.hdr.rcpt_off + m.hdr.rcpt_len);
	queue_msg_close(&m);
	buf_free(&p);
	free(got);
}

START_TEST(reuse)
{
	char a[QUEUE_ID_LEN + 1], b[QUEUE_ID_LEN + 1];
	char *big = malloc(20000);
	ino_t ino;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 20000);
	commit(big, 20000, a);
	ino = inode_of(a);
	retire(a);
	ck_assert_uint_eq(qdir_count("spare"), 1);
	ck_assert_uint_eq(qdir_count_mess(), 0);
	/* the next message is written over it, and cut to its own size */
	commit("small\n", 6, b);
	ck_assert_uint_eq(inode_of(b), ino);
	ck_assert_uint_eq(qdir_count("spare"), 0);
	ck_assert_uint_eq(qdir_count("tmp"), 0);
	assert_body(b, "small\n", 6);
	free(big);
}
END_TEST

START_TEST(one_claimant)
{
	char a[QUEUE_ID_LEN + 1];
	struct queue_writer w1, w2;

	commit("one\n", 4, a);
	retire(a);
	ck_assert_int_eq(queue_writer_open(&w1, qdir, 0), 0);
	ck_assert(w1.spare);
	ck_assert_int_eq(queue_writer_open(&w2, qdir, 0), 0);
	ck_assert(!w2.spare);
	ck_assert_int_eq(queue_writer_body(&w1, "first\n", 6), 0);
	ck_assert_int_eq(queue_writer_body(&w2, "second\n", 7), 0);
	ck_assert_int_eq(queue_writer_sender(&w1, "s@x", 3), 0);
	ck_assert_int_eq(queue_writer_sender(&w2, "s@x", 3), 0);
	ck_assert_int_eq(queue_writer_rcpt(&w1, "r@y", 3), 0);
	ck_assert_int_eq(queue_writer_rcpt(&w2, "r@y", 3), 0);
	ck_assert_int_eq(queue_writer_commit(&w2, 1000), 0);
	ck_assert_int_eq(queue_writer_commit(&w1, 1000), 0);
	ck_assert_uint_eq(qdir_count_mess(), 2);
	assert_body(w1.id, "first\n", 6);
	assert_body(w2.id, "second\n", 7);
}
END_TEST

/* The path of the only file in spare/ into p. */
static void
only_spare(struct buf *p)
{
	struct dirent *e;
	unsigned n = 0;
	DIR *d;

	qdir_path(p, "spare");
	d = opendir(p->p);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.') {
			ck_assert_int_eq(buf_printf(p, "/%s", e->d_name), 0);
			n++;
		}
	closedir(d);
	ck_assert_uint_eq(n, 1);
}

START_TEST(locked_spare_skipped)
{
	char a[QUEUE_ID_LEN + 1];
	struct buf p = BUF_INIT;
	struct queue_writer w;
	int fd;

	commit("one\n", 4, a);
	retire(a);
	/* the spare is named for the message it held */
	only_spare(&p);
	ck_assert_str_eq(strrchr(p.p, '/') + 1, a);
	/* another writer holds it */
	fd = open(p.p, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	ck_assert_int_eq(queue_writer_open(&w, qdir, 0), 0);
	ck_assert(!w.spare);
	queue_writer_abort(&w);
	close(fd);
	ck_assert_int_eq(queue_writer_open(&w, qdir, 0), 0);
	ck_assert(w.spare);
	queue_writer_abort(&w);
	buf_free(&p);
}
END_TEST

/* Among many spares, concurrent writers each get their own. */
START_TEST(many_claimants)
{
	enum { N = 40 };
	char id[N][QUEUE_ID_LEN + 1];
	struct queue_writer w[N];
	struct stat a, b;
	unsigned i, j;

	for (i = 0; i < N; i++)
		commit("x\n", 2, id[i]);
	for (i = 0; i < N; i++)
		retire(id[i]);
	ck_assert_uint_eq(qdir_count("spare"), N);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(queue_writer_open(&w[i], qdir, 0), 0);
		ck_assert_msg(w[i].spare, "writer %u found no spare", i);
	}
	/* one more finds none left and makes a new file */
	{
		struct queue_writer x;

		ck_assert_int_eq(queue_writer_open(&x, qdir, 0), 0);
		ck_assert(!x.spare);
		queue_writer_abort(&x);
	}
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++) {
			ck_assert_int_eq(fstat(w[i].fd, &a), 0);
			ck_assert_int_eq(fstat(w[j].fd, &b), 0);
			ck_assert_uint_ne(a.st_ino, b.st_ino);
		}
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(queue_writer_body(&w[i], "new\n", 4), 0);
		ck_assert_int_eq(queue_writer_sender(&w[i], "s@x", 3), 0);
		ck_assert_int_eq(queue_writer_rcpt(&w[i], "r@y", 3), 0);
		ck_assert_int_eq(queue_writer_commit(&w[i], 1000), 0);
		assert_body(w[i].id, "new\n", 4);
	}
	ck_assert_uint_eq(qdir_count("spare"), 0);
	ck_assert_uint_eq(qdir_count_mess(), N);
}
END_TEST

START_TEST(abort_and_crash_keep_spare)
{
	char a[QUEUE_ID_LEN + 1], b[QUEUE_ID_LEN + 1];
	struct queue_writer w;
	ino_t ino;
	pid_t pid;
	int st;

	commit("one\n", 4, a);
	ino = inode_of(a);
	retire(a);
	ck_assert_int_eq(queue_writer_open(&w, qdir, 0), 0);
	ck_assert(w.spare);
	ck_assert_int_eq(queue_writer_body(&w, "aborted\n", 8), 0);
	ck_assert_int_eq(queue_writer_sender(&w, "s@x", 3), 0);
	queue_writer_abort(&w);
	ck_assert_uint_eq(qdir_count("spare"), 1);
	ck_assert_uint_eq(qdir_count_mess(), 0);
	/* a writer that dies in the middle leaves the spare a spare */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct queue_writer c;

		if (queue_writer_open(&c, qdir, 0) != 0 || !c.spare ||
		    queue_writer_body(&c, "crash\n", 6) != 0 || queue_writer_sender(&c, "s@x", 3) != 0)
			_exit(2);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_uint_eq(qdir_count("spare"), 1);
	ck_assert_uint_eq(qdir_count_mess(), 0);
	ck_assert_uint_eq(qdir_count("tmp"), 0);
	commit("after\n", 6, b);
	ck_assert_uint_eq(inode_of(b), ino);
	assert_body(b, "after\n", 6);
}
END_TEST

START_TEST(big_files_removed)
{
	char a[QUEUE_ID_LEN + 1];
	size_t n = QUEUE_SPARE_MAX_SIZE + 1;
	char *big = malloc(n);

	ck_assert_ptr_nonnull(big);
	memset(big, 'y', n);
	commit(big, n, a);
	retire(a);
	ck_assert_uint_eq(qdir_count("spare"), 0);
	ck_assert_uint_eq(qdir_count_mess(), 0);
	free(big);
}
END_TEST

/* Make a finished file mess/00/doneN and retire it: it leaves mess/. */
static void
retire_new(unsigned n)
{
	struct buf f = BUF_INIT;
	int fd;

	ck_assert_int_eq(queue_path_splitn(&f, qdir, 0), 0);
	ck_assert_int_eq(buf_printf(&f, "/done%u", n), 0);
	fd = open(f.p, O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(queue_spare_retire(qdir, f.p, fd), 0);
	close(fd);
	ck_assert_int_eq(access(f.p, F_OK), -1);
	buf_free(&f);
}

START_TEST(full_pool)
{
	struct buf p = BUF_INIT;
	char id[QUEUE_ID_LEN + 1];
	unsigned i;
	int fd;

	/* the pool is full (files of any name are spares): a retired file is removed */
	for (i = 0; i < QUEUE_SPARE_FILES; i++) {
		qdir_path(&p, "spare");
		ck_assert_int_eq(buf_printf(&p, "/%u", i), 0);
		fd = open(p.p, O_WRONLY | O_CREAT | O_EXCL, 0600);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	retire_new(0);
	ck_assert_uint_eq(qdir_count("spare"), QUEUE_SPARE_FILES);
	/* writers take some: there is room again, once the retirements that
	 * skip a full pool without looking are over */
	for (i = 0; i < 4; i++) {
		commit("y\n", 2, id);
		ck_assert_uint_eq(qdir_count("spare"), QUEUE_SPARE_FILES - 1 - i);
	}
	for (i = 1; i <= 64; i++) {
		retire_new(i);
		ck_assert_uint_le(qdir_count("spare"), QUEUE_SPARE_FILES);
	}
	ck_assert_uint_eq(qdir_count("spare"), QUEUE_SPARE_FILES);
	ck_assert_uint_eq(qdir_count_mess(), 4);
	buf_free(&p);
}
END_TEST

START_TEST(no_spare_dir)
{
	char a[QUEUE_ID_LEN + 1], b[QUEUE_ID_LEN + 1];
	struct buf p = BUF_INIT;

	qdir_path(&p, "spare");
	ck_assert_int_eq(rmdir(p.p), 0);
	commit("one\n", 4, a);
	retire(a);
	ck_assert_uint_eq(qdir_count_mess(), 0);
	commit("two\n", 4, b);
	assert_body(b, "two\n", 4);
	buf_free(&p);
}
END_TEST

static Suite *
spare_suite(void)
{
	Suite *s = suite_create("queue_spare");
	TCase *tc = tcase_create("spare");

	tcase_add_checked_fixture(tc, qdir_setup, qdir_teardown);
	tcase_add_test(tc, reuse);
	tcase_add_test(tc, one_claimant);
	tcase_add_test(tc, locked_spare_skipped);
	tcase_add_test(tc, many_claimants);
	tcase_add_test(tc, abort_and_crash_keep_spare);
	tcase_add_test(tc, big_files_removed);
	tcase_add_test(tc, full_pool);
	tcase_add_test(tc, no_spare_dir);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(spare_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
