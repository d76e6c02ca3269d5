/* dns_conf: the DNS servers herald asks, from control/resolvers
 * (herald-control(5)): one server a line, "address[:port]" for IPv4,
 * "[address]:port", "[address]" or a bare address for IPv6; the port is
 * 53 when not given. Blank lines and lines whose first character other
 * than white space is '#' are ignored. A missing file, or one without
 * entries, means the system's resolvers (/etc/resolv.conf). A bad line is
 * an error naming the file and the line, and nothing of the file is used. */
#ifndef HERALD_DNS_CONF_H
#define HERALD_DNS_CONF_H

#include <stddef.h>

#define DNS_CONF_MAX 16                 /* servers in one file */

struct dns_conf_server {
	int family;                     /* AF_INET or AF_INET6 */
	unsigned char addr[16];         /* AF_INET: the first 4 bytes */
	unsigned port;
};

struct dns_conf {
	size_t n;                       /* 0: the system's resolvers */
	struct dns_conf_server v[DNS_CONF_MAX];
};

/* Parse the text of a resolvers file into c; file names it in errors. */
int dns_conf_parse(struct dns_conf *c, const char *file, const char *text, size_t len);
/* Read the resolvers file at path into c (a missing file: c->n = 0). */
int dns_conf_load(struct dns_conf *c, const char *path);

#endif
