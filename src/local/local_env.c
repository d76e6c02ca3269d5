/* local_env: the values herald-local derives from its arguments (see
 * local_env.h). Pure functions of their inputs. */
#include "config.h"

#include <string.h>

#include "local_env.h"

static const char *const local_env_days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
	"Sat" };
static const char *const local_env_months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

const char *
local_env_ext(const char *ext, int n)
{
	while (--n > 0) {
		ext += strcspn(ext, "-");
		if (*ext)
			ext++;
	}
	return ext;
}

int
local_env_host(struct buf *out, const char *host, int n)
{
	size_t i = strlen(host), j;

	while (--n > 0) {
		for (j = i; j > 0 && host[j - 1] != '.'; j--)
			;
		if (j > 0)
			i = j - 1;
	}
	return buf_set(out, host, i);
}

/* Set out to pre, s with newlines as '_', post. */
static int
local_env_line(struct buf *out, const char *pre, const char *s, const char *post)
{
	size_t i, start;

	buf_reset(out);
	if (buf_adds(out, pre) == -1)
		return -1;
	start = out->len;
	if (buf_adds(out, s) == -1)
		return -1;
	for (i = start; i < out->len; i++)
		if (out->p[i] == '\n')
			out->p[i] = '_';
	return buf_adds(out, post);
}

int
local_env_dtline(struct buf *out, const char *recip)
{
	return local_env_line(out, "Delivered-To: ", recip, "\n");
}

int
local_env_rpline(struct buf *out, const char *sender)
{
	return local_env_line(out, "Return-Path: <", sender, ">\n");
}

int
local_env_ufline(struct buf *out, const char *sender, time_t now)
{
	struct tm tm;
	size_t i, start;

	buf_reset(out);
	if (buf_adds(out, "From ") == -1)
		return -1;
	start = out->len;
	if (buf_adds(out, *sender ? sender : "MAILER-DAEMON") == -1)
		return -1;
	for (i = start; i < out->len; i++)
		if (out->p[i] == ' ' || out->p[i] == '\t' || out->p[i] == '\n')
			out->p[i] = '-';
	if (gmtime_r(&now, &tm) == NULL)
		return -1;
	return buf_printf(out, " %s %s %2d %02d:%02d:%02d %d\n", local_env_days[tm.tm_wday],
	    local_env_months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    tm.tm_year + 1900);
}

/* Append NAME=value and a NUL. */
static int
local_env_put(struct buf *out, const char *name, const char *value)
{
	if (buf_printf(out, "%s=", name) == -1 || buf_adds(out, value) == -1)
		return -1;
	return buf_addc(out, '\0');
}

int
local_env_build(const struct local *l, struct buf *out)
{
	static const char *const ext_names[] = { "EXT", "EXT2", "EXT3", "EXT4" };
	static const char *const host_names[] = { "HOST", "HOST2", "HOST3", "HOST4" };
	struct buf h = BUF_INIT;
	int i, r = -1;

	buf_reset(out);
	if (local_env_put(out, "USER", l->user) == -1 ||
	    local_env_put(out, "HOME", l->home) == -1 ||
	    local_env_put(out, "LOCAL", l->local) == -1 ||
	    local_env_put(out, "SENDER", l->sender) == -1 ||
	    local_env_put(out, "NEWSENDER", l->newsender.p ? l->newsender.p : "") == -1 ||
	    local_env_put(out, "RECIPIENT", l->recip.p) == -1 ||
	    local_env_put(out, "DTLINE", l->dtline.p) == -1 ||
	    local_env_put(out, "RPLINE", l->rpline.p) == -1 ||
	    local_env_put(out, "UFLINE", l->ufline.p) == -1)
		goto out;
	for (i = 0; i < 4; i++) {
		if (local_env_put(out, ext_names[i], local_env_ext(l->ext, i + 1)) == -1 ||
		    local_env_host(&h, l->domain, i + 1) == -1 ||
		    local_env_put(out, host_names[i], h.p ? h.p : "") == -1)
			goto out;
	}
	if (l->deflt && local_env_put(out, "DEFAULT", l->deflt) == -1)
		goto out;
	r = 0;
out:
	buf_free(&h);
	return r;
}
