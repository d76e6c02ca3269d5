/* herald-tcpd: accepts TCP connections and runs a program for each, or
 * hands them to long-running workers (-w), with connection limits and
 * access rules (herald-tcpd(8)); src/tcpd does the work. Exits 100 on a usage error, 111 when it cannot start, 0 after
 * SIGTERM or SIGINT. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "tcpd.h"

#define USAGE "usage: herald-tcpd [-qvUw] [-m sessions] [-c limit] [-C limit] [-b backlog] [-x rules] " \
	"[-r text] [-u uid] [-g gid] [-P portfile] [-t seconds] addresses port program [arg ...]"

/* The decimal number s in [min, max], or a usage error naming opt. */
static unsigned long
number(const char *opt, const char *s, unsigned long min, unsigned long max)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || n < min || n > max)
		log_fatal(100, "%s: bad number \"%s\" (%lu to %lu)", opt, s, min, max);
	return n;
}

int
main(int argc, char **argv)
{
	struct tcpd_conf c;
	const char *s, *g;
	int ch;

	log_init("herald-tcpd");
	memset(&c, 0, sizeof c);
	c.maxconn = 40;
	c.maxper = 10;
	c.backlog = 256;
	c.maxsessions = 1000;
	c.verbosity = TCPD_NORMAL;
	while ((ch = getopt(argc, argv, "+c:C:b:x:r:u:g:UP:qvt:wm:")) != -1) {
		switch (ch) {
		case 'c':
			c.maxconn = number("-c", optarg, 1, 100000);
			break;
		case 'C':
			c.maxper = number("-C", optarg, 0, 100000);
			break;
		case 'b':
			c.backlog = (int)number("-b", optarg, 1, INT_MAX);
			break;
		case 'x':
			c.rules = optarg;
			break;
		case 'r':
			c.refuse = optarg;
			if (strpbrk(optarg, "\r\n"))
				log_fatal(100, "-r: the text must be one line");
			break;
		case 'u':
			c.uid = (uid_t)number("-u", optarg, 0, UINT_MAX - 1);
			c.set_uid = true;
			break;
		case 'g':
			c.gid = (gid_t)number("-g", optarg, 0, UINT_MAX - 1);
			c.set_gid = true;
			break;
		case 'U':
			if ((s = getenv("UID")) == NULL || (g = getenv("GID")) == NULL)
				log_fatal(100, "-U: $UID and $GID must both be set");
			c.uid = (uid_t)number("$UID", s, 0, UINT_MAX - 1);
			c.gid = (gid_t)number("$GID", g, 0, UINT_MAX - 1);
			c.set_uid = c.set_gid = true;
			break;
		case 'P':
			c.portfile = optarg;
			break;
		case 'q':
			c.verbosity = TCPD_QUIET;
			break;
		case 'v':
			c.verbosity = TCPD_VERBOSE;
			break;
		case 'w':
			c.workers = true;
			break;
		case 'm':
			c.maxsessions = number("-m", optarg, 1, 100000000);
			break;
		case 't':
			/* tcpserver's ident timeout: herald-tcpd makes no ident lookups */
			number("-t", optarg, 0, INT_MAX);
			break;
		default:
			log_fatal(100, USAGE);
		}
	}
	if (argc - optind < 3)
		log_fatal(100, USAGE);
	c.addrs = argv[optind];
	c.port = argv[optind + 1];
	c.argv = argv + optind + 2;
	if (tcpd_run(&c) == -1)
		log_fatal(111, "%s", err_str());
	return 0;
}
