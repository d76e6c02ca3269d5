/* err: last-error text for library calls (see err.h). The text is formatted
 * into a local buffer first, so err_str() may be an argument (prefixing). */
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
	char text[sizeof err_text];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	memcpy(err_text, text, sizeof text);
}

void
err_sys(const char *fmt, ...)
{
	char text[sizeof err_text];
	va_list ap;
	int e = errno;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	n = strlen(text);
	snprintf(text + n, sizeof text - n, ": %s", strerror(e));
	memcpy(err_text, text, sizeof text);
	errno = e;
}

const char *
err_str(void)
{
	return err_text;
}
