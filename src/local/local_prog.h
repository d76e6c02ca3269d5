/* local_prog: delivery to a program, qmail-command(8). The command runs
 * as "/bin/sh -c COMMAND" in the home directory with the message (as
 * queued: no lines are added; $RPLINE, $DTLINE and $UFLINE are in the
 * environment for programs that want them, see preline(1)) on its
 * standard input and local_env_build()'s variables added to the
 * environment. Its standard output and error are captured: the first
 * LOCAL_PROG_OUT_MAX bytes become the failure text, the rest is read and
 * dropped. Exit codes: 0 success; 99 success, and the rest of the .qmail
 * file is skipped; 100, 64, 65, 70, 76, 77, 78 and 112 permanent failure;
 * anything else, or a crash, temporary failure. */
#ifndef HERALD_LOCAL_PROG_H
#define HERALD_LOCAL_PROG_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "local.h"

#define LOCAL_PROG_OUT_MAX 1024

/* The outcome of a program's wait status; *stop is set for exit 99. */
enum local_status local_prog_status(int wstatus, bool *stop);
/* True if text (n bytes) holds an enhanced status code "#X.Y.Z". */
bool local_prog_has_code(const char *text, size_t n);
/* Set l's failure text for command cmd that ended with wstatus and wrote out. */
enum local_status local_prog_fail(struct local *l, const char *cmd, int wstatus,
    const char *out, size_t n);
/* Run the program delivery cmd (n bytes) for l. */
enum local_status local_prog_deliver(struct local *l, const char *cmd, size_t n);

#endif
