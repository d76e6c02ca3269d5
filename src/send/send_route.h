/* send_route: which recipients are local, qmail-send's rules.
 *   control/locals          domains delivered locally, one per line
 *   control/virtualdomains  lines "key:prefix"; key is user@domain, domain,
 *                           .suffix (any subdomain) or empty (everything)
 * An address whose domain is in locals stays as it is and is local. Else
 * the first of: the whole address, the domain, each ".suffix" of it from
 * the longest, "" that is in virtualdomains decides: a non-empty prefix
 * makes it local as prefix-user@domain, an empty prefix keeps it remote.
 * Keys match case-insensitively. An address without '@' is local.
 *   control/discard         one key per line, in virtualdomains' forms
 *                           (user@domain, domain, .suffix): recipients it
 *                           matches are thrown away, whatever else says */
#ifndef HERALD_SEND_ROUTE_H
#define HERALD_SEND_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "strmap.h"

struct send_route {
	struct strmap locals;
	struct strmap vdoms;            /* lower-cased key -> prefix */
	struct strmap discard;          /* lower-cased keys */
	struct buf low;                 /* scratch: the address lower-cased */
};

enum send_route_kind {
	SEND_ROUTE_LOCAL,
	SEND_ROUTE_REMOTE,
	SEND_ROUTE_DISCARD,
};

#define SEND_ROUTE_INIT { STRMAP_INIT, STRMAP_INIT, STRMAP_INIT, BUF_INIT }

/* Load control/locals, control/virtualdomains and control/discard
 * (errors name file:line). */
int send_route_load(struct send_route *r);
/* Add one virtualdomains line; where names file:line for errors. */
int send_route_add_vdom(struct send_route *r, const char *line, const char *where);
/* Add one control/discard line; where names file:line for errors. */
int send_route_add_discard(struct send_route *r, const char *line, const char *where);
/* Add one local domain. */
int send_route_add_local(struct send_route *r, const char *domain);
/* Classify addr; for a local one, out gets the address to deliver to
 * (for the others it is left empty).
 * Called once per recipient: it reuses r's scratch buffer, no allocation. */
enum send_route_kind send_route_classify(struct send_route *r, const char *addr,
    size_t len, struct buf *out);
/* Free the tables. */
void send_route_free(struct send_route *r);

#endif
