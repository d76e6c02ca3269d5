/* tcpd_limit: per-client connection counts (see tcpd_limit.h). A probe
 * sequence is at most as long as the number of live clients, which -c
 * bounds, so a client choosing many addresses cannot make lookups costly
 * beyond that. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tcpd_limit.h"

static size_t
tcpd_limit_hash(const unsigned char addr[16])
{
	uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a, then a finalizer */
	size_t i;

	for (i = 0; i < 16; i++) {
		h ^= addr[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h;
}

/* The slot holding addr, or the empty slot where it would go. */
static size_t
tcpd_limit_find(const struct tcpd_limit *l, const unsigned char addr[16])
{
	size_t i = tcpd_limit_hash(addr) & (l->cap - 1);

	while (l->slots[i].count != 0 && memcmp(l->slots[i].addr, addr, 16) != 0)
		i = (i + 1) & (l->cap - 1);
	return i;
}

static int
tcpd_limit_grow(struct tcpd_limit *l)
{
	struct tcpd_limit old = *l;
	size_t i, j, cap = l->cap ? l->cap * 2 : 16;

	if ((l->slots = calloc(cap, sizeof *l->slots)) == NULL) {
		*l = old;
		err_set("out of memory");
		return -1;
	}
	l->cap = cap;
	for (i = 0; i < old.cap; i++) {
		if (old.slots[i].count == 0)
			continue;
		j = tcpd_limit_find(l, old.slots[i].addr);
		l->slots[j] = old.slots[i];
	}
	free(old.slots);
	return 0;
}

unsigned
tcpd_limit_count(const struct tcpd_limit *l, const unsigned char addr[16])
{
	if (l->cap == 0)
		return 0;
	return l->slots[tcpd_limit_find(l, addr)].count;
}

int
tcpd_limit_add(struct tcpd_limit *l, const unsigned char addr[16])
{
	size_t i;

	if ((l->used + 1) * 2 > l->cap && tcpd_limit_grow(l) == -1)
		return -1;
	i = tcpd_limit_find(l, addr);
	if (l->slots[i].count == 0) {
		memcpy(l->slots[i].addr, addr, 16);
		l->used++;
	}
	l->slots[i].count++;
	return (int)l->slots[i].count;
}

void
tcpd_limit_del(struct tcpd_limit *l, const unsigned char addr[16])
{
	size_t i, j, home, mask = l->cap - 1;

	if (l->cap == 0)
		return;
	i = tcpd_limit_find(l, addr);
	if (l->slots[i].count == 0)
		return;
	if (--l->slots[i].count > 0)
		return;
	l->used--;
	/* backward shift: move later entries of the run into the hole when
	 * their home slot does not lie cyclically in (i, j] */
	for (j = (i + 1) & mask; l->slots[j].count != 0; j = (j + 1) & mask) {
		home = tcpd_limit_hash(l->slots[j].addr) & mask;
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		l->slots[i] = l->slots[j];
		l->slots[j].count = 0;
		i = j;
	}
}

void
tcpd_limit_free(struct tcpd_limit *l)
{
	free(l->slots);
	l->slots = NULL;
	l->cap = l->used = 0;
}
