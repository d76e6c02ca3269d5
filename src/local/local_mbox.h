/* local_mbox: delivery to an mbox file. The file is opened for appending
 * (created with mode 0600), locked with flock(2) and with an fcntl(2)
 * write lock (so readers using either see it; at most
 * LOCAL_MBOX_LOCK_WAIT seconds are spent waiting), then gets the From_
 * line, Return-Path:, Delivered-To:, the message with every line that
 * matches ">*From " quoted by one more '>' (qmail's mboxrd quoting), a
 * final newline if the message lacks one, and an empty line. The file is
 * fsynced before success; after a failed write it is truncated back to
 * its original size. */
#ifndef HERALD_LOCAL_MBOX_H
#define HERALD_LOCAL_MBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "local.h"

#define LOCAL_MBOX_LOCK_WAIT 30

/* State of the From_ quoting across chunks of a message. */
struct local_mbox_quote {
	int state;                      /* at the start of a line, in "From ", or past it */
	size_t from;                    /* bytes of "From " matched so far */
	bool partial;                   /* a line has begun and not ended */
};

/* Start quoting a new message. */
void local_mbox_quote_init(struct local_mbox_quote *q);
/* Append the quoted form of n bytes of the message to out. */
int local_mbox_quote(struct local_mbox_quote *q, const char *in, size_t n, struct buf *out);
/* Append what ends the message: held bytes, a missing newline, the empty line. */
int local_mbox_quote_end(struct local_mbox_quote *q, struct buf *out);
/* Deliver l's message to the mbox file path. */
enum local_status local_mbox_deliver(struct local *l, const char *path);

#endif
