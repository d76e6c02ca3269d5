/* herald-newmrh: compiles HOME/control/morercpthosts into
 * HOME/control/morercpthosts.db for herald-smtpd (herald-newmrh(8));
 * src/smtpd does the work. The old database stays in place unless the
 * whole file is good. */
#include "config.h"


#include "buf.h"
#include "err.h"
#include "fsio.h"
#include "home.h"
#include "log.h"
#include "smtpd_relay.h"

/* The largest control/morercpthosts read. */
#define NEWMRH_MAX (256 * 1024 * 1024)

int
main(int argc, char **argv)
{
	struct buf src = BUF_INIT, db = BUF_INIT, text = BUF_INIT;
	(void)argv;
	log_init("herald-newmrh");
	if (argc != 1)
		log_fatal(100, "usage: herald-newmrh");
	if (home_path(&src, "control/morercpthosts") == -1 ||
	    home_path(&db, "control/morercpthosts.db") == -1)
		log_fatal(111, "out of memory");
	switch (fsio_read_file(src.p, NULL, &text, NEWMRH_MAX)) {
	case 0:
		log_fatal(111, "%s: cannot open: no such file", src.p);
	case -1:
		log_fatal(111, "%s", err_str());
	}
	if (smtpd_relay_compile(text.p ? text.p : "", text.len, "control/morercpthosts", db.p) == -1)
		log_fatal(111, "%s", err_str());
	buf_free(&src);
	buf_free(&db);
	buf_free(&text);
	return 0;
}
