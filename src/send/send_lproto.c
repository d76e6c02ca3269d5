/* send_lproto: lspawn protocol frames (see send_lproto.h). */
#include "config.h"

#include <string.h>

#include "err.h"
#include "send_lproto.h"

int
send_lproto_request(struct buf *out, unsigned long num, const char *path, uint64_t off,
    uint64_t len, const char *sender, const char *rcpt)
{
	struct buf p = BUF_INIT;
	int r = -1;

	if (buf_printf(&p, "%lu%c%s%c%llu%c%llu%c", num, 0, path, 0, (unsigned long long)off, 0,
		(unsigned long long)len, 0) == -1 ||
	    buf_add(&p, sender, strlen(sender) + 1) == -1 ||
	    buf_add(&p, rcpt, strlen(rcpt) + 1) == -1 ||
	    buf_printf(out, "%zu:", p.len) == -1 || buf_add(out, p.p, p.len) == -1 ||
	    buf_addc(out, ',') == -1)
		err_set("out of memory");
	else
		r = 0;
	buf_free(&p);
	return r;
}

int
send_lproto_result(char *in, size_t n, struct send_lproto_result *r, size_t *used)
{
	size_t len = 0, i = 0, start;
	char *f1, *f2, *f3, *end;

	while (i < n && in[i] >= '0' && in[i] <= '9') {
		len = len * 10 + (size_t)(in[i] - '0');
		if (len > SEND_LPROTO_MAX || i > 5)
			goto bad;
		i++;
	}
	if (i == n)
		return 0;
	if (i == 0 || in[i] != ':')
		goto bad;
	start = i + 1;
	if (n < start + len + 1)
		return 0;
	if (in[start + len] != ',')
		goto bad;
	f1 = in + start;
	end = f1 + len;
	if ((f2 = memchr(f1, '\0', (size_t)(end - f1))) == NULL)
		goto bad;
	f2++;
	if ((f3 = memchr(f2, '\0', (size_t)(end - f2))) == NULL)
		goto bad;
	f3++;
	if (end == f3 || end[-1] != '\0' || memchr(f3, '\0', (size_t)(end - f3)) != end - 1)
		goto bad;
	if (f3 - f2 != 2 || (f2[0] != 'K' && f2[0] != 'Z' && f2[0] != 'D'))
		goto bad;
	r->num = 0;
	for (i = 0; f1 + i < f2 - 1; i++) {
		if (f1[i] < '0' || f1[i] > '9' || i > 9)
			goto bad;
		r->num = r->num * 10 + (unsigned long)(f1[i] - '0');
	}
	if (i == 0)
		goto bad;
	r->status = f2[0];
	r->text = f3;
	*used = start + len + 1;
	return 1;
bad:
	err_set("malformed result from herald-lspawn");
	return -1;
}
