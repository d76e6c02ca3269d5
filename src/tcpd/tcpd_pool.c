/* tcpd_pool: the workers of herald-tcpd's worker mode (see tcpd_pool.h).
 * Slots are only appended to and, at the start of a loop round
 * (tcpd_pool_pollfds), compacted, so the poll entries filled there keep
 * matching their slots until the next round. Idle workers are picked
 * last-idle first, so that surplus ones stay idle and are trimmed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "tcpd_pool.h"
#include "tcpd_rules.h"
#include "tcpd_worker.h"

/* Workers tried for one connection before it is dropped. */
#define TCPD_POOL_TRIES 3
/* Messages read from one worker per wake-up (it sends one per connection). */
#define TCPD_POOL_READS 4

int
tcpd_pool_init(struct tcpd_pool *p, const struct tcpd_conf *c, struct tcpd_limit *limit)
{
	memset(p, 0, sizeof *p);
	p->argv = c->argv;
	p->max = c->maxconn;
	p->maxsessions = c->maxsessions ? c->maxsessions : 1;
	p->verbosity = c->verbosity;
	p->limit = limit;
	if ((p->w = calloc(p->max, sizeof *p->w)) == NULL) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

static bool
tcpd_pool_idle(const struct tcpd_pool_worker *w)
{
	return w->pid != 0 && w->sock != -1 && !w->busy;
}

bool
tcpd_pool_can_take(const struct tcpd_pool *p)
{
	size_t i;

	if (p->n < p->max)
		return true;
	for (i = 0; i < p->n; i++)
		if (tcpd_pool_idle(&p->w[i]))
			return true;
	return false;
}

/* Close a worker's socket: it exits when it reads the end of file. */
static void
tcpd_pool_close(struct tcpd_pool_worker *w)
{
	if (w->sock != -1)
		close(w->sock);
	w->sock = -1;
}

/* The connection w held is over (done, or the worker is gone). */
static void
tcpd_pool_release(struct tcpd_pool *p, struct tcpd_pool_worker *w, long long now)
{
	if (!w->busy)
		return;
	tcpd_limit_del(p->limit, w->addr);
	w->busy = false;
	w->idle_since = now;
	p->nbusy--;
}

/* Log that worker w is gone with a connection, and release it. */
static void
tcpd_pool_lost(struct tcpd_pool *p, struct tcpd_pool_worker *w, const char *how, long long now)
{
	struct buf ip = BUF_INIT;

	if (!w->busy)
		return;
	if (tcpd_rules_addr_str(w->addr, &ip) == -1)
		buf_free(&ip);
	log_warn("worker %ld %s during a session with %s", (long)w->pid, how, ip.p ? ip.p : "?");
	buf_free(&ip);
	tcpd_pool_release(p, w, now);
}

/* In the child: the socket on fd 0, /dev/null on fd 1, then the program. */
static void __attribute__((noreturn))
tcpd_pool_exec(struct tcpd_pool *p, int sock)
{
	static const int sigs[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGPIPE };
	sigset_t none;
	size_t i;
	int null;

	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(sock, 0) == -1 || (null = open("/dev/null", O_WRONLY)) == -1 ||
	    dup2(null, 1) == -1) {
		log_warn("cannot set up a worker: %s", strerror(errno));
		_exit(111);
	}
	if (null > 1)
		close(null);
	if (setenv(TCPD_WORKER_ENV, "1", 1) == -1) {
		log_warn("out of memory");
		_exit(111);
	}
	execvp(p->argv[0], p->argv);
	log_warn("cannot run %s: %s", p->argv[0], strerror(errno));
	_exit(111);
}

/* Start a worker in a new slot; NULL if it cannot be started. */
static struct tcpd_pool_worker *
tcpd_pool_spawn(struct tcpd_pool *p, long long now)
{
	struct tcpd_pool_worker *w;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("cannot make a socket pair: %s", strerror(errno));
		return NULL;
	}
	if ((pid = fork()) == -1) {
		log_warn("cannot fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	if (pid == 0)
		tcpd_pool_exec(p, sv[1]);
	close(sv[1]);
	w = &p->w[p->n++];
	memset(w, 0, sizeof *w);
	w->pid = pid;
	w->sock = sv[0];
	w->idle_since = now;
	if (p->verbosity >= TCPD_NORMAL)
		log_info("worker %ld", (long)pid);
	return w;
}

/* The idle worker that became idle last, or a new one; NULL if none. */
static struct tcpd_pool_worker *
tcpd_pool_pick(struct tcpd_pool *p, long long now)
{
	struct tcpd_pool_worker *best = NULL;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (tcpd_pool_idle(&p->w[i]) && (best == NULL || p->w[i].idle_since >= best->idle_since))
			best = &p->w[i];
	if (best == NULL && p->n < p->max)
		best = tcpd_pool_spawn(p, now);
	return best;
}

/* Send the environment block and the descriptor to w. */
static int
tcpd_pool_sendmsg(struct tcpd_pool_worker *w, const struct buf *env, int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;

	memset(&m, 0, sizeof m);
	memset(&ctl, 0, sizeof ctl);
	iov.iov_base = env->p;
	iov.iov_len = env->len;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.b;
	m.msg_controllen = sizeof ctl.b;
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	do
		n = sendmsg(w->sock, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)env->len) {
		err_sys("cannot pass a connection to worker %ld", (long)w->pid);
		return -1;
	}
	return 0;
}

int
tcpd_pool_send(struct tcpd_pool *p, const struct buf *env, int fd,
    const unsigned char addr[16], long long now, pid_t *pid)
{
	struct tcpd_pool_worker *w;
	int tries;

	if (env->len == 0 || env->len > TCPD_WORKER_ENV_MAX) {
		err_set("environment block of %zu bytes (1 to %d)", env->len, TCPD_WORKER_ENV_MAX);
		return -1;
	}
	for (tries = 0; tries < TCPD_POOL_TRIES; tries++) {
		if ((w = tcpd_pool_pick(p, now)) == NULL)
			break;
		if (tcpd_pool_sendmsg(w, env, fd) == -1) {
			/* it is exiting or broken: it gets no more connections */
			log_warn("%s", err_str());
			tcpd_pool_close(w);
			continue;
		}
		w->busy = true;
		memcpy(w->addr, addr, sizeof w->addr);
		w->sessions++;
		p->nbusy++;
		*pid = w->pid;
		return 0;
	}
	err_set("no worker to take the connection");
	return -1;
}

size_t
tcpd_pool_pollfds(struct tcpd_pool *p, struct pollfd *pfd)
{
	size_t i, j;

	for (i = j = 0; i < p->n; i++)
		if (p->w[i].pid != 0 || p->w[i].sock != -1)
			p->w[j++] = p->w[i];
	p->n = j;
	for (i = 0; i < p->n; i++) {
		pfd[i].fd = p->w[i].sock;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	return p->n;
}

/* Read what w sent: "d" for each connection done; anything else, or the
 * end of file, ends the worker's part in the pool. */
static void
tcpd_pool_read(struct tcpd_pool *p, struct tcpd_pool_worker *w, long long now)
{
	char msg[16];
	ssize_t n;
	int i;

	for (i = 0; i < TCPD_POOL_READS && w->sock != -1; i++) {
		n = recv(w->sock, msg, sizeof msg, MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n == 1 && msg[0] == TCPD_WORKER_DONE && w->busy) {
			tcpd_pool_release(p, w, now);
			if (p->verbosity >= TCPD_NORMAL)
				log_info("done %ld", (long)w->pid);
			if (p->verbosity >= TCPD_VERBOSE)
				log_info("status %zu/%lu", p->nbusy, p->max);
			if (w->sessions >= p->maxsessions)
				tcpd_pool_close(w);
			continue;
		}
		if (n > 0)
			log_warn("worker %ld: unexpected message; closing its socket", (long)w->pid);
		tcpd_pool_lost(p, w, "ended", now);
		tcpd_pool_close(w);
	}
}

void
tcpd_pool_input(struct tcpd_pool *p, const struct pollfd *pfd, size_t npfd, long long now)
{
	size_t i;

	for (i = 0; i < npfd && i < p->n; i++)
		if (pfd[i].fd != -1 && pfd[i].fd == p->w[i].sock && pfd[i].revents)
			tcpd_pool_read(p, &p->w[i], now);
}

bool
tcpd_pool_reaped(struct tcpd_pool *p, pid_t pid, int status, long long now)
{
	struct tcpd_pool_worker *w;
	char how[64];
	size_t i;

	for (i = 0; i < p->n && p->w[i].pid != pid; i++)
		;
	if (i == p->n)
		return false;
	w = &p->w[i];
	/* a report it sent before it ended is in the socket still */
	if (w->sock != -1)
		tcpd_pool_read(p, w, now);
	if (WIFSIGNALED(status))
		snprintf(how, sizeof how, "ended by signal %d", WTERMSIG(status));
	else
		snprintf(how, sizeof how, "exited %d", WEXITSTATUS(status));
	tcpd_pool_lost(p, w, how, now);
	tcpd_pool_close(w);
	if (p->verbosity >= TCPD_NORMAL) {
		if (WIFSIGNALED(status))
			log_info("end %ld signal %d", (long)pid, WTERMSIG(status));
		else
			log_info("end %ld status %d", (long)pid, WEXITSTATUS(status));
	}
	w->pid = 0;
	return true;
}

int
tcpd_pool_trim(struct tcpd_pool *p, long long now)
{
	struct tcpd_pool_worker *old;
	size_t i, idle = 0, keep = p->max / 4 > TCPD_POOL_KEEP ? p->max / 4 : TCPD_POOL_KEEP;

	for (i = 0; i < p->n; i++)
		idle += tcpd_pool_idle(&p->w[i]);
	while (idle > keep) {
		old = NULL;
		for (i = 0; i < p->n; i++)
			if (tcpd_pool_idle(&p->w[i]) && (old == NULL || p->w[i].idle_since < old->idle_since))
				old = &p->w[i];
		if (now - old->idle_since < TCPD_POOL_IDLE_MS)
			return (int)(old->idle_since + TCPD_POOL_IDLE_MS - now);
		if (p->verbosity >= TCPD_VERBOSE)
			log_info("idle %ld", (long)old->pid);
		tcpd_pool_close(old);
		idle--;
	}
	return -1;
}

void
tcpd_pool_free(struct tcpd_pool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		tcpd_pool_close(&p->w[i]);
	free(p->w);
	p->w = NULL;
	p->n = p->nbusy = 0;
}
