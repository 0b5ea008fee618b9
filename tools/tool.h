/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_TOOL_H
#define CRASHHP_TOOL_H

#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

struct chp_machine;

/* Exit codes, documented in crashhp(1). */
enum {
	EXIT_OK = 0,          /* done; a verified dump or header is complete */
	EXIT_FINDINGS = 1,    /* verification listed discrepancies */
	EXIT_USAGE = 2,       /* bad command line */
	EXIT_BAD_INPUT = 3,   /* a file or description that cannot be used */
	EXIT_SYSTEM = 4,      /* I/O, memory or other system failure */
	EXIT_NO_DUMP = 5,     /* the crash produced no dump */
	EXIT_STALE = 6,       /* status: ready, but stale after hotplug */
	EXIT_NOT_READY = 7,   /* status: a crash now takes no dump */
};

/* Print "crashhp: <message>" on stderr, one line, control bytes as \xNN. */
void tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* tool_error's line: "crashhp: PREFIX<message>SUFFIX", PREFIX and the message escaped. */
void tool_verror(const char *prefix, const char *suffix, const char *fmt, va_list ap);
/*
 * Replace stdout by a stream that prints every C0 control but the newline,
 * DEL, C1 controls and bytes that are not UTF-8 as \xNN (text_out.c): no
 * name reaches a terminal's parser.
 */
int tool_text_stdout(void);
/*
 * NAME for a line of text: the same escapes, and a newline as \x0a, a
 * backslash before an x as \x5c.  Valid until four more calls.
 */
const char *tool_name(const char *name);
/*
 * How many bytes of the character at P[0..N) pass as they are under that
 * rule (a newline does not); 0: write its first byte as \xNN.  For text
 * that other formats carry (the SVG's title).
 */
int tool_char_passes(const char *p, size_t n);
/* Between ON and off, stdout passes verbatim (JSON, escaped by json-c); flushes first. */
void tool_text_stdout_verbatim(bool on);
/* A usage error: "crashhp: CMD: <message>; see 'crashhp CMD --help'", one line. */
void tool_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * FILE "-", which many tools take for standard input: a usage error here
 * (true), said before anything is read.  A dump or header is read at
 * offsets, which a pipe has none of; a file named "-" is "./-".
 */
bool tool_refuse_stdin(const char *cmd, const char *file);
/* Print "crashhp VERSION"; the exit status. */
int tool_version(void);
struct option;
/*
 * getopt_long for command CMD, which also takes -V/--version (printed, then
 * exit, as util-linux's commands do), with getopt's own messages replaced by
 * tool_usage_error's one line; '?' for an unknown option or a missing value.
 */
int tool_getopt(int argc, char **argv, const char *cmd, const char *shortopts,
		const struct option *longopts);
/*
 * --sysroot DIR as every live command takes it: a DIR that is missing, not a
 * directory or no machine's root (neither sys/ nor proc/) is a usage error,
 * said on stderr; EXIT_OK otherwise.
 */
int tool_check_sysroot(const char *cmd, const char *dir);
/* The library's explanation of its last failure. */
const char *tool_why(void);
/* Which exit code a library error means when reading input. */
int tool_input_exit(int err);

/* "1G", "512M", "4096", "128MiB" -> bytes; false if malformed or too large. */
bool tool_parse_size(const char *s, uint64_t *out);
bool tool_parse_uint(const char *s, unsigned long long max, unsigned long long *out);
/* "1 GiB", "768 MiB", "4 KiB", "123 B": exact when it can be. */
const char *tool_format_size(uint64_t bytes, char buf[32]);

/*
 * On SIGINT, SIGTERM or SIGHUP (those not ignored), remove every output's
 * temporary file and the directory and file recorded below, then die of the
 * signal (cleanup.c).  tool_cleanup_mkdtemp() is mkdtemp(3) with the
 * directory recorded (0 or -errno); tool_cleanup_own_file() records a file
 * (-ENAMETOOLONG past PATH_MAX); tool_cleanup_forget() drops both.
 */
void tool_cleanup_on_signals(void);
int tool_cleanup_mkdtemp(char *tmpl);
int tool_cleanup_own_file(const char *file);
void tool_cleanup_forget(void);

/* Write a whole file under a temporary name, then rename it into place. */
int tool_write_file_atomic(const char *path, const void *buf, size_t len);
/* PATH is absent or a regular file (not a link, device, FIFO or directory): -EINVAL above otherwise. */
bool tool_output_replaceable(const char *path);
/*
 * An output named on the command line that is there but not a regular file:
 * said (CMD: OPTION PATH: ...), and EXIT_BAD_INPUT as crashhp(1) has it for
 * every command; EXIT_OK otherwise.
 */
int tool_check_output(const char *cmd, const char *option, const char *path);
/* 0 when a file can be created beside `path` (its directory), else -errno. */
int tool_output_dir_writable(const char *path);
/* CPUs whose crash_notes place is known (a live machine shows present ones). */
unsigned tool_notes_known(const struct chp_machine *m);

/*
 * JSON output through json-c (json_out.c): keys and values in order, into a
 * tree printed whole by json_end (indented) or json_end_line (one line).
 * Every string goes through tool_utf8_clean.  Allocation failures are
 * remembered and returned by the end call, which also frees the tree.
 */
struct json_object;
struct json {
	FILE *out;
	int depth;
	bool failed;
	struct json_object *stack[32];
};

void json_begin(struct json *j, FILE *out);
int json_end(struct json *j);       /* 0, -ENOMEM or -EIO */
int json_end_line(struct json *j);  /* the same on one line (watch) */
void json_discard(struct json *j);  /* frees the tree unprinted */
/* The first failure of an end call, for main()'s exit status. */
extern int tool_output_err;
void json_object_open(struct json *j, const char *key);  /* key NULL in arrays */
void json_object_close(struct json *j);
void json_array_open(struct json *j, const char *key);
void json_array_close(struct json *j);
void json_string(struct json *j, const char *key, const char *value);
void json_uint(struct json *j, const char *key, uint64_t value);
void json_int(struct json *j, const char *key, int64_t value);
void json_hex(struct json *j, const char *key, uint64_t value); /* "0x..." string */
void json_double(struct json *j, const char *key, double value, int decimals);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
/*
 * S with every maximal ill-formed UTF-8 subsequence replaced by U+FFFD (the
 * one rule for names that are not UTF-8, in json-c and libsmartcols output
 * alike); malloc'ed, NULL when out of memory.
 */
char *tool_utf8_clean(const char *s);

int cmd_inspect(int argc, char **argv);
struct tool_progress;
/*
 * inspect of a makedumpfile dump chp_dump_open() gave as `fd`, its progress
 * shown on `prog` (ended here): the exit status.
 */
int inspect_kdump(const char *path, int fd, bool flattened, bool as_json, struct tool_progress *prog);
int cmd_sim(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_elfcorehdr(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_watch(int argc, char **argv);

#endif
