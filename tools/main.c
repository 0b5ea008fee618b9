/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"

#ifndef CRASHHP_VERSION
#define CRASHHP_VERSION "unknown"
#endif

static const char main_usage[] =
	"Usage: crashhp COMMAND [OPTIONS]\n"
	"\n"
	"Keep a kdump crash image's ELF core header true while CPUs and memory are\n"
	"hot-plugged.\n"
	"\n"
	"Commands:\n"
	"  sim        run the lab: both policies, crashes injected, dumps judged\n"
	"  inspect    decode an elfcorehdr or a vmcore\n"
	"  status     this machine's crash-hotplug readiness\n"
	"  elfcorehdr the header this machine needs now\n"
	"  verify     compare a header or vmcore with a machine\n"
	"  watch      follow real hotplug; keep the header true; reload where needed\n"
	"\n"
	"  crashhp help COMMAND     help for one command (or crashhp COMMAND --help)\n"
	"  crashhp [COMMAND] -V     the version (also --version)\n"
	"\n"
	"Exit status, the same in every command: 0 success, 1 verification found\n"
	"discrepancies, 2 usage (also a --sysroot DIR that is missing or no machine's\n"
	"root), 3 invalid input, 4 system error (a file that cannot be read or\n"
	"written), 5 no dump taken, 6 and 7 status's verdicts.  See crashhp(1).\n";

static const char help_usage[] =
	"Usage: crashhp help [COMMAND]\n"
	"\n"
	"Print COMMAND's help, byte for byte what 'crashhp COMMAND --help' prints;\n"
	"without COMMAND, crashhp's own (crashhp --help).  'crashhp help help'\n"
	"prints this.\n"
	"\n"
	"Exit status: 0, or 2 for a COMMAND that is not one, or more than one.\n";

/*
 * An output that could not be built or written whole (no memory for the
 * JSON tree, a full disk under stdout) is a system error, whatever the
 * command had found.
 */
static int finish(int rc)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		tool_error("writing standard output: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	if (tool_output_err) {
		tool_error("%s output: %s", tool_output_err == -ENOMEM ? "building the" : "writing the",
			   strerror(-tool_output_err));
		return EXIT_SYSTEM;
	}
	return rc;
}

int tool_version(void)
{
	printf("crashhp %s\n", CRASHHP_VERSION);
	return finish(EXIT_OK);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} commands[] = {
		{ "inspect", cmd_inspect },
		{ "sim", cmd_sim },
		{ "status", cmd_status },
		{ "elfcorehdr", cmd_elfcorehdr },
		{ "verify", cmd_verify },
		{ "watch", cmd_watch },
	};

	const char *name = argc >= 2 ? argv[1] : NULL;
	bool help = false;

	/*
	 * libsmartcols escapes a table cell by the locale's idea of printable:
	 * in the C locale every byte past ASCII, so UTF-8 names would come out
	 * as \x escapes in tables and whole elsewhere.  Character types only
	 * (numbers and messages stay C), UTF-8 whatever the environment says.
	 */
	if (!setlocale(LC_CTYPE, "") || strcmp(nl_langinfo(CODESET), "UTF-8"))
		setlocale(LC_CTYPE, "C.UTF-8");
	/*
	 * A write past RLIMIT_FSIZE (ulimit -f) raises SIGXFSZ, whose default
	 * kills: ignored, the write fails with EFBIG, which every writer here
	 * reports (a --vmcore, a flattened dump rearranged into TMPDIR).
	 */
	signal(SIGXFSZ, SIG_IGN);
	tool_cleanup_on_signals();
	if (tool_text_stdout()) {
		tool_error("standard output: %s", strerror(errno));
		return EXIT_SYSTEM;
	}

	if (!name) {
		tool_error("no command given; see 'crashhp --help'");
		return EXIT_USAGE;
	}
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || (!strcmp(name, "help") && argc == 2)) {
		fputs(main_usage, stdout);
		return finish(EXIT_OK);
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		return tool_version();
	}
	/* "crashhp help CMD" is "crashhp CMD --help". */
	if (!strcmp(name, "help")) {
		if (argc > 3) {
			tool_error("help: one COMMAND at most; see 'crashhp --help'");
			return EXIT_USAGE;
		}
		name = argv[2];
		help = true;
		if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
			fputs(help_usage, stdout);
			return finish(EXIT_OK);
		}
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name))
			continue;
		if (help) {
			char *args[] = { argv[2], (char *)"--help", NULL };
			return finish(commands[i].run(2, args));
		}
		return finish(commands[i].run(argc - 1, argv + 1));
	}
	if (name[0] == '-') {
		tool_error("unknown option '%s'; see 'crashhp --help'", name);
		return EXIT_USAGE;
	}
	tool_error("'%s' is not a command; see 'crashhp --help'", name);
	return EXIT_USAGE;
}
