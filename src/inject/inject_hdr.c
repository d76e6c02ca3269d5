/* inject_hdr: header rewriting for injection (see inject_hdr.h). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "addr_envelope.h"
#include "date.h"
#include "err.h"
#include "inject_addr.h"
#include "inject_conf.h"
#include "inject_hdr.h"

enum {
	INJECT_HDR_ADDR = 1 << 0,       /* an address list: parse and qualify */
	INJECT_HDR_RCPT = 1 << 1,       /* its addresses are recipients */
	INJECT_HDR_RESENT = 1 << 2,     /* ... Resent- recipients */
	INJECT_HDR_DROP = 1 << 3,       /* removed from the message */
	INJECT_HDR_FROM = 1 << 4,
	INJECT_HDR_RETPATH = 1 << 5,
	INJECT_HDR_DATE = 1 << 6,
	INJECT_HDR_MSGID = 1 << 7,
};

static const struct {
	const char *name;
	unsigned flags;
} inject_hdr_fields[] = {
	{ "from", INJECT_HDR_ADDR | INJECT_HDR_FROM },
	{ "sender", INJECT_HDR_ADDR },
	{ "reply-to", INJECT_HDR_ADDR },
	{ "mail-reply-to", INJECT_HDR_ADDR },
	{ "mail-followup-to", INJECT_HDR_ADDR },
	{ "return-receipt-to", INJECT_HDR_ADDR },
	{ "errors-to", INJECT_HDR_ADDR },
	{ "disposition-notification-to", INJECT_HDR_ADDR },
	{ "to", INJECT_HDR_ADDR | INJECT_HDR_RCPT },
	{ "cc", INJECT_HDR_ADDR | INJECT_HDR_RCPT },
	{ "bcc", INJECT_HDR_ADDR | INJECT_HDR_RCPT | INJECT_HDR_DROP },
	{ "apparently-to", INJECT_HDR_ADDR | INJECT_HDR_RCPT },
	{ "resent-from", INJECT_HDR_ADDR },
	{ "resent-sender", INJECT_HDR_ADDR },
	{ "resent-reply-to", INJECT_HDR_ADDR },
	{ "resent-to", INJECT_HDR_ADDR | INJECT_HDR_RESENT },
	{ "resent-cc", INJECT_HDR_ADDR | INJECT_HDR_RESENT },
	{ "resent-bcc", INJECT_HDR_ADDR | INJECT_HDR_RESENT | INJECT_HDR_DROP },
	{ "return-path", INJECT_HDR_ADDR | INJECT_HDR_RETPATH | INJECT_HDR_DROP },
	{ "content-length", INJECT_HDR_DROP },
	{ "date", INJECT_HDR_DATE },
	{ "message-id", INJECT_HDR_MSGID },
};

/* One address field being rewritten. */
struct inject_hdr_field {
	struct inject_hdr *h;
	const struct inject_conf *c;
	unsigned flags;
	const char *val;        /* the field body, after the colon */
	size_t copied;          /* val[0..copied) is in dst */
	struct buf dst, suffix, one;
	bool first;
};

void
inject_hdr_init(struct inject_hdr *h)
{
	memset(h, 0, sizeof *h);
}

void
inject_hdr_free(struct inject_hdr *h)
{
	buf_free(&h->out);
	buf_free(&h->rcpt);
	buf_free(&h->resent);
	buf_free(&h->from);
	buf_free(&h->retpath);
}

static int
inject_hdr_nomem(struct inject_hdr *h)
{
	h->temp = true;
	err_set("out of memory");
	return -1;
}

bool
inject_hdr_is_field(const char *line, size_t n)
{
	size_t i = 0;

	while (i < n && (unsigned char)line[i] > 32 && (unsigned char)line[i] < 127 &&
	    line[i] != ':')
		i++;
	if (i == 0)
		return false;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i < n && line[i] == ':';
}

static unsigned
inject_hdr_flags(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof inject_hdr_fields / sizeof *inject_hdr_fields; i++)
		if (strlen(inject_hdr_fields[i].name) == n &&
		    strncasecmp(inject_hdr_fields[i].name, name, n) == 0)
			return inject_hdr_fields[i].flags;
	return 0;
}

/* Callback of addr_list_parse for one mailbox of an address field. */
static int
inject_hdr_mbox(void *arg, const struct addr_mbox *m)
{
	struct inject_hdr_field *f = arg;
	struct inject_hdr *h = f->h;
	struct buf *list = NULL;
	size_t del;

	if (inject_addr_qualify(f->c, m, &f->suffix, &del) == -1)
		return inject_hdr_nomem(h);
	if (buf_add(&f->dst, f->val + f->copied, m->end - del - f->copied) == -1 ||
	    buf_add(&f->dst, f->suffix.p, f->suffix.len) == -1)
		return inject_hdr_nomem(h);
	f->copied = m->end;
	if (buf_set(&f->one, m->addr, m->len - del) == -1 ||
	    buf_add(&f->one, f->suffix.p, f->suffix.len) == -1)
		return inject_hdr_nomem(h);
	if (f->flags & INJECT_HDR_RCPT)
		list = &h->rcpt;
	else if (f->flags & INJECT_HDR_RESENT)
		list = &h->resent;
	if (list) {
		if (m->len == 0) {
			err_set("empty address <> is not a recipient");
			return -1;
		}
		if (inject_addr_check(f->one.p, f->one.len) == -1)
			return -1;
		if (buf_add(list, f->one.p, f->one.len + 1) == -1)
			return inject_hdr_nomem(h);
		if (list == &h->rcpt)
			h->nrcpt++;
		else
			h->nresent++;
	}
	if ((f->flags & INJECT_HDR_FROM) && !h->has_from_addr && m->len > 0) {
		if (buf_set(&h->from, f->one.p, f->one.len) == -1)
			return inject_hdr_nomem(h);
		h->has_from_addr = true;
	}
	if ((f->flags & INJECT_HDR_RETPATH) && f->first) {
		if (buf_set(&h->retpath, f->one.p, f->one.len) == -1)
			return inject_hdr_nomem(h);
		h->has_retpath = true;
	}
	f->first = false;
	return 0;
}

/* Rewrite one field (n bytes, ending with LF) into h->out. */
static int
inject_hdr_field(struct inject_hdr *h, const struct inject_conf *c, const char *s, size_t n)
{
	struct inject_hdr_field f;
	const char *colon;
	size_t namelen, head;
	char name[80];
	int r = -1;

	memset(&f, 0, sizeof f);
	colon = memchr(s, ':', n);
	if (colon == NULL || !inject_hdr_is_field(s, n))
		return buf_add(&h->out, s, n) == -1 ? inject_hdr_nomem(h) : 0;
	for (namelen = 0; s + namelen < colon && s[namelen] != ' ' && s[namelen] != '\t'; namelen++)
		;
	f.flags = inject_hdr_flags(s, namelen);
	if (f.flags & INJECT_HDR_DATE)
		h->has_date = true;
	if (f.flags & INJECT_HDR_MSGID)
		h->has_msgid = true;
	if (f.flags & INJECT_HDR_FROM)
		h->has_from = true;
	if (f.flags & INJECT_HDR_RESENT)
		h->has_resent = true;
	if (!(f.flags & INJECT_HDR_ADDR)) {
		if ((f.flags & INJECT_HDR_DROP) || buf_add(&h->out, s, n) != -1)
			return 0;
		return inject_hdr_nomem(h);
	}
	head = (size_t)(colon - s) + 1;
	f.h = h;
	f.c = c;
	f.val = colon + 1;
	f.first = true;
	if (addr_list_parse(f.val, n - head, inject_hdr_mbox, &f) == -1) {
		if (!h->temp) {
			snprintf(name, sizeof name, "%.*s", (int)(namelen < 60 ? namelen : 60), s);
			inject_addr_errprefix(name);
		}
		goto out;
	}
	if (!(f.flags & INJECT_HDR_DROP) &&
	    (buf_add(&h->out, s, head) == -1 || buf_add(&h->out, f.dst.p, f.dst.len) == -1 ||
	    buf_add(&h->out, f.val + f.copied, n - head - f.copied) == -1)) {
		inject_hdr_nomem(h);
		goto out;
	}
	r = 0;
out:
	buf_free(&f.dst);
	buf_free(&f.suffix);
	buf_free(&f.one);
	return r;
}

int
inject_hdr_process(struct inject_hdr *h, const struct inject_conf *c, const char *in, size_t n)
{
	size_t start = 0, end;
	const char *nl;

	while (start < n) {
		/* the field runs to the first line end not followed by white space */
		end = start;
		do {
			nl = memchr(in + end, '\n', n - end);
			end = nl ? (size_t)(nl - in) + 1 : n;
		} while (end < n && (in[end] == ' ' || in[end] == '\t'));
		if (inject_hdr_field(h, c, in + start, end - start) == -1)
			return -1;
		start = end;
	}
	if (h->out.len > 0 && h->out.p[h->out.len - 1] != '\n' && buf_addc(&h->out, '\n') == -1)
		return inject_hdr_nomem(h);
	return 0;
}

int
inject_hdr_msgid(struct buf *out, const struct inject_conf *c)
{
	static unsigned counter;

	return buf_printf(out, "<%lld.%ld.%u@%s>", (long long)c->now, c->pid, counter++,
	    c->idhost.p ? c->idhost.p : "");
}

/* Append name as an RFC 5322 phrase: as is if it is atoms and spaces,
 * else a quoted string. Control characters become spaces. */
static int
inject_hdr_phrase(struct buf *out, const char *name, size_t n)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~ ";
	bool plain = n > 0 && name[0] != ' ' && name[n - 1] != ' ';
	size_t i;

	for (i = 0; i < n && plain; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (!(ch >= 0x80 || (ch < 128 && ch > 32 && isalnum(ch)) || strchr(atext, ch)))
			plain = false;
	}
	if (!plain && buf_addc(out, '"') == -1)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch < 32 || ch == 127)
			ch = ' ';
		if (!plain && (ch == '"' || ch == '\\') && buf_addc(out, '\\') == -1)
			return -1;
		if (buf_addc(out, (char)ch) == -1)
			return -1;
	}
	if (!plain && buf_addc(out, '"') == -1)
		return -1;
	return 0;
}

int
inject_hdr_complete(struct inject_hdr *h, const struct inject_conf *c)
{
	struct buf addr = BUF_INIT;
	struct buf *o = &h->out;
	int r = -1;

	if (!h->has_date && (buf_adds(o, "Date: ") == -1 || date_header(o, c->now) == -1 ||
	    buf_addc(o, '\n') == -1))
		goto out;
	if (!h->has_msgid && (buf_adds(o, "Message-ID: ") == -1 || inject_hdr_msgid(o, c) == -1 ||
	    buf_addc(o, '\n') == -1))
		goto out;
	if (!h->has_from) {
		if (buf_add(&addr, c->user.p, c->user.len) == -1 || buf_addc(&addr, '@') == -1 ||
		    buf_add(&addr, c->host.p, c->host.len) == -1 || buf_adds(o, "From: ") == -1)
			goto out;
		if (c->has_name) {
			if (inject_hdr_phrase(o, c->name.p, c->name.len) == -1 ||
			    buf_adds(o, " <") == -1 ||
			    addr_envelope_quote(o, addr.p, addr.len) == -1 || buf_addc(o, '>') == -1)
				goto out;
		} else if (addr_envelope_quote(o, addr.p, addr.len) == -1)
			goto out;
		if (buf_addc(o, '\n') == -1)
			goto out;
		if (!h->has_from_addr) {
			if (buf_set(&h->from, addr.p, addr.len) == -1)
				goto out;
			h->has_from_addr = true;
		}
	}
	r = 0;
out:
	buf_free(&addr);
	if (r == -1)
		inject_hdr_nomem(h);
	return r;
}
