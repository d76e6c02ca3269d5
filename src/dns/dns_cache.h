/* dns_cache: the names herald has looked up, finished or in progress.
 * An entry is keyed by kind (MX or host) and lower-case name. It is
 * either resolving (it has work, and the queries waiting for it) or done
 * (it has a result that expires). A done entry stays until the table is
 * full: then expired entries go (at most one sweep of the whole table per
 * second), then the oldest done ones. Resolving entries are never evicted,
 * so the bound is on finished names and can be exceeded while more names
 * than that are being looked up at once. Pure: now is a parameter (ms).
 *
 * Lists are circular and doubly linked through a struct dns_link head, so
 * a member can leave without knowing which list holds it. */
#ifndef HERALD_DNS_CACHE_H
#define HERALD_DNS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_res.h"

enum dns_kind {
	DNS_KIND_MX = 'm',
	DNS_KIND_HOST = 'h'
};

struct dns_link {
	struct dns_link *prev, *next;
};

struct dns_entry {
	struct dns_entry *hnext;        /* hash chain */
	struct dns_link age;            /* in the cache's age list, oldest first */
	struct dns_link waiters;        /* head: queries waiting for the result */
	enum dns_kind kind;
	bool resolving;
	struct dns_res *res;            /* when done */
	void *work;                     /* while resolving (the resolver's) */
	char name[];
};

struct dns_cache {
	struct dns_entry **bucket;
	size_t nbucket, count, max;     /* nbucket is 0 or a power of two */
	struct dns_link age;            /* head of the age list */
	int64_t swept;                  /* when expired entries were last swept */
};

/* An empty list. */
void dns_link_init(struct dns_link *head);
/* Add l at the end of the list at head. */
void dns_link_append(struct dns_link *head, struct dns_link *l);
/* Take l out of its list (harmless when in none). */
void dns_link_del(struct dns_link *l);
/* Whether the list at head is empty. */
bool dns_link_empty(const struct dns_link *head);

/* An empty cache of at most max done entries. */
void dns_cache_init(struct dns_cache *c, size_t max);
/* The entry for (kind, name), or NULL. */
struct dns_entry *dns_cache_get(const struct dns_cache *c, enum dns_kind kind, const char *name);
/* The unexpired result for (kind, name), or NULL. */
struct dns_res *dns_cache_fresh(const struct dns_cache *c, enum dns_kind kind, const char *name,
    int64_t now);
/* Whether e is done and unexpired at now. */
bool dns_cache_is_fresh(const struct dns_entry *e, int64_t now);
/* A new resolving entry for (kind, name), which must not be there, after
 * making room; NULL when out of memory. */
struct dns_entry *dns_cache_add(struct dns_cache *c, enum dns_kind kind, const char *name,
    int64_t now);
/* Make e resolving again (its old result dropped) and the newest entry. */
void dns_cache_restart(struct dns_cache *c, struct dns_entry *e);
/* Mark e done with result res (the cache takes the reference). */
void dns_cache_done(struct dns_cache *c, struct dns_entry *e, struct dns_res *res);
/* Evict entries until there is room for one more; returns how many went. */
size_t dns_cache_evict(struct dns_cache *c, int64_t now);
/* Remove and free e. */
void dns_cache_del(struct dns_cache *c, struct dns_entry *e);
/* Free every entry, calling drop(e, arg) first if drop is not NULL. */
void dns_cache_free(struct dns_cache *c, void (*drop)(struct dns_entry *, void *), void *arg);

#endif
