/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_VERIFY_H
#define CRASHHP_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crashhp/elfcore.h"
#include "crashhp/machine.h"
#include "crashhp/progress.h"

/*
 * Compare an elfcorehdr or a vmcore with the machine's state at the crash and
 * list every discrepancy.  A header is judged on what it describes; a vmcore
 * also on its notes' contents and its memory contents.
 */

enum chp_finding_kind {
	CHP_FINDING_MISSING_MEMORY,  /* online memory the dump lacks */
	CHP_FINDING_ABSENT_MEMORY,   /* memory that is not in the machine */
	CHP_FINDING_OFFLINE_MEMORY,  /* present, but in offline blocks */
	CHP_FINDING_EXCLUDED_MEMORY, /* crashkernel, or x86's low 1 MiB */
	CHP_FINDING_CPU_NOTE_MISSING,
	CHP_FINDING_CPU_NOTE_WRONG,
	CHP_FINDING_VMCOREINFO,
	CHP_FINDING_KERNEL_TEXT,
	CHP_FINDING_DATA_WRONG,      /* bytes that differ from the machine's */
	CHP_FINDING_MISREAD,         /* a program header a real reader misreads */
	CHP_FINDING_CPU_NOTE_UNKNOWN, /* a CPU whose crash_notes the machine does not show */
	CHP_FINDING_ARCH_UNKNOWN,    /* a dump that names no architecture (empty utsname) */
	CHP_FINDING_KEXEC_TOOLS_BACKUP, /* x86 kexec_load: the low 640 KiB, read from its copy */
};

/* What a finding means for the file's verdict. */
enum chp_finding_class {
	CHP_FINDING_DISCREPANCY,     /* the file lacks, adds or misstates something */
	CHP_FINDING_NOTE,            /* the kernel's or kexec-tools' own rule: offline memory
				      * still System RAM, kexec-tools' backup of low memory */
	CHP_FINDING_UNCHECKED,       /* the machine or the dump shows too little to check it */
};

enum chp_finding_class chp_finding_class_of(enum chp_finding_kind kind);
/* "discrepancy", "note", "cannot-check" */
const char *chp_finding_class_name(enum chp_finding_class c);

struct chp_finding {
	enum chp_finding_kind kind;
	struct chp_range range; /* memory findings: the physical range */
	unsigned cpu;           /* CPU findings */
	char detail[192];
};

struct chp_verify_summary {
	enum chp_elfcore_kind kind;  /* header or vmcore */
	uint64_t expected_bytes;     /* online memory minus exclusions */
	uint64_t covered_bytes;      /* memory the RAM LOADs make readable to every reader */
	uint64_t missing_bytes;
	uint64_t absent_bytes;
	uint64_t offline_bytes;
	unsigned cpus_online;
	unsigned cpu_notes_found;
	uint64_t bytes_checked;      /* memory contents compared (vmcore) */
	bool sampled;                /* contents sampled rather than all compared */
	/*
	 * A makedumpfile dump: of the memory covered, what its -d left out of the
	 * file (free, cache, user pages: the admin's choice, not missing; in a
	 * --split file, also the pages in the other files), and its dump level.
	 */
	uint64_t filtered_bytes;
	bool dump_level_known;       /* a kdump-compressed header says it; -E does not */
	bool filtered_inferred;      /* a plain -E file: known by p_filesz < p_memsz alone */
	unsigned dump_level;
	bool split;
};

struct chp_verify_options {
	uint64_t exhaustive_limit; /* compare every byte up to this much memory */
	unsigned sample_pages;     /* above it, about this many pages, plus each LOAD's ends */
	uint64_t seed;             /* which pages the sample takes */
	struct chp_progress progress; /* bytes compared of those planned; none by default */
	const char *tmpdir;        /* a flattened dump is rearranged there (NULL: /tmp) */
};

/* 4 GiB compared in full; 65536 pages sampled beyond; seed 1. */
void chp_verify_options_init(struct chp_verify_options *opt);

struct chp_verify_report;

/* Verify the file at `path` (an elfcorehdr or a vmcore, told apart by its headers). */
int chp_verify_file(struct chp_verify_report **out, const struct chp_machine *m,
		    const char *path, const struct chp_verify_options *opt);
void chp_verify_report_free(struct chp_verify_report *r);

struct chp_capture_view;
/*
 * Judge what a capture kernel holds (chp_capture_view_new()) against the
 * machine now, without writing or reading the memory: coverage and notes.
 * Ranges in `in_flight` (an event under way) may be in the dump or not.
 */
int chp_verify_view(struct chp_verify_report **out, const struct chp_machine *m,
		    const struct chp_capture_view *view, const struct chp_ranges *in_flight);

/* No discrepancies (notes and what cannot be checked aside): the header or
 * dump is complete and correct as far as the machine shows. */
bool chp_verify_report_complete(const struct chp_verify_report *r);
size_t chp_verify_report_count(const struct chp_verify_report *r);
const struct chp_finding *chp_verify_report_at(const struct chp_verify_report *r, size_t i);
const struct chp_verify_summary *chp_verify_report_summary(const struct chp_verify_report *r);

/* "missing-memory", "absent-memory", ... */
const char *chp_finding_kind_name(enum chp_finding_kind kind);

#endif
