/* send_dsn: building and queueing bounce messages (see send_dsn.h and
 * herald-dsn(5)). The message is assembled in memory: its size is the
 * original header (at most SEND_DSN_HEADER_MAX) plus a few hundred bytes
 * per failed recipient. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "date.h"
#include "err.h"
#include "inject_queue.h"
#include "send_dsn.h"

#define LINE_MAX_RFC 998
#define LINE_WANT 78

static const char intro[] =
    "I'm afraid I wasn't able to deliver your message to the following "
    "addresses. This is a permanent error; I've given up. Sorry it didn't "
    "work out.";
static const char intro_double[] =
    "The message had no return address (it was itself a bounce), so this "
    "report goes to the postmaster.";

/* The US-ASCII byte that stands for c in the notification and the report. */
static char
ascii(unsigned char c)
{
	if (c >= 0x20 && c < 0x7f)
		return (char)c;
	return c < 0x20 || c == 0x7f ? ' ' : '?';
}

/* Append text's words to out, the current line being col bytes long:
 * a line break (cont, whose last character starts the next line's column
 * count) goes before a word that would pass width, and inside a word that
 * would pass LINE_MAX_RFC. Ends without a line end. */
static int
put_words(struct buf *out, const char *text, size_t col, size_t width, const char *cont)
{
	size_t cl = strlen(cont) - 1;   /* columns the continuation takes */
	const unsigned char *p = (const unsigned char *)text, *w;
	bool first = true;
	size_t wl;

	for (;;) {
		while (*p != '\0' && ascii(*p) == ' ')
			p++;
		if (*p == '\0')
			return 0;
		for (w = p; *p != '\0' && ascii(*p) != ' '; p++)
			;
		wl = (size_t)(p - w);
		if (!first && col + 1 + wl > width) {
			if (buf_adds(out, cont) == -1)
				return -1;
			col = cl;
		} else if (!first) {
			if (buf_addc(out, ' ') == -1)
				return -1;
			col++;
		}
		for (; w < p; w++, col++) {
			if (col >= LINE_MAX_RFC) {
				if (buf_adds(out, cont) == -1)
					return -1;
				col = cl;
			}
			if (buf_addc(out, ascii(*w)) == -1)
				return -1;
		}
		first = false;
	}
}

int
send_dsn_fold(struct buf *out, const char *name, const char *value)
{
	if (buf_printf(out, "%s: ", name) == -1 ||
	    put_words(out, value, strlen(name) + 2, LINE_WANT, "\n ") == -1 ||
	    buf_addc(out, '\n') == -1) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

bool
send_dsn_status_valid(const char *s)
{
	int part, n;

	if (s[0] != '4' && s[0] != '5')
		return false;
	s++;
	for (part = 0; part < 2; part++) {
		if (*s++ != '.')
			return false;
		for (n = 0; s[n] >= '0' && s[n] <= '9'; n++)
			;
		if (n < 1 || n > 3)
			return false;
		s += n;
	}
	return *s == '\0';
}

int
send_dsn_route(const char *sender, const char *doublebounceto, const char *me,
    struct buf *to, struct buf *from)
{
	int r;

	buf_reset(to);
	buf_reset(from);
	if (strcmp(sender, SEND_DSN_DOUBLE_SENDER) == 0)
		return SEND_DSN_DROP;
	if (*sender != '\0') {
		r = buf_sets(to, sender);
		return r == -1 || buf_sets(from, "") == -1 ? -1 : SEND_DSN_SEND;
	}
	if (doublebounceto == NULL)
		doublebounceto = "postmaster";
	if (*doublebounceto == '\0')
		return SEND_DSN_DROP;
	r = buf_sets(to, doublebounceto);
	if (r == 0 && strchr(doublebounceto, '@') == NULL)
		r = buf_printf(to, "@%s", me);
	if (r == -1 || buf_sets(from, SEND_DSN_DOUBLE_SENDER) == -1)
		return -1;
	return SEND_DSN_SEND;
}

int
send_dsn_begin(struct send_dsn *d)
{
	buf_reset(&d->human);
	buf_reset(&d->report);
	d->count = 0;
	return 0;
}

/* True if text starts with an SMTP reply code ("550 ", "550-", "550"). */
static bool
smtp_text(const char *t)
{
	return t[0] >= '2' && t[0] <= '5' && t[1] >= '0' && t[1] <= '9' &&
	    t[2] >= '0' && t[2] <= '9' && (t[3] == ' ' || t[3] == '-' || t[3] == '\0');
}

int
send_dsn_rcpt(struct send_dsn *d, const char *rcpt, const char *status,
    const char *text, time_t when)
{
	struct buf v = BUF_INIT;
	int r = -1;

	if (!send_dsn_status_valid(status))
		status = "5.0.0";
	if (*text == '\0')
		text = "no reason was recorded";
	if (d->count < SEND_DSN_LISTED) {
		if (buf_addc(&d->human, '<') == -1 ||
		    put_words(&d->human, rcpt, 1, LINE_MAX_RFC, "\n ") == -1 ||
		    buf_adds(&d->human, ">:\n") == -1 ||
		    put_words(&d->human, text, 0, LINE_WANT - 2, "\n ") == -1 ||
		    buf_adds(&d->human, "\n\n") == -1)
			goto nomem;
	}
	if (buf_addc(&d->report, '\n') == -1 || buf_sets(&v, "rfc822; ") == -1 ||
	    buf_adds(&v, rcpt) == -1)
		goto nomem;
	if (send_dsn_fold(&d->report, "Final-Recipient", v.p) == -1 ||
	    send_dsn_fold(&d->report, "Action", "failed") == -1 ||
	    send_dsn_fold(&d->report, "Status", status) == -1)
		goto out;
	if (buf_sets(&v, smtp_text(text) ? "smtp; " : "x-herald; ") == -1 ||
	    buf_adds(&v, text) == -1)
		goto nomem;
	if (send_dsn_fold(&d->report, "Diagnostic-Code", v.p) == -1)
		goto out;
	buf_reset(&v);
	if (date_header(&v, when != 0 ? when : d->now) == -1 ||
	    send_dsn_fold(&d->report, "Last-Attempt-Date", v.p) == -1)
		goto nomem;
	d->count++;
	r = 0;
	goto out;
nomem:
	err_set("out of memory");
out:
	buf_free(&v);
	return r;
}

/* Set hdr to m's header (up to the first empty line), at most
 * SEND_DSN_HEADER_MAX bytes cut at a line end (*cut then set), with LF
 * line ends, NULs as spaces and lines over 998 bytes folded. */
static int
read_header(struct queue_msg *m, struct buf *hdr, bool *cut)
{
	struct buf raw = BUF_INIT;
	size_t want, i, col = 0, end;
	ssize_t n;
	char *e;
	int r = -1;

	*cut = false;
	want = m->hdr.body_len > SEND_DSN_HEADER_MAX ? SEND_DSN_HEADER_MAX + 1 :
	    (size_t)m->hdr.body_len;
	if (buf_reserve(&raw, want) == -1) {
		err_set("out of memory");
		goto out;
	}
	if ((n = queue_msg_body(m, 0, raw.p, want)) != (ssize_t)want) {
		if (n >= 0)
			err_set("message %s: body shorter than its header says", m->id);
		goto out;
	}
	raw.len = want;
	if (want > 0 && raw.p[0] == '\n')
		end = 0;
	else if ((e = memmem(raw.p, raw.len, "\n\n", 2)) != NULL)
		end = (size_t)(e - raw.p) + 1;
	else if (raw.len <= SEND_DSN_HEADER_MAX)
		end = raw.len;          /* the whole message is header */
	else {
		*cut = true;
		for (end = SEND_DSN_HEADER_MAX; end > 0 && raw.p[end - 1] != '\n'; end--)
			;
	}
	buf_reset(hdr);
	for (i = 0; i < end; i++) {
		char c = raw.p[i] == '\0' ? ' ' : raw.p[i];

		if (c != '\n' && col >= LINE_MAX_RFC) {
			if (buf_adds(hdr, "\n ") == -1)
				goto nomem;
			col = 1;
		}
		if (buf_addc(hdr, c) == -1)
			goto nomem;
		col = c == '\n' ? 0 : col + 1;
	}
	if (hdr->len > 0 && hdr->p[hdr->len - 1] != '\n' && buf_addc(hdr, '\n') == -1)
		goto nomem;
	r = 0;
	goto out;
nomem:
	err_set("out of memory");
out:
	buf_free(&raw);
	return r;
}

static uint64_t
rnd(time_t now)
{
	static uint64_t counter;
	uint64_t x;

	if (getrandom(&x, sizeof x, GRND_NONBLOCK) != (ssize_t)sizeof x)
		x = (uint64_t)now * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid() << 32;
	return x ^ ++counter;
}

static bool
contains(const struct buf *b, const char *s)
{
	return b->len > 0 && memmem(b->p, b->len, s, strlen(s)) != NULL;
}

/* Set boundary to one that occurs in none of the parts. */
static int
make_boundary(struct buf *boundary, time_t now, const struct buf *parts[], size_t n)
{
	size_t i;

	for (;;) {
		buf_reset(boundary);
		if (buf_printf(boundary, "=_herald_%lld_%ld_%016llx", (long long)now,
		    (long)getpid(), (unsigned long long)rnd(now)) == -1) {
			err_set("out of memory");
			return -1;
		}
		for (i = 0; i < n && !contains(parts[i], boundary->p); i++)
			;
		if (i == n)
			return 0;
	}
}

static bool
eightbit(const struct buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		if ((unsigned char)b->p[i] >= 0x80)
			return true;
	return false;
}

int
send_dsn_finish(struct send_dsn *d, struct queue_msg *m, struct buf *out)
{
	struct buf hdr = BUF_INIT, human = BUF_INIT, report = BUF_INIT;
	struct buf boundary = BUF_INIT, v = BUF_INIT;
	const struct buf *parts[] = { &human, &report, &hdr };
	const char *to = d->to != NULL ? d->to : d->sender;
	bool cut;
	int r = -1;

	buf_reset(out);
	if (read_header(m, &hdr, &cut) == -1)
		goto out;
	/* The notification. */
	if (buf_adds(&human, "Hi. This is the herald program at ") == -1 ||
	    put_words(&human, d->me, 34, LINE_MAX_RFC, "\n") == -1 ||
	    buf_adds(&human, ".\n") == -1 ||
	    put_words(&human, intro, 0, LINE_WANT - 2, "\n") == -1 ||
	    buf_adds(&human, "\n\n") == -1)
		goto nomem;
	if (*d->sender == '\0' && (put_words(&human, intro_double, 0, LINE_WANT - 2, "\n") == -1 ||
	    buf_adds(&human, "\n\n") == -1))
		goto nomem;
	if (buf_add(&human, d->human.p, d->human.len) == -1)
		goto nomem;
	if (d->count > SEND_DSN_LISTED && buf_printf(&human, "... and %zu more; the "
	    "delivery report lists them all.\n\n", d->count - SEND_DSN_LISTED) == -1)
		goto nomem;
	if (cut && buf_printf(&human, "The header of your message is longer than %d "
	    "bytes; only its beginning is\nincluded below.\n\n", SEND_DSN_HEADER_MAX) == -1)
		goto nomem;
	/* The delivery report: per-message fields, then the recipients. */
	if (buf_sets(&v, "dns; ") == -1 || buf_adds(&v, d->me) == -1)
		goto nomem;
	if (send_dsn_fold(&report, "Reporting-MTA", v.p) == -1)
		goto out;
	buf_reset(&v);
	if (date_header(&v, (time_t)d->arrival) == -1 ||
	    send_dsn_fold(&report, "Arrival-Date", v.p) == -1 ||
	    buf_add(&report, d->report.p, d->report.len) == -1)
		goto nomem;
	if (make_boundary(&boundary, d->now, parts, sizeof parts / sizeof *parts) == -1)
		goto out;
	/* The message. */
	if (buf_sets(&v, "MAILER-DAEMON@") == -1 || buf_adds(&v, d->me) == -1 ||
	    send_dsn_fold(out, "From", v.p) == -1 ||
	    send_dsn_fold(out, "To", *to != '\0' ? to : "postmaster") == -1 ||
	    send_dsn_fold(out, "Subject", "failure notice") == -1)
		goto out;
	buf_reset(&v);
	if (date_header(&v, d->now) == -1 || send_dsn_fold(out, "Date", v.p) == -1)
		goto nomem;
	buf_reset(&v);
	if (buf_printf(&v, "<%lld.%ld.%016llx.bounce@%s>", (long long)d->now,
	    (long)getpid(), (unsigned long long)rnd(d->now), d->me) == -1 ||
	    send_dsn_fold(out, "Message-ID", v.p) == -1 ||
	    send_dsn_fold(out, "Auto-Submitted", "auto-replied") == -1 ||
	    send_dsn_fold(out, "MIME-Version", "1.0") == -1 ||
	    (eightbit(&hdr) && send_dsn_fold(out, "Content-Transfer-Encoding", "8bit") == -1))
		goto nomem;
	if (buf_printf(out, "Content-Type: multipart/report; report-type=delivery-status;\n"
	    " boundary=\"%s\"\n\n", boundary.p) == -1 ||
	    buf_adds(out, "This is a MIME-formatted message; the parts below are a "
	    "notification,\na delivery report and the header of your message.\n") == -1 ||
	    buf_printf(out, "\n--%s\nContent-Type: text/plain; charset=us-ascii\n"
	    "Content-Description: Notification\n\n", boundary.p) == -1 ||
	    buf_add(out, human.p, human.len) == -1 ||
	    buf_printf(out, "\n--%s\nContent-Type: message/delivery-status\n"
	    "Content-Description: Delivery report\n\n", boundary.p) == -1 ||
	    buf_add(out, report.p, report.len) == -1 ||
	    buf_printf(out, "\n--%s\nContent-Type: text/rfc822-headers\n"
	    "Content-Description: Undelivered message header\n%s\n", boundary.p,
	    eightbit(&hdr) ? "Content-Transfer-Encoding: 8bit\n" : "") == -1 ||
	    buf_add(out, hdr.p, hdr.len) == -1 ||
	    buf_printf(out, "\n--%s--\n", boundary.p) == -1)
		goto nomem;
	r = 0;
	goto out;
nomem:
	err_set("out of memory");
out:
	buf_free(&hdr);
	buf_free(&human);
	buf_free(&report);
	buf_free(&boundary);
	buf_free(&v);
	return r;
}

void
send_dsn_free(struct send_dsn *d)
{
	buf_free(&d->human);
	buf_free(&d->report);
	d->count = 0;
}

int
send_dsn_queue(const char *msg, size_t len, const char *to, const char *from)
{
	struct inject_queue q;
	int code;

	if (inject_queue_start(&q, 0) == -1)
		return -1;
	if (inject_queue_write(&q, msg, len) == -1) {
		inject_queue_abort(&q);
		return -1;
	}
	code = inject_queue_finish(&q, from, to, strlen(to) + 1);
	return code == 0 ? 0 : -1;
}
