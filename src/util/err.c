/* err: last-error text for library calls (see err.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static char err_text[1024] = "unknown error";

void
err_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_text, sizeof err_text, fmt, ap);
	va_end(ap);
}

void
err_sys(const char *fmt, ...)
{
	va_list ap;
	int e = errno;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(err_text, sizeof err_text, fmt, ap);
	va_end(ap);
	n = strlen(err_text);
	snprintf(err_text + n, sizeof err_text - n, ": %s", strerror(e));
	errno = e;
}

const char *
err_str(void)
{
	return err_text;
}
