/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_TABLE_H
#define CRASHHP_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json;

#define TOOL_TABLE_MAX_COLUMNS 16

enum tool_col_type {
	TOOL_COL_STRING,
	TOOL_COL_SIZE,   /* bytes: lsmem's "2.3G", or the number with -b */
	TOOL_COL_NUMBER,
	TOOL_COL_BOOL,   /* yes/no; JSON true/false */
};

struct tool_column {
	const char *name;  /* upper case; the JSON key is its lower case */
	const char *help;
	enum tool_col_type type;
	bool right;        /* aligned right */
	bool shown;        /* in the default set */
};

/* One value per column of the spec (not only the shown ones). */
struct tool_cell {
	const char *s;     /* NULL: an empty cell (null in JSON) */
	uint64_t u;
	int b;             /* -1: unknown (an empty cell; false in JSON, as lsmem -J); for a
			    * size or a number, -1 is an empty cell too (null in JSON) */
};

/* lsmem's options: -o/--output LIST, -r/--raw, -b/--bytes, -n/--noheadings, -J/--json. */
struct tool_table_opts {
	const char *output;
	const char *option;   /* how errors name -o's option; NULL: "--output" */
	bool raw, bytes, noheadings, json;
};

#define TOOL_TABLE_SHORTOPTS "o:rbnJ"
/* Without --json: inspect's --json is its whole document, -J the table's rows. */
#define TOOL_TABLE_LONGOPTS_BUT_JSON                                            \
	{ "output", required_argument, NULL, 'o' },                              \
	{ "raw", no_argument, NULL, 'r' },                                       \
	{ "bytes", no_argument, NULL, 'b' },                                     \
	{ "noheadings", no_argument, NULL, 'n' }
#define TOOL_TABLE_LONGOPTS                                                     \
	TOOL_TABLE_LONGOPTS_BUT_JSON,                                            \
	{ "json", no_argument, NULL, 'J' }

/* 1 when OPT is one of the table options (stored in O), 0 otherwise. */
int tool_table_option(int opt, const char *arg, struct tool_table_opts *o);

struct tool_table;
/*
 * A table of COLS as O asks; under o->json its rows go into J as objects
 * (the caller opens and closes the array).  -EINVAL (said on stderr as a
 * usage error of CMD) for a column -o names that does not exist.
 */
int tool_table_new(struct tool_table **out, const char *cmd, const struct tool_column *cols,
		   size_t ncols, const struct tool_table_opts *o, struct json *j);
int tool_table_add(struct tool_table *t, const struct tool_cell *cells);
int tool_table_print(struct tool_table *t);  /* stdout; nothing under --json */
void tool_table_free(struct tool_table *t);
/*
 * One table, whole: FILL adds its rows (CTX passed through); under o->json
 * the document {"KEY": [rows]}, as lsmem -J prints its own, else the table.
 * Nothing half-printed: JSON is printed only once every row is in.
 */
int tool_table_emit(const char *cmd, const struct tool_column *cols, size_t ncols,
		    const struct tool_table_opts *o, const char *key,
		    int (*fill)(struct tool_table *t, const void *ctx), const void *ctx);
/* "Available output columns" for a command's --help. */
void tool_table_help(FILE *f, const char *opt, const struct tool_column *cols, size_t ncols);
/* BYTES as lsmem prints a size: "3G", "2.3G", "128M", "512B". */
void tool_size_lsmem(uint64_t bytes, char buf[32]);

#endif
