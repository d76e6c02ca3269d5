/* local_env: what herald-local derives from its arguments, as qmail-local
 * does: the Delivered-To: line (DTLINE), the Return-Path: line (RPLINE),
 * the mbox From_ line (UFLINE, "From SENDER Thu Jan  1 00:00:00 1970\n" in
 * UTC, MAILER-DAEMON for the null sender, blanks in the sender as '-'),
 * the pieces of EXT and HOST given to programs (qmail-command(8)), and the
 * environment of a program delivery as a list of "NAME=value" strings. */
#ifndef HERALD_LOCAL_ENV_H
#define HERALD_LOCAL_ENV_H

#include <time.h>

#include "buf.h"
#include "local.h"

/* EXT (n 1) ... EXT4 (n 4): ext after its first n-1 dashes ("" past the last dash). */
const char *local_env_ext(const char *ext, int n);
/* Set out to HOST (n 1) ... HOST4 (n 4): host before its last n-1 dots (all of it if fewer). */
int local_env_host(struct buf *out, const char *host, int n);
/* Set out to "Delivered-To: RECIP\n" (newlines in RECIP as '_'). */
int local_env_dtline(struct buf *out, const char *recip);
/* Set out to "Return-Path: <SENDER>\n" (newlines in SENDER as '_'). */
int local_env_rpline(struct buf *out, const char *sender);
/* Set out to the mbox From_ line for sender at time now. */
int local_env_ufline(struct buf *out, const char *sender, time_t now);
/* Set out to the program environment, "NAME=value" strings each ending in NUL. */
int local_env_build(const struct local *l, struct buf *out);

#endif
