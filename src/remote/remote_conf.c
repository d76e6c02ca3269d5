/* remote_conf: herald-remote's control files (herald-control(5)):
 *   me, helohost          the name in EHLO (helohost wins)
 *   concurrencyremote     connections in all (default 100)
 *   concurrencyhost       connections to one mail exchanger address (default 20)
 *   timeoutconnect        seconds to connect (default 60)
 *   timeoutgreeting       seconds for the server's greeting (default 300)
 *   timeoutremote         seconds for each other reply, the TLS handshake and
 *                         each step of sending the message (default 300)
 *   timeoutremotedata     seconds for the reply to the final dot (default 600)
 *   backoffremote         seconds a failed host is first left alone (default 60)
 *   remoteport            port of mail exchangers (default 25)
 *   smtproutes            "domain:relay:port", ".suffix:relay", ":relay"; relay
 *                         "" means the domain's MX; "[ip]" is an address
 *   outgoingip            source addresses (one IPv4 and/or one IPv6, one per line)
 *   tlsremote             "domain:policy", ".suffix:policy" or ":policy";
 *                         policy none, opportunistic (default), required, verify
 *   tlsremoteca           CA file or directory for "verify" (default: the system's)
 *   remoterules           "key:setting=N,setting=N" with key a domain, .suffix,
 *                         mx:name, mx:.suffix or "" (every host); settings
 *                         connections, transactions (per connection) and rate
 *                         (messages per minute, 0: none) of each host */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control.h"
#include "err.h"
#include "remote.h"

/* What load_map needs for each line. */
struct map_load {
	struct strmap *map;
	int (*check)(const char *value, const char *where);
	bool mx;                        /* keys may be "mx:NAME" */
	struct buf key;
};

static int
map_line(const char *line, const char *where, void *arg)
{
	struct map_load *ml = arg;
	const char *colon = strchr(line, ':');

	if (colon && ml->mx && colon - line == 2 && strncasecmp(line, "mx", 2) == 0)
		colon = strchr(colon + 1, ':');
	if (colon == NULL) {
		err_set("%s: no ':' in '%s'", where, line);
		return -1;
	}
	if (buf_set_lower(&ml->key, line, (size_t)(colon - line)) == -1) {
		err_set("out of memory");
		return -1;
	}
	if (ml->check(colon + 1, where) == -1)
		return -1;
	return strmap_put(ml->map, ml->key.p ? ml->key.p : "", ml->key.len, colon + 1);
}

/* Load "key:value" lines of control/name into map (key lower-cased);
 * check(value, where) validates the value. With mx, a key may be
 * "mx:NAME" (the value follows the second colon). */
static int
load_map(const char *name, struct strmap *map, int (*check)(const char *, const char *),
    bool mx)
{
	struct map_load ml = { map, check, mx, BUF_INIT };
	int rc = control_each(name, map_line, &ml);

	buf_free(&ml.key);
	return rc;
}

/* "relay" or "relay:port" or "" (the MX); relay may be "[ip]". */
static int
check_route(const char *v, const char *where)
{
	const char *colon = v[0] == '[' ? strchr(v, ']') : v;
	unsigned long port;
	char *end;

	if (colon == NULL) {
		err_set("%s: unclosed '[' in '%s'", where, v);
		return -1;
	}
	colon = strchr(colon, ':');
	if (colon == NULL)
		return 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port == 0 || port > 65535) {
		err_set("%s: bad port in '%s'", where, v);
		return -1;
	}
	return 0;
}

/* Parse "connections=N,transactions=N,rate=N" (any of them) into out. */
static int
parse_limits(const char *v, const char *where, struct remote_limits *out)
{
	const char *p = v;

	while (*p) {
		const char *eq = strchr(p, '='), *end = strchr(p, ',');
		unsigned long n;
		char *num_end;
		size_t klen;

		if (end == NULL)
			end = p + strlen(p);
		if (eq == NULL || eq > end) {
			err_set("%s: expected setting=number in '%s'", where, v);
			return -1;
		}
		klen = (size_t)(eq - p);
		n = strtoul(eq + 1, &num_end, 10);
		if (num_end != end || eq + 1 == end || n > 1000000) {
			err_set("%s: not a number (0 to 1000000) in '%s'", where, v);
			return -1;
		}
		if (klen == 11 && strncmp(p, "connections", klen) == 0 && n > 0)
			out->conns = n;
		else if (klen == 12 && strncmp(p, "transactions", klen) == 0 && n > 0)
			out->txns = n;
		else if (klen == 4 && strncmp(p, "rate", klen) == 0)
			out->rate = n;
		else {
			err_set("%s: unknown setting or 0 in '%.*s' (connections, transactions, rate)",
			    where, (int)(end - p), p);
			return -1;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int
check_rule(const char *v, const char *where)
{
	struct remote_limits l = { 1, 1, 0 };

	return parse_limits(v, where, &l);
}

static int
check_tls(const char *v, const char *where)
{
	if (strcmp(v, "none") && strcmp(v, "opportunistic") && strcmp(v, "required") &&
	    strcmp(v, "verify")) {
		err_set("%s: unknown policy '%s' (none, opportunistic, required or verify)", where, v);
		return -1;
	}
	return 0;
}

static int
outgoing_line(const char *line, const char *where, void *arg)
{
	struct remote_conf *c = arg;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&c->out4;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&c->out6;

	if (inet_pton(AF_INET, line, &s4->sin_addr) == 1 && !c->have_out4) {
		s4->sin_family = AF_INET;
		c->have_out4 = true;
	} else if (inet_pton(AF_INET6, line, &s6->sin6_addr) == 1 && !c->have_out6) {
		s6->sin6_family = AF_INET6;
		c->have_out6 = true;
	} else {
		err_set("%s: not an IPv4 or IPv6 address, or a second one of its family: '%s'",
		    where, line);
		return -1;
	}
	return 0;
}

int
remote_conf_load(struct remote_conf *c)
{
	bool found, helo;

	memset(c, 0, sizeof *c);
	if (control_line("helohost", &c->me, &helo) == -1)
		goto fail;
	found = helo;
	if (!found && control_line("me", &c->me, &found) == -1)
		goto fail;
	if (!found) {
		err_set("control/me: missing (herald-setup writes it)");
		goto fail;
	}
	if (control_ulong("concurrencyremote", 100, 20000, &c->concurrency) == -1 ||
	    control_ulong("concurrencyhost", 20, 20000, &c->per_host) == -1 ||
	    control_ulong("timeoutconnect", 60, 86400, &c->timeout_connect) == -1 ||
	    control_ulong("timeoutgreeting", 300, 86400, &c->timeout_greeting) == -1 ||
	    control_ulong("timeoutremote", 300, 86400, &c->timeout_remote) == -1 ||
	    control_ulong("timeoutremotedata", 600, 86400, &c->timeout_data) == -1 ||
	    control_ulong("backoffremote", 60, REMOTE_BACKOFF_MAX, &c->backoff) == -1 ||
	    control_ulong("remoteport", 25, 65535, &c->port) == -1)
		goto fail;
	if (c->concurrency == 0 || c->per_host == 0 || c->timeout_connect == 0 ||
	    c->timeout_greeting == 0 || c->timeout_remote == 0 || c->timeout_data == 0 ||
	    c->port == 0 || c->backoff == 0) {
		err_set("control/concurrencyremote, concurrencyhost, timeoutconnect, "
		    "timeoutgreeting, timeoutremote, timeoutremotedata, backoffremote and "
		    "remoteport must not be 0");
		goto fail;
	}
	for (size_t i = 0; i < c->me.len; i++)
		if ((unsigned char)c->me.p[i] <= ' ' || (unsigned char)c->me.p[i] > '~') {
			err_set("control/%s:1: not a host name: '%s'", helo ? "helohost" : "me",
			    c->me.p);
			goto fail;
		}
	if (load_map("smtproutes", &c->routes, check_route, false) == -1 ||
	    load_map("tlsremote", &c->tls, check_tls, false) == -1 ||
	    load_map("remoterules", &c->rules, check_rule, true) == -1 || control_each("outgoingip", outgoing_line, c) == -1)
		goto fail;
	if (control_line("tlsremoteca", &c->tls_ca, &found) == -1)
		goto fail;
	return 0;
fail:
	remote_conf_free(c);
	return -1;
}

void
remote_conf_free(struct remote_conf *c)
{
	buf_free(&c->me);
	strmap_free(&c->routes);
	strmap_free(&c->tls);
	strmap_free(&c->rules);
	buf_free(&c->tls_ca);
}

/* The value for domain in map: the domain, each ".suffix" from the longest, then "". */
static const char *
lookup(const struct strmap *map, const char *domain)
{
	const struct strmap_slot *s;
	const char *p;

	if (map->count == 0)
		return NULL;
	if ((s = strmap_get(map, domain, strlen(domain))) != NULL)
		return s->val;
	for (p = strchr(domain, '.'); p; p = strchr(p + 1, '.'))
		if ((s = strmap_get(map, p, strlen(p))) != NULL)
			return s->val;
	s = strmap_get(map, "", 0);
	return s ? s->val : NULL;
}

void
remote_conf_limits(const struct remote_conf *c, const char *domain, const char *mxname,
    struct remote_limits *out)
{
	struct buf key = BUF_INIT;
	const struct strmap_slot *s = NULL;
	const char *p;

	out->conns = c->per_host;
	out->txns = REMOTE_CONN_TXNS;
	out->rate = 0;
	if (c->rules.count == 0)
		return;
	/* the mail exchanger's name first (exact, then each .suffix), then the domain */
	for (p = mxname; p && s == NULL; p = strchr(p == mxname ? p : p + 1, '.')) {
		buf_reset(&key);
		if (buf_printf(&key, "mx:%s", p) == -1)
			break;
		s = strmap_get(&c->rules, key.p, key.len);
	}
	buf_free(&key);
	if (s == NULL) {
		const char *v = lookup(&c->rules, domain);

		if (v)
			parse_limits(v, "", out);
		return;
	}
	parse_limits(s->val, "", out);
}

bool
remote_conf_route(const struct remote_conf *c, const char *domain, struct buf *out,
    unsigned *port)
{
	const char *v = lookup(&c->routes, domain), *colon;

	*port = (unsigned)c->port;
	buf_reset(out);
	if (v == NULL)
		return false;
	colon = v[0] == '[' ? strchr(v, ']') : v;
	colon = colon ? strchr(colon, ':') : NULL;
	if (colon) {
		*port = (unsigned)strtoul(colon + 1, NULL, 10);
		buf_add(out, v, (size_t)(colon - v));
	} else
		buf_adds(out, v);
	if (out->p == NULL)
		buf_adds(out, "");
	return true;
}

enum smtpc_tls
remote_conf_tls(const struct remote_conf *c, const char *domain, bool *verify)
{
	const char *v = lookup(&c->tls, domain);

	*verify = false;
	if (v == NULL || strcmp(v, "opportunistic") == 0)
		return SMTPC_TLS_OPPORTUNISTIC;
	if (strcmp(v, "none") == 0)
		return SMTPC_TLS_NONE;
	*verify = strcmp(v, "verify") == 0;
	return SMTPC_TLS_REQUIRED;
}
