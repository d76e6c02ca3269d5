/* dns_name: the names herald looks up (see dns_name.h). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dns_name.h"

int
dns_name_norm(const char *name, char out[DNS_WIRE_NAME])
{
	size_t n = strlen(name), i, label = 0;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_') {
			if (++label > 63)
				return -1;
		} else {
			return -1;
		}
		out[i] = (char)tolower(c);
	}
	if (label == 0)                 /* "example.org.." */
		return -1;
	out[n] = '\0';
	return 0;
}

bool
dns_name_literal(const char *name, int *family, unsigned char addr[16], char out[DNS_WIRE_NAME])
{
	size_t n = strlen(name);

	if (n >= DNS_WIRE_NAME)
		return false;
	if (n > 2 && name[0] == '[' && name[n - 1] == ']') {
		name++;
		n -= 2;
		if (n > 5 && strncasecmp(name, "IPv6:", 5) == 0) {
			name += 5;
			n -= 5;
		}
	}
	memcpy(out, name, n);
	out[n] = '\0';
	if (inet_pton(AF_INET, out, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, out, addr) == 1)
		*family = AF_INET6;
	else
		return false;
	return true;
}
