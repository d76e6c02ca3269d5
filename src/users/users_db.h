/* users_db: Berkeley DB hash files keyed by name: users/assign.db (format
 * in users_assign.h) and control/morercpthosts.db, read and built here.
 * Reading:
 * The handle follows the file: before each lookup users_db_refresh()
 * compares the file's device, inode, size and mtime with the ones open and
 * reopens it when herald-newu(8) has replaced it (or opens it when it
 * appears, closes it when it goes away), so a new users/assign takes
 * effect without a restart. The open descriptor is close-on-exec. */
#ifndef HERALD_USERS_DB_H
#define HERALD_USERS_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"

struct __db;

struct users_db {
	char *path;
	struct __db *db;                /* NULL: no database */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* Set up d for the database at path (nothing is opened yet). */
int users_db_init(struct users_db *d, const char *path);
/* Open, reopen or close the database to match the file. */
int users_db_refresh(struct users_db *d);
/* Look up n bytes of key: 1 found (val set), 0 not found (or no database), -1 error. */
int users_db_get(struct users_db *d, const void *key, size_t n, struct buf *val);
/* Close the database and free d. */
void users_db_free(struct users_db *d);
/* Fills a new database (users_db_put); 0 or -1 (err_str set). */
typedef int users_db_fill_fn(void *arg, struct __db *db);
/* Build the database at dbpath: create dbpath.tmp, fill it, fsync it and
 * rename it into place (then fsync the directory); nothing changes unless
 * fill succeeds. */
int users_db_build(const char *dbpath, users_db_fill_fn *fill, void *arg);
/* Store a key that must be new: 0, 1 if it was already there, -1 on error. */
int users_db_put(struct __db *db, const void *key, size_t klen, const void *val, size_t vlen);

#endif
