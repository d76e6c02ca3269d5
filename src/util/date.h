/* date: RFC 5322 date-time strings for trace and Date: header fields. */
#ifndef HERALD_DATE_H
#define HERALD_DATE_H

#include <time.h>

#include "buf.h"

/* Append "21 Nov 2026 08:47:58 -0000" (UTC, qmail's trace style). */
int date_trace(struct buf *out, time_t t);
/* Append "Sat, 21 Nov 2026 09:47:58 +0100" (local time with its offset). */
int date_header(struct buf *out, time_t t);

#endif
