/* lspawn_req: parsing requests and framing results (format in lspawn_req.h). */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "err.h"
#include "lspawn_req.h"
#include "queue_id.h"
#include "queue_path.h"

#define LSPAWN_REQ_FIELDS 6
/* Longest decimal number accepted (fits in 63 bits). */
#define LSPAWN_REQ_DIGITS 18

/* Parse a decimal number field. */
static bool
lspawn_req_num(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i == LSPAWN_REQ_DIGITS)
			return false;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	*out = v;
	return i > 0;
}

/* True if path is queue/mess/SS/ID with a valid id in its split directory. */
static bool
lspawn_req_path(const char *path)
{
	static const char pre[] = "queue/mess/";
	struct buf want = BUF_INIT;
	const char *id;
	bool ok;

	if (strncmp(path, pre, sizeof pre - 1) != 0 || strlen(path) != sizeof pre - 1 + 3 +
	    QUEUE_ID_LEN)
		return false;
	id = path + sizeof pre - 1 + 3;
	if (!queue_id_valid(id))
		return false;
	ok = queue_path_mess(&want, "queue", id) == 0 && strcmp(want.p, path) == 0;
	buf_free(&want);
	return ok;
}

int
lspawn_req_parse(const char *in, size_t n, struct lspawn_req *r, size_t *used)
{
	const char *f[LSPAWN_REQ_FIELDS], *p, *end, *nul;
	size_t len = 0, i = 0, nf = 0;

	for (; i < n && in[i] >= '0' && in[i] <= '9'; i++) {
		if (i > 0 && len == 0) {
			err_set("netstring length with a leading zero");
			return -1;
		}
		len = len * 10 + (size_t)(in[i] - '0');
		if (len > LSPAWN_REQ_MAX) {
			err_set("request longer than %d bytes", LSPAWN_REQ_MAX);
			return -1;
		}
	}
	if (i == n)
		return 0;
	if (i == 0 || in[i] != ':') {
		err_set("not a netstring (byte %d where a length or ':' belongs)",
		    (unsigned char)in[i]);
		return -1;
	}
	i++;
	if (n - i < len + 1)
		return 0;
	if (in[i + len] != ',') {
		err_set("netstring not terminated by ','");
		return -1;
	}
	*used = i + len + 1;
	end = in + i + len;
	for (p = in + i; p < end; p = nul + 1) {
		if ((nul = memchr(p, '\0', (size_t)(end - p))) == NULL) {
			err_set("request field %zu not terminated by a NUL", nf + 1);
			return -1;
		}
		if (nf == LSPAWN_REQ_FIELDS) {
			err_set("request with more than %d fields", LSPAWN_REQ_FIELDS);
			return -1;
		}
		f[nf++] = p;
	}
	if (nf != LSPAWN_REQ_FIELDS) {
		err_set("request with %zu fields, not %d", nf, LSPAWN_REQ_FIELDS);
		return -1;
	}
	if (!lspawn_req_num(f[0], &r->num) || !lspawn_req_num(f[2], &r->off) ||
	    !lspawn_req_num(f[3], &r->len)) {
		err_set("request with a malformed number");
		return -1;
	}
	if (!lspawn_req_path(f[1])) {
		err_set("request %llu: not a message path: '%.100s'", r->num, f[1]);
		return -1;
	}
	if (strchr(f[5], '@') == NULL) {
		err_set("request %llu: recipient without '@'", r->num);
		return -1;
	}
	r->path = f[1];
	r->sender = f[4];
	r->rcpt = f[5];
	return 1;
}

int
lspawn_req_result(struct buf *out, unsigned long long num, char status, const char *text)
{
	struct buf pay = BUF_INIT;
	size_t i, n = strlen(text);
	int r = -1;

	if (n > LSPAWN_TEXT_MAX)
		n = LSPAWN_TEXT_MAX;
	if (buf_printf(&pay, "%llu", num) == -1 || buf_addc(&pay, '\0') == -1 ||
	    buf_addc(&pay, status) == -1 || buf_addc(&pay, '\0') == -1)
		goto out;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		if (buf_addc(&pay, c < 0x20 || c == 0x7f ? '?' : (char)c) == -1)
			goto out;
	}
	if (buf_addc(&pay, '\0') == -1 || buf_printf(out, "%zu:", pay.len) == -1 ||
	    buf_add(out, pay.p, pay.len) == -1 || buf_addc(out, ',') == -1)
		goto out;
	r = 0;
out:
	if (r == -1)
		err_set("out of memory");
	buf_free(&pay);
	return r;
}
