/* smtpc_body: message body encoding for DATA (see smtpc_body.h). Runs of
 * bytes without LF or a leading '.' are copied in one piece. */
#include "config.h"

#include <string.h>

#include "smtpc_body.h"

void
smtpc_body_init(struct smtpc_body *e)
{
	e->bol = true;
	e->cr = false;
	e->size = 0;
}

/* Append n bytes of p to out (when out is not NULL) and count them. */
static int
smtpc_body_put(struct smtpc_body *e, struct buf *out, const char *p, size_t n)
{
	if (out && buf_add(out, p, n) == -1)
		return -1;
	e->size += n;
	return 0;
}

int
smtpc_body_encode(struct smtpc_body *e, struct buf *out, const char *p, size_t n)
{
	const char *lf;
	size_t i = 0, run;

	if (n == 0)
		return 0;
	if (out && buf_reserve(out, n + n / 8 + 2) == -1)
		return -1;
	while (i < n) {
		if (e->bol && p[i] == '.' && smtpc_body_put(e, out, ".", 1) == -1)
			return -1;
		e->bol = false;
		lf = memchr(p + i, '\n', n - i);
		run = lf ? (size_t)(lf - (p + i)) : n - i;
		if (run > 0) {
			if (smtpc_body_put(e, out, p + i, run) == -1)
				return -1;
			e->cr = p[i + run - 1] == '\r';
			i += run;
		}
		if (lf == NULL)
			break;
		if (smtpc_body_put(e, out, e->cr ? "\n" : "\r\n", e->cr ? 1 : 2) == -1)
			return -1;
		e->cr = false;
		e->bol = true;
		i++;
	}
	return 0;
}

int
smtpc_body_finish(struct smtpc_body *e, struct buf *out)
{
	if (!e->bol && smtpc_body_put(e, out, "\r\n", 2) == -1)
		return -1;
	e->bol = true;
	e->cr = false;
	return smtpc_body_put(e, out, ".\r\n", 3);
}

uint64_t
smtpc_body_size(const char *p, size_t n)
{
	struct smtpc_body e;

	smtpc_body_init(&e);
	smtpc_body_encode(&e, NULL, p, n);
	smtpc_body_finish(&e, NULL);
	return e.size;
}
