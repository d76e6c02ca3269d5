/* addr: RFC 5322 address lists, the bodies of To:, Cc:, From: ... header
 * fields: mailboxes (addr-spec or "Name <addr-spec>"), groups
 * ("undisclosed-recipients:;"), nested comments, quoted strings with
 * backslash escapes, folded lines, and the obsolete forms still seen in
 * practice (routes "<@a,@b:x@c>", dots in display names, empty list
 * elements). The parser yields the addr-spec of every mailbox.
 * addr_envelope.h has the RFC 5321 (envelope) form.
 *
 * herald's internal form of an address is qmail's: the local part with its
 * quoting removed, then '@' and the domain; the domain starts after the
 * last '@'. This is the form handed to herald-queue and stored in the
 * queue; addr_envelope_quote() turns it back into RFC 5321 form.
 *
 * No address is longer than ADDR_MAX bytes (qmail-queue's limit). */
#ifndef HERALD_ADDR_H
#define HERALD_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#define ADDR_MAX 1002

/* One mailbox found in an address list. */
struct addr_mbox {
	const char *addr;       /* internal form, NUL-terminated ("" for "<>") */
	size_t len;
	size_t local_len;       /* length of the local part (len if no domain) */
	bool has_domain;        /* an '@domain' was written */
	bool literal;           /* the domain is an address literal "[...]" */
	size_t start;           /* input offset of the mailbox's first token */
	size_t end;             /* input offset just past the addr-spec's last token */
};

/* Called for each mailbox; a -1 return stops the parse (the callback sets the error). */
typedef int (*addr_list_cb)(void *arg, const struct addr_mbox *m);

/* Parse an RFC 5322 address list of n bytes, calling cb for each mailbox. */
int addr_list_parse(const char *s, size_t n, addr_list_cb cb, void *arg);
/* Copy n bytes of s into out for an error text: at most outsz - 4 bytes
 * (then "..."), control characters as '?', NUL-terminated. */
void addr_show(char *out, size_t outsz, const char *s, size_t n);

#endif
