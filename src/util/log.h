/* log: one line per event on stderr, each prefixed with the program name.
 * Lines are written with a single write(2) so concurrent writers do not
 * interleave. log_fatal is for start-up, bad configuration and violated
 * protocols only (DESIGN section 6.4). */
#ifndef HERALD_LOG_H
#define HERALD_LOG_H

/* Set the program name used as the prefix of every line. */
void log_init(const char *prog);
/* The program name given to log_init. */
const char *log_prog(void);
/* Informational event. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Something went wrong but the program carries on. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "prog: fatal: ..." and exit with code. */
void log_fatal(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

#endif
