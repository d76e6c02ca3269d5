/* queue_stat: counting recipients by state, for herald-qread and
 * herald-qstat (and any program that wants a summary of a message). */
#ifndef HERALD_QUEUE_STAT_H
#define HERALD_QUEUE_STAT_H

#include <stdint.h>

#include "queue_msg.h"

struct queue_stat {
	uint64_t pending, done, failed, bounced;
};

/* Add msg's recipients to st, streaming them with a cursor. */
int queue_stat_msg(struct queue_msg *m, struct queue_stat *st);
/* Name of a recipient state: "pending", "done", "failed", "bounced". */
const char *queue_stat_name(uint8_t state);
/* Append a short age ("42s", "3m", "5h", "2d") for seconds to out. */
int queue_stat_age(struct buf *out, uint64_t seconds);

#endif
