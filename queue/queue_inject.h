/* queue_inject: qmail-queue's protocol on two descriptors, mapped to
 * qmail-queue's exit codes. The message is read from fd_msg to end of file,
 * then the envelope from fd_env (queue_env.h). Nothing is visible in the
 * queue unless QUEUE_EXIT_OK is returned (or the process dies after the
 * commit point; see queue_write.h). */
#ifndef HERALD_QUEUE_INJECT_H
#define HERALD_QUEUE_INJECT_H

#include <stdint.h>

#include "buf.h"
#include "queue_id.h"

/* qmail-queue's exit codes (qmail-queue(8)); 11-40 are permanent. */
enum queue_exit {
	QUEUE_EXIT_OK = 0,
	QUEUE_EXIT_TOOLONG = 11,        /* address too long */
	QUEUE_EXIT_REFUSED = 31,        /* permanently refused (over databytes) */
	QUEUE_EXIT_NOMEM = 51,
	QUEUE_EXIT_TIMEOUT = 52,
	QUEUE_EXIT_WRITE = 53,          /* write error, e.g. disk full */
	QUEUE_EXIT_READ = 54,           /* unable to read the message or envelope */
	QUEUE_EXIT_CONFIG = 55,         /* unable to read a configuration file */
	QUEUE_EXIT_HOME = 61,           /* problem with the home directory */
	QUEUE_EXIT_QUEUE = 62,          /* problem with the queue directory */
	QUEUE_EXIT_BUG = 81,
	QUEUE_EXIT_FORMAT = 91,         /* envelope format error */
};

struct queue_inject {
	const char *qdir;
	uint64_t max_body;              /* control/databytes; 0: no limit */
	const char *trace;              /* prepended to the message (a Received: line) */
	uint64_t now;
	char id[QUEUE_ID_LEN + 1];      /* set on success; empty if no recipients */
	uint64_t rcpts;
};

/* Queue one message; returns a queue_exit code, and err_str() says why. */
enum queue_exit queue_inject_run(struct queue_inject *q, int fd_msg, int fd_env);
/* Set out to the trace line every injection adds (qmail's style):
 * "Received: (herald PID invoked by uid UID); DATE\n". */
int queue_inject_trace(struct buf *out, long pid, long uid, uint64_t now);
/* Room for trace fields a caller adds in front of the message and that
 * control/databytes must not count (herald-smtpd's Received:, which
 * checks databytes itself); herald-queue reads it from $HERALD_QUEUE_SLACK. */
#define QUEUE_SLACK_MAX 2048

/* The body limit to give queue_writer_open: databytes limits the message
 * as given, not the trace line added to it (0: no limit). */
uint64_t queue_inject_limit(uint64_t databytes, const char *trace);

#endif
