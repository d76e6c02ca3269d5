/* addr_envelope: RFC 5321 Mailbox, the envelope form of an address:
 * a dot-string or quoted local part, '@', and a host name (labels of
 * letters, digits and '-', at most 63 bytes each, 255 in all) or an
 * address literal ("[192.0.2.1]", "[IPv6:2001:db8::1]", "[tag:text]").
 * Addresses in herald's internal form (addr.h) are turned into this form
 * by addr_envelope_quote(). No address is longer than ADDR_MAX bytes. */
#ifndef HERALD_ADDR_ENVELOPE_H
#define HERALD_ADDR_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Check that a (n bytes) is an RFC 5321 Mailbox; the error names the address and what is wrong. */
int addr_envelope_check(const char *a, size_t n);
/* Append the internal-form address a (n bytes) to out in RFC 5321 form. */
int addr_envelope_quote(struct buf *out, const char *a, size_t n);
/* True if s (n bytes) is an RFC 5321 Dot-string (a local part that needs no quoting). */
bool addr_envelope_dot_string(const char *s, size_t n);

#endif
