/* queue_id: message ids and the split directory they live in.
 * An id is 22 lower-case hex digits: seconds (9), microseconds (5) and the
 * injecting process id (8), so ids sort by injection time. Processes
 * differ by their pid, and one process never makes the same id twice
 * (queue_write.c); link(2) refusing an existing name catches the rest (the
 * writer then takes a new id). */
#ifndef HERALD_QUEUE_ID_H
#define HERALD_QUEUE_ID_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define QUEUE_ID_LEN 22
/* Number of split directories under queue/mess (named 00 .. 3f). */
#define QUEUE_SPLIT 64

/* Write the id for (sec, usec, pid) into out (QUEUE_ID_LEN + 1 bytes). */
void queue_id_make(char *out, uint64_t sec, uint32_t usec, pid_t pid);
/* True if s is a well-formed id. */
bool queue_id_valid(const char *s);
/* The split directory number (0 .. QUEUE_SPLIT-1) of a valid id. */
unsigned queue_id_split(const char *id);
/* The injection time (seconds) encoded in a valid id. */
uint64_t queue_id_time(const char *id);

#endif
