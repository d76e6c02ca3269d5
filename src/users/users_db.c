/* users_db: Berkeley DB hash files: reading (users/assign.db,
 * control/morercpthosts.db) and building them (see users_db.h). */
#include "config.h"

#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <unistd.h>

#include "err.h"
#include "fsio.h"
#include "users_db.h"

int
users_db_init(struct users_db *d, const char *path)
{
	memset(d, 0, sizeof *d);
	if ((d->path = strdup(path)) == NULL) {
		err_set("out of memory");
		return -1;
	}
	return 0;
}

static void
users_db_close(struct users_db *d)
{
	if (d->db != NULL)
		d->db->close(d->db, 0);
	d->db = NULL;
}

/* Berkeley DB's own messages are not printed: library code never prints. */
static void
users_db_dberr(const DB_ENV *env, const char *pfx, const char *msg)
{
	(void)env;
	(void)pfx;
	(void)msg;
}

static bool
users_db_same(const struct users_db *d, const struct stat *st)
{
	return d->db != NULL && st->st_dev == d->dev && st->st_ino == d->ino &&
	    st->st_size == d->size && st->st_mtim.tv_sec == d->mtime.tv_sec &&
	    st->st_mtim.tv_nsec == d->mtime.tv_nsec;
}

int
users_db_refresh(struct users_db *d)
{
	struct stat st;
	DB *db = NULL;
	int ret, fd;

	if (stat(d->path, &st) == -1) {
		users_db_close(d);
		if (errno == ENOENT)
			return 0;
		err_sys("cannot stat %s", d->path);
		return -1;
	}
	if (users_db_same(d, &st))
		return 0;
	users_db_close(d);
	if ((ret = db_create(&db, NULL, 0)) != 0) {
		err_set("cannot create a database handle: %s", db_strerror(ret));
		return -1;
	}
	db->set_errcall(db, users_db_dberr);
	if ((ret = db->open(db, NULL, d->path, NULL, DB_HASH, DB_RDONLY, 0)) != 0) {
		err_set("cannot open %s: %s", d->path, ret == ENOENT ? "it went away" :
		    db_strerror(ret));
		db->close(db, 0);
		return -1;
	}
	if ((ret = db->fd(db, &fd)) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    fstat(fd, &st) == -1) {
		err_set("cannot use %s: %s", d->path, ret ? db_strerror(ret) : strerror(errno));
		db->close(db, 0);
		return -1;
	}
	d->db = db;
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	d->size = st.st_size;
	d->mtime = st.st_mtim;
	return 0;
}

int
users_db_get(struct users_db *d, const void *key, size_t n, struct buf *val)
{
	DBT k, v;
	int ret;

	if (d->db == NULL)
		return 0;
	memset(&k, 0, sizeof k);
	memset(&v, 0, sizeof v);
	k.data = (void *)key;
	k.size = (u_int32_t)n;
	ret = d->db->get(d->db, NULL, &k, &v, 0);
	if (ret == DB_NOTFOUND)
		return 0;
	if (ret != 0) {
		err_set("cannot read %s: %s", d->path, db_strerror(ret));
		return -1;
	}
	if (buf_set(val, v.data, v.size) == -1) {
		err_set("out of memory");
		return -1;
	}
	return 1;
}

void
users_db_free(struct users_db *d)
{
	users_db_close(d);
	free(d->path);
	d->path = NULL;
}

int
users_db_put(struct __db *db, const void *key, size_t klen, const void *val, size_t vlen)
{
	DBT k, v;
	int ret;

	memset(&k, 0, sizeof k);
	memset(&v, 0, sizeof v);
	k.data = (void *)key;
	k.size = (u_int32_t)klen;
	v.data = (void *)val;
	v.size = (u_int32_t)vlen;
	ret = db->put(db, NULL, &k, &v, DB_NOOVERWRITE);
	if (ret == DB_KEYEXIST)
		return 1;
	if (ret != 0) {
		err_set("cannot write the database: %s", db_strerror(ret));
		return -1;
	}
	return 0;
}

/* fsync the file at path (Berkeley DB's close writes but does not sync). */
static int
users_db_sync(const char *path)
{
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int
users_db_build(const char *dbpath, users_db_fill_fn *fill, void *arg)
{
	struct buf tmp = BUF_INIT, dir = BUF_INIT;
	DB *db = NULL;
	char *slash;
	int ret, r = -1;

	if (buf_printf(&tmp, "%s.tmp", dbpath) == -1 || buf_sets(&dir, dbpath) == -1) {
		err_set("out of memory");
		goto out;
	}
	if ((slash = strrchr(dir.p, '/')) != NULL)
		*slash = '\0';
	else
		buf_sets(&dir, ".");
	if (unlink(tmp.p) == -1 && errno != ENOENT) {
		err_sys("cannot remove %s", tmp.p);
		goto out;
	}
	if ((ret = db_create(&db, NULL, 0)) != 0) {
		err_set("cannot create a database handle: %s", db_strerror(ret));
		goto out;
	}
	db->set_errcall(db, users_db_dberr);
	if ((ret = db->open(db, NULL, tmp.p, NULL, DB_HASH, DB_CREATE | DB_EXCL, 0644)) != 0) {
		err_set("cannot create %s: %s", tmp.p, db_strerror(ret));
		goto out;
	}
	if (fill(arg, db) == -1)
		goto out;
	ret = db->close(db, 0);
	db = NULL;
	if (ret != 0) {
		err_set("cannot write %s: %s", tmp.p, db_strerror(ret));
		goto out;
	}
	if (users_db_sync(tmp.p) == -1) {
		err_sys("cannot fsync %s", tmp.p);
		goto out;
	}
	if (rename(tmp.p, dbpath) == -1) {
		err_sys("cannot rename %s to %s", tmp.p, dbpath);
		goto out;
	}
	if (fsio_fsync_dir(dir.p) == -1) {
		err_sys("cannot fsync %s", dir.p);
		goto out;
	}
	r = 0;
out:
	if (db != NULL)
		db->close(db, 0);
	if (r == -1 && tmp.p != NULL)
		unlink(tmp.p);
	buf_free(&tmp);
	buf_free(&dir);
	return r;
}
