/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

/*
 * Text output never hands a terminal a byte it would act on.  A file name,
 * a sysroot path or a VMCOREINFO line may hold ESC (a colour, a cursor move,
 * a title change), a carriage return that overwrites what came before, a
 * backspace or a DEL; each such byte is printed as \xNN, the one rule, as
 * libsmartcols spells it in a table.  JSON carries them escaped already
 * (json-c's \u00NN) and passes unchanged (tool_text_stdout_verbatim).
 */
static bool acted_on(unsigned char c, bool keep_newline)
{
	return (c < 0x20 && !(keep_newline && c == '\n')) || c == 0x7f;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Escape P[0..N) into fd, newlines kept or not. */
static int write_escaped(int fd, const char *p, size_t n, bool keep_newline)
{
	char out[4 * 512];
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (o + 4 > sizeof(out)) {
			if (write_all(fd, out, o))
				return -1;
			o = 0;
		}
		if (acted_on(c, keep_newline))
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	return o ? write_all(fd, out, o) : 0;
}

/*
 * JSON passes as json-c wrote it: it has escaped every C0 control already,
 * and a raw DEL is valid JSON where \x7f is not.
 */
static bool verbatim;

void tool_text_stdout_verbatim(bool on)
{
	fflush(stdout);
	verbatim = on;
}

/* stdout's lines are kept: the escape applies within them. */
static ssize_t stdout_write(void *cookie, const char *buf, size_t len)
{
	(void)cookie;
	if (verbatim)
		return write_all(STDOUT_FILENO, buf, len) ? -1 : (ssize_t)len;
	return write_escaped(STDOUT_FILENO, buf, len, true) ? -1 : (ssize_t)len;
}

int tool_text_stdout(void)
{
	cookie_io_functions_t io = { .write = stdout_write };
	FILE *f = fopencookie(NULL, "w", io);

	if (!f)
		return -errno;
	/* A terminal sees each line as it is printed, as with the real stdout. */
	setvbuf(f, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, BUFSIZ);
	fflush(stdout);
	stdout = f;
	return 0;
}

/* A message on stderr is one line: a newline in a name is escaped too. */
void tool_verror(const char *prefix, const char *suffix, const char *fmt, va_list ap)
{
	char *msg = NULL;
	int n = vasprintf(&msg, fmt, ap);

	fflush(stderr);
	if (n < 0) {
		fputs("crashhp: out of memory printing a message\n", stderr);
		return;
	}
	if (write_all(STDERR_FILENO, "crashhp: ", 9) == 0 &&
	    write_escaped(STDERR_FILENO, prefix, strlen(prefix), false) == 0 &&
	    write_escaped(STDERR_FILENO, msg, (size_t)n, false) == 0)
		write_all(STDERR_FILENO, suffix, strlen(suffix));
	free(msg);
}
