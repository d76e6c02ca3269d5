/* dns_cache: the table of looked-up names (see dns_cache.h). Chained
 * hashing, doubled when there are more entries than buckets. */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dns_cache.h"
#include "err.h"

#define DNS_CACHE_SWEEP_MS 1000         /* at most one full sweep a second */

void
dns_link_init(struct dns_link *head)
{
	head->prev = head->next = head;
}

void
dns_link_append(struct dns_link *head, struct dns_link *l)
{
	l->prev = head->prev;
	l->next = head;
	head->prev->next = l;
	head->prev = l;
}

void
dns_link_del(struct dns_link *l)
{
	if (l->next == NULL || l->next == l)
		return;
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = l;
}

bool
dns_link_empty(const struct dns_link *head)
{
	return head->next == head;
}

static struct dns_entry *
entry_of_age(struct dns_link *l)
{
	return (struct dns_entry *)(void *)((char *)l - offsetof(struct dns_entry, age));
}

static size_t
hash(enum dns_kind kind, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (unsigned)kind;   /* FNV-1a */

	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	return (size_t)h;
}

void
dns_cache_init(struct dns_cache *c, size_t max)
{
	memset(c, 0, sizeof *c);
	c->max = max > 0 ? max : 1;
	dns_link_init(&c->age);
	c->swept = INT64_MIN;
}

struct dns_entry *
dns_cache_get(const struct dns_cache *c, enum dns_kind kind, const char *name)
{
	struct dns_entry *e;

	if (c->nbucket == 0)
		return NULL;
	for (e = c->bucket[hash(kind, name) & (c->nbucket - 1)]; e; e = e->hnext)
		if (e->kind == kind && strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

bool
dns_cache_is_fresh(const struct dns_entry *e, int64_t now)
{
	return !e->resolving && e->res != NULL && e->res->expires > now;
}

struct dns_res *
dns_cache_fresh(const struct dns_cache *c, enum dns_kind kind, const char *name, int64_t now)
{
	struct dns_entry *e = dns_cache_get(c, kind, name);

	return e && dns_cache_is_fresh(e, now) ? e->res : NULL;
}

static int
grow(struct dns_cache *c)
{
	size_t n = c->nbucket ? c->nbucket * 2 : 64, i;
	struct dns_entry **b = calloc(n, sizeof *b), *e, *next;

	if (b == NULL) {
		err_set("out of memory");
		return -1;
	}
	for (i = 0; i < c->nbucket; i++)
		for (e = c->bucket[i]; e; e = next) {
			size_t h = hash(e->kind, e->name) & (n - 1);

			next = e->hnext;
			e->hnext = b[h];
			b[h] = e;
		}
	free(c->bucket);
	c->bucket = b;
	c->nbucket = n;
	return 0;
}

void
dns_cache_del(struct dns_cache *c, struct dns_entry *e)
{
	struct dns_entry **p = &c->bucket[hash(e->kind, e->name) & (c->nbucket - 1)];

	while (*p != e)
		p = &(*p)->hnext;
	*p = e->hnext;
	dns_link_del(&e->age);
	dns_res_unref(e->res);
	c->count--;
	free(e);
}

size_t
dns_cache_evict(struct dns_cache *c, int64_t now)
{
	struct dns_link *l, *next;
	size_t gone = 0;

	if (c->count < c->max)
		return 0;
	if (c->swept == INT64_MIN || now - c->swept >= DNS_CACHE_SWEEP_MS) {
		c->swept = now;
		for (l = c->age.next; l != &c->age; l = next) {
			struct dns_entry *e = entry_of_age(l);

			next = l->next;
			if (!e->resolving && (e->res == NULL || e->res->expires <= now)) {
				dns_cache_del(c, e);
				gone++;
			}
		}
	}
	for (l = c->age.next; c->count >= c->max && l != &c->age; l = next) {
		struct dns_entry *e = entry_of_age(l);

		next = l->next;
		if (!e->resolving) {
			dns_cache_del(c, e);
			gone++;
		}
	}
	return gone;
}

struct dns_entry *
dns_cache_add(struct dns_cache *c, enum dns_kind kind, const char *name, int64_t now)
{
	size_t len = strlen(name), h;
	struct dns_entry *e;

	dns_cache_evict(c, now);
	if (c->count >= c->nbucket && grow(c) == -1)
		return NULL;
	if ((e = calloc(1, sizeof *e + len + 1)) == NULL) {
		err_set("out of memory");
		return NULL;
	}
	memcpy(e->name, name, len + 1);
	e->kind = kind;
	e->resolving = true;
	dns_link_init(&e->waiters);
	dns_link_append(&c->age, &e->age);
	h = hash(kind, name) & (c->nbucket - 1);
	e->hnext = c->bucket[h];
	c->bucket[h] = e;
	c->count++;
	return e;
}

void
dns_cache_restart(struct dns_cache *c, struct dns_entry *e)
{
	dns_res_unref(e->res);
	e->res = NULL;
	e->resolving = true;
	dns_link_del(&e->age);
	dns_link_append(&c->age, &e->age);
}

void
dns_cache_done(struct dns_cache *c, struct dns_entry *e, struct dns_res *res)
{
	(void)c;
	dns_res_unref(e->res);
	e->res = res;
	e->resolving = false;
	e->work = NULL;
}

void
dns_cache_free(struct dns_cache *c, void (*drop)(struct dns_entry *, void *), void *arg)
{
	while (!dns_link_empty(&c->age)) {
		struct dns_entry *e = entry_of_age(c->age.next);

		if (drop != NULL)
			drop(e, arg);
		dns_cache_del(c, e);
	}
	free(c->bucket);
	c->bucket = NULL;
	c->nbucket = 0;
}
