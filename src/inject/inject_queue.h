/* inject_queue: running herald-queue for an injection tool, and what its
 * exit codes mean to the tool's caller.
 *
 * Which program is run (inject_queue_find): the environment variable
 * (HERALD_QUEUE for herald-queue) if set; else HOME/bin/NAME if it exists
 * (root instances install a set-uid herald-queue there); else NAME next to
 * the running program's own binary; else ../NAME/NAME relative to that
 * binary's directory (the build tree); else NAME in the configured bindir.
 *
 * herald-queue's exit codes are qmail-queue's: 0 queued, 11-40 permanent
 * (the tool exits 100), anything else temporary (the tool exits 111).
 *
 * When the caller may write the queue itself (HERALD_QUEUE is not set and
 * queue/tmp is writable by its real and effective uid: a single-user
 * instance's owner, or root), the message is queued in-process with the same
 * queue writer, trace line and databytes limit as herald-queue, which saves
 * a process per message; the outcome maps to the same codes. */
#ifndef HERALD_INJECT_QUEUE_H
#define HERALD_INJECT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "queue_write.h"

struct inject_queue {
	struct queue_writer *w;         /* in-process: the writer; NULL: herald-queue */
	bool big;                       /* in-process: the message is over databytes */
	struct buf qdir;
	pid_t pid;
	int msg;                /* write end of herald-queue's fd 0, or -1 */
	int env;                /* write end of herald-queue's fd 1, or -1 */
	bool broken;            /* herald-queue stopped reading the message */
};

/* Set out to the program to run for name; envvar (may be NULL) overrides; home: try HOME/bin. */
int inject_queue_find(struct buf *out, const char *name, const char *envvar, bool home);
/* Replace this process with the herald program name (found as above), with argv. */
int inject_queue_exec(const char *name, char *const argv[]);
/* Start herald-queue; slack (at most QUEUE_SLACK_MAX, queue_inject.h) bytes of the
 * caller's own trace fields do not count towards databytes. */
int inject_queue_start(struct inject_queue *q, size_t slack);
/* Send n bytes of the message (dropped once herald-queue stopped reading). */
int inject_queue_write(struct inject_queue *q, const void *p, size_t n);
/* End the message, send the envelope (rcpts: n bytes of NUL-terminated
 * addresses) and wait; returns the exit code 0, 100 or 111, err_str() set if not 0. */
int inject_queue_finish(struct inject_queue *q, const char *sender, const char *rcpts, size_t n);
/* Kill and reap a started herald-queue. */
void inject_queue_abort(struct inject_queue *q);
/* The exit code (0, 100, 111) for herald-queue's wait status; err_str() says why if not 0. */
int inject_queue_status(int status);

#endif
