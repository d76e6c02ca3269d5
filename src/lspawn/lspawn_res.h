/* lspawn_res: the result of one delivery from herald-local's exit and the
 * line it printed. Exit 0 is 'K', 100 'D', 111 'Z'; any other exit, or a
 * signal, is 'Z'. The text is herald-local's first output line, cleaned
 * of control characters; a missing line is made from the exit status.
 * Invariant: the text is at most LSPAWN_TEXT_MAX bytes and ends in an
 * enhanced status code "(#X.Y.Z)". */
#ifndef HERALD_LSPAWN_RES_H
#define HERALD_LSPAWN_RES_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Bytes of herald-local's output kept (its line is at most 2000 bytes). */
#define LSPAWN_RES_OUT_MAX 2048

/* Set text from a wait status and n bytes of output; returns the status letter. */
char lspawn_res_make(int wstatus, const char *out, size_t n, struct buf *text);
/* Bring text to the invariant above for status (shorten it, add a code). */
int lspawn_res_fix(struct buf *text, char status);
/* Length of the status code "(#X.Y.Z)" that ends s (n bytes), 0 if none. */
size_t lspawn_res_code(const char *s, size_t n);

#endif
