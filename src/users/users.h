/* users: who receives mail for a local part (herald-lspawn(8)), with
 * qmail-getpw(8) and qmail-users(5) semantics:
 *   1. the local part is lower-cased for the lookup;
 *   2. users/assign.db: the exact entry "=local", else the wildcard entry
 *      with the longest prefix of local ("+" matches everything); a
 *      wildcard gives ext = pre followed by the rest of the local part;
 *   3. else the user named by the local part up to its first '-': in a
 *      multi-user instance a system account (uid not 0, home directory that
 *      exists and belongs to it), in a single-user instance the directory
 *      HOME/users/NAME; dash is "-" if there was a '-', ext the rest;
 *   4. else the alias user: home HOME/alias, dash "-", ext the local part.
 * In a single-user instance every delivery runs as the instance's owner
 * (the caller): uid and gid are the caller's, whatever users/assign says.
 * The ext handed on keeps the case it was written in. */
#ifndef HERALD_USERS_H
#define HERALD_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "users_db.h"

/* The system user whose home is HOME/alias in a multi-user instance. */
#define USERS_ALIAS "alias"

enum users_source {
	USERS_ASSIGN,                   /* users/assign.db */
	USERS_PASSWD,                   /* a system account (multi-user) */
	USERS_DIR,                      /* HOME/users/NAME (single-user) */
	USERS_ALIASED,                  /* the alias user */
};

/* Where mail for one local part goes: herald-local's user, home, dash, ext. */
struct users_pw {
	struct buf user, home, dash, ext;
	uid_t uid;
	gid_t gid;
	enum users_source source;
};

struct users {
	const char *home;               /* the instance directory */
	bool multi;                     /* system accounts and uid switching (root) */
	struct users_db db;
	struct buf key, val;            /* scratch */
};

/* Whether the instance at home is a multi-user one for this process: running
 * as root, and HOME/queue belongs to another user (herald-setup(8) without
 * -s); a single-user instance made by root runs everything as root. */
int users_multi(const char *home, bool *multi);
/* Set up u for the instance at home; multi: a multi-user instance. */
int users_init(struct users *u, const char *home, bool multi);
/* Resolve local (as written); pw starts zeroed and may be reused; -1 on a
 * temporary error (err_str says why). */
int users_lookup(struct users *u, const char *local, struct users_pw *pw);
/* Free what users_init allocated. */
void users_free(struct users *u);
/* Free what users_lookup put in pw. */
void users_pw_free(struct users_pw *pw);
/* Length of the user name in local: up to the first '-', or all of it. */
size_t users_split(const char *local);
/* Copy n bytes of s into out in lower case (ASCII). */
int users_lower(struct buf *out, const char *s, size_t n);

#endif
