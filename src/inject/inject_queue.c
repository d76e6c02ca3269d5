/* inject_queue: running herald-queue (see inject_queue.h).
 * Invariant: after inject_queue_start succeeds, exactly one of
 * inject_queue_finish or inject_queue_abort reaps the child. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "err.h"
#include "fsio.h"
#include "home.h"
#include "inject_queue.h"
#include "queue_inject.h"

/* qmail-queue's exit codes and what they mean (qmail's own wording). */
static const struct {
	int code;
	const char *text;
} inject_queue_codes[] = {
	{ 11, "envelope address too long" },
	{ 31, "message permanently refused (larger than control/databytes?)" },
	{ 51, "out of memory" },
	{ 52, "timeout" },
	{ 53, "write error or disk full" },
	{ 54, "unable to read the message or envelope" },
	{ 55, "unable to read a configuration file" },
	{ 56, "trouble making a network connection" },
	{ 61, "trouble with the home directory" },
	{ 62, "trouble creating files in the queue" },
	{ 63, "trouble creating files in the queue" },
	{ 64, "trouble creating files in the queue" },
	{ 65, "trouble creating files in the queue" },
	{ 66, "trouble creating files in the queue" },
	{ 71, "message temporarily refused" },
	{ 81, "internal bug" },
	{ 91, "envelope format error" },
};

static bool
inject_queue_exists(const char *path)
{
	return access(path, X_OK) == 0;
}

int
inject_queue_find(struct buf *out, const char *name, const char *envvar, bool home)
{
	char self[PATH_MAX];
	const char *v;
	char *slash;
	ssize_t n;

	buf_reset(out);
	if (envvar && (v = getenv(envvar)) != NULL && *v) {
		if (buf_sets(out, v) == -1)
			goto nomem;
		return 0;
	}
	if (home) {
		if (buf_printf(out, "%s/bin/%s", home_dir(), name) == -1)
			goto nomem;
		if (inject_queue_exists(out->p))
			return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			buf_reset(out);
			if (buf_printf(out, "%s/%s", self, name) == -1)
				goto nomem;
			if (inject_queue_exists(out->p))
				return 0;
			buf_reset(out);
			if (buf_printf(out, "%s/../%s/%s", self, name, name) == -1)
				goto nomem;
			if (inject_queue_exists(out->p))
				return 0;
		}
	}
	/* programs installed in sbindir (herald-setup) find those in bindir */
	buf_reset(out);
	if (buf_printf(out, "%s/%s", HERALD_BINDIR, name) == -1)
		goto nomem;
	if (inject_queue_exists(out->p))
		return 0;
	if (envvar)
		err_set("cannot find %s (install it next to this program or set $%s)", name,
		    envvar);
	else
		err_set("cannot find %s (install it next to this program)", name);
	return -1;
nomem:
	err_set("out of memory");
	return -1;
}

int
inject_queue_exec(const char *name, char *const argv[])
{
	struct buf path = BUF_INIT;

	if (inject_queue_find(&path, name, NULL, false) == -1)
		return -1;
	execv(path.p, argv);
	err_sys("cannot run %s", path.p);
	buf_free(&path);
	return -1;
}

/* In the child: make fds a and b its 0 and 1 and run path. */
static void __attribute__((noreturn))
inject_queue_child(const char *path, int a, int b, int report, size_t slack)
{
	char *argv[] = { (char *)"herald-queue", NULL };
	char num[32];
	int e;

	signal(SIGPIPE, SIG_DFL);
	snprintf(num, sizeof num, "%zu", slack);
	if (slack && setenv("HERALD_QUEUE_SLACK", num, 1) == -1)
		goto fail;
	if ((a = fcntl(a, F_DUPFD_CLOEXEC, 3)) == -1 || (b = fcntl(b, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    dup2(a, 0) == -1 || dup2(b, 1) == -1)
		goto fail;
	execv(path, argv);
fail:
	e = errno;
	if (write(report, &e, sizeof e) < 0)
		_exit(127);
	_exit(127);
}

/* True if this process may write the queue itself (see inject_queue.h). */
static bool
inject_queue_direct(struct inject_queue *q)
{
	struct buf tmp = BUF_INIT;
	const char *v = getenv("HERALD_QUEUE");
	bool ok;

	if ((v && *v) || getuid() != geteuid() || getgid() != getegid())
		return false;
	ok = home_path(&q->qdir, "queue") == 0 && buf_printf(&tmp, "%s/tmp", q->qdir.p) == 0 &&
	    access(tmp.p, W_OK | X_OK) == 0;
	buf_free(&tmp);
	return ok;
}

/* Start an in-process injection: the writer, with herald-queue's trace line. */
static int
inject_queue_start_direct(struct inject_queue *q, size_t slack)
{
	struct buf trace = BUF_INIT;
	unsigned long databytes;
	int r = -1;

	if (control_ulong("databytes", 0, (unsigned long)-1, &databytes) == -1) {
		err_set("herald-queue: %s (#4.3.0)", err_str());
		goto out;
	}
	if (queue_inject_trace(&trace, (long)getpid(), (long)getuid(), (uint64_t)time(NULL)) == -1 ||
	    (q->w = malloc(sizeof *q->w)) == NULL) {
		err_set("out of memory");
		goto out;
	}
	if (queue_writer_open(q->w, q->qdir.p,
	    databytes ? queue_inject_limit(databytes, trace.p) + slack : 0) == -1) {
		err_set("herald-queue: %s (#4.3.0)", err_str());
		free(q->w);
		q->w = NULL;
		goto out;
	}
	if (queue_writer_body(q->w, trace.p, trace.len) != 0) {
		err_set("herald-queue: %s (#4.3.0)", err_str());
		inject_queue_abort(q);
		goto out;
	}
	r = 0;
out:
	buf_free(&trace);
	return r;
}

int
inject_queue_start(struct inject_queue *q, size_t slack)
{
	struct buf path = BUF_INIT;
	int mp[2] = { -1, -1 }, ep[2] = { -1, -1 }, rp[2] = { -1, -1 };
	int e, status, r = -1;
	ssize_t got;

	q->pid = -1;
	q->msg = q->env = -1;
	q->broken = false;
	q->w = NULL;
	q->big = false;
	q->qdir = (struct buf)BUF_INIT;
	if (inject_queue_direct(q)) {
		if (inject_queue_start_direct(q, slack) == -1) {
			buf_free(&q->qdir);
			return -1;
		}
		return 0;
	}
	buf_free(&q->qdir);
	if (inject_queue_find(&path, "herald-queue", "HERALD_QUEUE", true) == -1)
		goto out;
	if (pipe2(mp, O_CLOEXEC) == -1 || pipe2(ep, O_CLOEXEC) == -1 ||
	    pipe2(rp, O_CLOEXEC) == -1) {
		err_sys("cannot make a pipe");
		goto out;
	}
	if ((q->pid = fork()) == -1) {
		err_sys("cannot fork");
		goto out;
	}
	if (q->pid == 0)
		inject_queue_child(path.p, mp[0], ep[0], rp[1], slack);
	close(rp[1]);
	rp[1] = -1;
	do
		got = read(rp[0], &e, sizeof e);
	while (got == -1 && errno == EINTR);
	if (got == sizeof e) {
		waitpid(q->pid, &status, 0);
		q->pid = -1;
		errno = e;
		err_sys("cannot run %s", path.p);
		goto out;
	}
	q->msg = mp[1];
	q->env = ep[1];
	mp[1] = ep[1] = -1;
	r = 0;
out:
	for (e = 0; e < 2; e++) {
		if (mp[e] != -1)
			close(mp[e]);
		if (ep[e] != -1)
			close(ep[e]);
		if (rp[e] != -1)
			close(rp[e]);
	}
	buf_free(&path);
	return r;
}

int
inject_queue_write(struct inject_queue *q, const void *p, size_t n)
{
	int r;

	if (q->w) {
		if (q->big)
			return 0;
		if ((r = queue_writer_body(q->w, p, n)) == 1)
			q->big = true;
		if (r == -1)
			err_set("herald-queue: %s (#4.3.0)", err_str());
		return r == -1 ? -1 : 0;
	}
	if (q->broken)
		return 0;
	if (fsio_write_all(q->msg, p, n) == -1) {
		if (errno == EPIPE) {
			q->broken = true;
			return 0;
		}
		err_sys("cannot write to herald-queue");
		return -1;
	}
	return 0;
}

/* The tool's exit code (0, 100, 111) for a qmail-queue exit code; err_str() says why. */
static int
inject_queue_code(int code)
{
	size_t i;
	const char *text = NULL;
	bool perm;

	if (code == 0)
		return 0;
	perm = code >= 11 && code <= 40;
	for (i = 0; i < sizeof inject_queue_codes / sizeof *inject_queue_codes; i++)
		if (inject_queue_codes[i].code == code)
			text = inject_queue_codes[i].text;
	if (text == NULL)
		text = perm ? "permanent error" : "temporary error";
	err_set("herald-queue: %s (exit %d) (#%s)", text, code, perm ? "5.3.0" : "4.3.0");
	return perm ? 100 : 111;
}

int
inject_queue_status(int status)
{
	if (WIFSIGNALED(status)) {
		err_set("herald-queue crashed (signal %d) (#4.3.0)", WTERMSIG(status));
		return 111;
	}
	return inject_queue_code(WEXITSTATUS(status));
}

/* inject_queue_finish for an in-process injection. */
static int
inject_queue_finish_direct(struct inject_queue *q, const char *sender, const char *rcpts,
    size_t n)
{
	size_t i, len;
	int code = QUEUE_EXIT_OK;

	if (q->big)
		code = QUEUE_EXIT_REFUSED;
	else if (strlen(sender) > QUEUE_ADDR_MAX)
		code = QUEUE_EXIT_TOOLONG;
	else if (queue_writer_sender(q->w, sender, strlen(sender)) == -1)
		code = QUEUE_EXIT_WRITE;
	for (i = 0; code == QUEUE_EXIT_OK && i < n; i += len + 1) {
		len = strlen(rcpts + i);
		if (len > QUEUE_ADDR_MAX)
			code = QUEUE_EXIT_TOOLONG;
		else if (queue_writer_rcpt(q->w, rcpts + i, len) == -1)
			code = errno == ENOMEM ? QUEUE_EXIT_NOMEM : QUEUE_EXIT_WRITE;
	}
	if (code != QUEUE_EXIT_OK) {
		inject_queue_abort(q);
		return inject_queue_code(code);
	}
	if (queue_writer_commit(q->w, (uint64_t)time(NULL)) == -1)
		code = errno == ENOMEM ? QUEUE_EXIT_NOMEM : QUEUE_EXIT_WRITE;
	free(q->w);
	q->w = NULL;
	buf_free(&q->qdir);
	return inject_queue_code(code);
}

int
inject_queue_finish(struct inject_queue *q, const char *sender, const char *rcpts, size_t n)
{
	struct buf env = BUF_INIT;
	size_t i, len;
	int status, r;

	if (q->w)
		return inject_queue_finish_direct(q, sender, rcpts, n);

	close(q->msg);
	q->msg = -1;
	r = buf_addc(&env, 'F');
	r = r == -1 ? -1 : buf_add(&env, sender, strlen(sender) + 1);
	for (i = 0; r != -1 && i < n; i += len + 1) {
		len = strlen(rcpts + i);
		if (buf_addc(&env, 'T') == -1 || buf_add(&env, rcpts + i, len + 1) == -1)
			r = -1;
	}
	if (r == -1 || buf_addc(&env, '\0') == -1) {
		buf_free(&env);
		inject_queue_abort(q);
		err_set("out of memory");
		return 111;
	}
	/* a write error shows in herald-queue's exit code */
	if (fsio_write_all(q->env, env.p, env.len) == -1 && errno != EPIPE) {
		buf_free(&env);
		inject_queue_abort(q);
		err_sys("cannot write to herald-queue");
		return 111;
	}
	buf_free(&env);
	close(q->env);
	q->env = -1;
	while (waitpid(q->pid, &status, 0) == -1) {
		if (errno != EINTR) {
			err_sys("cannot wait for herald-queue");
			q->pid = -1;
			return 111;
		}
	}
	q->pid = -1;
	return inject_queue_status(status);
}

void
inject_queue_abort(struct inject_queue *q)
{
	int status;

	if (q->w) {
		queue_writer_abort(q->w);
		free(q->w);
		q->w = NULL;
	}
	buf_free(&q->qdir);
	if (q->msg != -1)
		close(q->msg);
	if (q->env != -1)
		close(q->env);
	q->msg = q->env = -1;
	if (q->pid > 0) {
		kill(q->pid, SIGTERM);
		while (waitpid(q->pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	q->pid = -1;
}
