/* ev: epoll plus a binary min-heap of timers (see ev.h).
 *
 * Events of one epoll_wait round are kept in the loop while their
 * callbacks run, so that ev_io_del can blank out later events of the same
 * round for a watcher that is going away: no callback ever runs for a
 * removed (possibly freed) watcher. Timers that fall due are run after
 * the descriptors, each one removed from the heap before its callback;
 * a round runs at most as many timers as were due when its timer phase
 * began. */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "ev.h"

#define EV_BATCH 256

struct ev {
	int epfd;
	int64_t now;
	size_t nio;
	struct ev_timer **heap;
	size_t nheap, capheap;
	struct epoll_event batch[EV_BATCH];
	int nbatch;                     /* events of the round being dispatched */
};

static int64_t clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ev *ev_new(void)
{
	struct ev *ev = calloc(1, sizeof *ev);

	if (ev == NULL) {
		err_sys("ev: out of memory");
		return NULL;
	}
	ev->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ev->epfd < 0) {
		err_sys("ev: epoll_create1");
		free(ev);
		return NULL;
	}
	ev->now = clock_ms();
	return ev;
}

void ev_free(struct ev *ev)
{
	if (ev == NULL)
		return;
	close(ev->epfd);
	free(ev->heap);
	free(ev);
}

int64_t ev_now(const struct ev *ev)
{
	return ev->now;
}

int64_t ev_now_update(struct ev *ev)
{
	ev->now = clock_ms();
	return ev->now;
}

static uint32_t ev_mask(unsigned want)
{
	return ((want & EV_READ) ? EPOLLIN : 0) | ((want & EV_WRITE) ? EPOLLOUT : 0);
}

int ev_io_add(struct ev *ev, struct ev_io *w, int fd, unsigned want, ev_io_cb *cb, void *arg)
{
	struct epoll_event e = { .events = ev_mask(want), .data.ptr = w };

	if (epoll_ctl(ev->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
		err_sys("ev: watching descriptor %d", fd);
		return -1;
	}
	w->fd = fd;
	w->want = want;
	w->cb = cb;
	w->arg = arg;
	w->added = true;
	ev->nio++;
	return 0;
}

int ev_io_want(struct ev *ev, struct ev_io *w, unsigned want)
{
	struct epoll_event e = { .events = ev_mask(want), .data.ptr = w };

	if (!w->added) {
		err_set("ev: descriptor not watched");
		return -1;
	}
	if (w->want == want)
		return 0;
	if (epoll_ctl(ev->epfd, EPOLL_CTL_MOD, w->fd, &e) < 0) {
		err_sys("ev: changing events of descriptor %d", w->fd);
		return -1;
	}
	w->want = want;
	return 0;
}

void ev_io_del(struct ev *ev, struct ev_io *w)
{
	if (!w->added)
		return;
	epoll_ctl(ev->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->added = false;
	ev->nio--;
	for (int i = 0; i < ev->nbatch; i++)
		if (ev->batch[i].data.ptr == w)
			ev->batch[i].data.ptr = NULL;
}

/* Heap helpers: slot is index + 1 so that 0 means "not armed". */
static void heap_place(struct ev *ev, size_t i, struct ev_timer *t)
{
	ev->heap[i] = t;
	t->slot = i + 1;
}

static void heap_up(struct ev *ev, size_t i)
{
	struct ev_timer *t = ev->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (ev->heap[parent]->at <= t->at)
			break;
		heap_place(ev, i, ev->heap[parent]);
		i = parent;
	}
	heap_place(ev, i, t);
}

static void heap_down(struct ev *ev, size_t i)
{
	struct ev_timer *t = ev->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= ev->nheap)
			break;
		if (c + 1 < ev->nheap && ev->heap[c + 1]->at < ev->heap[c]->at)
			c++;
		if (t->at <= ev->heap[c]->at)
			break;
		heap_place(ev, i, ev->heap[c]);
		i = c;
	}
	heap_place(ev, i, t);
}

int ev_timer_at(struct ev *ev, struct ev_timer *t, int64_t at, ev_timer_cb *cb, void *arg)
{
	t->cb = cb;
	t->arg = arg;
	if (t->slot != 0) {
		size_t i = t->slot - 1;

		t->at = at;
		heap_up(ev, i);
		heap_down(ev, t->slot - 1);
		return 0;
	}
	if (ev->nheap == ev->capheap) {
		size_t cap = ev->capheap ? ev->capheap * 2 : 64;
		struct ev_timer **h = realloc(ev->heap, cap * sizeof *h);

		if (h == NULL) {
			err_sys("ev: out of memory for timers");
			return -1;
		}
		ev->heap = h;
		ev->capheap = cap;
	}
	t->at = at;
	ev->heap[ev->nheap] = t;
	ev->nheap++;
	heap_up(ev, ev->nheap - 1);
	return 0;
}

void ev_timer_stop(struct ev *ev, struct ev_timer *t)
{
	size_t i;
	struct ev_timer *last;

	if (t->slot == 0)
		return;
	i = t->slot - 1;
	t->slot = 0;
	last = ev->heap[--ev->nheap];
	if (i == ev->nheap)
		return;
	heap_place(ev, i, last);
	heap_up(ev, i);
	heap_down(ev, last->slot - 1);
}

bool ev_timer_armed(const struct ev_timer *t)
{
	return t->slot != 0;
}

size_t ev_count(const struct ev *ev)
{
	return ev->nio + ev->nheap;
}

/* How many timers in the heap below index i are due. */
static size_t heap_due(const struct ev *ev, size_t i)
{
	if (i >= ev->nheap || ev->heap[i]->at > ev->now)
		return 0;
	return 1 + heap_due(ev, 2 * i + 1) + heap_due(ev, 2 * i + 2);
}

/* Run as many timers as were due when the phase began: one that a
 * callback arms for now (or the past) waits for the next round, so that
 * a timer re-armed from its own callback cannot run forever while the
 * descriptors starve. */
static int run_timers(struct ev *ev)
{
	size_t due = heap_due(ev, 0);
	int ran = 0;

	while (due-- > 0 && ev->nheap > 0 && ev->heap[0]->at <= ev->now) {
		struct ev_timer *t = ev->heap[0];

		ev_timer_stop(ev, t);
		t->cb(t);
		ran++;
	}
	return ran;
}

int ev_run_once(struct ev *ev, int max_ms)
{
	int wait = max_ms, n, ran = 0;

	ev_now_update(ev);
	if (ev->nheap > 0) {
		int64_t until = ev->heap[0]->at - ev->now;

		if (until < 0)
			until = 0;
		if (wait < 0 || until < wait)
			wait = until > 86400000 ? 86400000 : (int)until;
	}
	n = epoll_wait(ev->epfd, ev->batch, EV_BATCH, wait);
	if (n < 0) {
		if (errno != EINTR) {
			err_sys("ev: epoll_wait");
			return -1;
		}
		n = 0;
	}
	ev_now_update(ev);
	ev->nbatch = n;
	for (int i = 0; i < n; i++) {
		struct ev_io *w = ev->batch[i].data.ptr;
		uint32_t e = ev->batch[i].events;
		unsigned got = 0;

		if (w == NULL)
			continue;
		if (e & EPOLLIN)
			got |= EV_READ;
		if (e & EPOLLOUT)
			got |= EV_WRITE;
		if (e & (EPOLLERR | EPOLLHUP))
			got |= EV_ERROR | (w->want & (EV_READ | EV_WRITE));
		if (got == 0)
			continue;
		w->cb(w, got);
		ran++;
	}
	ev->nbatch = 0;
	return ran + run_timers(ev);
}
