/* dns_ares: c-ares on the event loop (see dns_ares.h). The watched
 * sockets are few (one per server, plus TCP connections for truncated
 * answers), so they are kept in a small array searched by descriptor. */
#include "config.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dns_ares.h"
#include "err.h"

struct dns_sock {
	struct ev_io io;
	struct dns_ares *a;
};

struct dns_ares {
	struct ev *ev;
	ares_channel ch;
	bool ch_ok;
	struct ev_timer timer;
	struct dns_sock **sock;
	size_t nsock, capsock;
};

static void dns_ares_rearm(struct dns_ares *a);

static void
dns_ares_io(struct ev_io *w, unsigned events)
{
	struct dns_sock *s = w->arg;
	struct dns_ares *a = s->a;
	int fd = w->fd;

	/* s may be freed inside: c-ares closes sockets from here. */
	ares_process_fd(a->ch, (events & (EV_READ | EV_ERROR)) ? fd : ARES_SOCKET_BAD,
	    (events & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	dns_ares_rearm(a);
}

static void
dns_ares_tick(struct ev_timer *t)
{
	struct dns_ares *a = t->arg;

	ares_process_fd(a->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	dns_ares_rearm(a);
}

static void
dns_ares_rearm(struct dns_ares *a)
{
	struct timeval tv;
	int64_t ms;

	if (ares_timeout(a->ch, NULL, &tv) == NULL) {
		ev_timer_stop(a->ev, &a->timer);
		return;
	}
	/* Rounded up, so that c-ares sees the time-out as past when it fires. */
	ms = (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
	/* Without the timer c-ares would wait forever; there is no way to
	 * report a failure from here, and ev only fails when out of memory. */
	(void)ev_timer_at(a->ev, &a->timer, ev_now(a->ev) + ms, dns_ares_tick, a);
}

/* c-ares' socket state callback: watch fd for what it wants, or stop. */
static void
dns_ares_sock(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_ares *a = data;
	unsigned want = (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);
	struct dns_sock *s = NULL;
	size_t i;

	for (i = 0; i < a->nsock; i++)
		if (a->sock[i]->io.fd == fd) {
			s = a->sock[i];
			break;
		}
	if (s != NULL && want == 0) {
		ev_io_del(a->ev, &s->io);
		free(s);
		a->sock[i] = a->sock[--a->nsock];
		return;
	}
	if (s != NULL) {
		(void)ev_io_want(a->ev, &s->io, want);
		return;
	}
	if (want == 0)
		return;
	if (a->nsock == a->capsock) {
		size_t cap = a->capsock ? a->capsock * 2 : 8;
		struct dns_sock **v = realloc(a->sock, cap * sizeof *v);

		if (v == NULL)
			return;         /* the query times out */
		a->sock = v;
		a->capsock = cap;
	}
	if ((s = calloc(1, sizeof *s)) == NULL)
		return;
	s->a = a;
	if (ev_io_add(a->ev, &s->io, fd, want, dns_ares_io, s) == -1) {
		free(s);
		return;
	}
	a->sock[a->nsock++] = s;
}

static int
dns_ares_servers(struct dns_ares *a, const struct dns_conf *conf)
{
	struct ares_addr_port_node node[DNS_CONF_MAX];
	size_t i;
	int rc;

	memset(node, 0, sizeof node);
	for (i = 0; i < conf->n; i++) {
		node[i].next = i + 1 < conf->n ? &node[i + 1] : NULL;
		node[i].family = conf->v[i].family;
		if (conf->v[i].family == AF_INET)
			memcpy(&node[i].addr.addr4, conf->v[i].addr, 4);
		else
			memcpy(&node[i].addr.addr6, conf->v[i].addr, 16);
		node[i].udp_port = node[i].tcp_port = (int)conf->v[i].port;
	}
	if ((rc = ares_set_servers_ports(a->ch, node)) != ARES_SUCCESS) {
		err_set("c-ares: cannot set the resolvers: %s", ares_strerror(rc));
		return -1;
	}
	return 0;
}

struct dns_ares *
dns_ares_new(struct ev *ev, const struct dns_conf *conf, int timeout_ms, int tries)
{
	struct ares_options o;
	struct dns_ares *a;
	int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_FLAGS, rc;

	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		err_set("c-ares: %s", ares_strerror(rc));
		return NULL;
	}
	if ((a = calloc(1, sizeof *a)) == NULL) {
		err_set("out of memory");
		ares_library_cleanup();
		return NULL;
	}
	a->ev = ev;
	memset(&o, 0, sizeof o);
	o.sock_state_cb = dns_ares_sock;
	o.sock_state_cb_data = a;
	/* NOCHECKRESP: c-ares 1.18 would try the next server on SERVFAIL,
	 * REFUSED and NOTIMP, but then report all three as ECONNREFUSED; with
	 * it the answer comes through and says what happened. (Answers whose
	 * question differs from the query's are still dropped.) */
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP;
	if (timeout_ms > 0) {
		mask |= ARES_OPT_TIMEOUTMS;
		o.timeout = timeout_ms;
	}
	if (tries > 0) {
		mask |= ARES_OPT_TRIES;
		o.tries = tries;
	}
	if ((rc = ares_init_options(&a->ch, &o, mask)) != ARES_SUCCESS) {
		err_set("c-ares: cannot start: %s", ares_strerror(rc));
		dns_ares_free(a);
		return NULL;
	}
	a->ch_ok = true;
	if (conf->n > 0 && dns_ares_servers(a, conf) == -1) {
		dns_ares_free(a);
		return NULL;
	}
	return a;
}

void
dns_ares_query(struct dns_ares *a, const char *name, int qtype, ares_callback cb, void *arg)
{
	ares_query(a->ch, name, 1 /* C_IN */, qtype, cb, arg);
	dns_ares_rearm(a);
}

void
dns_ares_free(struct dns_ares *a)
{
	if (a == NULL)
		return;
	if (a->ch_ok)
		ares_destroy(a->ch);            /* closes its sockets: dns_ares_sock */
	while (a->nsock > 0) {
		struct dns_sock *s = a->sock[--a->nsock];

		ev_io_del(a->ev, &s->io);
		free(s);
	}
	free(a->sock);
	ev_timer_stop(a->ev, &a->timer);
	ares_library_cleanup();
	free(a);
}
