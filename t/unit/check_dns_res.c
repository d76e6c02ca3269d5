/* check_dns_res: unit tests for src/dns/dns_res.c, the results built
 * from query outcomes: what ares_query's status and answer mean, what an
 * MX answer decides alone (temporary failure, NXDOMAIN, null MX, implicit
 * MX), address results (IPv6 first, partial answers kept 30 s, NXDOMAIN
 * and no data), the MX result from its mail exchangers' results, with the
 * exact failure texts and expiry times at a given now. */
#include "config.h"

#include <ares.h>
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_res.h"

static void
mxrec(struct dns_wire_rec *r, unsigned pref, const char *name)
{
	memset(r, 0, sizeof *r);
	r->pref = pref;
	snprintf(r->name, sizeof r->name, "%s", name);
}

/* A query outcome made by hand. */
static void
qout(struct dns_qout *q, int qtype, enum dns_why kind, uint32_t ttl, const char *reason)
{
	memset(q, 0, sizeof *q);
	q->qtype = qtype;
	q->kind = kind;
	q->ttl = ttl;
	snprintf(q->reason, sizeof q->reason, "%s", reason);
}

/* ares_query's statuses, and answers read from the message. */
START_TEST(qout_status)
{
	/* NXDOMAIN for x.test with an SOA (TTL 600, MINIMUM 60) */
	static const unsigned char nx[] = {
		0, 1, 0x81, 0x83, 0, 1, 0, 0, 0, 1, 0, 0,
		1, 'x', 4, 't', 'e', 's', 't', 0, 0, 15, 0, 1,
		0xc0, 14, 0, 6, 0, 1, 0, 0, 2, 0x58, 0, 22,
		0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 60,
	};
	unsigned char nodata[24], bad[13];
	struct dns_qout q;

	memset(&q, 0, sizeof q);
	dns_qout_set(&q, ARES_ETIMEOUT, NULL, 0, "x.test", DNS_WIRE_MX);
	ck_assert_int_eq(q.kind, DNS_WHY_TEMP);
	ck_assert_str_eq(q.reason, "timed out");
	ck_assert_uint_eq(q.ttl, DNS_TTL_TEMP);
	dns_qout_set(&q, ARES_ESERVFAIL, NULL, 0, "x.test", DNS_WIRE_MX);
	ck_assert_str_eq(q.reason, "server failure");
	dns_qout_set(&q, ARES_EREFUSED, NULL, 0, "x.test", DNS_WIRE_MX);
	ck_assert_str_eq(q.reason, "query refused");
	dns_qout_set(&q, ARES_ECONNREFUSED, NULL, 0, "x.test", DNS_WIRE_MX);
	ck_assert_str_eq(q.reason, "connection refused");
	dns_qout_set(&q, ARES_ENOTFOUND, nx, sizeof nx, "x.test", DNS_WIRE_MX);
	ck_assert_int_eq(q.kind, DNS_WHY_NXDOMAIN);
	ck_assert_uint_eq(q.ttl, 60);
	memcpy(nodata, nx, sizeof nodata);
	nodata[3] = 0x80;               /* NOERROR */
	nodata[9] = 0;                  /* no authority */
	dns_qout_set(&q, ARES_ENODATA, nodata, sizeof nodata, "x.test", DNS_WIRE_MX);
	ck_assert_int_eq(q.kind, DNS_WHY_NODATA);
	ck_assert_uint_eq(q.ttl, 300);
	memcpy(bad, nx, sizeof bad);
	dns_qout_set(&q, ARES_SUCCESS, bad, sizeof bad, "x.test", DNS_WIRE_MX);
	ck_assert_int_eq(q.kind, DNS_WHY_TEMP);
	ck_assert_str_eq(q.reason, "malformed answer");
	nodata[3] = 0x82;               /* SERVFAIL given through */
	dns_qout_set(&q, ARES_SUCCESS, nodata, sizeof nodata, "x.test", DNS_WIRE_MX);
	ck_assert_int_eq(q.kind, DNS_WHY_TEMP);
	ck_assert_str_eq(q.reason, "server answered with error code 2");
	dns_qout_free(&q);
}
END_TEST

/* What the MX answer decides by itself. */
START_TEST(mx_final)
{
	struct dns_wire_rec v[1];
	struct dns_qout q;
	struct dns_res *r;
	bool implicit;
	int64_t exp, now = 1000000;

	qout(&q, DNS_WIRE_MX, DNS_WHY_TEMP, 30, "server failure");
	r = dns_res_mx_final("example.org", &q, now, &implicit, &exp);
	ck_assert_int_eq(r->r.status, DNS_TEMPFAIL);
	ck_assert_str_eq(r->r.text, "DNS lookup of example.org failed: server failure (#4.4.3)");
	ck_assert_int_eq(r->expires, now + 30000);
	dns_res_unref(r);
	qout(&q, DNS_WIRE_MX, DNS_WHY_NXDOMAIN, 600, "");
	r = dns_res_mx_final("example.org", &q, now, &implicit, &exp);
	ck_assert_int_eq(r->r.status, DNS_PERMFAIL);
	ck_assert_str_eq(r->r.text, "DNS lookup of example.org failed: domain not found (#5.1.2)");
	ck_assert_int_eq(r->expires, now + 600000);
	ck_assert_str_eq(r->r.name, "example.org");
	dns_res_unref(r);
	qout(&q, DNS_WIRE_MX, DNS_WHY_NODATA, 120, "");
	ck_assert_ptr_null(dns_res_mx_final("example.org", &q, now, &implicit, &exp));
	ck_assert(implicit);
	ck_assert_int_eq(exp, now + 120000);
	qout(&q, DNS_WIRE_MX, DNS_WHY_OK, 5, "");
	q.ans.rec = v;
	q.ans.n = 1;
	q.ans.ttl = 5;
	mxrec(&v[0], 0, "");
	r = dns_res_mx_final("example.org", &q, now, &implicit, &exp);
	ck_assert_int_eq(r->r.status, DNS_PERMFAIL);
	ck_assert_str_eq(r->r.text, "Domain example.org does not accept mail (null MX) (#5.1.10)");
	ck_assert_int_eq(r->expires, now + 30000);      /* 5 s, at least 30 */
	dns_res_unref(r);
	mxrec(&v[0], 10, "mx.example.org");
	ck_assert_ptr_null(dns_res_mx_final("example.org", &q, now, &implicit, &exp));
	ck_assert(!implicit);
	ck_assert_int_eq(exp, now + 5000);
}
END_TEST

/* An address result: n A or AAAA addresses 192.0.2.x / 2001:db8::x. */
static struct dns_res *
host(const char *name, int n6, int n4, uint32_t ttl, int64_t now)
{
	struct dns_wire_rec v6[20], v4[20];
	struct dns_qout q[2];
	struct dns_res *r;
	int i;

	qout(&q[0], DNS_WIRE_AAAA, n6 ? DNS_WHY_OK : DNS_WHY_NODATA, ttl, "");
	qout(&q[1], DNS_WIRE_A, n4 ? DNS_WHY_OK : DNS_WHY_NODATA, ttl, "");
	memset(v6, 0, sizeof v6);
	memset(v4, 0, sizeof v4);
	for (i = 0; i < n6; i++) {
		inet_pton(AF_INET6, "2001:db8::", v6[i].addr);
		v6[i].addr[15] = (unsigned char)(i + 1);
	}
	for (i = 0; i < n4; i++) {
		inet_pton(AF_INET, "192.0.2.0", v4[i].addr);
		v4[i].addr[3] = (unsigned char)(i + 1);
	}
	q[0].ans.rec = v6;
	q[0].ans.n = (size_t)n6;
	q[1].ans.rec = v4;
	q[1].ans.n = (size_t)n4;
	r = dns_res_host(name, q, 2, now);
	return r;
}

static const char *
addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_INET6)
		return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, len);
	return inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, len);
}

START_TEST(host_result)
{
	struct dns_qout q[2];
	struct dns_res *r;
	char buf[64];
	int64_t now = 5000;

	r = host("mx.example.org", 1, 2, 120, now);
	ck_assert_int_eq(r->r.status, DNS_OK);
	ck_assert_str_eq(r->r.text, "");
	ck_assert_uint_eq(r->r.nhost, 1);
	ck_assert_str_eq(r->r.host[0].name, "mx.example.org");
	ck_assert_uint_eq(r->r.host[0].naddr, 3);
	ck_assert_str_eq(addr_str(&r->r.host[0].addr[0], buf, sizeof buf), "2001:db8::1");
	ck_assert_str_eq(addr_str(&r->r.host[0].addr[1], buf, sizeof buf), "192.0.2.1");
	ck_assert_str_eq(addr_str(&r->r.host[0].addr[2], buf, sizeof buf), "192.0.2.2");
	ck_assert_uint_eq(((struct sockaddr_in *)&r->r.host[0].addr[2])->sin_port, 0);
	ck_assert_int_eq(r->expires, now + 120000);
	dns_res_unref(r);
	r = host("many.example.org", 0, 20, 120, now);
	ck_assert_uint_eq(r->r.host[0].naddr, DNS_ADDR_MAX);
	dns_res_unref(r);
	r = host("none.example.org", 0, 0, 60, now);
	ck_assert_int_eq(r->r.status, DNS_PERMFAIL);
	ck_assert_int_eq(r->why, DNS_WHY_NODATA);
	ck_assert_str_eq(r->r.text,
	    "DNS lookup of none.example.org failed: no address records (#5.4.4)");
	ck_assert_int_eq(r->expires, now + 60000);
	dns_res_unref(r);
	/* AAAA timed out, A answered: the A part, kept 30 s only */
	{
		struct dns_wire_rec v4;

		memset(&v4, 0, sizeof v4);
		qout(&q[0], DNS_WIRE_AAAA, DNS_WHY_TEMP, 30, "timed out");
		qout(&q[1], DNS_WIRE_A, DNS_WHY_OK, 3600, "");
		q[1].ans.rec = &v4;
		q[1].ans.n = 1;
		r = dns_res_host("half.example.org", q, 2, now);
		ck_assert_int_eq(r->r.status, DNS_OK);
		ck_assert_uint_eq(r->r.host[0].naddr, 1);
		ck_assert_int_eq(r->r.host[0].addr[0].ss_family, AF_INET);
		ck_assert_int_eq(r->expires, now + 30000);
		dns_res_unref(r);
	}
	/* AAAA timed out, A NXDOMAIN: temporary */
	qout(&q[1], DNS_WIRE_A, DNS_WHY_NXDOMAIN, 900, "");
	r = dns_res_host("gone.example.org", q, 2, now);
	ck_assert_int_eq(r->r.status, DNS_TEMPFAIL);
	ck_assert_str_eq(r->r.text, "DNS lookup of gone.example.org failed: timed out (#4.4.3)");
	dns_res_unref(r);
	r = dns_res_host("gone.example.org", &q[1], 1, now);
	ck_assert_int_eq(r->r.status, DNS_PERMFAIL);
	ck_assert_int_eq(r->why, DNS_WHY_NXDOMAIN);
	ck_assert_str_eq(r->r.text, "DNS lookup of gone.example.org failed: host not found (#5.4.4)");
	ck_assert_int_eq(r->expires, now + 900000);
	dns_res_unref(r);
	r = dns_res_literal("192.0.2.9", AF_INET, (const unsigned char *)"\xc0\x00\x02\x09", now);
	ck_assert_int_eq(r->r.status, DNS_OK);
	ck_assert_str_eq(addr_str(&r->r.host[0].addr[0], buf, sizeof buf), "192.0.2.9");
	dns_res_unref(r);
	/* the static out-of-memory result ignores references */
	ck_assert_ptr_eq(dns_res_ref(dns_res_oom()), dns_res_oom());
	dns_res_unref(dns_res_oom());
	ck_assert_int_eq(dns_res_oom()->r.status, DNS_TEMPFAIL);
}
END_TEST

/* The MX result from the mail exchangers' results. */
START_TEST(mx_result)
{
	int64_t now = 1000, far = now + 3600000;
	struct dns_qout q;
	struct dns_mxrec h[3];
	struct dns_res *r;
	size_t i;

	h[0] = (struct dns_mxrec){ "mx1.example.org", 10, host("mx1.example.org", 0, 1, 100, now) };
	qout(&q, DNS_WIRE_A, DNS_WHY_TEMP, 30, "timed out");
	h[1] = (struct dns_mxrec){ "mx2.example.org", 20, dns_res_host("mx2.example.org", &q, 1, now) };
	h[2] = (struct dns_mxrec){ "mx3.example.org", 30, host("mx3.example.org", 1, 1, 200, now) };
	r = dns_res_mx("example.org", false, h, 3, far, now);
	ck_assert_int_eq(r->r.status, DNS_OK);
	ck_assert(!r->r.implicit);
	ck_assert_uint_eq(r->r.nhost, 2);
	ck_assert_str_eq(r->r.host[0].name, "mx1.example.org");
	ck_assert_uint_eq(r->r.host[0].pref, 10);
	ck_assert_uint_eq(r->r.host[0].naddr, 1);
	ck_assert_str_eq(r->r.host[1].name, "mx3.example.org");
	ck_assert_uint_eq(r->r.host[1].naddr, 2);
	ck_assert_int_eq(r->expires, now + 30000);      /* mx2 is retried soon */
	dns_res_unref(r);
	r = dns_res_mx("example.org", false, h, 1, far, now);
	ck_assert_int_eq(r->expires, now + 100000);     /* the smallest TTL */
	dns_res_unref(r);
	r = dns_res_mx("example.org", false, h, 1, now + 50000, now);
	ck_assert_int_eq(r->expires, now + 50000);
	dns_res_unref(r);
	r = dns_res_mx("example.org", true, h, 1, far, now);
	ck_assert(r->r.implicit);
	dns_res_unref(r);
	for (i = 0; i < 3; i++)
		dns_res_unref(h[i].hr);

	/* none usable: permanent only when none is temporary */
	qout(&q, DNS_WIRE_A, DNS_WHY_NXDOMAIN, 300, "");
	h[0] = (struct dns_mxrec){ "mx1.example.org", 10, dns_res_host("mx1.example.org", &q, 1, now) };
	h[1] = (struct dns_mxrec){ "mx2.example.org", 20, host("mx2.example.org", 0, 0, 300, now) };
	qout(&q, DNS_WIRE_A, DNS_WHY_TEMP, 30, "server failure");
	h[2] = (struct dns_mxrec){ "mx3.example.org", 30, dns_res_host("mx3.example.org", &q, 1, now) };
	r = dns_res_mx("example.org", false, h, 2, far, now);
	ck_assert_int_eq(r->r.status, DNS_PERMFAIL);
	ck_assert_str_eq(r->r.text, "No mail exchanger of example.org has an address "
	    "(mx1.example.org: host not found) (#5.4.4)");
	ck_assert_int_eq(r->expires, now + 300000);
	dns_res_unref(r);
	r = dns_res_mx("example.org", false, h, 3, far, now);
	ck_assert_int_eq(r->r.status, DNS_TEMPFAIL);
	ck_assert_str_eq(r->r.text, "DNS lookup of the mail exchangers of example.org failed "
	    "(mx3.example.org: server failure) (#4.4.3)");
	ck_assert_int_eq(r->expires, now + 30000);
	dns_res_unref(r);
	r = dns_res_mx("example.org", true, &h[1], 1, far, now);
	ck_assert_int_eq(r->r.status, DNS_PERMFAIL);
	ck_assert_str_eq(r->r.text,
	    "DNS lookup of example.org failed: no MX or address records (#5.4.4)");
	dns_res_unref(r);
	r = dns_res_mx("example.org", true, &h[2], 1, far, now);
	ck_assert_int_eq(r->r.status, DNS_TEMPFAIL);
	ck_assert_str_eq(r->r.text, "DNS lookup of example.org failed: server failure (#4.4.3)");
	dns_res_unref(r);
	r = dns_res_mx("example.org", false, h, 0, far, now);
	ck_assert_int_eq(r->r.status, DNS_PERMFAIL);
	ck_assert_str_eq(r->r.text, "No usable mail exchanger for example.org (#5.4.4)");
	dns_res_unref(r);
	for (i = 0; i < 3; i++)
		dns_res_unref(h[i].hr);
}
END_TEST

static Suite *
res_suite(void)
{
	Suite *s = suite_create("dns_res");
	TCase *tc = tcase_create("res");

	tcase_add_test(tc, qout_status);
	tcase_add_test(tc, mx_final);
	tcase_add_test(tc, host_result);
	tcase_add_test(tc, mx_result);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(res_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
