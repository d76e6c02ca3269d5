/* tcpd_pool: herald-tcpd's side of worker mode (-w, herald-tcpd(8)): the
 * long-running workers, one socket pair each, that connections are handed
 * to (the wire format is in tcpd_worker.h). Invariants: at most max worker
 * processes exist, a slot lasting from fork until the process is reaped and
 * its socket closed; a worker is sent a connection only while it is idle,
 * so it holds at most one; the per-client count (tcpd_limit) of a
 * connection is held from the hand-over until the worker reports it done or
 * is found dead, and released exactly once. A worker that has been sent
 * maxsessions connections, or one of more than the idle reserve left idle
 * for TCPD_POOL_IDLE_MS, has its socket closed, which tells it to exit. */
#ifndef HERALD_TCPD_POOL_H
#define HERALD_TCPD_POOL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "tcpd.h"
#include "tcpd_limit.h"

/* How long a worker beyond the idle reserve may stay idle (ms). */
#define TCPD_POOL_IDLE_MS 10000
/* Idle workers kept however long they wait: this or max/4, the larger. */
#define TCPD_POOL_KEEP 4

struct tcpd_pool_worker {
	pid_t pid;                      /* 0 once reaped */
	int sock;                       /* our end of the pair; -1 once closed */
	bool busy;                      /* holds a connection from addr */
	unsigned char addr[16];
	unsigned long sessions;         /* connections sent to it */
	long long idle_since;           /* monotonic ms */
};

struct tcpd_pool {
	char *const *argv;              /* the worker program */
	unsigned long max;              /* -c: worker processes at once */
	unsigned long maxsessions;      /* -m: connections per worker */
	enum tcpd_verbosity verbosity;
	struct tcpd_limit *limit;       /* where connections are counted */
	struct tcpd_pool_worker *w;     /* max slots, the first n used */
	size_t n, nbusy;
};

/* Set up an empty pool; -1 if out of memory. */
int tcpd_pool_init(struct tcpd_pool *p, const struct tcpd_conf *c, struct tcpd_limit *limit);
/* True if a connection can be handed over now (an idle worker, or room for one). */
bool tcpd_pool_can_take(const struct tcpd_pool *p);
/* Hand connection fd (counted for addr, which stays counted on success)
 * with its environment block to an idle or new worker; the caller closes
 * fd either way. Sets *pid to the worker's. */
int tcpd_pool_send(struct tcpd_pool *p, const struct buf *env, int fd,
    const unsigned char addr[16], long long now, pid_t *pid);
/* Forget finished slots; then fill pfd with one entry per slot (n of them). */
size_t tcpd_pool_pollfds(struct tcpd_pool *p, struct pollfd *pfd);
/* Read what the workers of the first npfd slots reported (after poll). */
void tcpd_pool_input(struct tcpd_pool *p, const struct pollfd *pfd, size_t npfd, long long now);
/* A child was reaped: false if it was not a worker. */
bool tcpd_pool_reaped(struct tcpd_pool *p, pid_t pid, int status, long long now);
/* Close the sockets of surplus idle workers; ms until the next is due, or -1. */
int tcpd_pool_trim(struct tcpd_pool *p, long long now);
/* Close every worker's socket (they exit after their connection) and free the pool. */
void tcpd_pool_free(struct tcpd_pool *p);

#endif
