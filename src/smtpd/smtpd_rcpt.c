/* smtpd_rcpt: recipient validation (see smtpd_rcpt.h). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "home.h"
#include "local_dot.h"
#include "smtpd_rcpt.h"

int
smtpd_rcpt_init(struct smtpd_rcpt *r)
{
	struct buf q = BUF_INIT;
	struct stat st;
	bool multi;

	memset(r, 0, sizeof *r);
	r->route = (struct send_route)SEND_ROUTE_INIT;
	if (send_route_load(&r->route) == -1)
		return -1;
	/* a multi-user instance: the queue belongs to another user than this process */
	if (home_path(&q, "queue") == -1 || stat(q.p, &st) == -1) {
		err_sys("cannot stat %s", q.p ? q.p : "queue");
		buf_free(&q);
		return -1;
	}
	buf_free(&q);
	multi = st.st_uid != geteuid();
	return users_init(&r->users, home_dir(), multi);
}

/* 1 if a .qmail file for dash and ext exists in home (or home cannot be read). */
static int
smtpd_rcpt_dot(struct smtpd_rcpt *r, const char *home, const char *dash, const char *ext)
{
	long defoff;
	size_t k;

	for (k = 0; local_dot_candidate(k, dash, ext, &r->name, &defoff); k++) {
		buf_reset(&r->path);
		if (buf_printf(&r->path, "%s/%s", home, r->name.p) == -1) {
			err_set("out of memory");
			return -1;
		}
		if (access(r->path.p, F_OK) == 0)
			return 1;
		if (errno == EACCES)
			return 1;
	}
	return 0;
}

int
smtpd_rcpt_known(struct smtpd_rcpt *r, const char *addr, size_t n)
{
	const char *at;

	if (send_route_classify(&r->route, addr, n, &r->addr) != SEND_ROUTE_LOCAL)
		return 1;
	if ((at = strrchr(r->addr.p, '@')) != NULL)
		r->addr.len = (size_t)(at - r->addr.p);
	r->addr.p[r->addr.len] = '\0';
	if (users_lookup(&r->users, r->addr.p, &r->pw) == -1)
		return -1;
	if (r->pw.source != USERS_ALIASED && r->pw.dash.len == 0)
		return 1;
	return smtpd_rcpt_dot(r, r->pw.home.p, r->pw.dash.p ? r->pw.dash.p : "",
	    r->pw.ext.p ? r->pw.ext.p : "");
}

void
smtpd_rcpt_free(struct smtpd_rcpt *r)
{
	send_route_free(&r->route);
	users_free(&r->users);
	users_pw_free(&r->pw);
	buf_free(&r->addr);
	buf_free(&r->name);
	buf_free(&r->path);
}
