/* queue_path: queue path construction (see queue_path.h). */
#include "config.h"

#include "err.h"
#include "queue_id.h"
#include "queue_path.h"

static int
oom(void)
{
	err_set("out of memory");
	return -1;
}

int
queue_path_tmp(struct buf *out, const char *qdir, const char *id)
{
	buf_reset(out);
	return buf_printf(out, "%s/tmp/%s", qdir, id) == -1 ? oom() : 0;
}

int
queue_path_splitn(struct buf *out, const char *qdir, unsigned n)
{
	buf_reset(out);
	return buf_printf(out, "%s/mess/%02x", qdir, n) == -1 ? oom() : 0;
}

int
queue_path_split(struct buf *out, const char *qdir, const char *id)
{
	return queue_path_splitn(out, qdir, queue_id_split(id));
}

int
queue_path_mess(struct buf *out, const char *qdir, const char *id)
{
	if (queue_path_split(out, qdir, id) == -1)
		return -1;
	return buf_printf(out, "/%s", id) == -1 ? oom() : 0;
}
