/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
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
	"  crashhp COMMAND --help   help for one command\n"
	"  crashhp --version        the version\n"
	"\n"
	"Exit status: 0 success, 1 verification found discrepancies, 2 usage,\n"
	"3 invalid input, 4 system error, 5 no dump taken.  See crashhp(1).\n";

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

	if (argc < 2) {
		fputs(main_usage, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(main_usage, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("crashhp %s\n", CRASHHP_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return finish(commands[i].run(argc - 1, argv + 1));
	tool_error("'%s' is not a command; see 'crashhp --help'", argv[1]);
	return EXIT_USAGE;
}
