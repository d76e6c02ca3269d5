/* control: one setting per file in HOME/control/, qmail's conventions.
 * A single-value file holds its value on the first line; surrounding white
 * space is ignored. A list file holds one entry per line; blank lines and
 * lines starting with '#' are ignored. A missing file means "use the
 * default"; an unreadable or malformed one is an error whose text names the
 * file and line (for example "control/databytes:1: not a number: 'x'"). */
#ifndef HERALD_CONTROL_H
#define HERALD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Read the first line of control/NAME into out; *found tells if it exists.
 * An empty file counts as not found. */
int control_line(const char *name, struct buf *out, bool *found);
/* Read control/NAME as an unsigned number no larger than max, or dflt. */
int control_ulong(const char *name, unsigned long dflt, unsigned long max, unsigned long *out);
/* Read the entries of control/NAME into out, each terminated by a NUL;
 * *count gets their number (0 if the file is missing). */
int control_lines(const char *name, struct buf *out, size_t *count);
/* Call fn(entry, where, arg) for each entry of control/NAME in order,
 * where being "control/NAME:LINE" for the errors fn sets; stops at the
 * first -1 from fn and returns it. A missing file has no entries. */
int control_each(const char *name, int (*fn)(const char *entry, const char *where, void *arg),
    void *arg);
/* Parse text as control_ulong does; where names the file for errors. */
int control_parse_ulong(const char *text, const char *where, unsigned long max, unsigned long *out);

#endif
