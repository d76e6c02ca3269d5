/* smtpc_txn: the transaction half of the SMTP client machine (MAIL, RCPT,
 * DATA, RSET and the per-recipient results), and what it shares with the
 * session half in smtpc.c. Only smtpc.c and smtpc_txn.c include this. */
#ifndef HERALD_SMTPC_TXN_H
#define HERALD_SMTPC_TXN_H

#include <stdbool.h>

#include "smtpc.h"

/* The machine's states (struct smtpc.state). */
enum smtpc_state {
	SMTPC_S_GREETING,
	SMTPC_S_EHLO,
	SMTPC_S_HELO,
	SMTPC_S_STARTTLS,
	SMTPC_S_TLS,
	SMTPC_S_READY,
	SMTPC_S_TXN,                    /* RSET/MAIL/RCPT/DATA replies due */
	SMTPC_S_BODY,
	SMTPC_S_DOT,
	SMTPC_S_QUIT,
	SMTPC_S_FAILED,
	SMTPC_S_CLOSED,
};

/* Handle the complete reply in s->reply in state SMTPC_S_TXN or _DOT. */
enum smtpc_event smtpc_txn_reply(struct smtpc *s);
/* The command whose reply comes next in state SMTPC_S_TXN. */
enum smtpc_cmd smtpc_txn_next(const struct smtpc *s);
/* The session failed: give every undecided recipient TEMPFAIL with s->fail's text. */
void smtpc_txn_abort(struct smtpc *s);

/* Set text and esc for outcome st from reply r (answering cmd), naming the peer. */
int smtpc_say(struct smtpc *s, struct buf *text, char esc[12], enum smtpc_status st,
    const struct smtpc_reply *r, enum smtpc_cmd cmd);
/* Fail the session on the reply in s->reply answering cmd; quit_ok: QUIT may follow. */
enum smtpc_event smtpc_fail_reply(struct smtpc *s, enum smtpc_cmd cmd, bool quit_ok);
/* Fail the session without a reply: text from fmt, then " (#esc)". */
enum smtpc_event smtpc_fail_local(struct smtpc *s, const char *esc, bool quit_ok,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The peer's name for texts. */
const char *smtpc_peer(const struct smtpc *s);

#endif
