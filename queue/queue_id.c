/* queue_id: id formatting, validation and splitting (see queue_id.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "queue_id.h"

void
queue_id_make(char *out, uint64_t sec, uint32_t usec, pid_t pid)
{
	snprintf(out, QUEUE_ID_LEN + 1, "%09llx%05x%08x",
	    (unsigned long long)(sec & 0xfffffffffULL), (unsigned)(usec & 0xfffff),
	    (unsigned)pid);
}

bool
queue_id_valid(const char *s)
{
	size_t i;

	for (i = 0; i < QUEUE_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[QUEUE_ID_LEN] == '\0';
}

unsigned
queue_id_split(const char *id)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < QUEUE_ID_LEN; i++) {
		h ^= (unsigned char)id[i];
		h *= 16777619u;
	}
	return h % QUEUE_SPLIT;
}

uint64_t
queue_id_time(const char *id)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 9; i++)
		v = v * 16 + (uint64_t)(id[i] <= '9' ? id[i] - '0' : id[i] - 'a' + 10);
	return v;
}
