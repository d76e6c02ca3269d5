/* setup: creating an instance directory (herald-setup(8)).
 *
 * Layout made (see herald-setup(8) for owners and modes):
 *   bin/            set-uid copy of herald-queue (root instances only)
 *   control/        one setting per file; me and locals are written
 *   queue/tmp/      injections in progress
 *   queue/mess/SS/  committed messages, SS = 00 .. 3f
 *   queue/lock/trigger  FIFO that wakes the scheduler
 *   users/ lists/ log/ alias/
 * Running it again on an existing instance repairs modes and owners and
 * keeps existing control files. */
#ifndef HERALD_SETUP_H
#define HERALD_SETUP_H

#include <stdbool.h>
#include <sys/types.h>

/* The system users of a root instance, one per role. */
#define SETUP_GROUP "herald"
enum setup_role { SETUP_ALIAS, SETUP_DAEMON, SETUP_LOG, SETUP_QUEUE, SETUP_REMOTE,
	SETUP_SEND, SETUP_NROLES };

struct setup {
	const char *dir;                /* the instance directory */
	const char *me;                 /* control/me; NULL: this host's name */
	bool single;                    /* single-user instance (owner = caller) */
	const char *queue_prog;         /* herald-queue to install in bin/ (root only) */
	uid_t uid[SETUP_NROLES];
	gid_t gid;
};

/* Name of the system user for a role. */
const char *setup_role_name(enum setup_role r);
/* Find or create the group and role users (root instances). */
int setup_users(struct setup *s);
/* Create or repair the instance directory. */
int setup_instance(struct setup *s);

#endif
