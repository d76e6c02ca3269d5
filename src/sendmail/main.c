/* sendmail: the sendmail command line for mail user agents, on top of
 * herald-inject's code (sendmail(8)). */
#include "config.h"

#include <signal.h>

#include "err.h"
#include "inject.h"
#include "inject_opt.h"
#include "inject_queue.h"
#include "log.h"

int
main(int argc, char **argv)
{
	static char *qread_argv[] = { (char *)"herald-qread", NULL };
	enum inject_opt_action act;
	struct inject_opts o;
	int r;

	log_init("sendmail");
	signal(SIGPIPE, SIG_IGN);
	inject_opts_init(&o);
	if (inject_opt_sendmail(&o, argc, argv, &act) == -1)
		log_fatal(INJECT_EXIT_PERM, "%s", err_str());
	if (act == INJECT_OPT_NOOP)
		return 0;
	if (act == INJECT_OPT_QREAD) {
		inject_queue_exec("herald-qread", qread_argv);
		log_fatal(INJECT_EXIT_TEMP, "%s", err_str());
	}
	if ((r = inject_run(&o)) != INJECT_EXIT_OK)
		log_fatal(r, "%s", err_str());
	return 0;
}
