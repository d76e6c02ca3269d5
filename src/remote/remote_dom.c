/* remote_dom: destination domains, their mail exchanger hosts, and the
 * decisions of what to do with a domain's queued jobs (see remote.h).
 *
 * remote_dom_kick is the one place that decides, and it is called whenever
 * something changed for a domain: jobs arrived, a lookup ended, a
 * connection failed or freed up. In order: no jobs, nothing to do; no
 * current list of hosts, look it up (smtproutes relay, or MX); a failed
 * lookup answers every job (temporary or permanent); else idle connections
 * to its hosts get its jobs, and new connections are opened to the first
 * host (in preference order) that is up and below its limits, one per
 * REMOTE_TXN_RCPTS jobs; if every host is down, its jobs are deferred with
 * the last host's failure; if the hosts are only busy, the domain waits
 * for a connection slot of its first host that is up. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "remote.h"

#define HOSTS_TTL_MS 60000              /* how long a domain trusts its host list */

static struct remote_dom *
dom_get(struct remote *r, const char *name, size_t len)
{
	struct remote_dom *d = strmap_ptr(&r->doms, name, len);

	if (d)
		return d;
	if ((d = calloc(1, sizeof *d)) == NULL || (d->name = strndup(name, len)) == NULL ||
	    strmap_put_ptr(&r->doms, name, len, d) == -1) {
		if (d)
			free(d->name);
		free(d);
		err_set("out of memory");
		return NULL;
	}
	d->r = r;
	return d;
}

int
remote_dom_add(struct remote *r, struct remote_job *j)
{
	const char *at = memrchr(j->rcpt, '@', j->rcpt_len);
	struct remote_dom *d;
	size_t n;

	if (at == NULL || (n = j->rcpt_len - (size_t)(at + 1 - j->rcpt)) == 0 || n > 255) {
		remote_result(r, j, 'D', "Sorry, the recipient's domain is missing or too long. (#5.1.2)");
		return 0;
	}
	if (buf_set_lower(&r->low, at + 1, n) == -1) {
		err_set("out of memory");
		return -1;
	}
	if ((d = dom_get(r, r->low.p, n)) == NULL)
		return -1;
	j->next = NULL;
	if (d->tail)
		d->tail->next = j;
	else
		d->head = j;
	d->tail = j;
	d->njobs++;
	remote_dom_kick(r, d);
	return 0;
}

void
remote_dom_requeue(struct remote_dom *d, struct remote_job **jobs, size_t n)
{
	while (n > 0) {
		struct remote_job *j = jobs[--n];

		j->next = d->head;
		d->head = j;
		if (d->tail == NULL)
			d->tail = j;
		d->njobs++;
	}
}

/* Answer every queued job of d with status and text. */
static void
answer_all(struct remote *r, struct remote_dom *d, char status, const char *text)
{
	struct remote_job *j;

	while ((j = d->head) != NULL) {
		d->head = j->next;
		d->njobs--;
		remote_result(r, j, status, text);
	}
	d->tail = NULL;
}

struct remote_host *
remote_host_get(struct remote *r, const struct sockaddr_storage *sa, unsigned port, const char *name)
{
	char ip[INET6_ADDRSTRLEN], key[INET6_ADDRSTRLEN + 16];
	struct remote_host *h;

	if (sa->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof ip);
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof ip);
	snprintf(key, sizeof key, sa->ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
	if ((h = strmap_ptr(&r->hosts, key, strlen(key))) != NULL)
		return h;
	if ((h = calloc(1, sizeof *h)) == NULL || (h->key = strdup(key)) == NULL ||
	    (h->name = strdup(name)) == NULL || strmap_put_ptr(&r->hosts, key, strlen(key), h) == -1) {
		if (h) {
			free(h->key);
			free(h->name);
		}
		free(h);
		return NULL;
	}
	h->r = r;
	memcpy(&h->sa, sa, sizeof h->sa);
	if (sa->ss_family == AF_INET6) {
		((struct sockaddr_in6 *)&h->sa)->sin6_port = htons((uint16_t)port);
		h->salen = sizeof(struct sockaddr_in6);
	} else {
		((struct sockaddr_in *)&h->sa)->sin_port = htons((uint16_t)port);
		h->salen = sizeof(struct sockaddr_in);
	}
	return h;
}

void
remote_dom_hosts_free(struct remote_dom *d)
{
	size_t i;

	for (i = 0; d->names && i < d->nhosts; i++)
		free(d->names[i]);
	free(d->names);
	free(d->hosts);
	d->names = NULL;
	d->hosts = NULL;
	d->nhosts = 0;
}

/* Take d's hosts from a lookup result. */
static int
set_hosts(struct remote *r, struct remote_dom *d, const struct dns_result *res)
{
	size_t i, k, n = 0;

	for (i = 0; i < res->nhost; i++)
		n += res->host[i].naddr;
	remote_dom_hosts_free(d);
	if ((d->hosts = calloc(n ? n : 1, sizeof *d->hosts)) == NULL ||
	    (d->names = calloc(n ? n : 1, sizeof *d->names)) == NULL)
		return -1;
	for (i = 0; i < res->nhost; i++)
		for (k = 0; k < res->host[i].naddr; k++) {
			struct remote_host *h = remote_host_get(r, &res->host[i].addr[k], d->port,
			    res->host[i].name);

			if (h == NULL || (d->names[d->nhosts] = strdup(res->host[i].name)) == NULL)
				return -1;
			if (h->lim.conns == 0)  /* a new host: its limits */
				remote_conf_limits(&r->conf, d->name, res->host[i].name, &h->lim);
			d->hosts[d->nhosts++] = h;
		}
	d->hosts_until = ev_now(r->ev) + HOSTS_TTL_MS;
	return 0;
}

/* A lookup result for d: take its hosts, or answer its jobs. */
static void
on_result(struct remote *r, struct remote_dom *d, const struct dns_result *res)
{
	if (res->status == DNS_OK) {
		if (set_hosts(r, d, res) == -1) {
			log_warn("domain %s: out of memory", d->name);
			answer_all(r, d, 'Z', "Out of memory in herald-remote. (#4.3.0)");
			return;
		}
		if (d->nhosts == 0) {
			answer_all(r, d, 'Z', "The mail exchangers have no addresses. (#4.4.3)");
			return;
		}
		remote_dom_kick(r, d);
		return;
	}
	log_info("domain %s: %s", d->name, res->text);
	answer_all(r, d, res->status == DNS_PERMFAIL ? 'D' : 'Z', res->text);
}

static void
on_dns(void *arg, const struct dns_result *res)
{
	struct remote_dom *d = arg;

	d->query = NULL;
	on_result(d->r, d, res);
	remote_dom_maybe_free(d->r, d);
}

/* Start finding d's hosts; false if a lookup is under way (or failed to start). */
static bool
resolve(struct remote *r, struct remote_dom *d)
{
	const struct dns_result *res;
	bool routed = remote_conf_route(&r->conf, d->name, &d->route, &d->port);

	if (d->query)
		return false;
	if (routed && d->route.len > 0) {
		res = dns_host_cached(r->dns, d->route.p);
		if (res == NULL)
			d->query = dns_host(r->dns, d->route.p, on_dns, d);
	} else {
		res = dns_mx_cached(r->dns, d->name);
		if (res == NULL)
			d->query = dns_mx(r->dns, d->name, on_dns, d);
	}
	if (res) {
		on_result(r, d, res);
		return true;
	}
	if (d->query == NULL) {
		log_warn("domain %s: cannot start a DNS lookup: out of memory", d->name);
		answer_all(r, d, 'Z', "Out of memory in herald-remote. (#4.3.0)");
	}
	return false;
}

/* Append d to the waiting list v (n used, cap allocated, first: the
 * first allocation), unless d waits already. Without memory d is left
 * out: it is kicked again when its next job comes. */
static void
wait_on(struct remote_dom ***v, size_t *n, size_t *cap, size_t first, struct remote_dom *d)
{
	struct remote_dom **w;
	size_t c;

	if (d->waiting)
		return;
	if (*n == *cap) {
		c = *cap ? *cap * 2 : first;
		if ((w = realloc(*v, c * sizeof *w)) == NULL)
			return;
		*v = w;
		*cap = c;
	}
	(*v)[(*n)++] = d;
	d->waiting = true;
}

void
remote_host_wait(struct remote_host *h, struct remote_dom *d)
{
	wait_on(&h->waiting, &h->nwaiting, &h->capwaiting, 8, d);
}

/* Put d on the list of domains waiting for any connection slot. */
static void
wait_global(struct remote *r, struct remote_dom *d)
{
	wait_on(&r->gwait, &r->ngwait, &r->capgwait, 64, d);
}

/* The probe of h was not ready in time: h is slow. */
static void
on_probe(struct ev_timer *t)
{
	struct remote_host *h = t->arg;
	struct remote *r = h->r;
	struct remote_dom *d;
	size_t n;

	if (h->proven || h->nconn == 0)
		return;
	h->slow = true;
	buf_reset(&h->why);
	buf_printf(&h->why, "%s[%s] was not ready for mail within %d seconds; trying again "
	    "later (#4.4.2)", h->name, h->key, REMOTE_PROBE_MS / 1000);
	log_info("host %s (%s): slow: not ready within %d s", h->key, h->name,
	    REMOTE_PROBE_MS / 1000);
	if ((d = h->probe_dom) != NULL && d->nconn > 0)
		answer_all(r, d, 'Z', h->why.p);
	for (n = h->nwaiting; n > 0 && (d = remote_host_next_waiting(h)) != NULL; n--) {
		remote_dom_kick(r, d);
		remote_dom_maybe_free(r, d);
	}
}

/* h may start a transaction again: wake the domains that wait for it. */
static void
on_rate(struct ev_timer *t)
{
	struct remote_host *h = t->arg;
	struct remote_dom *d;
	size_t n;

	for (n = h->nwaiting; n > 0 && (d = remote_host_next_waiting(h)) != NULL; n--) {
		remote_dom_kick(h->r, d);
		remote_dom_maybe_free(h->r, d);
	}
}

bool
remote_host_take(struct remote *r, struct remote_host *h)
{
	int64_t now = ev_now(r->ev), wait;
	double cap;

	if (h->lim.rate == 0)
		return true;
	cap = h->lim.rate / 60.0 < 1.0 ? 1.0 : h->lim.rate / 60.0;     /* a second's worth */
	if (h->refilled == 0)
		h->tokens = 1.0;
	else
		h->tokens += (double)(now - h->refilled) * (double)h->lim.rate / 60000.0;
	if (h->tokens > cap)
		h->tokens = cap;
	h->refilled = now;
	if (h->tokens >= 1.0) {
		h->tokens -= 1.0;
		return true;
	}
	wait = (int64_t)((1.0 - h->tokens) * 60000.0 / (double)h->lim.rate) + 1;
	if (!ev_timer_armed(&h->rate_timer))
		ev_timer_at(r->ev, &h->rate_timer, now + wait, on_rate, h);
	return false;
}

static void
probe_start(struct remote *r, struct remote_host *h, struct remote_dom *d)
{
	h->probe_dom = d;
	ev_timer_at(r->ev, &h->probe, ev_now(r->ev) + REMOTE_PROBE_MS, on_probe, h);
}

void
remote_host_ready(struct remote *r, struct remote_host *h)
{
	if (h->fails > 0)
		remote_state_changed(r);
	h->fails = 0;           /* the back-off starts over */
	if (h->proven)
		return;
	h->proven = true;
	h->slow = false;
	h->probe_dom = NULL;
	ev_timer_stop(r->ev, &h->probe);
	log_info("host %s (%s): ready", h->key, h->name);
	remote_host_freed(r, h);        /* the domains that waited may open more */
}

void
remote_dom_kick(struct remote *r, struct remote_dom *d)
{
	int64_t now = ev_now(r->ev);
	struct remote_host *first_up = NULL, *last_down = NULL;
	size_t i;

	if (d->kicking || d->njobs == 0 || remote_ending(r))
		return;
	d->kicking = true;
	if (d->nhosts == 0 || now >= d->hosts_until) {
		remote_dom_hosts_free(d);
		if (!resolve(r, d))
			goto out;
		if (d->njobs == 0 || d->nhosts == 0)
			goto out;
	}
	for (i = 0; i < d->nhosts && d->njobs > 0; i++) {
		struct remote_host *h = d->hosts[i];

		if (h->down_until > now || h->slow) {
			last_down = h;
			continue;
		}
		if (first_up == NULL)
			first_up = h;
		if (!h->proven) {
			/* one connection finds out whether it answers at all */
			if (h->nconn == 0 && r->nconn < r->conf.concurrency &&
			    remote_conn_open(r, h, d, d->names[i]) == 0)
				probe_start(r, h, d);
			break;
		}
		/* idle connections first, then new ones while there is work for them */
		for (struct remote_conn *c = h->idle, *next; c && d->njobs > 0; c = next) {
			next = c->next_idle;
			if (remote_conn_fits(c, d))
				remote_conn_assign(c, d);
		}
		while (d->njobs > (size_t)d->nconn * REMOTE_TXN_RCPTS && h->nconn < h->lim.conns &&
		    r->nconn < r->conf.concurrency) {
			if (remote_conn_open(r, h, d, d->names[i]) == -1)
				break;
		}
		if (d->nconn > 0)
			break;  /* work on the best host that takes it; no spreading down */
	}
	if (d->njobs == 0 || (d->nconn > 0 && first_up))
		goto out;       /* (a connection of a host now down or slow serves nobody) */
	if (first_up && first_up->proven && first_up->nconn < first_up->lim.conns)
		wait_global(r, d);      /* held back by concurrencyremote */
	else if (first_up)
		remote_host_wait(first_up, d);
	else if (last_down)
		answer_all(r, d, 'Z', last_down->why.p ? last_down->why.p :
		    "All mail exchangers are unavailable. (#4.4.1)");
out:
	d->kicking = false;
}

void
remote_dom_maybe_free(struct remote *r, struct remote_dom *d)
{
	if (d->njobs || d->nconn || d->query || d->waiting || d->kicking)
		return;
	strmap_del(&r->doms, d->name, strlen(d->name));
	remote_dom_hosts_free(d);
	buf_free(&d->route);
	free(d->name);
	free(d);
}

size_t
remote_dom_take(struct remote_dom *d, struct remote_conn *c)
{
	struct remote_job *first = d->head, **link = &d->head, *j, *kept = NULL;
	size_t skipped = 0;

	c->ntxn = 0;
	while ((j = *link) != NULL && c->ntxn < REMOTE_TXN_RCPTS && c->ntxn < c->captxn) {
		if (j->msg == first->msg && j->sender_len == first->sender_len &&
		    memcmp(j->sender, first->sender, j->sender_len) == 0) {
			c->txn[c->ntxn++] = j;
			*link = j->next;
			d->njobs--;
			continue;
		}
		/* the same message with another sender (VERP): its own transaction */
		if (j->msg == first->msg || ++skipped > REMOTE_TAKE_SKIP)
			break;
		kept = j;
		link = &j->next;
	}
	if (*link == NULL)
		d->tail = kept;
	return c->ntxn;
}

void
remote_host_down(struct remote *r, struct remote_host *h, const char *why)
{
	int64_t secs = (int64_t)r->conf.backoff;
	unsigned k;

	h->fails++;             /* reset by a session that worked */
	h->proven = h->slow = false;
	h->probe_dom = NULL;
	ev_timer_stop(r->ev, &h->probe);
	for (k = 1; k < h->fails && secs < REMOTE_BACKOFF_MAX; k++)
		secs *= 2;
	if (secs > REMOTE_BACKOFF_MAX)
		secs = REMOTE_BACKOFF_MAX;
	h->down_until = ev_now(r->ev) + secs * 1000;
	buf_sets(&h->why, why);
	log_info("host %s (%s): down for %lld s: %s", h->key, h->name, (long long)secs, why);
	remote_state_changed(r);
}

struct remote_dom *
remote_dom_global_take(struct remote *r, struct remote_conn *c)
{
	size_t i, k;

	for (i = 0; i < r->ngwait; i++) {
		struct remote_dom *d = r->gwait[i];

		if (d->njobs == 0 || !remote_conn_fits(c, d))
			continue;
		for (k = 0; k < d->nhosts && d->hosts[k] != c->host; k++)
			;
		if (k == d->nhosts)
			continue;
		memmove(r->gwait + i, r->gwait + i + 1, (r->ngwait - i - 1) * sizeof *r->gwait);
		r->ngwait--;
		d->waiting = false;
		return d;
	}
	return NULL;
}

struct remote_dom *
remote_host_next_waiting(struct remote_host *h)
{
	struct remote_dom *d;

	if (h->nwaiting == 0)
		return NULL;
	d = h->waiting[0];
	memmove(h->waiting, h->waiting + 1, (h->nwaiting - 1) * sizeof *h->waiting);
	h->nwaiting--;
	d->waiting = false;
	return d;
}

void
remote_host_freed(struct remote *r, struct remote_host *h)
{
	struct remote_dom *d;

	while (h->nconn < h->lim.conns && r->nconn < r->conf.concurrency &&
	    (d = remote_host_next_waiting(h)) != NULL) {
		remote_dom_kick(r, d);
		remote_dom_maybe_free(r, d);
	}
	while (r->ngwait > 0 && r->nconn < r->conf.concurrency) {
		d = r->gwait[0];
		memmove(r->gwait, r->gwait + 1, (r->ngwait - 1) * sizeof *r->gwait);
		r->ngwait--;
		d->waiting = false;
		remote_dom_kick(r, d);
		remote_dom_maybe_free(r, d);
	}
}
