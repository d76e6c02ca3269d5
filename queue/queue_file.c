/* queue_file: encoding and decoding of the queue file format
 * (layout in queue_file.h and herald-queue(5)). Pure functions. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "err.h"
#include "queue_file.h"

static void
put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)get16(p) | ((uint32_t)get16(p + 2) << 16);
}

static uint64_t
get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | ((uint64_t)get32(p + 4) << 32);
}

uint64_t
queue_file_pad(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

uint64_t
queue_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

void
queue_hdr_encode(const struct queue_hdr *h, unsigned char *out)
{
	memset(out, 0, QUEUE_HDR_SIZE);
	memcpy(out, QUEUE_MAGIC, 8);
	put64(out + 8, h->created);
	put64(out + 16, h->body_off);
	put64(out + 24, h->body_len);
	put64(out + 32, h->sender_off);
	put64(out + 40, h->sender_len);
	put64(out + 48, h->rcpt_off);
	put64(out + 56, h->rcpt_count);
	put64(out + 64, h->rcpt_len);
	memcpy(out + 72, h->id, strnlen(h->id, QUEUE_ID_LEN));
	put64(out + 96, h->hash);
}

int
queue_hdr_decode(const unsigned char *in, uint64_t file_size, struct queue_hdr *h)
{
	if (memcmp(in, QUEUE_MAGIC, 8) != 0) {
		err_set("not a herald queue file (bad magic)");
		return -1;
	}
	h->created = get64(in + 8);
	h->body_off = get64(in + 16);
	h->body_len = get64(in + 24);
	h->sender_off = get64(in + 32);
	h->sender_len = get64(in + 40);
	h->rcpt_off = get64(in + 48);
	h->rcpt_count = get64(in + 56);
	h->rcpt_len = get64(in + 64);
	memset(h->id, 0, sizeof h->id);
	memcpy(h->id, in + 72, QUEUE_ID_LEN);
	h->hash = get64(in + 96);
	if (h->body_off != QUEUE_HDR_SIZE ||
	    h->body_len > file_size ||
	    h->sender_off != queue_file_pad(h->body_off + h->body_len) ||
	    h->sender_len > QUEUE_ADDR_MAX ||
	    h->rcpt_off != queue_file_pad(h->sender_off + h->sender_len + 1) ||
	    h->rcpt_len > file_size ||
	    h->rcpt_off + h->rcpt_len != file_size ||
	    h->rcpt_count > h->rcpt_len / 16) {
		err_set("queue file header is inconsistent with its size");
		return -1;
	}
	return 0;
}

void
queue_rstate_encode(const struct queue_rstate *s, unsigned char *out)
{
	out[0] = s->state;
	out[1] = 0;
	put16(out + 2, s->tries);
	put32(out + 4, s->next_try);
}

int
queue_rstate_decode(const unsigned char *in, struct queue_rstate *s)
{
	switch (in[0]) {
	case QUEUE_RCPT_PENDING:
	case QUEUE_RCPT_DONE:
	case QUEUE_RCPT_FAILED:
	case QUEUE_RCPT_BOUNCED:
		break;
	default:
		return -1;
	}
	s->state = in[0];
	s->tries = get16(in + 2);
	s->next_try = get32(in + 4);
	return 0;
}

size_t
queue_rcpt_size(size_t len)
{
	return (size_t)queue_file_pad(QUEUE_RCPT_FIXED + len + 1);
}

size_t
queue_rcpt_domain(const char *addr, size_t len)
{
	size_t i = len;

	while (i > 0)
		if (addr[--i] == '@')
			return i + 1;
	return len;
}

void
queue_rcpt_encode(const char *addr, size_t len, unsigned char *out)
{
	struct queue_rstate st = { QUEUE_RCPT_PENDING, 0, 0 };
	size_t size = queue_rcpt_size(len);

	queue_rstate_encode(&st, out);
	put16(out + 8, (uint16_t)len);
	put16(out + 10, (uint16_t)queue_rcpt_domain(addr, len));
	memcpy(out + QUEUE_RCPT_FIXED, addr, len);
	memset(out + QUEUE_RCPT_FIXED + len, 0, size - QUEUE_RCPT_FIXED - len);
}

int
queue_rcpt_decode(const unsigned char *in, size_t avail, struct queue_rcpt *r, size_t *used)
{
	size_t len, size;

	if (avail < QUEUE_RCPT_FIXED)
		return 0;
	len = get16(in + 8);
	if (len > QUEUE_ADDR_MAX) {
		err_set("recipient record: address length %zu too large", len);
		return -1;
	}
	size = queue_rcpt_size(len);
	if (avail < size)
		return 0;
	if (queue_rstate_decode(in, &r->st) == -1) {
		err_set("recipient record: unknown state byte 0x%02x", in[0]);
		return -1;
	}
	r->addr_len = (uint16_t)len;
	r->dom_off = get16(in + 10);
	if (r->dom_off > len || in[QUEUE_RCPT_FIXED + len] != '\0' ||
	    memchr(in + QUEUE_RCPT_FIXED, '\0', len) != NULL) {
		err_set("recipient record: malformed address");
		return -1;
	}
	r->addr = (const char *)in + QUEUE_RCPT_FIXED;
	*used = size;
	return 1;
}

int
queue_rcpt_cmp_domain(const unsigned char *a, const unsigned char *b)
{
	size_t la = get16(a + 8), lb = get16(b + 8);
	size_t da = get16(a + 10), db = get16(b + 10);
	const char *pa = (const char *)a + QUEUE_RCPT_FIXED + da;
	const char *pb = (const char *)b + QUEUE_RCPT_FIXED + db;
	size_t na = la - da, nb = lb - db;
	int c;

	c = strncasecmp(pa, pb, na < nb ? na : nb);
	if (c != 0)
		return c;
	return (na > nb) - (na < nb);
}
