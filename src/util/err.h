/* err: the last error of a library call, as one line of text.
 * Library code never prints or exits: it records what went wrong with
 * err_set() and returns -1; the program decides what to do with err_str(). */
#ifndef HERALD_ERR_H
#define HERALD_ERR_H

/* Record the reason of the failure being returned. */
void err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Record the reason, followed by ": " and strerror(errno). */
void err_sys(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The last recorded reason ("unknown error" when none). */
const char *err_str(void);

#endif
