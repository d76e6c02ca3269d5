/* herald-clean: remove what interrupted injections left in queue/tmp
 * (herald-clean(8)). Safe to run at any time: files of live injections are
 * locked and left alone. */
#include "config.h"

#include <stdio.h>

#include "buf.h"
#include "err.h"
#include "home.h"
#include "log.h"
#include "queue_clean.h"

int
main(int argc, char **argv)
{
	struct buf qdir = BUF_INIT;
	size_t removed;

	(void)argv;
	log_init("herald-clean");
	if (argc > 1) {
		fprintf(stderr, "usage: herald-clean\n");
		return 100;
	}
	if (home_path(&qdir, "queue") == -1)
		log_fatal(111, "out of memory");
	if (queue_clean_tmp(qdir.p, &removed) == -1)
		log_fatal(111, "%s", err_str());
	if (removed)
		log_info("removed %zu abandoned files from %s/tmp", removed, qdir.p);
	if (queue_clean_bounce(qdir.p, &removed) == -1)
		log_fatal(111, "%s", err_str());
	if (removed)
		log_info("removed %zu bounce files of messages no longer queued", removed);
	buf_free(&qdir);
	return 0;
}
