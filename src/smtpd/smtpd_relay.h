/* smtpd_relay: which recipient domains herald-smtpd accepts from clients
 * that may not relay, qmail-smtpd's rules:
 *   control/rcpthosts        one domain per line; "example.org" accepts
 *                            that domain, ".example.org" its subdomains;
 *   control/morercpthosts.db the same for large sets, a Berkeley DB hash
 *                            compiled from control/morercpthosts by
 *                            herald-newmrh(8).
 * Matching ignores case. With neither file no domain is accepted (a
 * missing rcpthosts never makes an open relay). */
#ifndef HERALD_SMTPD_RELAY_H
#define HERALD_SMTPD_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "strmap.h"
#include "users_db.h"

struct smtpd_relay {
	struct strmap hosts;
	struct users_db more;
	bool have_more;
	struct buf low;                 /* scratch */
	struct buf val;
};

/* Load control/rcpthosts and find control/morercpthosts.db. */
int smtpd_relay_load(struct smtpd_relay *r);
/* Add one rcpthosts entry. */
int smtpd_relay_add(struct smtpd_relay *r, const char *entry);
/* 1 if mail for domain (n bytes) is accepted, 0 if not, -1 on a database error. */
int smtpd_relay_ours(struct smtpd_relay *r, const char *domain, size_t n);
/* Compile the text of control/morercpthosts (where names it for errors) into dbpath. */
int smtpd_relay_compile(const char *text, size_t len, const char *where, const char *dbpath);
/* Free r. */
void smtpd_relay_free(struct smtpd_relay *r);

#endif
