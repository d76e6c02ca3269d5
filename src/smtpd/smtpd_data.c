/* smtpd_data: the DATA state machine (see smtpd_data.h). */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "smtpd_data.h"

void
smtpd_data_init(struct smtpd_data *d, uint64_t max)
{
	memset(d, 0, sizeof *d);
	d->state = SMTPD_DATA_BOL;
	d->max = max;
	d->in_header = true;
	d->at_line_start = true;
}

bool
smtpd_data_done(const struct smtpd_data *d)
{
	return d->state == SMTPD_DATA_END;
}

/* Note the end of a header line. */
static void
smtpd_data_field(struct smtpd_data *d)
{
	if (d->field_len == 0) {
		d->in_header = false;
		return;
	}
	if ((d->field_len >= 9 && strncasecmp(d->field, "received:", 9) == 0) ||
	    (d->field_len >= 13 && strncasecmp(d->field, "delivered-to:", 13) == 0))
		d->hops++;
	d->field_len = 0;
}

/* Add n bytes of message text to out (none of them a line end but maybe the last). */
static void
smtpd_data_emit(struct smtpd_data *d, const char *p, size_t n, struct buf *out)
{
	size_t i;

	if (d->in_header) {
		for (i = 0; i < n && d->in_header; i++) {
			if (p[i] == '\n')
				smtpd_data_field(d);
			else if (d->field_len < sizeof d->field)
				d->field[d->field_len++] = p[i];
		}
	}
	d->size += n;
	if (d->toobig)
		return;
	if (d->max && d->size > d->max) {
		d->toobig = true;
		buf_reset(out);
		return;
	}
	if (buf_add(out, p, n) == -1)
		d->toobig = true;       /* out of memory: refuse as too big */
}

size_t
smtpd_data_feed(struct smtpd_data *d, const char *p, size_t n, struct buf *out)
{
	size_t i = 0, j;
	char c;

	while (i < n && d->state != SMTPD_DATA_END) {
		c = p[i];
		switch (d->state) {
		case SMTPD_DATA_BOL:
			if (c == '.') {
				d->state = SMTPD_DATA_DOT;
				i++;
				continue;
			}
			d->state = SMTPD_DATA_MID;
			continue;
		case SMTPD_DATA_MID:
			for (j = i; j < n && p[j] != '\r' && p[j] != '\n'; j++)
				;
			if (j > i)
				smtpd_data_emit(d, p + i, j - i, out);
			i = j;
			if (i == n)
				break;
			if (p[i] == '\n') {
				/* bare LF: kept as a line end, never ends the data */
				d->bare = true;
				smtpd_data_emit(d, "\n", 1, out);
			} else
				d->state = SMTPD_DATA_CR;
			i++;
			break;
		case SMTPD_DATA_CR:
			if (c == '\n') {
				smtpd_data_emit(d, "\n", 1, out);
				d->state = SMTPD_DATA_BOL;
				i++;
			} else {
				d->bare = true;
				smtpd_data_emit(d, "\r", 1, out);
				d->state = SMTPD_DATA_MID;
			}
			break;
		case SMTPD_DATA_DOT:
			if (c == '\r') {
				d->state = SMTPD_DATA_DOTCR;
				i++;
			} else
				d->state = SMTPD_DATA_MID;      /* the stuffed dot is dropped */
			break;
		case SMTPD_DATA_DOTCR:
			if (c == '\n') {
				d->state = SMTPD_DATA_END;
				i++;
			} else {
				/* ".\r" then something else: a bare CR after a stuffed dot */
				d->bare = true;
				smtpd_data_emit(d, "\r", 1, out);
				d->state = SMTPD_DATA_MID;
			}
			break;
		case SMTPD_DATA_END:
			break;
		}
	}
	return i;
}
