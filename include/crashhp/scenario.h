/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_SCENARIO_H
#define CRASHHP_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crashhp/hotplug.h"
#include "crashhp/loader.h"
#include "crashhp/machine.h"

/*
 * A lab scenario: plain text, one directive a line, '#' starts a comment.
 * The language is documented in crashhp-scenario(5).  Settings (the machine,
 * the load, the policies, the crash plan) come before the first action.
 */
enum chp_sc_op {
	CHP_SC_ADD_DIMM,        /* a: size, b: address (0: next free) */
	CHP_SC_REMOVE_DIMM,     /* a: address (0: the last added still there) */
	CHP_SC_ONLINE_BLOCK,    /* a: block */
	CHP_SC_OFFLINE_BLOCK,
	CHP_SC_ADD_CPU,         /* a: cpu */
	CHP_SC_ONLINE_CPU,
	CHP_SC_OFFLINE_CPU,
	CHP_SC_REMOVE_CPU,
	CHP_SC_GROW_MEMORY,     /* a: total bytes, b: DIMM size */
	CHP_SC_SHRINK_MEMORY,   /* a: total bytes */
	CHP_SC_GROW_CPUS,       /* a: CPUs online */
	CHP_SC_SHRINK_CPUS,
	CHP_SC_CRASH,           /* a crash at this point; a: 1 + the CPU that panics (0: the newest online) */
	CHP_SC_CRASH_EXHAUSTIVE,/* during event a (0: the next one), a crash after every step */
	CHP_SC_KEXEC_BUSY,      /* a: events during which a load holds the kexec lock */
	CHP_SC_RELOAD,          /* unload and load again */
	CHP_SC_STORM,           /* a: DIMMs of one block hot-added back to back */
	CHP_SC_CRASH_AT,        /* a: a crash after event a (counted from 1) */
	CHP_SC_RELOAD_READ,     /* a reload's kexec-tools reads the machine (kexec_load) */
	CHP_SC_RELOAD_SYSCALL,  /* ...and its syscall loads what it read */
};

struct chp_sc_action {
	enum chp_sc_op op;
	uint64_t a;
	uint64_t b;
	unsigned line;
};

/* The settings a machine that cannot be built may be blamed on (their lines). */
enum chp_sc_setting {
	CHP_SC_SET_ARCH,
	CHP_SC_SET_CPUS,
	CHP_SC_SET_NR_CPUS,
	CHP_SC_SET_MAX_RANGES,
	CHP_SC_SET_RAM,
	CHP_SC_SET_BLOCK,
	CHP_SC_SET_CRASHKERNEL,
	CHP_SC_SET_LOAD,
	CHP_SC_NR_SETTINGS
};

struct chp_scenario {
	char *name;              /* as given, whole (a file path has no length limit here) */
	unsigned setting_line[CHP_SC_NR_SETTINGS]; /* where each was last set (0: the default) */
	struct chp_lab_spec spec;
	struct chp_load_options load;
	bool run_policy[2];       /* indexed by enum chp_policy */
	uint64_t seed;
	unsigned crash_every;     /* a crash after every Nth event (0: none) */
	unsigned crash_during;    /* crashes in the middle of updates, spread by the seed */
	unsigned conc_threads;    /* concurrent phase (0: none): event threads, */
	unsigned conc_events;     /* events per thread and round, */
	unsigned conc_rounds;     /* rounds, each with a loader and a random crash */
	unsigned conc_line;       /* the concurrent line, named by the phase's errors */
	struct chp_sc_action *actions;
	size_t nactions;
	/* Set by the caller, not the text: each dump a `crash` line takes is written here (the last stays). */
	const char *vmcore_out;
};

/* Parse `text`; errors read "NAME:LINE:COLUMN: message". */
int chp_scenario_parse(struct chp_scenario **out, const char *text, const char *name);
/*
 * The line to blame for a machine or load that cannot be built from the
 * settings: WHY is the machine's message, which starts with the field it
 * rejects (crashhp-sim(1): "cpus_present: 8, must be 1..4"); the latest of
 * the lines that set what that field depends on.  0 when every one of them
 * is a default (the built-in values, which build).
 */
unsigned chp_scenario_setting_line(const struct chp_scenario *sc, const char *why);
void chp_scenario_free(struct chp_scenario *sc);

/* The built-in scenario `crashhp sim` runs with no argument. */
const char *chp_scenario_default_text(void);

#endif
