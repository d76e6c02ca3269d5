/* smtpd_conf: herald-smtpd's settings (see smtpd.h and herald-smtpd(8)).
 *   control/me, smtpgreeting, databytes, timeoutsmtpd (300), timeoutdata
 *   (1200), smtpmaxrcpt (1000), smtpmaxerrors (10), smtpauthnotls (0),
 *   smtprcptcheck (0), smtpcert and smtpkey (STARTTLS), rcpthosts,
 *   morercpthosts.db; TCPREMOTEIP, TCPLOCALIP and RELAYCLIENT from the
 *   environment, or for each client from smtpd_conf_client. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "err.h"
#include "home.h"
#include "smtpd.h"
#include "tls.h"

/* A 0/1 control file. */
static int
smtpd_conf_flag(const char *name, bool *out)
{
	unsigned long v;

	if (control_ulong(name, 0, 1, &v) == -1)
		return -1;
	*out = v == 1;
	return 0;
}

/* STARTTLS: control/smtpcert (chain, and the key unless control/smtpkey names it). */
static int
smtpd_conf_tls(struct smtpd_conf *c)
{
	struct buf cert = BUF_INIT, key = BUF_INIT;
	int r = -1;

	if (home_path(&cert, "control/smtpcert") == -1 || home_path(&key, "control/smtpkey") == -1) {
		err_set("out of memory");
		goto out;
	}
	if (access(cert.p, F_OK) == -1) {
		r = 0;
		goto out;
	}
	if (access(key.p, F_OK) == -1 && buf_set(&key, cert.p, cert.len) == -1) {
		err_set("out of memory");
		goto out;
	}
	if ((c->tls = tls_server_ctx(cert.p, key.p)) == NULL) {
		err_set("control/smtpcert: %s", err_str());
		goto out;
	}
	r = 0;
out:
	buf_free(&cert);
	buf_free(&key);
	return r;
}

int
smtpd_conf_load(struct smtpd_conf *c, char *const *checkpw)
{
	bool found;

	memset(c, 0, sizeof *c);
	if (control_line("me", &c->me, &found) == -1)
		goto fail;
	if (!found && buf_sets(&c->me, "localhost") == -1)
		goto nomem;
	if (control_line("smtpgreeting", &c->greeting, &found) == -1)
		goto fail;
	if (!found && buf_set(&c->greeting, c->me.p, c->me.len) == -1)
		goto nomem;
	if (control_ulong("databytes", 0, (unsigned long)-1, &c->databytes) == -1 ||
	    control_ulong("timeoutsmtpd", 300, 86400, &c->timeout) == -1 ||
	    control_ulong("timeoutdata", 1200, 86400, &c->timeoutdata) == -1 ||
	    control_ulong("smtpmaxrcpt", 1000, 1000000, &c->maxrcpt) == -1 ||
	    control_ulong("smtpmaxerrors", 10, 1000000, &c->maxerrors) == -1 ||
	    smtpd_conf_flag("smtpauthnotls", &c->authnotls) == -1 ||
	    smtpd_conf_flag("smtprcptcheck", &c->rcptcheck) == -1)
		goto fail;
	if (c->timeout == 0)
		c->timeout = 1;
	if (smtpd_relay_load(&c->relay) == -1 || smtpd_conf_tls(c) == -1)
		goto fail;
	/* the routing tables and users database, once per process */
	if (c->rcptcheck && smtpd_rcpt_init(&c->check) == -1)
		goto fail;
	smtpd_conf_client(c, getenv("TCPREMOTEIP"), getenv("TCPLOCALIP"), getenv("RELAYCLIENT"));
	c->checkpw = checkpw && checkpw[0] ? checkpw : NULL;
	return 0;
nomem:
	err_set("out of memory");
fail:
	smtpd_conf_free(c);
	return -1;
}

void
smtpd_conf_client(struct smtpd_conf *c, const char *remoteip, const char *localip,
    const char *relayclient)
{
	c->remoteip = remoteip != NULL && *remoteip != '\0' ? remoteip : "unknown";
	c->localip = localip;
	c->relayclient = relayclient;
}

void
smtpd_conf_free(struct smtpd_conf *c)
{
	buf_free(&c->me);
	buf_free(&c->greeting);
	if (c->rcptcheck)
		smtpd_rcpt_free(&c->check);
	if (c->tls)
		tls_ctx_free(c->tls);
	smtpd_relay_free(&c->relay);
}
