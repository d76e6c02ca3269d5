/* tcpd_worker: receiving connections from herald-tcpd in worker mode (see
 * tcpd_worker.h). Invariant: tcpd_worker_next either hands over exactly
 * one open descriptor or leaves none open, whatever the message carried. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "tcpd_worker.h"

/* Descriptors one message may carry before it is cut (MSG_CTRUNC). */
#define TCPD_WORKER_MAXFDS 8

bool
tcpd_worker_mode(void)
{
	const char *v = getenv(TCPD_WORKER_ENV);

	return v != NULL && strcmp(v, "1") == 0;
}

/* True if the n bytes at p are "NAME=VALUE\0" entries with non-empty names. */
static bool
tcpd_worker_env_ok(const char *p, size_t n)
{
	const char *end = p + n, *nul, *eq;

	if (n > 0 && p[n - 1] != '\0')
		return false;
	for (; p < end; p = nul + 1) {
		nul = memchr(p, '\0', (size_t)(end - p));
		eq = memchr(p, '=', (size_t)(nul - p));
		if (eq == NULL || eq == p)
			return false;
	}
	return true;
}

int
tcpd_worker_next(int sock, struct buf *env, int *fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(TCPD_WORKER_MAXFDS * sizeof(int))];
	} ctl;
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *cm;
	int fds[TCPD_WORKER_MAXFDS];
	size_t nfds = 0, i, k;
	ssize_t n;

	*fd = -1;
	buf_reset(env);
	if (buf_reserve(env, TCPD_WORKER_ENV_MAX + 1) == -1) {
		err_set("out of memory");
		return -1;
	}
	iov.iov_base = env->p;
	iov.iov_len = TCPD_WORKER_ENV_MAX + 1;  /* one more, to see an oversized block */
	memset(&m, 0, sizeof m);
	memset(&ctl, 0, sizeof ctl);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.b;
	m.msg_controllen = sizeof ctl.b;
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	/* herald-tcpd closed its end before reading our last "done": it is gone */
	if (n == -1 && errno == ECONNRESET)
		return 0;
	if (n == -1) {
		err_sys("cannot receive a connection from herald-tcpd");
		return -1;
	}
	for (cm = CMSG_FIRSTHDR(&m); cm != NULL; cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k && nfds < TCPD_WORKER_MAXFDS; i++)
			memcpy(&fds[nfds++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
	}
	if (n == 0 && nfds == 0)
		return 0;
	if (m.msg_flags & MSG_CTRUNC)
		err_set("herald-tcpd message: descriptors cut off (MSG_CTRUNC)");
	else if ((m.msg_flags & MSG_TRUNC) || (size_t)n > TCPD_WORKER_ENV_MAX)
		err_set("herald-tcpd message: environment block over %d bytes",
		    TCPD_WORKER_ENV_MAX);
	else if (nfds != 1)
		err_set("herald-tcpd message: %zu descriptors instead of one", nfds);
	else if (!tcpd_worker_env_ok(env->p, (size_t)n))
		err_set("herald-tcpd message: malformed environment block");
	else if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) == -1)
		err_sys("herald-tcpd message: cannot set close-on-exec");
	else {
		env->len = (size_t)n;
		env->p[n] = '\0';
		*fd = fds[0];
		return 1;
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	env->p[0] = '\0';
	return -1;
}

int
tcpd_worker_done(int sock)
{
	static const char done = TCPD_WORKER_DONE;
	ssize_t n;

	do
		n = send(sock, &done, 1, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n != 1) {
		err_sys("cannot report to herald-tcpd");
		return -1;
	}
	return 0;
}

const char *
tcpd_worker_env_get(const struct buf *env, const char *name)
{
	const char *p, *end, *found = NULL;
	size_t n = strlen(name);

	if (env->p == NULL)
		return NULL;
	for (p = env->p, end = env->p + env->len; p < end; p += strlen(p) + 1)
		if (strncmp(p, name, n) == 0 && p[n] == '=')
			found = p + n + 1;
	return found;
}

/* saved holds one record per variable set: the entry it replaced (or
 * NULL), then the name and a NUL, so that undoing needs no memory. */
int
tcpd_worker_env_set(const struct buf *env, struct buf *saved)
{
	char *p, *end, *eq, *old;
	size_t n, mark;

	buf_reset(saved);
	if (env->p == NULL)
		return 0;
	for (p = env->p, end = env->p + env->len; p < end; p += strlen(p) + 1) {
		if ((eq = strchr(p, '=')) == NULL || eq == p)
			continue;       /* not NAME=VALUE: tcpd_worker_next lets none through */
		n = (size_t)(eq - p);
		mark = saved->len;
		old = NULL;
		if (buf_add(saved, &old, sizeof old) == -1 || buf_add(saved, p, n) == -1 ||
		    buf_addc(saved, '\0') == -1) {
			if (saved->p != NULL) {
				saved->len = mark;
				saved->p[mark] = '\0';
			}
			err_set("out of memory");
			goto fail;
		}
		/* getenv's value follows "NAME=" in the entry it points into */
		if ((old = getenv(saved->p + mark + sizeof old)) != NULL)
			old -= n + 1;
		memcpy(saved->p + mark, &old, sizeof old);
		if (putenv(p) != 0) {
			saved->len = mark;
			saved->p[mark] = '\0';
			err_sys("putenv");
			goto fail;
		}
	}
	return 0;
fail:
	tcpd_worker_env_restore(env, saved);
	return -1;
}

void
tcpd_worker_env_restore(const struct buf *env, struct buf *saved)
{
	const char *end = env->p ? env->p + env->len : NULL;
	char *old, *name;
	size_t i;

	for (i = 0; i < saved->len; i += sizeof old + strlen(name) + 1) {
		memcpy(&old, saved->p + i, sizeof old);
		name = saved->p + i + sizeof old;
		/* a name repeated in the block: its first entry restores it */
		if (old != NULL && old >= env->p && old < end)
			continue;
		if (old != NULL)
			putenv(old);
		else
			unsetenv(name);
	}
	buf_reset(saved);
}
