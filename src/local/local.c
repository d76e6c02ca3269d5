/* local: the delivery driver (see local.h), qmail-local's main().
 * Order: home directory checks, loop check, .qmail lookup, then each line
 * in file order; forwards go last, as one queued message. The first
 * failure ends the run: deliveries already done stay done, so a
 * temporary failure means they are repeated on the next attempt. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "local.h"
#include "local_dot.h"
#include "local_env.h"
#include "local_fwd.h"
#include "local_maildir.h"
#include "local_mbox.h"
#include "local_prog.h"

int
local_init(struct local *l, char *const args[8], bool doit, time_t now, struct local_msg *msg)
{
	memset(l, 0, sizeof *l);
	l->user = args[0];
	l->home = args[1];
	l->local = args[2];
	l->dash = args[3];
	l->ext = args[4];
	l->domain = args[5];
	l->sender = args[6];
	l->dflt = args[7];
	l->doit = doit;
	l->now = now;
	l->msg = msg;
	if (buf_printf(&l->recip, "%s@%s", l->local, l->domain) == -1 ||
	    local_env_dtline(&l->dtline, l->recip.p) == -1 ||
	    local_env_rpline(&l->rpline, l->sender) == -1 ||
	    local_env_ufline(&l->ufline, l->sender, now) == -1 ||
	    buf_sets(&l->newsender, l->sender) == -1 || buf_sets(&l->said, "") == -1 ||
	    buf_sets(&l->did, "") == -1 || buf_sets(&l->why, "") == -1 ||
	    buf_sets(&l->dotname, "") == -1) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

void
local_free(struct local *l)
{
	buf_free(&l->recip);
	buf_free(&l->dtline);
	buf_free(&l->rpline);
	buf_free(&l->ufline);
	buf_free(&l->newsender);
	buf_free(&l->dotname);
	buf_free(&l->said);
	buf_free(&l->did);
	buf_free(&l->why);
}

enum local_status
local_fail(struct local *l, enum local_status st, const char *fmt, ...)
{
	static const char dots[] = "...";
	const char *code;
	size_t i, keep, clen = 0;
	va_list ap;

	buf_reset(&l->why);
	va_start(ap, fmt);
	if (buf_vprintf(&l->why, fmt, ap) == -1)
		buf_sets(&l->why, "out of memory (#4.3.0)");
	va_end(ap);
	for (i = 0; i < l->why.len; i++) {
		if (l->why.p[i] == '\n')
			l->why.p[i] = '/';
		else if (l->why.p[i] == '\t')
			l->why.p[i] = ' ';
		else if ((unsigned char)l->why.p[i] < 0x20 || l->why.p[i] == 0x7f)
			l->why.p[i] = '?';
	}
	if (l->why.len > LOCAL_WHY_MAX) {
		code = strstr(l->why.p + l->why.len - 12, "(#");
		if (code)
			clen = strlen(code) + 1;
		keep = LOCAL_WHY_MAX - clen - (sizeof dots - 1);
		memcpy(l->why.p + keep, dots, sizeof dots - 1);
		if (code)
			memmove(l->why.p + keep + sizeof dots - 1, code - 1, clen);
		l->why.len = LOCAL_WHY_MAX;
		l->why.p[l->why.len] = '\0';
	}
	return st;
}

void
local_did(struct local *l, const char *what, size_t n)
{
	if (l->did.len > LOCAL_WHY_MAX)
		return;
	if (l->did.len)
		buf_adds(&l->did, ", ");
	buf_add(&l->did, what, n);
}

/* $NEWSENDER: the sender, or LOCAL-owner@HOST (or its VERP form) when
 * .qmail-EXT-owner (and .qmail-EXT-owner-default) exist, as qmail-local does. */
static enum local_status
local_newsender(struct local *l)
{
	static const char *const suffix[] = { "-owner", "-owner-default" };
	struct buf name = BUF_INIT;
	struct stat st;
	bool have[2];
	char *p;
	int i;

	if (!*l->sender || strcmp(l->sender, "#@[]") == 0)
		return LOCAL_OK;
	for (i = 0; i < 2; i++) {
		buf_reset(&name);
		if (buf_printf(&name, ".qmail%s%s%s", l->dash, l->ext, suffix[i]) == -1)
			goto nomem;
		for (p = name.p + 6; *p; p++)
			*p = *p == '.' ? ':' : (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
		have[i] = stat(name.p, &st) == 0;
		if (!have[i] && errno != ENOENT && errno != ENOTDIR) {
			local_fail(l, LOCAL_TEMP, "Unable to stat %s: %s (#4.3.0)", name.p,
			    strerror(errno));
			buf_free(&name);
			return LOCAL_TEMP;
		}
	}
	buf_free(&name);
	if (!have[0])
		return LOCAL_OK;
	buf_reset(&l->newsender);
	if (buf_printf(&l->newsender, "%s-owner%s@%s%s", l->local, have[1] ? "-" : "",
	    l->domain, have[1] ? "-@[]" : "") == -1)
		return local_fail(l, LOCAL_TEMP, "out of memory (#4.3.0)");
	return LOCAL_OK;
nomem:
	buf_free(&name);
	return local_fail(l, LOCAL_TEMP, "out of memory (#4.3.0)");
}

/* Home directory checks and the loop check. */
static enum local_status
local_start(struct local *l)
{
	struct stat st;
	bool loop;

	if (chdir(l->home) == -1 || stat(".", &st) == -1)
		return local_fail(l, LOCAL_TEMP, "Unable to switch to %s: %s (#4.3.0)", l->home,
		    strerror(errno));
	if (st.st_mode & S_IWOTH)
		return local_fail(l, LOCAL_TEMP, "Uh-oh: home directory %s is world-writable "
		    "(#4.7.0)", l->home);
	if (st.st_mode & S_ISVTX)
		return local_fail(l, LOCAL_TEMP, "Home directory %s is sticky: user is editing "
		    "his .qmail file (#4.2.1)", l->home);
	if (!l->doit)
		return LOCAL_OK;
	if (local_msg_header_has(l->msg, l->dtline.p, l->dtline.len, &loop) == -1)
		return local_fail(l, LOCAL_TEMP, "Unable to read message: %s (#4.3.0)",
		    err_str());
	if (loop)
		return local_fail(l, LOCAL_PERM, "This message is looping: it already has my "
		    "Delivered-To line. (#5.4.6)");
	return LOCAL_OK;
}

/* -n: add "TYPE ARG" to said. */
static enum local_status
local_say(struct local *l, const char *type, const char *arg, size_t n)
{
	if (buf_adds(&l->said, type) == -1 || buf_add(&l->said, arg, n) == -1 ||
	    buf_addc(&l->said, '\n') == -1)
		return local_fail(l, LOCAL_TEMP, "out of memory (#4.3.0)");
	return LOCAL_OK;
}

/* Follow the lines of text (the file name, "" for the default delivery). */
static enum local_status
local_lines(struct local *l, const char *name, const char *text, size_t len, bool fwdonly)
{
	struct buf fwd = BUF_INIT, path = BUF_INIT;
	enum local_status st = LOCAL_OK;
	const char *line, *arg;
	size_t pos = 0, n, alen;

	while (st == LOCAL_OK && !l->stop && local_dot_line(text, len, &pos, &line, &n)) {
		switch (local_dot_classify(line, n, &arg, &alen)) {
		case LOCAL_DOT_MAILDIR:
		case LOCAL_DOT_MBOX:
			if (fwdonly) {
				st = local_fail(l, LOCAL_TEMP, "Uh-oh: %s has file delivery but "
				    "is forward-only (x bit set or +list) (#4.7.0)", name);
				break;
			}
			if (buf_set(&path, arg, alen) == -1) {
				st = local_fail(l, LOCAL_TEMP, "out of memory (#4.3.0)");
				break;
			}
			if (line[n - 1] == '/')
				st = l->doit ? local_maildir_deliver(l, path.p) :
				    local_say(l, "maildir ", arg, alen);
			else
				st = l->doit ? local_mbox_deliver(l, path.p) :
				    local_say(l, "mbox ", arg, alen);
			if (st == LOCAL_OK && l->doit)
				local_did(l, arg, alen);
			break;
		case LOCAL_DOT_PROG:
			if (fwdonly) {
				st = local_fail(l, LOCAL_TEMP, "Uh-oh: %s has program delivery "
				    "but is forward-only (x bit set or +list) (#4.7.0)", name);
				break;
			}
			st = l->doit ? local_prog_deliver(l, arg, alen) :
			    local_say(l, "program ", arg, alen);
			if (st == LOCAL_OK && l->doit)
				local_did(l, line, n);
			break;
		case LOCAL_DOT_FORWARD:
			if (!l->doit)
				st = local_say(l, "forward ", arg, alen);
			else if (buf_add(&fwd, arg, alen) == -1 || buf_addc(&fwd, '\0') == -1)
				st = local_fail(l, LOCAL_TEMP, "out of memory (#4.3.0)");
			break;
		case LOCAL_DOT_LIST:
			fwdonly = true;
			break;
		default:
			break;
		}
	}
	if (st == LOCAL_OK && fwd.len > 0) {
		st = local_fwd_deliver(l, fwd.p, fwd.len);
		for (pos = 0; st == LOCAL_OK && pos < fwd.len; pos += strlen(fwd.p + pos) + 1) {
			buf_reset(&path);
			if (buf_printf(&path, "&%s", fwd.p + pos) == 0)
				local_did(l, path.p, path.len);
		}
	}
	buf_free(&fwd);
	buf_free(&path);
	return st;
}

enum local_status
local_run(struct local *l)
{
	struct local_dot d = { BUF_INIT, BUF_INIT, false, false, NULL };
	enum local_status st;
	const char *name, *text;
	size_t len;

	if ((st = local_start(l)) != LOCAL_OK)
		return st;
	if (local_dot_find(&d, l->dash, l->ext) == -1) {
		st = local_fail(l, LOCAL_TEMP, "%s", err_str());
		goto out;
	}
	if (d.found) {
		name = d.name.p;
		text = d.text.p ? d.text.p : "";
		len = d.text.len;
		l->deflt = d.deflt;
		buf_sets(&l->dotname, name);
	} else if (*l->dash) {
		st = local_fail(l, LOCAL_PERM, "Sorry, no mailbox here by that name. (#5.1.1)");
		goto out;
	} else {
		name = "the default delivery";
		text = l->dflt;
		len = strlen(text);
		if (local_dot_check(name, text, len) == -1) {
			st = local_fail(l, LOCAL_TEMP, "%s", err_str());
			goto out;
		}
	}
	if ((st = local_newsender(l)) != LOCAL_OK)
		goto out;
	if ((st = local_lines(l, name, text, len, d.forwardonly)) != LOCAL_OK)
		goto out;
	if (!l->doit)
		buf_reset(&l->why);
	else if (l->did.len == 0)
		local_fail(l, LOCAL_OK, "no delivery instructions in %s: nothing delivered "
		    "(#2.0.0)", name);
	else
		local_fail(l, LOCAL_OK, "delivered to %s%s (#2.0.0)", l->did.p,
		    l->stop ? " (a program asked to stop)" : "");
out:
	local_dot_free(&d);
	return st;
}
