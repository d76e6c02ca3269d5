/* herald-queue: put one message into the queue (qmail-queue's interface).
 * Message on fd 0, envelope on fd 1; exit codes as qmail-queue(8). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "control.h"
#include "err.h"
#include "home.h"
#include "log.h"
#include "queue_inject.h"

/* Read by AddressSanitizer builds only: LeakSanitizer cannot inspect a
 * set-uid (non-dumpable) process and would turn a good exit into exit 1. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}

static void
timeout(int sig)
{
	(void)sig;
	_exit(QUEUE_EXIT_TIMEOUT);
}

int
main(int argc, char **argv)
{
	struct queue_inject q = { 0 };
	struct buf qdir = BUF_INIT, trace = BUF_INIT;
	unsigned long databytes;
	enum queue_exit ex;
	const char *slack;
	time_t now = time(NULL);

	(void)argc;
	(void)argv;
	log_init("herald-queue");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, timeout);
	alarm(86400);
	if (chdir(home_dir()) == -1) {
		log_warn("cannot chdir to %s: %m", home_dir());
		return QUEUE_EXIT_HOME;
	}
	if (control_ulong("databytes", 0, (unsigned long)-1, &databytes) == -1) {
		log_warn("%s", err_str());
		return QUEUE_EXIT_CONFIG;
	}
	if (home_path(&qdir, "queue") == -1 ||
	    queue_inject_trace(&trace, (long)getpid(), (long)getuid(), (uint64_t)now) == -1) {
		log_warn("out of memory (exit %d)", QUEUE_EXIT_NOMEM);
		return QUEUE_EXIT_NOMEM;
	}
	q.qdir = qdir.p;
	q.max_body = databytes;
	/* trace fields of the program that hands over the message (herald-smtpd) */
	if (databytes && (slack = getenv("HERALD_QUEUE_SLACK")) != NULL)
		q.max_body += strtoul(slack, NULL, 10) > QUEUE_SLACK_MAX ?
		    QUEUE_SLACK_MAX : strtoul(slack, NULL, 10);
	q.trace = trace.p;
	q.now = (uint64_t)now;
	ex = queue_inject_run(&q, 0, 1);
	if (ex != QUEUE_EXIT_OK)
		log_warn("%s (exit %d)", err_str(), (int)ex);
	buf_free(&qdir);
	buf_free(&trace);
	return (int)ex;
}
