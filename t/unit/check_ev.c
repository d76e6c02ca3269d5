/* check_ev: unit tests for src/net/ev.c, the event loop: timers fire in
 * the order of their times, re-arming moves an armed timer, stopping one
 * (even from another's callback in the same round) keeps it from firing;
 * descriptors report what is wanted, hang-ups come as EV_ERROR, and a
 * callback that removes (and frees) a watcher whose event is pending in
 * the same round keeps that watcher from being called. Freed watchers are
 * heap-allocated so that AddressSanitizer sees any later use. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ev.h"

#define ROUNDS 200                      /* bound on every loop below */

struct fired {
	int64_t at[256], seen[256];
	int n;
};

static struct fired fired;

static void
record(struct ev_timer *t)
{
	struct ev *ev = t->arg;

	ck_assert_int_lt(fired.n, 256);
	fired.at[fired.n] = t->at;
	fired.seen[fired.n] = ev_now(ev);
	fired.n++;
}

/* Run ev until want timers have fired (bounded). */
static void
run_until(struct ev *ev, int want)
{
	int i;

	for (i = 0; i < ROUNDS && fired.n < want; i++)
		ck_assert_int_ge(ev_run_once(ev, 100), 0);
	ck_assert_int_eq(fired.n, want);
}

START_TEST(timer_order)
{
	struct ev *ev = ev_new();
	struct ev_timer t[200];
	int64_t now;
	unsigned seed = 7;
	int i;

	ck_assert_ptr_nonnull(ev);
	memset(&fired, 0, sizeof fired);
	memset(t, 0, sizeof t);
	now = ev_now_update(ev);
	for (i = 0; i < 200; i++) {
		seed = seed * 1103515245 + 12345;
		ck_assert_int_eq(ev_timer_at(ev, &t[i], now + (seed >> 16) % 25 - 3, record, ev), 0);
		ck_assert(ev_timer_armed(&t[i]));
	}
	ck_assert_uint_eq(ev_count(ev), 200);
	run_until(ev, 200);
	for (i = 0; i < 200; i++) {
		ck_assert(!ev_timer_armed(&t[i]));
		ck_assert_int_ge(fired.seen[i], fired.at[i]);   /* never early */
		if (i > 0)
			ck_assert_int_ge(fired.at[i], fired.at[i - 1]);
	}
	ck_assert_uint_eq(ev_count(ev), 0);
	ev_free(ev);
}
END_TEST

START_TEST(timer_rearm_stop)
{
	struct ev *ev = ev_new();
	struct ev_timer a, b, c;
	int64_t now;

	memset(&fired, 0, sizeof fired);
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(&c, 0, sizeof c);
	now = ev_now_update(ev);
	ev_timer_at(ev, &a, now + 10, record, ev);
	ev_timer_at(ev, &b, now + 20, record, ev);
	ev_timer_at(ev, &c, now + 5, record, ev);
	ev_timer_at(ev, &a, now + 30, record, ev);      /* re-armed while armed */
	ck_assert_uint_eq(ev_count(ev), 3);
	ev_timer_stop(ev, &c);
	ev_timer_stop(ev, &c);                          /* twice is harmless */
	ck_assert(!ev_timer_armed(&c));
	ck_assert_uint_eq(ev_count(ev), 2);
	run_until(ev, 2);
	ck_assert_int_eq(fired.at[0], now + 20);
	ck_assert_int_eq(fired.at[1], now + 30);
	/* a fired timer can be armed again */
	now = ev_now(ev);
	ev_timer_at(ev, &c, now + 1, record, ev);
	run_until(ev, 3);
	ck_assert_int_eq(fired.at[2], now + 1);
	ev_free(ev);
}
END_TEST

/* Two due timers, each stopping the other: one fires in the round. */
static struct ev_timer *pair[2];
static int pair_fired;

static void
stop_other(struct ev_timer *t)
{
	struct ev *ev = t->arg;

	pair_fired++;
	ev_timer_stop(ev, t == pair[0] ? pair[1] : pair[0]);
}

/* A timer that re-arms itself for later, three times. */
static int ticks;

static void
tick(struct ev_timer *t)
{
	struct ev *ev = t->arg;

	if (++ticks < 3)
		ev_timer_at(ev, t, ev_now(ev) + 2, tick, ev);
}

START_TEST(timer_stop_in_round)
{
	struct ev *ev = ev_new();
	struct ev_timer a, b, p;
	int64_t now = ev_now_update(ev);
	int i;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(&p, 0, sizeof p);
	pair[0] = &a;
	pair[1] = &b;
	pair_fired = 0;
	ev_timer_at(ev, &a, now - 5, stop_other, ev);
	ev_timer_at(ev, &b, now - 5, stop_other, ev);
	ck_assert_int_eq(ev_run_once(ev, 0), 1);
	ck_assert_int_eq(pair_fired, 1);
	ck_assert(!ev_timer_armed(&a) && !ev_timer_armed(&b));
	ck_assert_int_eq(ev_run_once(ev, 0), 0);
	ck_assert_int_eq(pair_fired, 1);
	ticks = 0;
	ev_timer_at(ev, &p, now, tick, ev);
	for (i = 0; i < ROUNDS && ticks < 3; i++)
		ev_run_once(ev, 50);
	ck_assert_int_eq(ticks, 3);
	ck_assert(!ev_timer_armed(&p));
	ev_free(ev);
}
END_TEST

/* Descriptor watchers that delete (and free) each other. */
struct watch {
	struct ev_io io;
	struct ev *ev;
	struct watch **other;           /* the other watcher, NULL once freed */
	int calls;
	unsigned events;
};

static int io_calls;

static void
kill_other(struct ev_io *w, unsigned events)
{
	struct watch *me = w->arg;

	io_calls++;
	me->calls++;
	me->events = events;
	if (*me->other != NULL) {
		ev_io_del(me->ev, &(*me->other)->io);
		free(*me->other);
		*me->other = NULL;
	}
}

START_TEST(io_delete_pending)
{
	struct ev *ev = ev_new();
	struct watch *w[2];
	int p[2][2], i;

	io_calls = 0;
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(pipe(p[i]), 0);
		ck_assert_int_eq(write(p[i][1], "x", 1), 1);
		w[i] = calloc(1, sizeof *w[i]);
		w[i]->ev = ev;
	}
	for (i = 0; i < 2; i++) {
		w[i]->other = &w[1 - i];
		ck_assert_int_eq(ev_io_add(ev, &w[i]->io, p[i][0], EV_READ, kill_other, w[i]), 0);
	}
	ck_assert_uint_eq(ev_count(ev), 2);
	/* both are readable and reported in one round; the first called
	 * removes and frees the other, which must not be called */
	ck_assert_int_eq(ev_run_once(ev, 1000), 1);
	ck_assert_int_eq(io_calls, 1);
	ck_assert_uint_eq(ev_count(ev), 1);
	i = w[0] != NULL ? 0 : 1;
	ck_assert_ptr_nonnull(w[i]);
	ck_assert_ptr_null(w[1 - i]);
	ck_assert_int_eq(w[i]->calls, 1);
	ck_assert_uint_eq(w[i]->events, EV_READ);
	/* still readable: called again, alone */
	ck_assert_int_eq(ev_run_once(ev, 1000), 1);
	ck_assert_int_eq(w[i]->calls, 2);
	ev_io_del(ev, &w[i]->io);
	ev_io_del(ev, &w[i]->io);                       /* twice is harmless */
	ck_assert_uint_eq(ev_count(ev), 0);
	ck_assert_int_eq(ev_run_once(ev, 0), 0);
	free(w[i]);
	for (i = 0; i < 2; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	ev_free(ev);
}
END_TEST

static void
remember(struct ev_io *w, unsigned events)
{
	struct watch *me = w->arg;

	me->calls++;
	me->events |= events;
}

START_TEST(io_want_hangup)
{
	struct ev *ev = ev_new();
	struct watch w;
	int sv[2];

	memset(&w, 0, sizeof w);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(ev_io_want(ev, &w.io, EV_READ), -1);  /* not added */
	ck_assert_int_eq(ev_io_add(ev, &w.io, sv[0], EV_WRITE, remember, &w), 0);
	ck_assert_int_eq(ev_run_once(ev, 1000), 1);
	ck_assert_uint_eq(w.events, EV_WRITE);
	ck_assert_int_eq(ev_io_want(ev, &w.io, 0), 0);
	w.events = 0;
	ck_assert_int_eq(ev_run_once(ev, 0), 0);
	ck_assert_int_eq(ev_io_want(ev, &w.io, EV_READ), 0);
	ck_assert_int_eq(ev_run_once(ev, 0), 0);        /* nothing to read yet */
	ck_assert_int_eq(write(sv[1], "y", 1), 1);
	ck_assert_int_eq(ev_run_once(ev, 1000), 1);
	ck_assert_uint_eq(w.events, EV_READ);
	w.events = 0;
	close(sv[1]);
	ck_assert_int_eq(ev_run_once(ev, 1000), 1);
	ck_assert(w.events & EV_ERROR);
	ck_assert(w.events & EV_READ);
	ck_assert(!(w.events & EV_WRITE));
	ev_io_del(ev, &w.io);
	close(sv[0]);
	ck_assert_int_eq(ev_run_once(ev, 0), 0);
	ev_free(ev);
}
END_TEST

static Suite *
ev_suite(void)
{
	Suite *s = suite_create("ev");
	TCase *tc;

	tc = tcase_create("timer");
	tcase_add_test(tc, timer_order);
	tcase_add_test(tc, timer_rearm_stop);
	tcase_add_test(tc, timer_stop_in_round);
	suite_add_tcase(s, tc);
	tc = tcase_create("io");
	tcase_add_test(tc, io_delete_pending);
	tcase_add_test(tc, io_want_hangup);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ev_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
