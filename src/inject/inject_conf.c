/* inject_conf: control files and environment for injection (see inject_conf.h). */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "err.h"
#include "inject_addr.h"
#include "inject_conf.h"

/* First of the environment variables names[] that is set and not empty. */
static const char *
inject_conf_env(const char *const *names)
{
	const char *v;

	for (; *names; names++)
		if ((v = getenv(*names)) != NULL && *v)
			return v;
	return NULL;
}

/* control/name into out, else dflt; *found (may be NULL) tells which. */
static int
inject_conf_control(const char *name, struct buf *out, const char *dflt, bool *found)
{
	bool f;

	if (control_line(name, out, &f) == -1)
		return -1;
	if (found)
		*found = f;
	if (!f && buf_sets(out, dflt) == -1) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

int
inject_conf_load(struct inject_conf *c, const char *fullname)
{
	static const char *const user_env[] = { "QMAILUSER", "MAILUSER", "USER", "LOGNAME", NULL };
	static const char *const host_env[] = { "QMAILHOST", "MAILHOST", NULL };
	static const char *const name_env[] = { "QMAILNAME", "MAILNAME", "NAME", NULL };
	static const char *const suser_env[] = { "QMAILSUSER", "MAILSUSER", NULL };
	static const char *const shost_env[] = { "QMAILSHOST", "MAILSHOST", NULL };
	char hostname[256];
	struct passwd *pw;
	const char *v;
	bool found;

	memset(c, 0, sizeof *c);
	c->now = time(NULL);
	c->pid = (long)getpid();
	if (gethostname(hostname, sizeof hostname) == -1)
		snprintf(hostname, sizeof hostname, "localhost");
	hostname[sizeof hostname - 1] = '\0';
	if (inject_conf_control("me", &c->me, hostname, NULL) == -1 ||
	    inject_conf_control("defaulthost", &c->defaulthost, c->me.p, NULL) == -1 ||
	    inject_conf_control("plusdomain", &c->plusdomain, c->me.p, NULL) == -1 ||
	    inject_conf_control("idhost", &c->idhost, c->me.p, NULL) == -1 ||
	    inject_conf_control("defaultdomain", &c->defaultdomain, "", &found) == -1)
		return -1;
	c->has_defaultdomain = found;
	if ((v = inject_conf_env(user_env)) == NULL) {
		if ((pw = getpwuid(getuid())) == NULL) {
			err_set("cannot tell who you are: set $USER or $QMAILUSER");
			return -1;
		}
		v = pw->pw_name;
	}
	if (buf_sets(&c->user, v) == -1)
		goto nomem;
	if ((v = inject_conf_env(host_env)) != NULL) {
		if (buf_sets(&c->host, v) == -1)
			goto nomem;
	} else if (inject_addr_host(c, c->defaulthost.p, c->defaulthost.len, &c->host) == -1)
		goto nomem;
	v = fullname ? fullname : inject_conf_env(name_env);
	if (v && buf_sets(&c->name, v) == -1)
		goto nomem;
	c->has_name = v != NULL && *v != '\0';
	if ((v = inject_conf_env(suser_env)) != NULL) {
		c->has_suser = true;
		if (buf_sets(&c->suser, v) == -1)
			goto nomem;
	}
	v = inject_conf_env(shost_env);
	if (buf_sets(&c->shost, v ? v : c->host.p) == -1)
		goto nomem;
	return 0;
nomem:
	err_set("out of memory");
	return -1;
}

void
inject_conf_free(struct inject_conf *c)
{
	buf_free(&c->me);
	buf_free(&c->defaulthost);
	buf_free(&c->defaultdomain);
	buf_free(&c->plusdomain);
	buf_free(&c->idhost);
	buf_free(&c->user);
	buf_free(&c->host);
	buf_free(&c->name);
	buf_free(&c->suser);
	buf_free(&c->shost);
}
