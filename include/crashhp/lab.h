/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_LAB_H
#define CRASHHP_LAB_H

#include <stdbool.h>
#include <stdint.h>

#include "crashhp/hotplug.h"
#include "crashhp/progress.h"
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
	bool complete;           /* ...every online page readable, no absent page read,
				    every header read as vmcore.c, makedumpfile and
				    crash(8) read it; offline memory is allowed */
	bool misread;            /* a program header a real reader misreads */
	bool unloaded;           /* no dump: no image loaded, or a load or unload
				    under way (the loader's window, not a policy's) */
	char why[256];           /* no dump: why; incomplete: the first finding */
	uint64_t missing_bytes;  /* online memory the dump lacks */
	uint64_t absent_bytes;   /* memory the dump lists that is not there */
	uint64_t offline_bytes;  /* offline memory the dump lists */
	/*
	 * Online CPUs whose NT_PRSTATUS the dump lacks (no PT_NOTE for their
	 * crash_notes: a CPU hot-added after kexec-tools read sysfs): their
	 * registers are lost; `crash_cpu_note_missing`, the panicking CPU's.
	 */
	unsigned missing_cpu_notes;
	bool crash_cpu_note_missing;
	size_t findings;
};

/*
 * Crash on the newest online CPU.  `in_flight` is a range an event under way
 * adds or removes (may be in the dump or not); NULL when none.  Joined to it:
 * the machine's event under way, and robust's deferred ranges while a holder
 * of the kexec lock is applying them (never once the lock is free: work
 * still owed then is an event lost).
 */
int chp_lab_crash(struct chp_hotplug *hp, const struct chp_ranges *in_flight,
		  struct chp_dump_result *res);

/*
 * The same crash, on a CPU of the caller's choice (`cpu` >= 0; it must be
 * online, as the kernel panics on a running CPU) and, when `vmcore` is not
 * NULL, the capture kernel's vmcore written there as chp_capture_vmcore()
 * writes it (the notes the online CPUs saved, the LOADs the header lists).
 */
struct chp_lab_crash_opts {
	int cpu;                 /* -1: the newest online CPU */
	const char *vmcore;
};
int chp_lab_crash_with(struct chp_hotplug *hp, const struct chp_ranges *in_flight,
		       const struct chp_lab_crash_opts *opts, struct chp_dump_result *res);
/* Crash with other threads running: the machine's event under way is in flight too. */
int chp_lab_crash_now(struct chp_hotplug *hp, struct chp_dump_result *res);

/*
 * The concurrent lab: `threads` threads each making `events` hotplug events
 * (DIMMs of one block added and removed, blocks offlined and onlined, CPUs
 * onlined and offlined), a thread unloading and loading the crash image, and
 * a crash at a moment chosen by the seed; `rounds` times.  After each round,
 * once every thread is done, one more crash shows whether an event was lost.
 * The loader loads as `load` says (its mode and flags; NULL: kexec_file_load,
 * each load after an unload): a kexec_load, over the loaded image as
 * `kexec -p` makes it, reads the machine as kexec-tools does, then yields to
 * the event threads until one has made an event, then makes its syscall.
 */
struct chp_concurrent_spec {
	enum chp_arch arch;
	enum chp_policy policy;
	unsigned threads;
	unsigned events;          /* per thread and round */
	unsigned rounds;
	uint64_t seed;
	const struct chp_load_options *load;  /* mode and flags; NULL: kexec_file_load */
	struct chp_progress progress;  /* rounds done of `rounds`; none when NULL */
	/* Where the phase was asked for: errors read "NAME:LINE: ..." (NULL: not prefixed). */
	const char *name;
	unsigned line;
};

struct chp_concurrent_result {
	uint64_t events;          /* notified */
	uint64_t loads;           /* loads done meanwhile (kexec_file_load: each after an unload) */
	uint64_t crashes, dumps, complete, no_dump;
	uint64_t no_dump_unloaded;/* of no_dump: no image loaded, or a load under way */
	uint64_t final_incomplete;/* rounds whose settled header was wrong: lost events, or
				     a kexec_load image no handler updates */
	uint64_t dropped, deferred;
	uint64_t removal_waits;   /* memory about to go waited for the kexec lock's holder */
	uint64_t gap_loads;       /* kexec_load loads with events between the read and the */
	uint64_t gap_events;      /* syscall's kexec lock, and those events: the image missed them */
	char first_problem[320];
};

int chp_lab_concurrent(const struct chp_concurrent_spec *spec, struct chp_concurrent_result *out);

struct chp_scenario;

/* One point of the timeline: what is online against what the header covers. */
struct chp_timeline_point {
	uint64_t event;
	uint64_t expected;   /* online memory the dump must hold */
	uint64_t covered;    /* memory the header's RAM LOADs describe */
	uint64_t absent;     /* of which not in the machine */
	/*
	 * A load holds the kexec lock and events met it that the policy
	 * deferred (robust): the header lacks them until the lock holder
	 * applies them at its release.  No crash can take a dump meanwhile
	 * (the panic path's kexec_trylock() fails), so covered < online here
	 * is owed, not lost.
	 */
	bool owed;
};

/* What one planned crash of a scenario run yielded, worst first. */
enum chp_crash_outcome {
	CHP_CRASH_NO_DUMP,        /* the capture kernel produced nothing */
	CHP_CRASH_MISSING,        /* a dump lacking online memory */
	CHP_CRASH_ABSENT,         /* a dump listing memory not in the machine */
	CHP_CRASH_MISREAD,        /* a dump a real reader misreads (memory aside) */
	CHP_CRASH_COMPLETE,       /* complete, offline memory or not */
};

struct chp_crash_mark {
	uint64_t event;           /* events handled before the crash (mid-update: during the next) */
	enum chp_crash_outcome outcome;
	bool unloaded;            /* no dump: the loader's window, not the policy's */
};

/* Events [first, last] (1-based, inclusive) that met the kexec lock held (kexec-busy). */
struct chp_event_window {
	uint64_t first, last;
	uint64_t dropped;   /* of them, the policy dropped (mainline): never applied */
};

/* What one policy did over a whole scenario. */
struct chp_run_result {
	enum chp_policy policy;
	uint64_t events, dropped, deferred, failures, updates, capacity_merges, stores;
	uint64_t removal_waits;   /* memory about to go waited for the kexec lock's holder */
	uint64_t failed_loads;    /* reloads refused (header too large): the old image stayed */
	uint64_t gap_loads;       /* kexec_load reloads with events between read and syscall, */
	uint64_t gap_events;      /* ...and those events: the image loaded missed them */
	/* The planned crashes, the same points for every policy (not exhaustive's). */
	uint64_t crashes, dumps, complete, no_dump;
	uint64_t no_dump_unloaded;                 /* of no_dump: the loader's window */
	uint64_t misread_dumps;                    /* a header field a reader misreads */
	uint64_t missing_dumps, missing_bytes;     /* dumps lacking online memory */
	uint64_t absent_dumps, absent_bytes;       /* dumps listing absent memory */
	uint64_t offline_dumps, offline_bytes;     /* dumps listing offline memory: the
						      kernel's rule, not incomplete */
	uint64_t note_missing_dumps;               /* dumps lacking an online CPU's registers, */
	uint64_t crash_note_missing_dumps;         /* ...of them the panicking CPU's */
	/* crash-exhaustive: a crash after every step of its events' updates. */
	uint64_t exhaustive_steps, exhaustive_complete, exhaustive_no_dump;
	uint64_t exhaustive_missing_dumps;         /* of its dumps: lacking online memory */
	uint64_t exhaustive_absent_dumps;          /* of its dumps: listing absent memory */
	uint64_t exhaustive_events, exhaustive_silent; /* events chosen; of them, without a store */
	uint64_t exhaustive_silent_event;          /* the first event without a store, or 0 */
	uint64_t ev_median_ns, ev_p99_ns, ev_max_ns, ev_total_ns;
	size_t slots_used, slots_peak, slots_total;
	uint64_t expected_final;
	struct chp_timeline_point *timeline;
	size_t ntimeline;
	struct chp_crash_mark *crash_marks;   /* every planned crash, in order (not exhaustive's) */
	size_t ncrash_marks;
	struct chp_event_window *busy;        /* kexec-busy stretches, in order */
	size_t nbusy;
	char first_problem[320];
};

typedef void (*chp_progress_fn)(void *ctx, enum chp_policy policy, uint64_t done, uint64_t total);

/* Events the scenario makes (a dry run of its actions on a bare machine). */
int chp_lab_count_events(const struct chp_scenario *sc, uint64_t *events);
/*
 * Run the scenario under one policy: every crash it plans is taken at the
 * same event (and the same step position within an update) whichever the
 * policy.  Errors name the scenario line.
 */
int chp_lab_run(struct chp_run_result **out, const struct chp_scenario *sc,
		enum chp_policy policy, chp_progress_fn progress, void *ctx);
void chp_run_result_free(struct chp_run_result *r);
/*
 * After chp_lab_run (or chp_lab_crash_with) failed, in the same thread:
 * true when the failure was writing the caller's copy of a dump
 * (sc->vmcore_out, opts->vmcore), an output error (a full disk, the
 * file-size limit), not a fault of the scenario.
 */
bool chp_lab_output_failed(void);

#endif
