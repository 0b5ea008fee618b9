/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every --json output of the tool is built here, through json-c.
 *
 * Why json-c and not jansson (both are in Debian): the values we print are
 * unsigned 64-bit sizes and counts read from files anyone can write (a
 * p_memsz of 0xffffffffffffffff must come out exact), and json-c has
 * json_object_new_uint64 while jansson's integers are signed (json_int_t);
 * json-c also prints paths without escaping '/' (NOSLASHESCAPE), keeps keys
 * in insertion order, and has the one-line and the indented printers we
 * need.  Jansson's one advantage, refusing strings that are not UTF-8, does
 * not make an output valid by itself: either library needs the strings
 * cleaned first, which tool_utf8_clean() does for both json-c and
 * libsmartcols' -J.
 *
 * The one rule for bytes that are not UTF-8 (a file name, a sysroot path, a
 * scenario's name): each maximal ill-formed subsequence becomes U+FFFD, the
 * replacement the Unicode standard recommends (and Python's
 * bytes.decode("utf-8", "replace") applies), so every string in every JSON
 * output is valid UTF-8 and a well-formed name is kept unchanged.  Control
 * characters, quotes and backslashes are escaped by json-c.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* json-c's typedef json_bool would clash with our json_bool(): renamed here only. */
#define json_bool json_c_bool
#include <json-c/json.h>
#undef json_bool

#include "tool.h"

/* Bytes 2..n of a sequence: the second byte's range depends on the lead. */
static unsigned utf8_expect(unsigned char lead, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (lead >= 0xc2 && lead <= 0xdf)
		return 2;
	if (lead >= 0xe0 && lead <= 0xef) {
		if (lead == 0xe0)
			*lo = 0xa0; /* no overlong forms */
		if (lead == 0xed)
			*hi = 0x9f; /* no surrogates */
		return 3;
	}
	if (lead >= 0xf0 && lead <= 0xf4) {
		if (lead == 0xf0)
			*lo = 0x90;
		if (lead == 0xf4)
			*hi = 0x8f; /* nothing past U+10FFFF */
		return 4;
	}
	return 0;
}

char *tool_utf8_clean(const char *s)
{
	size_t len = strlen(s);
	/* At worst every byte becomes the 3-byte U+FFFD. */
	char *out = malloc(len * 3 + 1), *o = out;
	const unsigned char *p = (const unsigned char *)s;

	if (!out)
		return NULL;
	while (*p) {
		unsigned char lo, hi;
		unsigned n = *p < 0x80 ? 1 : utf8_expect(*p, &lo, &hi), ok = 1;

		if (n > 1) {
			while (ok < n && p[ok] >= (ok == 1 ? lo : 0x80) && p[ok] <= (ok == 1 ? hi : 0xbf))
				ok++;
		}
		if (n && ok == n) {
			memcpy(o, p, n);
			o += n;
		} else {
			/* The longest prefix of a well-formed sequence is one replacement. */
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
		}
		p += !n ? 1 : ok; /* ok == n when whole */
	}
	*o = '\0';
	return out;
}

int tool_output_err;

static void put(struct json *j, const char *key, struct json_object *v)
{
	struct json_object *top;

	if (j->failed || j->depth == 0) {
		json_object_put(v);
		return;
	}
	top = j->stack[j->depth - 1];
	if (json_object_is_type(top, json_type_array)) {
		if (json_object_array_add(top, v)) {
			json_object_put(v);
			j->failed = true;
		}
	} else if (!key || json_object_object_add(top, key, v)) {
		json_object_put(v);
		j->failed = true;
	}
}

void json_begin(struct json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->stack[0] = json_object_new_object();
	j->depth = 1;
	j->failed = !j->stack[0];
}

static int finish(struct json *j, int flags, const char *after)
{
	int err = 0;

	if (!j->failed && j->depth == 1) {
		const char *text = json_object_to_json_string_ext(j->stack[0], flags);
		if (j->out == stdout)
			tool_text_stdout_verbatim(true);
		size_t len = text ? strlen(text) : 0;
		/*
		 * One line: json-c's spaced form is '{ "a": 1, "b": 2 }'; the
		 * outer blanks go, so a line starts '{"event"' as it always has
		 * (scripts grep for that).
		 */
		if (!(flags & JSON_C_TO_STRING_PRETTY) && len >= 4 && !strncmp(text, "{ ", 2) &&
		    !strcmp(text + len - 2, " }")) {
			if (fputc('{', j->out) == EOF || fwrite(text + 2, 1, len - 4, j->out) != len - 4 ||
			    fputc('}', j->out) == EOF)
				err = -EIO;
			text = "";
		}
		if (!text || fputs(text, j->out) == EOF || fputs(after, j->out) == EOF ||
		    fflush(j->out) == EOF)
			err = -EIO;
		if (j->out == stdout)
			tool_text_stdout_verbatim(false);
	} else {
		err = -ENOMEM;
	}
	json_object_put(j->stack[0]);
	j->stack[0] = NULL;
	/* main() turns it into exit status 4 when the command returns. */
	if (err && !tool_output_err)
		tool_output_err = err;
	return err;
}

void json_discard(struct json *j)
{
	json_object_put(j->stack[0]);
	j->stack[0] = NULL;
}

int json_end(struct json *j)
{
	return finish(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			 JSON_C_TO_STRING_NOSLASHESCAPE, "\n");
}

int json_end_line(struct json *j)
{
	return finish(j, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE, "\n");
}

static void open_container(struct json *j, const char *key, struct json_object *c)
{
	if (j->failed || !c || j->depth >= (int)(sizeof(j->stack) / sizeof(j->stack[0]))) {
		json_object_put(c);
		j->failed = true;
		j->depth++; /* closes still balance */
		return;
	}
	/* The parent owns it from here; the stack only borrows. */
	put(j, key, c);
	j->stack[j->depth++] = c;
}

void json_object_open(struct json *j, const char *key)
{
	open_container(j, key, json_object_new_object());
}

void json_array_open(struct json *j, const char *key)
{
	open_container(j, key, json_object_new_array());
}

void json_object_close(struct json *j)
{
	j->depth--;
}

void json_array_close(struct json *j)
{
	j->depth--;
}

void json_string(struct json *j, const char *key, const char *value)
{
	char *clean = tool_utf8_clean(value ? value : "");
	struct json_object *v = clean ? json_object_new_string(clean) : NULL;

	free(clean);
	if (!v)
		j->failed = true;
	else
		put(j, key, v);
}

void json_uint(struct json *j, const char *key, uint64_t value)
{
	struct json_object *v = json_object_new_uint64(value);

	if (!v)
		j->failed = true;
	else
		put(j, key, v);
}

void json_int(struct json *j, const char *key, int64_t value)
{
	struct json_object *v = json_object_new_int64(value);

	if (!v)
		j->failed = true;
	else
		put(j, key, v);
}

void json_hex(struct json *j, const char *key, uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, value);
	json_string(j, key, buf);
}

void json_double(struct json *j, const char *key, double value, int decimals)
{
	char buf[64];
	struct json_object *v;

	if (!isfinite(value)) {
		json_null(j, key); /* JSON has no NaN or infinity */
		return;
	}
	/* Printed as the text says it, not as 17 significant digits. */
	snprintf(buf, sizeof(buf), "%.*f", decimals, value);
	v = json_object_new_double_s(value, buf);
	if (!v)
		j->failed = true;
	else
		put(j, key, v);
}

void json_bool(struct json *j, const char *key, bool value)
{
	struct json_object *v = json_object_new_boolean(value);

	if (!v)
		j->failed = true;
	else
		put(j, key, v);
}

void json_null(struct json *j, const char *key)
{
	/* json-c's null is the NULL object. */
	if (j->failed || j->depth == 0)
		return;
	struct json_object *top = j->stack[j->depth - 1];
	if (json_object_is_type(top, json_type_array) ? json_object_array_add(top, NULL)
						      : json_object_object_add(top, key, NULL))
		j->failed = true;
}
