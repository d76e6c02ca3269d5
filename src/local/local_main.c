/* local_main: herald-local's command line (see local_main.h). The result
 * is one line on stdout; the exit code is 0, 100 or 111. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "fsio.h"
#include "local.h"
#include "local_main.h"
#include "log.h"

static struct local_msg msg;

static void __attribute__((noreturn))
usage(void)
{
	log_fatal(LOCAL_PERM, "usage: herald-local [-nN] [-o offset -s length] user homedir "
	    "local dash ext domain sender defaultdelivery");
}

/* Parse a non-negative offset or length. */
static off_t
number(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		usage();
	return (off_t)v;
}

/* Print the result line; returns st. */
static int
finish(struct local *l, enum local_status st)
{
	if (st == LOCAL_OK && !l->doit)
		fsio_write_all(1, l->said.p, l->said.len);
	else
		printf("%s\n", l->why.p);
	fflush(stdout);
	local_free(l);
	return st;
}

int
local_main(int argc, char **argv)
{
	struct local l;
	off_t off = 0, len = -1;
	bool doit = true, have_off = false;
	int c;

	log_init("herald-local");
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	optind = 1;
	while ((c = getopt(argc, argv, "+nNo:s:")) != -1) {
		switch (c) {
		case 'n':
			doit = false;
			break;
		case 'N':
			doit = true;
			break;
		case 'o':
			off = number(optarg);
			have_off = true;
			break;
		case 's':
			len = number(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 8 || have_off != (len >= 0))
		usage();
	if (local_init(&l, argv + optind, doit, time(NULL), &msg) == -1)
		log_fatal(LOCAL_TEMP, "%s", err_str());
	if (doit && local_msg_open(&msg, 0, off, len) == -1)
		return finish(&l, local_fail(&l, LOCAL_TEMP, "Unable to read message: %s (#4.3.0)",
		    err_str()));
	return finish(&l, local_run(&l));
}
