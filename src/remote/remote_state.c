/* remote_state: the hosts that are down, kept in HOME/remote/hosts so
 * that a restart of herald-remote does not hammer them again at once.
 *
 * Format: one line per host that is down, four fields separated by one
 * space, the last one running to the end of the line:
 *   KEY UNTIL FAILS TEXT
 * KEY is "a.b.c.d:port" or "[ipv6]:port", UNTIL the end of its down time
 * in seconds since the epoch, FAILS its failures in a row, TEXT the last
 * failure. The file is written whole to hosts.tmp and renamed over hosts
 * about a second after a change (one write for a burst of changes); it is
 * not synced: losing it in a crash costs a few connection attempts.
 * Lines that do not parse, or whose time is over, are skipped on load. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "remote.h"

#define STATE_FILE "remote/hosts"
#define STATE_TMP "remote/hosts.tmp"
#define SAVE_DELAY_MS 1000

/* Parse "addr:port" / "[addr]:port" into sa and port. */
static int
parse_key(const char *key, struct sockaddr_storage *sa, unsigned *port)
{
	char addr[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(key, ':');
	size_t n;
	char *end;
	unsigned long p;

	if (colon == NULL || (n = (size_t)(colon - key)) == 0 || n >= sizeof addr)
		return -1;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || p == 0 || p > 65535)
		return -1;
	memset(sa, 0, sizeof *sa);
	if (key[0] == '[') {
		if (n < 3 || key[n - 1] != ']')
			return -1;
		memcpy(addr, key + 1, n - 2);
		addr[n - 2] = '\0';
		sa->ss_family = AF_INET6;
		if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)sa)->sin6_addr) != 1)
			return -1;
	} else {
		memcpy(addr, key, n);
		addr[n] = '\0';
		sa->ss_family = AF_INET;
		if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)sa)->sin_addr) != 1)
			return -1;
	}
	*port = (unsigned)p;
	return 0;
}

int
remote_state_load(struct remote *r)
{
	FILE *f = fopen(STATE_FILE, "r");
	char line[2048];
	time_t now = time(NULL);
	size_t n = 0;

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		err_sys("cannot open %s", STATE_FILE);
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		char key[80], *text;
		long long until;
		unsigned fails, port;
		struct sockaddr_storage sa;
		struct remote_host *h;
		int used = 0;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%63s %lld %u %n", key, &until, &fails, &used) != 3 || used == 0 ||
		    until <= now || parse_key(key, &sa, &port) == -1)
			continue;
		text = line + used;
		if ((h = remote_host_get(r, &sa, port, key)) == NULL) {
			fclose(f);
			err_set("out of memory");
			return -1;
		}
		h->down_until = ev_now(r->ev) + (int64_t)(until - now) * 1000;
		h->fails = fails;
		buf_sets(&h->why, text);
		n++;
	}
	fclose(f);
	if (n > 0)
		log_info("status: %zu hosts still down from before", n);
	return 0;
}

/* Write the file now. */
static void
save(struct remote *r)
{
	FILE *f = fopen(STATE_TMP, "w");
	int64_t now = ev_now(r->ev);
	time_t wall = time(NULL);
	size_t i;

	if (f == NULL) {
		log_warn("cannot write %s: %m", STATE_TMP);
		return;
	}
	for (i = 0; i < r->hosts.cap; i++) {
		struct remote_host *h = r->hosts.slots[i].key ? r->hosts.slots[i].ptr : NULL;

		if (h == NULL || h->down_until <= now)
			continue;
		fprintf(f, "%s %lld %u %s\n", h->key,
		    (long long)(wall + (h->down_until - now + 999) / 1000), h->fails,
		    h->why.p ? h->why.p : "");
	}
	if (fclose(f) != 0 || rename(STATE_TMP, STATE_FILE) == -1) {
		/* a full disk, say: the old file stays, the next change tries again */
		log_warn("cannot write %s: %m", STATE_FILE);
		unlink(STATE_TMP);
	}
}

static void
on_save(struct ev_timer *t)
{
	save(t->arg);
}

void
remote_state_changed(struct remote *r)
{
	if (!r->state_on || ev_timer_armed(&r->state_timer))
		return;
	ev_timer_at(r->ev, &r->state_timer, ev_now(r->ev) + SAVE_DELAY_MS, on_save, r);
}

void
remote_state_flush(struct remote *r)
{
	if (r->state_on && ev_timer_armed(&r->state_timer)) {
		ev_timer_stop(r->ev, &r->state_timer);
		save(r);
	}
}
