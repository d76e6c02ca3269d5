/* herald-inject: inject a message from a local user, as qmail-inject does
 * (herald-inject(8)). The work is done by src/inject. */
#include "config.h"

#include <signal.h>

#include "err.h"
#include "inject.h"
#include "inject_opt.h"
#include "log.h"

int
main(int argc, char **argv)
{
	struct inject_opts o;
	int r;

	log_init("herald-inject");
	signal(SIGPIPE, SIG_IGN);
	inject_opts_init(&o);
	if (inject_opt_inject(&o, argc, argv) == -1)
		log_fatal(INJECT_EXIT_PERM, "%s", err_str());
	if ((r = inject_run(&o)) != INJECT_EXIT_OK)
		log_fatal(r, "%s", err_str());
	return 0;
}
