/* buf: the one binary-safe growable byte buffer used everywhere in herald.
 * Invariants: len <= cap; when cap > 0, p[len] == '\0' (so p is always a
 * C string for callers that need one; the buffer may hold NULs itself).
 * Allocation failure returns -1 and leaves the buffer unchanged. */
#ifndef HERALD_BUF_H
#define HERALD_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Make room for at least n more bytes (plus the trailing NUL). */
int buf_reserve(struct buf *b, size_t n);
/* Append n bytes. */
int buf_add(struct buf *b, const void *data, size_t n);
/* Append a C string. */
int buf_adds(struct buf *b, const char *s);
/* Append one byte. */
int buf_addc(struct buf *b, char c);
/* Append printf-formatted text. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append printf-formatted text from a va_list. */
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Replace the contents with n bytes. */
int buf_set(struct buf *b, const void *data, size_t n);
/* Replace the contents with a C string. */
int buf_sets(struct buf *b, const char *s);
/* Replace the contents with n bytes of s in ASCII lower case. */
int buf_set_lower(struct buf *b, const char *s, size_t n);
/* Empty the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* Drop the first n bytes. */
void buf_consume(struct buf *b, size_t n);
/* Free the memory. */
void buf_free(struct buf *b);

#endif
