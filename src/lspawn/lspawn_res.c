/* lspawn_res: delivery results (see lspawn_res.h). */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "err.h"
#include "lspawn_req.h"
#include "lspawn_res.h"

/* Scan a run of digits backwards from s[i - 1]; returns the new i, or (size_t)-1. */
static size_t
lspawn_res_digits(const char *s, size_t i)
{
	size_t j = i;

	while (j > 0 && s[j - 1] >= '0' && s[j - 1] <= '9' && i - j < 3)
		j--;
	return j == i ? (size_t)-1 : j;
}

size_t
lspawn_res_code(const char *s, size_t n)
{
	size_t i = n;
	int part;

	if (i == 0 || s[--i] != ')')
		return 0;
	for (part = 0; part < 3; part++) {
		if ((i = lspawn_res_digits(s, i)) == (size_t)-1)
			return 0;
		if (part < 2) {
			if (i == 0 || s[--i] != '.')
				return 0;
		}
	}
	if (i < 2 || s[i - 1] != '#' || s[i - 2] != '(')
		return 0;
	return n - (i - 2);
}

int
lspawn_res_fix(struct buf *text, char status)
{
	static const char more[] = "... ";
	char code[16];
	size_t c, keep, i;

	if (text->p == NULL && buf_sets(text, "") == -1)
		goto nomem;
	for (i = 0; i < text->len; i++)
		if ((unsigned char)text->p[i] < 0x20 || text->p[i] == 0x7f)
			text->p[i] = '?';
	while (text->len > 0 && text->p[text->len - 1] == ' ')
		text->len--;
	text->p[text->len] = '\0';
	if (lspawn_res_code(text->p, text->len) == 0) {
		if ((text->len > 0 && buf_addc(text, ' ') == -1) ||
		    buf_adds(text, status == 'K' ? "(#2.0.0)" : status == 'D' ? "(#5.0.0)" :
		    "(#4.0.0)") == -1)
			goto nomem;
	}
	if (text->len <= LSPAWN_TEXT_MAX)
		return 0;
	c = lspawn_res_code(text->p, text->len);
	memcpy(code, text->p + text->len - c, c + 1);
	keep = LSPAWN_TEXT_MAX - c - (sizeof more - 1);
	text->len = keep;
	text->p[keep] = '\0';
	if (buf_adds(text, more) == -1 || buf_adds(text, code) == -1)
		goto nomem;
	return 0;
nomem:
	err_set("out of memory");
	return -1;
}

char
lspawn_res_make(int wstatus, const char *out, size_t n, struct buf *text)
{
	const char *nl = memchr(out, '\n', n);
	char st;

	buf_reset(text);
	if (nl != NULL)
		n = (size_t)(nl - out);
	if (WIFSIGNALED(wstatus)) {
		st = 'Z';
		buf_printf(text, "herald-local was killed by signal %d (#4.3.0)", WTERMSIG(wstatus));
	} else {
		switch (WEXITSTATUS(wstatus)) {
		case 0:
			st = 'K';
			break;
		case 100:
			st = 'D';
			break;
		default:
			st = 'Z';
			break;
		}
		if (n > 0)
			buf_set(text, out, n);
		else if (st == 'K')
			buf_sets(text, "herald-local exited 0 without a result line (#2.0.0)");
		else
			buf_printf(text, "herald-local exited %d without a result line (#%s)",
			    WEXITSTATUS(wstatus), st == 'D' ? "5.0.0" : "4.3.0");
	}
	lspawn_res_fix(text, st);
	return st;
}
