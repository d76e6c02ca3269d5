/* dns_res: lookup results from parsed answers (see dns_res.h). */
#include "config.h"

#include <ares.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dns_res.h"

static struct dns_res dns_res_nomem = {
	{ DNS_TEMPFAIL, "", "DNS lookup failed: out of memory (#4.3.0)", false, 0, NULL },
	0, DNS_WHY_TEMP, "out of memory", 0
};

struct dns_res *
dns_res_oom(void)
{
	return &dns_res_nomem;
}

static void
res_free(struct dns_res *r)
{
	size_t i;

	for (i = 0; i < r->r.nhost; i++) {
		free((char *)r->r.host[i].name);
		free(r->r.host[i].addr);
	}
	free(r->r.host);
	free((char *)r->r.name);
	free((char *)r->r.text);
	free(r);
}

struct dns_res *
dns_res_ref(struct dns_res *r)
{
	if (r->refs > 0)
		r->refs++;
	return r;
}

void
dns_res_unref(struct dns_res *r)
{
	if (r == NULL || r->refs == 0)
		return;
	if (--r->refs == 0)
		res_free(r);
}

/* A new result with a copy of name, text from fmt and room for nhost hosts. */
static struct dns_res *
res_new(const char *name, enum dns_status st, enum dns_why why, const char *reason,
    int64_t expires, size_t nhost, const char *fmt, va_list ap)
{
	struct dns_res *r = calloc(1, sizeof *r);
	struct buf text = BUF_INIT;

	if (r == NULL)
		return NULL;
	r->refs = 1;
	r->why = why;
	r->expires = expires;
	snprintf(r->reason, sizeof r->reason, "%s", reason);
	r->r.status = st;
	if (buf_vprintf(&text, fmt, ap) == -1 || buf_reserve(&text, 1) == -1) {
		buf_free(&text);
		free(r);
		return NULL;
	}
	r->r.text = text.p;
	if ((r->r.name = strdup(name)) == NULL ||
	    (nhost > 0 && (r->r.host = calloc(nhost, sizeof *r->r.host)) == NULL)) {
		res_free(r);
		return NULL;
	}
	return r;
}

/* res_new with a format; the out-of-memory result when it fails. */
static struct dns_res *
res_make(const char *name, enum dns_status st, enum dns_why why, const char *reason,
    int64_t expires, size_t nhost, const char *fmt, ...)
{
	struct dns_res *r;
	va_list ap;

	va_start(ap, fmt);
	r = res_new(name, st, why, reason, expires, nhost, fmt, ap);
	va_end(ap);
	return r ? r : dns_res_oom();
}

struct dns_res *
dns_res_fail(const char *name, enum dns_status st, enum dns_why why, const char *reason,
    int64_t expires, const char *fmt, ...)
{
	struct dns_res *r;
	va_list ap;

	va_start(ap, fmt);
	r = res_new(name, st, why, reason, expires, 0, fmt, ap);
	va_end(ap);
	return r ? r : dns_res_oom();
}

uint32_t
dns_ttl_neg(bool soa, uint32_t soa_ttl)
{
	uint32_t t = soa ? soa_ttl : DNS_TTL_NEG_DEFAULT;

	if (t < DNS_TTL_NEG_MIN)
		return DNS_TTL_NEG_MIN;
	return t > DNS_TTL_MAX ? DNS_TTL_MAX : t;
}

uint32_t
dns_ttl_pos(uint32_t ttl)
{
	return ttl > DNS_TTL_MAX ? DNS_TTL_MAX : ttl;
}

static int64_t
after(int64_t now, uint32_t seconds)
{
	return now + (int64_t)seconds * 1000;
}

void
dns_qout_set(struct dns_qout *o, int status, const unsigned char *abuf, size_t alen,
    const char *qname, int qtype)
{
	const char *why = NULL;

	dns_wire_free(&o->ans);
	o->qtype = qtype;
	o->kind = DNS_WHY_TEMP;
	o->ttl = DNS_TTL_TEMP;
	o->reason[0] = '\0';
	switch (status) {
	case ARES_SUCCESS:
	case ARES_ENODATA:
	case ARES_ENOTFOUND:
		if (abuf == NULL || dns_wire_parse(abuf, alen, qname, qtype, &o->ans) == -1) {
			why = "malformed answer";
			break;
		}
		if (o->ans.rcode == DNS_WIRE_NXDOMAIN) {
			o->kind = DNS_WHY_NXDOMAIN;
			o->ttl = dns_ttl_neg(o->ans.soa, o->ans.soa_ttl);
		} else if (o->ans.rcode != DNS_WIRE_NOERROR) {
			snprintf(o->reason, sizeof o->reason, "server answered with error code %d",
			    o->ans.rcode);
		} else if (o->ans.n > 0 || o->ans.skipped > 0) {
			o->kind = DNS_WHY_OK;
			o->ttl = dns_ttl_pos(o->ans.ttl);
		} else {
			o->kind = DNS_WHY_NODATA;
			o->ttl = dns_ttl_neg(o->ans.soa, o->ans.soa_ttl);
		}
		return;
	case ARES_ESERVFAIL: why = "server failure"; break;
	case ARES_EREFUSED: why = "query refused"; break;
	case ARES_ETIMEOUT: why = "timed out"; break;
	case ARES_ECONNREFUSED: why = "connection refused"; break;
	case ARES_EBADRESP: why = "malformed answer"; break;
	case ARES_EFORMERR: why = "server could not read the query"; break;
	case ARES_ENOTIMP: why = "query not implemented by the server"; break;
	case ARES_ENOMEM: why = "out of memory"; break;
	case ARES_EDESTRUCTION:
	case ARES_ECANCELLED: why = "lookup cancelled"; break;
	default: why = ares_strerror(status); break;
	}
	snprintf(o->reason, sizeof o->reason, "%s", why);
}

void
dns_qout_free(struct dns_qout *o)
{
	dns_wire_free(&o->ans);
}

uint64_t
dns_res_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
pref_cmp(const void *a, const void *b)
{
	unsigned x = ((const struct dns_wire_rec *)a)->pref, y = ((const struct dns_wire_rec *)b)->pref;

	return x < y ? -1 : x > y;
}

size_t
dns_res_mx_order(struct dns_wire_rec *v, size_t n, uint64_t *rng)
{
	struct dns_wire_rec tmp;
	size_t i, j, k, out = 0;
	bool dup;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, pref_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j].pref == v[i].pref; j++)
			;
		for (k = j - i; k > 1; k--) {   /* Fisher-Yates over v[i..j) */
			size_t r = i + (size_t)(dns_res_rand(rng) % k);

			tmp = v[i + k - 1];
			v[i + k - 1] = v[r];
			v[r] = tmp;
		}
	}
	for (i = 0; i < n && out < DNS_MX_MAX; i++) {
		if (v[i].name[0] == '\0')
			continue;
		for (dup = false, k = 0; k < out && !dup; k++)
			dup = strcmp(v[k].name, v[i].name) == 0;
		if (dup)
			continue;
		if (out != i)
			v[out] = v[i];
		out++;
	}
	return out;
}

bool
dns_res_nullmx(const struct dns_wire_ans *a)
{
	size_t i;

	if (a->n == 0 || a->skipped > 0)
		return false;
	for (i = 0; i < a->n; i++)
		if (a->rec[i].name[0] != '\0')
			return false;
	return true;
}

struct dns_res *
dns_res_mx_final(const char *domain, const struct dns_qout *mx, int64_t now, bool *implicit,
    int64_t *expires)
{
	*implicit = false;
	*expires = after(now, mx->ttl);
	switch (mx->kind) {
	case DNS_WHY_TEMP:
		return dns_res_fail(domain, DNS_TEMPFAIL, DNS_WHY_TEMP, mx->reason,
		    after(now, DNS_TTL_TEMP), "DNS lookup of %s failed: %s (#4.4.3)", domain, mx->reason);
	case DNS_WHY_NXDOMAIN:
		return dns_res_fail(domain, DNS_PERMFAIL, DNS_WHY_NXDOMAIN, "domain not found",
		    *expires, "DNS lookup of %s failed: domain not found (#5.1.2)", domain);
	case DNS_WHY_NODATA:
		*implicit = true;
		return NULL;
	case DNS_WHY_OK:
		break;
	}
	if (dns_res_nullmx(&mx->ans))
		return dns_res_fail(domain, DNS_PERMFAIL, DNS_WHY_NODATA, "null MX",
		    after(now, dns_ttl_neg(true, mx->ans.ttl)),
		    "Domain %s does not accept mail (null MX) (#5.1.10)", domain);
	return NULL;
}

/* Copy the addresses of host result hr into h. */
static int
host_copy(struct dns_mx_host *h, const char *name, unsigned pref, const struct dns_res *hr)
{
	const struct dns_mx_host *from = &hr->r.host[0];

	h->pref = pref;
	if ((h->name = strdup(name)) == NULL ||
	    (h->addr = calloc(from->naddr, sizeof *h->addr)) == NULL)
		return -1;
	memcpy(h->addr, from->addr, from->naddr * sizeof *h->addr);
	h->naddr = from->naddr;
	return 0;
}

struct dns_res *
dns_res_mx(const char *domain, bool implicit, const struct dns_mxrec *h, size_t n,
    int64_t expires, int64_t now)
{
	const struct dns_mxrec *tempf = NULL, *permf = NULL;
	struct dns_res *r;
	size_t i, usable = 0;

	if (expires > after(now, DNS_TTL_MAX))
		expires = after(now, DNS_TTL_MAX);
	for (i = 0; i < n; i++) {
		if (h[i].hr->expires < expires)
			expires = h[i].hr->expires;
		if (h[i].hr->r.status == DNS_OK && h[i].hr->r.nhost == 1)
			usable++;
		else if (h[i].hr->why == DNS_WHY_TEMP || h[i].hr->r.status == DNS_OK)
			tempf = tempf ? tempf : &h[i];
		else
			permf = permf ? permf : &h[i];
	}
	if (usable == 0 && tempf != NULL && expires > after(now, DNS_TTL_TEMP))
		expires = after(now, DNS_TTL_TEMP);
	if (n == 0)
		return dns_res_fail(domain, DNS_PERMFAIL, DNS_WHY_NODATA, "no usable mail exchanger",
		    expires, "No usable mail exchanger for %s (#5.4.4)", domain);
	if (usable == 0 && implicit && tempf != NULL)
		return dns_res_fail(domain, DNS_TEMPFAIL, DNS_WHY_TEMP, tempf->hr->reason, expires,
		    "DNS lookup of %s failed: %s (#4.4.3)", domain, tempf->hr->reason);
	if (usable == 0 && implicit)
		return dns_res_fail(domain, DNS_PERMFAIL, DNS_WHY_NODATA, "no MX or address records",
		    expires, "DNS lookup of %s failed: no MX or address records (#5.4.4)", domain);
	if (usable == 0 && tempf != NULL)
		return dns_res_fail(domain, DNS_TEMPFAIL, DNS_WHY_TEMP, tempf->hr->reason, expires,
		    "DNS lookup of the mail exchangers of %s failed (%s: %s) (#4.4.3)", domain,
		    tempf->name, tempf->hr->reason);
	if (usable == 0)
		return dns_res_fail(domain, DNS_PERMFAIL, DNS_WHY_NODATA, permf->hr->reason, expires,
		    "No mail exchanger of %s has an address (%s: %s) (#5.4.4)", domain,
		    permf->name, permf->hr->reason);
	r = res_make(domain, DNS_OK, DNS_WHY_OK, "", expires, usable, "%s", "");
	if (r == dns_res_oom())
		return r;
	r->r.implicit = implicit;
	for (i = 0; i < n; i++) {
		if (h[i].hr->r.status != DNS_OK || h[i].hr->r.nhost != 1)
			continue;
		if (host_copy(&r->r.host[r->r.nhost], h[i].name, h[i].pref, h[i].hr) == -1) {
			r->r.nhost++;           /* so that it is freed */
			dns_res_unref(r);
			return dns_res_oom();
		}
		r->r.nhost++;
	}
	return r;
}

/* Append the addresses of q (at most DNS_ADDR_MAX) to h. */
static void
addrs_add(struct dns_mx_host *h, const struct dns_qout *q)
{
	size_t i;

	for (i = 0; i < q->ans.n && i < DNS_ADDR_MAX; i++) {
		struct sockaddr_storage *ss = &h->addr[h->naddr++];

		memset(ss, 0, sizeof *ss);
		if (q->qtype == DNS_WIRE_AAAA) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

			s6->sin6_family = AF_INET6;
			memcpy(&s6->sin6_addr, q->ans.rec[i].addr, 16);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

			s4->sin_family = AF_INET;
			memcpy(&s4->sin_addr, q->ans.rec[i].addr, 4);
		}
	}
}

struct dns_res *
dns_res_host(const char *name, const struct dns_qout *q, size_t nq, int64_t now)
{
	const struct dns_qout *temp = NULL, *nx = NULL;
	uint32_t ttl = DNS_TTL_MAX;
	struct dns_res *r;
	size_t i, naddr = 0;

	for (i = 0; i < nq; i++) {
		if (q[i].ttl < ttl)
			ttl = q[i].ttl;
		if (q[i].kind == DNS_WHY_OK)
			naddr += q[i].ans.n < DNS_ADDR_MAX ? q[i].ans.n : DNS_ADDR_MAX;
		else if (q[i].kind == DNS_WHY_TEMP)
			temp = temp ? temp : &q[i];
		else if (q[i].kind == DNS_WHY_NXDOMAIN)
			nx = nx ? nx : &q[i];
	}
	if (naddr == 0 && temp != NULL)
		return dns_res_fail(name, DNS_TEMPFAIL, DNS_WHY_TEMP, temp->reason,
		    after(now, DNS_TTL_TEMP), "DNS lookup of %s failed: %s (#4.4.3)", name, temp->reason);
	if (naddr == 0 && nx != NULL)
		return dns_res_fail(name, DNS_PERMFAIL, DNS_WHY_NXDOMAIN, "host not found",
		    after(now, ttl), "DNS lookup of %s failed: host not found (#5.4.4)", name);
	if (naddr == 0)
		return dns_res_fail(name, DNS_PERMFAIL, DNS_WHY_NODATA, "no address records",
		    after(now, ttl), "DNS lookup of %s failed: no address records (#5.4.4)", name);
	r = res_make(name, DNS_OK, DNS_WHY_OK, "", after(now, ttl), 1, "%s", "");
	if (r == dns_res_oom())
		return r;
	if ((r->r.host[0].name = strdup(name)) == NULL ||
	    (r->r.host[0].addr = calloc(naddr, sizeof *r->r.host[0].addr)) == NULL) {
		r->r.nhost = 1;
		dns_res_unref(r);
		return dns_res_oom();
	}
	r->r.nhost = 1;
	for (i = 0; i < nq; i++)
		if (q[i].kind == DNS_WHY_OK)
			addrs_add(&r->r.host[0], &q[i]);
	return r;
}

struct dns_res *
dns_res_literal(const char *name, int family, const unsigned char *addr, int64_t now)
{
	struct dns_qout q;
	struct dns_wire_rec rec;
	struct dns_res *r;

	memset(&q, 0, sizeof q);
	memset(&rec, 0, sizeof rec);
	memcpy(rec.addr, addr, family == AF_INET6 ? 16 : 4);
	q.qtype = family == AF_INET6 ? DNS_WIRE_AAAA : DNS_WIRE_A;
	q.kind = DNS_WHY_OK;
	q.ttl = 0;
	q.ans.n = 1;
	q.ans.rec = &rec;
	r = dns_res_host(name, &q, 1, now);
	return r;
}
