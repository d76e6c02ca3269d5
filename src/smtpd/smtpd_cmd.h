/* smtpd_cmd: parsing SMTP command lines (RFC 5321 section 4.1) for
 * herald-smtpd. Pure functions on bytes, no I/O; the fuzz harness
 * t/fuzz/fuzz_smtpd_cmd drives them with arbitrary input.
 *
 * A command line is given without its CRLF. Verbs are case-insensitive.
 * MAIL FROM: and RCPT TO: take a path in angle brackets (a bare address
 * without spaces is accepted too), optionally with an obsolete source
 * route ("<@a,@b:user@c>", which is checked and ignored), followed by
 * ESMTP parameters "KEYWORD[=VALUE]" separated by spaces. The address is
 * returned in herald's internal form (addr.h): the local part unquoted,
 * '@', the domain as written. */
#ifndef HERALD_SMTPD_CMD_H
#define HERALD_SMTPD_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum smtpd_cmd_verb {
	SMTPD_CMD_UNKNOWN,
	SMTPD_CMD_HELO,
	SMTPD_CMD_EHLO,
	SMTPD_CMD_MAIL,
	SMTPD_CMD_RCPT,
	SMTPD_CMD_DATA,
	SMTPD_CMD_BDAT,
	SMTPD_CMD_RSET,
	SMTPD_CMD_NOOP,
	SMTPD_CMD_QUIT,
	SMTPD_CMD_VRFY,
	SMTPD_CMD_EXPN,
	SMTPD_CMD_HELP,
	SMTPD_CMD_STARTTLS,
	SMTPD_CMD_AUTH,
};

/* The verb of a command line and where its argument starts (*arg: past
 * the verb and one space, or at the end of the line). */
enum smtpd_cmd_verb smtpd_cmd_verb(const char *line, size_t n, size_t *arg);

enum smtpd_cmd_body {
	SMTPD_CMD_BODY_NONE,
	SMTPD_CMD_BODY_7BIT,
	SMTPD_CMD_BODY_8BITMIME,
};

/* What MAIL FROM: or RCPT TO: said. */
struct smtpd_cmd_path {
	struct buf addr;                /* internal form; "" for the null path <> */
	bool null;                      /* <> */
	bool has_domain;                /* an '@domain' was given */
	size_t local_len;               /* length of the local part in addr */
	uint64_t size;                  /* SIZE=, 0 if not given */
	enum smtpd_cmd_body body;       /* BODY= */
	bool smtputf8;                  /* MAIL: SMTPUTF8 given; RCPT: set by the caller
	                                 * to the transaction's, allows UTF-8 addresses */
	bool size_given;
};

#define SMTPD_CMD_PATH_INIT { BUF_INIT, false, false, 0, 0, SMTPD_CMD_BODY_NONE, false, false }

enum smtpd_cmd_kind {
	SMTPD_CMD_KIND_MAIL,
	SMTPD_CMD_KIND_RCPT,
};

/* Parse the argument of MAIL or RCPT (starting at "FROM:" or "TO:").
 * Returns 0, or the SMTP reply code of the error (501 syntax, 553 bad
 * address, 555 unknown parameter) with err_str() the reply's text. */
int smtpd_cmd_path(enum smtpd_cmd_kind kind, const char *arg, size_t n,
    struct smtpd_cmd_path *out);
/* Free what smtpd_cmd_path allocated. */
void smtpd_cmd_path_free(struct smtpd_cmd_path *p);
/* Decode base64 text (n bytes) into out; -1 if it is not base64. */
int smtpd_cmd_base64_decode(const char *s, size_t n, struct buf *out);
/* Append the base64 encoding of n bytes to out. */
int smtpd_cmd_base64_encode(struct buf *out, const void *p, size_t n);

#endif
