/* check_queue_inject: unit tests for the cleanup of abandoned files in
 * queue/tmp (with a lock held by another process) and for qmail-queue's
 * protocol driver, queue_inject_run, on a real queue directory (qdir.h). */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "qdir.h"
#include "queue_clean.h"
#include "queue_inject.h"
#include "queue_msg.h"
#include "queue_write.h"

static void
touch(const char *rel)
{
	struct buf p = BUF_INIT;
	int fd;

	qdir_path(&p, rel);
	ck_assert_int_ne(fd = open(p.p, O_WRONLY | O_CREAT | O_EXCL, 0600), -1);
	ck_assert_int_eq(write(fd, "partial", 7), 7);
	close(fd);
	buf_free(&p);
}

static bool
exists(const char *rel)
{
	struct buf p = BUF_INIT;
	bool r;

	qdir_path(&p, rel);
	r = access(p.p, F_OK) == 0;
	buf_free(&p);
	return r;
}

START_TEST(clean)
{
	struct queue_writer w;
	struct buf p = BUF_INIT;
	int go[2], ready[2], st;
	size_t removed = 99;
	pid_t pid;
	char c;

	touch("tmp/abandoned1");
	touch("tmp/abandoned2");
	touch("tmp/held");
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(ready), 0);
	if ((pid = fork()) == 0) {
		int fd;

		qdir_path(&p, "tmp/held");
		if ((fd = open(p.p, O_RDONLY)) == -1 || flock(fd, LOCK_EX) == -1)
			_exit(1);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	close(ready[1]);
	close(go[0]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	/* a live writer's file has no name: nothing of it in tmp/ */
	ck_assert_int_eq(queue_writer_open(&w, qdir, 0), 0);
	ck_assert_uint_eq(qdir_count("tmp"), 3);

	ck_assert_int_eq(queue_clean_tmp(qdir, &removed), 0);
	ck_assert_uint_eq(removed, 2);
	ck_assert(!exists("tmp/abandoned1"));
	ck_assert(!exists("tmp/abandoned2"));
	ck_assert(exists("tmp/held"));
	ck_assert_uint_eq(qdir_count("tmp"), 1);

	/* the holder goes away: its file is now abandoned */
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(queue_clean_tmp(qdir, &removed), 0);
	ck_assert_uint_eq(removed, 1);
	ck_assert(!exists("tmp/held"));
	ck_assert_uint_eq(qdir_count("tmp"), 0);
	queue_writer_abort(&w);
	ck_assert_int_eq(queue_clean_tmp(qdir, &removed), 0);
	ck_assert_uint_eq(removed, 0);
	ck_assert_int_eq(queue_clean_tmp("/nonexistent/queue", &removed), -1);
	close(go[1]);
	close(ready[0]);
	buf_free(&p);
}
END_TEST

/* A descriptor reading back n bytes of p. */
static int
fd_of(const void *p, size_t n)
{
	int fd = memfd_create("check", 0);

	ck_assert_int_ne(fd, -1);
	if (n)
		ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static enum queue_exit
inject(struct queue_inject *q, uint64_t max, const char *msg, size_t mlen, const char *env,
    size_t elen)
{
	int fm = fd_of(msg, mlen), fe = fd_of(env, elen);
	enum queue_exit r;

	memset(q, 0, sizeof *q);
	q->qdir = qdir;
	q->max_body = max;
	q->trace = "Received: (test)\n";
	q->now = 77;
	r = queue_inject_run(q, fm, fe);
	close(fm);
	close(fe);
	return r;
}

#define INJECT(q, max, msg, env) inject((q), (max), (msg), sizeof(msg) - 1, (env), sizeof(env) - 1)

START_TEST(inject_run)
{
	static const char msg[] = "Subject: x\n\nhello\n";
	static const char want[] = "Received: (test)\nSubject: x\n\nhello\n";
	struct queue_inject q;
	struct queue_msg m;
	struct buf got = BUF_INIT;
	char body[64], big[QUEUE_ADDR_MAX + 16];

	ck_assert_int_eq(INJECT(&q, 0, msg, "Fs@x\0Tb@y\0Ta@x\0\0"), QUEUE_EXIT_OK);
	ck_assert(queue_id_valid(q.id));
	ck_assert_uint_eq(q.rcpts, 2);
	ck_assert_int_eq(queue_msg_open(&m, qdir, q.id, false), 0);
	ck_assert_str_eq(m.sender, "s@x");
	ck_assert_uint_eq(m.hdr.created, 77);
	ck_assert_int_eq(queue_msg_body(&m, 0, body, sizeof body), (ssize_t)sizeof want - 1);
	ck_assert_mem_eq(body, want, sizeof want - 1);
	queue_msg_close(&m);
	ck_assert_uint_eq(qdir_read_rcpts(q.id, &got), 2);
	ck_assert_mem_eq(got.p, "a@x\0b@y", 8);
	ck_assert_uint_eq(qdir_count_mess(), 1);
	ck_assert_uint_eq(qdir_count("tmp"), 0);

	/* zero recipients: success, nothing queued */
	ck_assert_int_eq(INJECT(&q, 0, msg, "Fs@x\0\0"), QUEUE_EXIT_OK);
	ck_assert_str_eq(q.id, "");
	ck_assert_uint_eq(q.rcpts, 0);
	ck_assert_uint_eq(qdir_count_mess(), 1);

	/* each failure leaves nothing behind */
	ck_assert_int_eq(INJECT(&q, 0, msg, "Xs@x\0\0"), QUEUE_EXIT_FORMAT);
	ck_assert_int_eq(INJECT(&q, 0, msg, "Fs@x\0Ta\0Yb\0\0"), QUEUE_EXIT_FORMAT);
	ck_assert_int_eq(INJECT(&q, 0, msg, "Fs@x\0Ta\0"), QUEUE_EXIT_READ);
	ck_assert_int_eq(INJECT(&q, 0, msg, "Fs@x\0Ta"), QUEUE_EXIT_READ);
	ck_assert_int_eq(INJECT(&q, 0, msg, ""), QUEUE_EXIT_READ);
	memset(big, 'a', sizeof big);
	memcpy(big, "Fs\0T", 4);
	big[4 + QUEUE_ADDR_MAX + 1] = '\0';
	big[4 + QUEUE_ADDR_MAX + 2] = '\0';
	ck_assert_int_eq(inject(&q, 0, msg, sizeof msg - 1, big, 4 + QUEUE_ADDR_MAX + 3),
	    QUEUE_EXIT_TOOLONG);
	ck_assert_ptr_nonnull(strstr(err_str(), "1002"));
	ck_assert_uint_eq(qdir_count_mess(), 1);
	ck_assert_uint_eq(qdir_count("tmp"), 0);
	big[4 + QUEUE_ADDR_MAX] = '\0';                 /* exactly the limit */
	ck_assert_int_eq(inject(&q, 0, msg, sizeof msg - 1, big, 4 + QUEUE_ADDR_MAX + 2),
	    QUEUE_EXIT_OK);
	ck_assert_uint_eq(qdir_count_mess(), 2);

	/* databytes counts the message, not the trace line added to it */
	ck_assert_int_eq(INJECT(&q, sizeof msg - 2, msg, "Fs\0Ta\0\0"), QUEUE_EXIT_REFUSED);
	ck_assert_ptr_nonnull(strstr(err_str(), "databytes"));
	ck_assert_uint_eq(qdir_count_mess(), 2);
	ck_assert_uint_eq(qdir_count("tmp"), 0);
	ck_assert_int_eq(INJECT(&q, sizeof msg - 1, msg, "Fs\0Ta\0\0"), QUEUE_EXIT_OK);
	ck_assert_uint_eq(qdir_count_mess(), 3);

	/* no queue */
	q.qdir = "/nonexistent/queue";
	{
		int fm = fd_of(msg, sizeof msg - 1), fe = fd_of("Fs\0Ta\0\0", 7);

		ck_assert_int_eq(queue_inject_run(&q, fm, fe), QUEUE_EXIT_QUEUE);
		close(fm);
		close(fe);
	}
	ck_assert_uint_eq(qdir_count("tmp"), 0);
	buf_free(&got);
}
END_TEST

START_TEST(inject_pipe)
{
	struct queue_inject q = { 0 };
	struct queue_msg m;
	size_t len = 3 * 1024 * 1024 + 1, i;
	unsigned char *msg, *back;
	int mp[2], st;
	pid_t pid;

	ck_assert_ptr_nonnull(msg = malloc(len));
	ck_assert_ptr_nonnull(back = malloc(len));
	for (i = 0; i < len; i++)
		msg[i] = (unsigned char)(i % 251);
	ck_assert_int_eq(pipe(mp), 0);
	if ((pid = fork()) == 0) {
		close(mp[0]);
		for (i = 0; i < len; i += 4097)
			if (write(mp[1], msg + i, len - i < 4097 ? len - i : 4097) == -1)
				_exit(1);
		_exit(0);
	}
	close(mp[1]);
	q.qdir = qdir;
	q.now = 1;
	{
		int fe = fd_of("F\0Tr@x\0\0", 8);

		ck_assert_int_eq(queue_inject_run(&q, mp[0], fe), QUEUE_EXIT_OK);
		close(fe);
	}
	close(mp[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(queue_msg_open(&m, qdir, q.id, false), 0);
	ck_assert_uint_eq(m.hdr.body_len, len);
	ck_assert_int_eq(queue_msg_body(&m, 0, back, len), (ssize_t)len);
	ck_assert(memcmp(msg, back, len) == 0);
	queue_msg_close(&m);
	free(msg);
	free(back);
}
END_TEST

static Suite *
inject_suite(void)
{
	Suite *s = suite_create("queue_inject");
	TCase *tc;

	tc = tcase_create("clean");
	tcase_add_checked_fixture(tc, qdir_setup, qdir_teardown);
	tcase_add_test(tc, clean);
	suite_add_tcase(s, tc);

	tc = tcase_create("inject");
	tcase_add_checked_fixture(tc, qdir_setup, qdir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, inject_run);
	tcase_add_test(tc, inject_pipe);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(inject_suite());
	int failed;

	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
