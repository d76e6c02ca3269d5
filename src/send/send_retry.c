/* send_retry: retry schedule (see send_retry.h). */
#include "config.h"

#include "control.h"
#include "send_retry.h"

uint32_t
send_retry_next(const struct send_retry *r, unsigned tries, uint64_t now, uint32_t rnd)
{
	uint64_t delay = r->min ? r->min : 1;
	uint64_t jitter;
	unsigned i;

	for (i = 1; i < tries && delay < r->max; i++)
		delay *= 2;
	if (delay > r->max)
		delay = r->max;
	jitter = delay / 10;
	if (jitter)
		delay = delay - jitter + rnd % (2 * jitter + 1);
	if (delay == 0)
		delay = 1;
	return (uint32_t)(now + delay > UINT32_MAX ? UINT32_MAX : now + delay);
}

bool
send_retry_expired(const struct send_retry *r, uint64_t created, uint64_t now)
{
	return now > created && now - created > r->lifetime;
}

int
send_retry_load(struct send_retry *r)
{
	unsigned long v;

	if (control_ulong("retrymin", 60, 86400, &v) == -1)
		return -1;
	r->min = (uint32_t)(v ? v : 1);         /* 0 would retry in a tight loop */
	if (control_ulong("retrymax", 7200, 30 * 86400, &v) == -1)
		return -1;
	r->max = (uint32_t)(v < r->min ? r->min : v);
	if (control_ulong("queuelifetime", 604800, 365 * 86400UL, &v) == -1)
		return -1;
	r->lifetime = (uint32_t)v;
	return 0;
}
