/* local_prog: program delivery (see local_prog.h).
 * Invariant: the child is always reaped; the parent never blocks on the
 * program's stdin while the program blocks on a full output pipe (both
 * pipes are served by one poll(2) loop). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "fsio.h"
#include "local_env.h"
#include "local_prog.h"

enum local_status
local_prog_status(int wstatus, bool *stop)
{
	*stop = false;
	if (!WIFEXITED(wstatus))
		return LOCAL_TEMP;
	switch (WEXITSTATUS(wstatus)) {
	case 0:
		return LOCAL_OK;
	case 99:
		*stop = true;
		return LOCAL_OK;
	case 64: case 65: case 70: case 76: case 77: case 78: case 100: case 112:
		return LOCAL_PERM;
	default:
		return LOCAL_TEMP;
	}
}

bool
local_prog_has_code(const char *s, size_t n)
{
	size_t i, j, parts;

	for (i = 0; i + 6 <= n; i++) {
		if (s[i] != '#' || (s[i + 1] != '2' && s[i + 1] != '4' && s[i + 1] != '5') ||
		    s[i + 2] != '.')
			continue;
		for (j = i + 3, parts = 1; j < n && parts < 3; parts++) {
			if (!isdigit((unsigned char)s[j]))
				break;
			while (j < n && isdigit((unsigned char)s[j]))
				j++;
			if (parts < 2 && (j >= n || s[j++] != '.'))
				break;
		}
		if (parts == 3 && isdigit((unsigned char)s[j - 1]))
			return true;
	}
	return false;
}

enum local_status
local_prog_fail(struct local *l, const char *cmd, int wstatus, const char *out, size_t n)
{
	enum local_status st;
	const char *code;
	bool stop;

	st = local_prog_status(wstatus, &stop);
	code = st == LOCAL_PERM ? "5.0.0" : "4.0.0";
	while (n > 0 && isspace((unsigned char)out[n - 1]))
		n--;
	if (n > 0 && local_prog_has_code(out, n))
		return local_fail(l, st, "%.*s", (int)n, out);
	if (n > 0)
		return local_fail(l, st, "%.*s (#%s)", (int)n, out, code);
	if (WIFSIGNALED(wstatus))
		return local_fail(l, st, "program |%.200s was killed by signal %d (#%s)", cmd,
		    WTERMSIG(wstatus), code);
	return local_fail(l, st, "program |%.200s exited %d (#%s)", cmd,
	    WEXITSTATUS(wstatus), code);
}

/* In the child: stdin from in, stdout and stderr to out, the environment, sh -c cmd. */
static void __attribute__((noreturn))
local_prog_child(int in, int out, const struct buf *env, const char *cmd)
{
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	size_t i;

	signal(SIGPIPE, SIG_DFL);
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(out, 2) == -1)
		_exit(111);
	for (i = 0; i < env->len; i += strlen(env->p + i) + 1)
		if (putenv(env->p + i) != 0)
			_exit(111);
	execv(argv[0], (char *const *)argv);
	dprintf(2, "Unable to run /bin/sh: %s (#4.3.0)\n", strerror(errno));
	_exit(111);
}

/* Feed the message to fd in and collect fd out into got; -1 if the message cannot be read. */
static int
local_prog_pump(struct local *l, int in, int out, struct buf *got)
{
	struct pollfd pfd[2];
	const char *p = NULL;
	char buf[4096];
	ssize_t left = 0, n;
	int r = 0;

	local_msg_rewind(l->msg);
	fcntl(in, F_SETFL, O_NONBLOCK);
	while (out != -1) {
		if (in != -1 && left == 0) {
			if ((left = local_msg_read(l->msg, &p)) <= 0) {
				if (left == -1)
					r = -1;
				left = 0;
				close(in);
				in = -1;
			}
		}
		pfd[0].fd = in;
		pfd[0].events = POLLOUT;
		pfd[1].fd = out;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (in != -1 && pfd[0].revents) {
			n = write(in, p, (size_t)left);
			if (n > 0) {
				p += n;
				left -= n;
			} else if (n == -1 && errno != EAGAIN && errno != EINTR) {
				close(in);      /* EPIPE: the program did not read it all */
				in = -1;
				left = 0;
			}
		}
		if (pfd[1].revents) {
			n = read(out, buf, sizeof buf);
			if (n > 0 && got->len < LOCAL_PROG_OUT_MAX)
				buf_add(got, buf, (size_t)n < LOCAL_PROG_OUT_MAX - got->len ?
				    (size_t)n : LOCAL_PROG_OUT_MAX - got->len);
			if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
				close(out);
				out = -1;
			}
		}
	}
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	return r;
}

enum local_status
local_prog_deliver(struct local *l, const char *cmd, size_t n)
{
	struct buf env = BUF_INIT, c = BUF_INIT, got = BUF_INIT;
	enum local_status st = LOCAL_TEMP;
	int ip[2] = { -1, -1 }, op[2] = { -1, -1 };
	int wstatus, r;
	bool stop;
	pid_t pid;

	if (buf_set(&c, cmd, n) == -1 || local_env_build(l, &env) == -1) {
		local_fail(l, LOCAL_TEMP, "out of memory (#4.3.0)");
		goto out;
	}
	if (pipe2(ip, O_CLOEXEC) == -1 || pipe2(op, O_CLOEXEC) == -1) {
		local_fail(l, LOCAL_TEMP, "Unable to make a pipe: %s (#4.3.0)", strerror(errno));
		goto out;
	}
	if ((pid = fork()) == -1) {
		local_fail(l, LOCAL_TEMP, "Unable to fork: %s (#4.3.0)", strerror(errno));
		goto out;
	}
	if (pid == 0)
		local_prog_child(ip[0], op[1], &env, c.p);
	close(ip[0]);
	close(op[1]);
	ip[0] = op[1] = -1;
	r = local_prog_pump(l, ip[1], op[0], &got);
	ip[1] = op[0] = -1;
	while (waitpid(pid, &wstatus, 0) == -1) {
		if (errno != EINTR) {
			local_fail(l, LOCAL_TEMP, "Unable to wait for the program: %s (#4.3.0)",
			    strerror(errno));
			goto out;
		}
	}
	if (r == -1) {
		local_fail(l, LOCAL_TEMP, "Unable to feed the program: %s (#4.3.0)", err_str());
		goto out;
	}
	st = local_prog_status(wstatus, &stop);
	if (st == LOCAL_OK)
		l->stop = stop;
	else
		local_prog_fail(l, c.p, wstatus, got.p ? got.p : "", got.len);
out:
	if (ip[0] != -1)
		close(ip[0]);
	if (ip[1] != -1)
		close(ip[1]);
	if (op[0] != -1)
		close(op[0]);
	if (op[1] != -1)
		close(op[1]);
	buf_free(&env);
	buf_free(&c);
	buf_free(&got);
	return st;
}
