/* tcpd_rules: the access rules of herald-tcpd (herald-tcprules(5)):
 * parsing a rules file into a table and finding the rule for a client.
 * Every address is kept as 16 bytes of IPv6; IPv4 addresses are stored
 * IPv4-mapped (::ffff:a.b.c.d, prefix + 96), so an IPv4 rule also matches
 * an IPv4-mapped client. Invariants: the rules are sorted by prefix length,
 * longest first, the default rule (prefix 0) last, and no two rules have
 * the same pattern; the first rule that covers an address is therefore the
 * most specific one. Bits of an address past its prefix are zero. */
#ifndef HERALD_TCPD_RULES_H
#define HERALD_TCPD_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "buf.h"

/* One VAR=VALUE of a rule. */
struct tcpd_rules_var {
	char *name;
	char *value;
};

struct tcpd_rule {
	unsigned char addr[16];         /* IPv6 or IPv4-mapped; zero past prefix */
	unsigned prefix;                /* bits, 0..128; 0 only for the default rule */
	bool allow;
	bool has_text;                  /* deny with its own TEXT= */
	char *text;                     /* the TEXT= of a deny rule, or NULL */
	struct tcpd_rules_var *vars;    /* the variables of an allow rule */
	size_t nvars;
	unsigned line;                  /* line number in the file */
};

struct tcpd_rules {
	char *file;                     /* the name used in messages */
	struct tcpd_rule *v;
	size_t n;
};

#define TCPD_RULES_INIT { NULL, NULL, 0 }

/* Parse len bytes of rules text; errors say "FILE:LINE: problem". */
int tcpd_rules_parse(struct tcpd_rules *r, const char *file, const char *text, size_t len);
/* Read and parse the rules file at path. */
int tcpd_rules_load(struct tcpd_rules *r, const char *path);
/* The rule for the client at sa (AF_INET or AF_INET6), or NULL if none applies. */
const struct tcpd_rule *tcpd_rules_match(const struct tcpd_rules *r, const struct sockaddr *sa);
/* Free the table; it is empty (TCPD_RULES_INIT) afterwards. */
void tcpd_rules_free(struct tcpd_rules *r);
/* The 16-byte form of the address in sa (IPv4 becomes IPv4-mapped); -1 if not IP. */
int tcpd_rules_addr(const struct sockaddr *sa, unsigned char out[16]);
/* Text form of a 16-byte address: IPv4-mapped as dotted quad, else IPv6. */
int tcpd_rules_addr_str(const unsigned char addr[16], struct buf *out);

#endif
