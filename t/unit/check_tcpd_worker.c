/* check_tcpd_worker: unit tests for the worker side of herald-tcpd's
 * worker mode (tcpd_worker.h): receiving a connection and its environment
 * block over a SOCK_SEQPACKET pair, refusing malformed messages without
 * leaving descriptors open, the "d" report, and putting a block into the
 * process environment and taking it out again. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "tcpd_worker.h"

static int sv[2];

static void
setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

static void
teardown(void)
{
	close(sv[0]);
	if (sv[1] != -1)
		close(sv[1]);
}

/* Send n bytes at p with nfds descriptors (each a copy of fds[i]) from sv[1]. */
static void
send_msg(const void *p, size_t n, const int *fds, size_t nfds)
{
	char ctl[CMSG_SPACE(16 * sizeof(int))];
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *cm;

	memset(&m, 0, sizeof m);
	memset(ctl, 0, sizeof ctl);
	iov.iov_base = (void *)p;
	iov.iov_len = n;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (nfds > 0) {
		ck_assert_uint_le(nfds, 16);
		m.msg_control = ctl;
		m.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	ck_assert_int_eq(sendmsg(sv[1], &m, 0), (ssize_t)n);
}

/* The lowest descriptor not open: unchanged after a call means no leak. */
static int
lowest_free(void)
{
	int fd = dup(0);

	ck_assert_int_ge(fd, 0);
	close(fd);
	return fd;
}

START_TEST(next_ok)
{
	static const char block[] = "PROTO=TCP\0TCPREMOTEIP=192.0.2.1\0RELAYCLIENT=\0X=1\0X=2";
	struct buf env = BUF_INIT;
	int p[2], fd, fds[1];
	char c;

	ck_assert_int_eq(pipe(p), 0);
	fds[0] = p[1];
	send_msg(block, sizeof block, fds, 1);
	close(p[1]);
	ck_assert_int_eq(tcpd_worker_next(sv[0], &env, &fd), 1);
	ck_assert_uint_eq(env.len, sizeof block);
	ck_assert_mem_eq(env.p, block, sizeof block);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	/* the descriptor is the pipe's write end */
	ck_assert_int_eq(write(fd, "z", 1), 1);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'z');
	ck_assert_str_eq(tcpd_worker_env_get(&env, "PROTO"), "TCP");
	ck_assert_str_eq(tcpd_worker_env_get(&env, "TCPREMOTEIP"), "192.0.2.1");
	ck_assert_str_eq(tcpd_worker_env_get(&env, "RELAYCLIENT"), "");
	ck_assert_str_eq(tcpd_worker_env_get(&env, "X"), "2");
	ck_assert_ptr_null(tcpd_worker_env_get(&env, "TCPREMOTE"));
	ck_assert_ptr_null(tcpd_worker_env_get(&env, "TCPLOCALIP"));
	close(fd);
	close(p[0]);
	/* the end of file, after the peer closes */
	close(sv[1]);
	sv[1] = -1;
	ck_assert_int_eq(tcpd_worker_next(sv[0], &env, &fd), 0);
	ck_assert_int_eq(fd, -1);
	buf_free(&env);
}
END_TEST

/* A message tcpd_worker_next must refuse, leaving no descriptor open. */
static void
refused(const void *p, size_t n, size_t nfds, const char *why)
{
	struct buf env = BUF_INIT;
	int fds[16], fd, i, before;

	for (i = 0; i < (int)nfds; i++)
		fds[i] = 2;
	before = lowest_free();
	send_msg(p, n, fds, nfds);
	ck_assert_int_eq(tcpd_worker_next(sv[0], &env, &fd), -1);
	ck_assert_int_eq(fd, -1);
	ck_assert_msg(strstr(err_str(), why) != NULL, "error \"%s\" lacks \"%s\"", err_str(), why);
	ck_assert_int_eq(lowest_free(), before);
	buf_free(&env);
}

START_TEST(next_bad_fds)
{
	refused("A=1", 4, 0, "0 descriptors");
	refused("A=1", 4, 2, "2 descriptors");
	refused("A=1", 4, 16, "MSG_CTRUNC");
}
END_TEST

START_TEST(next_bad_block)
{
	char *big;

	refused("A=1\0B", 6, 1, "malformed");
	refused("A=1\0=2", 7, 1, "malformed");
	refused("A=1", 3, 1, "malformed");     /* no NUL at the end */
	big = malloc(TCPD_WORKER_ENV_MAX + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', TCPD_WORKER_ENV_MAX + 2);
	big[0] = 'A';
	big[1] = '=';
	big[TCPD_WORKER_ENV_MAX + 1] = '\0';
	refused(big, TCPD_WORKER_ENV_MAX + 2, 1, "over");
	/* the largest block that is allowed still comes through */
	{
		struct buf env = BUF_INIT;
		int fds[1] = { 2 }, fd;

		big[TCPD_WORKER_ENV_MAX - 1] = '\0';
		send_msg(big, TCPD_WORKER_ENV_MAX, fds, 1);
		ck_assert_int_eq(tcpd_worker_next(sv[0], &env, &fd), 1);
		ck_assert_uint_eq(env.len, TCPD_WORKER_ENV_MAX);
		close(fd);
		buf_free(&env);
	}
	free(big);
}
END_TEST

START_TEST(done)
{
	char c[4];

	ck_assert_int_eq(tcpd_worker_done(sv[0]), 0);
	ck_assert_int_eq(recv(sv[1], c, sizeof c, 0), 1);
	ck_assert_int_eq(c[0], 'd');
	close(sv[1]);
	sv[1] = -1;
	ck_assert_int_eq(tcpd_worker_done(sv[0]), -1);
}
END_TEST

START_TEST(mode)
{
	unsetenv(TCPD_WORKER_ENV);
	ck_assert(!tcpd_worker_mode());
	setenv(TCPD_WORKER_ENV, "0", 1);
	ck_assert(!tcpd_worker_mode());
	setenv(TCPD_WORKER_ENV, "1", 1);
	ck_assert(tcpd_worker_mode());
	unsetenv(TCPD_WORKER_ENV);
}
END_TEST

START_TEST(env_set_restore)
{
	static const char block[] = "CTW_KEEP=new\0CTW_NEW=x\0CTW_NEW=y\0CTW_EMPTY=";
	struct buf env = BUF_INIT, saved = BUF_INIT;
	int round;

	setenv("CTW_KEEP", "orig", 1);
	unsetenv("CTW_NEW");
	unsetenv("CTW_EMPTY");
	ck_assert_int_eq(buf_set(&env, block, sizeof block), 0);
	for (round = 0; round < 3; round++) {
		ck_assert_int_eq(tcpd_worker_env_set(&env, &saved), 0);
		ck_assert_str_eq(getenv("CTW_KEEP"), "new");
		ck_assert_str_eq(getenv("CTW_NEW"), "y");
		ck_assert_str_eq(getenv("CTW_EMPTY"), "");
		tcpd_worker_env_restore(&env, &saved);
		ck_assert_str_eq(getenv("CTW_KEEP"), "orig");
		ck_assert_ptr_null(getenv("CTW_NEW"));
		ck_assert_ptr_null(getenv("CTW_EMPTY"));
		ck_assert_uint_eq(saved.len, 0);
	}
	/* the block's memory is no longer in the environment */
	memset(env.p, 'x', env.len);
	ck_assert_str_eq(getenv("CTW_KEEP"), "orig");
	unsetenv("CTW_KEEP");
	buf_free(&env);
	buf_free(&saved);
}
END_TEST

static Suite *
tcpd_worker_suite(void)
{
	Suite *s = suite_create("tcpd_worker");
	TCase *tc;

	tc = tcase_create("worker");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, next_ok);
	tcase_add_test(tc, next_bad_fds);
	tcase_add_test(tc, next_bad_block);
	tcase_add_test(tc, done);
	tcase_add_test(tc, mode);
	tcase_add_test(tc, env_set_restore);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tcpd_worker_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
