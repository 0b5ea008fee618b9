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
 * backspace, a DEL, a C1 control (U+0080-U+009F: CSI, OSC as one character
 * to a terminal that reads them) or bytes that are not UTF-8 at all; each
 * such byte is printed as \xNN, the rule of util-linux's mbs_safe_encode()
 * (lsmem's, libsmartcols' tables), and systemd's for unit names.  Printable
 * UTF-8 passes as it is: a name in another script stays readable.  JSON
 * carries them escaped already (json-c's \u00NN) and passes unchanged
 * (tool_text_stdout_verbatim).
 */

/*
 * The length of the UTF-8 sequence at P[0..N): 1-4 for a whole one
 * (RFC 3629: no overlong form, no surrogate, nothing above U+10FFFF), 0
 * for bytes that are not one, -1 for the valid start of one cut short.
 */
static int utf8_length(const unsigned char *p, size_t n)
{
	int len = p[0] < 0x80 ? 1 : p[0] >= 0xc2 && p[0] <= 0xdf ? 2 :
		  p[0] >= 0xe0 && p[0] <= 0xef ? 3 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
	unsigned char lo = 0x80, hi = 0xbf; /* the second byte's range */

	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xbf))
			return 0;
	}
	return len;
}

static bool acted_on(unsigned char c, bool keep_newline)
{
	return (c < 0x20 && !(keep_newline && c == '\n')) || c == 0x7f;
}

/*
 * How many bytes at P[0..N) pass as they are (0: escape the first one);
 * -1 when P ends inside what may be a whole character once more comes.
 */
static int passes(const unsigned char *p, size_t n, bool keep_newline)
{
	int len = utf8_length(p, n);

	if (len == 1)
		return acted_on(p[0], keep_newline) ? 0 : 1;
	if (len == 2 && p[0] == 0xc2 && p[1] < 0xa0)
		return 0; /* C1 control */
	/*
	 * U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR break a line as
	 * a newline does, and are what glibc's iswprint() refuses (so
	 * mbs_safe_encode() escapes them).
	 */
	if (len == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
		return 0;
	/*
	 * The bidirectional embeddings, overrides and isolates, U+202A-U+202E
	 * and U+2066-U+2069: printable to iswprint(), so util-linux passes
	 * them, but a terminal then shows the rest of the line reordered
	 * ("Trojan Source", CVE-2021-42574): a file named "vmcore<U+202E>fdp.x"
	 * reads as "vmcorex.pdf".  The same set GCC's -Wbidi-chars and rustc's
	 * text_direction_codepoint lints refuse, escaped as any other byte is
	 * (\xe2\x80\xae): one escape form, so the name's bytes come back from
	 * it exactly; a \u202e would be a second form, and a name holding the
	 * text \u would need escaping too.
	 */
	if (len == 3 && p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
					 (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)))
		return 0;
	return len;
}

int tool_char_passes(const char *p, size_t n)
{
	int len = passes((const unsigned char *)p, n, false);

	return len < 0 ? 0 : len;
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

/*
 * Escape P[0..N) into fd, newlines kept or not.  With `rest`, a character
 * that P ends inside is not written but its bytes' count returned there (the
 * caller holds them for the next call); without, it is escaped.
 */
static int write_escaped(int fd, const char *p, size_t n, bool keep_newline, bool names,
			 size_t *rest)
{
	char out[4 * 512];
	size_t o = 0;
	const unsigned char *u = (const unsigned char *)p;

	if (rest)
		*rest = 0;
	for (size_t i = 0; i < n;) {
		int len = passes(u + i, n - i, keep_newline);
		if (len < 0 && rest) {
			*rest = n - i;
			break;
		}
		if (o + 4 > sizeof(out)) {
			if (write_all(fd, out, o))
				return -1;
			o = 0;
		}
		/* With `names`, tool_name's rule: a backslash before an x as \x5c. */
		if (len <= 0 || (names && u[i] == '\\' && i + 1 < n && u[i + 1] == 'x')) {
			o += (size_t)snprintf(out + o, 5, "\\x%02x", u[i]);
			i++;
			continue;
		}
		memcpy(out + o, p + i, (size_t)len);
		o += (size_t)len;
		i += (size_t)len;
	}
	return o ? write_all(fd, out, o) : 0;
}

/*
 * A name inside a line of text: the stream's rule, and a newline as \x0a
 * too (a name is one line), and a backslash before an x as \x5c, so that a
 * name that holds the text "\x1b" is not read as an escaped ESC
 * (mbs_safe_encode's rule).  Four at a time stay valid: enough for one
 * printf.  NULL reads as "(null)" (never passed; no crash if it were).
 */
const char *tool_name(const char *s)
{
	static char *bufs[4];
	static size_t sizes[4], next;
	size_t n = s ? strlen(s) : 6, o = 0, slot = next++ % 4;
	const unsigned char *u = (const unsigned char *)(s ? s : "(null)");

	if (sizes[slot] < 4 * n + 1) {
		char *b = realloc(bufs[slot], 4 * n + 1);
		if (!b)
			return "(name not printed: out of memory)";
		bufs[slot] = b;
		sizes[slot] = 4 * n + 1;
	}
	for (size_t i = 0; i < n;) {
		int len = passes(u + i, n - i, false);
		if (len > 0 && !(u[i] == '\\' && u[i + 1] == 'x')) {
			memcpy(bufs[slot] + o, u + i, (size_t)len);
			o += (size_t)len;
			i += (size_t)len;
		} else {
			o += (size_t)snprintf(bufs[slot] + o, 5, "\\x%02x", u[i++]);
		}
	}
	bufs[slot][o] = '\0';
	return bufs[slot];
}

/*
 * JSON passes as json-c wrote it: it has escaped every C0 control already,
 * and a raw DEL is valid JSON where \x7f is not.
 */
static bool verbatim;
static void release_held(void);

void tool_text_stdout_verbatim(bool on)
{
	fflush(stdout);
	if (on)
		release_held();
	verbatim = on;
}

/*
 * stdout's lines are kept: the escape applies within them.  The buffer may
 * end inside a UTF-8 character: its first bytes wait here for the rest.
 */
static char held[4];
static size_t nheld;

static ssize_t stdout_write(void *cookie, const char *buf, size_t len)
{
	char *joined = NULL;
	const char *p = buf;
	size_t n = len, rest;
	int err;

	(void)cookie;
	if (verbatim)
		return write_all(STDOUT_FILENO, buf, len) ? -1 : (ssize_t)len;
	if (nheld) {
		joined = malloc(nheld + len);
		if (!joined)
			return -1;
		memcpy(joined, held, nheld);
		memcpy(joined + nheld, buf, len);
		p = joined;
		n = nheld + len;
	}
	err = write_escaped(STDOUT_FILENO, p, n, true, false, &rest);
	/* `rest` is a character's first bytes: at most 3 */
	memcpy(held, p + n - rest, rest);
	nheld = rest;
	free(joined);
	return err ? -1 : (ssize_t)len;
}

/* At exit: what waited for the rest of a character never got it. */
static void release_held(void)
{
	fflush(stdout);
	if (nheld && !verbatim)
		(void)write_escaped(STDOUT_FILENO, held, nheld, true, false, NULL);
	nheld = 0;
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
	atexit(release_held);
	return 0;
}

/*
 * A message on stderr is one line: a newline in a name is escaped too.  Its
 * text is crashhp's own, which holds no backslash-x, and what the input gave
 * (file names, a scenario's words, option values): so a backslash before an
 * x is written \x5c in all of it, as tool_name() writes names on stdout, and
 * "\x1b" on stderr is always an escaped ESC, never a name's four characters.
 */
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
	    write_escaped(STDERR_FILENO, prefix, strlen(prefix), false, true, NULL) == 0 &&
	    write_escaped(STDERR_FILENO, msg, (size_t)n, false, true, NULL) == 0)
		write_all(STDERR_FILENO, suffix, strlen(suffix));
	free(msg);
}
