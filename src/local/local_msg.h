/* local_msg: the message herald-local delivers, read from a seekable
 * descriptor as a slice [off, off + len) (the whole file, or the body of a
 * queue file). Every delivery re-reads the slice from its start with
 * pread(2) through one fixed buffer: the message is never held in memory
 * and the descriptor's own offset is never used. A file that ends before
 * the slice does is a read error, never a short message. */
#ifndef HERALD_LOCAL_MSG_H
#define HERALD_LOCAL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LOCAL_MSG_BUF 65536

struct local_msg {
	int fd;
	off_t off;                      /* start of the message in fd */
	off_t len;                      /* its length */
	off_t pos;                      /* next byte to read, from off */
	char buf[LOCAL_MSG_BUF];
};

/* Use len bytes of fd from off (len -1: to the end of the file); fd must be seekable. */
int local_msg_open(struct local_msg *m, int fd, off_t off, off_t len);
/* Go back to the first byte of the message. */
void local_msg_rewind(struct local_msg *m);
/* Next chunk of the message in *p; returns its size, 0 at the end, -1 on error. */
ssize_t local_msg_read(struct local_msg *m, const char **p);
/* Set *found if a line of the message's header equals line (n bytes, ending
 * in '\n'), ignoring case; the scan stops at the first empty line. */
int local_msg_header_has(struct local_msg *m, const char *line, size_t n, bool *found);

#endif
