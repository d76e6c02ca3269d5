/* queue_inject: the qmail-queue protocol driver (see queue_inject.h). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "err.h"
#include "queue_env.h"
#include "queue_inject.h"
#include "queue_write.h"

#define IN_SIZE (64 * 1024)

static int
env_cb(void *arg, bool is_sender, const char *addr, size_t len)
{
	struct queue_writer *w = arg;

	return is_sender ? queue_writer_sender(w, addr, len) : queue_writer_rcpt(w, addr, len);
}

static enum queue_exit
write_error(void)
{
	return errno == ENOMEM ? QUEUE_EXIT_NOMEM : QUEUE_EXIT_WRITE;
}

enum queue_exit
queue_inject_run(struct queue_inject *q, int fd_msg, int fd_env)
{
	struct queue_writer w;
	struct queue_env env;
	enum queue_env_result er = QUEUE_ENV_MORE;
	char in[IN_SIZE];
	ssize_t n;
	size_t used;
	int r;

	q->id[0] = '\0';
	q->rcpts = 0;
	if (queue_writer_open(&w, q->qdir, queue_inject_limit(q->max_body, q->trace)) == -1)
		return errno == ENOMEM ? QUEUE_EXIT_NOMEM : QUEUE_EXIT_QUEUE;
	if (q->trace && queue_writer_body(&w, q->trace, strlen(q->trace)) != 0) {
		err_set("cannot write the trace line");
		goto write_fail;
	}
	for (;;) {
		n = read(fd_msg, in, sizeof in);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_sys("cannot read the message");
			queue_writer_abort(&w);
			return QUEUE_EXIT_READ;
		}
		if (n == 0)
			break;
		r = queue_writer_body(&w, in, (size_t)n);
		if (r == 1) {
			err_set("message is larger than control/databytes (%llu bytes)",
			    (unsigned long long)q->max_body);
			queue_writer_abort(&w);
			return QUEUE_EXIT_REFUSED;
		}
		if (r == -1)
			goto write_fail;
	}
	queue_env_init(&env, env_cb, &w);
	for (;;) {
		n = read(fd_env, in, sizeof in);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_sys("cannot read the envelope");
			queue_writer_abort(&w);
			return QUEUE_EXIT_READ;
		}
		if (n == 0) {
			err_set("envelope ends before its final NUL");
			queue_writer_abort(&w);
			return QUEUE_EXIT_READ;
		}
		er = queue_env_feed(&env, in, (size_t)n, &used);
		if (er != QUEUE_ENV_MORE)
			break;
	}
	switch (er) {
	case QUEUE_ENV_DONE:
		break;
	case QUEUE_ENV_TOOLONG:
		err_set("envelope address longer than %d bytes", QUEUE_ADDR_MAX);
		queue_writer_abort(&w);
		return QUEUE_EXIT_TOOLONG;
	case QUEUE_ENV_CALLBACK:
		goto write_fail;
	default:
		err_set("envelope format error after %zu recipients", env.rcpts);
		queue_writer_abort(&w);
		return QUEUE_EXIT_FORMAT;
	}
	q->rcpts = queue_writer_count(&w);
	if (queue_writer_commit(&w, q->now) == -1)
		return write_error();
	memcpy(q->id, w.id, sizeof q->id);
	if (q->rcpts == 0)
		q->id[0] = '\0';
	return QUEUE_EXIT_OK;
write_fail:
	r = write_error();
	queue_writer_abort(&w);
	return r;
}

int
queue_inject_trace(struct buf *out, long pid, long uid, uint64_t now)
{
	buf_reset(out);
	if (buf_printf(out, "Received: (herald %ld invoked by uid %ld); ", pid, uid) == -1 ||
	    date_trace(out, (time_t)now) == -1 || buf_addc(out, '\n') == -1) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

uint64_t
queue_inject_limit(uint64_t databytes, const char *trace)
{
	return databytes && trace ? databytes + strlen(trace) : databytes;
}
