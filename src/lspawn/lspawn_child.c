/* lspawn_child: running herald-local as the recipient (see lspawn_child.h).
 * The child does not execute herald-local: it runs the same code
 * (local_main) in the forked process, named "herald-local", which saves
 * an exec per delivery. Before that it drops the parent's unwritten stdio
 * output, so nothing of herald-lspawn's reaches the result pipe. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "lspawn_child.h"

/* In the child: print a failure line (with a status code) and exit 111. */
static void __attribute__((noreturn, format(printf, 1, 2)))
lspawn_child_fail(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	if (write(1, line, (size_t)n) < 0)
		_exit(111);
	_exit(111);
}

/* In the child: become pw's user. */
static void
lspawn_child_user(const struct users_pw *pw)
{
	if (pw->uid == 0)
		lspawn_child_fail("refusing to deliver as root (#4.3.0)");
	if (pw->source == USERS_PASSWD || pw->source == USERS_ALIASED ?
	    initgroups(pw->user.p, pw->gid) == -1 : setgroups(1, &pw->gid) == -1)
		lspawn_child_fail("Unable to set the groups of %s: %s (#4.3.0)", pw->user.p,
		    strerror(errno));
	if (setgid(pw->gid) == -1 || setuid(pw->uid) == -1)
		lspawn_child_fail("Unable to switch to uid %lu gid %lu: %s (#4.3.0)",
		    (unsigned long)pw->uid, (unsigned long)pw->gid, strerror(errno));
	if (getuid() != pw->uid || geteuid() != pw->uid || getgid() != pw->gid ||
	    getegid() != pw->gid)
		lspawn_child_fail("Unable to switch to uid %lu (#4.3.0)", (unsigned long)pw->uid);
}

/* In the child, with out the write end of the result pipe. */
static void __attribute__((noreturn))
lspawn_child_run(const struct lspawn_conf *c, const struct users_pw *pw, const char *msg,
    char *const argv[], int argc, int out)
{
	int fd;

	__fpurge(stdout);
	prctl(PR_SET_NAME, "herald-local", 0, 0, 0);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);       /* herald-lspawn's handlers are not the delivery's */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (dup2(out, 1) == -1)
		_exit(111);
	if ((fd = open(msg, O_RDONLY | O_NOFOLLOW)) == -1)
		lspawn_child_fail("Unable to open the message %s: %s (#4.3.0)", msg,
		    strerror(errno));
	if (fd != 0 && (dup2(fd, 0) == -1 || close(fd) == -1))
		lspawn_child_fail("Unable to use the message: %s (#4.3.0)", strerror(errno));
	if (c->multi)
		lspawn_child_user(pw);
	if (chdir(pw->home.p) == -1)
		lspawn_child_fail("Unable to switch to %s: %s (#4.3.0)", pw->home.p,
		    strerror(errno));
	fd = c->local(argc, (char **)argv);
	fflush(stdout);
	_exit(fd);
}

pid_t
lspawn_child_start(const struct lspawn_conf *c, const struct lspawn_req *r,
    const struct users_pw *pw, int *fd)
{
	struct buf msg = BUF_INIT, local = BUF_INIT, off = BUF_INIT, len = BUF_INIT;
	const char *at = strrchr(r->rcpt, '@');
	int p[2] = { -1, -1 };
	pid_t pid = -1;

	if (buf_printf(&msg, "%s/%s", c->home, r->path) == -1 ||
	    buf_set(&local, r->rcpt, (size_t)(at - r->rcpt)) == -1 ||
	    buf_printf(&off, "%llu", r->off) == -1 || buf_printf(&len, "%llu", r->len) == -1) {
		err_set("out of memory");
		goto out;
	}
	if (pipe2(p, O_CLOEXEC) == -1 || fcntl(p[0], F_SETFL, O_NONBLOCK) == -1) {
		err_sys("cannot make a pipe");
		goto out;
	}
	{
		char *const argv[] = { "herald-local", "-o", off.p, "-s", len.p, pw->user.p,
			pw->home.p, local.p, pw->dash.p, pw->ext.p, (char *)at + 1,
			(char *)r->sender, (char *)c->dflt, NULL };

		if ((pid = fork()) == -1) {
			err_sys("cannot fork");
			goto out;
		}
		if (pid == 0)
			lspawn_child_run(c, pw, msg.p, argv, (int)(sizeof argv / sizeof *argv) - 1,
			    p[1]);
	}
	*fd = p[0];
	p[0] = -1;
out:
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	buf_free(&msg);
	buf_free(&local);
	buf_free(&off);
	buf_free(&len);
	return pid;
}
