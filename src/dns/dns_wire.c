/* dns_wire: reading DNS answer messages (see dns_wire.h).
 * The message is walked three times: once to check the answer and
 * authority sections and find the SOA, once per CNAME hop to follow the
 * chain from the asked name, and once to collect the records of the end
 * of the chain. A chain longer than DNS_WIRE_HOPS ends where it is. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dns_wire.h"
#include "err.h"

#define DNS_WIRE_HOPS 16
#define DNS_WIRE_IN 1                   /* the Internet class */

/* The fixed part of one resource record and where its data is. */
struct dns_wire_rr {
	char owner[DNS_WIRE_NAME];
	bool usable;
	unsigned type, cls;
	uint32_t ttl;
	size_t rdoff, rdlen;
};

static unsigned
u16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t
u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint32_t
dns_wire_ttl(uint32_t raw)
{
	return raw > 0x7fffffffu ? 0 : raw;
}

int
dns_wire_name(const unsigned char *msg, size_t len, size_t *off, char out[DNS_WIRE_NAME],
    bool *usable)
{
	size_t pos = *off, end = 0, lowest = *off, outlen = 0, wire = 1, i;
	bool jumped = false;
	unsigned c;

	*usable = true;
	for (;;) {
		if (pos >= len) {
			err_set("name runs past the end of the message");
			return -1;
		}
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t to;

			if (pos + 1 >= len) {
				err_set("name runs past the end of the message");
				return -1;
			}
			to = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			if (to >= lowest) {
				err_set("compression pointer at %zu does not point backwards", pos);
				return -1;
			}
			if (!jumped)
				end = pos + 2;
			jumped = true;
			lowest = pos = to;
			continue;
		}
		if (c & 0xc0) {
			err_set("unknown label type at %zu", pos);
			return -1;
		}
		pos++;
		if (c == 0)
			break;
		if (c > len - pos) {
			err_set("label runs past the end of the message");
			return -1;
		}
		wire += c + 1;
		if (wire > 255) {
			err_set("name longer than 255 octets");
			return -1;
		}
		if (outlen > 0)
			out[outlen++] = '.';
		for (i = 0; i < c; i++) {
			unsigned char ch = msg[pos + i];

			if (ch < 0x21 || ch > 0x7e || ch == '.' || ch == '\\') {
				*usable = false;
				ch = '?';
			}
			out[outlen++] = (char)tolower(ch);
		}
		pos += c;
	}
	out[outlen] = '\0';
	*off = jumped ? end : pos;
	return 0;
}

/* Read the record at *off into rr and move *off past it. */
static int
rr_read(const unsigned char *msg, size_t len, size_t *off, struct dns_wire_rr *rr)
{
	if (dns_wire_name(msg, len, off, rr->owner, &rr->usable) == -1)
		return -1;
	if (len - *off < 10) {
		err_set("record runs past the end of the message");
		return -1;
	}
	rr->type = u16(msg + *off);
	rr->cls = u16(msg + *off + 2);
	rr->ttl = dns_wire_ttl(u32(msg + *off + 4));
	rr->rdlen = u16(msg + *off + 8);
	rr->rdoff = *off + 10;
	if (rr->rdlen > len - rr->rdoff) {
		err_set("record data runs past the end of the message");
		return -1;
	}
	*off = rr->rdoff + rr->rdlen;
	return 0;
}

/* Read a name that must lie inside the record data of rr, from *off. */
static int
rr_name(const unsigned char *msg, const struct dns_wire_rr *rr, size_t *off,
    char out[DNS_WIRE_NAME], bool *usable)
{
	/* Reading within rdoff+rdlen keeps the name inside the record; a
	 * pointer may still go back to any earlier part of the message. */
	if (dns_wire_name(msg, rr->rdoff + rr->rdlen, off, out, usable) == -1) {
		err_set("bad name in record data at %zu", rr->rdoff);
		return -1;
	}
	return 0;
}

static void
ttl_min(uint32_t *ttl, uint32_t t)
{
	if (t < *ttl)
		*ttl = t;
}

static int
rec_add(struct dns_wire_ans *a, struct dns_wire_rec **r)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 4;
		struct dns_wire_rec *v = realloc(a->rec, cap * sizeof *v);

		if (v == NULL) {
			err_set("out of memory");
			return -1;
		}
		a->rec = v;
		a->cap = cap;
	}
	*r = &a->rec[a->n++];
	memset(*r, 0, sizeof **r);
	return 0;
}

/* The authority section: find the first SOA of class IN. */
static int
authority(const unsigned char *msg, size_t len, size_t off, unsigned count, struct dns_wire_ans *a)
{
	struct dns_wire_rr rr;
	char name[DNS_WIRE_NAME];
	bool usable;
	unsigned i;

	for (i = 0; i < count; i++) {
		if (rr_read(msg, len, &off, &rr) == -1)
			return -1;
		if (rr.type != DNS_WIRE_SOA || rr.cls != DNS_WIRE_IN || a->soa)
			continue;
		size_t p = rr.rdoff, rdend = rr.rdoff + rr.rdlen;

		if (rr_name(msg, &rr, &p, name, &usable) == -1 ||
		    rr_name(msg, &rr, &p, name, &usable) == -1)
			return -1;
		if (rdend - p < 20) {
			err_set("SOA record too short");
			return -1;
		}
		a->soa = true;
		a->soa_ttl = rr.ttl;
		ttl_min(&a->soa_ttl, dns_wire_ttl(u32(msg + p + 16)));
	}
	return 0;
}

/* One record of the asked type owned by cur: keep it. */
static int
collect(const unsigned char *msg, const struct dns_wire_rr *rr, int qtype, struct dns_wire_ans *a)
{
	struct dns_wire_rec *r;
	char name[DNS_WIRE_NAME];
	bool usable = true;
	size_t p = rr->rdoff + 2;

	if ((qtype == DNS_WIRE_A && rr->rdlen != 4) || (qtype == DNS_WIRE_AAAA && rr->rdlen != 16) ||
	    (qtype == DNS_WIRE_MX && rr->rdlen < 3)) {
		err_set("record of type %d with %zu bytes of data", qtype, rr->rdlen);
		return -1;
	}
	if (qtype == DNS_WIRE_MX) {
		if (rr_name(msg, rr, &p, name, &usable) == -1)
			return -1;
		if (!usable) {
			a->skipped++;
			return 0;
		}
	}
	if (rec_add(a, &r) == -1)
		return -1;
	if (qtype == DNS_WIRE_MX) {
		r->pref = u16(msg + rr->rdoff);
		memcpy(r->name, name, sizeof name);
	} else {
		memcpy(r->addr, msg + rr->rdoff, rr->rdlen);
	}
	ttl_min(&a->ttl, rr->ttl);
	return 0;
}

int
dns_wire_parse(const unsigned char *msg, size_t len, const char *qname, int qtype,
    struct dns_wire_ans *a)
{
	struct dns_wire_rr rr;
	char cur[DNS_WIRE_NAME], target[DNS_WIRE_NAME];
	size_t off = 12, ans, i, n;
	unsigned qd, an, ns, hop;
	bool usable, found;

	dns_wire_free(a);
	if (len < 12) {
		err_set("DNS message shorter than its header");
		return -1;
	}
	a->rcode = msg[3] & 0x0f;
	qd = u16(msg + 4);
	an = u16(msg + 6);
	ns = u16(msg + 8);
	for (i = 0; i < qd; i++) {
		if (dns_wire_name(msg, len, &off, cur, &usable) == -1)
			return -1;
		if (len - off < 4) {
			err_set("question runs past the end of the message");
			return -1;
		}
		off += 4;
	}
	ans = off;
	for (i = 0; i < an; i++)
		if (rr_read(msg, len, &off, &rr) == -1)
			goto fail;
	if (authority(msg, len, off, ns, a) == -1)
		goto fail;

	n = strlen(qname);
	if (n > 0 && qname[n - 1] == '.')
		n--;
	if (n >= sizeof cur) {
		err_set("name asked for is too long");
		goto fail;
	}
	for (i = 0; i < n; i++)
		cur[i] = (char)tolower((unsigned char)qname[i]);
	cur[n] = '\0';
	for (hop = 0, found = true; found && hop < DNS_WIRE_HOPS; hop++) {
		found = false;
		for (off = ans, i = 0; i < an && !found; i++) {
			size_t p;

			rr_read(msg, len, &off, &rr);   /* checked above */
			if (rr.type != DNS_WIRE_CNAME || rr.cls != DNS_WIRE_IN || !rr.usable ||
			    strcmp(rr.owner, cur) != 0)
				continue;
			p = rr.rdoff;
			if (rr_name(msg, &rr, &p, target, &usable) == -1)
				goto fail;
			if (!usable)
				break;
			memcpy(cur, target, sizeof cur);
			ttl_min(&a->ttl, rr.ttl);
			found = true;
		}
	}
	for (off = ans, i = 0; i < an; i++) {
		rr_read(msg, len, &off, &rr);
		if ((int)rr.type == qtype && rr.cls == DNS_WIRE_IN && rr.usable &&
		    strcmp(rr.owner, cur) == 0 && collect(msg, &rr, qtype, a) == -1)
			goto fail;
	}
	return 0;
fail:
	dns_wire_free(a);
	return -1;
}

void
dns_wire_free(struct dns_wire_ans *a)
{
	free(a->rec);
	*a = (struct dns_wire_ans)DNS_WIRE_ANS_INIT;
}
