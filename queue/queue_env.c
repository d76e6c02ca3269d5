/* queue_env: envelope protocol state machine (see queue_env.h). */
#include "config.h"

#include "queue_env.h"

enum { ENV_START, ENV_SENDER, ENV_NEXT, ENV_RCPT, ENV_DONE };

void
queue_env_init(struct queue_env *e, queue_env_cb cb, void *arg)
{
	e->state = ENV_START;
	e->len = 0;
	e->cb = cb;
	e->arg = arg;
	e->rcpts = 0;
}

enum queue_env_result
queue_env_feed(struct queue_env *e, const char *p, size_t n, size_t *used)
{
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		c = p[i];
		switch (e->state) {
		case ENV_START:
			if (c != 'F')
				goto format;
			e->state = ENV_SENDER;
			e->len = 0;
			break;
		case ENV_NEXT:
			if (c == '\0') {
				e->state = ENV_DONE;
				*used = i + 1;
				return QUEUE_ENV_DONE;
			}
			if (c != 'T')
				goto format;
			e->state = ENV_RCPT;
			e->len = 0;
			break;
		case ENV_SENDER:
		case ENV_RCPT:
			if (c != '\0') {
				if (e->len >= QUEUE_ADDR_MAX) {
					*used = i;
					return QUEUE_ENV_TOOLONG;
				}
				e->addr[e->len++] = c;
				break;
			}
			e->addr[e->len] = '\0';
			if (e->cb(e->arg, e->state == ENV_SENDER, e->addr, e->len) == -1) {
				*used = i;
				return QUEUE_ENV_CALLBACK;
			}
			if (e->state == ENV_RCPT)
				e->rcpts++;
			e->state = ENV_NEXT;
			break;
		default:
			goto format;
		}
	}
	*used = n;
	return QUEUE_ENV_MORE;
format:
	*used = i;
	return QUEUE_ENV_FORMAT;
}
