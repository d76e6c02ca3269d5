/* herald-start: run an instance's long-lived processes in the foreground
 * (herald-start(8)); start.c does the work. */
#include "config.h"

#include <unistd.h>

#include "err.h"
#include "home.h"
#include "log.h"
#include "start.h"

int
main(int argc, char **argv)
{
	struct start_ids ids;

	(void)argv;
	log_init("herald-start");
	if (argc != 1)
		log_fatal(100, "usage: herald-start");
	if (chdir(home_dir()) == -1)
		log_fatal(111, "cannot chdir to %s: %m", home_dir());
	if (start_ids(&ids) == -1)
		log_fatal(111, "%s", err_str());
	return start_run(&ids);
}
