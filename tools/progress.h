/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_TOOL_PROGRESS_H
#define CRASHHP_TOOL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "crashhp/progress.h"

/*
 * One line of progress on stderr, rewritten in place: only when stderr is a
 * terminal (a log or a pipe gets nothing), only once the work has taken a
 * second (short runs stay silent; CRASHHP_PROGRESS_AFTER=SECONDS changes
 * that, crashhp(1)), at most ten times a second, and wiped at the end so
 * that the report that follows starts on a clean line.
 */
struct tool_progress {
	bool tty;
	bool shown;
	struct timespec start, last;
	double after;         /* seconds of silence first */
	char what[64];        /* "mainline: events", "writing the vmcore" */
	bool bytes;           /* done/total are bytes: shown as sizes */
	unsigned spins;       /* (0, 0) updates shown: the spinner's position */
};

void tool_progress_begin(struct tool_progress *p, const char *what, bool bytes);
void tool_progress_update(struct tool_progress *p, uint64_t done, uint64_t total);
void tool_progress_end(struct tool_progress *p);
/* For the library: a chp_progress that updates `p`. */
struct chp_progress tool_progress_hook(struct tool_progress *p);

#endif
