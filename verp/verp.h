/* verp: variable envelope return paths, qmail's convention.
 * A sender of the form PREFIX@HOST-@[] asks for one return path per
 * recipient: for recipient LOCAL@DOMAIN it becomes PREFIX LOCAL=DOMAIN @HOST,
 * so "list-return-@example.org-@[]" and "u@d.test" give
 * "list-return-u=d.test@example.org". Pure functions. */
#ifndef HERALD_VERP_H
#define HERALD_VERP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* True if sender (len bytes) asks for VERP (ends in "-@[]" with an '@' before). */
bool verp_is_verp(const char *sender, size_t len);
/* Set out to the return path of sender for rcpt; a sender that is not a
 * VERP sender is copied unchanged. */
int verp_encode(struct buf *out, const char *sender, size_t slen, const char *rcpt, size_t rlen);

#endif
