/* home: instance directory lookup (see home.h). */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "home.h"

static char *home_cached;

/* DIR for a binary installed as DIR/bin/PROGRAM, or NULL. */
static char *
home_from_exe(void)
{
	char path[PATH_MAX];
	ssize_t n;
	char *slash;
	int i;

	n = readlink("/proc/self/exe", path, sizeof path - 1);
	if (n <= 0)
		return NULL;
	path[n] = '\0';
	for (i = 0; i < 2; i++) {
		if ((slash = strrchr(path, '/')) == NULL || slash == path)
			return NULL;
		*slash = '\0';
	}
	return strdup(path);
}

const char *
home_dir(void)
{
	const char *env;

	if (home_cached)
		return home_cached;
	if (getuid() != geteuid() || getgid() != getegid()) {
		home_cached = home_from_exe();
		if (home_cached)
			return home_cached;
	} else if ((env = getenv("HERALD_HOME")) != NULL && *env) {
		home_cached = strdup(env);
		if (home_cached)
			return home_cached;
	}
	return HERALD_DEFAULT_HOME;
}

void
home_set(const char *dir)
{
	free(home_cached);
	home_cached = strdup(dir);
}

int
home_path(struct buf *out, const char *rel)
{
	buf_reset(out);
	if (buf_adds(out, home_dir()) == -1 || buf_addc(out, '/') == -1 ||
	    buf_adds(out, rel) == -1)
		return -1;
	return 0;
}
