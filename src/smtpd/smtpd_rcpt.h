/* smtpd_rcpt: recipient validation at RCPT time (control/smtprcptcheck).
 * A recipient in a local domain (control/locals, control/virtualdomains,
 * as herald-send routes it) is known if herald-local would find a
 * delivery for it: a users/assign entry, a user (system account or
 * HOME/users/NAME) without an extension, or a .qmail file for the
 * extension in the user's (or the alias user's) home directory, as
 * dot-qmail(5) looks for them, -default files included. A home directory
 * herald-smtpd cannot read counts as known: delivery decides then.
 * Remote recipients are always known. */
#ifndef HERALD_SMTPD_RCPT_H
#define HERALD_SMTPD_RCPT_H

#include <stddef.h>

#include "buf.h"
#include "send_route.h"
#include "users.h"

struct smtpd_rcpt {
	struct send_route route;
	struct users users;
	struct users_pw pw;
	struct buf addr, name, path;
};

/* Load the routing tables and the users database. */
int smtpd_rcpt_init(struct smtpd_rcpt *r);
/* 1 known, 0 unknown, -1 temporary error, for the internal-form address (n bytes). */
int smtpd_rcpt_known(struct smtpd_rcpt *r, const char *addr, size_t n);
/* Free r. */
void smtpd_rcpt_free(struct smtpd_rcpt *r);

#endif
