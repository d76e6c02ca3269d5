/* herald-remote: remote delivery (herald-remote(8)); src/remote does the work.
 * Started by herald-start with requests from herald-send on fd 0 and
 * results to it on fd 1; runs in the instance directory. */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "err.h"
#include "home.h"
#include "log.h"
#include "remote.h"

int
main(int argc, char **argv)
{
	struct remote r;
	int rc;

	(void)argv;
	log_init("herald-remote");
	if (argc != 1)
		log_fatal(100, "usage: herald-remote (started by herald-start)");
	if (chdir(home_dir()) == -1)
		log_fatal(111, "cannot chdir to %s: %m", home_dir());
	if (remote_init(&r, 0, 1) == -1)
		log_fatal(111, "%s", err_str());
	rc = remote_run(&r);
	remote_free(&r);
	return rc;
}
