/* queue_env: incremental parser of qmail-queue's envelope protocol.
 * The envelope is F<sender>\0, then T<recipient>\0 for each recipient,
 * then a lone \0. Bytes may arrive in any chunking; the parser hands each
 * complete address to a callback. Addresses longer than QUEUE_ADDR_MAX are
 * refused as qmail-queue does (exit 11); anything else out of place is an
 * envelope format error (exit 91); input that ends before the final \0 is a
 * read error (exit 54). */
#ifndef HERALD_QUEUE_ENV_H
#define HERALD_QUEUE_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "queue_file.h"

enum queue_env_result {
	QUEUE_ENV_MORE,         /* need more bytes */
	QUEUE_ENV_DONE,         /* final \0 seen */
	QUEUE_ENV_FORMAT,       /* envelope format error */
	QUEUE_ENV_TOOLONG,      /* address longer than QUEUE_ADDR_MAX */
	QUEUE_ENV_CALLBACK,     /* the callback failed */
};

/* Called with each address; is_sender is true for the F record. */
typedef int (*queue_env_cb)(void *arg, bool is_sender, const char *addr, size_t len);

struct queue_env {
	int state;
	size_t len;
	char addr[QUEUE_ADDR_MAX + 1];
	queue_env_cb cb;
	void *arg;
	size_t rcpts;
};

/* Start parsing; cb gets the addresses. */
void queue_env_init(struct queue_env *e, queue_env_cb cb, void *arg);
/* Feed n bytes; *used gets how many were consumed (all, unless DONE or an error). */
enum queue_env_result queue_env_feed(struct queue_env *e, const char *p, size_t n, size_t *used);

#endif
