/* inject_in: the message as it comes in on a descriptor, cut into pieces
 * of at most a given size that end at line ends when the line fits.
 * CRLF becomes LF (a CR not followed by LF is kept). In dot mode (sendmail
 * without -i) a line holding a single '.' ends the input, as it does for
 * sendmail; nothing else is unstuffed. A last line without a line end gets
 * one. */
#ifndef HERALD_INJECT_IN_H
#define HERALD_INJECT_IN_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define INJECT_IN_BUFSIZE 65536

struct inject_in {
	int fd;
	bool dot;               /* a "." line ends the input */
	bool bol;               /* the next byte starts a line */
	bool eof;               /* read(2) returned 0 */
	bool done;              /* the end of the message was reached */
	size_t pos, len;
	char buf[INJECT_IN_BUFSIZE];
};

/* Start reading fd; dot selects sendmail's "." line rule. */
void inject_in_init(struct inject_in *in, int fd, bool dot);
/* Append the next piece (at most max > 0 bytes) to out; returns its
 * length, 0 at the end, -1 on a read error. */
long inject_in_piece(struct inject_in *in, struct buf *out, size_t max);

#endif
