/* strmap: a string-keyed hash table (open addressing, linear probing).
 * Keys and values are copied into the table; a value may be NULL (a set).
 * A key may instead carry a pointer (strmap_put_ptr), which is not copied.
 * Lookups cost one hash and a short probe, so routing a million recipients
 * does not scan lists. Keys compare case-sensitively; callers fold case
 * when the keys are case-insensitive (domains). */
#ifndef HERALD_STRMAP_H
#define HERALD_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap_slot {
	char *key;
	char *val;
	void *ptr;                      /* strmap_put_ptr's value (not owned) */
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap, count;              /* cap is 0 or a power of two */
};

#define STRMAP_INIT { NULL, 0, 0 }

/* Insert or replace key (klen bytes) with val (NULL allowed). */
int strmap_put(struct strmap *m, const char *key, size_t klen, const char *val);
/* The slot of key, or NULL; slot->val is the value. */
const struct strmap_slot *strmap_get(const struct strmap *m, const char *key, size_t klen);
/* Insert or replace key with a pointer the caller owns (val stays NULL). */
int strmap_put_ptr(struct strmap *m, const char *key, size_t klen, void *ptr);
/* The pointer stored for key, or NULL. */
void *strmap_ptr(const struct strmap *m, const char *key, size_t klen);
/* Remove key; true if it was there. */
bool strmap_del(struct strmap *m, const char *key, size_t klen);
/* Free everything. */
void strmap_free(struct strmap *m);

#endif
