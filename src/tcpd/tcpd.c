/* tcpd: herald-tcpd's listening loop (see tcpd.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fsio.h"
#include "log.h"
#include "tcpd.h"
#include "tcpd_limit.h"
#include "tcpd_pool.h"
#include "tcpd_rules.h"
#include "tcpd_worker.h"

/* How often binding every address to one ephemeral port is tried. */
#define TCPD_BIND_TRIES 20
/* Connections accepted from one socket per wake-up, for fairness. */
#define TCPD_ACCEPT_BURST 32
/* How long accepting pauses after running out of descriptors (ms). */
#define TCPD_PAUSE_MS 1000

struct tcpd_listener {
	int fd;
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct buf name;                /* the address in text form */
	unsigned port;
};

struct tcpd_child {
	pid_t pid;
	unsigned char addr[16];
};

struct tcpd {
	const struct tcpd_conf *conf;
	struct tcpd_listener *ls;
	size_t nls;
	struct tcpd_child *kids;        /* conf->maxconn slots, the first nkids used */
	size_t nkids;
	struct tcpd_pool pool;          /* worker mode: the workers */
	struct tcpd_rules rules;
	struct tcpd_limit limit;
	struct pollfd *pfd;             /* the self-pipe, the listeners, the workers */
	long long pause_until;          /* monotonic ms; accepting pauses until then */
	struct buf ip, lip, port, lport, text, env;  /* scratch */
};

static const char *const tcpd_unset[] = {
	"PROTO", "TCPLOCALIP", "TCPLOCALPORT", "TCPLOCALHOST", "TCPREMOTEIP",
	"TCPREMOTEPORT", "TCPREMOTEHOST", "TCPREMOTEINFO", TCPD_WORKER_ENV,
};

static int tcpd_sig[2] = { -1, -1 };
static volatile sig_atomic_t tcpd_got_chld, tcpd_got_hup, tcpd_got_term;

static void
tcpd_handler(int sig)
{
	int e = errno;
	ssize_t n;

	if (sig == SIGCHLD)
		tcpd_got_chld = 1;
	else if (sig == SIGHUP)
		tcpd_got_hup = 1;
	else
		tcpd_got_term = 1;
	n = write(tcpd_sig[1], "", 1);  /* a full pipe already says enough */
	(void)n;
	errno = e;
}

static long long
tcpd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The text address and port of sa into ip and port. */
static int
tcpd_sockname(const struct sockaddr *sa, struct buf *ip, struct buf *port)
{
	unsigned char a[16];
	unsigned p;

	if (tcpd_rules_addr(sa, a) == -1 || tcpd_rules_addr_str(a, ip) == -1)
		return -1;
	p = ntohs(sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port :
	    ((const struct sockaddr_in6 *)sa)->sin6_port);
	buf_reset(port);
	if (buf_printf(port, "%u", p) == -1) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

/* Parse one address of the -a list ("0", a.b.c.d, an IPv6 address, [v6]). */
static int
tcpd_parse_addr(const char *s, size_t n, struct tcpd_listener *l)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&l->ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&l->ss;
	char tmp[INET6_ADDRSTRLEN + 2];

	memset(&l->ss, 0, sizeof l->ss);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof tmp) {
		err_set("bad address \"%.*s\"", (int)(n > 64 ? 64 : n), s);
		return -1;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (strcmp(tmp, "0") == 0) {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		l->sslen = sizeof *s4;
	} else if (inet_pton(AF_INET, tmp, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		l->sslen = sizeof *s4;
	} else if (inet_pton(AF_INET6, tmp, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		l->sslen = sizeof *s6;
	} else {
		err_set("bad address \"%s\"", tmp);
		return -1;
	}
	return buf_sets(&l->name, tmp) == -1 ? (err_set("out of memory"), -1) : 0;
}

static void
tcpd_close_listeners(struct tcpd *t)
{
	size_t i;

	for (i = 0; i < t->nls; i++) {
		if (t->ls[i].fd != -1)
			close(t->ls[i].fd);
		t->ls[i].fd = -1;
	}
}

/* Bind and listen on l at port; EADDRINUSE is left in errno. */
static int
tcpd_bind_one(struct tcpd *t, struct tcpd_listener *l, unsigned port)
{
	struct sockaddr_storage ss = l->ss;
	socklen_t len = sizeof ss;
	int one = 1;

	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((unsigned short)port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((unsigned short)port);
	l->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd == -1) {
		err_sys("%s: cannot create a socket", l->name.p);
		return -1;
	}
	if (setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
	    (ss.ss_family == AF_INET6 &&
	    setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == -1)) {
		err_sys("%s: setsockopt", l->name.p);
		return -1;
	}
	if (bind(l->fd, (struct sockaddr *)&ss, l->sslen) == -1) {
		err_sys("cannot bind %s port %u", l->name.p, port);
		return -1;
	}
	if (listen(l->fd, t->conf->backlog) == -1) {
		err_sys("cannot listen on %s port %u", l->name.p, port);
		return -1;
	}
	if (getsockname(l->fd, (struct sockaddr *)&ss, &len) == -1) {
		err_sys("%s: getsockname", l->name.p);
		return -1;
	}
	l->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

/* Bind every address; with port 0, all of them to the same ephemeral port. */
static int
tcpd_bind_all(struct tcpd *t, unsigned port)
{
	unsigned p;
	size_t i;
	int tries;

	for (tries = 0; tries < TCPD_BIND_TRIES; tries++) {
		p = port;
		for (i = 0; i < t->nls; i++) {
			if (tcpd_bind_one(t, &t->ls[i], p) == -1)
				break;
			p = t->ls[i].port;
		}
		if (i == t->nls)
			return 0;
		tcpd_close_listeners(t);
		if (port != 0 || i == 0 || errno != EADDRINUSE)
			return -1;
	}
	return -1;
}

/* Write "ADDRESS PORT" lines to the -P file (through a rename). */
static int
tcpd_write_ports(struct tcpd *t, const char *path)
{
	struct buf text = BUF_INIT, tmp = BUF_INIT;
	size_t i;
	int fd = -1, ret = -1;

	for (i = 0; i < t->nls; i++)
		if (buf_printf(&text, "%s %u\n", t->ls[i].name.p, t->ls[i].port) == -1)
			goto nomem;
	if (buf_printf(&tmp, "%s.tmp", path) == -1)
		goto nomem;
	if ((fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) == -1 ||
	    fsio_write_all(fd, text.p, text.len) == -1 || close(fd) == -1) {
		err_sys("%s: cannot write", tmp.p);
		if (fd != -1)
			close(fd);
		goto out;
	}
	if (rename(tmp.p, path) == -1) {
		err_sys("cannot rename %s to %s", tmp.p, path);
		goto out;
	}
	ret = 0;
	goto out;
nomem:
	err_set("out of memory");
out:
	buf_free(&text);
	buf_free(&tmp);
	return ret;
}

/* Write the refusal text (if any) to a client and hang up. */
static void
tcpd_refuse(struct tcpd *t, int fd, const char *text)
{
	char junk[512];
	ssize_t n;
	int i;

	if (text != NULL) {
		buf_reset(&t->text);
		if (buf_printf(&t->text, "%s\r\n", text) == 0) {
			n = send(fd, t->text.p, t->text.len, MSG_DONTWAIT | MSG_NOSIGNAL);
			(void)n;
		}
	}
	/* read what the client already sent, so that closing does not reset
	 * the connection before it reads the text */
	shutdown(fd, SHUT_WR);
	for (i = 0; i < 8; i++)
		if (recv(fd, junk, sizeof junk, MSG_DONTWAIT) <= 0)
			break;
	close(fd);
}

/* In the child: set up fd 0 and 1 and the environment, run the program. */
static void __attribute__((noreturn))
tcpd_exec(struct tcpd *t, int fd, const struct tcpd_rule *rule)
{
	static const int sigs[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGPIPE };
	sigset_t none;
	size_t i;

	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(fd, 0) == -1 || dup2(fd, 1) == -1) {
		log_warn("cannot set up the connection: %s", strerror(errno));
		_exit(111);
	}
	fcntl(0, F_SETFD, 0);
	fcntl(1, F_SETFD, 0);
	if (fd > 1)
		close(fd);
	if (setenv("PROTO", "TCP", 1) == -1 || setenv("TCPLOCALIP", t->lip.p, 1) == -1 ||
	    setenv("TCPLOCALPORT", t->lport.p, 1) == -1 ||
	    setenv("TCPREMOTEIP", t->ip.p, 1) == -1 ||
	    setenv("TCPREMOTEPORT", t->port.p, 1) == -1) {
		log_warn("out of memory");
		_exit(111);
	}
	for (i = 0; rule != NULL && i < rule->nvars; i++)
		if (setenv(rule->vars[i].name, rule->vars[i].value, 1) == -1) {
			log_warn("cannot set %s: %s", rule->vars[i].name, strerror(errno));
			_exit(111);
		}
	execvp(t->conf->argv[0], t->conf->argv);
	log_warn("cannot run %s: %s", t->conf->argv[0], strerror(errno));
	_exit(111);
}

/* The text form of an address and port for log lines: a.b.c.d:P or [v6]:P. */
static const char *
tcpd_logaddr(struct tcpd *t)
{
	buf_reset(&t->text);
	if (strchr(t->ip.p, ':'))
		buf_printf(&t->text, "[%s]:%s", t->ip.p, t->port.p);
	else
		buf_printf(&t->text, "%s:%s", t->ip.p, t->port.p);
	return t->text.p ? t->text.p : "?";
}

/* Run the program for connection fd (counted for addr) in a new child. */
static int
tcpd_start_child(struct tcpd *t, int fd, const unsigned char addr[16],
    const struct tcpd_rule *rule, pid_t *pid)
{
	if ((*pid = fork()) == -1) {
		log_warn("cannot fork: %s", strerror(errno));
		return -1;
	}
	if (*pid == 0)
		tcpd_exec(t, fd, rule);
	t->kids[t->nkids].pid = *pid;
	memcpy(t->kids[t->nkids].addr, addr, 16);
	t->nkids++;
	return 0;
}

/* The environment block of a connection (tcpd_worker.h) into t->env. */
static int
tcpd_env_block(struct tcpd *t, const struct tcpd_rule *rule)
{
	const char *v[] = {
		"PROTO", "TCP", "TCPLOCALIP", t->lip.p, "TCPLOCALPORT", t->lport.p,
		"TCPREMOTEIP", t->ip.p, "TCPREMOTEPORT", t->port.p,
	};
	size_t i;

	buf_reset(&t->env);
	for (i = 0; i < sizeof v / sizeof v[0]; i += 2)
		if (buf_printf(&t->env, "%s=%s", v[i], v[i + 1]) == -1 ||
		    buf_addc(&t->env, '\0') == -1)
			goto nomem;
	for (i = 0; rule != NULL && i < rule->nvars; i++)
		if (buf_printf(&t->env, "%s=%s", rule->vars[i].name, rule->vars[i].value) == -1 ||
		    buf_addc(&t->env, '\0') == -1)
			goto nomem;
	return 0;
nomem:
	err_set("out of memory");
	return -1;
}

/* Hand connection fd (counted for addr) to a worker. */
static int
tcpd_start_worker(struct tcpd *t, int fd, const unsigned char addr[16],
    const struct tcpd_rule *rule, pid_t *pid)
{
	if (tcpd_env_block(t, rule) == -1 ||
	    tcpd_pool_send(&t->pool, &t->env, fd, addr, tcpd_now_ms(), pid) == -1) {
		log_warn("%s: %s", t->ip.p, err_str());
		return -1;
	}
	return 0;
}

/* True if another connection can be served now (-c). */
static bool
tcpd_room(const struct tcpd *t)
{
	return t->conf->workers ? tcpd_pool_can_take(&t->pool) : t->nkids < t->conf->maxconn;
}

/* Deal with one accepted connection: refuse it or start the program. */
static void
tcpd_conn(struct tcpd *t, int fd, const struct sockaddr *remote)
{
	const struct tcpd_conf *c = t->conf;
	const struct tcpd_rule *rule = NULL;
	struct sockaddr_storage local;
	socklen_t llen = sizeof local;
	unsigned char a[16];
	pid_t pid;

	if (getsockname(fd, (struct sockaddr *)&local, &llen) == -1) {
		log_warn("getsockname: %s", strerror(errno));
		close(fd);
		return;
	}
	if (tcpd_sockname(remote, &t->ip, &t->port) == -1 ||
	    tcpd_sockname((struct sockaddr *)&local, &t->lip, &t->lport) == -1 ||
	    tcpd_rules_addr(remote, a) == -1) {
		log_warn("%s", err_str());
		close(fd);
		return;
	}
	if (t->rules.n > 0)
		rule = tcpd_rules_match(&t->rules, remote);
	if (rule != NULL && !rule->allow) {
		if (c->verbosity >= TCPD_NORMAL)
			log_info("deny %s (rule %s:%u)", t->ip.p, t->rules.file, rule->line);
		tcpd_refuse(t, fd, rule->has_text ? rule->text : c->refuse);
		return;
	}
	if (c->maxper > 0 && tcpd_limit_count(&t->limit, a) >= c->maxper) {
		if (c->verbosity >= TCPD_NORMAL)
			log_info("limit %s (per-client %lu)", t->ip.p, c->maxper);
		tcpd_refuse(t, fd, c->refuse);
		return;
	}
	if (tcpd_limit_add(&t->limit, a) == -1) {
		log_warn("%s: %s", t->ip.p, err_str());
		close(fd);
		return;
	}
	if ((c->workers ? tcpd_start_worker(t, fd, a, rule, &pid) :
	    tcpd_start_child(t, fd, a, rule, &pid)) == -1) {
		tcpd_limit_del(&t->limit, a);
		close(fd);
		return;
	}
	close(fd);
	if (c->verbosity >= TCPD_VERBOSE && rule != NULL)
		log_info("allow %s (rule %s:%u)", t->ip.p, t->rules.file, rule->line);
	if (c->verbosity >= TCPD_NORMAL)
		log_info("start %ld %s", (long)pid, tcpd_logaddr(t));
	if (c->verbosity >= TCPD_VERBOSE)
		log_info("status %zu/%lu", c->workers ? t->pool.nbusy : t->nkids, c->maxconn);
}

/* Accept what is waiting on listener l, within the limits. */
static void
tcpd_accept(struct tcpd *t, struct tcpd_listener *l)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, n;

	for (n = 0; n < TCPD_ACCEPT_BURST && tcpd_room(t); n++) {
		len = sizeof ss;
		fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				log_warn("cannot accept on %s port %u: %s; pausing", l->name.p,
				    l->port, strerror(errno));
				t->pause_until = tcpd_now_ms() + TCPD_PAUSE_MS;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED && errno != EPROTO) {
				log_warn("cannot accept on %s port %u: %s", l->name.p, l->port,
				    strerror(errno));
			}
			return;
		}
		tcpd_conn(t, fd, (struct sockaddr *)&ss);
	}
}

/* Reap the children that ended. */
static void
tcpd_reap(struct tcpd *t)
{
	pid_t pid;
	size_t i;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (t->conf->workers) {
			tcpd_pool_reaped(&t->pool, pid, status, tcpd_now_ms());
			continue;
		}
		for (i = 0; i < t->nkids && t->kids[i].pid != pid; i++)
			;
		if (i == t->nkids)
			continue;
		tcpd_limit_del(&t->limit, t->kids[i].addr);
		t->kids[i] = t->kids[--t->nkids];
		if (t->conf->verbosity < TCPD_NORMAL)
			continue;
		if (WIFSIGNALED(status))
			log_info("end %ld signal %d", (long)pid, WTERMSIG(status));
		else
			log_info("end %ld status %d", (long)pid, WEXITSTATUS(status));
		if (t->conf->verbosity >= TCPD_VERBOSE)
			log_info("status %zu/%lu", t->nkids, t->conf->maxconn);
	}
}

/* Re-read the rules file; a bad one keeps the old rules. */
static void
tcpd_reload(struct tcpd *t)
{
	struct tcpd_rules nr = TCPD_RULES_INIT;

	if (t->conf->rules == NULL) {
		if (t->conf->verbosity >= TCPD_VERBOSE)
			log_info("reload: no rules file");
		return;
	}
	if (tcpd_rules_load(&nr, t->conf->rules) == -1) {
		log_warn("%s; keeping the old rules", err_str());
		return;
	}
	tcpd_rules_free(&t->rules);
	t->rules = nr;
	if (t->conf->verbosity >= TCPD_NORMAL)
		log_info("rules %s: %zu rules", t->conf->rules, t->rules.n);
}

static int
tcpd_signals(void)
{
	struct sigaction sa;

	if (pipe2(tcpd_sig, O_NONBLOCK | O_CLOEXEC) == -1) {
		err_sys("pipe");
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tcpd_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	if (sigaction(SIGCHLD, &sa, NULL) == -1 || sigaction(SIGHUP, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 || sigaction(SIGINT, &sa, NULL) == -1) {
		err_sys("sigaction");
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Set up everything up to the loop: rules, sockets, port file, privileges. */
static int
tcpd_setup(struct tcpd *t)
{
	const struct tcpd_conf *c = t->conf;
	const char *p, *comma;
	unsigned long port;
	char *end;
	size_t i, n;
	int fd;

	/* fd 0, 1 and 2 stay taken, so no socket lands on them */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	for (i = 0; i < sizeof tcpd_unset / sizeof tcpd_unset[0]; i++)
		unsetenv(tcpd_unset[i]);
	if (c->rules != NULL && tcpd_rules_load(&t->rules, c->rules) == -1)
		return -1;
	errno = 0;
	port = strtoul(c->port, &end, 10);
	if (c->port[0] < '0' || c->port[0] > '9' || *end != '\0' || errno || port > 65535) {
		err_set("bad port \"%s\"", c->port);
		return -1;
	}
	for (p = c->addrs, n = 1; *p; p++)
		n += *p == ',';
	if ((t->ls = calloc(n, sizeof *t->ls)) == NULL ||
	    (t->pfd = calloc(n + 1 + (c->workers ? c->maxconn : 0), sizeof *t->pfd)) == NULL ||
	    (!c->workers && (t->kids = calloc(c->maxconn, sizeof *t->kids)) == NULL)) {
		err_set("out of memory");
		return -1;
	}
	if (c->workers && tcpd_pool_init(&t->pool, c, &t->limit) == -1)
		return -1;
	for (p = c->addrs; t->nls < n; p = comma + 1) {
		if ((comma = strchr(p, ',')) == NULL)
			comma = p + strlen(p);
		t->ls[t->nls].fd = -1;
		if (tcpd_parse_addr(p, (size_t)(comma - p), &t->ls[t->nls]) == -1)
			return -1;
		t->nls++;
	}
	if (tcpd_bind_all(t, (unsigned)port) == -1)
		return -1;
	for (i = 0; i < t->nls && c->verbosity >= TCPD_NORMAL; i++)
		log_info("listen %s %u", t->ls[i].name.p, t->ls[i].port);
	if (c->portfile != NULL && tcpd_write_ports(t, c->portfile) == -1)
		return -1;
	if (c->set_gid && (setgroups(1, &c->gid) == -1 || setgid(c->gid) == -1)) {
		err_sys("cannot switch to gid %lu", (unsigned long)c->gid);
		return -1;
	}
	if (c->set_uid && setuid(c->uid) == -1) {
		err_sys("cannot switch to uid %lu", (unsigned long)c->uid);
		return -1;
	}
	return tcpd_signals();
}

static void
tcpd_free(struct tcpd *t)
{
	size_t i;

	tcpd_close_listeners(t);
	for (i = 0; i < t->nls; i++)
		buf_free(&t->ls[i].name);
	free(t->ls);
	free(t->pfd);
	free(t->kids);
	tcpd_pool_free(&t->pool);
	tcpd_rules_free(&t->rules);
	tcpd_limit_free(&t->limit);
	buf_free(&t->ip);
	buf_free(&t->lip);
	buf_free(&t->port);
	buf_free(&t->lport);
	buf_free(&t->text);
	buf_free(&t->env);
}

int
tcpd_run(const struct tcpd_conf *c)
{
	struct tcpd t;
	char drain[64];
	long long now;
	size_t i, nw = 0;
	int timeout, trim, ret = -1;
	bool open_;

	memset(&t, 0, sizeof t);
	t.conf = c;
	if (tcpd_setup(&t) == -1)
		goto out;
	for (;;) {
		if (tcpd_got_term)
			break;
		now = tcpd_now_ms();
		trim = c->workers ? tcpd_pool_trim(&t.pool, now) : -1;
		/* forgets the workers that are gone, so before tcpd_room */
		if (c->workers)
			nw = tcpd_pool_pollfds(&t.pool, t.pfd + 1 + t.nls);
		open_ = tcpd_room(&t) && now >= t.pause_until;
		timeout = now < t.pause_until ? (int)(t.pause_until - now) : -1;
		if (trim >= 0 && (timeout < 0 || trim < timeout))
			timeout = trim;
		t.pfd[0].fd = tcpd_sig[0];
		t.pfd[0].events = POLLIN;
		for (i = 0; i < t.nls; i++) {
			t.pfd[i + 1].fd = open_ ? t.ls[i].fd : -1;
			t.pfd[i + 1].events = POLLIN;
			t.pfd[i + 1].revents = 0;
		}
		if (poll(t.pfd, t.nls + 1 + nw, timeout) == -1) {
			if (errno == EINTR)
				continue;
			err_sys("poll");
			goto out;
		}
		if (t.pfd[0].revents) {
			while (read(tcpd_sig[0], drain, sizeof drain) > 0)
				;
		}
		/* "done" reports and workers' ends of file */
		if (c->workers)
			tcpd_pool_input(&t.pool, t.pfd + 1 + t.nls, nw, tcpd_now_ms());
		if (tcpd_got_chld) {
			tcpd_got_chld = 0;
			tcpd_reap(&t);
		}
		if (tcpd_got_hup) {
			tcpd_got_hup = 0;
			tcpd_reload(&t);
		}
		if (tcpd_got_term)
			break;
		for (i = 0; i < t.nls; i++)
			if (t.pfd[i + 1].fd != -1 && (t.pfd[i + 1].revents & (POLLIN | POLLERR)))
				tcpd_accept(&t, &t.ls[i]);
	}
	tcpd_close_listeners(&t);
	if (c->verbosity >= TCPD_NORMAL && c->workers)
		log_info("stop: %zu sessions still running in workers", t.pool.nbusy);
	else if (c->verbosity >= TCPD_NORMAL)
		log_info("stop: %zu children still running", t.nkids);
	ret = 0;
out:
	tcpd_free(&t);
	return ret;
}
