/* dns_conf: parsing control/resolvers (see dns_conf.h). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "dns_conf.h"
#include "err.h"
#include "fsio.h"

/* The largest resolvers file read; sixteen lines need far less. */
#define DNS_CONF_SIZE (64 * 1024)

/* Parse a decimal port 1-65535. */
static int
port_parse(const char *s, unsigned *port)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s) || v > 65535)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

/* Parse one entry (a NUL-terminated, trimmed line) into s. */
static int
entry_parse(char *e, struct dns_conf_server *s, const char *file, unsigned long line)
{
	char *addr = e, *port = NULL, *close;

	s->port = 53;
	if (*e == '[') {
		close = strchr(e, ']');
		if (close == NULL) {
			err_set("%s:%lu: missing ']' in '%s'", file, line, e);
			return -1;
		}
		*close = '\0';
		addr = e + 1;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0') {
			err_set("%s:%lu: junk after ']' (want [address]:port)", file, line);
			return -1;
		}
	} else if (strchr(e, ':') != NULL && strchr(e, ':') == strrchr(e, ':')) {
		port = strchr(e, ':');
		*port++ = '\0';
	}
	if (port != NULL && port_parse(port, &s->port) == -1) {
		err_set("%s:%lu: bad port '%s' (want 1 to 65535)", file, line, port);
		return -1;
	}
	memset(s->addr, 0, sizeof s->addr);
	if (inet_pton(AF_INET, addr, s->addr) == 1) {
		s->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, s->addr) == 1) {
		s->family = AF_INET6;
		return 0;
	}
	err_set("%s:%lu: not an IP address: '%s' (want address[:port])", file, line, addr);
	return -1;
}

int
dns_conf_parse(struct dns_conf *c, const char *file, const char *text, size_t len)
{
	struct dns_conf nc;
	struct buf line = BUF_INIT;
	unsigned long lineno = 0;
	size_t pos = 0, n, a;
	const char *nl;
	int r = -1;

	nc.n = 0;
	while (pos < len) {
		lineno++;
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		for (a = 0; a < n && isspace((unsigned char)text[pos + a]); a++)
			;
		while (n > a && isspace((unsigned char)text[pos + n - 1]))
			n--;
		if (n > a && text[pos + a] != '#') {
			if (memchr(text + pos + a, '\0', n - a) != NULL) {
				err_set("%s:%lu: contains a NUL byte", file, lineno);
				goto out;
			}
			if (nc.n == DNS_CONF_MAX) {
				err_set("%s:%lu: more than %d resolvers", file, lineno, DNS_CONF_MAX);
				goto out;
			}
			if (buf_set(&line, text + pos + a, n - a) == -1) {
				err_set("out of memory");
				goto out;
			}
			if (entry_parse(line.p, &nc.v[nc.n], file, lineno) == -1)
				goto out;
			nc.n++;
		}
		pos += nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
	}
	*c = nc;
	r = 0;
out:
	buf_free(&line);
	return r;
}

int
dns_conf_load(struct dns_conf *c, const char *path)
{
	struct buf text = BUF_INIT;
	int r;

	if ((r = fsio_read_file(path, NULL, &text, DNS_CONF_SIZE)) == 0)
		c->n = 0;
	else if (r == 1)
		r = dns_conf_parse(c, path, text.p ? text.p : "", text.len);
	buf_free(&text);
	return r;
}
