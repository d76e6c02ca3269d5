/* send_wait: the heap of messages waiting for their next pass, and the
 * queue scans that find messages the trigger did not announce. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "queue_scan.h"
#include "send.h"

static void
swap(struct send_wait *a, struct send_wait *b)
{
	struct send_wait t = *a;

	*a = *b;
	*b = t;
}

int
send_wait_push(struct send *s, const char *id, uint32_t when, bool force)
{
	struct send_wait *h;
	size_t i;

	if (s->nheap == s->capheap) {
		size_t cap = s->capheap ? s->capheap * 2 : 256;

		if ((h = realloc(s->heap, cap * sizeof *h)) == NULL) {
			err_set("out of memory");
			return -1;
		}
		s->heap = h;
		s->capheap = cap;
	}
	i = s->nheap++;
	s->heap[i].when = when;
	s->heap[i].force = force;
	memcpy(s->heap[i].id, id, QUEUE_ID_LEN + 1);
	while (i > 0 && s->heap[(i - 1) / 2].when > s->heap[i].when) {
		swap(&s->heap[(i - 1) / 2], &s->heap[i]);
		i = (i - 1) / 2;
	}
	return 0;
}

const struct send_wait *
send_wait_top(const struct send *s)
{
	return s->nheap ? &s->heap[0] : NULL;
}

void
send_wait_pop(struct send *s, struct send_wait *out)
{
	size_t i = 0, c;

	*out = s->heap[0];
	s->heap[0] = s->heap[--s->nheap];
	for (;;) {
		c = 2 * i + 1;
		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap && s->heap[c + 1].when < s->heap[c].when)
			c++;
		if (s->heap[i].when <= s->heap[c].when)
			break;
		swap(&s->heap[i], &s->heap[c]);
		i = c;
	}
}

void
send_wait_force_all(struct send *s)
{
	struct send_msg *m = s->ring;
	size_t i;
	unsigned k;

	for (i = 0; i < s->nheap; i++) {        /* all equal: still a heap */
		s->heap[i].when = 0;
		s->heap[i].force = true;
	}
	for (k = 0; k < s->nactive; k++, m = m->next)
		m->again = true;
}

int
send_wait_scan(struct send *s, uint64_t now)
{
	struct queue_scan sc;
	int n;

	queue_scan_open(&sc, s->qdir);
	while ((n = queue_scan_next(&sc)) == 1) {
		if (strmap_get(&s->known, sc.id, QUEUE_ID_LEN))
			continue;
		if (strmap_put(&s->known, sc.id, QUEUE_ID_LEN, NULL) == -1 ||
		    send_wait_push(s, sc.id, (uint32_t)now, false) == -1) {
			n = -1;
			break;
		}
	}
	queue_scan_close(&sc);
	s->last_scan = now;
	return n;
}
