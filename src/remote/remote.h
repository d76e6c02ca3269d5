/* remote: herald-remote's delivery engine (herald-remote(8)).
 *
 * One process, one event loop (ev.h), many SMTP connections (conn.h driving
 * one smtpc.h machine each). herald-send sends one request per recipient
 * over the herald-lspawn protocol (lspawn_req.h) and gets one result per
 * recipient back. Requests become jobs queued per destination domain; a
 * domain's mail exchangers come from DNS (dns.h) or control/smtproutes;
 * each address of a mail exchanger is a host, and limits apply per host:
 * domains that share mail exchangers share their connections and limits.
 *
 * A connection serves one domain at a time: it takes the domain's jobs in
 * order, a transaction at a time (recipients of the same message with the
 * same envelope sender share a transaction, up to REMOTE_TXN_RCPTS; with
 * VERP every recipient has its own sender and so its own transaction;
 * recipients of messages sent at the same time, interleaved in the queue,
 * are still gathered per message).
 * When its domain has nothing left it turns to a domain waiting for its
 * host, else it stays idle for REMOTE_IDLE_MS for new jobs, then quits.
 *
 * A host that cannot be connected to, greets with an error, answers 421
 * or breaks the session is down for a growing time (control/backoffremote
 * doubled per failure, at most an hour); its domains' jobs go to the next
 * mail exchanger, and when every one is down they are deferred at once
 * without a connection attempt. Under the opportunistic TLS policy a host
 * whose TLS handshake fails is not down: it is used in plain text (no
 * STARTTLS) for REMOTE_NOTLS_SECS, and the domain's jobs go to a new
 * connection at once.
 *
 * Invariants: every job is in exactly one place (a domain's queue, a
 * connection's transaction) until its result is written; a domain's
 * struct lives while it has jobs, connections or a lookup in progress. */
#ifndef HERALD_REMOTE_H
#define HERALD_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "buf.h"
#include "conn.h"
#include "dns.h"
#include "ev.h"
#include "smtpc.h"
#include "smtpc_body.h"
#include "strmap.h"

#define REMOTE_TXN_RCPTS 100            /* recipients in one transaction */
#define REMOTE_TAKE_SKIP 256            /* jobs of other messages passed over to fill one */
#define REMOTE_CONN_TXNS 1000           /* transactions on one connection (default) */
#define REMOTE_IDLE_MS 5000             /* an idle connection waits this long */
#define REMOTE_BODY_CACHE (1024 * 1024) /* bodies up to this size are kept encoded */
#define REMOTE_BACKOFF_MAX 3600         /* seconds a host stays down at most */
#define REMOTE_PROBE_MS 5000            /* a new host's first session gets this long to be ready */
#define REMOTE_NOTLS_SECS 3600          /* seconds a host whose TLS failed gets no STARTTLS */

/* A message file, open while jobs use it. */
struct remote_msg {
	char *path;
	int fd;
	uint64_t off, len;              /* the body in the file */
	struct buf wire;                /* the encoded body (when cached) */
	bool cached;
	uint64_t wire_size;
	bool body8;
	unsigned refs;
	int64_t unused_since;           /* ms; refs == 0 */
};

/* One recipient to deliver (one request from herald-send). */
struct remote_job {
	unsigned long long num;
	struct remote_msg *msg;
	char *sender, *rcpt;            /* one allocation */
	size_t sender_len, rcpt_len;
	struct remote_job *next;
};

struct remote_dom;
struct remote_conn;

/* Limits of one host (control/remoterules, else the defaults). */
struct remote_limits {
	unsigned long conns;            /* connections at once */
	unsigned long txns;             /* transactions per connection */
	unsigned long rate;             /* messages (transactions) per minute; 0: no limit */
};

/* One address (and port) of a mail exchanger. A host is proven once a
 * session with it got ready for mail; until then one connection (the
 * probe) finds out, and if it is not ready within REMOTE_PROBE_MS the host
 * is slow: its waiting recipients are deferred at once, like those of a
 * host that is down, while the probe goes on (up to its time-outs). So a
 * tarpit costs its own recipients a retry, and everyone else nothing. */
struct remote_host {
	struct remote *r;
	char *key;                      /* "addr:port" */
	char *name;                     /* the mail exchanger's name */
	struct sockaddr_storage sa;
	socklen_t salen;
	unsigned nconn;                 /* connections open or opening */
	struct remote_conn *idle;       /* idle connections */
	int64_t down_until;             /* ms; 0: up */
	int64_t notls_until;            /* ms: no STARTTLS (opportunistic) before this */
	unsigned fails;                 /* failures in a row */
	struct buf why;                 /* the last failure, ending in "(#X.Y.Z)" */
	bool proven, slow;
	struct ev_timer probe;
	struct remote_limits lim;
	double tokens;                  /* transactions that may start now (rate) */
	int64_t refilled;               /* ms of the last refill */
	struct ev_timer rate_timer;     /* wakes the waiting domains when one may */
	struct remote_dom *probe_dom;   /* the domain the probe was opened for */
	struct remote_dom **waiting;    /* domains waiting for a connection */
	size_t nwaiting, capwaiting;
};

/* A destination domain and its queue of jobs. */
struct remote_dom {
	struct remote *r;
	char *name;                     /* lower case */
	struct remote_job *head, *tail;
	size_t njobs;
	unsigned nconn;                 /* connections serving it */
	struct dns_query *query;        /* lookup in progress */
	struct remote_host **hosts;     /* in preference order, from the last lookup */
	char **names;                   /* the mail exchanger's name of each */
	size_t nhosts;
	int64_t hosts_until;            /* ms: look up again after this */
	struct buf route;               /* smtproutes relay ("" for MX), then port */
	unsigned port;
	bool waiting;                   /* in a host's waiting list */
	bool kicking;
};

/* One SMTP connection. */
struct remote_conn {
	struct remote *r;
	struct conn *c;
	struct smtpc sm;
	bool sm_on;
	struct remote_host *host;
	char *name;                     /* the mail exchanger's name it was opened for */
	struct remote_dom *dom;         /* the domain it serves; NULL when idle */
	struct remote_job **txn;        /* jobs of the transaction in flight */
	size_t ntxn, captxn;
	struct smtpc_addr *addrs;
	size_t capaddrs;
	struct remote_msg *body;        /* a streamed body being sent */
	uint64_t body_pos;
	uint64_t out_mark;              /* bytes sent when the deadline was set */
	struct smtpc_body enc;
	struct buf chunk;
	unsigned txns;
	enum smtpc_tls tls;             /* the TLS policy it was opened under */
	bool verify;
	bool idle, quitting;
	struct remote_conn *next_idle;
	struct remote_conn *prev, *next;        /* every connection */
};

struct remote_conf {
	struct buf me;                  /* EHLO name */
	unsigned long concurrency;      /* connections in all */
	unsigned long per_host;         /* connections per host */
	unsigned long timeout_connect;  /* seconds */
	unsigned long timeout_greeting; /* seconds for the greeting */
	unsigned long timeout_remote;   /* seconds per reply, TLS handshake, stalled body */
	unsigned long timeout_data;     /* seconds for the reply to the final dot */
	unsigned long backoff;          /* seconds a failed host is down at first */
	unsigned long port;             /* port of mail exchangers */
	struct strmap routes;           /* domain or .suffix or "" -> "relay:port" */
	struct sockaddr_storage out4, out6;
	bool have_out4, have_out6;
	struct strmap tls;              /* domain -> "none" / "opportunistic" / "required" / "verify" */
	struct strmap rules;            /* domain, .suffix, mx:name, mx:.suffix, "" -> settings */
	struct buf tls_ca;              /* CA file or directory for "verify" */
};

struct remote {
	struct ev *ev;
	struct dns *dns;
	struct remote_conf conf;
	struct ssl_ctx_st *tls_ctx;
	int in_fd, out_fd;
	struct ev_io in_io, out_io;
	bool in_eof;                    /* herald-send has gone */
	bool out_gone;                  /* and results cannot reach it any more */
	bool stopping;                  /* SIGTERM/SIGINT: finish what is in flight, then exit */
	int sig_fd;                     /* signalfd for SIGTERM and SIGINT */
	struct ev_io sig_io;
	struct buf in, out;
	struct buf text;                /* scratch: a result's text */
	struct buf low;                 /* scratch: a recipient's domain in lower case */
	struct strmap msgs;             /* path -> struct remote_msg */
	struct strmap doms;             /* domain -> struct remote_dom */
	struct strmap hosts;            /* "addr:port" -> struct remote_host */
	struct remote_dom **gwait;      /* domains waiting for a global slot */
	size_t ngwait, capgwait;
	unsigned long nconn;            /* connections in all */
	struct remote_conn *conns;
	unsigned long njobs;            /* jobs not yet answered */
	struct ev_timer sweep;
	bool state_on;                  /* remote/ is there to keep host state in */
	struct ev_timer state_timer;
};

/* remote_conf.c */
/* Read the control files (errors name file and line). */
int remote_conf_load(struct remote_conf *c);
/* Free them. */
void remote_conf_free(struct remote_conf *c);
/* The smtproutes entry for domain: relay into out ("" for the MX), port into *port; false if none. */
bool remote_conf_route(const struct remote_conf *c, const char *domain, struct buf *out,
    unsigned *port);
/* The limits for a host of domain whose mail exchanger is mxname. */
void remote_conf_limits(const struct remote_conf *c, const char *domain, const char *mxname,
    struct remote_limits *out);
/* The STARTTLS policy for domain; *verify says whether certificates are checked. */
enum smtpc_tls remote_conf_tls(const struct remote_conf *c, const char *domain, bool *verify);

/* remote.c */
/* No new transactions: herald-send has gone, or a signal asked to stop. */
static inline bool
remote_ending(const struct remote *r)
{
	return r->in_eof || r->stopping;
}
/* Set up on the descriptors from herald-send. */
int remote_init(struct remote *r, int in_fd, int out_fd);
/* Run until herald-send is gone and nothing is left; returns the exit code. */
int remote_run(struct remote *r);
/* Free everything. */
void remote_free(struct remote *r);
/* Write the result of job j and free it. */
void remote_result(struct remote *r, struct remote_job *j, char status, const char *text);

/* remote_msg.c */
/* The message at path with its body at off/len (opened and encoded on first use); NULL on error. */
struct remote_msg *remote_msg_get(struct remote *r, const char *path, uint64_t off, uint64_t len);
/* Drop a job's reference. */
void remote_msg_put(struct remote *r, struct remote_msg *m);
/* Free messages unused since before now - ms (ms < 0: every one). */
void remote_msg_sweep(struct remote *r, int64_t now, int64_t ms);

/* remote_dom.c */
/* Queue job j for its domain and get it going. */
int remote_dom_add(struct remote *r, struct remote_job *j);
/* Put jobs back at the head of their domain's queue (a session failed). */
void remote_dom_requeue(struct remote_dom *d, struct remote_job **jobs, size_t n);
/* Do what can be done for d's jobs now: look up, connect, defer, fail. */
void remote_dom_kick(struct remote *r, struct remote_dom *d);
/* Free d if nothing refers to it any more. */
void remote_dom_maybe_free(struct remote *r, struct remote_dom *d);
/* Forget d's host list. */
void remote_dom_hosts_free(struct remote_dom *d);
/* Mark host h down after a failure described by why. */
void remote_host_down(struct remote *r, struct remote_host *h, const char *why);
/* A session with h got ready for mail: the host is proven. */
void remote_host_ready(struct remote *r, struct remote_host *h);
/* A connection to h closed: give its slot to waiting domains. */
void remote_host_freed(struct remote *r, struct remote_host *h);
/* Put d on h's list of domains waiting for a connection. */
void remote_host_wait(struct remote_host *h, struct remote_dom *d);
/* Whether a transaction may start on h now (its rate); takes one if so,
 * else arms h's timer to wake its waiting domains when one may. */
bool remote_host_take(struct remote *r, struct remote_host *h);
/* Take a domain held back by concurrencyremote that connection c can serve (NULL: none). */
struct remote_dom *remote_dom_global_take(struct remote *r, struct remote_conn *c);
/* Take the first domain waiting for h off its list (NULL: none). */
struct remote_dom *remote_host_next_waiting(struct remote_host *h);
/* Take the next transaction's jobs of d into c: the first job and those of
 * the same message and sender behind it, passing over up to
 * REMOTE_TAKE_SKIP jobs of other messages (they keep their order) and
 * stopping at one of the same message with another sender (VERP). */
size_t remote_dom_take(struct remote_dom *d, struct remote_conn *c);

/* The host for address sa and port (made on first use, named name). */
struct remote_host *remote_host_get(struct remote *r, const struct sockaddr_storage *sa,
    unsigned port, const char *name);

/* remote_state.c: hosts that are down, in remote/hosts across restarts */
/* Read remote/hosts (missing: nothing is down). */
int remote_state_load(struct remote *r);
/* A host went down or came back: write the file soon. */
void remote_state_changed(struct remote *r);
/* Write it now if a change is pending. */
void remote_state_flush(struct remote *r);

/* remote_conn.c */
/* Open a new connection to h for domain d. */
int remote_conn_open(struct remote *r, struct remote_host *h, struct remote_dom *d, const char *name);
/* Give idle connection c the domain d and start its next transaction. */
void remote_conn_assign(struct remote_conn *c, struct remote_dom *d);
/* Whether c may carry d's mail (it was opened under the same TLS policy). */
bool remote_conn_fits(const struct remote_conn *c, const struct remote_dom *d);
/* End idle connection c: QUIT, then close. */
void remote_conn_shutdown(struct remote_conn *c);
/* herald-send has gone: end every connection without a transaction in flight. */
void remote_conn_end_unused(struct remote *r);

#endif
