/* local_dot: finding and reading a .qmail file (dot-qmail(5)).
 *
 * For a dash "-" and extension "a-b-c" the candidates are, in order,
 * .qmail-a-b-c, .qmail-a-b-default, .qmail-a-default, .qmail-default; the
 * extension is lower-cased and its dots become ':' in file names. With an
 * empty dash only ".qmail" is looked at. A -default match sets $DEFAULT to
 * the part of the extension the "default" stands for, in its original case.
 *
 * A file is refused (temporary failure) if it is group- or world-writable,
 * larger than LOCAL_DOT_FILE_MAX, has a line longer than LOCAL_DOT_LINE_MAX,
 * a NUL byte, a blank first line, or more than LOCAL_DOT_FWD_MAX forwards.
 * Lines end at '\n'; trailing blanks and tabs are not part of a line. */
#ifndef HERALD_LOCAL_DOT_H
#define HERALD_LOCAL_DOT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define LOCAL_DOT_FILE_MAX (1024 * 1024)
#define LOCAL_DOT_LINE_MAX 8192
#define LOCAL_DOT_FWD_MAX 1000

enum local_dot_kind {
	LOCAL_DOT_BLANK,                /* empty line: ignored */
	LOCAL_DOT_COMMENT,              /* "#...": ignored */
	LOCAL_DOT_MAILDIR,              /* "./dir/" or "/dir/" */
	LOCAL_DOT_MBOX,                 /* "./file" or "/file" */
	LOCAL_DOT_PROG,                 /* "|command" (argument: the command) */
	LOCAL_DOT_FORWARD,              /* "&address" or "address" (argument: the address) */
	LOCAL_DOT_LIST,                 /* "+list": only forwards from here on */
	LOCAL_DOT_PLUS,                 /* another "+..." line: ignored */
};

struct local_dot {
	struct buf name;                /* the file found ("" if none) */
	struct buf text;                /* its contents */
	bool found;
	bool forwardonly;               /* the file is executable by its owner */
	const char *deflt;              /* $DEFAULT (in ext), NULL unless a -default matched */
};

/* Set name to candidate k (0: the exact name) and *defoff to where $DEFAULT
 * starts in ext (-1: none); false when there is no candidate k. */
bool local_dot_candidate(size_t k, const char *dash, const char *ext, struct buf *name,
    long *defoff);
/* Find and read the .qmail file for dash and ext in the current directory. */
int local_dot_find(struct local_dot *d, const char *dash, const char *ext);
/* Check text (named name for errors) against the limits above. */
int local_dot_check(const char *name, const char *text, size_t len);
/* Next line of text at *pos (trailing blanks removed); false at the end. */
bool local_dot_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n);
/* Kind of a line; *arg, *alen: its argument (path, command or address). */
enum local_dot_kind local_dot_classify(const char *line, size_t n, const char **arg, size_t *alen);
/* Free d's memory. */
void local_dot_free(struct local_dot *d);

#endif
