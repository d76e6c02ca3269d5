/* fuzz_smtpd_data: libFuzzer harness for src/smtpd/smtpd_data, the DATA
 * state machine, on arbitrary bytes.
 * Build: ./configure --enable-fuzz CC=clang && make t/fuzz/fuzz_smtpd_data
 * Run:   t/fuzz/fuzz_smtpd_data -max_total_time=60 [CORPUS_DIR]
 * The input is fed in chunks of pseudo-random sizes (the generator seeded
 * from the input, so runs repeat) and, for reference, all at once; the
 * size limit is taken from the input too. Invariants (abort if broken):
 *   - a feed uses all it is given unless the end was reached;
 *   - the end is exactly the first <CRLF>.<CRLF>, the CRLF of the DATA
 *     line counting as the first CRLF: no bare CR or LF ends a message;
 *   - the output is never longer than the input used, and is the same
 *     however the input was split (as are the end, the flags and the hop
 *     count); a finished machine takes nothing more;
 *   - without a bare CR or LF the output has no CR at all (so never
 *     "\r\n") and is the input with CRLF turned into LF and the leading
 *     dot of each line removed; "\r\n" in the output implies a bare CR;
 *   - too big exactly when the output passed the limit, and then nothing
 *     is kept. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtpd_data.h"

struct fuzz_run {
	struct smtpd_data d;
	struct buf out;
	size_t used;
};

/* Feed n bytes at p in chunks (chunk sizes from *seed; 0: all at once). */
static void
fuzz_feed(struct fuzz_run *r, const char *p, size_t n, uint64_t max, uint32_t *seed)
{
	size_t len, got;
	char *c;

	smtpd_data_init(&r->d, max);
	r->out = (struct buf)BUF_INIT;
	r->used = 0;
	while (r->used < n) {
		len = n - r->used;
		if (seed) {
			*seed ^= *seed << 13;
			*seed ^= *seed >> 17;
			*seed ^= *seed << 5;
			/* mostly small chunks, sometimes empty, sometimes large */
			len = *seed % 8 == 0 ? *seed % 4096 : *seed % 9;
			if (len > n - r->used)
				len = n - r->used;
		}
		c = malloc(len ? len : 1);      /* exact size, so ASan sees overreads */
		if (c == NULL)
			abort();
		memcpy(c, p + r->used, len);
		got = smtpd_data_feed(&r->d, c, len, &r->out);
		free(c);
		if (got > len || (got < len && !smtpd_data_done(&r->d)))
			abort();
		r->used += got;
		if (smtpd_data_done(&r->d))
			break;
	}
	if (r->used > n || (r->used < n && !smtpd_data_done(&r->d)))
		abort();
	/* a finished machine takes nothing more */
	if (smtpd_data_done(&r->d) && smtpd_data_feed(&r->d, "\r\n.\r\n", 5, &r->out) != 0)
		abort();
}

/* Where the first <CRLF>.<CRLF> ends in p (n bytes) with a CRLF before
 * p, or 0 if there is none. */
static size_t
fuzz_end(const char *p, size_t n)
{
	size_t i;

	if (n >= 3 && memcmp(p, ".\r\n", 3) == 0)
		return 3;
	for (i = 0; i + 5 <= n; i++)
		if (memcmp(p + i, "\r\n.\r\n", 5) == 0)
			return i + 5;
	return 0;
}

/* The message for input without bare CR or LF: p (n bytes, the end
 * removed) with CRLF as LF and leading dots removed. */
static void
fuzz_unstuff(const char *p, size_t n, struct buf *out)
{
	size_t i = 0, e;

	while (i < n) {
		if (p[i] == '.')
			i++;
		for (e = i; e + 1 < n && !(p[e] == '\r' && p[e + 1] == '\n'); e++)
			;
		if (e + 1 < n) {
			buf_add(out, p + i, e - i);
			buf_addc(out, '\n');
			i = e + 2;
		} else {
			/* an unfinished last line: a final CR is still pending */
			if (n > i && p[n - 1] == '\r')
				n--;
			buf_add(out, p + i, n - i);
			i = n;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct fuzz_run a, b;
	struct buf want = BUF_INIT;
	uint32_t seed = 2166136261u;
	uint64_t max = 0;
	size_t i, end;

	for (i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 16777619u;
	if (seed == 0)
		seed = 1;
	/* the size limit: none, or small enough to be reached now and then */
	if (size > 0 && data[0] % 4 == 0)
		max = seed % (size + 1);
	fuzz_feed(&a, p, size, max, &seed);
	fuzz_feed(&b, p, size, max, NULL);

	/* the same whatever the split */
	if (a.used != b.used || smtpd_data_done(&a.d) != smtpd_data_done(&b.d) ||
	    a.d.bare != b.d.bare || a.d.toobig != b.d.toobig || a.d.hops != b.d.hops ||
	    a.d.size != b.d.size || a.out.len != b.out.len ||
	    (a.out.len && memcmp(a.out.p, b.out.p, a.out.len) != 0))
		abort();

	/* the end is the first <CRLF>.<CRLF> and nothing else */
	end = fuzz_end(p, size);
	if (smtpd_data_done(&a.d) != (end != 0) || (end && a.used != end))
		abort();

	/* sizes and the limit */
	if (a.out.len > a.used || a.d.size > a.used)
		abort();
	if (a.d.toobig != (max != 0 && a.d.size > max))
		abort();
	if (a.d.toobig ? a.out.len != 0 : a.out.len != a.d.size)
		abort();

	/* line ends */
	if (a.out.len && memmem(a.out.p, a.out.len, "\r\n", 2) && !a.d.bare)
		abort();
	if (!a.d.bare && !a.d.toobig) {
		if (a.out.len && memchr(a.out.p, '\r', a.out.len))
			abort();
		fuzz_unstuff(p, end ? end - 3 : a.used, &want);
		if (want.len != a.out.len || (want.len && memcmp(want.p, a.out.p, want.len) != 0))
			abort();
	}
	buf_free(&want);
	buf_free(&a.out);
	buf_free(&b.out);
	return 0;
}
