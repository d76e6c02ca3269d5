/* herald-send: the scheduler (herald-send(8)); src/send does the work.
 * Started by herald-start with fd 3 writing requests to herald-lspawn and
 * fd 4 reading its results, fd 5 and 6 the same for herald-remote (if
 * they are not open, remote recipients stay queued); runs in the
 * instance directory. */
#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>

#include "err.h"
#include "home.h"
#include "log.h"
#include "send.h"

int
main(int argc, char **argv)
{
	struct send s;
	bool remote;
	int rc;

	(void)argv;
	log_init("herald-send");
	if (argc != 1)
		log_fatal(100, "usage: herald-send (started by herald-start)");
	if (chdir(home_dir()) == -1)
		log_fatal(111, "cannot chdir to %s: %m", home_dir());
	if (fcntl(3, F_GETFD) == -1 || fcntl(4, F_GETFD) == -1)
		log_fatal(111, "fd 3 and 4 must lead to herald-lspawn (run me from herald-start)");
	remote = fcntl(5, F_GETFD) != -1 && fcntl(6, F_GETFD) != -1;
	if (send_init(&s, 3, 4, remote ? 5 : -1, remote ? 6 : -1) == -1)
		log_fatal(111, "%s", err_str());
	rc = send_run(&s);
	if (rc != 0)
		log_fatal(rc, "%s", err_str());
	send_free(&s);
	return rc;
}
