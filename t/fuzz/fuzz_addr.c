/* fuzz_addr: libFuzzer harness for src/util/addr: the RFC 5322 address-list
 * parser, the RFC 5321 envelope check and quoting, on arbitrary bytes.
 * Build: ./configure --enable-fuzz CC=clang && make t/fuzz/fuzz_addr
 * Run:   t/fuzz/fuzz_addr -max_total_time=60 [CORPUS_DIR]
 * Every mailbox the parser yields must be at most ADDR_MAX bytes, NUL-
 * terminated at len, with local_len <= len and its offsets inside the input;
 * its quoted form is fed to the envelope check. Nothing may read past the
 * input (it is copied to an exact-size allocation). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "addr_envelope.h"
#include "buf.h"

static int
fuzz_addr_mbox(void *arg, const struct addr_mbox *m)
{
	size_t n = *(size_t *)arg;
	struct buf q = BUF_INIT;

	if (m->len > ADDR_MAX || m->addr[m->len] != '\0' || m->local_len > m->len ||
	    m->start > m->end || m->end > n)
		abort();
	if (m->has_domain && (m->local_len >= m->len || m->addr[m->local_len] != '@'))
		abort();
	if (addr_envelope_quote(&q, m->addr, m->len) == 0)
		(void)addr_envelope_check(q.p, q.len);
	buf_free(&q);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);  /* exact size, so ASan sees overreads */

	if (copy == NULL)
		return 0;
	if (size)
		memcpy(copy, data, size);
	(void)addr_list_parse(copy, size, fuzz_addr_mbox, &size);
	(void)addr_envelope_check(copy, size);
	(void)addr_envelope_dot_string(copy, size);
	free(copy);
	return 0;
}
