/* start: herald-start's supervision of an instance's long-running
 * processes (herald-start(8)).
 *
 *   herald-clean              once, as the queue's owner, before anything else
 *   herald-lspawn             as root in a multi-user instance (it switches to
 *                             each recipient's user), else as the owner
 *   herald-send               as heralds (group herald), else as the owner
 *
 * herald-send's fd 3 writes to herald-lspawn's fd 0, herald-lspawn's fd 1
 * writes to herald-send's fd 4. All log to herald-start's stderr. SIGTERM
 * and SIGINT are passed to herald-send, which finishes what is in flight
 * and exits; herald-lspawn then sees end of file and exits; herald-start
 * exits 0. SIGHUP and SIGALRM are passed to herald-send. If a child dies on
 * its own, the others are stopped and herald-start exits 111, so a
 * supervisor (systemd, runit, daemontools) restarts the whole. */
#ifndef HERALD_START_H
#define HERALD_START_H

#include <stdbool.h>
#include <sys/types.h>

struct start_ids {
	bool multi;                     /* root and a multi-user instance */
	uid_t queue_uid, send_uid, remote_uid;
	gid_t gid;
};

/* Decide who runs what for the instance in the current directory. */
int start_ids(struct start_ids *ids);
/* Run the instance until stopped; returns the exit code. */
int start_run(const struct start_ids *ids);

#endif
