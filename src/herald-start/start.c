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
	ids->queue_uid = ids->send_uid = getuid();
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

static pid_t
spawn(const char *name, uid_t uid, gid_t gid, int fd0, int fd1, int fd3, int fd4)
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
		if ((fd0 != -1 && dup2(fd0, 0) == -1) || (fd1 != -1 && dup2(fd1, 1) == -1) ||
		    (fd3 != -1 && dup2(fd3, 3) == -1) || (fd4 != -1 && dup2(fd4, 4) == -1))
			log_fatal(111, "dup2: %m");
		become(uid, gid);
		execl(path.p, name, (char *)NULL);
		log_fatal(111, "cannot run %s: %m", path.p);
	}
	buf_free(&path);
	return pid;
}

/* A close-on-exec pipe whose ends are above the descriptors the children
 * are given (0, 1, 3, 4), so the dup2s in spawn cannot clobber each other. */
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
	pid_t pid = spawn("herald-clean", ids->queue_uid, ids->gid, -1, -1, -1, -1);
	int st;

	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		log_warn("herald-clean failed; carrying on");
}

int
start_run(const struct start_ids *ids)
{
	int req[2], res[2], st, rc = 0;
	pid_t lspawn, sendp, pid;
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
	if (pipe_high(req) == -1 || pipe_high(res) == -1)
		log_fatal(111, "pipe: %m");
	lspawn = spawn("herald-lspawn", ids->multi ? 0 : getuid(), ids->gid, req[0], res[1], -1, -1);
	sendp = spawn("herald-send", ids->send_uid, ids->gid, -1, -1, req[1], res[0]);
	close(req[0]);
	close(req[1]);
	close(res[0]);
	close(res[1]);
	log_info("started herald-send (pid %ld) and herald-lspawn (pid %ld)", (long)sendp,
	    (long)lspawn);
	while (sendp > 0 || lspawn > 0) {
		sigsuspend(&old);
		if (got_term) {
			got_term = 0;
			stopping = true;
			if (sendp > 0)
				kill(sendp, SIGTERM);
		}
		if (got_hup) {
			got_hup = 0;
			if (sendp > 0)
				kill(sendp, SIGHUP);
		}
		if (got_alrm) {
			got_alrm = 0;
			if (sendp > 0)
				kill(sendp, SIGALRM);
		}
		if (!got_chld)
			continue;
		got_chld = 0;
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			const char *who = pid == sendp ? "herald-send" : "herald-lspawn";

			if (pid != sendp && pid != lspawn)
				continue;
			if (pid == sendp)
				sendp = 0;
			else
				lspawn = 0;
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && stopping)
				continue;
			if (WIFEXITED(st))
				log_warn("%s exited %d", who, WEXITSTATUS(st));
			else
				log_warn("%s killed by signal %d", who, WTERMSIG(st));
			rc = 111;
			/* herald-lspawn exits by itself once herald-send is gone (end of file) */
			if (sendp > 0)
				kill(sendp, SIGTERM);
		}
	}
	log_info("stopped");
	return rc;
}
