/* verp: VERP return paths (see verp.h). */
#include "config.h"

#include <string.h>

#include "err.h"
#include "verp.h"

#define VERP_SUFFIX "-@[]"

/* Position of the last '@' in the first n bytes of s, or -1. */
static long
last_at(const char *s, size_t n)
{
	while (n > 0)
		if (s[--n] == '@')
			return (long)n;
	return -1;
}

bool
verp_is_verp(const char *sender, size_t len)
{
	size_t sl = sizeof VERP_SUFFIX - 1;

	return len > sl && memcmp(sender + len - sl, VERP_SUFFIX, sl) == 0 &&
	    last_at(sender, len - sl) >= 0;
}

int
verp_encode(struct buf *out, const char *sender, size_t slen, const char *rcpt, size_t rlen)
{
	size_t base;
	long at, rat;

	buf_reset(out);
	if (!verp_is_verp(sender, slen)) {
		if (buf_set(out, sender, slen) == -1)
			goto oom;
		return 0;
	}
	base = slen - (sizeof VERP_SUFFIX - 1);
	at = last_at(sender, base);
	rat = last_at(rcpt, rlen);
	if (buf_add(out, sender, (size_t)at) == -1)
		goto oom;
	if (rat < 0) {
		if (buf_add(out, rcpt, rlen) == -1)
			goto oom;
	} else if (buf_add(out, rcpt, (size_t)rat) == -1 || buf_addc(out, '=') == -1 ||
	    buf_add(out, rcpt + rat + 1, rlen - (size_t)rat - 1) == -1)
		goto oom;
	if (buf_add(out, sender + at, base - (size_t)at) == -1)
		goto oom;
	return 0;
oom:
	err_set("out of memory");
	return -1;
}
