/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_LAB_H
#define CRASHHP_LAB_H

#include <stdbool.h>
#include <stdint.h>

#include "crashhp/hotplug.h"
#include "crashhp/ranges.h"

/*
 * The lab's crash: the machine panics now.  The panic path decides whether
 * the capture kernel runs; if it does, the capture checks and validates the
 * header and its notes, and the dump it would write is judged against the
 * machine: the memory itself is never written, so machines of any size can
 * crash thousands of times.
 */
struct chp_dump_result {
	bool taken;              /* the capture kernel produced a dump */
	bool complete;           /* ...covering exactly what it must */
	char why[256];           /* no dump: why; incomplete: the first finding */
	uint64_t missing_bytes;  /* online memory the dump lacks */
	uint64_t absent_bytes;   /* memory the dump lists that is not there */
	uint64_t offline_bytes;  /* offline memory the dump lists */
	size_t findings;
};

/*
 * Crash on the lowest online CPU.  `in_flight` is the range an event under
 * way adds or removes (may be in the dump or not); NULL when none.
 */
int chp_lab_crash(struct chp_hotplug *hp, const struct chp_ranges *in_flight,
		  struct chp_dump_result *res);

#endif
