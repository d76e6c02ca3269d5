/* lspawn_req: the wire format between herald-send and herald-lspawn
 * (herald-lspawn(8)).
 *
 * Request (herald-send -> herald-lspawn fd 0), one netstring per delivery,
 * "LEN:PAYLOAD," with LEN decimal without leading zeros, at most
 * LSPAWN_REQ_MAX; PAYLOAD is six fields, each followed by a NUL:
 *   number  decimal, unique among the deliveries in flight
 *   path    queue/mess/SS/ID, the message file relative to the instance
 *   offset  body offset in that file, decimal
 *   length  body length, decimal
 *   sender  the envelope sender (may be empty)
 *   rcpt    local@domain; the domain follows the last '@'
 * Result (herald-lspawn fd 1 -> herald-send), one netstring per delivery:
 *   number NUL status NUL text NUL
 * status is 'K' delivered, 'Z' temporary failure, 'D' permanent failure;
 * text is one line of at most LSPAWN_TEXT_MAX bytes without control
 * characters, ending in an enhanced status code "(#X.Y.Z)". */
#ifndef HERALD_LSPAWN_REQ_H
#define HERALD_LSPAWN_REQ_H

#include <stddef.h>

#include "buf.h"

/* Largest request payload, in bytes. */
#define LSPAWN_REQ_MAX 4096
/* Longest result text, in bytes. */
#define LSPAWN_TEXT_MAX 1000

/* One parsed request; the strings point into the input. */
struct lspawn_req {
	unsigned long long num, off, len;
	const char *path, *sender, *rcpt;
};

/* Parse the first request in n bytes at in: 1 done (*used bytes taken),
 * 0 incomplete, -1 malformed (err_str says how). */
int lspawn_req_parse(const char *in, size_t n, struct lspawn_req *r, size_t *used);
/* Append the result netstring for a delivery to out (text is cleaned up). */
int lspawn_req_result(struct buf *out, unsigned long long num, char status, const char *text);

#endif
