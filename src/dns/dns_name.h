/* dns_name: the names herald looks up. A domain or host name is used in
 * lower case without its final dot, and only when it is made of letters,
 * digits, '-' and '_' in labels of 1 to 63 characters, 253 in all: any
 * other name is refused before a query is made, so that every name that
 * reaches the cache, a query or a failure text is printable and short. A
 * host may also be given as an address, bare or in brackets. Pure. */
#ifndef HERALD_DNS_NAME_H
#define HERALD_DNS_NAME_H

#include <stdbool.h>

#include "dns_wire.h"

/* Put name in lower case without a final dot into out; -1 if it is not a
 * usable domain name. */
int dns_name_norm(const char *name, char out[DNS_WIRE_NAME]);
/* Whether name is an IP address ("192.0.2.1", "2001:db8::1", "[192.0.2.1]",
 * "[IPv6:2001:db8::1]"): then *family, addr and its text in out are set. */
bool dns_name_literal(const char *name, int *family, unsigned char addr[16],
    char out[DNS_WIRE_NAME]);

#endif
