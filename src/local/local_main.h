/* local_main: herald-local's command line (herald-local(8)): options, the
 * eight qmail-local arguments, one delivery, one result line on stdout.
 * herald-local's main() is this function; herald-lspawn calls it in a
 * forked child instead of executing herald-local, which saves an exec per
 * delivery. */
#ifndef HERALD_LOCAL_MAIN_H
#define HERALD_LOCAL_MAIN_H

/* Run one delivery as herald-local would; returns its exit code (0, 100, 111). */
int local_main(int argc, char **argv);

#endif
