/* users_assign: the users/assign file (herald-users(5)) and its compiled
 * form, users/assign.db, which herald-newu(8) writes and herald-lspawn(8)
 * reads.
 *
 * Text, qmail-users(5)'s format, one entry per line, then a line ".":
 *   =local:user:uid:gid:homedir:dash:ext:     the address local exactly
 *   +prefix:user:uid:gid:homedir:dash:pre:    every address starting with prefix
 * Exactly seven ':' per line; uid and gid decimal; homedir absolute; dash
 * empty or "-"; local and prefix are compared without regard to case.
 *
 * Database (Berkeley DB hash), one record per entry:
 *   key   '=' local or '+' prefix, in lower case, no NUL
 *   value user NUL uid NUL gid NUL homedir NUL dash NUL ext-or-pre NUL
 * Invariant: the database is replaced with rename(2), never written in
 * place, so a reader sees the old or the new one whole. */
#ifndef HERALD_USERS_ASSIGN_H
#define HERALD_USERS_ASSIGN_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* One entry of users/assign; the strings are NUL-terminated. */
struct users_entry {
	char kind;                      /* '=' exact, '+' wildcard */
	const char *key;                /* local or prefix, lower case */
	const char *user, *home, *dash, *ext;   /* ext: ext or pre */
	uid_t uid;
	gid_t gid;
};

/* Called for each entry with its line number; returns 0 or -1 (err set). */
typedef int users_assign_fn(void *arg, const struct users_entry *e, unsigned line);

/* Parse len bytes of users/assign text; where names the file in errors
 * ("WHERE:LINE: why"); fn sees each entry (valid during the call only). */
int users_assign_parse(const char *text, size_t len, const char *where, users_assign_fn *fn,
    void *arg);
/* Set key and value to the database record of e. */
int users_assign_encode(const struct users_entry *e, struct buf *key, struct buf *val);
/* Decode a database value (n bytes) into e; its strings point into val. */
int users_assign_decode(const char *val, size_t n, struct users_entry *e);
/* Compile the text into the database at dbpath (via dbpath.tmp, fsync, rename). */
int users_assign_compile(const char *text, size_t len, const char *where, const char *dbpath);

#endif
