/* herald-lspawn: runs herald-local's code (in a forked child) for each
 * local delivery herald-send asks for, as the recipient's user
 * (herald-lspawn(8)); src/lspawn does the work.
 * Requests on fd 0, results on fd 1, one log line per delivery on fd 2. */
#include "config.h"

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "control.h"
#include "err.h"
#include "home.h"
#include "local_main.h"
#include "log.h"
#include "lspawn.h"
#include "users.h"

int
main(int argc, char **argv)
{
	struct lspawn_conf c;
	struct buf dflt = BUF_INIT;
	bool found;

	(void)argv;
	log_init("herald-lspawn");
	if (argc != 1)
		log_fatal(100, "usage: herald-lspawn");
	signal(SIGPIPE, SIG_IGN);
	c.home = home_dir();
	if (setenv("HERALD_HOME", c.home, 1) == -1)
		log_fatal(111, "out of memory");
	if (users_multi(c.home, &c.multi) == -1)
		log_fatal(111, "%s", err_str());
	if (control_line("defaultdelivery", &dflt, &found) == -1)
		log_fatal(111, "%s", err_str());
	if (!found && buf_sets(&dflt, "./Maildir/") == -1)
		log_fatal(111, "out of memory");
	c.dflt = dflt.p;
	c.local = local_main;
	if (lspawn_run(&c) == -1)
		log_fatal(111, "%s", err_str());
	buf_free(&dflt);
	return 0;
}
