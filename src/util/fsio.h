/* fsio: file and descriptor helpers shared by the queue and the tools:
 * full reads and writes that retry on EINTR and short counts, and the
 * directory fsync that makes a link or rename durable on Linux. */
#ifndef HERALD_FSIO_H
#define HERALD_FSIO_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* Write all n bytes to fd. */
int fsio_write_all(int fd, const void *p, size_t n);
/* pwrite all n bytes to fd at off. */
int fsio_pwrite_all(int fd, const void *p, size_t n, off_t off);
/* Read up to n bytes; returns the count read (short only at end of file) or -1. */
ssize_t fsio_read_full(int fd, void *p, size_t n);
/* pread up to n bytes at off; short only at end of file; -1 on error. */
ssize_t fsio_pread_full(int fd, void *p, size_t n, off_t off);
/* Append everything readable from fd to out; fails (EFBIG) past max bytes. */
int fsio_read_all(int fd, struct buf *out, size_t max);
/* Read the file at path whole into out (at most max bytes): 1, or 0 if it
 * does not exist, or -1 with "NAME: cannot open|read: why" (NAME: what,
 * else path). */
int fsio_read_file(const char *path, const char *what, struct buf *out, size_t max);
/* fsync the directory at path. */
int fsio_fsync_dir(const char *path);
/* Create directory path with mode (existing is fine). */
int fsio_mkdir(const char *path, int mode);
/* Create the missing parent directories of path (mode 0755), like mkdir -p. */
int fsio_mkdir_parents(const char *path);

#endif
