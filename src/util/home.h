/* home: how every herald program finds its instance directory.
 * HERALD_HOME in the environment, else the compiled default
 * (configure --with-home). A program running set-uid or set-gid ignores the
 * environment and takes the instance that contains its own binary
 * (DIR/bin/PROGRAM), so a caller cannot point it at another directory. */
#ifndef HERALD_HOME_H
#define HERALD_HOME_H

#include "buf.h"

/* The instance directory (never NULL). */
const char *home_dir(void);
/* Override the instance directory (tests and command-line options). */
void home_set(const char *dir);
/* Set out to HOME/rel. */
int home_path(struct buf *out, const char *rel);

#endif
