/* smtpc: the SMTP client protocol (RFC 5321, with PIPELINING 2920, SIZE
 * 1870, 8BITMIME 6152, STARTTLS 3207, ENHANCEDSTATUSCODES 2034, SMTPUTF8
 * 6531) as a pure state machine: no sockets, no clock, no I/O. The driver
 * (herald-remote) owns the connection, TLS, timers and DNS, and runs one
 * struct smtpc per connection:
 *
 *   smtpc_init(s, helo, peer, tls)      after connecting
 *   ev = smtpc_feed(s, p, n, &used)     bytes received; call again with the
 *                                       rest (p + used) until all are used
 *   smtpc_output(s)                     bytes to send: the driver writes them
 *                                       and buf_consume()s what went out
 *   smtpc_waiting(s)                    what a reply is awaited for, to pick
 *                                       the timeout
 *   smtpc_lost(s, why)                  the connection closed, broke or
 *                                       timed out
 *
 * Events (returned by smtpc_feed and the other calls that change state):
 *   SMTPC_EV_NONE      nothing to act on yet.
 *   SMTPC_EV_READY     the session is set up (greeting, EHLO/HELO, TLS when
 *                      used): start a transaction or quit. Given once.
 *   SMTPC_EV_STARTTLS  the server accepted STARTTLS: discard any bytes
 *                      received after it (used < n), do the TLS handshake,
 *                      then call smtpc_tls_done(). EHLO is sent again and
 *                      the capabilities seen in the clear are forgotten.
 *   SMTPC_EV_SEND_BODY DATA got 354: send the message encoded with
 *                      smtpc_body (finish included), then smtpc_data_done().
 *   SMTPC_EV_TXN_DONE  every recipient of the transaction has its result
 *                      (smtpc_result()); the session is ready for the next
 *                      transaction or QUIT (smtpc_ready() is true).
 *   SMTPC_EV_FAILED    the session is over: this host cannot be used now
 *                      (smtpc_failure() says why: greeting or EHLO/HELO
 *                      refused, 421, TLS required but missing, protocol
 *                      error, connection lost). Recipients of a transaction
 *                      in progress that had no answer yet got TEMPFAIL with
 *                      session set, so the driver may try them on the next
 *                      MX; those answered before keep their results. The
 *                      driver closes the connection (after QUIT if
 *                      smtpc_quit() accepts it).
 *   SMTPC_EV_CLOSED    QUIT was answered (or the connection closed after
 *                      QUIT or a failure): close the connection.
 *
 * A transaction (smtpc_txn_start) sends MAIL FROM, a RCPT TO per recipient
 * and DATA, as one batch when the server offers PIPELINING, otherwise one at
 * a time; it is preceded by RSET when the previous transaction left the
 * server inside one (MAIL accepted, end of data not answered). SIZE= is
 * the size the driver gives: the queue's size of the message, or the exact
 * wire size from smtpc_body_size() when the message is at hand. BODY=8BITMIME
 * is added for 8-bit bodies when offered (an 8-bit body is sent as it is
 * otherwise). Before anything is sent, a message bigger than the server's
 * SIZE fails every recipient with 5.3.4, and without SMTPUTF8 at the
 * server a non-ASCII sender or a message needing SMTPUTF8 fails every
 * recipient, a non-ASCII recipient just itself, with 5.6.7.
 *
 * Results: 2xx → OK, 4xx → TEMPFAIL, 5xx → PERMFAIL (552 to RCPT TO counts
 * as 452, RFC 5321 4.5.3.1.10), any other or unexpected code → TEMPFAIL.
 * Texts name the peer, quote the reply and the command it answered, and end
 * in "(#X.Y.Z)": the server's enhanced code, its class made to match the
 * outcome, or X.0.0 when it gave none (X.5.0 for codes outside 4xx/5xx). */
#ifndef HERALD_SMTPC_H
#define HERALD_SMTPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "smtpc_reply.h"

enum smtpc_event {
	SMTPC_EV_NONE,
	SMTPC_EV_READY,
	SMTPC_EV_STARTTLS,
	SMTPC_EV_SEND_BODY,
	SMTPC_EV_TXN_DONE,
	SMTPC_EV_FAILED,
	SMTPC_EV_CLOSED,
};

/* STARTTLS policy. Certificate verification is the driver's: to smtpc,
 * "verify" is REQUIRED. */
enum smtpc_tls {
	SMTPC_TLS_NONE,                 /* never send STARTTLS */
	SMTPC_TLS_OPPORTUNISTIC,        /* when offered; in the clear otherwise */
	SMTPC_TLS_REQUIRED,             /* fail the session (4.7.4) without it */
};

/* What the machine waits for (the driver's timeout depends on it). */
enum smtpc_wait {
	SMTPC_WAIT_NONE,                /* idle (ready), or over */
	SMTPC_WAIT_GREETING,
	SMTPC_WAIT_EHLO,
	SMTPC_WAIT_HELO,
	SMTPC_WAIT_STARTTLS,
	SMTPC_WAIT_TLS,                 /* the driver's TLS handshake */
	SMTPC_WAIT_RSET,
	SMTPC_WAIT_MAIL,
	SMTPC_WAIT_RCPT,
	SMTPC_WAIT_DATA,                /* the 354 */
	SMTPC_WAIT_BODY,                /* the driver sending the message */
	SMTPC_WAIT_DOT,                 /* the reply to the final dot */
	SMTPC_WAIT_QUIT,
};

/* The command a reply answered (SMTPC_CMD_NONE: decided without one). */
enum smtpc_cmd {
	SMTPC_CMD_NONE,
	SMTPC_CMD_GREETING,
	SMTPC_CMD_EHLO,
	SMTPC_CMD_HELO,
	SMTPC_CMD_STARTTLS,
	SMTPC_CMD_RSET,
	SMTPC_CMD_MAIL,
	SMTPC_CMD_RCPT,
	SMTPC_CMD_DATA,
	SMTPC_CMD_DOT,                  /* end of DATA */
	SMTPC_CMD_QUIT,
};

/* A delivery outcome. */
enum smtpc_status {
	SMTPC_OK,
	SMTPC_TEMPFAIL,
	SMTPC_PERMFAIL,
};

/* What the server said it supports (after EHLO; all false after HELO). */
struct smtpc_caps {
	bool esmtp;                     /* EHLO was accepted */
	bool pipelining, eightbitmime, starttls, smtputf8, enhancedstatuscodes;
	bool size;                      /* SIZE offered */
	uint64_t size_max;              /* its limit; 0 when none was given */
};

/* A transaction, as the driver starts it; smtpc copies what it needs. */
struct smtpc_addr {
	const char *p;                  /* internal (unquoted) form */
	size_t len;
	size_t id;                      /* the driver's, returned in the result */
};

struct smtpc_txn {
	const char *sender;             /* internal form; "" for the null sender */
	size_t sender_len;
	const struct smtpc_addr *rcpt;
	size_t nrcpt;                   /* at least 1 */
	uint64_t size;                  /* for SIZE= and the size check */
	bool body8;                     /* the body has 8-bit bytes */
	bool smtputf8;                  /* the message needs SMTPUTF8 */
};

/* One recipient's result, valid after SMTPC_EV_TXN_DONE or _FAILED until
 * the next transaction starts. */
struct smtpc_result {
	size_t id;                      /* smtpc_addr.id */
	enum smtpc_status status;
	enum smtpc_cmd cmd;             /* the command whose reply decided */
	int code;                       /* that reply's code; 0 when none */
	bool session;                   /* TEMPFAIL because the session failed */
	bool decided;                   /* (internal) the result is final */
	char esc[12];                   /* enhanced status code, as in text */
	struct buf text;                /* one line ending in "(#X.Y.Z)" */
};

/* Why the session failed (SMTPC_EV_FAILED). */
struct smtpc_failure {
	enum smtpc_status status;       /* the reply's class; TEMPFAIL when no reply */
	enum smtpc_wait wait;           /* what was awaited when it failed */
	enum smtpc_cmd cmd;             /* the command answered, if a reply */
	int code;                       /* the reply's code; 0 when no reply */
	bool said_421;                  /* the server said 421 (host going down) */
	char esc[12];
	struct buf text;                /* one line ending in "(#X.Y.Z)" */
};

/* Private; one per connection. */
struct smtpc_rslot {
	struct smtpc_result r;
	size_t off, len;                /* address in smtpc.addrs */
};

struct smtpc {
	int state;
	enum smtpc_tls tls;
	bool tls_on;                    /* TLS is up */
	bool in_txn;                    /* the server is inside a transaction */
	bool quit_ok;                   /* failed, but QUIT may still be sent */
	struct buf helo, peer;
	struct smtpc_caps caps;
	struct smtpc_reply reply;
	struct buf out;
	struct smtpc_failure fail;
	/* the current transaction */
	struct buf addrs;               /* sender, then every recipient */
	size_t sender_len;
	struct smtpc_rslot *rs;
	size_t nrs, rs_cap;
	size_t *order;                  /* recipients to send, in order */
	size_t nsend;
	uint64_t size;
	bool body8, utf8;
	bool t_rset;                    /* RSET heads the commands */
	bool t_mail_ok;
	bool t_ignore_dot;              /* a broken 354: the dot's reply is ignored */
	size_t t_accepted;              /* recipients accepted at RCPT */
	size_t t_total, t_sent, t_next; /* commands: in all, sent, answered */
};

/* Set s up for a new connection: helo is the name given in EHLO/HELO,
 * peer names the server in texts (e.g. "mx.example.com[192.0.2.1]"). */
int smtpc_init(struct smtpc *s, const char *helo, const char *peer, enum smtpc_tls tls);
/* Free the memory. */
void smtpc_free(struct smtpc *s);
/* Consume received bytes p[0..n) until an event (see above); *used says how many. */
enum smtpc_event smtpc_feed(struct smtpc *s, const char *p, size_t n, size_t *used);
/* The bytes to send; the driver removes what it sent with buf_consume(). */
struct buf *smtpc_output(struct smtpc *s);
/* What the machine waits for. */
enum smtpc_wait smtpc_waiting(const struct smtpc *s);
/* True if a transaction may start (or QUIT be sent) now. */
bool smtpc_ready(const struct smtpc *s);
/* The server's capabilities. */
const struct smtpc_caps *smtpc_caps(const struct smtpc *s);
/* True if TLS is up on this session. */
bool smtpc_tls_on(const struct smtpc *s);
/* The TLS handshake after SMTPC_EV_STARTTLS ended; ok says if it worked. */
enum smtpc_event smtpc_tls_done(struct smtpc *s, bool ok);
/* The connection closed, broke or timed out (why: e.g. "timed out", NULL
 * for a close by the server): SMTPC_EV_FAILED, or _CLOSED after QUIT. */
enum smtpc_event smtpc_lost(struct smtpc *s, const char *why);
/* Queue QUIT if the session can take it (ready, or failed with the
 * server's replies all read); false: just close. */
bool smtpc_quit(struct smtpc *s);
/* Why the session failed. */
const struct smtpc_failure *smtpc_failure(const struct smtpc *s);

/* Start a transaction (only when smtpc_ready()): SMTPC_EV_NONE (commands
 * queued), SMTPC_EV_TXN_DONE (all decided without sending) or _FAILED. */
enum smtpc_event smtpc_txn_start(struct smtpc *s, const struct smtpc_txn *t);
/* The driver sent the whole message, final dot included. */
void smtpc_data_done(struct smtpc *s);
/* The number of results (the transaction's recipients, in order). */
size_t smtpc_nresults(const struct smtpc *s);
/* The i-th recipient's result. */
const struct smtpc_result *smtpc_result(const struct smtpc *s, size_t i);

#endif
