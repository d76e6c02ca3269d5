/* inject_conf: what injection needs to know about the instance and the
 * user, gathered once: control/me, defaulthost, defaultdomain, plusdomain,
 * idhost, and the user's identity from the environment (qmail-inject's
 * variables). Header processing takes this struct, so it can be tested
 * without control files or environment.
 *
 * Defaults: defaulthost, plusdomain and idhost default to me; me defaults
 * to the system's host name. defaultdomain has no default: a host name
 * without a dot is left alone unless control/defaultdomain exists. */
#ifndef HERALD_INJECT_CONF_H
#define HERALD_INJECT_CONF_H

#include <stdbool.h>
#include <time.h>

#include "buf.h"

struct inject_conf {
	struct buf me, defaulthost, defaultdomain, plusdomain, idhost;
	bool has_defaultdomain;
	struct buf user;        /* $QMAILUSER, $MAILUSER, $USER, $LOGNAME, or the login name */
	struct buf host;        /* $QMAILHOST, $MAILHOST, or defaulthost qualified */
	struct buf name;        /* display name: -F, $QMAILNAME, $MAILNAME, $NAME */
	bool has_name;
	struct buf suser;       /* envelope sender user: $QMAILSUSER, $MAILSUSER */
	bool has_suser;
	struct buf shost;       /* envelope sender host: $QMAILSHOST, $MAILSHOST, or host */
	time_t now;
	long pid;
};

/* Set c from the control files and the environment; fullname (-F) may be NULL. */
int inject_conf_load(struct inject_conf *c, const char *fullname);
/* Free what c holds. */
void inject_conf_free(struct inject_conf *c);

#endif
