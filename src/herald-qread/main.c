/* herald-qread: list the messages in the queue (herald-qread(8)).
 * One line per message, then one line per recipient unless -s:
 *   ID  age AGE  size BYTES  from <SENDER>  N recipients: P pending, D done, F failed
 *   <TAB>STATE<TAB>ADDRESS
 * Recipients are streamed, so a huge list post costs no memory. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "home.h"
#include "log.h"
#include "queue_msg.h"
#include "queue_scan.h"
#include "queue_stat.h"

static bool summary_only;

static int
show(const char *qdir, const char *id, time_t now, bool scanning)
{
	struct queue_msg m;
	struct queue_stat st = { 0 };
	struct queue_cursor c;
	struct queue_rcpt r;
	struct buf age = BUF_INIT;
	int n = -1;

	if (queue_msg_open(&m, qdir, id, false) == -1) {
		if (scanning && errno == ENOENT)
			return 0;       /* finished and removed since the scan saw it */
		log_warn("%s", err_str());
		return -1;
	}
	if (queue_stat_msg(&m, &st) == -1) {
		log_warn("%s", err_str());
		goto out;
	}
	queue_stat_age(&age, now > (time_t)m.hdr.created ? (uint64_t)now - m.hdr.created : 0);
	printf("%s  age %s  size %llu  from <%s>  %llu recipients: %llu pending, %llu done, "
	    "%llu failed\n", m.id, age.p, (unsigned long long)m.hdr.body_len, m.sender,
	    (unsigned long long)m.hdr.rcpt_count, (unsigned long long)st.pending,
	    (unsigned long long)st.done, (unsigned long long)(st.failed + st.bounced));
	if (!summary_only) {
		if (queue_cursor_open(&c, &m) == -1) {
			log_warn("%s", err_str());
			goto out;
		}
		while ((n = queue_cursor_next(&c, &r)) == 1)
			printf("\t%s\t%s\n", queue_stat_name(r.st.state), r.addr);
		queue_cursor_close(&c);
		if (n == -1) {
			log_warn("%s", err_str());
			goto out;
		}
	}
	n = 0;
out:
	buf_free(&age);
	queue_msg_close(&m);
	return n;
}

int
main(int argc, char **argv)
{
	struct queue_scan s;
	struct buf qdir = BUF_INIT;
	time_t now = time(NULL);
	int c, n, bad = 0;

	log_init("herald-qread");
	while ((c = getopt(argc, argv, "s")) != -1) {
		switch (c) {
		case 's': summary_only = true; break;
		default:
			fprintf(stderr, "usage: herald-qread [-s] [ID ...]\n");
			return 100;
		}
	}
	if (home_path(&qdir, "queue") == -1)
		log_fatal(111, "out of memory");
	if (optind < argc) {
		for (; optind < argc; optind++)
			if (show(qdir.p, argv[optind], now, false) == -1)
				bad = 1;
	} else {
		queue_scan_open(&s, qdir.p);
		while ((n = queue_scan_next(&s)) == 1)
			if (show(qdir.p, s.id, now, true) == -1)
				bad = 1;
		queue_scan_close(&s);
		if (n == -1)
			log_fatal(111, "%s", err_str());
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		log_fatal(111, "cannot write the listing");
	buf_free(&qdir);
	return bad ? 111 : 0;
}
