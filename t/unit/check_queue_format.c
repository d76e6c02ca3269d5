/* check_queue_format: unit tests for the pure parts of the queue format:
 * message ids and the queue file encoding (header, state word, recipient
 * records, domain order). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "queue_file.h"
#include "queue_id.h"

/* queue_id */

START_TEST(id_round_trip)
{
	char id[QUEUE_ID_LEN + 1];

	queue_id_make(id, 0x123456789ULL, 999999, 4242);
	ck_assert_str_eq(id, "123456789f423f00001092");
	ck_assert(queue_id_valid(id));
	ck_assert_uint_eq(queue_id_time(id), 0x123456789ULL);
	ck_assert_uint_lt(queue_id_split(id), QUEUE_SPLIT);
	ck_assert_uint_eq(queue_id_split(id), queue_id_split("123456789f423f00001092"));

	queue_id_make(id, 1795250878, 0, 1);
	ck_assert_uint_eq(strlen(id), QUEUE_ID_LEN);
	ck_assert(queue_id_valid(id));
	ck_assert_uint_eq(queue_id_time(id), 1795250878);
	/* ids sort by injection time */
	{
		char a[QUEUE_ID_LEN + 1], b[QUEUE_ID_LEN + 1];

		queue_id_make(a, 1795250878, 999999, 99999);
		queue_id_make(b, 1795250879, 0, 1);
		ck_assert_int_lt(strcmp(a, b), 0);
	}
}
END_TEST

START_TEST(id_invalid)
{
	ck_assert(!queue_id_valid(""));
	ck_assert(!queue_id_valid("123456789f423f0000109"));           /* 21 */
	ck_assert(!queue_id_valid("123456789f423f000010923"));         /* 23 */
	ck_assert(!queue_id_valid("123456789F423F00001092"));          /* upper case */
	ck_assert(!queue_id_valid("123456789g423f00001092"));
	ck_assert(!queue_id_valid("123456789f423f0000109 "));
	ck_assert(!queue_id_valid(".23456789f423f00001092"));
	ck_assert(!queue_id_valid("123456789f423f0000/092"));
	ck_assert(queue_id_valid("0000000000000000000000"));
	ck_assert(queue_id_valid("ffffffffffffffffffffff"));
}
END_TEST

START_TEST(id_split_spread)
{
	char id[QUEUE_ID_LEN + 1];
	unsigned seen[QUEUE_SPLIT] = { 0 };
	unsigned i, n;

	/* ids from one second spread over every split directory */
	for (i = 0; i < 4096; i++) {
		queue_id_make(id, 1700000000, i * 7 % 1000000, 1000 + (pid_t)(i % 5));
		n = queue_id_split(id);
		ck_assert_uint_lt(n, QUEUE_SPLIT);
		seen[n]++;
	}
	for (i = 0; i < QUEUE_SPLIT; i++)
		ck_assert_uint_gt(seen[i], 0);
}
END_TEST

/* queue_file */

static uint64_t
le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* A consistent header: 100 body bytes, a 10-byte sender, 2 records of 24 bytes. */
static struct queue_hdr
good_hdr(void)
{
	struct queue_hdr h = {
		.id = "06b0199c328518000038b4",
		.hash = UINT64_C(0x0123456789abcdef),
		.created = 1795250878,
		.body_off = 128, .body_len = 100,
		.sender_off = 232, .sender_len = 10,
		.rcpt_off = 248, .rcpt_count = 2, .rcpt_len = 48,
	};

	return h;
}

START_TEST(hdr_round_trip)
{
	struct queue_hdr h = good_hdr(), d;
	unsigned char out[QUEUE_HDR_SIZE];
	size_t i;

	memset(out, 0xaa, sizeof out);
	queue_hdr_encode(&h, out);
	ck_assert_mem_eq(out, "HERALDQ1", 8);
	ck_assert_uint_eq(le64(out + 8), 1795250878);
	ck_assert_uint_eq(le64(out + 16), 128);
	ck_assert_uint_eq(le64(out + 24), 100);
	ck_assert_uint_eq(le64(out + 32), 232);
	ck_assert_uint_eq(le64(out + 40), 10);
	ck_assert_uint_eq(le64(out + 48), 248);
	ck_assert_uint_eq(le64(out + 56), 2);
	ck_assert_uint_eq(le64(out + 64), 48);
	ck_assert_mem_eq(out + 72, "06b0199c328518000038b4", 22);
	ck_assert_uint_eq(le64(out + 96), UINT64_C(0x0123456789abcdef));
	for (i = 94; i < QUEUE_HDR_SIZE; i++)
		if (i < 96 || i >= 104)
			ck_assert_uint_eq(out[i], 0);
	memset(&d, 0xff, sizeof d);
	ck_assert_int_eq(queue_hdr_decode(out, 296, &d), 0);
	ck_assert_mem_eq(&d, &h, sizeof h);
	/* an empty body and a null sender; an unsealed header (no id) */
	h = (struct queue_hdr){ .created = 1, .body_off = 128, .body_len = 0, .sender_off = 128,
		.sender_len = 0, .rcpt_off = 136, .rcpt_count = 1, .rcpt_len = 16 };
	queue_hdr_encode(&h, out);
	for (i = 72; i < QUEUE_HDR_SIZE; i++)
		ck_assert_uint_eq(out[i], 0);
	memset(&d, 0xff, sizeof d);
	ck_assert_int_eq(queue_hdr_decode(out, 152, &d), 0);
	ck_assert_mem_eq(&d, &h, sizeof h);
}
END_TEST

START_TEST(hdr_bad)
{
	struct queue_hdr h = good_hdr(), d;
	unsigned char out[QUEUE_HDR_SIZE];

	queue_hdr_encode(&h, out);
	out[7] = '2';
	ck_assert_int_eq(queue_hdr_decode(out, 296, &d), -1);
	ck_assert_ptr_nonnull(strstr(err_str(), "magic"));

	queue_hdr_encode(&h, out);
	ck_assert_int_eq(queue_hdr_decode(out, 295, &d), -1);  /* file too short */
	ck_assert_int_eq(queue_hdr_decode(out, 297, &d), -1);  /* file too long */
	ck_assert_int_eq(queue_hdr_decode(out, 0, &d), -1);

#define BAD(field, value) do { \
		h = good_hdr(); \
		h.field = (value); \
		queue_hdr_encode(&h, out); \
		ck_assert_int_eq(queue_hdr_decode(out, 296, &d), -1); \
	} while (0)
	BAD(body_off, 136);
	BAD(body_len, 105);
	BAD(body_len, (uint64_t)-1);
	BAD(sender_off, 240);
	BAD(sender_off, 228);
	BAD(sender_len, 16);
	BAD(sender_len, QUEUE_ADDR_MAX + 1);
	BAD(rcpt_off, 256);
	BAD(rcpt_len, 40);
	BAD(rcpt_len, (uint64_t)-1);
	BAD(rcpt_count, 4);
	BAD(rcpt_count, (uint64_t)-1);
#undef BAD
	/* a count that fits the records is fine */
	h = good_hdr();
	h.rcpt_count = 3;
	queue_hdr_encode(&h, out);
	ck_assert_int_eq(queue_hdr_decode(out, 296, &d), 0);
}
END_TEST

START_TEST(rstate)
{
	struct queue_rstate s = { QUEUE_RCPT_DONE, 513, 0x01020304 }, d;
	static const unsigned char want[8] = { 'D', 0, 0x01, 0x02, 0x04, 0x03, 0x02, 0x01 };
	unsigned char out[QUEUE_RSTATE_SIZE];
	static const uint8_t states[] = { 'P', 'D', 'F', 'B' };
	size_t i;

	queue_rstate_encode(&s, out);
	ck_assert_mem_eq(out, want, sizeof want);
	ck_assert_int_eq(queue_rstate_decode(out, &d), 0);
	ck_assert_uint_eq(d.state, 'D');
	ck_assert_uint_eq(d.tries, 513);
	ck_assert_uint_eq(d.next_try, 0x01020304);
	for (i = 0; i < sizeof states; i++) {
		s = (struct queue_rstate){ states[i], 65535, 0xffffffffu };
		queue_rstate_encode(&s, out);
		ck_assert_int_eq(queue_rstate_decode(out, &d), 0);
		ck_assert_uint_eq(d.state, states[i]);
		ck_assert_uint_eq(d.tries, 65535);
		ck_assert_uint_eq(d.next_try, 0xffffffffu);
	}
	out[0] = 'X';
	ck_assert_int_eq(queue_rstate_decode(out, &d), -1);
	out[0] = 0;
	ck_assert_int_eq(queue_rstate_decode(out, &d), -1);
	out[0] = 'p';
	ck_assert_int_eq(queue_rstate_decode(out, &d), -1);
}
END_TEST

START_TEST(rcpt_sizes)
{
	size_t len;

	ck_assert_uint_eq(queue_rcpt_size(0), 16);
	ck_assert_uint_eq(queue_rcpt_size(3), 16);
	ck_assert_uint_eq(queue_rcpt_size(4), 24);
	ck_assert_uint_eq(queue_rcpt_size(11), 24);
	ck_assert_uint_eq(queue_rcpt_size(12), 32);
	ck_assert_uint_eq(queue_rcpt_size(QUEUE_ADDR_MAX), 1016);
	for (len = 0; len <= QUEUE_ADDR_MAX; len++) {
		ck_assert_uint_eq(queue_rcpt_size(len) % 8, 0);
		ck_assert_uint_ge(queue_rcpt_size(len), QUEUE_RCPT_FIXED + len + 1);
		ck_assert_uint_lt(queue_rcpt_size(len), QUEUE_RCPT_FIXED + len + 1 + 8);
	}
	ck_assert_uint_eq(queue_file_pad(0), 0);
	ck_assert_uint_eq(queue_file_pad(1), 8);
	ck_assert_uint_eq(queue_file_pad(8), 8);
	ck_assert_uint_eq(queue_file_pad(9), 16);
}
END_TEST

START_TEST(rcpt_domain)
{
	ck_assert_uint_eq(queue_rcpt_domain("user@Example.ORG", 16), 5);
	ck_assert_uint_eq(queue_rcpt_domain("a@b@c", 5), 4);
	ck_assert_uint_eq(queue_rcpt_domain("postmaster", 10), 10);
	ck_assert_uint_eq(queue_rcpt_domain("", 0), 0);
	ck_assert_uint_eq(queue_rcpt_domain("user@", 5), 5);
	ck_assert_uint_eq(queue_rcpt_domain("@x", 2), 1);
	/* only the first len bytes count */
	ck_assert_uint_eq(queue_rcpt_domain("ab@cd", 2), 2);
}
END_TEST

/* Encode addr, check the bytes, decode it back. */
static void
rcpt_check(const char *addr, size_t len, size_t dom)
{
	unsigned char rec[1024];
	struct queue_rcpt r;
	size_t size = queue_rcpt_size(len), used = 0, i;

	memset(rec, 0xee, sizeof rec);
	queue_rcpt_encode(addr, len, rec);
	ck_assert_uint_eq(rec[0], 'P');
	ck_assert_uint_eq(rec[1] | rec[2] | rec[3] | rec[4] | rec[5] | rec[6] | rec[7], 0);
	ck_assert_uint_eq(rec[8] | rec[9] << 8, len);
	ck_assert_uint_eq(rec[10] | rec[11] << 8, dom);
	ck_assert_mem_eq(rec + QUEUE_RCPT_FIXED, addr, len);
	for (i = QUEUE_RCPT_FIXED + len; i < size; i++)
		ck_assert_uint_eq(rec[i], 0);
	ck_assert_uint_eq(rec[size], 0xee);             /* nothing written past the record */
	for (i = 0; i < size; i++)
		ck_assert_int_eq(queue_rcpt_decode(rec, i, &r, &used), 0);
	ck_assert_int_eq(queue_rcpt_decode(rec, size, &r, &used), 1);
	ck_assert_uint_eq(used, size);
	ck_assert_uint_eq(r.st.state, 'P');
	ck_assert_uint_eq(r.st.tries, 0);
	ck_assert_uint_eq(r.st.next_try, 0);
	ck_assert_uint_eq(r.addr_len, len);
	ck_assert_uint_eq(r.dom_off, dom);
	ck_assert_ptr_eq(r.addr, (const char *)rec + QUEUE_RCPT_FIXED);
	ck_assert_mem_eq(r.addr, addr, len);
	ck_assert_int_eq(r.addr[len], '\0');
	ck_assert_int_eq(queue_rcpt_decode(rec, sizeof rec, &r, &used), 1);
	ck_assert_uint_eq(used, size);
}

START_TEST(rcpt_round_trip)
{
	char big[QUEUE_ADDR_MAX];

	rcpt_check("user@example.org", 16, 5);
	rcpt_check("abc", 3, 3);                        /* record of exactly 16 */
	rcpt_check("abcdefghijk", 11, 11);              /* 12 + 11 + 1 = 24, no padding */
	rcpt_check("a@bcdefghij", 11, 2);
	rcpt_check("", 0, 0);
	rcpt_check("a@b@c.d", 7, 4);
	rcpt_check("\xff\x01 \n@\x80", 6, 5);
	memset(big, 'x', sizeof big);
	big[500] = '@';
	rcpt_check(big, sizeof big, 501);
}
END_TEST

START_TEST(rcpt_malformed)
{
	unsigned char rec[64], bad[2048];
	struct queue_rcpt r;
	size_t used;

	memset(rec, 0, sizeof rec);
	queue_rcpt_encode("user@example.org", 16, rec);
	memcpy(bad, rec, 40);
	bad[0] = 'Q';                                   /* unknown state */
	ck_assert_int_eq(queue_rcpt_decode(bad, 40, &r, &used), -1);
	memcpy(bad, rec, 40);
	bad[10] = 17;                                   /* dom_off past the address */
	ck_assert_int_eq(queue_rcpt_decode(bad, 40, &r, &used), -1);
	memcpy(bad, rec, 40);
	bad[QUEUE_RCPT_FIXED + 3] = '\0';               /* NUL inside the address */
	ck_assert_int_eq(queue_rcpt_decode(bad, 40, &r, &used), -1);
	memcpy(bad, rec, 40);
	bad[QUEUE_RCPT_FIXED + 16] = 'x';               /* terminating NUL missing */
	ck_assert_int_eq(queue_rcpt_decode(bad, 40, &r, &used), -1);
	memset(bad, 0, sizeof bad);
	memcpy(bad, rec, 12);
	bad[8] = (unsigned char)((QUEUE_ADDR_MAX + 1) & 0xff);
	bad[9] = (unsigned char)((QUEUE_ADDR_MAX + 1) >> 8);
	ck_assert_int_eq(queue_rcpt_decode(bad, sizeof bad, &r, &used), -1);
	ck_assert_int_eq(queue_rcpt_decode(bad, 12, &r, &used), -1);
	/* the untouched record still decodes */
	ck_assert_int_eq(queue_rcpt_decode(rec, 40, &r, &used), 1);
}
END_TEST

START_TEST(rcpt_cmp)
{
	unsigned char a[64], b[64];

#define CMP(x, y) (queue_rcpt_encode((x), strlen(x), a), \
		queue_rcpt_encode((y), strlen(y), b), queue_rcpt_cmp_domain(a, b))
	ck_assert_int_eq(CMP("a@EXAMPLE.org", "zz@example.ORG"), 0);
	ck_assert_int_eq(CMP("x@Example.Org", "x@example.org"), 0);
	ck_assert_int_lt(CMP("z@a.com", "a@b.com"), 0);
	ck_assert_int_gt(CMP("a@b.com", "z@a.com"), 0);
	ck_assert_int_lt(CMP("x@AB", "x@abc"), 0);
	ck_assert_int_gt(CMP("x@abc", "x@AB"), 0);
	ck_assert_int_lt(CMP("B@A.com", "a@b.com"), 0);   /* only the domain counts */
	ck_assert_int_lt(CMP("postmaster", "x@a"), 0);     /* no domain sorts first */
	ck_assert_int_eq(CMP("postmaster", "root"), 0);
	ck_assert_int_eq(CMP("a@b@c.d", "x@C.D"), 0);      /* after the last '@' */
	ck_assert_int_lt(CMP("x@a.b", "x@a_b"), 0);
	ck_assert_int_gt(CMP("x@Z.com", "x@_"), 0);        /* 'z' > '_' only after folding */
#undef CMP
}
END_TEST

static Suite *
format_suite(void)
{
	Suite *s = suite_create("queue_format");
	TCase *tc;

	tc = tcase_create("queue_id");
	tcase_add_test(tc, id_round_trip);
	tcase_add_test(tc, id_invalid);
	tcase_add_test(tc, id_split_spread);
	suite_add_tcase(s, tc);

	tc = tcase_create("queue_file");
	tcase_add_test(tc, hdr_round_trip);
	tcase_add_test(tc, hdr_bad);
	tcase_add_test(tc, rstate);
	tcase_add_test(tc, rcpt_sizes);
	tcase_add_test(tc, rcpt_domain);
	tcase_add_test(tc, rcpt_round_trip);
	tcase_add_test(tc, rcpt_malformed);
	tcase_add_test(tc, rcpt_cmp);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(format_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
