/* smtpc_body: turns a message as the queue stores it (lines ending in LF)
 * into the bytes sent after DATA (RFC 5321 4.5.2): every LF becomes CRLF
 * (a CR already before the LF is kept, not doubled), a line starting with
 * '.' gets another '.', and the end is marked by CRLF "." CRLF. The input
 * may come in chunks of any size; the state (at the start of a line, after
 * a CR) is carried across chunks, so the output does not depend on the
 * chunking. A body that does not end in LF gets a CRLF before the dot; an
 * empty body is just ".\r\n".
 *
 * Invariant: size counts every byte appended so far, so after
 * smtpc_body_finish it is the exact size of the message on the wire. */
#ifndef HERALD_SMTPC_BODY_H
#define HERALD_SMTPC_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct smtpc_body {
	bool bol;                       /* the next byte starts a line */
	bool cr;                        /* the last byte was a CR */
	uint64_t size;                  /* bytes produced */
};

/* Start encoding a message. */
void smtpc_body_init(struct smtpc_body *e);
/* Append the encoding of p[0..n) to out (out may be NULL: count only). */
int smtpc_body_encode(struct smtpc_body *e, struct buf *out, const char *p, size_t n);
/* Append the end of the message (CRLF if needed, then ".\r\n"; out may be NULL). */
int smtpc_body_finish(struct smtpc_body *e, struct buf *out);
/* The exact encoded size of the whole message p[0..n), final dot included. */
uint64_t smtpc_body_size(const char *p, size_t n);

#endif
