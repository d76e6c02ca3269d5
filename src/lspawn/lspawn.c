/* lspawn: the event loop of herald-lspawn (see lspawn.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fsio.h"
#include "log.h"
#include "lspawn.h"
#include "lspawn_res.h"
#include "users.h"

struct lspawn_job {
	pid_t pid;                      /* 0: a free slot */
	int fd;                         /* herald-local's stdout; -1 after its end */
	unsigned long long num;
	uid_t uid;
	struct buf home;
	struct buf out;                 /* the first LSPAWN_RES_OUT_MAX bytes of output */
};

struct lspawn {
	const struct lspawn_conf *conf;
	struct users users;
	struct users_pw pw;
	struct lspawn_job *jobs;        /* LSPAWN_MAX slots */
	size_t njobs;
	struct buf in;                  /* unparsed request bytes */
	bool eof;
	bool stopping;                  /* SIGTERM/SIGINT: start nothing more */
	struct pollfd *pfd;             /* LSPAWN_MAX + 2 */
	struct buf res, text, local;    /* scratch */
};

static int lspawn_sig[2] = { -1, -1 };
static volatile sig_atomic_t lspawn_got_stop;

/* SIGCHLD, SIGTERM and SIGINT wake the loop through lspawn_sig. */
static void
lspawn_on_signal(int sig)
{
	int e = errno;
	ssize_t n;

	if (sig != SIGCHLD)
		lspawn_got_stop = 1;
	n = write(lspawn_sig[1], "", 1);        /* a full pipe already says enough */
	(void)n;
	errno = e;
}

/* Write one result and log it. */
static int
lspawn_result(struct lspawn *l, unsigned long long num, uid_t uid, const char *home,
    char status, const char *text)
{
	buf_reset(&l->res);
	if (lspawn_req_result(&l->res, num, status, text) == -1)
		return -1;
	log_info("delivery %llu: uid %lu home %s: %c %s", num, (unsigned long)uid, home, status,
	    text);
	if (fsio_write_all(1, l->res.p, l->res.len) == -1) {
		err_sys("cannot write the result of delivery %llu", num);
		return -1;
	}
	return 0;
}

/* A delivery that ends before herald-local runs: status Z with a text. */
static int
lspawn_tempfail(struct lspawn *l, unsigned long long num, uid_t uid, const char *home,
    const char *what)
{
	buf_reset(&l->text);
	if (buf_adds(&l->text, what) == -1 || lspawn_res_fix(&l->text, 'Z') == -1)
		return -1;
	return lspawn_result(l, num, uid, home, 'Z', l->text.p);
}

/* Read what the child's pipe holds; closes it at its end. */
static void
lspawn_drain(struct lspawn_job *j)
{
	char tmp[4096];
	ssize_t n;

	while (j->fd != -1) {
		n = read(j->fd, tmp, sizeof tmp);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(j->fd);
			j->fd = -1;
			return;
		}
		if (j->out.len < LSPAWN_RES_OUT_MAX)
			buf_add(&j->out, tmp, (size_t)n < LSPAWN_RES_OUT_MAX - j->out.len ?
			    (size_t)n : LSPAWN_RES_OUT_MAX - j->out.len);
	}
}

/* Reap finished children and report them. */
static int
lspawn_reap(struct lspawn *l)
{
	struct lspawn_job *j;
	char c[64], st;
	pid_t pid;
	int status;
	size_t i;

	while (read(lspawn_sig[0], c, sizeof c) > 0)
		;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0, j = NULL; i < LSPAWN_MAX && j == NULL; i++)
			if (l->jobs[i].pid == pid)
				j = &l->jobs[i];
		if (j == NULL)
			continue;
		lspawn_drain(j);
		if (j->fd != -1)
			close(j->fd);
		j->fd = -1;
		j->pid = 0;
		l->njobs--;
		st = lspawn_res_make(status, j->out.p ? j->out.p : "", j->out.len, &l->text);
		buf_reset(&j->out);
		if (lspawn_result(l, j->num, j->uid, j->home.p, st, l->text.p) == -1)
			return -1;
	}
	return 0;
}

/* Start one delivery. */
static int
lspawn_start(struct lspawn *l, const struct lspawn_req *r)
{
	const char *at = strrchr(r->rcpt, '@');
	struct lspawn_job *j = NULL;
	struct buf why = BUF_INIT;
	size_t i;
	int fd, ret = -1;
	pid_t pid;

	for (i = 0; i < LSPAWN_MAX; i++) {
		if (l->jobs[i].pid == 0) {
			if (j == NULL)
				j = &l->jobs[i];
		} else if (l->jobs[i].num == r->num) {
			err_set("protocol violation: delivery %llu is already in flight", r->num);
			return -1;
		}
	}
	if (j == NULL) {
		err_set("protocol violation: more than %d deliveries in flight", LSPAWN_MAX);
		return -1;
	}
	if (l->stopping)
		return lspawn_tempfail(l, r->num, 0, "-",
		    "herald-lspawn was stopped before this delivery started. (#4.3.0)");
	if (buf_set(&l->local, r->rcpt, (size_t)(at - r->rcpt)) == -1) {
		err_set("out of memory");
		return -1;
	}
	if (users_lookup(&l->users, l->local.p, &l->pw) == -1) {
		buf_printf(&why, "Unable to look up the user for %s: %s (#4.3.0)", l->local.p,
		    err_str());
		ret = lspawn_tempfail(l, r->num, 0, "-", why.p ? why.p : "out of memory");
		goto out;
	}
	if (l->conf->multi && l->pw.uid == 0) {
		ret = lspawn_tempfail(l, r->num, 0, l->pw.home.p,
		    "refusing to deliver as root, uid 0 (#4.3.0)");
		goto out;
	}
	if ((pid = lspawn_child_start(l->conf, r, &l->pw, &fd)) == -1) {
		buf_printf(&why, "Unable to start herald-local: %s (#4.3.0)", err_str());
		ret = lspawn_tempfail(l, r->num, l->pw.uid, l->pw.home.p,
		    why.p ? why.p : "out of memory");
		goto out;
	}
	j->pid = pid;
	j->fd = fd;
	j->num = r->num;
	j->uid = l->pw.uid;
	buf_sets(&j->home, l->pw.home.p);
	buf_reset(&j->out);
	l->njobs++;
	ret = 0;
out:
	buf_free(&why);
	return ret;
}

/* Read requests from fd 0 and start them. */
static int
lspawn_input(struct lspawn *l)
{
	struct lspawn_req r;
	size_t used, pos = 0;
	ssize_t n;
	int got;

	if (buf_reserve(&l->in, 8192) == -1) {
		err_set("out of memory");
		return -1;
	}
	n = read(0, l->in.p + l->in.len, 8192);
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		err_sys("cannot read requests");
		return -1;
	}
	if (n == 0) {
		l->eof = true;
		if (l->in.len > 0) {
			err_set("protocol violation: end of input inside a request");
			return -1;
		}
		return 0;
	}
	l->in.len += (size_t)n;
	l->in.p[l->in.len] = '\0';
	while ((got = lspawn_req_parse(l->in.p + pos, l->in.len - pos, &r, &used)) == 1) {
		if (lspawn_start(l, &r) == -1)
			return -1;
		pos += used;
	}
	if (got == -1) {
		err_set("protocol violation: %s", err_str());
		return -1;
	}
	buf_consume(&l->in, pos);
	return 0;
}

/* One round: wait for something to happen and handle it. */
static int
lspawn_round(struct lspawn *l)
{
	struct lspawn_job *map[LSPAWN_MAX];
	nfds_t n = 0, first, k;
	size_t i;

	l->pfd[n++] = (struct pollfd){ .fd = lspawn_sig[0], .events = POLLIN };
	if (!l->eof)
		l->pfd[n++] = (struct pollfd){ .fd = 0, .events = POLLIN };
	first = n;
	for (i = 0; i < LSPAWN_MAX; i++) {
		if (l->jobs[i].pid != 0 && l->jobs[i].fd != -1) {
			map[n - first] = &l->jobs[i];
			l->pfd[n++] = (struct pollfd){ .fd = l->jobs[i].fd, .events = POLLIN };
		}
	}
	if (poll(l->pfd, n, -1) == -1) {
		if (errno == EINTR)
			return 0;
		err_sys("poll");
		return -1;
	}
	for (k = first; k < n; k++)
		if (l->pfd[k].revents)
			lspawn_drain(map[k - first]);
	if (lspawn_got_stop && !l->stopping) {
		l->stopping = true;
		log_info("status: stopping: %zu deliveries in flight finish, none start", l->njobs);
	}
	if (l->pfd[0].revents && lspawn_reap(l) == -1)
		return -1;
	if (!l->eof && l->pfd[1].revents && lspawn_input(l) == -1)
		return -1;
	return 0;
}

static int
lspawn_signals(void)
{
	struct sigaction sa;

	if (pipe2(lspawn_sig, O_CLOEXEC | O_NONBLOCK) == -1) {
		err_sys("cannot make a pipe");
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = lspawn_on_signal;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1) {
		err_sys("cannot catch signals");
		return -1;
	}
	return 0;
}

int
lspawn_run(const struct lspawn_conf *c)
{
	struct lspawn l;
	size_t i;
	int r = -1;

	memset(&l, 0, sizeof l);
	l.conf = c;
	if (users_init(&l.users, c->home, c->multi) == -1)
		return -1;
	l.jobs = calloc(LSPAWN_MAX, sizeof *l.jobs);
	l.pfd = calloc(LSPAWN_MAX + 2, sizeof *l.pfd);
	if (l.jobs == NULL || l.pfd == NULL) {
		err_set("out of memory");
		goto out;
	}
	if (lspawn_sig[0] == -1 && lspawn_signals() == -1)
		goto out;
	while ((!l.eof && !l.stopping) || l.njobs > 0)
		if (lspawn_round(&l) == -1)
			goto out;
	r = 0;
out:
	if (l.jobs != NULL)
		for (i = 0; i < LSPAWN_MAX; i++) {
			if (l.jobs[i].fd > 0 && l.jobs[i].pid != 0)
				close(l.jobs[i].fd);
			buf_free(&l.jobs[i].home);
			buf_free(&l.jobs[i].out);
		}
	free(l.jobs);
	free(l.pfd);
	users_free(&l.users);
	users_pw_free(&l.pw);
	buf_free(&l.in);
	buf_free(&l.res);
	buf_free(&l.text);
	buf_free(&l.local);
	return r;
}
