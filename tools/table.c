/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tables as lsmem(1) prints them: libsmartcols for the text, lsmem's options
 * (-o/--output, -r/--raw, -b/--bytes, -n/--noheadings) and, under --json,
 * the rows as lsmem -J writes them: an array of objects keyed by the column
 * names in lower case, sizes as lsmem's "3G"/"2.3G" strings (numbers with
 * -b), yes/no columns as booleans.  The rows go into the command's own JSON
 * object (json_out.c), so one --json output stays one document.
 */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "table.h"
#include "tool.h"

struct tool_table {
	const struct tool_column *cols;
	size_t ncols;
	size_t shown[TOOL_TABLE_MAX_COLUMNS]; /* indexes into cols, in output order */
	size_t nshown;
	struct tool_table_opts opts;
	struct libscols_table *tb;
	struct json *j; /* rows go here under --json */
};

void tool_size_lsmem(uint64_t bytes, char buf[32])
{
	static const char letters[] = "BKMGTPE";
	int exp = 0;

	/* util-linux's size_to_human_string with SIZE_SUFFIX_1LETTER, as lsmem prints. */
	for (int shift = 10; shift <= 60; shift += 10) {
		if (bytes < (1ULL << shift))
			break;
		exp = shift;
	}
	uint64_t dec = exp ? bytes >> exp : bytes;
	uint64_t frac = exp ? bytes & ((1ULL << exp) - 1) : 0;
	if (frac) {
		/* Thousandths, then one decimal rounded half up, as util-linux does. */
		if (frac >= UINT64_MAX / 1000)
			frac = ((frac / 1024) * 1000) / (1ULL << (exp - 10));
		else
			frac = (frac * 1000) / (1ULL << exp);
		frac = (frac + 50) / 100;
		if (frac == 10) {
			dec++;
			frac = 0;
		}
	}
	char c = letters[exp / 10];
	if (frac)
		snprintf(buf, 32, "%" PRIu64 ".%u%c", dec, (unsigned)frac % 10, c);
	else
		snprintf(buf, 32, "%" PRIu64 "%c", dec, c);
}

static int find_column(const struct tool_column *cols, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(cols[i].name) == len && !strncasecmp(cols[i].name, name, len))
			return (int)i;
	return -1;
}

/*
 * A list that names no column, an empty name in it (",,"), or a name that is
 * none: a usage error naming the option and the bad name, with the columns
 * there are, as lsmem says "unknown column" and --help lists them.
 */
static int bad_columns(const char *cmd, const struct tool_table_opts *o,
		       const struct tool_column *cols, size_t ncols, const char *name, size_t len)
{
	char known[TOOL_TABLE_MAX_COLUMNS * 16] = "";
	const char *opt = o->option ? o->option : "--output";

	for (size_t i = 0, at = 0; i < ncols && at < sizeof(known); i++)
		at += (size_t)snprintf(known + at, sizeof(known) - at, "%s%s", i ? ", " : "",
				       cols[i].name);
	if (!name)
		tool_usage_error(cmd, "%s: '%s' names no column; the columns: %s", opt, o->output,
				 known);
	else if (!len)
		tool_usage_error(cmd, "%s: an empty column name in '%s'; the columns: %s", opt,
				 o->output, known);
	else
		tool_usage_error(cmd, "%s: no column '%.*s'; the columns: %s", opt, (int)len, name,
				 known);
	return -EINVAL;
}

int tool_table_new(struct tool_table **out, const char *cmd, const struct tool_column *cols,
		   size_t ncols, const struct tool_table_opts *o, struct json *j)
{
	struct tool_table *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->cols = cols;
	t->ncols = ncols;
	t->opts = *o;
	t->j = o->json ? j : NULL;
	if (o->output) {
		/* lsmem's list: names separated by commas, any case; "+LIST" adds to the default. */
		const char *p = o->output;
		if (*p == '+') {
			p++;
			for (size_t i = 0; i < ncols; i++)
				if (cols[i].shown)
					t->shown[t->nshown++] = i;
		}
		while (*p) {
			size_t len = strcspn(p, ",");
			int c = find_column(cols, ncols, p, len);
			if (c < 0) {
				free(t);
				return bad_columns(cmd, o, cols, ncols, p, len);
			}
			if (t->nshown >= TOOL_TABLE_MAX_COLUMNS) {
				tool_usage_error(cmd, "%s: too many columns at '%.*s'",
						 o->option ? o->option : "--output", (int)len, p);
				free(t);
				return -EINVAL;
			}
			t->shown[t->nshown++] = (size_t)c;
			/* A trailing comma ("NR,") leaves an empty name too. */
			if (p[len] == ',' && !p[len + 1]) {
				free(t);
				return bad_columns(cmd, o, cols, ncols, p + len + 1, 0);
			}
			p += len + (p[len] == ',');
		}
		if (!t->nshown) {
			free(t);
			return bad_columns(cmd, o, cols, ncols, NULL, 0);
		}
	} else {
		for (size_t i = 0; i < ncols; i++)
			if (cols[i].shown)
				t->shown[t->nshown++] = i;
	}
	if (!t->j) {
		t->tb = scols_new_table();
		if (!t->tb) {
			free(t);
			return -ENOMEM;
		}
		scols_table_enable_raw(t->tb, o->raw);
		/*
		 * Aligned, the cells come escaped (tool_table_add): libsmartcols
		 * must not escape their backslashes again.  Raw (-r), nothing is
		 * aligned and its own escape (lsblk -r's: blanks, backslashes,
		 * what is not ASCII-printable, all as \xNN) is the format.
		 */
		scols_table_enable_noencoding(t->tb, !o->raw);
		scols_table_enable_noheadings(t->tb, o->noheadings);
		for (size_t k = 0; k < t->nshown; k++) {
			const struct tool_column *c = &cols[t->shown[k]];
			if (!scols_table_new_column(t->tb, c->name, 0, c->right ? SCOLS_FL_RIGHT : 0)) {
				tool_table_free(t);
				return -ENOMEM;
			}
		}
	}
	*out = t;
	return 0;
}

static void cell_text(const struct tool_table *t, const struct tool_column *c,
		      const struct tool_cell *v, char buf[32], const char **text)
{
	if ((c->type == TOOL_COL_SIZE || c->type == TOOL_COL_NUMBER) && v->b < 0) {
		*text = "";
		return;
	}
	switch (c->type) {
	case TOOL_COL_SIZE:
		if (t->opts.bytes)
			snprintf(buf, 32, "%" PRIu64, v->u);
		else
			tool_size_lsmem(v->u, buf);
		*text = buf;
		break;
	case TOOL_COL_NUMBER:
		snprintf(buf, 32, "%" PRIu64, v->u);
		*text = buf;
		break;
	case TOOL_COL_BOOL:
		*text = v->b < 0 ? "" : v->b ? "yes" : "no";
		break;
	default:
		*text = v->s ? v->s : "";
	}
}

int tool_table_add(struct tool_table *t, const struct tool_cell *cells)
{
	if (t->j) {
		json_object_open(t->j, NULL);
		for (size_t k = 0; k < t->nshown; k++) {
			const struct tool_column *c = &t->cols[t->shown[k]];
			const struct tool_cell *v = &cells[t->shown[k]];
			char key[32], buf[32];
			size_t i;
			for (i = 0; c->name[i] && i + 1 < sizeof(key); i++)
				key[i] = (char)(c->name[i] >= 'A' && c->name[i] <= 'Z' ? c->name[i] + 32
										: c->name[i]);
			key[i] = '\0';
			if (((c->type == TOOL_COL_SIZE || c->type == TOOL_COL_NUMBER) && v->b < 0) ||
			    (c->type == TOOL_COL_STRING && !v->s))
				json_null(t->j, key);
			else if (c->type == TOOL_COL_BOOL)
				json_bool(t->j, key, v->b > 0); /* lsmem -J: an empty cell is false */
			else if (c->type == TOOL_COL_NUMBER || (c->type == TOOL_COL_SIZE && t->opts.bytes))
				json_uint(t->j, key, v->u);
			else {
				const char *text;
				cell_text(t, c, v, buf, &text);
				json_string(t->j, key, text);
			}
		}
		json_object_close(t->j);
		return 0;
	}
	struct libscols_line *ln = scols_table_new_line(t->tb, NULL);
	if (!ln)
		return -ENOMEM;
	for (size_t k = 0; k < t->nshown; k++) {
		const struct tool_column *c = &t->cols[t->shown[k]];
		char buf[32];
		const char *text;
		cell_text(t, c, &cells[t->shown[k]], buf, &text);
		/*
		 * Escaped here, by crashhp(1)'s TEXT OUTPUT rule (tool_name()),
		 * not by the stdout stream after libsmartcols has measured it: a
		 * column is as wide as the text it prints.  libsmartcols passes
		 * U+202E (printable to it) and counted its width, 1; the stream
		 * then wrote "\xe2\x80\xae", 12, and the row ran 11 past its
		 * column.
		 */
		int err = scols_line_set_data(ln, k, t->opts.raw ? text : tool_name(text));
		if (err)
			return err;
	}
	return 0;
}

int tool_table_print(struct tool_table *t)
{
	if (t->j)
		return 0;
	return scols_print_table(t->tb);
}

void tool_table_free(struct tool_table *t)
{
	if (!t)
		return;
	scols_unref_table(t->tb);
	free(t);
}

int tool_table_emit(const char *cmd, const struct tool_column *cols, size_t ncols,
		    const struct tool_table_opts *o, const char *key,
		    int (*fill)(struct tool_table *t, const void *ctx), const void *ctx)
{
	struct tool_table *t;
	struct json j;
	int err;

	if (o->json) {
		json_begin(&j, stdout);
		json_array_open(&j, key);
	}
	err = tool_table_new(&t, cmd, cols, ncols, o, &j);
	if (!err) {
		err = fill(t, ctx);
		if (!err)
			err = tool_table_print(t);
		tool_table_free(t);
	}
	if (!o->json)
		return err;
	json_array_close(&j);
	if (err) {
		json_discard(&j);
		return err;
	}
	return json_end(&j);
}

int tool_table_option(int opt, const char *arg, struct tool_table_opts *o)
{
	switch (opt) {
	case 'o': o->output = arg; return 1;
	case 'r': o->raw = true; return 1;
	case 'b': o->bytes = true; return 1;
	case 'n': o->noheadings = true; return 1;
	case 'J': o->json = true; return 1;
	default: return 0;
	}
}

void tool_table_help(FILE *f, const char *opt, const struct tool_column *cols, size_t ncols)
{
	fprintf(f, "\nAvailable output columns (%s):\n", opt);
	for (size_t i = 0; i < ncols; i++)
		fprintf(f, " %10s  %s\n", cols[i].name, cols[i].help);
}
