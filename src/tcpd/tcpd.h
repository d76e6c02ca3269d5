/* tcpd: herald-tcpd's server (herald-tcpd(8)): binds the listening
 * sockets, accepts connections in one process, applies the rules and the
 * connection limits, and runs the program for each connection with the
 * socket on fd 0 and 1 and the UCSPI environment. Invariants: at most
 * maxconn children run at once (the listening sockets are not polled while
 * that many do, so further clients wait in the backlog); a client address
 * is counted in the per-client table exactly while it has a live child;
 * signals only write a byte to a self-pipe, all work happens in the loop.
 * In worker mode (-w) the connections go to long-running workers instead
 * (tcpd_pool.h), at most maxconn of them, with the same limits. */
#ifndef HERALD_TCPD_H
#define HERALD_TCPD_H

#include <stdbool.h>
#include <sys/types.h>

enum tcpd_verbosity {
	TCPD_QUIET,                     /* warnings only */
	TCPD_NORMAL,                    /* one line per connection event */
	TCPD_VERBOSE,                   /* and rule matches, reloads, counts */
};

struct tcpd_conf {
	const char *addrs;              /* comma-separated addresses to bind */
	const char *port;               /* decimal; "0" for an ephemeral port */
	char *const *argv;              /* the program and its arguments */
	unsigned long maxconn;          /* -c: children (or workers) at once (>= 1) */
	bool workers;                   /* -w: hand connections to workers */
	unsigned long maxsessions;      /* -m: connections per worker (>= 1) */
	unsigned long maxper;           /* -C: per client address; 0 for no limit */
	int backlog;                    /* -b */
	const char *rules;              /* -x: the rules file, or NULL */
	const char *refuse;             /* -r: text for refused clients, or NULL */
	const char *portfile;           /* -P: where to write the bound ports, or NULL */
	bool set_uid, set_gid;          /* drop privileges to uid/gid after binding */
	uid_t uid;
	gid_t gid;
	enum tcpd_verbosity verbosity;
};

/* Serve until SIGTERM or SIGINT (returns 0); -1 when start-up fails. */
int tcpd_run(const struct tcpd_conf *c);

#endif
