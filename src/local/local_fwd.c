/* local_fwd: queueing the forwards (see local_fwd.h).
 * Invariant: herald-queue is reaped on every path (inject_queue.h). */
#include "config.h"

#include "err.h"
#include "inject_queue.h"
#include "local_fwd.h"

enum local_status
local_fwd_deliver(struct local *l, const char *rcpts, size_t len)
{
	struct inject_queue q;
	const char *p;
	ssize_t n;
	int code;

	if (inject_queue_start(&q, 0) == -1)
		return local_fail(l, LOCAL_TEMP, "Unable to forward message: %s (#4.3.0)",
		    err_str());
	if (inject_queue_write(&q, l->dtline.p, l->dtline.len) == -1)
		goto fail;
	local_msg_rewind(l->msg);
	while ((n = local_msg_read(l->msg, &p)) > 0)
		if (inject_queue_write(&q, p, (size_t)n) == -1)
			goto fail;
	if (n == -1)
		goto fail;
	code = inject_queue_finish(&q, l->newsender.p, rcpts, len);
	if (code == 0)
		return LOCAL_OK;
	return local_fail(l, code == 100 ? LOCAL_PERM : LOCAL_TEMP,
	    "Unable to forward message: %s", err_str());
fail:
	inject_queue_abort(&q);
	return local_fail(l, LOCAL_TEMP, "Unable to forward message: %s (#4.3.0)", err_str());
}
