/* smtpd: one SMTP server session (RFC 5321) on a netio connection, as run
 * by herald-smtpd(8) with the client on descriptors 0 and 1. It reads its
 * settings from control files once at start (smtpd_conf_load), checks
 * relaying (smtpd_relay.h), reads DATA with smtpd_data (which makes
 * <CRLF>.<CRLF> the only end of a message), and hands each message to the
 * queue (inject_queue.h), answering 250 only once the message is durable.
 * Replies to pipelined commands are sent when no more input is waiting. */
#ifndef HERALD_SMTPD_H
#define HERALD_SMTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "netio.h"
#include "smtpd_rcpt.h"
#include "smtpd_relay.h"

#define SMTPD_LINE_MAX 2048             /* a command line, CRLF included */
#define SMTPD_HOPS_MAX 100              /* Received: and Delivered-To: fields */

struct ssl_ctx_st;

/* Settings from control files and the environment. */
struct smtpd_conf {
	struct buf me;                  /* control/me: our name */
	struct buf greeting;            /* control/smtpgreeting (default: me) */
	unsigned long databytes;        /* 0: no limit */
	unsigned long timeout;          /* control/timeoutsmtpd: seconds per command */
	unsigned long timeoutdata;      /* control/timeoutdata: seconds for a whole DATA */
	unsigned long maxrcpt;          /* control/smtpmaxrcpt */
	unsigned long maxerrors;        /* control/smtpmaxerrors */
	bool authnotls;                 /* control/smtpauthnotls: AUTH without TLS */
	bool rcptcheck;                 /* control/smtprcptcheck: unknown users at RCPT */
	struct ssl_ctx_st *tls;         /* from control/smtpcert, smtpkey; NULL: no STARTTLS */
	const char *remoteip, *localip; /* TCPREMOTEIP, TCPLOCALIP */
	const char *relayclient;        /* RELAYCLIENT, or NULL */
	char *const *checkpw;           /* checkpassword command, or NULL: no AUTH */
	struct smtpd_relay relay;
	struct smtpd_rcpt check;        /* tables for smtprcptcheck, if set */
};

/* Load the settings; errors name the control file (nothing is left to free then). */
int smtpd_conf_load(struct smtpd_conf *c, char *const *checkpw);
/* Set the client's facts (the strings must outlive its session);
 * relayclient NULL: the client may not relay. */
void smtpd_conf_client(struct smtpd_conf *c, const char *remoteip, const char *localip,
    const char *relayclient);
/* Free the settings. */
void smtpd_conf_free(struct smtpd_conf *c);
/* Serve one client on rfd/wfd until it quits or is cut off; returns the
 * exit code for herald-smtpd (0, or 111 when a reply could not be sent). */
int smtpd_session(struct smtpd_conf *c, int rfd, int wfd);

#endif
