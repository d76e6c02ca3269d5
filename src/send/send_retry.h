/* send_retry: when to try a deferred recipient again. Exponential backoff
 * from control/retrymin, doubling per attempt, capped at control/retrymax,
 * with +-10% jitter so retries of one post do not arrive together; a
 * recipient whose message is older than control/queuelifetime is given up
 * (bounced as expired). Pure: the caller passes now and the randomness. */
#ifndef HERALD_SEND_RETRY_H
#define HERALD_SEND_RETRY_H

#include <stdbool.h>
#include <stdint.h>

struct send_retry {
	uint32_t min, max;              /* seconds */
	uint32_t lifetime;              /* seconds */
};

/* Defaults: first retry after 60 s, at most every 2 h, give up after 7 days. */
#define SEND_RETRY_DEFAULTS { 60, 7200, 604800 }

/* The next attempt time after attempt number tries (1 = the first) failed
 * at now; rnd is any 32-bit random number. */
uint32_t send_retry_next(const struct send_retry *r, unsigned tries, uint64_t now, uint32_t rnd);
/* True if a message created at created is past its lifetime at now. */
bool send_retry_expired(const struct send_retry *r, uint64_t created, uint64_t now);
/* Load the three settings from control/; errors name the file. */
int send_retry_load(struct send_retry *r);

#endif
