/* smtpc_reply: assembles an SMTP server's replies (RFC 5321 4.2) from
 * bytes that arrive in chunks of any size: lines "NNN-text" ... "NNN text"
 * ending in CRLF (a bare LF is accepted too). Checks that the code is three
 * digits, the same on every line, and that the separator is '-' or ' ' (a
 * bare "NNN" ends the reply); bounds each line to SMTPC_REPLY_LINE_MAX
 * bytes and a reply to SMTPC_REPLY_LINES_MAX lines. The enhanced status
 * code (RFC 2034/3463, "x.y.z" right after the code on the last line, its
 * class equal to the code's first digit) is extracted when present.
 *
 * Invariants: text holds at most SMTPC_REPLY_KEEP bytes (the text of each
 * line after "NNN-", lines separated by '\n'; later lines are checked but
 * not kept), so a server cannot make a connection hold much memory; line
 * holds the part of a line received so far. */
#ifndef HERALD_SMTPC_REPLY_H
#define HERALD_SMTPC_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define SMTPC_REPLY_LINE_MAX 4096       /* bytes per line, without the CRLF */
#define SMTPC_REPLY_LINES_MAX 200       /* lines per reply */
#define SMTPC_REPLY_KEEP 8192           /* bytes of text kept per reply */
#define SMTPC_REPLY_SHOW 1000           /* at most this much in smtpc_reply_show */

struct smtpc_reply {
	int code;                       /* 0..999; valid when complete */
	char esc[12];                   /* enhanced status code, "" when none */
	struct buf text;                /* line texts, '\n' between lines */
	size_t nlines;
	bool complete;                  /* the last line has been read */
	struct buf line;                /* the line being received */
};

#define SMTPC_REPLY_INIT { 0, "", BUF_INIT, 0, false, BUF_INIT }

/* Consume bytes of p[0..n) into r: 1 when a reply is complete, 0 when all
 * n bytes were taken and more are needed, -1 on a protocol error (err_str()
 * says what); *used is set to the bytes consumed. Feeding a complete reply
 * more bytes starts the next one. */
int smtpc_reply_feed(struct smtpc_reply *r, const char *p, size_t n, size_t *used);
/* Forget the reply and any partial line (e.g. after STARTTLS). */
void smtpc_reply_reset(struct smtpc_reply *r);
/* Append "CODE[ ESC] text" to out: lines joined by spaces, the enhanced
 * code repeated at the start of a line dropped, bytes outside printable
 * ASCII as '?', cut at SMTPC_REPLY_SHOW bytes. */
int smtpc_reply_show(const struct smtpc_reply *r, struct buf *out);
/* True if the reply's first digit is c ('2' .. '5'). */
bool smtpc_reply_class(const struct smtpc_reply *r, char c);
/* Free the memory. */
void smtpc_reply_free(struct smtpc_reply *r);

#endif
