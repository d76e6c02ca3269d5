/* send: the scheduler's event loop (see send.h). Signals arrive through a
 * self-pipe: SIGTERM stops new deliveries and exits once the ones in
 * flight have reported (or after SEND_STOP_WAIT seconds, leaving them
 * pending), SIGHUP re-reads control files, SIGALRM makes every deferred
 * recipient due now. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "err.h"
#include "fsio.h"
#include "log.h"
#include "send.h"
#include "send_lproto.h"

#define SEND_STOP_WAIT 60

static int sigpipe[2] = { -1, -1 };

static void
on_signal(int sig)
{
	char c = (char)sig;
	int e = errno;

	if (write(sigpipe[1], &c, 1) < 0) {
		/* the pipe is full: a signal is pending already */
	}
	errno = e;
}

static uint64_t
now_s(void)
{
	return (uint64_t)time(NULL);
}

/* Give channel c n slots, all free (once: the table is not resized). */
static int
chan_size(struct send_chan *c, unsigned long n)
{
	unsigned long i;

	c->slots = calloc(n, sizeof *c->slots);
	c->free = calloc(n, sizeof *c->free);
	c->settled = calloc(n, sizeof *c->settled);
	if (c->slots == NULL || c->free == NULL || c->settled == NULL) {
		err_set("out of memory");
		return -1;
	}
	c->nslots = n;
	for (i = 0; i < n; i++)
		c->free[i] = n - 1 - i;         /* slot 0 on top */
	c->nfree = n;
	return 0;
}

/* Read the settings that can change on SIGHUP into s. */
static int
load(struct send *s)
{
	struct send_route route = SEND_ROUTE_INIT;
	struct send_retry retry;
	struct buf me = BUF_INIT, dbt = BUF_INIT;
	unsigned long conc, rconc;
	bool found;

	if (control_line("me", &me, &found) == -1)
		goto fail;
	if (!found) {
		err_set("control/me: missing (herald-setup writes it)");
		goto fail;
	}
	if (control_line("doublebounceto", &dbt, &found) == -1)
		goto fail;
	/* missing: postmaster; present with an empty first line: drop them */
	if (!found && buf_sets(&dbt, access("control/doublebounceto", F_OK) == 0 ? "" :
	    "postmaster") == -1)
		goto fail;
	if (control_ulong("concurrencylocal", 10, 1000, &conc) == -1 ||
	    control_ulong("concurrencyremote", 100, 20000, &rconc) == -1 ||
	    send_retry_load(&retry) == -1 || send_route_load(&route) == -1)
		goto fail;
	if (conc == 0 || rconc == 0) {
		err_set("control/%s:1: must be at least 1", conc == 0 ? "concurrencylocal" :
		    "concurrencyremote");
		goto fail;
	}
	if (route.locals.count == 0 && send_route_add_local(&route, me.p) == -1)
		goto fail;
	send_route_free(&s->route);
	s->route = route;
	s->retry = retry;
	buf_free(&s->me);
	s->me = me;
	buf_free(&s->doublebounceto);
	s->doublebounceto = dbt;
	if (s->ch[SEND_LOCAL].slots == NULL) {  /* the slot tables are sized once */
		if (chan_size(&s->ch[SEND_LOCAL], conc) == -1 ||
		    chan_size(&s->ch[SEND_REMOTE], rconc * SEND_REMOTE_WINDOW) == -1)
			return -1;
		s->ch[SEND_REMOTE].base = conc;
	} else if (conc != s->ch[SEND_LOCAL].nslots ||
	    rconc * SEND_REMOTE_WINDOW != s->ch[SEND_REMOTE].nslots)
		log_warn("control/concurrencylocal or concurrencyremote changed: takes effect "
		    "at the next start");
	return 0;
fail:
	send_route_free(&route);
	buf_free(&me);
	buf_free(&dbt);
	return -1;
}

int
send_reload(struct send *s)
{
	return load(s);
}

int
send_init(struct send *s, int lreq, int lres, int rreq, int rres)
{
	struct sigaction sa;

	memset(s, 0, sizeof *s);
	s->qdir = "queue";
	s->ch[SEND_LOCAL] = (struct send_chan){ .name = "herald-lspawn", .kind = "local",
		.req = lreq, .res = lres };
	s->ch[SEND_REMOTE] = (struct send_chan){ .name = "herald-remote", .kind = "remote",
		.req = rreq, .res = rres };
	s->trigger = s->trigger_keep = -1;
	s->rnd = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	if (load(s) == -1)
		return -1;
	/* Keep a writer open so the FIFO never reports end of file. */
	if ((s->trigger = open("queue/lock/trigger", O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1 ||
	    (s->trigger_keep = open("queue/lock/trigger", O_WRONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		err_sys("cannot open queue/lock/trigger");
		return -1;
	}
	if (pipe2(sigpipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		err_sys("pipe");
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fcntl(lreq, F_SETFL, fcntl(lreq, F_GETFL) | O_NONBLOCK);
	if (rreq != -1)
		fcntl(rreq, F_SETFL, fcntl(rreq, F_GETFL) | O_NONBLOCK);
	return 0;
}

/* New ids from the trigger FIFO. */
static int
read_trigger(struct send *s, uint64_t now)
{
	char in[4096], *nl;
	ssize_t n;
	size_t len;

	while ((n = read(s->trigger, in, sizeof in)) > 0)
		if (buf_add(&s->trig_in, in, (size_t)n) == -1) {
			err_set("out of memory");
			return -1;
		}
	while ((nl = memchr(s->trig_in.p ? s->trig_in.p : "", '\n', s->trig_in.len)) != NULL) {
		len = (size_t)(nl - s->trig_in.p);
		*nl = '\0';
		if (len == QUEUE_ID_LEN && queue_id_valid(s->trig_in.p) &&
		    !strmap_get(&s->known, s->trig_in.p, len)) {
			if (strmap_put(&s->known, s->trig_in.p, len, NULL) == -1 ||
			    send_wait_push(s, s->trig_in.p, (uint32_t)now, false) == -1)
				return -1;
			log_info("new msg %s", s->trig_in.p);
		}
		buf_consume(&s->trig_in, len + 1);
	}
	if (s->trig_in.len > 4 * QUEUE_ID_LEN)     /* garbage without newlines */
		buf_reset(&s->trig_in);
	return 0;
}

/* Results from channel c; a malformed one is a fatal protocol error. */
static int
read_results(struct send *s, struct send_chan *c, uint64_t now, bool *eof)
{
	struct send_lproto_result r;
	char in[65536];
	size_t used, off = 0;
	ssize_t n;
	int k;

	n = read(c->res, in, sizeof in);
	if (n == 0) {
		*eof = true;
		return 0;
	}
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : (err_sys("read from %s", c->name), -1);
	if (buf_add(&c->in, in, (size_t)n) == -1) {
		err_set("out of memory");
		return -1;
	}
	while ((k = send_lproto_result(c->in.p + off, c->in.len - off, &r, &used)) == 1) {
		if (send_msg_result(s, c, r.num, r.status, r.text, now) == -1)
			return -1;
		off += used;
	}
	buf_consume(&c->in, off);
	if (k == -1)
		err_set("%s: %s", c->name, err_str());
	return k;
}

static int
flush_requests(struct send_chan *c)
{
	ssize_t n;

	while (c->out.len) {
		n = write(c->req, c->out.p, c->out.len);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			err_sys("write to %s", c->name);
			return -1;
		}
		buf_consume(&c->out, (size_t)n);
	}
	return 0;
}

/* Open waiting messages whose time has come, while there is room. */
static int
activate(struct send *s, uint64_t now)
{
	const struct send_wait *top;
	struct send_wait w;

	while (!s->stopping && s->nactive < SEND_ACTIVE_MAX && (top = send_wait_top(s)) &&
	    top->when <= now) {
		send_wait_pop(s, &w);
		if (send_msg_activate(s, w.id, w.force) == -1) {
			if (errno == ENOENT) {
				strmap_del(&s->known, w.id, QUEUE_ID_LEN);
				continue;
			}
			log_warn("msg %s: %s; trying again later", w.id, err_str());
			if (send_wait_push(s, w.id, (uint32_t)(now + s->retry.min), w.force) == -1)
				return -1;
			return 0;
		}
	}
	return 0;
}

static int
on_signals(struct send *s)
{
	char sig[16];
	ssize_t n, i;

	while ((n = read(sigpipe[0], sig, sizeof sig)) > 0)
		for (i = 0; i < n; i++)
			switch (sig[i]) {
			case SIGTERM:
			case SIGINT:
				if (!s->stopping)
					log_info("status: stopping: %lu deliveries in flight", s->inflight);
				s->stopping = true;
				break;
			case SIGHUP:
				if (send_reload(s) == -1)
					log_warn("%s; keeping the old settings", err_str());
				else
					log_info("status: control files read again");
				break;
			case SIGALRM:
				log_info("status: retrying every deferred recipient now");
				send_wait_force_all(s);
				break;
			}
	return 0;
}

int
send_run(struct send *s)
{
	struct pollfd pfd[2 + 2 * SEND_NCHAN];
	uint64_t now = now_s(), stop_at = 0;
	const struct send_wait *top;
	bool eof = false;
	int timeout, c;

	if (send_wait_scan(s, now) == -1)
		goto fatal;
	log_info("status: started with %zu messages in the queue, concurrencylocal %lu, "
	    "remote deliveries in flight %lu%s", s->nheap, s->ch[SEND_LOCAL].nslots,
	    s->ch[SEND_REMOTE].nslots, s->ch[SEND_REMOTE].req == -1 ? " (no herald-remote)" : "");
	for (;;) {
		now = now_s();
		if (activate(s, now) == -1 || send_msg_dispatch(s, now) == -1 ||
		    send_msg_commit(s, true) == -1 || send_msg_reap(s, now) == -1 ||
		    flush_requests(&s->ch[SEND_LOCAL]) == -1 ||
		    (s->ch[SEND_REMOTE].req != -1 && flush_requests(&s->ch[SEND_REMOTE]) == -1))
			goto fatal;
		if (s->stopping) {
			if (stop_at == 0)
				stop_at = now + SEND_STOP_WAIT;
			if (s->inflight == 0 || now >= stop_at)
				break;
		}
		timeout = -1;
		if ((top = send_wait_top(s)) && s->nactive < SEND_ACTIVE_MAX)
			timeout = top->when <= now ? 0 : (int)(top->when - now) * 1000;
		if (timeout == -1 || timeout > SEND_SCAN_INTERVAL * 1000)
			timeout = SEND_SCAN_INTERVAL * 1000;
		if (s->stopping)
			timeout = 1000;
		pfd[0] = (struct pollfd){ sigpipe[0], POLLIN, 0 };
		pfd[1] = (struct pollfd){ s->trigger, POLLIN, 0 };
		for (c = 0; c < SEND_NCHAN; c++) {
			struct send_chan *ch = &s->ch[c];

			pfd[2 + 2 * c] = (struct pollfd){ ch->res, POLLIN, 0 };
			pfd[3 + 2 * c] = (struct pollfd){ ch->req, ch->out.len ? POLLOUT : 0, 0 };
		}
		if (poll(pfd, 2 + 2 * SEND_NCHAN, timeout) == -1 && errno != EINTR) {
			err_sys("poll");
			goto fatal;
		}
		now = now_s();
		if (on_signals(s) == -1 || read_trigger(s, now) == -1)
			goto fatal;
		for (c = 0; c < SEND_NCHAN; c++) {
			if (pfd[2 + 2 * c].revents && read_results(s, &s->ch[c], now, &eof) == -1)
				goto fatal;
			if (eof && (!s->stopping || s->ch[c].inflight > 0)) {
				err_set("%s went away", s->ch[c].name);
				goto fatal;
			}
			if (eof) {
				/* stopped by the same signal, with nothing of ours left */
				log_info("status: %s has stopped too", s->ch[c].name);
				close(s->ch[c].res);
				s->ch[c].res = -1;
				eof = false;
			}
		}
		if (send_msg_commit(s, true) == -1 || send_msg_reap(s, now) == -1)
			goto fatal;
		if (now >= s->last_scan + SEND_SCAN_INTERVAL && send_wait_scan(s, now) == -1)
			goto fatal;
	}
	if (send_msg_commit(s, false) == -1)
		goto fatal;
	log_info("status: stopped; %lu deliveries left in flight stay pending", s->inflight);
	return 0;
fatal:
	{
		struct buf why = BUF_INIT;

		buf_sets(&why, err_str());
		send_msg_commit(s, false); /* keep what is known; its own error does not matter */
		err_set("%s", why.p ? why.p : "out of memory");
		buf_free(&why);
	}
	return 111;
}

void
send_free(struct send *s)
{
	unsigned long i;
	int c;

	while (s->ring)
		send_msg_drop(s, s->ring);
	for (c = 0; c < SEND_NCHAN; c++) {
		struct send_chan *ch = &s->ch[c];

		for (i = 0; i < ch->nslots; i++)
			free(ch->slots[i].rcpt);
		free(ch->slots);
		free(ch->free);
		free(ch->settled);
		buf_free(&ch->out);
		buf_free(&ch->in);
	}
	free(s->heap);
	strmap_free(&s->known);
	send_route_free(&s->route);
	buf_free(&s->me);
	buf_free(&s->doublebounceto);
	buf_free(&s->to);
	buf_free(&s->verp);
	buf_free(&s->trig_in);
	if (s->trigger != -1)
		close(s->trigger);
	if (s->trigger_keep != -1)
		close(s->trigger_keep);
}
