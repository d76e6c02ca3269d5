/* fsio: descriptor and directory helpers (see fsio.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fsio.h"

int
fsio_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
fsio_pwrite_all(int fd, const void *p, size_t n, off_t off)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = pwrite(fd, c, n, off);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

ssize_t
fsio_read_full(int fd, void *p, size_t n)
{
	char *c = p;
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, c + got, n - got);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

ssize_t
fsio_pread_full(int fd, void *p, size_t n, off_t off)
{
	char *c = p;
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = pread(fd, c + got, n - got, off + (off_t)got);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int
fsio_read_all(int fd, struct buf *out, size_t max)
{
	ssize_t r;

	for (;;) {
		if (out->len >= max) {
			errno = EFBIG;
			return -1;
		}
		if (buf_reserve(out, 8192) == -1) {
			errno = ENOMEM;
			return -1;
		}
		r = read(fd, out->p + out->len, out->cap - out->len - 1);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return 0;
		out->len += (size_t)r;
		out->p[out->len] = '\0';
	}
}

int
fsio_read_file(const char *path, const char *what, struct buf *out, size_t max)
{
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		err_sys("%s: cannot open", what ? what : path);
		return -1;
	}
	r = fsio_read_all(fd, out, max);
	if (r == -1)
		err_sys("%s: cannot read", what ? what : path);
	close(fd);
	return r == -1 ? -1 : 1;
}

int
fsio_fsync_dir(const char *path)
{
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int
fsio_mkdir_parents(const char *path)
{
	struct buf b = BUF_INIT;
	size_t i;
	int r = -1;

	if (buf_sets(&b, path) == -1) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 1; i < b.len; i++) {
		if (b.p[i] != '/')
			continue;
		b.p[i] = '\0';
		if (fsio_mkdir(b.p, 0755) == -1)
			goto out;
		b.p[i] = '/';
	}
	r = 0;
out:
	buf_free(&b);
	return r;
}

int
fsio_mkdir(const char *path, int mode)
{
	if (mkdir(path, (mode_t)mode) == -1 && errno != EEXIST)
		return -1;
	return 0;
}
