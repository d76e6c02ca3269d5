/* local: one local delivery, qmail-local's semantics (herald-local(8),
 * dot-qmail(5)). The driver switches to the home directory, finds the
 * .qmail file for the extension (local_dot.h), refuses a looping message
 * (local_msg.h), then follows the file's lines in order: Maildir, mbox and
 * program deliveries at once, forwards collected and queued as one message
 * at the end. The first failure ends the delivery; its text (one line,
 * ending in an enhanced status code "(#X.Y.Z)") is in why. */
#ifndef HERALD_LOCAL_H
#define HERALD_LOCAL_H

#include <stdbool.h>
#include <time.h>

#include "buf.h"
#include "local_msg.h"

/* The outcome of a delivery; the values are herald-local's exit codes. */
enum local_status {
	LOCAL_OK = 0,
	LOCAL_PERM = 100,
	LOCAL_TEMP = 111,
};

/* Longest result line (why), in bytes. */
#define LOCAL_WHY_MAX 2000

struct local {
	/* the arguments, as qmail-local's */
	const char *user, *home, *local, *dash, *ext, *domain, *sender, *dflt;
	bool doit;                      /* false: only list the instructions (-n) */
	time_t now;
	/* derived from them (local_env.h) */
	struct buf recip;               /* LOCAL@DOMAIN */
	struct buf dtline, rpline, ufline;      /* each ends in '\n' */
	struct buf newsender;           /* envelope sender of forwards */
	const char *deflt;              /* $DEFAULT (in ext), NULL if no -default matched */
	struct buf dotname;             /* the .qmail file followed, "" for the default delivery */
	struct local_msg *msg;
	/* results */
	struct buf said;                /* -n: one instruction per line */
	struct buf did;                 /* deliveries done, for the success line */
	struct buf why;                 /* the result line, without '\n' */
	bool stop;                      /* a program exited 99 */
};

/* Set up l for a delivery; the strings must outlive l; msg may be NULL with doit false. */
int local_init(struct local *l, char *const args[8], bool doit, time_t now,
    struct local_msg *msg);
/* Deliver (or list, -n); sets why and returns the outcome. */
enum local_status local_run(struct local *l);
/* Free what local_init and local_run allocated. */
void local_free(struct local *l);
/* Set why from a format (text sanitized to one line) and return st. */
enum local_status local_fail(struct local *l, enum local_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Record a done delivery (its target, for the success line). */
void local_did(struct local *l, const char *what, size_t n);

#endif
