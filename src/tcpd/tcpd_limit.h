/* tcpd_limit: how many connections each client address has open, for
 * herald-tcpd's per-client limit. A hash table keyed by the 16-byte address
 * (tcpd_rules_addr), open addressing with linear probing and backward-shift
 * deletion (no tombstones). Invariants: only addresses with a count > 0 are
 * stored, so the table holds at most one entry per live child; it is at
 * most half full (it doubles before that), and every lookup ends at an
 * empty slot. Memory grows with the peak number of distinct live clients. */
#ifndef HERALD_TCPD_LIMIT_H
#define HERALD_TCPD_LIMIT_H

#include <stddef.h>

struct tcpd_limit_slot {
	unsigned char addr[16];
	unsigned count;                 /* 0: an empty slot */
};

struct tcpd_limit {
	struct tcpd_limit_slot *slots;
	size_t cap, used;               /* cap is 0 or a power of two */
};

#define TCPD_LIMIT_INIT { NULL, 0, 0 }

/* The number of connections counted for addr (0 if none). */
unsigned tcpd_limit_count(const struct tcpd_limit *l, const unsigned char addr[16]);
/* Count one more connection from addr; returns the new count, or -1. */
int tcpd_limit_add(struct tcpd_limit *l, const unsigned char addr[16]);
/* Count one connection less from addr (forgetting it at zero). */
void tcpd_limit_del(struct tcpd_limit *l, const unsigned char addr[16]);
/* Free the table. */
void tcpd_limit_free(struct tcpd_limit *l);

#endif
