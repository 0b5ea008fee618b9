/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashhp/dumpconf.h"
#include "crashhp/error.h"
#include "crashhp/machine.h"
#include "crashhp/outfile.h"
#include "crashhp/units.h"
#include "tool.h"

void tool_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tool_verror("", "\n", fmt, ap);
	va_end(ap);
}

const char *tool_why(void)
{
	return chp_last_error();
}

int tool_input_exit(int err)
{
	switch (err) {
	case -EINVAL:
	case -E2BIG:
	case -ENOSPC:
	case -EOVERFLOW:
		return EXIT_BAD_INPUT;
	default:
		return EXIT_SYSTEM;
	}
}

bool tool_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	/* Decimal or 0x hexadecimal: "010" is ten, not octal eight. */
	v = strtoull(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

bool tool_parse_size(const char *s, uint64_t *out)
{
	return chp_parse_size(s, out);
}

const char *tool_format_size(uint64_t bytes, char buf[32])
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	unsigned u = 0;
	uint64_t v = bytes;

	/* Exact units while they divide; otherwise one decimal. */
	while (u < 5 && v >= 1024 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	if (v < 1024 || u == 5) {
		snprintf(buf, 32, "%" PRIu64 " %s", v, units[u]);
	} else {
		double d = (double)bytes;
		u = 0;
		while (u < 5 && d >= 1024) {
			d /= 1024;
			u++;
		}
		snprintf(buf, 32, "%.1f %s", d, units[u]);
	}
	return buf;
}

bool tool_output_replaceable(const char *path)
{
	return chp_outfile_check(path) == 0;
}

int tool_check_output(const char *cmd, const char *option, const char *path)
{
	if (tool_output_replaceable(path))
		return EXIT_OK;
	tool_error("%s: %s %s: not a regular file (a link, device, FIFO or directory), which "
		   "replacing the output would destroy", cmd, option, tool_name(path));
	return EXIT_BAD_INPUT;
}

int tool_output_dir_writable(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	int err = 0;

	if (!dir)
		return -ENOMEM;
	/* The temporary file is created beside the output, then renamed over it. */
	if (access(dir, W_OK | X_OK))
		err = -errno;
	free(dir);
	return err;
}

int tool_write_file_atomic(const char *path, const void *buf, size_t len)
{
	char *tmp;
	int fd, failed = 0;

	if (!tool_output_replaceable(path))
		return -EINVAL;
	fd = chp_outfile_create(path, &tmp);
	if (fd < 0)
		return fd;
	for (const char *p = buf; len && !failed;) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno != EINTR)
			failed = -errno;
		else if (n > 0)
			p += n, len -= (size_t)n;
	}
	return chp_outfile_commit(fd, tmp, path, failed);
}

unsigned tool_notes_known(const struct chp_machine *m)
{
	unsigned n = 0;

	for (unsigned cpu = 0; cpu < chp_machine_cpus_possible(m); cpu++)
		n += chp_machine_cpu_notes(m, cpu).paddr != 0;
	return n;
}

bool tool_refuse_stdin(const char *cmd, const char *file)
{
	if (strcmp(file, "-"))
		return false;
	tool_usage_error(cmd, "'-': reading standard input is not supported (the file is read "
			 "at offsets, which a pipe has none of); give a file, ./- for one named '-'");
	return true;
}

void tool_usage_error(const char *cmd, const char *fmt, ...)
{
	char *prefix, *suffix;
	va_list ap;

	if (asprintf(&prefix, "%s: ", cmd) < 0 || (asprintf(&suffix, "; see 'crashhp %s --help'\n",
							   cmd) < 0 && (free(prefix), 1))) {
		fputs("crashhp: out of memory printing a message\n", stderr);
		return;
	}
	va_start(ap, fmt);
	tool_verror(prefix, suffix, fmt, ap);
	va_end(ap);
	free(prefix);
	free(suffix);
}

int tool_getopt(int argc, char **argv, const char *cmd, const char *shortopts,
		const struct option *longopts)
{
	char spec[64];
	int opt;

	/* ':' first: a missing value is told apart from an unknown option. */
	snprintf(spec, sizeof(spec), ":%sV", shortopts);
	opterr = 0;
	opt = getopt_long(argc, argv, spec, longopts, NULL);
	if (opt == 'V')
		exit(tool_version());
	if (opt != '?' && opt != ':')
		return opt;
	/* getopt has stepped past the word at fault (unless a short one in a cluster). */
	const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
	bool is_long = !strncmp(word, "--", 2);
	/* --version is every command's; no command lists it in its own options. */
	if (opt == '?' && !strcmp(word, "--version"))
		exit(tool_version());
	if (opt == ':') {
		if (is_long)
			tool_usage_error(cmd, "option '%.*s' needs a value", (int)strcspn(word, "="), word);
		else
			tool_usage_error(cmd, "option '-%c' needs a value", optopt);
	} else if (is_long || !optopt) {
		tool_usage_error(cmd, "unknown option '%.*s'", (int)strcspn(word, "="), word);
	} else {
		tool_usage_error(cmd, "unknown option '-%c'", optopt);
	}
	return '?';
}

int tool_check_sysroot(const char *cmd, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		tool_error("%s: %s: not a directory", cmd, dir);
		return EXIT_USAGE;
	}
	if (chp_sysroot_check_prefix(dir)) {
		tool_error("%s: %s", cmd, tool_why());
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
