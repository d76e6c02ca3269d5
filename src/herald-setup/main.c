/* herald-setup: create or repair an instance directory (herald-setup(8)). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "inject_queue.h"
#include "log.h"
#include "setup.h"

static void
usage(void)
{
	fprintf(stderr, "usage: herald-setup [-s] [-m me] [-q herald-queue] DIR\n");
	exit(100);
}

int
main(int argc, char **argv)
{
	struct setup s = { 0 };
	struct buf dir = BUF_INIT, qprog = BUF_INIT;
	char cwd[PATH_MAX];
	int c;

	log_init("herald-setup");
	while ((c = getopt(argc, argv, "sm:q:")) != -1) {
		switch (c) {
		case 's': s.single = true; break;
		case 'm': s.me = optarg; break;
		case 'q': s.queue_prog = optarg; break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	if (argv[optind][0] != '/') {
		if (getcwd(cwd, sizeof cwd) == NULL ||
		    buf_printf(&dir, "%s/%s", cwd, argv[optind]) == -1)
			log_fatal(111, "cannot make %s an absolute path", argv[optind]);
		s.dir = dir.p;
	} else
		s.dir = argv[optind];
	if (getuid() != 0)
		s.single = true;
	if (!s.single) {
		if (s.queue_prog == NULL) {
			if (inject_queue_find(&qprog, "herald-queue", NULL, false) == -1)
				log_fatal(111, "%s; use -q", err_str());
			s.queue_prog = qprog.p;
		}
		if (setup_users(&s) == -1)
			log_fatal(111, "%s", err_str());
	}
	if (setup_instance(&s) == -1)
		log_fatal(111, "%s", err_str());
	log_info("%s instance ready in %s", s.single ? "single-user" : "multi-user", s.dir);
	buf_free(&dir);
	buf_free(&qprog);
	return 0;
}
