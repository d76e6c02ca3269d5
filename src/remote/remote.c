/* remote: herald-remote's set-up, its talk with herald-send, and the loop.
 *
 * Requests come on in_fd and results go out on out_fd, both in the
 * herald-lspawn protocol (lspawn_req.h); results are collected in one
 * buffer and written when the descriptor takes them, so a burst of
 * answers costs one write. A malformed request is a violated protocol:
 * fatal. When herald-send closes its end, connections finish the
 * transaction in flight and quit, jobs not started are dropped (herald-send
 * is gone: they stay pending in the queue), and the loop ends.
 *
 * SIGTERM or SIGINT (a stop of the whole process group, or of herald-remote
 * alone) ends it the same way, except that herald-send is still there: the
 * recipients not started, and those it still sends, are answered with a
 * deferral at once, so a stopping herald-send has every result it waits
 * for as soon as the transactions in flight are over. A second signal ends
 * herald-remote at once; what was in flight then stays pending. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "lspawn_req.h"
#include "lspawn_res.h"
#include "remote.h"
#include "tls.h"

#define SWEEP_MS 5000
#define READ_MAX 65536
#define STOP_TEXT "herald-remote was stopped before this delivery started. (#4.3.0)"

static void
on_out(struct ev_io *w, unsigned events)
{
	struct remote *r = w->arg;
	ssize_t n;

	(void)events;
	while (r->out.len > 0) {
		n = write(r->out_fd, r->out.p, r->out.len);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (errno == EPIPE && r->in_eof) {
				/* gone: those recipients stay pending in the queue */
				r->out_gone = true;
				buf_reset(&r->out);
				break;
			}
			log_fatal(111, "cannot write to herald-send: %m");
		}
		buf_consume(&r->out, (size_t)n);
	}
	ev_io_want(r->ev, &r->out_io, r->out.len ? EV_WRITE : 0);
}

void
remote_result(struct remote *r, struct remote_job *j, char status, const char *text)
{
	/* at most LSPAWN_TEXT_MAX bytes, shortened in the middle: the code stays */
	if (!r->out_gone && (buf_sets(&r->text, text) == -1 || lspawn_res_fix(&r->text, status) == -1 ||
	    lspawn_req_result(&r->out, j->num, status, r->text.p) == -1))
		log_fatal(111, "out of memory");
	if (r->out.len > 0 && r->out_io.want == 0)
		ev_io_want(r->ev, &r->out_io, EV_WRITE);
	if (j->msg)
		remote_msg_put(r, j->msg);
	free(j->sender);
	free(j);
	r->njobs--;
}

/* One request from herald-send: a job for its domain. */
static int
take(struct remote *r, const struct lspawn_req *q)
{
	size_t ls = strlen(q->sender), lr = strlen(q->rcpt);
	struct remote_job *j = calloc(1, sizeof *j);

	if (j == NULL || (j->sender = malloc(ls + lr + 2)) == NULL) {
		free(j);
		err_set("out of memory");
		return -1;
	}
	memcpy(j->sender, q->sender, ls + 1);
	j->rcpt = j->sender + ls + 1;
	memcpy(j->rcpt, q->rcpt, lr + 1);
	j->sender_len = ls;
	j->rcpt_len = lr;
	j->num = q->num;
	r->njobs++;
	if (r->stopping) {
		remote_result(r, j, 'Z', STOP_TEXT);
		return 0;
	}
	j->msg = remote_msg_get(r, q->path, q->off, q->len);
	if (j->msg == NULL) {
		struct buf text = BUF_INIT;

		log_warn("delivery %llu: %s", q->num, err_str());
		buf_printf(&text, "Unable to read the message: %s. (#4.3.0)", err_str());
		remote_result(r, j, 'Z', text.p ? text.p : "(#4.3.0)");
		buf_free(&text);
		return 0;
	}
	return remote_dom_add(r, j);
}

/* Take every job not started out of its domain's queue: answered with a
 * deferral saying why (text), or, without one, forgotten (herald-send is
 * gone: they stay pending in the queue). Returns how many there were. */
static size_t
clear_queued(struct remote *r, const char *text)
{
	size_t i, n = 0;

	for (i = 0; i < r->doms.cap; i++) {
		struct remote_dom *d = r->doms.slots[i].key ? r->doms.slots[i].ptr : NULL;
		struct remote_job *j;

		while (d && (j = d->head) != NULL) {
			d->head = j->next;
			n++;
			if (text) {
				remote_result(r, j, 'Z', text);
				continue;
			}
			remote_msg_put(r, j->msg);
			free(j->sender);
			free(j);
			r->njobs--;
		}
		if (d) {
			d->tail = NULL;
			d->njobs = 0;
		}
	}
	return n;
}

static void
on_signal(struct ev_io *w, unsigned events)
{
	struct remote *r = w->arg;
	struct signalfd_siginfo si;
	size_t n;

	(void)events;
	while (read(r->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (r->stopping) {
			remote_state_flush(r);
			log_fatal(111, "status: signal %u again: stopping now; the %lu recipients "
			    "in flight stay pending", si.ssi_signo, r->njobs);
		}
		r->stopping = true;
		n = clear_queued(r, STOP_TEXT);
		log_info("status: stopping on signal %u: %lu connections finish their "
		    "transactions, %zu recipients not started are deferred", si.ssi_signo,
		    r->nconn, n);
	}
}

/* Before exiting while herald-send is still there: every result goes out. */
static void
flush_results(struct remote *r)
{
	fcntl(r->out_fd, F_SETFL, fcntl(r->out_fd, F_GETFL) & ~O_NONBLOCK);
	on_out(&r->out_io, EV_WRITE);
}

static void
on_in(struct ev_io *w, unsigned events)
{
	struct remote *r = w->arg;
	struct lspawn_req q;
	size_t used, off = 0;
	ssize_t n;
	int k;

	(void)events;
	if (buf_reserve(&r->in, READ_MAX) == -1)
		log_fatal(111, "out of memory");
	n = read(r->in_fd, r->in.p + r->in.len, READ_MAX);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		log_fatal(111, "cannot read from herald-send: %m");
	}
	if (n == 0) {
		r->in_eof = true;
		ev_io_del(r->ev, &r->in_io);
		log_info("status: herald-send has gone; %zu recipients not started are left to it",
		    clear_queued(r, NULL));
		return;
	}
	r->in.len += (size_t)n;
	r->in.p[r->in.len] = '\0';
	while ((k = lspawn_req_parse(r->in.p + off, r->in.len - off, &q, &used)) == 1) {
		if (take(r, &q) == -1)
			log_fatal(111, "%s", err_str());
		off += used;
	}
	if (k == -1)
		log_fatal(111, "bad request from herald-send: %s", err_str());
	buf_consume(&r->in, off);
}

static void
on_sweep(struct ev_timer *t)
{
	struct remote *r = t->arg;

	remote_msg_sweep(r, ev_now(r->ev), SWEEP_MS);
	ev_timer_at(r->ev, &r->sweep, ev_now(r->ev) + SWEEP_MS, on_sweep, r);
}

int
remote_init(struct remote *r, int in_fd, int out_fd)
{
	sigset_t stop;

	memset(r, 0, sizeof *r);
	r->in_fd = in_fd;
	r->out_fd = out_fd;
	r->sig_fd = -1;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	if (sigprocmask(SIG_BLOCK, &stop, NULL) == -1 ||
	    (r->sig_fd = signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		err_sys("cannot set up signals");
		return -1;
	}
	if (remote_conf_load(&r->conf) == -1)
		return -1;
	if ((r->ev = ev_new()) == NULL)
		return -1;
	if ((r->dns = dns_new(r->ev, "control/resolvers", 0, 3000, 2)) == NULL)
		return -1;
	r->state_on = access("remote", W_OK) == 0;
	if (!r->state_on)
		log_warn("no writable directory remote/ (herald-setup makes it): hosts that are "
		    "down are forgotten at a restart");
	else if (remote_state_load(r) == -1)
		log_warn("%s; starting with every host up", err_str());
	/* without a context (no TLS library state), opportunistic TLS is off */
	r->tls_ctx = tls_client_ctx(r->conf.tls_ca.len ? r->conf.tls_ca.p : NULL);
	if (r->tls_ctx == NULL)
		log_warn("no TLS for remote delivery: %s", err_str());
	fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
	fcntl(out_fd, F_SETFL, fcntl(out_fd, F_GETFL) | O_NONBLOCK);
	if (ev_io_add(r->ev, &r->sig_io, r->sig_fd, EV_READ, on_signal, r) == -1 ||
	    ev_io_add(r->ev, &r->in_io, in_fd, EV_READ, on_in, r) == -1 ||
	    ev_io_add(r->ev, &r->out_io, out_fd, 0, on_out, r) == -1 ||
	    ev_timer_at(r->ev, &r->sweep, ev_now(r->ev) + SWEEP_MS, on_sweep, r) == -1)
		return -1;
	return 0;
}

int
remote_run(struct remote *r)
{
	log_info("status: started: concurrencyremote %lu, concurrencyhost %lu",
	    r->conf.concurrency, r->conf.per_host);
	while (!remote_ending(r) || r->nconn > 0) {
		if (ev_run_once(r->ev, -1) == -1) {
			log_warn("%s", err_str());
			return 111;
		}
		if (r->out.len > 0)
			on_out(&r->out_io, EV_WRITE);
		if (remote_ending(r) && r->nconn > 0)
			remote_conn_end_unused(r);      /* herald-send is gone, or stop */
	}
	if (!r->in_eof)
		flush_results(r);
	remote_state_flush(r);
	log_info("status: stopped");
	return 0;
}

void
remote_free(struct remote *r)
{
	size_t i;

	for (i = 0; i < r->doms.cap; i++) {
		struct remote_dom *d = r->doms.slots[i].key ? r->doms.slots[i].ptr : NULL;
		struct remote_job *j;

		if (d == NULL)
			continue;
		while ((j = d->head) != NULL) {
			d->head = j->next;
			free(j->sender);
			free(j);
		}
		if (d->query)
			dns_cancel(d->query);
		remote_dom_hosts_free(d);
		buf_free(&d->route);
		free(d->name);
		free(d);
	}
	for (i = 0; i < r->hosts.cap; i++) {
		struct remote_host *h = r->hosts.slots[i].key ? r->hosts.slots[i].ptr : NULL;

		if (h == NULL)
			continue;
		free(h->key);
		free(h->name);
		buf_free(&h->why);
		free(h->waiting);
		free(h);
	}
	remote_msg_sweep(r, INT64_MAX, -1);
	strmap_free(&r->doms);
	strmap_free(&r->hosts);
	strmap_free(&r->msgs);
	free(r->gwait);
	dns_free(r->dns);
	if (r->tls_ctx)
		tls_ctx_free(r->tls_ctx);
	ev_free(r->ev);
	remote_conf_free(&r->conf);
	buf_free(&r->in);
	buf_free(&r->out);
	buf_free(&r->text);
	buf_free(&r->low);
	if (r->sig_fd != -1)
		close(r->sig_fd);
}
