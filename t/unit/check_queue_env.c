/* check_queue_env: unit tests for the incremental parser of qmail-queue's
 * envelope (F<sender>\0 T<rcpt>\0 ... \0), each case fed in one chunk and
 * in chunks of 1, 2, 3 and 7 bytes. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "queue_env.h"

struct collect {
	struct buf sender;
	bool have_sender;
	struct buf rcpts;               /* each address followed by a NUL */
	size_t n;
	size_t fail_at;                 /* fail on this recipient number (1-based); 0 never */
	bool sender_after_rcpt;
};

static int
collect_cb(void *arg, bool is_sender, const char *addr, size_t len)
{
	struct collect *c = arg;

	ck_assert_int_eq(addr[len], '\0');
	if (is_sender) {
		if (c->have_sender || c->n)
			c->sender_after_rcpt = true;
		c->have_sender = true;
		return buf_set(&c->sender, addr, len);
	}
	if (c->fail_at && c->n + 1 == c->fail_at)
		return -1;
	c->n++;
	if (buf_add(&c->rcpts, addr, len) == -1 || buf_addc(&c->rcpts, '\0') == -1)
		return -1;
	return 0;
}

/* Feed in chunks of `chunk` bytes until a result other than MORE;
 * *consumed gets the bytes used in total. */
static enum queue_env_result
feed(struct queue_env *e, struct collect *c, const char *p, size_t n, size_t chunk,
    size_t *consumed)
{
	enum queue_env_result r = QUEUE_ENV_MORE;
	size_t pos = 0, k, used;

	memset(c, 0, sizeof *c);
	queue_env_init(e, collect_cb, c);
	*consumed = 0;
	while (pos < n) {
		k = n - pos < chunk ? n - pos : chunk;
		used = (size_t)-1;
		r = queue_env_feed(e, p + pos, k, &used);
		ck_assert_uint_le(used, k);
		*consumed += used;
		if (r != QUEUE_ENV_MORE)
			return r;
		ck_assert_uint_eq(used, k);
		pos += k;
	}
	return r;
}

static void
collect_free(struct collect *c)
{
	buf_free(&c->sender);
	buf_free(&c->rcpts);
}

static const size_t chunks[] = { 1, 2, 3, 7, 64 * 1024 };
#define NCHUNKS (sizeof chunks / sizeof *chunks)

START_TEST(env_normal)
{
	static const char in[] = "Fsender@x.org\0Ta@b.com\0T\xff\n@y\0Tc@D\0\0";
	struct queue_env e;
	struct collect c;
	size_t used;

	enum queue_env_result r = feed(&e, &c, in, sizeof in - 1, chunks[_i], &used);

	ck_assert_int_eq(r, QUEUE_ENV_DONE);
	ck_assert_uint_eq(used, sizeof in - 1);
	ck_assert(c.have_sender);
	ck_assert(!c.sender_after_rcpt);
	ck_assert_str_eq(c.sender.p, "sender@x.org");
	ck_assert_uint_eq(c.n, 3);
	ck_assert_uint_eq(e.rcpts, 3);
	ck_assert_uint_eq(c.rcpts.len, 17);
	ck_assert_mem_eq(c.rcpts.p, "a@b.com\0\xff\n@y\0c@D\0", 17);
	collect_free(&c);
}
END_TEST

START_TEST(env_edge)
{
	struct queue_env e;
	struct collect c;
	size_t used, ch = chunks[_i];

	/* zero recipients, null sender */
	ck_assert_int_eq(feed(&e, &c, "Fs@x\0\0", 6, ch, &used), QUEUE_ENV_DONE);
	ck_assert_uint_eq(used, 6);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_str_eq(c.sender.p, "s@x");
	collect_free(&c);
	ck_assert_int_eq(feed(&e, &c, "F\0Ta\0\0", 6, ch, &used), QUEUE_ENV_DONE);
	ck_assert(c.have_sender);
	ck_assert_uint_eq(c.sender.len, 0);
	ck_assert_uint_eq(c.n, 1);
	collect_free(&c);
	/* bytes after the final NUL are not consumed */
	ck_assert_int_eq(feed(&e, &c, "Fs\0Ta\0\0Tjunk", 12, ch, &used), QUEUE_ENV_DONE);
	ck_assert_uint_eq(used, 7);
	ck_assert_uint_eq(c.n, 1);
	collect_free(&c);
	/* missing final NUL, cut in an address, nothing at all: more is needed */
	ck_assert_int_eq(feed(&e, &c, "Fs\0Ta\0", 6, ch, &used), QUEUE_ENV_MORE);
	ck_assert_uint_eq(used, 6);
	ck_assert_uint_eq(c.n, 1);
	collect_free(&c);
	ck_assert_int_eq(feed(&e, &c, "Fs\0Tab", 6, ch, &used), QUEUE_ENV_MORE);
	ck_assert_uint_eq(c.n, 0);
	collect_free(&c);
	ck_assert_int_eq(feed(&e, &c, "F", 1, ch, &used), QUEUE_ENV_MORE);
	ck_assert(!c.have_sender);
	collect_free(&c);
	ck_assert_int_eq(feed(&e, &c, "", 0, ch, &used), QUEUE_ENV_MORE);
	collect_free(&c);
}
END_TEST

START_TEST(env_format)
{
	struct queue_env e;
	struct collect c;
	size_t used, ch = chunks[_i];

	ck_assert_int_eq(feed(&e, &c, "Ts\0\0", 4, ch, &used), QUEUE_ENV_FORMAT);
	ck_assert_uint_eq(used, 0);
	ck_assert(!c.have_sender);
	collect_free(&c);
	ck_assert_int_eq(feed(&e, &c, "\0", 1, ch, &used), QUEUE_ENV_FORMAT);
	collect_free(&c);
	ck_assert_int_eq(feed(&e, &c, "Fs\0Ta\0Xb\0\0", 10, ch, &used), QUEUE_ENV_FORMAT);
	ck_assert_uint_eq(used, 6);
	ck_assert_uint_eq(c.n, 1);
	collect_free(&c);
	ck_assert_int_eq(feed(&e, &c, "Fs\0Fb\0\0", 7, ch, &used), QUEUE_ENV_FORMAT);
	ck_assert(!c.sender_after_rcpt);
	collect_free(&c);
	/* "t" is not "T" */
	ck_assert_int_eq(feed(&e, &c, "Fs\0ta\0\0", 7, ch, &used), QUEUE_ENV_FORMAT);
	collect_free(&c);
	/* nothing is accepted after DONE */
	ck_assert_int_eq(feed(&e, &c, "Fs\0\0", 4, ch, &used), QUEUE_ENV_DONE);
	ck_assert_int_eq(queue_env_feed(&e, "T", 1, &used), QUEUE_ENV_FORMAT);
	ck_assert_uint_eq(used, 0);
	collect_free(&c);
}
END_TEST

START_TEST(env_toolong)
{
	struct queue_env e;
	struct collect c;
	struct buf in = BUF_INIT;
	size_t used, ch = chunks[_i];
	char addr[QUEUE_ADDR_MAX + 1];

	memset(addr, 'a', sizeof addr);
	addr[10] = '@';
	/* QUEUE_ADDR_MAX bytes: fine, as recipient and as sender */
	ck_assert_int_eq(buf_sets(&in, "F"), 0);
	ck_assert_int_eq(buf_add(&in, addr, QUEUE_ADDR_MAX), 0);
	ck_assert_int_eq(buf_add(&in, "\0T", 2), 0);
	ck_assert_int_eq(buf_add(&in, addr, QUEUE_ADDR_MAX), 0);
	ck_assert_int_eq(buf_add(&in, "\0\0", 2), 0);
	ck_assert_int_eq(feed(&e, &c, in.p, in.len, ch, &used), QUEUE_ENV_DONE);
	ck_assert_uint_eq(used, in.len);
	ck_assert_uint_eq(c.sender.len, QUEUE_ADDR_MAX);
	ck_assert_mem_eq(c.sender.p, addr, QUEUE_ADDR_MAX);
	ck_assert_uint_eq(c.rcpts.len, QUEUE_ADDR_MAX + 1);
	ck_assert_mem_eq(c.rcpts.p, addr, QUEUE_ADDR_MAX);
	collect_free(&c);
	/* one more byte in the recipient */
	ck_assert_int_eq(buf_set(&in, "Fs\0Tok\0T", 8), 0);
	ck_assert_int_eq(buf_add(&in, addr, QUEUE_ADDR_MAX + 1), 0);
	ck_assert_int_eq(buf_add(&in, "\0\0", 2), 0);
	ck_assert_int_eq(feed(&e, &c, in.p, in.len, ch, &used), QUEUE_ENV_TOOLONG);
	ck_assert_uint_eq(used, 8 + QUEUE_ADDR_MAX);
	ck_assert_uint_eq(c.n, 1);
	collect_free(&c);
	/* and in the sender */
	ck_assert_int_eq(buf_sets(&in, "F"), 0);
	ck_assert_int_eq(buf_add(&in, addr, QUEUE_ADDR_MAX + 1), 0);
	ck_assert_int_eq(buf_add(&in, "\0\0", 2), 0);
	ck_assert_int_eq(feed(&e, &c, in.p, in.len, ch, &used), QUEUE_ENV_TOOLONG);
	ck_assert(!c.have_sender);
	collect_free(&c);
	buf_free(&in);
}
END_TEST

START_TEST(env_callback)
{
	static const char in[] = "Fs\0Ta\0Tb\0Tc\0\0";
	struct queue_env e;
	struct collect c;
	size_t used = 0, pos = 0, k, ch = chunks[_i];
	enum queue_env_result r = QUEUE_ENV_MORE;

	memset(&c, 0, sizeof c);
	c.fail_at = 2;
	queue_env_init(&e, collect_cb, &c);
	while (pos < sizeof in - 1 && r == QUEUE_ENV_MORE) {
		k = sizeof in - 1 - pos < ch ? sizeof in - 1 - pos : ch;
		r = queue_env_feed(&e, in + pos, k, &used);
		pos += used;
	}
	ck_assert_int_eq(r, QUEUE_ENV_CALLBACK);
	ck_assert_uint_eq(pos, 8);                      /* stopped at the NUL of "b" */
	ck_assert_uint_eq(c.n, 1);
	ck_assert_uint_eq(e.rcpts, 1);
	collect_free(&c);
}
END_TEST

static Suite *
env_suite(void)
{
	Suite *s = suite_create("queue_env");
	TCase *tc;

	tc = tcase_create("queue_env");
	tcase_add_loop_test(tc, env_normal, 0, NCHUNKS);
	tcase_add_loop_test(tc, env_edge, 0, NCHUNKS);
	tcase_add_loop_test(tc, env_format, 0, NCHUNKS);
	tcase_add_loop_test(tc, env_toolong, 0, NCHUNKS);
	tcase_add_loop_test(tc, env_callback, 0, NCHUNKS);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(env_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
