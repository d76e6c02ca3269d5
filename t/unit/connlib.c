/* connlib: helpers for the conn unit tests (see connlib.h). */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "connlib.h"
#include "err.h"

unsigned char
pat(size_t i)
{
	return (unsigned char)(i * 131 + (i >> 13));
}

int
listen_on(const char *ip, struct sockaddr_storage *ss, socklen_t *len, int backlog)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	int fd;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		*len = sizeof *s4;
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
		*len = sizeof *s6;
	}
	if ((fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)ss, *len) < 0 ||
	    (backlog >= 0 && listen(fd, backlog) < 0) ||
	    getsockname(fd, (struct sockaddr *)ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void
fix_up(struct fix *f, const char *ip, int backlog, int (*child)(int fd))
{
	int fd;

	memset(f, 0, sizeof *f);
	f->pid = -1;
	f->ev = ev_new();
	ck_assert_ptr_nonnull(f->ev);
	f->lfd = listen_on(ip, &f->ss, &f->len, backlog);
	ck_assert_msg(f->lfd >= 0, "cannot bind to %s", ip);
	if (child == NULL)
		return;
	f->pid = fork();
	ck_assert_int_ge(f->pid, 0);
	if (f->pid == 0) {
		alarm(20);
		fd = accept(f->lfd, NULL, NULL);
		_exit(fd < 0 ? 99 : child(fd));
	}
	close(f->lfd);
	f->lfd = -1;
}

void
fix_down(struct fix *f)
{
	if (f->pid > 0)
		ck_assert_int_eq(reap(f->pid), 0);
	if (f->lfd >= 0)
		close(f->lfd);
	ck_assert_uint_eq(ev_count(f->ev), 0);
	ev_free(f->ev);
}

int
reap(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t k;

	while (n > 0) {
		if ((k = write(fd, s, n)) <= 0)
			return -1;
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

int
read_line(int fd, char *line, size_t size)
{
	size_t n = 0;

	while (n + 1 < size && read(fd, line + n, 1) == 1)
		if (line[n++] == '\n')
			break;
	line[n] = '\0';
	return n > 0 ? (int)n : -1;
}

int
child_bye(int fd)
{
	char b[512];

	write_all(fd, "bye\r\n", 5);
	shutdown(fd, SHUT_WR);
	while (read(fd, b, sizeof b) > 0)
		;
	return 0;
}

int
child_silent(int fd)
{
	char b[512];

	while (read(fd, b, sizeof b) > 0)
		;
	return 0;
}

void
rec_init(struct rec *r)
{
	memset(r, 0, sizeof *r);
	r->free_on = -1;
}

void
rec_cb(struct conn *c, enum conn_event e, void *arg)
{
	struct rec *r = arg;

	ck_assert_ptr_eq(c, r->c);
	r->n[e]++;
	if (r->norder < 16)
		r->order[r->norder++] = e;
	switch (e) {
	case CONN_READ:
		ck_assert_uint_le(conn_avail(c), CONN_INBUF);
		buf_add(&r->in, conn_peek(c), conn_avail(c));
		conn_consume(c, conn_avail(c));
		break;
	case CONN_FAILED:
	case CONN_ERROR:
		snprintf(r->err, sizeof r->err, "%s", conn_error(c));
		r->errnum = conn_errno(c);
		r->done = true;
		break;
	case CONN_EOF:
	case CONN_TIMEOUT:
		r->done = true;
		break;
	default:
		break;
	}
	if ((int)e == r->free_on) {
		conn_free(c);
		conn_free(r->also);
		r->c = NULL;
		r->done = true;
	}
}

struct conn *
dial(struct fix *f, int ms, conn_cb *cb, void *arg)
{
	struct conn *c = conn_connect(f->ev, (struct sockaddr *)&f->ss, f->len, NULL, 0,
	    ev_now_update(f->ev) + ms, cb, arg);

	ck_assert_msg(c != NULL, "conn_connect: %s", err_str());
	return c;
}

long
spin(struct ev *ev, const bool *done, int ms)
{
	int64_t end = ev_now_update(ev) + ms;
	long n = 0;
	int r;

	while (!*done && ev_now_update(ev) < end) {
		r = ev_run_once(ev, (int)(end - ev_now(ev)));
		ck_assert_int_ge(r, 0);
		n += r;
	}
	return n;
}
