/* smtpd_auth: AUTH PLAIN/LOGIN decoding and checkpassword (see smtpd_auth.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "fsio.h"
#include "smtpd_auth.h"
#include "smtpd_cmd.h"

int
smtpd_auth_plain(const char *b64, size_t n, struct buf *user, struct buf *pass)
{
	struct buf raw = BUF_INIT;
	const char *p, *nul1, *nul2;
	int r = -1;

	if (smtpd_cmd_base64_decode(b64, n, &raw) == -1 || raw.len == 0)
		goto out;
	p = raw.p;
	if ((nul1 = memchr(p, '\0', raw.len)) == NULL)
		goto out;
	if ((nul2 = memchr(nul1 + 1, '\0', raw.len - (size_t)(nul1 + 1 - p))) == NULL)
		goto out;
	if (buf_set(user, nul1 + 1, (size_t)(nul2 - nul1 - 1)) == -1 ||
	    buf_set(pass, nul2 + 1, raw.len - (size_t)(nul2 + 1 - p)) == -1)
		goto out;
	if (user->len == 0 || memchr(pass->p ? pass->p : "", '\0', pass->len))
		goto out;
	/* acting for another user (an authzid) is not supported */
	if (nul1 != p && ((size_t)(nul1 - p) != user->len || memcmp(p, user->p, user->len) != 0))
		goto out;
	r = 0;
out:
	if (raw.p)
		explicit_bzero(raw.p, raw.len);
	buf_free(&raw);
	return r;
}

int
smtpd_auth_check(char *const *argv, const char *user, size_t ulen, const char *pass, size_t plen)
{
	struct buf in = BUF_INIT;
	int p[2] = { -1, -1 }, status, null, r = -1;
	pid_t pid;

	if (ulen + plen + 24 > SMTPD_AUTH_MAX || memchr(user, '\0', ulen)) {
		err_set("user name or password too long");
		return 1;
	}
	if (buf_add(&in, user, ulen) == -1 || buf_addc(&in, '\0') == -1 ||
	    buf_add(&in, pass, plen) == -1 || buf_addc(&in, '\0') == -1 ||
	    buf_printf(&in, "<%ld@herald>", (long)time(NULL)) == -1 || buf_addc(&in, '\0') == -1) {
		err_set("out of memory");
		goto out;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		err_sys("cannot make a pipe");
		goto out;
	}
	if ((pid = fork()) == -1) {
		err_sys("cannot fork");
		goto out;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		/* the pipe may already be descriptor 3: then only clear close-on-exec */
		if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 || dup2(null, 0) == -1 ||
		    dup2(null, 1) == -1 ||
		    (p[0] == 3 ? fcntl(3, F_SETFD, 0) : dup2(p[0], 3)) == -1)
			_exit(111);
		alarm(SMTPD_AUTH_TIME);
		execv(argv[0], argv);
		_exit(111);
	}
	close(p[0]);
	p[0] = -1;
	/* the data fits in a pipe buffer: this write never blocks */
	if (fsio_write_all(p[1], in.p, in.len) == -1 && errno != EPIPE)
		err_sys("cannot write to %s", argv[0]);
	close(p[1]);
	p[1] = -1;
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			err_sys("cannot wait for %s", argv[0]);
			goto out;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		r = 0;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		r = 1;
	else if (WIFSIGNALED(status))
		err_set("%s killed by signal %d", argv[0], WTERMSIG(status));
	else
		err_set("%s exited %d", argv[0], WEXITSTATUS(status));
out:
	if (in.p)
		explicit_bzero(in.p, in.len);
	buf_free(&in);
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	return r;
}
