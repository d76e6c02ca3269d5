/* inject_addr: qualifying and checking the addresses of an injected
 * message, as qmail-inject does:
 *  - an address without a domain gets "@" and control/defaulthost;
 *  - a host name ending with '+' has the '+' replaced by "." and
 *    control/plusdomain (by plusdomain alone if the name is just "+");
 *  - otherwise a host name without a dot gets "." and control/defaultdomain
 *    when that file exists (qualified defaulthost included);
 *  - address literals ("[1.2.3.4]") are left alone.
 * Envelope addresses are then checked with addr_envelope_check()
 * (addr_envelope.h). */
#ifndef HERALD_INJECT_ADDR_H
#define HERALD_INJECT_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "buf.h"

struct inject_conf;

/* Set out to the host name h (n bytes) qualified. */
int inject_addr_host(const struct inject_conf *c, const char *h, size_t n, struct buf *out);
/* How to qualify m in its text: drop *del bytes before m->end, insert suffix there. */
int inject_addr_qualify(const struct inject_conf *c, const struct addr_mbox *m,
    struct buf *suffix, size_t *del);
/* Set out to m qualified (internal form). */
int inject_addr_build(const struct inject_conf *c, const struct addr_mbox *m, struct buf *out);
/* Check the internal-form address a (n bytes) as an envelope address. */
int inject_addr_check(const char *a, size_t n);
/* Set out to m qualified (internal form) and check it as an envelope address. */
int inject_addr_final(const struct inject_conf *c, const struct addr_mbox *m, struct buf *out);
/* Parse text as an address list; append each address, qualified and checked,
 * NUL-terminated to out and count them in *count. "<>" is taken (as an empty
 * address) only if allow_null. */
int inject_addr_list(const struct inject_conf *c, const char *text, size_t n, bool allow_null,
    struct buf *out, size_t *count);
/* Prefix the current error text with prefix and ": ". */
void inject_addr_errprefix(const char *prefix);

#endif
