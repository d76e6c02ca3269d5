/* herald-qstat: queue totals (herald-qstat(8)):
 *   messages in queue: N
 *   recipients: N (P pending, D done, F failed)
 *   injections in progress or abandoned: T */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "home.h"
#include "log.h"
#include "queue_msg.h"
#include "queue_scan.h"
#include "queue_stat.h"

int
main(int argc, char **argv)
{
	struct queue_scan s;
	struct queue_msg m;
	struct queue_stat st = { 0 }, one;
	struct buf qdir = BUF_INIT, tmp = BUF_INIT;
	unsigned long long msgs = 0, rcpts = 0, tmps = 0;
	struct dirent *d;
	DIR *dp;
	int n, bad = 0;

	(void)argv;
	log_init("herald-qstat");
	if (argc > 1) {
		fprintf(stderr, "usage: herald-qstat\n");
		return 100;
	}
	if (home_path(&qdir, "queue") == -1 || home_path(&tmp, "queue/tmp") == -1)
		log_fatal(111, "out of memory");
	queue_scan_open(&s, qdir.p);
	while ((n = queue_scan_next(&s)) == 1) {
		if (queue_msg_open(&m, qdir.p, s.id, false) == -1) {
			if (errno == ENOENT)
				continue;       /* finished and removed since the scan saw it */
			log_warn("%s", err_str());
			bad = 1;
			continue;
		}
		memset(&one, 0, sizeof one);
		if (queue_stat_msg(&m, &one) == -1) {
			log_warn("%s", err_str());
			bad = 1;
		} else {
			msgs++;
			rcpts += m.hdr.rcpt_count;
			st.pending += one.pending;
			st.done += one.done;
			st.failed += one.failed;
			st.bounced += one.bounced;
		}
		queue_msg_close(&m);
	}
	queue_scan_close(&s);
	if (n == -1)
		log_fatal(111, "%s", err_str());
	if ((dp = opendir(tmp.p)) == NULL)
		log_fatal(111, "cannot open %s: %s", tmp.p, strerror(errno));
	while ((d = readdir(dp)) != NULL)
		if (d->d_name[0] != '.')
			tmps++;
	closedir(dp);
	printf("messages in queue: %llu\n", msgs);
	printf("recipients: %llu (%llu pending, %llu done, %llu failed)\n", rcpts,
	    (unsigned long long)st.pending, (unsigned long long)st.done,
	    (unsigned long long)(st.failed + st.bounced));
	printf("injections in progress or abandoned: %llu\n", tmps);
	if (fflush(stdout) == EOF)
		log_fatal(111, "cannot write");
	buf_free(&qdir);
	buf_free(&tmp);
	return bad ? 111 : 0;
}
