/* connlib: helpers for the conn unit tests (check_conn, check_conn_io):
 * loopback listeners with a forked child serving one connection, a
 * callback that records what a connection reports, and a bounded run of
 * the event loop. Failures are check assertions. */
#ifndef HERALD_T_CONNLIB_H
#define HERALD_T_CONNLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "buf.h"
#include "conn.h"
#include "ev.h"

/* A loop, a socket on a loopback address and the child serving it. */
struct fix {
	struct ev *ev;
	struct sockaddr_storage ss;     /* the socket's address */
	socklen_t len;
	int lfd;                        /* kept when no child serves it */
	pid_t pid;                      /* the child, or -1 */
};

/* What a connection reported (rec_cb). */
struct rec {
	struct conn *c;
	int n[CONN_TIMEOUT + 1];        /* events seen, by kind */
	enum conn_event order[16];
	int norder;
	struct buf in;                  /* everything read (consumed as it came) */
	char err[256];                  /* conn_error() of CONN_FAILED / CONN_ERROR */
	int errnum;
	int free_on;                    /* free the connection on this event (-1: never) */
	struct conn *also;              /* and free this one too */
	bool done;                      /* a final event, EOF or TIMEOUT was seen */
};

/* The byte at offset i of test streams (not periodic in a small power of two). */
unsigned char pat(size_t i);
/* A socket bound to ip port 0, listening with backlog unless backlog < 0;
 * -1 if ip is not configured here. */
int listen_on(const char *ip, struct sockaddr_storage *ss, socklen_t *len, int backlog);
/* A loop and a socket on ip; a child accepting one connection on it and
 * exiting with child(fd) if child is not NULL. Fails the test if ip is missing. */
void fix_up(struct fix *f, const char *ip, int backlog, int (*child)(int fd));
/* Check that the child exited 0; close and free what fix_up made. */
void fix_down(struct fix *f);
/* The child's exit status (128 + signal if killed). */
int reap(pid_t pid);
/* Write all n bytes (blocking); -1 on error. */
int write_all(int fd, const void *p, size_t n);
/* Read one line up to LF into line (NUL-terminated); its length, -1 at EOF. */
int read_line(int fd, char *line, size_t size);
/* Children: write "bye", close the sending side, read until EOF. */
int child_bye(int fd);
/* Children: read until EOF. */
int child_silent(int fd);

/* Reset r for a new connection. */
void rec_init(struct rec *r);
/* The recording callback (arg: struct rec). */
void rec_cb(struct conn *c, enum conn_event e, void *arg);
/* Connect to f's socket with a connect deadline ms from now, reporting to cb(arg). */
struct conn *dial(struct fix *f, int ms, conn_cb *cb, void *arg);
/* Run the loop until *done or ms milliseconds passed; the callbacks run. */
long spin(struct ev *ev, const bool *done, int ms);

#endif
