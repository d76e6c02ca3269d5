/* herald-newu: compiles HOME/users/assign into HOME/users/assign.db
 * (herald-newu(8), herald-users(5)); src/users does the work. The old
 * database stays in place unless the whole file is good. */
#include "config.h"


#include "buf.h"
#include "err.h"
#include "fsio.h"
#include "home.h"
#include "log.h"
#include "users_assign.h"

/* The largest users/assign read. */
#define NEWU_MAX (256 * 1024 * 1024)

int
main(int argc, char **argv)
{
	struct buf src = BUF_INIT, db = BUF_INIT, text = BUF_INIT;
	(void)argv;
	log_init("herald-newu");
	if (argc != 1)
		log_fatal(100, "usage: herald-newu");
	if (home_path(&src, "users/assign") == -1 || home_path(&db, "users/assign.db") == -1)
		log_fatal(111, "out of memory");
	switch (fsio_read_file(src.p, NULL, &text, NEWU_MAX)) {
	case 0:
		log_fatal(111, "%s: cannot open: no such file", src.p);
	case -1:
		log_fatal(111, "%s", err_str());
	}
	if (users_assign_compile(text.p ? text.p : "", text.len, "users/assign", db.p) == -1)
		log_fatal(111, "%s", err_str());
	buf_free(&src);
	buf_free(&db);
	buf_free(&text);
	return 0;
}
