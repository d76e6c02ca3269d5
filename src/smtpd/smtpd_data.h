/* smtpd_data: the DATA phase of herald-smtpd as a byte-at-a-time state
 * machine, with no I/O: bytes from the client go in, the message comes
 * out with LF line ends and dot-stuffing removed.
 *
 * End of data is only <CRLF>.<CRLF> (the "DATA" command line's CRLF
 * counts as the first CRLF). A bare LF or a bare CR anywhere in the data
 * never ends a line for this purpose and marks the message as tainted;
 * herald-smtpd refuses tainted messages as a whole, so no sequence of
 * "\n.\n", "\r.\r", "\r\n.\n" or "\n.\r\n" can end one message early and
 * start another (SMTP smuggling).
 *
 * While in the header (up to the first empty line) it counts Received:
 * and Delivered-To: fields, for mail loop detection. Past max bytes of
 * output the message is marked too big and no more is kept, but the end
 * is still looked for, so the client gets its reply in sequence. */
#ifndef HERALD_SMTPD_DATA_H
#define HERALD_SMTPD_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum smtpd_data_state {
	SMTPD_DATA_BOL,                 /* at the start of a line (after CRLF) */
	SMTPD_DATA_MID,                 /* inside a line */
	SMTPD_DATA_CR,                  /* after a CR */
	SMTPD_DATA_DOT,                 /* after a '.' that started a line */
	SMTPD_DATA_DOTCR,               /* after ".\r" at the start of a line */
	SMTPD_DATA_END,                 /* <CRLF>.<CRLF> seen */
};

struct smtpd_data {
	enum smtpd_data_state state;
	uint64_t size;                  /* bytes of output so far (kept or not) */
	uint64_t max;                   /* 0: no limit */
	bool toobig;
	bool bare;                      /* a bare CR or LF was seen */
	bool in_header;
	bool at_line_start;             /* output is at the start of a line */
	unsigned hops;                  /* Received: and Delivered-To: fields */
	char field[16];                 /* start of the current header line */
	size_t field_len;
};

/* Start the DATA phase; max limits the message's size (0: none). */
void smtpd_data_init(struct smtpd_data *d, uint64_t max);
/* Feed n bytes; output goes to out (nothing once too big). Returns the
 * number of bytes used: less than n only when the end was reached, and
 * the rest belongs to the next command. */
size_t smtpd_data_feed(struct smtpd_data *d, const char *p, size_t n, struct buf *out);
/* True once <CRLF>.<CRLF> was seen. */
bool smtpd_data_done(const struct smtpd_data *d);

#endif
