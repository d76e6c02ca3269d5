/* dns_wire: reading a DNS answer message (RFC 1035 section 4) as it comes
 * from the server, for the records c-ares does not hand over with their
 * TTLs. Pure code: no I/O, no clock.
 *
 * Every read is bounds-checked against the message length; compression
 * pointers must point before the name that uses them (so they cannot
 * loop); a name longer than 255 octets or with a label over 63 is
 * malformed. A malformed message is an error as a whole. A well-formed
 * record whose name has characters other than printable ASCII (no space,
 * '.' or '\' inside a label) is skipped, so names given out are always
 * safe to print and to query. Names are given lower-case, without the
 * final dot; the root is "". */
#ifndef HERALD_DNS_WIRE_H
#define HERALD_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_WIRE_NAME 256               /* a name with its NUL fits */
#define DNS_WIRE_NOTTL UINT32_MAX       /* ttl when no record was used */

enum {
	DNS_WIRE_A = 1,
	DNS_WIRE_CNAME = 5,
	DNS_WIRE_SOA = 6,
	DNS_WIRE_MX = 15,
	DNS_WIRE_AAAA = 28
};

enum {
	DNS_WIRE_NOERROR = 0,
	DNS_WIRE_SERVFAIL = 2,
	DNS_WIRE_NXDOMAIN = 3
};

struct dns_wire_rec {
	unsigned pref;                  /* MX: the preference */
	char name[DNS_WIRE_NAME];       /* MX: the target ("" for a null MX) */
	unsigned char addr[16];         /* A: 4 bytes; AAAA: 16 bytes */
};

/* What an answer says about one (name, type) question. The records are
 * those of the asked type owned by the end of the CNAME chain that starts
 * at the asked name (answers for other names are ignored). */
struct dns_wire_ans {
	int rcode;                      /* the header's response code */
	uint32_t ttl;                   /* smallest TTL of the records and CNAMEs used */
	bool soa;                       /* the authority section has an SOA */
	uint32_t soa_ttl;               /* min(SOA TTL, SOA MINIMUM): negative caching */
	size_t n, cap;
	struct dns_wire_rec *rec;
	size_t skipped;                 /* records of the type left out: unprintable names */
};

#define DNS_WIRE_ANS_INIT { 0, DNS_WIRE_NOTTL, false, 0, 0, 0, NULL, 0 }

/* Parse msg (len bytes) as the answer to (qname, qtype) into a (which is
 * reset first); -1 if the message is malformed (err_set says where). */
int dns_wire_parse(const unsigned char *msg, size_t len, const char *qname, int qtype,
    struct dns_wire_ans *a);
/* Read the name at *off in msg into out; *off moves past it (past the
 * first pointer when compressed); *usable tells whether it is printable.
 * Returns -1 if malformed. */
int dns_wire_name(const unsigned char *msg, size_t len, size_t *off, char out[DNS_WIRE_NAME],
    bool *usable);
/* A record's TTL as RFC 2181 section 8 reads it (top bit set: 0). */
uint32_t dns_wire_ttl(uint32_t raw);
/* Free the records of a. */
void dns_wire_free(struct dns_wire_ans *a);

#endif
