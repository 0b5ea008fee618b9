/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_PROGRESS_H
#define CRASHHP_PROGRESS_H

#include <stdint.h>

/*
 * How far a long operation has got, for a caller that shows it (the library
 * never prints).  `done` and `total` are in the operation's own unit (bytes
 * written, bytes compared); called from the working thread, often, so it
 * must be cheap.  A NULL `fn` is no progress wanted.  `done` and `total`
 * both 0: still working on a step that cannot say how far it has got (a
 * library without a hook); the caller may show the time it has taken.
 */
struct chp_progress {
	void (*fn)(void *ctx, uint64_t done, uint64_t total);
	void *ctx;
};

#endif
