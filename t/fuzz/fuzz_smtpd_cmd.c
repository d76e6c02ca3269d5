/* fuzz_smtpd_cmd: libFuzzer harness for src/smtpd/smtpd_cmd: the verb of
 * a command line, the MAIL FROM: and RCPT TO: path parser and base64, on
 * arbitrary bytes.
 * Build: ./configure --enable-fuzz CC=clang && make t/fuzz/fuzz_smtpd_cmd
 * Run:   t/fuzz/fuzz_smtpd_cmd -max_total_time=60 [CORPUS_DIR]
 * Invariants checked (abort if broken): the argument offset is inside the
 * line; an error is one of the documented reply codes with a text that
 * starts with an enhanced status code of the same class; a parsed path is
 * at most ADDR_MAX bytes, NUL-terminated, its local part inside it and
 * followed by '@domain' exactly when has_domain (else it is <postmaster>
 * or the null path of MAIL), ASCII unless SMTPUTF8, and its RFC 5321
 * form passes the envelope check; base64 decoding undoes encoding. Inputs
 * are copied to exact-size allocations so ASan sees reads past them. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "addr_envelope.h"
#include "buf.h"
#include "err.h"
#include "smtpd_cmd.h"

/* Check the outcome r of parsing into p. */
static void
fuzz_check_path(enum smtpd_cmd_kind kind, int r, const struct smtpd_cmd_path *p)
{
	const char *e;
	struct buf q = BUF_INIT;
	size_t i;

	if (r != 0) {
		e = err_str();
		if (r != 501 && r != 553 && r != 555 && r != 451)
			abort();
		if (e == NULL || e[0] != (r == 451 ? '4' : '5') || e[1] != '.')
			abort();
		return;
	}
	if (p->addr.len > ADDR_MAX || p->local_len > p->addr.len)
		abort();
	if (p->addr.len && p->addr.p[p->addr.len] != '\0')
		abort();
	if (p->null) {
		if (kind != SMTPD_CMD_KIND_MAIL || p->addr.len != 0 || p->has_domain)
			abort();
		return;
	}
	if (!p->has_domain) {
		/* only <postmaster> may come without a domain */
		if (kind != SMTPD_CMD_KIND_RCPT || p->addr.len != 10 ||
		    strncasecmp(p->addr.p, "postmaster", 10) != 0)
			abort();
		return;
	}
	if (p->local_len >= p->addr.len || p->addr.p[p->local_len] != '@')
		abort();
	if (memchr(p->addr.p + p->local_len + 1, '@', p->addr.len - p->local_len - 1))
		abort();
	if (!p->smtputf8)
		for (i = 0; i < p->addr.len; i++)
			if ((unsigned char)p->addr.p[i] >= 0x80)
				abort();
	if (addr_envelope_quote(&q, p->addr.p, p->addr.len) == 0 &&
	    addr_envelope_check(q.p, q.len) == -1)
		abort();
	buf_free(&q);
}

/* Parse arg (n bytes) as both MAIL and RCPT (outside and inside an SMTPUTF8 transaction). */
static void
fuzz_paths(const char *arg, size_t n)
{
	struct smtpd_cmd_path p = SMTPD_CMD_PATH_INIT;
	int r;

	r = smtpd_cmd_path(SMTPD_CMD_KIND_MAIL, arg, n, &p);
	fuzz_check_path(SMTPD_CMD_KIND_MAIL, r, &p);
	p.smtputf8 = false;
	r = smtpd_cmd_path(SMTPD_CMD_KIND_RCPT, arg, n, &p);
	fuzz_check_path(SMTPD_CMD_KIND_RCPT, r, &p);
	p.smtputf8 = true;
	r = smtpd_cmd_path(SMTPD_CMD_KIND_RCPT, arg, n, &p);
	fuzz_check_path(SMTPD_CMD_KIND_RCPT, r, &p);
	smtpd_cmd_path_free(&p);
}

/* base64: what decodes re-encodes to something that decodes the same,
 * and any bytes survive encoding and decoding. */
static void
fuzz_base64(const char *s, size_t n)
{
	struct buf d = BUF_INIT, e = BUF_INIT, d2 = BUF_INIT;

	if (smtpd_cmd_base64_decode(s, n, &d) == 0) {
		if (d.len > n / 4 * 3)
			abort();
		if (smtpd_cmd_base64_encode(&e, d.p ? d.p : "", d.len) == -1)
			goto out;
		if (e.len != n)
			abort();
		if (smtpd_cmd_base64_decode(e.p ? e.p : "", e.len, &d2) == -1 || d2.len != d.len ||
		    (d.len && memcmp(d.p, d2.p, d.len) != 0))
			abort();
	}
	buf_reset(&e);
	if (smtpd_cmd_base64_encode(&e, s, n) == 0) {
		if (e.len != (n + 2) / 3 * 4)
			abort();
		if (smtpd_cmd_base64_decode(e.p ? e.p : "", e.len, &d2) == -1 || d2.len != n ||
		    (n && memcmp(d2.p, s, n) != 0))
			abort();
	}
out:
	buf_free(&d);
	buf_free(&e);
	buf_free(&d2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);  /* exact size, so ASan sees overreads */
	size_t arg = 0;
	enum smtpd_cmd_verb v;

	if (copy == NULL)
		return 0;
	if (size)
		memcpy(copy, data, size);
	v = smtpd_cmd_verb(copy, size, &arg);
	if (arg > size || (v != SMTPD_CMD_UNKNOWN && arg == 0))
		abort();
	/* the argument as herald-smtpd passes it, and the whole input as an argument */
	fuzz_paths(copy + arg, size - arg);
	fuzz_paths(copy, size);
	fuzz_base64(copy, size);
	free(copy);
	return 0;
}
