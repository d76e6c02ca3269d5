/* tcpd_worker: the worker side of herald-tcpd's worker mode (herald-tcpd(8),
 * -w). A worker is a long-running program that herald-tcpd starts with
 * HERALD_TCPD_WORKER=1 in its environment and one end of an AF_UNIX
 * SOCK_SEQPACKET socket pair on descriptor 0. Wire format, one message per
 * direction per connection:
 *   herald-tcpd -> worker: the connection's environment block, entries
 *     "NAME=VALUE\0" (PROTO, TCPLOCALIP, TCPLOCALPORT, TCPREMOTEIP,
 *     TCPREMOTEPORT, then the variables of the rule), at most
 *     TCPD_WORKER_ENV_MAX bytes, with exactly one descriptor (the
 *     connection) attached as SCM_RIGHTS;
 *   worker -> herald-tcpd: the one byte "d" once the worker has closed the
 *     connection.
 * End of file on the socket means the worker is to exit. A worker serves
 * one connection at a time; herald-tcpd sends nothing while one is open. */
#ifndef HERALD_TCPD_WORKER_H
#define HERALD_TCPD_WORKER_H

#include <stdbool.h>

#include "buf.h"

#define TCPD_WORKER_ENV "HERALD_TCPD_WORKER"
#define TCPD_WORKER_ENV_MAX (64 * 1024)   /* bytes of one environment block */
#define TCPD_WORKER_DONE 'd'

/* True if this process was started as a worker (HERALD_TCPD_WORKER=1). */
bool tcpd_worker_mode(void);
/* Receive the next connection: 1 with its descriptor (close-on-exec) in
 * *fd and its environment block in env, 0 at end of file (or when herald-tcpd
 * reset the socket: it is gone), -1 on an error
 * or a malformed message (no descriptor is left open then). */
int tcpd_worker_next(int sock, struct buf *env, int *fd);
/* Tell herald-tcpd the connection is over (after closing it). */
int tcpd_worker_done(int sock);
/* The value of name in an environment block (the last one if repeated), or NULL. */
const char *tcpd_worker_env_get(const struct buf *env, const char *name);
/* Put the block's variables into the process environment for the
 * programs the worker runs; saved records what they replaced. */
int tcpd_worker_env_set(const struct buf *env, struct buf *saved);
/* Undo tcpd_worker_env_set (before env changes); saved is emptied. */
void tcpd_worker_env_restore(const struct buf *env, struct buf *saved);

#endif
