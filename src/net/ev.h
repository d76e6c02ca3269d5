/* ev: herald's one event loop (epoll plus a timer heap) for programs that
 * hold many connections at once (herald-remote).
 *
 * Invariants: a registered struct ev_io or armed struct ev_timer belongs
 * to the caller and must stay in place until removed or disarmed; a
 * callback may remove or free any watcher, including its own and ones
 * whose events are pending in the same round (ev drops those events).
 * Times are milliseconds on the monotonic clock; ev_now() is read once
 * per round so that all callbacks of a round see the same "now". */
#ifndef HERALD_EV_H
#define HERALD_EV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EV_READ 1u
#define EV_WRITE 2u
#define EV_ERROR 4u                     /* error or hang-up (always reported) */

struct ev;
struct ev_io;
struct ev_timer;

typedef void ev_io_cb(struct ev_io *w, unsigned events);
typedef void ev_timer_cb(struct ev_timer *t);

struct ev_io {
	int fd;
	unsigned want;                  /* EV_READ | EV_WRITE */
	ev_io_cb *cb;
	void *arg;
	bool added;
};

struct ev_timer {
	int64_t at;                     /* when it fires (monotonic ms) */
	ev_timer_cb *cb;
	void *arg;
	size_t slot;                    /* heap position + 1; 0: not armed */
};

/* A new loop, or NULL (err_str() says why). */
struct ev *ev_new(void);
/* Free the loop (watchers are the caller's). */
void ev_free(struct ev *ev);
/* The loop's idea of now (monotonic ms, refreshed each round). */
int64_t ev_now(const struct ev *ev);
/* Refresh now from the clock and return it. */
int64_t ev_now_update(struct ev *ev);
/* Watch fd for the events in want, calling cb(w, events). */
int ev_io_add(struct ev *ev, struct ev_io *w, int fd, unsigned want, ev_io_cb *cb, void *arg);
/* Change what w waits for (0: nothing for now, but stay registered). */
int ev_io_want(struct ev *ev, struct ev_io *w, unsigned want);
/* Stop watching w's descriptor (call before closing it). */
void ev_io_del(struct ev *ev, struct ev_io *w);
/* Arm (or re-arm) t to call cb(t) at the absolute time at. */
int ev_timer_at(struct ev *ev, struct ev_timer *t, int64_t at, ev_timer_cb *cb, void *arg);
/* Disarm t (harmless when not armed). */
void ev_timer_stop(struct ev *ev, struct ev_timer *t);
/* Whether t is armed. */
bool ev_timer_armed(const struct ev_timer *t);
/* Number of registered descriptors plus armed timers. */
size_t ev_count(const struct ev *ev);
/* Wait at most max_ms (< 0: until the next timer or event) and run the
 * callbacks of what happened; returns the number of callbacks run, or -1. */
int ev_run_once(struct ev *ev, int max_ms);

#endif
