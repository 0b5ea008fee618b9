/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_TOOL_H
#define CRASHHP_TOOL_H

#include <stdbool.h>
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

/* Print "crashhp: <message>" on stderr (with the library's last error if %L). */
void tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The library's explanation of its last failure. */
const char *tool_why(void);
/* Which exit code a library error means when reading input. */
int tool_input_exit(int err);

/* "1G", "512M", "4096", "128MiB" -> bytes; false if malformed or too large. */
bool tool_parse_size(const char *s, uint64_t *out);
bool tool_parse_uint(const char *s, unsigned long long max, unsigned long long *out);
/* "1 GiB", "768 MiB", "4 KiB", "123 B": exact when it can be. */
const char *tool_format_size(uint64_t bytes, char buf[32]);

/* Write a whole file under a temporary name, then rename it into place. */
int tool_write_file_atomic(const char *path, const void *buf, size_t len);
/* PATH is absent or a regular file (not a link, device, FIFO or directory): -EINVAL above otherwise. */
bool tool_output_replaceable(const char *path);
/* CPUs whose crash_notes place is known (a live machine shows present ones). */
unsigned tool_notes_known(const struct chp_machine *m);

/* A streaming JSON writer: keys and values in order, commas handled. */
struct json {
	FILE *out;
	int depth;
	bool first[32];
};

void json_begin(struct json *j, FILE *out);
void json_end(struct json *j);
void json_object_open(struct json *j, const char *key);  /* key NULL in arrays */
void json_object_close(struct json *j);
void json_array_open(struct json *j, const char *key);
void json_array_close(struct json *j);
void json_string(struct json *j, const char *key, const char *value);
void json_uint(struct json *j, const char *key, uint64_t value);
void json_hex(struct json *j, const char *key, uint64_t value); /* "0x..." string */
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
/* S as a JSON string: bytes past ASCII as \u00XX, so the line stays valid UTF-8 whatever a path holds. */
void json_escaped(FILE *out, const char *s);

int cmd_inspect(int argc, char **argv);
/* inspect of a makedumpfile dump: the exit status. */
int inspect_kdump(const char *path, bool as_json);
int cmd_sim(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_elfcorehdr(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_watch(int argc, char **argv);

#endif
