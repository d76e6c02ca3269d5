/* inject_hdr: the header of a message being injected, rewritten as
 * qmail-inject does.
 *
 * Address fields (From, Sender, Reply-To, Mail-Reply-To, Mail-Followup-To,
 * Return-Receipt-To, Errors-To, Disposition-Notification-To, To, Cc, Bcc,
 * Apparently-To and the Resent- variants of From, Sender, Reply-To, To, Cc,
 * Bcc) are parsed; an address that does not parse is an error naming the
 * field. Their addresses are qualified in place (inject_addr.h), the rest
 * of the text (names, comments, folding) is kept as written. Recipients are
 * collected from To, Cc, Bcc, Apparently-To and, separately, from
 * Resent-To, Resent-Cc, Resent-Bcc; recipient addresses must also be valid
 * envelope addresses. Bcc, Resent-Bcc, Return-Path (its address is kept
 * as a possible envelope sender) and Content-Length are removed.
 * inject_hdr_complete() then adds Date, Message-ID and From when missing.
 *
 * Input and output are whole header fields with LF line ends, without the
 * empty line that ends the header. */
#ifndef HERALD_INJECT_HDR_H
#define HERALD_INJECT_HDR_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct inject_conf;

struct inject_hdr {
	struct buf out;         /* the rewritten header */
	struct buf rcpt;        /* To/Cc/Bcc/Apparently-To recipients, each NUL-terminated */
	size_t nrcpt;
	struct buf resent;      /* Resent-To/Cc/Bcc recipients, each NUL-terminated */
	size_t nresent;
	bool has_resent;        /* a Resent-To, Resent-Cc or Resent-Bcc field was present */
	struct buf from;        /* the first address of the first From: field */
	bool has_from_addr;
	struct buf retpath;     /* the address of Return-Path: (empty for <>) */
	bool has_retpath;
	bool has_from, has_date, has_msgid;
	bool temp;              /* the last failure was temporary (out of memory) */
};

/* Prepare h for use. */
void inject_hdr_init(struct inject_hdr *h);
/* Free what h holds. */
void inject_hdr_free(struct inject_hdr *h);
/* True if the line (n bytes) starts a header field ("Name:"). */
bool inject_hdr_is_field(const char *line, size_t n);
/* Rewrite the header in (n bytes) into h, collecting recipients. */
int inject_hdr_process(struct inject_hdr *h, const struct inject_conf *c, const char *in, size_t n);
/* Append the Date:, Message-ID: and From: fields that were missing. */
int inject_hdr_complete(struct inject_hdr *h, const struct inject_conf *c);
/* Append a Message-ID value "<time.pid.counter@idhost>" to out. */
int inject_hdr_msgid(struct buf *out, const struct inject_conf *c);

#endif
