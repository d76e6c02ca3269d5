/* setup: instance creation (see setup.h and herald-setup(8)). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fsio.h"
#include "queue_id.h"
#include "setup.h"

static const char *const role_names[SETUP_NROLES] = {
	"alias", "heraldd", "heraldl", "heraldq", "heraldr", "heralds",
};

const char *
setup_role_name(enum setup_role r)
{
	return role_names[r];
}

/* Run a command (no shell) and wait for it. */
static int
run(char *const argv[])
{
	pid_t pid;
	int st;

	if ((pid = fork()) == -1) {
		err_sys("fork");
		return -1;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		err_set("%s failed", argv[0]);
		return -1;
	}
	return 0;
}

int
setup_users(struct setup *s)
{
	struct buf home = BUF_INIT;
	struct passwd *pw;
	struct group *gr;
	int i, r = -1;

	if ((gr = getgrnam(SETUP_GROUP)) == NULL) {
		char *argv[] = { "groupadd", "--system", SETUP_GROUP, NULL };

		if (run(argv) == -1 || (gr = getgrnam(SETUP_GROUP)) == NULL) {
			err_set("cannot create group %s", SETUP_GROUP);
			goto out;
		}
	}
	s->gid = gr->gr_gid;
	for (i = 0; i < SETUP_NROLES; i++) {
		if ((pw = getpwnam(role_names[i])) == NULL) {
			buf_reset(&home);
			if (buf_printf(&home, "%s%s", s->dir, i == SETUP_ALIAS ? "/alias" : "") == -1)
				goto out;
			{
				char *argv[] = { "useradd", "--system", "--no-create-home",
					"--gid", SETUP_GROUP, "--home-dir", home.p,
					"--shell", "/usr/sbin/nologin", (char *)role_names[i], NULL };

				if (run(argv) == -1 || (pw = getpwnam(role_names[i])) == NULL) {
					err_set("cannot create user %s", role_names[i]);
					goto out;
				}
			}
		}
		s->uid[i] = pw->pw_uid;
	}
	r = 0;
out:
	buf_free(&home);
	return r;
}

/* mkdir -p-like creation of one directory with exact owner and mode. */
static int
mkdir_own(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
	if (fsio_mkdir(path, 0700) == -1) {
		err_sys("cannot create %s", path);
		return -1;
	}
	if (chown(path, uid, gid) == -1 || chmod(path, mode) == -1) {
		err_sys("cannot set owner or mode of %s", path);
		return -1;
	}
	return 0;
}

static int
sub(struct buf *b, const char *dir, const char *rel)
{
	buf_reset(b);
	if (buf_printf(b, "%s/%s", dir, rel) == -1) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

/* Write control/NAME with text unless it exists. */
static int
control_default(const char *dir, const char *name, const char *text)
{
	struct buf path = BUF_INIT;
	int fd, r = -1;

	if (buf_printf(&path, "%s/control/%s", dir, name) == -1)
		goto out;
	fd = open(path.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd == -1) {
		if (errno == EEXIST)
			r = 0;
		else
			err_sys("cannot create %s", path.p);
		goto out;
	}
	if (fsio_write_all(fd, text, strlen(text)) == -1 || fsync(fd) == -1) {
		err_sys("cannot write %s", path.p);
		close(fd);
		goto out;
	}
	close(fd);
	r = 0;
out:
	buf_free(&path);
	return r;
}

static int
install_queue(struct setup *s, const char *bin)
{
	struct buf dst = BUF_INIT, tmp = BUF_INIT, data = BUF_INIT;
	int in = -1, out = -1, r = -1;

	if (sub(&dst, bin, "herald-queue") == -1 || sub(&tmp, bin, ".herald-queue.new") == -1)
		goto out;
	if ((in = open(s->queue_prog, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fsio_read_all(in, &data, 64 * 1024 * 1024) == -1) {
		err_sys("cannot read %s", s->queue_prog);
		goto out;
	}
	unlink(tmp.p);
	if ((out = open(tmp.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700)) == -1 ||
	    fsio_write_all(out, data.p, data.len) == -1 || fsync(out) == -1) {
		err_sys("cannot write %s", tmp.p);
		goto out;
	}
	if (fchown(out, s->uid[SETUP_QUEUE], s->gid) == -1 || fchmod(out, 04711) == -1 ||
	    rename(tmp.p, dst.p) == -1) {
		err_sys("cannot install %s", dst.p);
		goto out;
	}
	r = 0;
out:
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	buf_free(&dst);
	buf_free(&tmp);
	buf_free(&data);
	return r;
}

int
setup_instance(struct setup *s)
{
	struct buf p = BUF_INIT, q = BUF_INIT, text = BUF_INIT;
	uid_t root = s->single ? getuid() : 0;
	uid_t quid = s->single ? getuid() : s->uid[SETUP_QUEUE];
	uid_t auid = s->single ? getuid() : s->uid[SETUP_ALIAS];
	gid_t gid = s->single ? getgid() : s->gid;
	gid_t rgid = s->single ? getgid() : 0;
	char host[256];
	unsigned i;
	int r = -1;

	if (fsio_mkdir_parents(s->dir) == -1) {
		err_sys("cannot create the parent directories of %s", s->dir);
		goto out;
	}
	if (mkdir_own(s->dir, root, rgid, 0755) == -1)
		goto out;
	{
		static const char *const plain[] = { "control", "users", "lists", "bin" };

		for (i = 0; i < sizeof plain / sizeof *plain; i++)
			if (sub(&p, s->dir, plain[i]) == -1 || mkdir_own(p.p, root, rgid, 0755) == -1)
				goto out;
	}
	if (sub(&p, s->dir, "alias") == -1 || mkdir_own(p.p, auid, gid, 02755) == -1)
		goto out;
	if (sub(&p, s->dir, "log") == -1 ||
	    mkdir_own(p.p, s->single ? root : s->uid[SETUP_LOG], gid, 0750) == -1)
		goto out;
	if (sub(&p, s->dir, "remote") == -1 ||
	    mkdir_own(p.p, s->single ? root : s->uid[SETUP_REMOTE], gid, 0700) == -1)
		goto out;
	if (sub(&q, s->dir, "queue") == -1 || mkdir_own(q.p, quid, gid, 0750) == -1)
		goto out;
	if (sub(&p, q.p, "tmp") == -1 || mkdir_own(p.p, quid, gid, 02700) == -1)
		goto out;
	if (sub(&p, q.p, "mess") == -1 || mkdir_own(p.p, quid, gid, 02770) == -1)
		goto out;
	for (i = 0; i < QUEUE_SPLIT; i++) {
		buf_reset(&p);
		if (buf_printf(&p, "%s/mess/%02x", q.p, i) == -1 ||
		    mkdir_own(p.p, quid, gid, 02770) == -1)
			goto out;
	}
	if (sub(&p, q.p, "lock") == -1 || mkdir_own(p.p, quid, gid, 0750) == -1)
		goto out;
	if (sub(&p, q.p, "bounce") == -1 || mkdir_own(p.p, quid, gid, 02770) == -1)
		goto out;
	if (sub(&p, q.p, "spare") == -1 || mkdir_own(p.p, quid, gid, 02770) == -1)
		goto out;
	if (sub(&p, q.p, "lock/trigger") == -1)
		goto out;
	if (mkfifo(p.p, 0600) == -1 && errno != EEXIST) {
		err_sys("cannot create %s", p.p);
		goto out;
	}
	if (chown(p.p, s->single ? root : s->uid[SETUP_SEND], gid) == -1 ||
	    chmod(p.p, 0622) == -1) {
		err_sys("cannot set owner or mode of %s", p.p);
		goto out;
	}
	if (s->me == NULL) {
		if (gethostname(host, sizeof host) == -1)
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		s->me = host;
	}
	if (buf_printf(&text, "%s\n", s->me) == -1 || control_default(s->dir, "me", text.p) == -1)
		goto out;
	buf_reset(&text);
	if (buf_printf(&text, "%s\nlocalhost\n", s->me) == -1 ||
	    control_default(s->dir, "locals", text.p) == -1)
		goto out;
	if (!s->single) {
		if (sub(&p, s->dir, "bin") == -1 || install_queue(s, p.p) == -1)
			goto out;
	}
	{
		static const char *const synced[] = { "control", "queue/mess", "queue/lock",
			"queue/bounce", "queue/spare", "queue/tmp", "queue", "." };

		for (i = 0; i < sizeof synced / sizeof *synced; i++)
			if (sub(&p, s->dir, synced[i]) == -1 || fsio_fsync_dir(p.p) == -1) {
				err_sys("cannot fsync %s", p.p);
				goto out;
			}
	}
	r = 0;
out:
	buf_free(&p);
	buf_free(&q);
	buf_free(&text);
	return r;
}
