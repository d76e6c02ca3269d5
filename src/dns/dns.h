/* dns: asynchronous DNS for herald-remote: where to deliver a domain's
 * mail, and the addresses of one host (a smarthost from
 * control/smtproutes). c-ares does the queries on herald's event loop
 * (src/net/ev.h); answers are cached for their TTLs.
 *
 * MX lookup of a domain (RFC 5321 section 5.1, RFC 7505):
 *   - the mail exchangers in preference order (lowest first; those of equal
 *     preference in a random order, drawn each time the answer is looked up
 *     anew), each with its addresses, IPv6 first (none with DNS_IPV4_ONLY);
 *     at most DNS_MX_MAX hosts, at most DNS_ADDR_MAX addresses of each family;
 *   - no MX records: the domain itself is the one host (preference 0),
 *     implicit set; without addresses either, a permanent failure (5.4.4);
 *   - a null MX (MX records whose only target is ".") is a permanent
 *     failure (5.1.10); a "." among other targets is left out;
 *   - NXDOMAIN is a permanent failure (5.1.2);
 *   - server failure, refusal, time-out, unreachable servers, a malformed
 *     answer: a temporary failure (4.4.3). The next resolver is asked when
 *     one does not answer or cannot be reached; an answer, even SERVFAIL
 *     or REFUSED, is believed;
 *   - CNAMEs are followed, for the domain and for the mail exchangers;
 *   - a mail exchanger whose addresses cannot be found is left out; if none
 *     is left, the failure is permanent (5.4.4) when every one of them does
 *     not exist or has no address (NXDOMAIN or no A/AAAA records), else
 *     temporary (4.4.3).
 * Host lookup: the same result with one host (preference 0): NXDOMAIN or
 * no address is permanent (5.4.4), the rest as above. An IP address
 * ("192.0.2.1", "2001:db8::1", or in brackets "[192.0.2.1]",
 * "[IPv6:2001:db8::1]") is its own answer, without a query (an MX record
 * naming an address is looked up as a name, and so normally left out).
 * A name with characters other than letters, digits, '-', '_' and dots, or
 * too long, is a permanent failure (5.1.2) without a query.
 * Every failure has a one-line text that ends with its enhanced status
 * code, e.g. "DNS lookup of example.org failed: server failure (#4.4.3)".
 *
 * Cache: a result is kept until the smallest TTL of the records it used
 * (MX, CNAME, A and AAAA records, at most one day); NXDOMAIN and "no
 * data" for the negative TTL of the SOA that comes with them (RFC 2308),
 * 300 s without one, and a null MX for its record's TTL, each kept within
 * [30 s, 1 day]; a temporary failure for 30 s. Lookups of a
 * name already being looked up wait for the same queries. At most
 * DNS_CACHE_MAX names are kept: when full, expired ones go first, then the
 * oldest. Time is ev_now().
 *
 * Lifetimes: a callback is always called from the event loop, never from
 * inside the call that started the lookup, and exactly once unless the
 * lookup is cancelled first. The result given to a callback is valid until
 * the callback returns; dns_result_hold() keeps it (or a cached one)
 * longer, even past dns_free(). A result from
 * dns_mx_cached() or dns_host_cached() is valid until the next call to a
 * dns function or the return to the event loop, whichever is first.
 * Addresses have port 0: the caller sets the port. */
#ifndef HERALD_DNS_H
#define HERALD_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "ev.h"

#define DNS_IPV4_ONLY 1u                /* dns_new: ask for A records only */

#define DNS_MX_MAX 32                   /* mail exchangers in one result */
#define DNS_ADDR_MAX 16                 /* addresses of each family per host */
#define DNS_CACHE_MAX 100000            /* names in the cache */

enum dns_status {
	DNS_OK,
	DNS_TEMPFAIL,
	DNS_PERMFAIL
};

struct dns_mx_host {
	const char *name;               /* lower case, no final dot */
	unsigned pref;
	size_t naddr;
	struct sockaddr_storage *addr;  /* AF_INET6 ones first, port 0 */
};

struct dns_result {
	enum dns_status status;
	const char *name;               /* the name looked up (lower case) */
	const char *text;               /* "" for DNS_OK; else why, with "(#X.Y.Z)" */
	bool implicit;                  /* no MX records: the domain is its own host */
	size_t nhost;                   /* 0 unless DNS_OK */
	struct dns_mx_host *host;
};

struct dns;
struct dns_query;

/* Called once with the result of a lookup. */
typedef void dns_cb(void *arg, const struct dns_result *res);

/* A resolver on ev asking the servers of the resolvers file at path (NULL
 * or missing: the system's), timeout_ms for a first try and tries tries
 * per server (0: c-ares' defaults); NULL on error (err_str() says why,
 * naming file and line for a bad resolvers file). */
struct dns *dns_new(struct ev *ev, const char *path, unsigned flags, int timeout_ms, int tries);
/* Stop every lookup (their callbacks are not called) and free everything
 * but results held with dns_result_hold(). May be called from a callback. */
void dns_free(struct dns *dns);
/* The cached, unexpired MX result for domain, or NULL. */
const struct dns_result *dns_mx_cached(struct dns *dns, const char *domain);
/* The cached, unexpired address result for host, or NULL. */
const struct dns_result *dns_host_cached(struct dns *dns, const char *host);
/* Look up where mail for domain goes; cb(arg, result) later. NULL only
 * when out of memory. */
struct dns_query *dns_mx(struct dns *dns, const char *domain, dns_cb *cb, void *arg);
/* Look up the addresses of host; cb(arg, result) later. */
struct dns_query *dns_host(struct dns *dns, const char *host, dns_cb *cb, void *arg);
/* Forget a lookup whose callback has not been called: it never will be. */
void dns_cancel(struct dns_query *q);
/* Keep r valid until dns_result_release(r); returns r. */
const struct dns_result *dns_result_hold(const struct dns_result *r);
/* Release a result held with dns_result_hold(). */
void dns_result_release(const struct dns_result *r);

#endif
