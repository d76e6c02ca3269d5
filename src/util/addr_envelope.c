/* addr_envelope: RFC 5321 mailboxes, the envelope form of an address
 * (see addr_envelope.h). SMTPUTF8 addresses are accepted: bytes from 0x80
 * up count as letters in local parts and domain labels. Error texts name
 * the address (at most 100 bytes of it, control characters as '?'). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "addr_envelope.h"
#include "err.h"

#define ADDR_ENVELOPE_SHOW 100

static bool
addr_envelope_ctl(unsigned char c)
{
	return c < 32 || c == 127;
}

static bool
addr_envelope_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c >= 0x80 || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

bool
addr_envelope_dot_string(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i - 1] == '.')
				return false;
		} else if (!addr_envelope_atext((unsigned char)s[i]))
			return false;
	}
	return true;
}

static int
addr_envelope_err(const char *a, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record an envelope error naming the address; returns -1. */
static int
addr_envelope_err(const char *a, size_t n, const char *fmt, ...)
{
	char why[256], shown[ADDR_ENVELOPE_SHOW * 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	addr_show(shown, ADDR_ENVELOPE_SHOW + 4, a, n);
	err_set("invalid address \"%s\": %s", shown, why);
	return -1;
}

/* Describe byte c for an error text. */
static const char *
addr_envelope_char(unsigned char c, char *out, size_t outsz)
{
	if (addr_envelope_ctl(c) || c == ' ')
		snprintf(out, outsz, "0x%02x", c);
	else
		snprintf(out, outsz, "'%c'", c);
	return out;
}

/* Length of the local part at a, or -1 (error set). */
static long
addr_envelope_local(const char *a, size_t n)
{
	char cn[8];
	size_t i;

	if (n > 0 && a[0] == '"') {
		for (i = 1; i < n && a[i] != '"'; i++) {
			unsigned char c = (unsigned char)a[i];

			if (c == '\\') {
				if (++i >= n)
					break;
				c = (unsigned char)a[i];
			}
			if (addr_envelope_ctl(c))
				return addr_envelope_err(a, n,
				    "control character %s in quoted local part",
				    addr_envelope_char(c, cn, sizeof cn));
		}
		if (i >= n)
			return addr_envelope_err(a, n, "unterminated quoted local part");
		return (long)i + 1;
	}
	for (i = 0; i < n && a[i] != '@'; i++) {
		if (a[i] == '.') {
			if (i == 0)
				return addr_envelope_err(a, n, "local part starts with '.'");
			if (a[i - 1] == '.')
				return addr_envelope_err(a, n, "'..' in local part");
		} else if (!addr_envelope_atext((unsigned char)a[i]))
			return addr_envelope_err(a, n,
			    "invalid character %s in local part (it must be quoted)",
			    addr_envelope_char((unsigned char)a[i], cn, sizeof cn));
	}
	if (i == 0)
		return addr_envelope_err(a, n, "empty local part");
	if (a[i - 1] == '.')
		return addr_envelope_err(a, n, "local part ends with '.'");
	return (long)i;
}

static bool
addr_envelope_ipv4(const char *s, size_t n)
{
	unsigned parts = 0, val = 0, digits = 0;
	size_t i;

	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (digits == 0 || val > 255)
				return false;
			parts++;
			val = digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
			val = val * 10 + (unsigned)(s[i] - '0');
			digits++;
		} else
			return false;
	}
	return parts == 4;
}

/* Check an address literal "[...]" (s includes the brackets). */
static int
addr_envelope_literal(const char *a, size_t an, const char *s, size_t n)
{
	char tmp[64], cn[8];
	struct in6_addr in6;
	const char *colon;
	size_t i;

	if (n < 2 || s[n - 1] != ']')
		return addr_envelope_err(a, an, "unterminated address literal");
	s++;
	n -= 2;
	if (n >= 5 && strncasecmp(s, "IPv6:", 5) == 0) {
		if (n - 5 >= sizeof tmp)
			return addr_envelope_err(a, an, "invalid IPv6 address literal");
		memcpy(tmp, s + 5, n - 5);
		tmp[n - 5] = '\0';
		if (inet_pton(AF_INET6, tmp, &in6) != 1)
			return addr_envelope_err(a, an, "invalid IPv6 address literal");
		return 0;
	}
	if ((colon = memchr(s, ':', n)) == NULL) {
		if (!addr_envelope_ipv4(s, n))
			return addr_envelope_err(a, an, "invalid IPv4 address literal");
		return 0;
	}
	if (colon == s || colon[-1] == '-' || colon + 1 == s + n)
		return addr_envelope_err(a, an, "invalid address literal");
	for (i = 0; s + i < colon; i++)
		if (!(isascii((unsigned char)s[i]) && (isalnum((unsigned char)s[i]) || s[i] == '-')))
			return addr_envelope_err(a, an, "invalid address literal tag");
	for (i = (size_t)(colon - s) + 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 33 || c > 126 || c == '[' || c == '\\' || c == ']')
			return addr_envelope_err(a, an,
			    "invalid character %s in address literal",
			    addr_envelope_char(c, cn, sizeof cn));
	}
	return 0;
}

/* Check a domain name (host names with labels of letters, digits, '-'). */
static int
addr_envelope_domain(const char *a, size_t an, const char *s, size_t n)
{
	size_t i, label = 0;
	char cn[8];

	if (n == 0)
		return addr_envelope_err(a, an, "empty domain");
	if (s[0] == '[')
		return addr_envelope_literal(a, an, s, n);
	if (n > 255)
		return addr_envelope_err(a, an, "domain longer than 255 bytes");
	for (i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : '.';

		if (c == '.') {
			if (label == 0)
				return addr_envelope_err(a, an, "empty label in domain");
			if (s[i - 1] == '-')
				return addr_envelope_err(a, an, "domain label ends with '-'");
			label = 0;
			continue;
		}
		if (!((c < 128 && isalnum(c)) || c == '-' || c >= 0x80))
			return addr_envelope_err(a, an, "invalid character %s in domain",
			    addr_envelope_char(c, cn, sizeof cn));
		if (label == 0 && c == '-')
			return addr_envelope_err(a, an, "domain label starts with '-'");
		if (++label > 63)
			return addr_envelope_err(a, an, "domain label longer than 63 bytes");
	}
	return 0;
}

int
addr_envelope_check(const char *a, size_t n)
{
	long l;

	if (n > ADDR_MAX)
		return addr_envelope_err(a, n, "longer than %d bytes", ADDR_MAX);
	if (n == 0)
		return addr_envelope_err(a, n, "empty address");
	if ((l = addr_envelope_local(a, n)) == -1)
		return -1;
	if ((size_t)l >= n || a[l] != '@')
		return addr_envelope_err(a, n, "missing '@domain'");
	return addr_envelope_domain(a, n, a + l + 1, n - (size_t)l - 1);
}

int
addr_envelope_quote(struct buf *out, const char *a, size_t n)
{
	const char *at = NULL;
	size_t i, local;

	for (i = n; i > 0; i--)
		if (a[i - 1] == '@') {
			at = a + i - 1;
			break;
		}
	local = at ? (size_t)(at - a) : n;
	if (addr_envelope_dot_string(a, local)) {
		if (buf_add(out, a, local) == -1)
			return -1;
	} else {
		if (buf_addc(out, '"') == -1)
			return -1;
		for (i = 0; i < local; i++) {
			if ((a[i] == '"' || a[i] == '\\') && buf_addc(out, '\\') == -1)
				return -1;
			if (buf_addc(out, a[i]) == -1)
				return -1;
		}
		if (buf_addc(out, '"') == -1)
			return -1;
	}
	return buf_add(out, a + local, n - local);
}
