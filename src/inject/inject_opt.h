/* inject_opt: the command lines of herald-inject and sendmail.
 *
 * herald-inject [-nahAH] [-f sender] [-F name] [recipient ...]
 *   as qmail-inject: -n print instead of queueing; -a recipients from the
 *   arguments only; -h from the header only; -H from both; -A (default)
 *   from the arguments if any, else from the header.
 *
 * sendmail [options] [recipient ...]
 *   -t recipients from the header too; -i, -oi, -O IgnoreDots=true: a "."
 *   line does not end the message; -f/-r sender; -F full name; -bm send
 *   (default); -bp list the queue (herald-qread), also when called as
 *   mailq; -bi (and newaliases, -I) and -q do nothing, successfully; -bs,
 *   -bd and the other -b modes are refused. Options are parsed as sendmail
 *   parses them: letters may be grouped ("-ti"), an option that takes a
 *   value takes the rest of its argument or the next argument (A B C F N O
 *   R V X L b e f h o p r), other letters and -o options are ignored. */
#ifndef HERALD_INJECT_OPT_H
#define HERALD_INJECT_OPT_H

#include "inject.h"

enum inject_opt_action {
	INJECT_OPT_SEND,        /* inject the message */
	INJECT_OPT_QREAD,       /* list the queue */
	INJECT_OPT_NOOP,        /* nothing to do */
};

/* Parse herald-inject's arguments into o (defaults set by the caller). */
int inject_opt_inject(struct inject_opts *o, int argc, char **argv);
/* Parse sendmail's arguments into o; *act says what to do. */
int inject_opt_sendmail(struct inject_opts *o, int argc, char **argv, enum inject_opt_action *act);

#endif
