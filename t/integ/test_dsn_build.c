/* test_dsn_build: a test driver for the bounce builder (send_dsn) and the
 * bounce record file (queue_bounce), used by t/integ/dsn.t.
 *
 *   test_dsn_build [-q] [-m ME] [-n NOW] QDIR ID [RCPT STATUS TEXT]...
 *       print the bounce of message ID for the failures given (or, with
 *       none given, those of QDIR/bounce/ID); -q queues it instead through
 *       herald-queue, routed as herald-send does (control/doublebounceto),
 *       and prints "queued TO FROM" or "dropped"
 *   test_dsn_build -a QDIR ID RCPT STATUS TEXT     append one bounce record
 *   test_dsn_build -A QDIR ID N TEXTLEN            append N records u0@x.test ...
 *   test_dsn_build -r QDIR ID                      print the records, one a line */
#include "config.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "control.h"
#include "err.h"
#include "home.h"
#include "queue_bounce.h"
#include "queue_msg.h"
#include "send_dsn.h"

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "test_dsn_build: %s: %s\n", what, err_str());
	exit(111);
}

static int
print(void *arg, const struct queue_bounce_rec *r)
{
	(void)arg;
	printf("%s\t%s\t%lld\t%s\n", r->rcpt, r->status, (long long)r->when, r->text);
	return 0;
}

static int
add(void *arg, const struct queue_bounce_rec *r)
{
	return send_dsn_rcpt(arg, r->rcpt, r->status, r->text, r->when);
}

static int
many(const char *qdir, const char *id, long n, long textlen)
{
	struct buf text = BUF_INIT, a = BUF_INIT;
	long i;

	while ((long)text.len < textlen)
		if (buf_addc(&text, (char)('a' + text.len % 26)) == -1)
			die("memory");
	for (i = 0; i < n; i++) {
		buf_reset(&a);
		if (buf_printf(&a, "u%ld@x.test", i) == -1 ||
		    queue_bounce_append(qdir, id, a.p, "5.1.1", text.len ? text.p : "") == -1)
			die("append");
	}
	if (queue_bounce_sync(qdir, id) == -1)
		die("sync");
	buf_free(&text);
	buf_free(&a);
	return 0;
}

/* Where the bounce of a message from sender goes, as herald-send decides. */
static int
route(const char *sender, const char *me, struct buf *to, struct buf *from)
{
	struct buf dbt = BUF_INIT, path = BUF_INIT;
	bool found;
	int r;

	if (control_line("doublebounceto", &dbt, &found) == -1)
		die("control/doublebounceto");
	/* An existing file whose first line is empty means "drop". */
	if (home_path(&path, "control/doublebounceto") == -1)
		die("memory");
	if (!found && access(path.p, F_OK) == 0)
		found = true;
	r = send_dsn_route(sender, found ? (dbt.p ? dbt.p : "") : NULL, me, to, from);
	if (r == -1)
		die("route");
	buf_free(&dbt);
	buf_free(&path);
	return r;
}

int
main(int argc, char **argv)
{
	struct send_dsn d = { .me = NULL };
	struct buf out = BUF_INIT, me = BUF_INIT, to = BUF_INIT, from = BUF_INIT;
	struct queue_msg m;
	bool q = false, found;
	int c, i;

	signal(SIGPIPE, SIG_IGN);
	d.now = time(NULL);
	while ((c = getopt(argc, argv, "aAqrm:n:")) != -1) {
		switch (c) {
		case 'a':
			if (argc != 7)
				goto usage;
			if (queue_bounce_append(argv[2], argv[3], argv[4], argv[5], argv[6]) == -1)
				die("append");
			return 0;
		case 'A':
			if (argc != 6)
				goto usage;
			return many(argv[2], argv[3], atol(argv[4]), atol(argv[5]));
		case 'r':
			if (argc != 4)
				goto usage;
			if (queue_bounce_read(argv[2], argv[3], print, NULL) == -1)
				die("read");
			return 0;
		case 'q':
			q = true;
			break;
		case 'm':
			d.me = optarg;
			break;
		case 'n':
			d.now = (time_t)atoll(optarg);
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || (argc - 2) % 3 != 0)
		goto usage;
	if (q && d.me == NULL) {
		if (control_line("me", &me, &found) == -1 || !found)
			die("control/me");
		d.me = me.p;
	}
	if (d.me == NULL)
		d.me = "me.test";
	if (queue_msg_open(&m, argv[0], argv[1], false) == -1)
		die("open");
	d.sender = m.sender;
	d.arrival = m.hdr.created;
	if (q && route(m.sender, d.me, &to, &from) == SEND_DSN_DROP) {
		printf("dropped\n");
		goto done;
	}
	if (q)
		d.to = to.p;
	if (send_dsn_begin(&d) == -1)
		die("begin");
	for (i = 2; i < argc; i += 3)
		if (send_dsn_rcpt(&d, argv[i], argv[i + 1], argv[i + 2], 0) == -1)
			die("rcpt");
	if (argc == 2 && queue_bounce_read(argv[0], argv[1], add, &d) == -1)
		die("read");
	if (send_dsn_finish(&d, &m, &out) == -1)
		die("finish");
	if (!q)
		fwrite(out.p, 1, out.len, stdout);
	else if (send_dsn_queue(out.p, out.len, to.p, from.p) == -1)
		die("queue");
	else
		printf("queued %s %s\n", to.p, from.p);
done:
	queue_msg_close(&m);
	send_dsn_free(&d);
	buf_free(&out);
	buf_free(&me);
	buf_free(&to);
	buf_free(&from);
	return 0;
usage:
	fprintf(stderr, "usage: test_dsn_build [-q] [-m me] [-n now] qdir id [rcpt status text]...\n"
	    "       test_dsn_build -a qdir id rcpt status text | -A qdir id n textlen | -r qdir id\n");
	return 100;
}
