/* dns_ares: a c-ares channel driven by herald's event loop. c-ares tells
 * which sockets it wants watched (ARES_OPT_SOCK_STATE_CB): each gets an
 * ev_io, whose events go to ares_process_fd(); one ev_timer follows
 * ares_timeout() and runs c-ares' time-outs and retries. After every call
 * into c-ares the timer is set again from ares_timeout().
 *
 * A query's callback may run from inside dns_ares_query() (for a name
 * c-ares cannot send), from the event loop, or from dns_ares_free() with
 * ARES_EDESTRUCTION. Queries never search domains (ares_query). */
#ifndef HERALD_DNS_ARES_H
#define HERALD_DNS_ARES_H

#include <ares.h>

#include "dns_conf.h"
#include "ev.h"

struct dns_ares;

/* A channel on ev asking the servers of conf (none: the system's),
 * timeout_ms and tries when > 0; NULL on error (err_str()). */
struct dns_ares *dns_ares_new(struct ev *ev, const struct dns_conf *conf, int timeout_ms,
    int tries);
/* Ask for the records of type qtype (class IN) of name. */
void dns_ares_query(struct dns_ares *a, const char *name, int qtype, ares_callback cb, void *arg);
/* Destroy the channel: pending callbacks get ARES_EDESTRUCTION. */
void dns_ares_free(struct dns_ares *a);

#endif
