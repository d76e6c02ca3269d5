/* test_dns: a test driver for src/dns, used by t/integ/dns.t.
 *
 *   test_dns [-4] [-r RESOLVERS] [-t TIMEOUT_MS] [-n TRIES] COMMAND...
 *
 * The commands run in order:
 *   mx NAME        start an MX lookup
 *   host NAME      start an address lookup
 *   mxhold NAME    an MX lookup whose callback keeps the result (dns_result_hold)
 *   mxfree NAME    an MX lookup whose callback frees the resolver
 *   cancel         cancel the lookup started last
 *   wait           run the event loop until every lookup has called back (30 s at most)
 *   sleep MS       run the event loop for MS milliseconds
 *   cached NAME    print what dns_mx_cached() gives
 *   hcached NAME   print what dns_host_cached() gives
 *   free           free the resolver now (a new one is made when needed)
 *   held           print the results kept by mxhold, and release them
 * Each result is one line:
 *   KIND NAME OK [implicit] PREF:HOST=ADDR,ADDR... ...
 *   KIND NAME TEMPFAIL|PERMFAIL TEXT
 * where KIND is the command that asked; "cached NAME miss" when not cached.
 * A callback called from inside the call that started its lookup is an
 * error (exit 1). dns_new failing prints the error and exits 111. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "err.h"
#include "ev.h"

#define MAXLK 256

struct lk {
	const char *kind, *name;
	struct dns_query *q;
	bool done, cancelled, hold, freeit;
};

static struct ev *ev;
static struct dns *dns;
static const char *resolvers;
static unsigned flags;
static int timeout_ms, tries;
static struct lk lk[MAXLK];
static int nlk, pending, status;
static bool starting;
static const struct dns_result *held[MAXLK];
static int nheld;

static struct dns *
resolver(void)
{
	if (dns == NULL && (dns = dns_new(ev, resolvers, flags, timeout_ms, tries)) == NULL) {
		printf("test_dns: %s\n", err_str());
		exit(111);
	}
	return dns;
}

static void
print(const char *kind, const char *name, const struct dns_result *r)
{
	char a[INET6_ADDRSTRLEN];
	size_t i, j;

	printf("%s %s %s", kind, name,
	    r->status == DNS_OK ? "OK" : r->status == DNS_TEMPFAIL ? "TEMPFAIL" : "PERMFAIL");
	if (r->status != DNS_OK) {
		printf(" %s\n", r->text);
		return;
	}
	if (r->implicit)
		printf(" implicit");
	for (i = 0; i < r->nhost; i++) {
		printf(" %u:%s=", r->host[i].pref, r->host[i].name);
		for (j = 0; j < r->host[i].naddr; j++) {
			const struct sockaddr_storage *ss = &r->host[i].addr[j];

			if (ss->ss_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, a,
				    sizeof a);
			else
				inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, a,
				    sizeof a);
			printf("%s%s", j ? "," : "", a);
		}
	}
	printf("\n");
}

static void
done(void *arg, const struct dns_result *r)
{
	struct lk *l = arg;

	if (starting) {
		printf("error: callback from inside the call that started %s %s\n", l->kind, l->name);
		status = 1;
	}
	if (l->done || l->cancelled) {
		printf("error: %s %s called back %s\n", l->kind, l->name,
		    l->done ? "twice" : "after dns_cancel");
		status = 1;
	}
	l->done = true;
	pending--;
	print(l->kind, l->name, r);
	if (l->hold)
		held[nheld++] = dns_result_hold(r);
	if (l->freeit) {
		dns_free(dns);          /* from inside a callback */
		dns = NULL;
		printf("freed\n");
		pending = 0;
	}
	fflush(stdout);
}

static void
start(const char *kind, const char *name)
{
	struct lk *l;

	if (nlk == MAXLK) {
		fprintf(stderr, "test_dns: too many lookups\n");
		exit(1);
	}
	l = &lk[nlk++];
	l->kind = kind;
	l->name = name;
	l->hold = strcmp(kind, "mxhold") == 0;
	l->freeit = strcmp(kind, "mxfree") == 0;
	resolver();
	starting = true;
	if (strcmp(kind, "host") == 0)
		l->q = dns_host(dns, name, done, l);
	else
		l->q = dns_mx(dns, name, done, l);
	starting = false;
	if (l->q == NULL) {
		printf("test_dns: %s\n", err_str());
		exit(111);
	}
	pending++;
}

static void
run(int64_t ms, bool until_done)
{
	int64_t end = ev_now_update(ev) + ms;

	while ((!until_done || pending > 0) && ev_now_update(ev) < end)
		if (ev_run_once(ev, (int)(end - ev_now(ev))) == -1) {
			printf("test_dns: %s\n", err_str());
			exit(111);
		}
}

int
main(int argc, char **argv)
{
	const struct dns_result *r;
	int c, i;

	while ((c = getopt(argc, argv, "4r:t:n:")) != -1) {
		switch (c) {
		case '4': flags |= DNS_IPV4_ONLY; break;
		case 'r': resolvers = optarg; break;
		case 't': timeout_ms = atoi(optarg); break;
		case 'n': tries = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: test_dns [-4] [-r resolvers] [-t ms] [-n tries] "
			    "command...\n");
			return 1;
		}
	}
	if ((ev = ev_new()) == NULL) {
		printf("test_dns: %s\n", err_str());
		return 111;
	}
	for (i = optind; i < argc; i++) {
		const char *cmd = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(cmd, "mx") == 0 || strcmp(cmd, "host") == 0 ||
		    strcmp(cmd, "mxhold") == 0 || strcmp(cmd, "mxfree") == 0) {
			if (arg == NULL)
				goto usage;
			start(cmd, arg);
			i++;
		} else if (strcmp(cmd, "cancel") == 0) {
			if (nlk == 0 || lk[nlk - 1].done)
				goto usage;
			dns_cancel(lk[nlk - 1].q);
			lk[nlk - 1].cancelled = true;
			pending--;
		} else if (strcmp(cmd, "wait") == 0) {
			run(30000, true);
			if (pending > 0)
				printf("pending %d\n", pending);
		} else if (strcmp(cmd, "sleep") == 0 && arg != NULL) {
			run(atoi(arg), false);
			i++;
		} else if ((strcmp(cmd, "cached") == 0 || strcmp(cmd, "hcached") == 0) && arg) {
			if (cmd[0] == 'c')
				r = dns_mx_cached(resolver(), arg);
			else
				r = dns_host_cached(resolver(), arg);
			if (r == NULL)
				printf("%s %s miss\n", cmd, arg);
			else
				print(cmd, arg, r);
			i++;
		} else if (strcmp(cmd, "free") == 0) {
			dns_free(dns);
			dns = NULL;
			pending = 0;
		} else if (strcmp(cmd, "held") == 0) {
			for (c = 0; c < nheld; c++) {
				print("held", held[c]->name, held[c]);
				dns_result_release(held[c]);
			}
			nheld = 0;
		} else {
			goto usage;
		}
		fflush(stdout);
	}
	dns_free(dns);
	ev_free(ev);
	return status;
usage:
	fprintf(stderr, "test_dns: bad command '%s'\n", argv[i]);
	return 1;
}
