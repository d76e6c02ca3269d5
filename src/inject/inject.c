/* inject: read, rewrite and queue one message (see inject.h).
 * Only the header is held in memory; the body streams from the input to
 * herald-queue (or to the output with print). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fsio.h"
#include "inject.h"
#include "inject_addr.h"
#include "inject_conf.h"
#include "inject_hdr.h"
#include "inject_in.h"
#include "inject_queue.h"

#define INJECT_PIECE 65536

struct inject_state {
	const struct inject_opts *o;
	struct inject_conf conf;
	struct inject_in *in;
	struct inject_hdr h;
	struct buf hdr;         /* the header as read */
	struct buf piece;       /* the first piece of the body, if already read */
	struct buf rcpts;       /* envelope recipients, each NUL-terminated */
	size_t nrcpts;
	struct buf sender;
	struct inject_queue q;
	bool started;
};

void
inject_opts_init(struct inject_opts *o)
{
	memset(o, 0, sizeof *o);
	o->mode = INJECT_RCPT_DEFAULT;
	o->in = 0;
	o->out = 1;
}

/* Read the header into s->hdr; a line that cannot be in a header starts the body. */
static int
inject_read_header(struct inject_state *s)
{
	long n;

	for (;;) {
		buf_reset(&s->piece);
		n = inject_in_piece(s->in, &s->piece, INJECT_HDR_MAX + 1 - s->hdr.len);
		if (n == -1)
			return INJECT_EXIT_TEMP;
		if (n == 0)
			return 0;
		if (s->piece.p[n - 1] != '\n' || s->hdr.len + (size_t)n > INJECT_HDR_MAX) {
			err_set("message header longer than %d bytes (#5.3.4)", INJECT_HDR_MAX);
			return INJECT_EXIT_PERM;
		}
		if (n == 1) {                   /* the empty line */
			buf_reset(&s->piece);
			return 0;
		}
		if (!((s->piece.p[0] == ' ' || s->piece.p[0] == '\t') && s->hdr.len > 0) &&
		    !inject_hdr_is_field(s->piece.p, (size_t)n))
			return 0;               /* the body starts here */
		if (buf_add(&s->hdr, s->piece.p, (size_t)n) == -1) {
			err_set("out of memory");
			return INJECT_EXIT_TEMP;
		}
	}
}

static int
inject_strcmp(const void *a, const void *b)
{
	int c = strcmp(*(const char *const *)a, *(const char *const *)b);

	if (c != 0)
		return c;
	return *(const char *const *)a < *(const char *const *)b ? -1 : 1;
}

/* Keep the first of identical recipients, in their order. */
static int
inject_dedup(struct inject_state *s)
{
	const char **v;
	struct buf out = BUF_INIT;
	size_t i, k = 0;
	char *p;

	if (s->nrcpts < 2)
		return 0;
	if ((v = calloc(s->nrcpts, sizeof *v)) == NULL)
		return -1;
	for (p = s->rcpts.p; k < s->nrcpts; p += strlen(p) + 1)
		v[k++] = p;
	qsort(v, s->nrcpts, sizeof *v, inject_strcmp);
	for (i = 1, k = 0; i < s->nrcpts; i++) {
		if (strcmp(v[i], v[k]) == 0)
			((char *)v[i])[0] = '\x01';     /* mark the later copy */
		else
			k = i;
	}
	free(v);
	k = 0;
	for (p = s->rcpts.p; p < s->rcpts.p + s->rcpts.len; p += strlen(p) + 1) {
		if (p[0] == '\x01')
			continue;
		if (buf_add(&out, p, strlen(p) + 1) == -1) {
			buf_free(&out);
			return -1;
		}
		k++;
	}
	buf_free(&s->rcpts);
	s->rcpts = out;
	s->nrcpts = k;
	return 0;
}

/* Gather the envelope recipients. */
static int
inject_recipients(struct inject_state *s)
{
	const struct inject_opts *o = s->o;
	bool args = o->mode == INJECT_RCPT_ARGS || o->mode == INJECT_RCPT_BOTH ||
	    (o->mode == INJECT_RCPT_DEFAULT && o->nargs > 0);
	bool header = o->mode == INJECT_RCPT_HEADER || o->mode == INJECT_RCPT_BOTH ||
	    (o->mode == INJECT_RCPT_DEFAULT && o->nargs == 0);
	const struct buf *list = s->h.has_resent ? &s->h.resent : &s->h.rcpt;
	size_t i;

	if (header) {
		if (list->len > 0 && buf_add(&s->rcpts, list->p, list->len) == -1)
			goto nomem;
		s->nrcpts += s->h.has_resent ? s->h.nresent : s->h.nrcpt;
	}
	for (i = 0; args && i < o->nargs; i++) {
		if (inject_addr_list(&s->conf, o->args[i], strlen(o->args[i]), false, &s->rcpts,
		    &s->nrcpts) == -1) {
			inject_addr_errprefix("recipient argument");
			return INJECT_EXIT_PERM;
		}
	}
	if (inject_dedup(s) == -1)
		goto nomem;
	if (s->nrcpts == 0 && !o->print) {
		err_set("no recipients (#5.1.3)");
		return INJECT_EXIT_PERM;
	}
	return 0;
nomem:
	err_set("out of memory");
	return INJECT_EXIT_TEMP;
}

/* Set s->sender to the address a (n bytes), checked; what names its source. */
static int
inject_sender_set(struct inject_state *s, const char *a, size_t n, const char *what)
{
	if (n > 0 && inject_addr_check(a, n) == -1) {
		inject_addr_errprefix(what);
		return INJECT_EXIT_PERM;
	}
	if (buf_set(&s->sender, a, n) == -1) {
		err_set("out of memory");
		return INJECT_EXIT_TEMP;
	}
	return 0;
}

/* Choose the envelope sender. */
static int
inject_sender(struct inject_state *s)
{
	struct buf one = BUF_INIT;
	size_t count = 0;
	int r;

	if (s->o->sender) {
		if (inject_addr_list(&s->conf, s->o->sender, strlen(s->o->sender), true, &one,
		    &count) == -1) {
			buf_free(&one);
			inject_addr_errprefix("envelope sender (-f)");
			return INJECT_EXIT_PERM;
		}
		if (count > 1) {
			buf_free(&one);
			err_set("envelope sender (-f): more than one address");
			return INJECT_EXIT_PERM;
		}
		r = inject_sender_set(s, count ? one.p : "", count ? strlen(one.p) : 0, "-f");
		buf_free(&one);
		return r;
	}
	if (s->h.has_retpath)
		return inject_sender_set(s, s->h.retpath.p, s->h.retpath.len, "Return-Path");
	if (s->conf.has_suser) {
		if (buf_printf(&one, "%s@%s", s->conf.suser.p, s->conf.shost.p) == -1) {
			err_set("out of memory");
			return INJECT_EXIT_TEMP;
		}
		r = inject_sender_set(s, one.p, one.len, "envelope sender from $QMAILSUSER");
		buf_free(&one);
		return r;
	}
	if (s->h.has_from_addr)
		return inject_sender_set(s, s->h.from.p, s->h.from.len,
		    "envelope sender from From: (use -f)");
	if (buf_printf(&one, "%s@%s", s->conf.user.p, s->conf.host.p) == -1) {
		err_set("out of memory");
		return INJECT_EXIT_TEMP;
	}
	r = inject_sender_set(s, one.p, one.len, "envelope sender");
	buf_free(&one);
	return r;
}

/* Hand n bytes of the message to herald-queue or the output. */
static int
inject_put(struct inject_state *s, const char *p, size_t n)
{
	if (s->o->print) {
		if (fsio_write_all(s->o->out, p, n) == -1) {
			err_sys("cannot write the message");
			return -1;
		}
		return 0;
	}
	return inject_queue_write(&s->q, p, n);
}

/* Send the rewritten header, the empty line and the body. */
static int
inject_send(struct inject_state *s)
{
	long n;

	if (!s->o->print) {
		if (inject_queue_start(&s->q, 0) == -1)
			return INJECT_EXIT_TEMP;
		s->started = true;
	}
	if (inject_put(s, s->h.out.p, s->h.out.len) == -1 || inject_put(s, "\n", 1) == -1 ||
	    inject_put(s, s->piece.p, s->piece.len) == -1)
		return INJECT_EXIT_TEMP;
	for (;;) {
		buf_reset(&s->piece);
		if ((n = inject_in_piece(s->in, &s->piece, INJECT_PIECE)) == -1)
			return INJECT_EXIT_TEMP;
		if (n == 0)
			break;
		if (inject_put(s, s->piece.p, (size_t)n) == -1)
			return INJECT_EXIT_TEMP;
	}
	if (s->o->print)
		return 0;
	s->started = false;
	return inject_queue_finish(&s->q, s->sender.p, s->rcpts.p, s->rcpts.len);
}

int
inject_run(const struct inject_opts *o)
{
	struct inject_state s;
	int r;

	memset(&s, 0, sizeof s);
	s.o = o;
	inject_hdr_init(&s.h);
	if (inject_conf_load(&s.conf, o->fullname) == -1) {
		r = INJECT_EXIT_TEMP;
		goto out;
	}
	if ((s.in = malloc(sizeof *s.in)) == NULL) {
		err_set("out of memory");
		r = INJECT_EXIT_TEMP;
		goto out;
	}
	inject_in_init(s.in, o->in, o->dot);
	if ((r = inject_read_header(&s)) != 0)
		goto out;
	if (inject_hdr_process(&s.h, &s.conf, s.hdr.p ? s.hdr.p : "", s.hdr.len) == -1 ||
	    inject_hdr_complete(&s.h, &s.conf) == -1) {
		r = s.h.temp ? INJECT_EXIT_TEMP : INJECT_EXIT_PERM;
		goto out;
	}
	if ((r = inject_recipients(&s)) != 0 || (r = inject_sender(&s)) != 0)
		goto out;
	r = inject_send(&s);
out:
	if (s.started)
		inject_queue_abort(&s.q);
	inject_conf_free(&s.conf);
	inject_hdr_free(&s.h);
	buf_free(&s.hdr);
	buf_free(&s.piece);
	buf_free(&s.rcpts);
	buf_free(&s.sender);
	free(s.in);
	return r;
}
