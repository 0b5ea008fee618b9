/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The text-output rule of crashhp(1) TEXT OUTPUT (tools/text_out.c): what a
 * name looks like once escaped, and stdout's stream, which must not escape
 * a UTF-8 character that its buffer's end cuts in two.  The stream is tried
 * in a child whose stdout is a file, read back here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tool.h"

static void test_text_out__name(void **state)
{
	(void)state;
	/* printable UTF-8 (2, 3, 4 bytes) passes */
	assert_string_equal(tool_name("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xa5"),
			    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xa5");
	/* C0, newline, DEL, ESC */
	assert_string_equal(tool_name("a\nb\tc\x7f\x1b[31m"), "a\\x0ab\\x09c\\x7f\\x1b[31m");
	/* C1 controls as UTF-8 (U+009B CSI), and as a lone byte */
	assert_string_equal(tool_name("\xc2\x9b" "2J \x9b"), "\\xc2\\x9b" "2J \\x9b");
	/* U+2028 and U+2029 break the line (not iswprint); U+2027 passes */
	assert_string_equal(tool_name("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xe2\x80\xa7"),
			    "a\\xe2\\x80\\xa8" "b\\xe2\\x80\\xa9" "c\xe2\x80\xa7");
	/* U+00A0 is the first character past C1: it passes */
	assert_string_equal(tool_name("\xc2\xa0"), "\xc2\xa0");
	/* not UTF-8: truncated, overlong, surrogate, past U+10FFFF, 0xff */
	assert_string_equal(tool_name("\xe2\x82-\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xff"),
			    "\\xe2\\x82-\\xc0\\xaf\\xed\\xa0\\x80\\xf4\\x90\\x80\\x80\\xff");
	/* the text \x1b is not an escaped ESC; other backslashes stay */
	assert_string_equal(tool_name("\\x1b \\n \\"), "\\x5cx1b \\n \\");
	/* four at a time stay valid */
	const char *a = tool_name("a\n"), *b = tool_name("b\n"), *c = tool_name("c\n"),
		   *d = tool_name("d\n");
	assert_string_equal(a, "a\\x0a");
	assert_string_equal(b, "b\\x0a");
	assert_string_equal(c, "c\\x0a");
	assert_string_equal(d, "d\\x0a");
}

/* What the child's stdout stream made of TEXT (LEN bytes, at OFFSET in a run of 'x'). */
static char *through_stdout(const char *text, size_t len, size_t offset, size_t *out_len)
{
	char path[] = "/tmp/crashhp-text-out-XXXXXX";
	int fd = mkstemp(path);
	pid_t pid;
	int status;

	assert_true(fd >= 0);
	unlink(path);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(fd, STDOUT_FILENO) < 0 || tool_text_stdout())
			_exit(2);
		for (size_t i = 0; i < offset; i++)
			putchar('x');
		fwrite(text, 1, len, stdout);
		exit(0); /* stdio flushed, then what the stream holds: atexit */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	off_t size = lseek(fd, 0, SEEK_END);
	char *buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)size, 0), size);
	buf[size] = '\0';
	close(fd);
	assert_true((size_t)size >= offset);
	for (size_t i = 0; i < offset; i++)
		assert_int_equal(buf[i], 'x');
	*out_len = (size_t)size - offset;
	memmove(buf, buf + offset, *out_len + 1);
	return buf;
}

static void test_text_out__character_cut_by_buffer(void **state)
{
	static const char *const chars[] = { "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x92\xa5" };
	size_t n;

	(void)state;
	/* Each character across BUFSIZ at each of its inner boundaries. */
	for (size_t c = 0; c < 3; c++) {
		size_t len = strlen(chars[c]);
		for (size_t cut = 1; cut < len; cut++) {
			char *got = through_stdout(chars[c], len, BUFSIZ - cut, &n);
			assert_int_equal(n, len);
			assert_memory_equal(got, chars[c], len);
			free(got);
		}
	}
	/* Newlines kept; controls and bad bytes escaped, across the boundary too. */
	char *got = through_stdout("\x1b\n\xc3", 3, BUFSIZ - 1, &n);
	assert_string_equal(got, "\\x1b\n\\xc3"); /* the cut character never completed */
	free(got);
	got = through_stdout("\xc2\x9b!", 3, BUFSIZ - 1, &n);
	assert_string_equal(got, "\\xc2\\x9b!");
	free(got);
}

/*
 * The bidirectional controls (CVE-2021-42574, "Trojan Source"): U+202A-U+202E
 * and U+2066-U+2069 escaped byte by byte in names and on stdout, so that a
 * name cannot reorder what the terminal shows after it; their neighbours
 * (U+2029 apart, a line break) pass.
 */
static void test_text_out__bidi_controls_escaped(void **state)
{
	static const char *const bidi[] = {
		"\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac", "\xe2\x80\xad", "\xe2\x80\xae",
		"\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9",
	};
	static const char *const spelt[] = {
		"\\xe2\\x80\\xaa", "\\xe2\\x80\\xab", "\\xe2\\x80\\xac", "\\xe2\\x80\\xad",
		"\\xe2\\x80\\xae", "\\xe2\\x81\\xa6", "\\xe2\\x81\\xa7", "\\xe2\\x81\\xa8",
		"\\xe2\\x81\\xa9",
	};
	char name[32], want[48];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bidi) / sizeof(bidi[0]); i++) {
		snprintf(name, sizeof(name), "vmcore%sfdp.x", bidi[i]);
		snprintf(want, sizeof(want), "vmcore%sfdp.x", spelt[i]);
		assert_string_equal(tool_name(name), want);
		char *got = through_stdout(name, strlen(name), 0, &n);
		assert_string_equal(got, want);
		free(got);
	}
	/* U+202F (narrow no-break space), U+2065, U+206A and U+200E pass. */
	assert_string_equal(tool_name("\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xe2\x80\x8e"),
			    "\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xe2\x80\x8e");
}

/* tool_error's line (util.c), without linking the rest of the command. */
static void __attribute__((format(printf, 1, 2))) error_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tool_verror("", "\n", fmt, ap);
	va_end(ap);
}

/* What tool_error printed on stderr in a child: its whole line. */
static char *through_stderr(const char *name)
{
	char path[] = "/tmp/crashhp-text-err-XXXXXX";
	int fd = mkstemp(path), status;
	pid_t pid;

	assert_true(fd >= 0);
	unlink(path);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(fd, STDERR_FILENO) < 0)
			_exit(2);
		error_line("%s: No such file or directory", name);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	off_t size = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, (size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)size, 0), size);
	close(fd);
	return buf;
}

/*
 * stderr spells a name as stdout does: a backslash before an x as \x5c (so a
 * file named h-\x1b is not read as one holding ESC), the controls and the
 * bidi controls as \xNN, the message one line.
 */
static void test_text_out__stderr_spells_names_as_stdout(void **state)
{
	char *got;

	(void)state;
	got = through_stderr("h-\\x1b-\\y");
	assert_string_equal(got, "crashhp: h-\\x5cx1b-\\y: No such file or directory\n");
	free(got);
	got = through_stderr("a\x1b[2J\nb\xe2\x80\xae" "c\\");
	assert_string_equal(got, "crashhp: a\\x1b[2J\\x0ab\\xe2\\x80\\xae" "c\\: No such file or directory\n");
	free(got);
	/* the same name, the same spelling on both streams */
	got = through_stderr("v\\x41\xe2\x81\xa6");
	char want[96];
	snprintf(want, sizeof(want), "crashhp: %s: No such file or directory\n",
		 tool_name("v\\x41\xe2\x81\xa6"));
	assert_string_equal(got, want);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_out__name),
		cmocka_unit_test(test_text_out__character_cut_by_buffer),
		cmocka_unit_test(test_text_out__bidi_controls_escaped),
		cmocka_unit_test(test_text_out__stderr_spells_names_as_stdout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
