/* herald-smtpd: the SMTP server for one client on descriptors 0 and 1
 * (herald-smtpd(8)); run by herald-tcpd, tcpserver, inetd or a systemd
 * socket with Accept=yes. As a worker of herald-tcpd -w (tcpd_worker.h) it
 * reads its configuration once and serves one client after another until
 * herald-tcpd closes its socket; each client's facts come from the
 * environment block sent with it, nothing from one session reaches the
 * next. src/smtpd does the work. Arguments, if any, are the checkpassword
 * command that enables SMTP AUTH. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "smtpd.h"
#include "tcpd_worker.h"

static const char smtpd_noconf[] = "421 4.3.0 unable to read the configuration; try later\r\n";

/* Serve herald-tcpd's connections on descriptor 0 until it closes it. */
static int
worker(char **argv)
{
	struct smtpd_conf c;
	struct buf env = BUF_INIT, saved = BUF_INIT;
	ssize_t n;
	int fd, r, code = 0;

	unsetenv(TCPD_WORKER_ENV);      /* the programs it runs are not workers */
	if (smtpd_conf_load(&c, argv + 1) == -1) {
		/* refuse one client, as one herald-smtpd per client would; the
		 * next connection starts a worker that reads the files again */
		log_warn("%ld %s", (long)getpid(), err_str());
		if (tcpd_worker_next(0, &env, &fd) == 1) {
			n = write(fd, smtpd_noconf, sizeof smtpd_noconf - 1);
			(void)n;
			close(fd);
			tcpd_worker_done(0);
		}
		buf_free(&env);
		return 111;
	}
	while ((r = tcpd_worker_next(0, &env, &fd)) == 1) {
		if (tcpd_worker_env_set(&env, &saved) == -1)
			log_warn("%ld %s", (long)getpid(), err_str());
		smtpd_conf_client(&c, tcpd_worker_env_get(&env, "TCPREMOTEIP"),
		    tcpd_worker_env_get(&env, "TCPLOCALIP"), tcpd_worker_env_get(&env, "RELAYCLIENT"));
		smtpd_session(&c, fd, fd);
		close(fd);
		smtpd_conf_client(&c, NULL, NULL, NULL);
		tcpd_worker_env_restore(&env, &saved);
		if (tcpd_worker_done(0) == -1)
			break;          /* herald-tcpd is gone */
	}
	if (r == -1) {
		log_warn("%ld %s", (long)getpid(), err_str());
		code = 111;
	}
	smtpd_conf_free(&c);
	buf_free(&env);
	buf_free(&saved);
	return code;
}

int
main(int argc, char **argv)
{
	struct smtpd_conf c;
	int code;

	(void)argc;
	log_init("herald-smtpd");
	signal(SIGPIPE, SIG_IGN);
	if (tcpd_worker_mode())
		return worker(argv);
	if (smtpd_conf_load(&c, argv + 1) == -1) {
		log_warn("%ld %s", (long)getpid(), err_str());
		if (write(1, smtpd_noconf, sizeof smtpd_noconf - 1) < 0)
			return 111;
		return 111;
	}
	code = smtpd_session(&c, 0, 1);
	smtpd_conf_free(&c);
	return code;
}
