/* check_dns_wire: unit tests for src/dns/dns_wire.c, the reader of DNS
 * answers: names and compression, CNAME chains, TTLs (smallest used,
 * RFC 2181 top bit, SOA negative TTL), and hand-built truncated and
 * hostile messages, which must be refused without reading out of bounds
 * (the tests run under AddressSanitizer). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dns_wire.h"
#include "err.h"

/* A DNS message being built. */
struct msg {
	unsigned char b[4096];
	size_t n;
};

static void
put8(struct msg *m, unsigned v)
{
	if (m->n >= sizeof m->b)        /* not ck_assert: that costs a write per byte */
		abort();
	m->b[m->n++] = (unsigned char)v;
}

static void
put16(struct msg *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void
put32(struct msg *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

/* An uncompressed name ("" is the root); returns where it starts. */
static size_t
putname(struct msg *m, const char *name)
{
	size_t at = m->n;

	while (*name) {
		size_t l = strcspn(name, ".");

		put8(m, (unsigned)l);
		while (l-- > 0)
			put8(m, (unsigned char)*name++);
		if (*name == '.')
			name++;
	}
	put8(m, 0);
	return at;
}

static void
putptr(struct msg *m, size_t to)
{
	put16(m, 0xc000 | (unsigned)to);
}

/* Header and one question; returns the offset of the question's name. */
static size_t
start(struct msg *m, unsigned rcode, const char *qname, unsigned qtype, unsigned an, unsigned ns)
{
	size_t at;

	m->n = 0;
	put16(m, 0x1234);
	put16(m, 0x8180 | rcode);
	put16(m, 1);
	put16(m, an);
	put16(m, ns);
	put16(m, 0);
	at = putname(m, qname);
	put16(m, qtype);
	put16(m, 1);
	return at;
}

/* Type, class IN, TTL and a placeholder length after an owner name
 * already written; returns where the length goes (see rr_end). */
static size_t
rr_begin(struct msg *m, unsigned type, uint32_t ttl)
{
	size_t at;

	put16(m, type);
	put16(m, 1);
	put32(m, ttl);
	at = m->n;
	put16(m, 0);
	return at;
}

static void
rr_end(struct msg *m, size_t at)
{
	size_t len = m->n - at - 2;

	m->b[at] = (unsigned char)(len >> 8);
	m->b[at + 1] = (unsigned char)len;
}

static void
rr_a(struct msg *m, size_t owner, uint32_t ttl, unsigned a, unsigned b, unsigned c, unsigned d)
{
	size_t at;

	putptr(m, owner);
	at = rr_begin(m, DNS_WIRE_A, ttl);
	put8(m, a);
	put8(m, b);
	put8(m, c);
	put8(m, d);
	rr_end(m, at);
}

static int
parse(const struct msg *m, const char *qname, int qtype, struct dns_wire_ans *a)
{
	return dns_wire_parse(m->b, m->n, qname, qtype, a);
}

/* MX answer: two records, the second target compressed against the
 * first; TTL is the smallest; names come lower-case. */
START_TEST(wire_mx)
{
	struct dns_wire_ans a = DNS_WIRE_ANS_INIT;
	struct msg m;
	size_t q, at, t1;

	q = start(&m, 0, "Example.ORG", DNS_WIRE_MX, 2, 0);
	putptr(&m, q);
	at = rr_begin(&m, DNS_WIRE_MX, 3600);
	put16(&m, 10);
	t1 = putname(&m, "MX1.example.org");
	rr_end(&m, at);
	putptr(&m, q);
	at = rr_begin(&m, DNS_WIRE_MX, 600);
	put16(&m, 20);
	put8(&m, 3);
	put8(&m, 'm');
	put8(&m, 'x');
	put8(&m, '2');
	putptr(&m, t1 + 4);             /* "example.org" inside the first target */
	rr_end(&m, at);
	ck_assert_int_eq(parse(&m, "example.org.", DNS_WIRE_MX, &a), 0);
	ck_assert_int_eq(a.rcode, 0);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_uint_eq(a.rec[0].pref, 10);
	ck_assert_str_eq(a.rec[0].name, "mx1.example.org");
	ck_assert_uint_eq(a.rec[1].pref, 20);
	ck_assert_str_eq(a.rec[1].name, "mx2.example.org");
	ck_assert_uint_eq(a.ttl, 600);
	ck_assert(!a.soa);
	/* an answer for another name is not one for this name */
	ck_assert_int_eq(parse(&m, "example.net", DNS_WIRE_MX, &a), 0);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_uint_eq(a.ttl, DNS_WIRE_NOTTL);
	dns_wire_free(&a);
}
END_TEST

/* A CNAME chain is followed from the asked name; records of other names
 * are ignored; the CNAMEs' TTLs count. */
START_TEST(wire_cname)
{
	struct dns_wire_ans a = DNS_WIRE_ANS_INIT;
	struct msg m;
	size_t q, at, real, other;

	q = start(&m, 0, "alias.test", DNS_WIRE_A, 4, 0);
	other = putname(&m, "other.test");
	at = rr_begin(&m, DNS_WIRE_A, 5);
	put32(&m, 0x0a000001);
	rr_end(&m, at);
	putptr(&m, q);
	at = rr_begin(&m, DNS_WIRE_CNAME, 100);
	real = putname(&m, "real.test");
	rr_end(&m, at);
	rr_a(&m, real, 50, 192, 0, 2, 7);
	rr_a(&m, real, 70, 192, 0, 2, 8);
	ck_assert_int_eq(parse(&m, "alias.test", DNS_WIRE_A, &a), 0);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_mem_eq(a.rec[0].addr, "\xc0\x00\x02\x07", 4);
	ck_assert_mem_eq(a.rec[1].addr, "\xc0\x00\x02\x08", 4);
	ck_assert_uint_eq(a.ttl, 50);
	ck_assert_int_eq(parse(&m, "other.test", DNS_WIRE_A, &a), 0);
	ck_assert_uint_eq(a.n, 1);
	ck_assert_uint_eq(a.ttl, 5);
	(void)other;

	/* a CNAME loop ends; nothing is found, nothing hangs */
	q = start(&m, 0, "a.test", DNS_WIRE_A, 2, 0);
	putptr(&m, q);
	at = rr_begin(&m, DNS_WIRE_CNAME, 9);
	real = putname(&m, "b.test");
	rr_end(&m, at);
	putptr(&m, real);
	at = rr_begin(&m, DNS_WIRE_CNAME, 9);
	putptr(&m, q);
	rr_end(&m, at);
	ck_assert_int_eq(parse(&m, "a.test", DNS_WIRE_A, &a), 0);
	ck_assert_uint_eq(a.n, 0);
	dns_wire_free(&a);
}
END_TEST

/* NXDOMAIN with an SOA: negative TTL is min(SOA TTL, MINIMUM); a TTL with
 * the top bit set counts as 0. */
START_TEST(wire_soa_ttl)
{
	struct dns_wire_ans a = DNS_WIRE_ANS_INIT;
	struct msg m;
	size_t q, at;
	uint32_t ttls[][3] = { { 3600, 900, 900 }, { 120, 900, 120 }, { 0x80000000u, 900, 0 } };
	size_t i;

	for (i = 0; i < 3; i++) {
		q = start(&m, DNS_WIRE_NXDOMAIN, "nx.example.org", DNS_WIRE_MX, 0, 1);
		putptr(&m, q + 3);
		at = rr_begin(&m, DNS_WIRE_SOA, ttls[i][0]);
		putname(&m, "ns.example.org");
		putptr(&m, q + 3);
		put32(&m, 2024010101);
		put32(&m, 7200);
		put32(&m, 3600);
		put32(&m, 1209600);
		put32(&m, ttls[i][1]);
		rr_end(&m, at);
		ck_assert_int_eq(parse(&m, "nx.example.org", DNS_WIRE_MX, &a), 0);
		ck_assert_int_eq(a.rcode, DNS_WIRE_NXDOMAIN);
		ck_assert(a.soa);
		ck_assert_uint_eq(a.soa_ttl, ttls[i][2]);
		ck_assert_uint_eq(a.n, 0);
		/* an SOA cut short is malformed */
		m.b[at + 1] -= 1;
		m.n -= 1;
		ck_assert_int_eq(parse(&m, "nx.example.org", DNS_WIRE_MX, &a), -1);
		ck_assert_ptr_nonnull(strstr(err_str(), "SOA"));
	}
	ck_assert_uint_eq(dns_wire_ttl(0x7fffffffu), 0x7fffffffu);
	ck_assert_uint_eq(dns_wire_ttl(0xffffffffu), 0);
	dns_wire_free(&a);
}
END_TEST

/* A valid answer with A and AAAA parts, used by the hostile tests. */
static void
good_answer(struct msg *m, int qtype)
{
	size_t q, at;

	q = start(m, 0, "host.test", (unsigned)qtype, 2, 0);
	if (qtype == DNS_WIRE_A) {
		rr_a(m, q, 300, 192, 0, 2, 1);
		rr_a(m, q, 200, 192, 0, 2, 2);
		return;
	}
	putptr(m, q);
	at = rr_begin(m, DNS_WIRE_AAAA, 300);
	put32(m, 0x20010db8);
	put32(m, 0);
	put32(m, 0);
	put32(m, 1);
	rr_end(m, at);
	putptr(m, q);
	at = rr_begin(m, DNS_WIRE_AAAA, 300);
	put32(m, 0x20010db8);
	put32(m, 0);
	put32(m, 0);
	put32(m, 2);
	rr_end(m, at);
}

/* Every strict prefix of a message is refused (each record is needed). */
START_TEST(wire_truncated)
{
	struct dns_wire_ans a = DNS_WIRE_ANS_INIT;
	struct msg m;
	size_t len;
	int t;

	for (t = 0; t < 2; t++) {
		good_answer(&m, t ? DNS_WIRE_AAAA : DNS_WIRE_A);
		ck_assert_int_eq(parse(&m, "host.test", t ? DNS_WIRE_AAAA : DNS_WIRE_A, &a), 0);
		ck_assert_uint_eq(a.n, 2);
		for (len = 0; len < m.n; len++) {
			/* a copy of exactly len bytes, so ASan sees any read past it */
			unsigned char *p = malloc(len ? len : 1);

			memcpy(p, m.b, len);
			ck_assert_msg(dns_wire_parse(p, len, "host.test", DNS_WIRE_A, &a) == -1,
			    "prefix of %zu bytes accepted", len);
			ck_assert_uint_eq(a.n, 0);
			free(p);
		}
	}
	dns_wire_free(&a);
}
END_TEST

/* Hostile names: loops, forward and out-of-range pointers, reserved label
 * types, names over 255 octets; wrong record lengths. */
START_TEST(wire_hostile)
{
	struct dns_wire_ans a = DNS_WIRE_ANS_INIT;
	struct msg m;
	size_t q, at, i;

	/* the answer's owner points at itself */
	q = start(&m, 0, "x.test", DNS_WIRE_A, 1, 0);
	putptr(&m, m.n);
	rr_begin(&m, DNS_WIRE_A, 1);
	ck_assert_int_eq(parse(&m, "x.test", DNS_WIRE_A, &a), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "compression pointer"));
	/* a forward pointer */
	q = start(&m, 0, "x.test", DNS_WIRE_A, 1, 0);
	putptr(&m, m.n + 2);
	rr_a(&m, q, 1, 1, 2, 3, 4);
	ck_assert_int_eq(parse(&m, "x.test", DNS_WIRE_A, &a), -1);
	/* two labels pointing at each other */
	m.n = 0;
	put16(&m, 1);
	put16(&m, 0x8180);
	put16(&m, 1);
	put16(&m, 0);
	put16(&m, 0);
	put16(&m, 0);
	put8(&m, 1);
	put8(&m, 'a');
	putptr(&m, 12);
	put16(&m, 1);
	put16(&m, 1);
	ck_assert_int_eq(parse(&m, "a", DNS_WIRE_A, &a), -1);
	/* reserved label types 0x40 and 0x80 */
	for (i = 0; i < 2; i++) {
		q = start(&m, 0, "x.test", DNS_WIRE_A, 0, 0);
		m.b[q] = i ? 0x80 : 0x40;
		ck_assert_int_eq(parse(&m, "x.test", DNS_WIRE_A, &a), -1);
		ck_assert_ptr_nonnull(strstr(err_str(), "label type"));
	}
	/* a name of 5 x 63 octets */
	m.n = 0;
	put16(&m, 1);
	put16(&m, 0x8180);
	put16(&m, 1);
	put16(&m, 0);
	put16(&m, 0);
	put16(&m, 0);
	for (i = 0; i < 5; i++) {
		put8(&m, 63);
		memset(m.b + m.n, 'a', 63);
		m.n += 63;
	}
	put8(&m, 0);
	put16(&m, 1);
	put16(&m, 1);
	ck_assert_int_eq(parse(&m, "a", DNS_WIRE_A, &a), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "255"));
	/* an A record of 5 bytes, an AAAA of 4, an rdlength past the end */
	q = start(&m, 0, "x.test", DNS_WIRE_A, 1, 0);
	putptr(&m, q);
	at = rr_begin(&m, DNS_WIRE_A, 1);
	put32(&m, 1);
	put8(&m, 1);
	rr_end(&m, at);
	ck_assert_int_eq(parse(&m, "x.test", DNS_WIRE_A, &a), -1);
	q = start(&m, 0, "x.test", DNS_WIRE_AAAA, 1, 0);
	at = m.n;
	rr_a(&m, q, 1, 1, 2, 3, 4);
	m.b[at + 3] = DNS_WIRE_AAAA;    /* the A record's type, now AAAA */
	ck_assert_int_eq(parse(&m, "x.test", DNS_WIRE_AAAA, &a), -1);
	q = start(&m, 0, "x.test", DNS_WIRE_A, 1, 0);
	rr_a(&m, q, 1, 1, 2, 3, 4);
	m.b[m.n - 5] = 5;
	ck_assert_int_eq(parse(&m, "x.test", DNS_WIRE_A, &a), -1);
	/* an answer count larger than the answers */
	good_answer(&m, DNS_WIRE_A);
	m.b[7] = 3;
	ck_assert_int_eq(parse(&m, "host.test", DNS_WIRE_A, &a), -1);
	/* an MX target with a space or a dot in a label is skipped, counted */
	q = start(&m, 0, "x.test", DNS_WIRE_MX, 2, 0);
	putptr(&m, q);
	at = rr_begin(&m, DNS_WIRE_MX, 1);
	put16(&m, 5);
	put8(&m, 3);
	put8(&m, 'a');
	put8(&m, ' ');
	put8(&m, 'b');
	put8(&m, 0);
	rr_end(&m, at);
	putptr(&m, q);
	at = rr_begin(&m, DNS_WIRE_MX, 1);
	put16(&m, 5);
	put8(&m, 3);
	put8(&m, 'a');
	put8(&m, '.');
	put8(&m, 'b');
	put8(&m, 0);
	rr_end(&m, at);
	ck_assert_int_eq(parse(&m, "x.test", DNS_WIRE_MX, &a), 0);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_uint_eq(a.skipped, 2);
	/* a null MX is a record with the root as target */
	q = start(&m, 0, "x.test", DNS_WIRE_MX, 1, 0);
	putptr(&m, q);
	at = rr_begin(&m, DNS_WIRE_MX, 77);
	put16(&m, 0);
	put8(&m, 0);
	rr_end(&m, at);
	ck_assert_int_eq(parse(&m, "x.test", DNS_WIRE_MX, &a), 0);
	ck_assert_uint_eq(a.n, 1);
	ck_assert_str_eq(a.rec[0].name, "");
	ck_assert_uint_eq(a.ttl, 77);
	dns_wire_free(&a);
}
END_TEST

/* Random corruption of good messages: any outcome but a bad read. */
START_TEST(wire_mutations)
{
	struct dns_wire_ans a = DNS_WIRE_ANS_INIT;
	struct msg m;
	unsigned seed = 12345;
	int round, k, accepted = 0;

	for (round = 0; round < 20000; round++) {
		unsigned char *p;

		good_answer(&m, round % 2 ? DNS_WIRE_AAAA : DNS_WIRE_A);
		for (k = 0; k < 1 + round % 4; k++) {
			seed = seed * 1103515245 + 12345;
			m.b[(seed >> 8) % m.n] = (unsigned char)(seed >> 20);
		}
		p = malloc(m.n);
		memcpy(p, m.b, m.n);
		if (dns_wire_parse(p, m.n, "host.test", round % 2 ? DNS_WIRE_AAAA : DNS_WIRE_A,
		    &a) == 0) {
			accepted++;
			if (a.n > 2)
				ck_abort_msg("%zu records from a message holding 2", a.n);
		}
		free(p);
	}
	ck_assert_int_gt(accepted, 0);
	dns_wire_free(&a);
}
END_TEST

static Suite *
wire_suite(void)
{
	Suite *s = suite_create("dns_wire");
	TCase *tc = tcase_create("wire");

	tcase_add_test(tc, wire_mx);
	tcase_add_test(tc, wire_cname);
	tcase_add_test(tc, wire_soa_ttl);
	tcase_add_test(tc, wire_truncated);
	tcase_add_test(tc, wire_hostile);
	tcase_add_test(tc, wire_mutations);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(wire_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
