/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "tool.h"

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void tool_progress_begin(struct tool_progress *p, const char *what, bool bytes)
{
	memset(p, 0, sizeof(*p));
	p->tty = isatty(STDERR_FILENO);
	p->bytes = bytes;
	snprintf(p->what, sizeof(p->what), "%s", what);
	p->after = 1.0;
	const char *env = getenv("CRASHHP_PROGRESS_AFTER");
	char *end;
	if (env && *env) {
		double v = strtod(env, &end);
		if (!*end && v >= 0 && v <= 1e6)
			p->after = v;
	}
	clock_gettime(CLOCK_MONOTONIC, &p->start);
}

void tool_progress_update(struct tool_progress *p, uint64_t done, uint64_t total)
{
	struct timespec now;
	char d[32], t[32];

	if (!p->tty)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (seconds_between(&p->start, &now) < p->after ||
	    (p->shown && seconds_between(&p->last, &now) < 0.1))
		return;
	p->last = now;
	p->shown = true;
	if (!done && !total) {
		/* A step that cannot measure itself: alive, and for how long. */
		fprintf(stderr, "\rcrashhp: %s: %c %.1f s\033[K", p->what, "-\\|/"[p->spins++ % 4],
			seconds_between(&p->start, &now));
		fflush(stderr);
		return;
	}
	if (p->bytes) {
		tool_format_size(done, d);
		tool_format_size(total, t);
	} else {
		snprintf(d, sizeof(d), "%llu", (unsigned long long)done);
		snprintf(t, sizeof(t), "%llu", (unsigned long long)total);
	}
	/* \033[K: a shorter line leaves no tail of the longer one before it. */
	if (total)
		fprintf(stderr, "\rcrashhp: %s: %s of %s (%u%%)\033[K", p->what, d, t,
			(unsigned)(done >= total ? 100 : done * 100 / total));
	else
		fprintf(stderr, "\rcrashhp: %s: %s\033[K", p->what, d);
	fflush(stderr);
}

void tool_progress_end(struct tool_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->shown = false;
}

static void hook(void *ctx, uint64_t done, uint64_t total)
{
	tool_progress_update(ctx, done, total);
}

struct chp_progress tool_progress_hook(struct tool_progress *p)
{
	return (struct chp_progress){ .fn = hook, .ctx = p };
}
