/* inject: one message from a local user into the queue, as qmail-inject
 * does it; herald-inject and sendmail are thin front ends to inject_run().
 *
 * The message is read (CRLF becomes LF; in dot mode a "." line ends it),
 * its header (at most INJECT_HDR_MAX bytes) rewritten by inject_hdr, and
 * the header plus the body handed to herald-queue with the envelope:
 *  - recipients: the arguments and/or the header's To, Cc, Bcc,
 *    Apparently-To (Resent-To, Resent-Cc, Resent-Bcc instead when any of
 *    those is present), qualified, each address once;
 *  - sender: -f if given ("" or "<>" is the null sender); else the
 *    Return-Path: field; else $QMAILSUSER or $MAILSUSER at $QMAILSHOST,
 *    $MAILSHOST or the user's host; else the first From: address; else
 *    the user's own address.
 * Exit codes are qmail-inject's: 0 queued, 100 permanent failure (bad
 * input, or herald-queue exit 11-40), 111 temporary failure. */
#ifndef HERALD_INJECT_H
#define HERALD_INJECT_H

#include <stdbool.h>
#include <stddef.h>

/* The largest header accepted. */
#define INJECT_HDR_MAX (1024 * 1024)

enum inject_exit {
	INJECT_EXIT_OK = 0,
	INJECT_EXIT_PERM = 100,
	INJECT_EXIT_TEMP = 111,
};

enum inject_rcpt_mode {
	INJECT_RCPT_DEFAULT,    /* the arguments if any, else the header */
	INJECT_RCPT_ARGS,       /* the arguments only */
	INJECT_RCPT_HEADER,     /* the header only */
	INJECT_RCPT_BOTH,       /* the arguments and the header */
};

struct inject_opts {
	enum inject_rcpt_mode mode;
	bool dot;               /* a "." line ends the message (sendmail without -i) */
	bool print;             /* print the message instead of queueing it */
	const char *sender;     /* -f, or NULL */
	const char *fullname;   /* -F, or NULL */
	char **args;            /* recipient arguments */
	size_t nargs;
	int in, out;            /* message input; output for print */
};

/* Defaults: recipients as qmail-inject, no dot rule, fds 0 and 1. */
void inject_opts_init(struct inject_opts *o);
/* Inject one message; returns the exit code, err_str() saying why when not 0. */
int inject_run(const struct inject_opts *o);

#endif
