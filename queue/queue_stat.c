/* queue_stat: recipient state counts (see queue_stat.h). */
#include "config.h"

#include "queue_stat.h"

int
queue_stat_msg(struct queue_msg *m, struct queue_stat *st)
{
	struct queue_cursor c;
	struct queue_rcpt r;
	int n;

	if (queue_cursor_open(&c, m) == -1)
		return -1;
	while ((n = queue_cursor_next(&c, &r)) == 1) {
		switch (r.st.state) {
		case QUEUE_RCPT_PENDING: st->pending++; break;
		case QUEUE_RCPT_DONE: st->done++; break;
		case QUEUE_RCPT_FAILED: st->failed++; break;
		default: st->bounced++; break;
		}
	}
	queue_cursor_close(&c);
	return n;
}

const char *
queue_stat_name(uint8_t state)
{
	switch (state) {
	case QUEUE_RCPT_PENDING: return "pending";
	case QUEUE_RCPT_DONE: return "done";
	case QUEUE_RCPT_FAILED: return "failed";
	case QUEUE_RCPT_BOUNCED: return "bounced";
	default: return "unknown";
	}
}

int
queue_stat_age(struct buf *out, uint64_t s)
{
	if (s < 120)
		return buf_printf(out, "%llus", (unsigned long long)s);
	if (s < 7200)
		return buf_printf(out, "%llum", (unsigned long long)(s / 60));
	if (s < 172800)
		return buf_printf(out, "%lluh", (unsigned long long)(s / 3600));
	return buf_printf(out, "%llud", (unsigned long long)(s / 86400));
}
