/* lspawn: herald-lspawn's event loop (herald-lspawn(8)).
 * One poll(2) loop over fd 0 (requests from herald-send, lspawn_req.h), a
 * self-pipe written by the SIGCHLD, SIGTERM and SIGINT handler, and the stdout pipe of every
 * running herald-local. Each request is resolved (users.h) and started at
 * once (lspawn_child.h); herald-send limits the concurrency, herald-lspawn
 * only refuses more than LSPAWN_MAX deliveries in flight. A delivery ends
 * when its child is reaped: what is left in its pipe is read, the result is
 * written to fd 1 with one write and one line is logged.
 * After SIGTERM or SIGINT no delivery starts (each request is answered
 * with a deferral) and the loop ends once those in flight are reported.
 * Invariants: every started delivery gets exactly one result; at end of
 * fd 0 the loop ends only when no delivery is left. A malformed request is
 * a violated protocol: lspawn_run returns -1 at once. */
#ifndef HERALD_LSPAWN_H
#define HERALD_LSPAWN_H

#include "lspawn_child.h"

/* Most deliveries in flight at once. */
#define LSPAWN_MAX 1000

/* Serve requests until fd 0 ends and every delivery is reported (0), or
 * until a fatal error: a violated protocol or fd 1 gone (-1, err_str says). */
int lspawn_run(const struct lspawn_conf *c);

#endif
