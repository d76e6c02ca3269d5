/* start: process supervision for herald-start (see start.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "inject_queue.h"
#include "log.h"
#include "start.h"

static volatile sig_atomic_t got_term, got_hup, got_alrm, got_chld;

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGTERM: case SIGINT: got_term = 1; break;
	case SIGHUP: got_hup = 1; break;
	case SIGALRM: got_alrm = 1; break;
	case SIGCHLD: got_chld = 1; break;
	}
}

int
start_ids(struct start_ids *ids)
{
	struct passwd *pw;
	struct stat st;

	memset(ids, 0, sizeof *ids);
	ids->queue_uid = ids->send_uid = ids->remote_uid = getuid();
	ids->gid = getgid();
	if (geteuid() != 0)
		return 0;
	if (stat("queue", &st) == -1) {
		err_sys("queue");
		return -1;
	}
	if (st.st_uid == 0)
		return 0;       /* a single-user instance of root's */
	ids->multi = true;
	ids->queue_uid = st.st_uid;
	ids->gid = st.st_gid;
	if ((pw = getpwnam("heralds")) == NULL) {
		err_set("no user heralds: run herald-setup for this instance");
		return -1;
	}
	ids->send_uid = pw->pw_uid;
	if ((pw = getpwnam("heraldr")) == NULL) {
		err_set("no user heraldr: run herald-setup for this instance");
		return -1;
	}
	ids->remote_uid = pw->pw_uid;
	return 0;
}

/* In the child: become uid (with the instance's group) unless that is us. */
static void
become(uid_t uid, gid_t gid)
{
	if (getuid() == uid)
		return;
	if (setgroups(0, NULL) == -1 || setgid(gid) == -1 || setuid(uid) == -1)
		log_fatal(111, "cannot switch to uid %ld: %m", (long)uid);
}

#define NFDS 7                          /* descriptors 0 to 6 may be given */

/* Run name as uid; fds[i] (unless -1) becomes its descriptor i. */
static pid_t
spawn(const char *name, uid_t uid, gid_t gid, const int fds[NFDS])
{
	struct buf path = BUF_INIT;
	pid_t pid;

	if (inject_queue_find(&path, name, NULL, false) == -1)
		log_fatal(111, "%s", err_str());
	if ((pid = fork()) == -1)
		log_fatal(111, "fork: %m");
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int i = 0; i < NFDS; i++)
			if (fds[i] != -1 && dup2(fds[i], i) == -1)
				log_fatal(111, "dup2: %m");
		become(uid, gid);
		execl(path.p, name, (char *)NULL);
		log_fatal(111, "cannot run %s: %m", path.p);
	}
	buf_free(&path);
	return pid;
}

/* A close-on-exec pipe whose ends are above the descriptors the children
 * are given (0 to 6), so the dup2s in spawn cannot clobber each other. */
static int
pipe_high(int p[2])
{
	int q[2], i;

	if (pipe2(q, O_CLOEXEC) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if ((p[i] = fcntl(q[i], F_DUPFD_CLOEXEC, 10)) == -1)
			return -1;
		close(q[i]);
	}
	return 0;
}

/* Run herald-clean once and wait for it. */
static void
clean(const struct start_ids *ids)
{
	static const int none[NFDS] = { -1, -1, -1, -1, -1, -1, -1 };
	pid_t pid = spawn("herald-clean", ids->queue_uid, ids->gid, none);
	int st;

	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		log_warn("herald-clean failed; carrying on");
}

int
start_run(const struct start_ids *ids)
{
	enum { LSPAWN, REMOTE, SEND, NKIDS };
	static const char *const names[NKIDS] = { "herald-lspawn", "herald-remote", "herald-send" };
	int req[2], res[2], rreq[2], rres[2], st, rc = 0, k;
	pid_t kid[NKIDS], pid;
	bool stopping = false;
	struct sigaction sa;
	sigset_t block, old;

	clean(ids);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGALRM);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (pipe_high(req) == -1 || pipe_high(res) == -1 || pipe_high(rreq) == -1 ||
	    pipe_high(rres) == -1)
		log_fatal(111, "pipe: %m");
	{
		/* herald-send: fd 3/4 to herald-lspawn, 5/6 to herald-remote */
		const int lfds[NFDS] = { req[0], res[1], -1, -1, -1, -1, -1 };
		const int rfds[NFDS] = { rreq[0], rres[1], -1, -1, -1, -1, -1 };
		const int sfds[NFDS] = { -1, -1, -1, req[1], res[0], rreq[1], rres[0] };

		kid[LSPAWN] = spawn(names[LSPAWN], ids->multi ? 0 : getuid(), ids->gid, lfds);
		kid[REMOTE] = spawn(names[REMOTE], ids->remote_uid, ids->gid, rfds);
		kid[SEND] = spawn(names[SEND], ids->send_uid, ids->gid, sfds);
	}
	close(req[0]);
	close(req[1]);
	close(res[0]);
	close(res[1]);
	close(rreq[0]);
	close(rreq[1]);
	close(rres[0]);
	close(rres[1]);
	log_info("started herald-send (pid %ld), herald-lspawn (pid %ld) and herald-remote "
	    "(pid %ld)", (long)kid[SEND], (long)kid[LSPAWN], (long)kid[REMOTE]);
	while (kid[SEND] > 0 || kid[LSPAWN] > 0 || kid[REMOTE] > 0) {
		sigsuspend(&old);
		if (got_term) {
			got_term = 0;
			stopping = true;
			if (kid[SEND] > 0)
				kill(kid[SEND], SIGTERM);
		}
		if (got_hup) {
			got_hup = 0;
			if (kid[SEND] > 0)
				kill(kid[SEND], SIGHUP);
		}
		if (got_alrm) {
			got_alrm = 0;
			if (kid[SEND] > 0)
				kill(kid[SEND], SIGALRM);
		}
		if (!got_chld)
			continue;
		got_chld = 0;
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			for (k = 0; k < NKIDS && kid[k] != pid; k++)
				;
			if (k == NKIDS)
				continue;
			kid[k] = 0;
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && stopping)
				continue;
			if (WIFEXITED(st))
				log_warn("%s exited %d", names[k], WEXITSTATUS(st));
			else
				log_warn("%s killed by signal %d", names[k], WTERMSIG(st));
			rc = 111;
			/* herald-lspawn and herald-remote exit by themselves once
			 * herald-send is gone (end of file) */
			if (kid[SEND] > 0)
				kill(kid[SEND], SIGTERM);
		}
	}
	log_info("stopped");
	return rc;
}
