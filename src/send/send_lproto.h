/* send_lproto: herald-send's side of the herald-lspawn protocol
 * (herald-lspawn(8)). Both directions are netstrings "LEN:PAYLOAD,".
 * A request's payload is six NUL-terminated fields: delivery number,
 * message path relative to the instance, body offset, body length,
 * envelope sender (VERP applied), recipient. A result's payload is three:
 * delivery number, status byte ('K' delivered, 'Z' temporary failure,
 * 'D' permanent failure), one line of text ending in "(#X.Y.Z)". */
#ifndef HERALD_SEND_LPROTO_H
#define HERALD_SEND_LPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Longest result frame accepted. */
#define SEND_LPROTO_MAX 4096

struct send_lproto_result {
	unsigned long num;
	char status;                    /* 'K', 'Z' or 'D' */
	const char *text;               /* points into the input buffer */
};

/* Append one request frame to out. */
int send_lproto_request(struct buf *out, unsigned long num, const char *path, uint64_t off,
    uint64_t len, const char *sender, const char *rcpt);
/* Parse the first result frame in in[0..n): 1 and *used = its size, 0 if
 * incomplete, -1 if malformed (err_str() says how). The text is NUL-terminated in place. */
int send_lproto_result(char *in, size_t n, struct send_lproto_result *r, size_t *used);

#endif
