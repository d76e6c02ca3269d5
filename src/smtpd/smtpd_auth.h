/* smtpd_auth: SMTP AUTH (RFC 4954) for herald-smtpd: decoding the PLAIN
 * and LOGIN mechanisms' responses, and checking a user name and password
 * with a checkpassword-compatible program (the interface of qmail-popup
 * and of qmail-smtpd's AUTH patches): the program gets
 * "user\0password\0timestamp\0" on descriptor 3, runs its own argument
 * list after a successful check and exits 0; it exits 1 for a wrong
 * password, anything else is a temporary failure. It runs with /dev/null
 * on descriptors 0 and 1 and at most SMTPD_AUTH_TIME seconds. */
#ifndef HERALD_SMTPD_AUTH_H
#define HERALD_SMTPD_AUTH_H

#include <stddef.h>

#include "buf.h"

#define SMTPD_AUTH_TIME 60
#define SMTPD_AUTH_MAX 512              /* bytes of user, password and timestamp */

/* Decode an AUTH PLAIN response (base64 of authzid NUL authcid NUL
 * password); an authzid other than empty or the user is refused. */
int smtpd_auth_plain(const char *b64, size_t n, struct buf *user, struct buf *pass);
/* Run the checkpassword command argv (NULL-terminated); 0 accepted,
 * 1 refused, -1 temporary failure (err_str says why). */
int smtpd_auth_check(char *const *argv, const char *user, size_t ulen, const char *pass,
    size_t plen);

#endif
