/* strmap: string hash table (see strmap.h). Deletion uses backward-shift,
 * so there are no tombstones and probes stay short. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "strmap.h"

static uint64_t
hash(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

static bool
same(const struct strmap_slot *s, const char *key, size_t klen)
{
	return strncmp(s->key, key, klen) == 0 && s->key[klen] == '\0';
}

static size_t
find(const struct strmap *m, const char *key, size_t klen)
{
	size_t i = (size_t)hash(key, klen) & (m->cap - 1);

	while (m->slots[i].key && !same(&m->slots[i], key, klen))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int
grow(struct strmap *m)
{
	struct strmap_slot *old = m->slots, *slots;
	size_t oldcap = m->cap, cap = m->cap ? m->cap * 2 : 16, i, j;

	if ((slots = calloc(cap, sizeof *slots)) == NULL) {
		err_set("out of memory");
		return -1;
	}
	m->slots = slots;
	m->cap = cap;
	for (i = 0; i < oldcap; i++) {
		if (!old[i].key)
			continue;
		j = find(m, old[i].key, strlen(old[i].key));
		m->slots[j] = old[i];
	}
	free(old);
	return 0;
}

int
strmap_put(struct strmap *m, const char *key, size_t klen, const char *val)
{
	struct strmap_slot *s;
	char *k = NULL, *v = NULL;
	size_t i;

	if ((m->count + 1) * 4 > m->cap * 3 && grow(m) == -1)
		return -1;
	i = find(m, key, klen);
	s = &m->slots[i];
	if (val && (v = strdup(val)) == NULL)
		goto oom;
	if (s->key) {
		free(s->val);
		s->val = v;
		return 0;
	}
	if ((k = malloc(klen + 1)) == NULL)
		goto oom;
	memcpy(k, key, klen);
	k[klen] = '\0';
	s->key = k;
	s->val = v;
	s->ptr = NULL;
	m->count++;
	return 0;
oom:
	free(v);
	err_set("out of memory");
	return -1;
}

int
strmap_put_ptr(struct strmap *m, const char *key, size_t klen, void *ptr)
{
	if (strmap_put(m, key, klen, NULL) == -1)
		return -1;
	m->slots[find(m, key, klen)].ptr = ptr;
	return 0;
}

void *
strmap_ptr(const struct strmap *m, const char *key, size_t klen)
{
	const struct strmap_slot *s = strmap_get(m, key, klen);

	return s ? s->ptr : NULL;
}

const struct strmap_slot *
strmap_get(const struct strmap *m, const char *key, size_t klen)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	i = find(m, key, klen);
	return m->slots[i].key ? &m->slots[i] : NULL;
}

bool
strmap_del(struct strmap *m, const char *key, size_t klen)
{
	size_t i, j, k;

	if (m->cap == 0)
		return false;
	i = find(m, key, klen);
	if (!m->slots[i].key)
		return false;
	free(m->slots[i].key);
	free(m->slots[i].val);
	m->slots[i].key = m->slots[i].val = NULL;
	m->count--;
	/* backward-shift the cluster after i */
	for (j = (i + 1) & (m->cap - 1); m->slots[j].key; j = (j + 1) & (m->cap - 1)) {
		k = (size_t)hash(m->slots[j].key, strlen(m->slots[j].key)) & (m->cap - 1);
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			m->slots[i] = m->slots[j];
			m->slots[j].key = m->slots[j].val = NULL;
			i = j;
		}
	}
	return true;
}

void
strmap_free(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		free(m->slots[i].key);
		free(m->slots[i].val);
	}
	free(m->slots);
	m->slots = NULL;
	m->cap = m->count = 0;
}
