/* dns_res: turning parsed answers into lookup results (see dns.h for the
 * rules): what one query's outcome means, the order of mail exchangers,
 * null and implicit MX, how long a result may be kept, and the failure
 * texts. Pure code: times are parameters (milliseconds on the ev_now()
 * clock) and randomness comes from a state the caller seeds.
 *
 * A result is reference-counted: the cache holds one reference, each
 * callback in progress another. Functions that build a result give the
 * static out-of-memory result (refs 0, already expired) when they cannot
 * allocate, never NULL. */
#ifndef HERALD_DNS_RES_H
#define HERALD_DNS_RES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "dns_wire.h"

#define DNS_TTL_TEMP 30                 /* seconds a temporary failure is kept */
#define DNS_TTL_NEG_MIN 30              /* bounds of a negative TTL */
#define DNS_TTL_NEG_DEFAULT 300         /* a negative answer without an SOA */
#define DNS_TTL_MAX 86400               /* no result is kept longer */
#define DNS_REASON 80                   /* a short reason with its NUL */

enum dns_why {
	DNS_WHY_OK,
	DNS_WHY_NXDOMAIN,               /* the name does not exist */
	DNS_WHY_NODATA,                 /* it exists, without the records wanted */
	DNS_WHY_TEMP                    /* no answer yet: try again later */
};

struct dns_res {
	struct dns_result r;            /* first: what callers see */
	unsigned refs;                  /* 0: the static out-of-memory result */
	enum dns_why why;
	char reason[DNS_REASON];        /* "host not found", "timed out", ... */
	int64_t expires;                /* when it leaves the cache (ms) */
};

/* The outcome of one query (ares_query's status and answer). */
struct dns_qout {
	int qtype;                      /* DNS_WIRE_A, _AAAA or _MX */
	enum dns_why kind;              /* DNS_WHY_OK: there are records */
	uint32_t ttl;                   /* seconds the outcome may be kept */
	char reason[DNS_REASON];        /* unless DNS_WHY_OK */
	struct dns_wire_ans ans;
};

/* One mail exchanger being looked up, and its address result once known. */
struct dns_mxrec {
	char *name;
	unsigned pref;
	struct dns_res *hr;
};

/* Classify ares_query's (status, abuf) for (qname, qtype) into o. */
void dns_qout_set(struct dns_qout *o, int status, const unsigned char *abuf, size_t alen,
    const char *qname, int qtype);
/* Free what o holds. */
void dns_qout_free(struct dns_qout *o);
/* Seconds to keep a negative answer: the SOA's, or 300, within [30, 86400]. */
uint32_t dns_ttl_neg(bool soa, uint32_t soa_ttl);
/* Seconds to keep a positive answer whose smallest TTL is ttl (<= 86400). */
uint32_t dns_ttl_pos(uint32_t ttl);
/* The next number of the random sequence in *state (splitmix64). */
uint64_t dns_res_rand(uint64_t *state);
/* Sort MX records by preference, shuffle those of equal preference, drop
 * root targets and repeated hosts, keep DNS_MX_MAX; returns how many are
 * left at the front of v. */
size_t dns_res_mx_order(struct dns_wire_rec *v, size_t n, uint64_t *rng);
/* Whether the MX records are a null MX (every target the root). */
bool dns_res_nullmx(const struct dns_wire_ans *a);
/* The result an MX query decides alone (temporary failure, NXDOMAIN, null
 * MX), or NULL when mail exchangers must be looked up: then *implicit
 * tells whether the domain stands for itself and *expires how long the MX
 * part of the answer may be kept. */
struct dns_res *dns_res_mx_final(const char *domain, const struct dns_qout *mx, int64_t now,
    bool *implicit, int64_t *expires);
/* The MX result from the mail exchangers h[0..n) in order and their
 * address results; expires bounds how long it is kept. */
struct dns_res *dns_res_mx(const char *domain, bool implicit, const struct dns_mxrec *h, size_t n,
    int64_t expires, int64_t now);
/* The address result of host from its queries q[0..nq) (IPv6 first). */
struct dns_res *dns_res_host(const char *name, const struct dns_qout *q, size_t nq, int64_t now);
/* The result for an address given as a host name (family AF_INET or AF_INET6). */
struct dns_res *dns_res_literal(const char *name, int family, const unsigned char *addr,
    int64_t now);
/* A failure result with text from fmt. */
struct dns_res *dns_res_fail(const char *name, enum dns_status st, enum dns_why why,
    const char *reason, int64_t expires, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The static "out of memory" temporary failure. */
struct dns_res *dns_res_oom(void);
/* Take a reference to r; returns r. */
struct dns_res *dns_res_ref(struct dns_res *r);
/* Drop a reference to r, freeing it with the last one. */
void dns_res_unref(struct dns_res *r);

#endif
