/* conn_int: the inside of a conn, shared by conn.c (connecting, TLS, the
 * state machine, reporting to the owner) and conn_io.c (the buffers, and
 * the reads and writes that fill and drain them). Only those two files
 * include it; everyone else goes through conn.h.
 *
 * Invariants: in.p[in_off .. in.len) is unconsumed input and in.len never
 * exceeds CONN_INBUF; out.p[out_off .. out.len) waits to be sent. can_read
 * and can_write say that a read or write may make progress now: the loop's
 * events set them, EAGAIN and OpenSSL's WANT_* clear them (rd_wants_w: the
 * last TLS read needs the socket writable; wr_wants_r: the last TLS write
 * needs it readable). */
#ifndef HERALD_CONN_INT_H
#define HERALD_CONN_INT_H

#include "conn.h"

#define CONN_WRITE_MAX 65536            /* bytes handed to one write */
#define CONN_COMPACT 65536              /* sent bytes kept before the buffer is compacted */

enum conn_state { CONN_S_CONNECTING, CONN_S_HANDSHAKE, CONN_S_OPEN, CONN_S_CLOSED };

struct conn {
	struct ev *ev;
	struct ev_io io;
	struct ev_timer timer;
	int fd;
	enum conn_state state;
	struct ssl_st *ssl;
	bool tls_up;                    /* handshake done: all I/O goes through ssl */
	unsigned hs_want;               /* EV_READ / EV_WRITE; 0: handshake not tried yet */
	struct buf in, out;
	size_t in_off, out_off, lowat;
	int64_t deadline;
	conn_cb *cb;
	void *arg;
	bool can_read, can_write, rd_wants_w, wr_wants_r;
	bool eof, hup, dead;
	int busy;                       /* conn_run frames on the stack */
	int perr;                       /* failure found outside the loop, to report */
	const char *pwhat;
	int err;
	struct buf errtext;
	uint64_t nin, nout;
};

/* Read more input: 1 got some, 0 would block, 2 end of input, -1 failed
 * (errno; EPROTO or ENOMEM: err_str() says why). */
int conn_io_read(struct conn *c);
/* Send some queued output: 1 sent some, 0 would block, -1 failed (as above). */
int conn_io_write(struct conn *c);
/* Outside the loop's callbacks, bring the waiting interest and the timer
 * up to date with what the owner just asked for (conn.c). */
void conn_poke(struct conn *c);

#endif
