/* herald-local: one local delivery with qmail-local's interface and
 * semantics (herald-local(8)); src/local does the work. */
#include "config.h"

#include "local_main.h"

int
main(int argc, char **argv)
{
	return local_main(argc, argv);
}
