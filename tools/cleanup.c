/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "crashhp/outfile.h"
#include "tool.h"

/*
 * What a SIGINT, SIGTERM or SIGHUP must not leave behind: every output's
 * temporary file (lib/outfile.c keeps their names), and the one directory
 * and file a command makes through here (sim's temporary vmcore, whole after
 * its rename and read for minutes by the verifier, in its own directory).  The names are copied
 * beforehand: a handler may neither allocate nor lock.
 */
static char own_file[PATH_MAX], own_dir[PATH_MAX];
static atomic_int own_has_file, own_has_dir;

static void on_signal(int sig)
{
	int saved = errno;

	chp_outfile_remove_partials();
	if (atomic_load(&own_has_file))
		unlink(own_file);
	if (atomic_load(&own_has_dir))
		rmdir(own_dir);
	errno = saved;
	/* SA_RESETHAND made it the default again: delivered on return, it ends us as it would have. */
	raise(sig);
}

void tool_cleanup_on_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;
		/* An ignored signal stays ignored (nohup's SIGHUP, a shell's & and SIGINT). */
		if (!sigaction(sigs[i], NULL, &old) && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

int tool_cleanup_mkdtemp(char *tmpl)
{
	sigset_t all, old;
	int e = 0;

	if (strlen(tmpl) >= sizeof(own_dir))
		return -ENAMETOOLONG;
	/* No signal between the directory's creation and its name's record. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if (mkdtemp(tmpl)) {
		strcpy(own_dir, tmpl);
		atomic_store(&own_has_dir, 1);
	} else {
		e = -errno;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return e;
}

int tool_cleanup_own_file(const char *file)
{
	if (strlen(file) >= sizeof(own_file))
		return -ENAMETOOLONG;
	atomic_store(&own_has_file, 0);
	strcpy(own_file, file);
	atomic_store(&own_has_file, 1);
	return 0;
}

void tool_cleanup_forget(void)
{
	atomic_store(&own_has_file, 0);
	atomic_store(&own_has_dir, 0);
}
