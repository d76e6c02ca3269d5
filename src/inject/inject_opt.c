/* inject_opt: command-line parsing for herald-inject and sendmail (see inject_opt.h).
 * Options stop at the first argument that does not start with '-', at a
 * lone "-" and after "--"; the rest are recipients. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "err.h"
#include "inject_opt.h"

/* The value of option letter c at argv[*i][j]: the rest of the argument or the next one. */
static const char *
inject_opt_value(int argc, char **argv, int *i, size_t j, char c)
{
	const char *v = argv[*i] + j + 1;

	if (*v)
		return v;
	if (*i + 1 >= argc) {
		err_set("option -%c needs a value", c);
		return NULL;
	}
	return argv[++*i];
}

static void
inject_opt_rest(struct inject_opts *o, int argc, char **argv, int i)
{
	o->args = argv + i;
	o->nargs = (size_t)(argc - i);
}

int
inject_opt_inject(struct inject_opts *o, int argc, char **argv)
{
	const char *v;
	int i;
	size_t j;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		for (j = 1; a[j]; j++) {
			switch (a[j]) {
			case 'n': o->print = true; continue;
			case 'a': o->mode = INJECT_RCPT_ARGS; continue;
			case 'h': o->mode = INJECT_RCPT_HEADER; continue;
			case 'A': o->mode = INJECT_RCPT_DEFAULT; continue;
			case 'H': o->mode = INJECT_RCPT_BOTH; continue;
			case 'f':
			case 'F':
				if ((v = inject_opt_value(argc, argv, &i, j, a[j])) == NULL)
					return -1;
				if (a[j] == 'f')
					o->sender = v;
				else
					o->fullname = v;
				break;
			default:
				err_set("unknown option -%c (usage: herald-inject [-nahAH] "
				    "[-f sender] [-F name] [recipient ...])", a[j]);
				return -1;
			}
			break;
		}
	}
	inject_opt_rest(o, argc, argv, i);
	return 0;
}

/* sendmail's -bX. */
static int
inject_opt_mode(const char *v, enum inject_opt_action *act)
{
	switch (v[0]) {
	case 'm':
		*act = INJECT_OPT_SEND;
		return 0;
	case 'p':
		*act = INJECT_OPT_QREAD;
		return 0;
	case 'i':
		*act = INJECT_OPT_NOOP;
		return 0;
	case 's':
		err_set("-bs (SMTP on standard input) is not supported yet; "
		    "send the message on standard input instead");
		return -1;
	case 'd':
	case 'D':
		err_set("-b%c (daemon mode) is not supported: herald-start runs herald", v[0]);
		return -1;
	default:
		err_set("-b%s is not supported", v);
		return -1;
	}
}

/* sendmail's -O option=value: only IgnoreDots matters. */
static void
inject_opt_long(struct inject_opts *o, const char *v)
{
	const char *eq = strchr(v, '=');
	size_t n = eq ? (size_t)(eq - v) : strlen(v);

	if (n == 10 && strncasecmp(v, "IgnoreDots", 10) == 0)
		o->dot = !(eq == NULL || strchr("tTyY", eq[1]) != NULL);
}

int
inject_opt_sendmail(struct inject_opts *o, int argc, char **argv, enum inject_opt_action *act)
{
	const char *v, *base;
	int i;
	size_t j;

	*act = INJECT_OPT_SEND;
	o->mode = INJECT_RCPT_ARGS;
	o->dot = true;
	base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	base = base ? base + 1 : argc > 0 ? argv[0] : "sendmail";
	if (strcmp(base, "mailq") == 0)
		*act = INJECT_OPT_QREAD;
	else if (strcmp(base, "newaliases") == 0)
		*act = INJECT_OPT_NOOP;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		for (j = 1; a[j]; j++) {
			char c = a[j];

			if (strchr("ABCFNORVXLbefhopr", c) == NULL) {
				if (c == 't')
					o->mode = INJECT_RCPT_BOTH;
				else if (c == 'i')
					o->dot = false;
				else if (c == 'I')
					*act = INJECT_OPT_NOOP;
				else if (c == 'q' || c == 'd') {
					/* -q[time], -d[flags]: only an attached value */
					if (c == 'q')
						*act = INJECT_OPT_NOOP;
					break;
				}
				continue;               /* -v, -m, -n, -U, -G, ... ignored */
			}
			if ((v = inject_opt_value(argc, argv, &i, j, c)) == NULL)
				return -1;
			if (c == 'f' || c == 'r')
				o->sender = v;
			else if (c == 'F')
				o->fullname = v;
			else if (c == 'o' && strcmp(v, "i") == 0)
				o->dot = false;
			else if (c == 'O')
				inject_opt_long(o, v);
			else if (c == 'b' && inject_opt_mode(v, act) == -1)
				return -1;
			break;
		}
	}
	inject_opt_rest(o, argc, argv, i);
	return 0;
}
