/* local_fwd: the forwards of one .qmail file, queued as one message with
 * every forward address as a recipient through herald-queue (found as
 * inject_queue.h says). The queued message is the Delivered-To: line
 * followed by the message; its envelope sender is $NEWSENDER. */
#ifndef HERALD_LOCAL_FWD_H
#define HERALD_LOCAL_FWD_H

#include <stddef.h>

#include "local.h"

/* Queue l's message to rcpts (addresses, each ending in NUL, len bytes in all). */
enum local_status local_fwd_deliver(struct local *l, const char *rcpts, size_t len);

#endif
