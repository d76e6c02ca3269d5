/* lspawn_child: starting herald-local for one delivery.
 * The child opens the message file as its standard input (before giving up
 * root), switches to the recipient's user when herald-lspawn runs as root
 * (groups, gid, uid; never uid 0), changes to the home directory and runs
 *   herald-local -o OFFSET -s LENGTH user home local dash ext domain sender dflt
 * with its standard output on a pipe to herald-lspawn and its standard
 * error shared with herald-lspawn. A failure before herald-local runs is
 * reported like herald-local would: one line on the pipe, exit 111. */
#ifndef HERALD_LSPAWN_CHILD_H
#define HERALD_LSPAWN_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

#include "lspawn_req.h"
#include "users.h"

struct lspawn_conf {
	const char *home;               /* the instance directory */
	int (*local)(int argc, char **argv);   /* herald-local's main (local_main) */
	const char *dflt;               /* the default delivery (control/defaultdelivery) */
	bool multi;                     /* running as root: deliver as the user */
};

/* Start herald-local for r as pw; *fd gets its stdout (non-blocking). Returns the pid or -1. */
pid_t lspawn_child_start(const struct lspawn_conf *c, const struct lspawn_req *r,
    const struct users_pw *pw, int *fd);

#endif
