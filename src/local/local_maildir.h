/* local_maildir: delivery into a Maildir (maildir(5)). The message, after
 * the Return-Path: and Delivered-To: lines, is written to
 * DIR/tmp/SECONDS.MMICROSPPIDQN.HOST (N counts deliveries of this process;
 * '/' and ':' in the host name are written as \057 and \072), fsynced,
 * linked to DIR/new/ under the same name, and DIR/new/ is fsynced before
 * success is reported; the tmp/ name is removed in every case. */
#ifndef HERALD_LOCAL_MAILDIR_H
#define HERALD_LOCAL_MAILDIR_H

#include <sys/time.h>

#include "buf.h"
#include "local.h"

/* Set out to a unique file name for time tv, process pid, counter q and host. */
int local_maildir_name(struct buf *out, const struct timeval *tv, long pid, unsigned q,
    const char *host);
/* Deliver l's message into the Maildir dir (ending in '/'). */
enum local_status local_maildir_deliver(struct local *l, const char *dir);

#endif
