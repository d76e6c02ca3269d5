/* dns: lookups, the cache and callbacks (see dns.h).
 *
 * A lookup is a cache entry (dns_cache.h) with work: a host entry asks for
 * AAAA (unless IPv4 only) and A at once; an MX entry asks for MX, then
 * waits for a host entry per mail exchanger (shared with every other
 * lookup of that host) through internal queries, which are told at once.
 * Work counts what it still waits for, plus one while it is starting more,
 * so that an answer given synchronously cannot finish it half way.
 *
 * Callers' queries are never called directly: a finished query goes on the
 * done list, which a timer at "now" empties from the event loop. Queries
 * queued while the list is being emptied wait for a timer 1 ms later, so
 * that a caller who starts a lookup from each callback cannot keep the
 * loop from polling its descriptors. */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "dns_ares.h"
#include "dns_cache.h"
#include "dns_conf.h"
#include "dns_name.h"
#include "dns_res.h"
#include "err.h"

enum dns_qstate {
	DNS_Q_WAITING,                  /* in an entry's waiters */
	DNS_Q_DONE,                     /* on the done list, with res */
	DNS_Q_RUNNING                   /* its callback is running */
};

struct dns_query {
	struct dns *dns;
	struct dns_link link;           /* in an entry's waiters or the done list */
	enum dns_qstate state;
	dns_cb *cb;                     /* NULL: internal, for mx_entry's host idx */
	void *arg;
	struct dns_entry *mx_entry;
	size_t idx;
	struct dns_res *res;
};

struct dns_work;

struct dns_slot {
	struct dns_work *w;
	int qtype;
};

struct dns_work {
	struct dns *dns;
	struct dns_entry *e;
	size_t pending;
	bool hosts;                     /* MX: waiting for the mail exchangers */
	struct dns_slot slot[2];
	struct dns_qout out[2];
	size_t nout;
	bool implicit;
	int64_t expires;
	struct dns_mxrec *mx;
	size_t nmx;
};

struct dns {
	struct ev *ev;
	struct dns_ares *ares;
	unsigned flags;
	struct dns_cache cache;
	struct dns_link done;           /* head: queries to call back */
	struct ev_timer flush;
	bool flushing, dying, destroying;
	uint64_t rng;
};

static struct dns_query *lookup(struct dns *dns, enum dns_kind kind, const char *name,
    dns_cb *cb, void *arg, struct dns_entry *mx_entry, size_t idx);

static struct dns_query *
query_of(struct dns_link *l)
{
	return (struct dns_query *)(void *)((char *)l - offsetof(struct dns_query, link));
}

/* Move the members of list from into the empty list to. */
static void
list_move(struct dns_link *from, struct dns_link *to)
{
	dns_link_init(to);
	if (dns_link_empty(from))
		return;
	to->next = from->next;
	to->prev = from->prev;
	to->next->prev = to;
	to->prev->next = to;
	dns_link_init(from);
}

static void
flush(struct ev_timer *t);

/* Queue q's callback with res (a reference q takes over). */
static void
query_done(struct dns *dns, struct dns_query *q, struct dns_res *res)
{
	q->res = res;
	q->state = DNS_Q_DONE;
	dns_link_append(&dns->done, &q->link);
	if (!ev_timer_armed(&dns->flush))
		(void)ev_timer_at(dns->ev, &dns->flush, ev_now(dns->ev) + (dns->flushing ? 1 : 0),
		    flush, dns);
}

static void
work_free(struct dns_work *w)
{
	size_t i;

	for (i = 0; i < 2; i++)
		dns_qout_free(&w->out[i]);
	for (i = 0; i < w->nmx; i++) {
		free(w->mx[i].name);
		dns_res_unref(w->mx[i].hr);
	}
	free(w->mx);
	free(w);
}

static void step(struct dns_work *w);

/* Entry e is done with result res: cache it and tell its waiters. */
static void
finish(struct dns *dns, struct dns_entry *e, struct dns_res *res)
{
	struct dns_link waiters;

	if (e->work != NULL)
		work_free(e->work);
	dns_cache_done(&dns->cache, e, res);
	/* e may be evicted by what the waiters do: take them first. */
	list_move(&e->waiters, &waiters);
	while (!dns_link_empty(&waiters)) {
		struct dns_query *q = query_of(waiters.next);

		dns_link_del(&q->link);
		if (q->cb != NULL) {
			query_done(dns, q, dns_res_ref(res));
		} else {
			struct dns_work *mw = q->mx_entry->work;

			mw->mx[q->idx].hr = dns_res_ref(res);
			free(q);
			step(mw);
		}
	}
}

static void
ares_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_slot *s = arg;
	struct dns_work *w = s->w;

	(void)timeouts;
	if (w->dns->destroying)
		return;
	dns_qout_set(&w->out[s - w->slot], status, abuf, alen > 0 ? (size_t)alen : 0, w->e->name,
	    s->qtype);
	step(w);
}

/* The MX answer is in: finish, or look up the mail exchangers. */
static void
mx_answered(struct dns_work *w)
{
	struct dns *dns = w->dns;
	struct dns_res *res;
	int64_t now = ev_now(dns->ev);
	size_t i, n = 1;

	res = dns_res_mx_final(w->e->name, &w->out[0], now, &w->implicit, &w->expires);
	if (res != NULL) {
		finish(dns, w->e, res);
		return;
	}
	if (!w->implicit)
		n = dns_res_mx_order(w->out[0].ans.rec, w->out[0].ans.n, &dns->rng);
	if (n > 0 && (w->mx = calloc(n, sizeof *w->mx)) == NULL) {
		finish(dns, w->e, dns_res_oom());
		return;
	}
	for (i = 0; i < n; i++) {
		const char *name = w->implicit ? w->e->name : w->out[0].ans.rec[i].name;

		if ((w->mx[i].name = strdup(name)) == NULL) {
			finish(dns, w->e, dns_res_oom());
			return;
		}
		w->mx[i].pref = w->implicit ? 0 : w->out[0].ans.rec[i].pref;
		w->nmx++;
	}
	w->hosts = true;
	w->pending = n + 1;
	for (i = 0; i < n; i++)
		if (lookup(dns, DNS_KIND_HOST, w->mx[i].name, NULL, NULL, w->e, i) == NULL) {
			w->mx[i].hr = dns_res_oom();
			w->pending--;
		}
	step(w);
}

/* One thing w waited for has come: go on when it was the last. */
static void
step(struct dns_work *w)
{
	int64_t now = ev_now(w->dns->ev);

	if (--w->pending > 0)
		return;
	if (w->e->kind == DNS_KIND_HOST)
		finish(w->dns, w->e, dns_res_host(w->e->name, w->out, w->nout, now));
	else if (!w->hosts)
		mx_answered(w);
	else
		finish(w->dns, w->e, dns_res_mx(w->e->name, w->implicit, w->mx, w->nmx, w->expires, now));
}

/* Start the queries of resolving entry e. */
static void
start(struct dns *dns, struct dns_entry *e)
{
	struct dns_work *w = calloc(1, sizeof *w);
	size_t i;

	if (w == NULL) {
		finish(dns, e, dns_res_oom());
		return;
	}
	w->dns = dns;
	w->e = e;
	e->work = w;
	if (e->kind == DNS_KIND_MX) {
		w->slot[w->nout++].qtype = DNS_WIRE_MX;
	} else {
		if (!(dns->flags & DNS_IPV4_ONLY))
			w->slot[w->nout++].qtype = DNS_WIRE_AAAA;
		w->slot[w->nout++].qtype = DNS_WIRE_A;
	}
	w->pending = w->nout + 1;
	for (i = 0; i < w->nout; i++) {
		w->slot[i].w = w;
		dns_ares_query(dns->ares, e->name, w->slot[i].qtype, ares_done, &w->slot[i]);
	}
	step(w);
}

/* Give q the result res now (internal) or from the loop (a caller's). */
static void
answer(struct dns *dns, struct dns_query *q, struct dns_res *res)
{
	struct dns_work *mw;

	if (q->cb != NULL) {
		query_done(dns, q, res);
		return;
	}
	mw = q->mx_entry->work;
	mw->mx[q->idx].hr = res;
	free(q);
	step(mw);
}

static struct dns_query *
lookup(struct dns *dns, enum dns_kind kind, const char *name, dns_cb *cb, void *arg,
    struct dns_entry *mx_entry, size_t idx)
{
	struct dns_query *q = calloc(1, sizeof *q);
	int64_t now = ev_now(dns->ev);
	char norm[DNS_WIRE_NAME], shown[65];
	unsigned char addr[16];
	struct dns_entry *e;
	int family;
	size_t i;

	if (q == NULL) {
		err_set("out of memory");
		return NULL;
	}
	q->dns = dns;
	q->cb = cb;
	q->arg = arg;
	q->mx_entry = mx_entry;
	q->idx = idx;
	dns_link_init(&q->link);
	/* An address is a smarthost's own answer; as an MX target it is a
	 * name like any other (RFC 5321 section 5.1 does not allow it). */
	if (kind == DNS_KIND_HOST && cb != NULL && dns_name_literal(name, &family, addr, norm)) {
		answer(dns, q, dns_res_literal(norm, family, addr, now));
		return q;
	}
	if (dns_name_norm(name, norm) == -1) {
		for (i = 0; name[i] != '\0' && i < sizeof shown - 1; i++)
			shown[i] = (name[i] > 0x20 && name[i] < 0x7f) ? name[i] : '?';
		shown[i] = '\0';
		answer(dns, q, dns_res_fail(shown, DNS_PERMFAIL, DNS_WHY_NXDOMAIN, "invalid name", now,
		    "DNS lookup of %s%s failed: invalid domain name (#5.1.2)", shown,
		    name[i] != '\0' ? "..." : ""));
		return q;
	}
	e = dns_cache_get(&dns->cache, kind, norm);
	if (e != NULL && dns_cache_is_fresh(e, now)) {
		answer(dns, q, dns_res_ref(e->res));
		return q;
	}
	if (e != NULL && e->resolving) {
		dns_link_append(&e->waiters, &q->link);
		return q;
	}
	if (e != NULL)
		dns_cache_restart(&dns->cache, e);
	else if ((e = dns_cache_add(&dns->cache, kind, norm, now)) == NULL) {
		free(q);
		return NULL;
	}
	dns_link_append(&e->waiters, &q->link);
	start(dns, e);
	return q;
}

struct dns_query *
dns_mx(struct dns *dns, const char *domain, dns_cb *cb, void *arg)
{
	return lookup(dns, DNS_KIND_MX, domain, cb, arg, NULL, 0);
}

struct dns_query *
dns_host(struct dns *dns, const char *host, dns_cb *cb, void *arg)
{
	return lookup(dns, DNS_KIND_HOST, host, cb, arg, NULL, 0);
}

static const struct dns_result *
cached(struct dns *dns, enum dns_kind kind, const char *name)
{
	char norm[DNS_WIRE_NAME];
	struct dns_res *r;

	if (dns_name_norm(name, norm) == -1)
		return NULL;
	r = dns_cache_fresh(&dns->cache, kind, norm, ev_now(dns->ev));
	return r ? &r->r : NULL;
}

const struct dns_result *
dns_mx_cached(struct dns *dns, const char *domain)
{
	return cached(dns, DNS_KIND_MX, domain);
}

const struct dns_result *
dns_host_cached(struct dns *dns, const char *host)
{
	return cached(dns, DNS_KIND_HOST, host);
}

void
dns_cancel(struct dns_query *q)
{
	if (q == NULL || q->state == DNS_Q_RUNNING)
		return;
	dns_link_del(&q->link);
	if (q->state == DNS_Q_DONE)
		dns_res_unref(q->res);
	free(q);
}

const struct dns_result *
dns_result_hold(const struct dns_result *r)
{
	dns_res_ref((struct dns_res *)(void *)r);
	return r;
}

void
dns_result_release(const struct dns_result *r)
{
	if (r != NULL)
		dns_res_unref((struct dns_res *)(void *)r);
}

/* Free the queries of list (none is called back). */
static void
queries_free(struct dns_link *list)
{
	while (!dns_link_empty(list)) {
		struct dns_query *q = query_of(list->next);

		dns_link_del(&q->link);
		dns_res_unref(q->res);
		free(q);
	}
}

static void
entry_drop(struct dns_entry *e, void *arg)
{
	(void)arg;
	queries_free(&e->waiters);
	if (e->work != NULL)
		work_free(e->work);
	e->work = NULL;
}

static void
dns_destroy(struct dns *dns)
{
	dns->destroying = true;
	dns_ares_free(dns->ares);
	dns_cache_free(&dns->cache, entry_drop, NULL);
	queries_free(&dns->done);
	ev_timer_stop(dns->ev, &dns->flush);
	free(dns);
}

static void
flush(struct ev_timer *t)
{
	struct dns *dns = t->arg;
	struct dns_link list;

	dns->flushing = true;
	list_move(&dns->done, &list);
	while (!dns_link_empty(&list) && !dns->dying) {
		struct dns_query *q = query_of(list.next);

		dns_link_del(&q->link);
		q->state = DNS_Q_RUNNING;
		q->cb(q->arg, &q->res->r);
		dns_res_unref(q->res);
		free(q);
	}
	queries_free(&list);
	dns->flushing = false;
	if (dns->dying)
		dns_destroy(dns);
}

void
dns_free(struct dns *dns)
{
	if (dns == NULL)
		return;
	if (dns->flushing) {
		dns->dying = true;
		return;
	}
	dns_destroy(dns);
}

struct dns *
dns_new(struct ev *ev, const char *path, unsigned flags, int timeout_ms, int tries)
{
	struct dns_conf conf = { 0 };
	struct dns *dns;

	if (path != NULL && dns_conf_load(&conf, path) == -1)
		return NULL;
	if ((dns = calloc(1, sizeof *dns)) == NULL) {
		err_set("out of memory");
		return NULL;
	}
	dns->ev = ev;
	dns->flags = flags;
	dns_cache_init(&dns->cache, DNS_CACHE_MAX);
	dns_link_init(&dns->done);
	if (getrandom(&dns->rng, sizeof dns->rng, GRND_NONBLOCK) != (ssize_t)sizeof dns->rng)
		dns->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if ((dns->ares = dns_ares_new(ev, &conf, timeout_ms, tries)) == NULL) {
		free(dns);
		return NULL;
	}
	return dns;
}
