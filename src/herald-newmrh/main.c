/* herald-newmrh: compiles HOME/control/morercpthosts into
 * HOME/control/morercpthosts.db for herald-smtpd (herald-newmrh(8));
 * src/smtpd does the work. The old database stays in place unless the
 * whole file is good. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

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
	int fd;

	(void)argv;
	log_init("herald-newmrh");
	if (argc != 1)
		log_fatal(100, "usage: herald-newmrh");
	if (home_path(&src, "control/morercpthosts") == -1 ||
	    home_path(&db, "control/morercpthosts.db") == -1)
		log_fatal(111, "out of memory");
	if ((fd = open(src.p, O_RDONLY | O_CLOEXEC)) == -1)
		log_fatal(111, "cannot open %s: %s", src.p, errno == ENOENT ?
		    "no such file" : strerror(errno));
	if (fsio_read_all(fd, &text, NEWMRH_MAX) == -1)
		log_fatal(111, "cannot read %s: %s", src.p, strerror(errno));
	close(fd);
	if (smtpd_relay_compile(text.p ? text.p : "", text.len, "control/morercpthosts", db.p) == -1)
		log_fatal(111, "%s", err_str());
	buf_free(&src);
	buf_free(&db);
	buf_free(&text);
	return 0;
}
