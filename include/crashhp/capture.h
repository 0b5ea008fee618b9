/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_CAPTURE_H
#define CRASHHP_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "crashhp/kimage.h"
#include "crashhp/machine.h"
#include "crashhp/progress.h"

/*
 * The crash, both sides of it.  The crashing kernel saves each online CPU's
 * registers into its crash_notes buffer and stamps vmcoreinfo; the capture
 * kernel checks purgatory's digest, finds the header through its command line,
 * validates it under the rules of Linux's /proc/vmcore and writes the vmcore.
 */

/* The register value the lab's CPU `cpu` holds in register `reg` at a crash. */
uint64_t chp_lab_register(unsigned cpu, unsigned reg);
/* The pid the lab gives the task running on `cpu`: cpu + 1. */
uint32_t chp_lab_cpu_pid(unsigned cpu);

/*
 * The wall-clock time the lab's crashes stamp in VMCOREINFO (CRASHTIME):
 * 2025-11-21T00:00:00Z, fixed so that dumps are reproducible; makedumpfile
 * refuses a CRASHTIME of 0.
 */
#define CHP_LAB_CRASHTIME 1763683200

/* The crashing side: NT_PRSTATUS per online CPU, VMCOREINFO with CRASHTIME. */
int chp_crash_save(struct chp_machine *m, unsigned crashing_cpu, int64_t crash_time);

/*
 * The lab's machines crash and carry on: put back the crash notes and the
 * vmcoreinfo as they were before chp_crash_save(), so that a later crash
 * finds only what it saved itself, as a real machine's first crash would.
 */
int chp_crash_forget(struct chp_machine *m);

struct chp_capture_info {
	uint64_t elfcorehdr_addr;
	size_t header_phnum;    /* program headers in the elfcorehdr */
	size_t nr_notes;        /* notes in the merged PT_NOTE */
	uint64_t notes_bytes;
	size_t notes_cut;       /* PT_NOTEs whose notes overran p_memsz, cut as Linux does */
	size_t nr_loads;
	uint64_t load_bytes;
	size_t skipped_phdrs;   /* neither NOTE nor LOAD: kept where they were, as Linux does */
	uint64_t file_size;
};

/*
 * The capture side: write the vmcore to `path` (ELF header, one merged
 * PT_NOTE first, then the PT_LOADs at page-aligned file offsets, data from old
 * memory).  The file appears under `path` only when complete.  -ENODATA when no
 * image is loaded, -EBADMSG when purgatory's check fails, -EINVAL for a header
 * the capture kernel rejects, -EFAULT for a LOAD over absent memory.
 */
int chp_capture_vmcore(const struct chp_machine *m, const struct chp_kimage *img,
		       const char *path, struct chp_capture_info *info);
/* The same, telling `progress` the LOAD bytes written out of the total. */
int chp_capture_vmcore_progress(const struct chp_machine *m, const struct chp_kimage *img,
				const char *path, struct chp_capture_info *info,
				const struct chp_progress *progress);
/*
 * The same, but absent memory under a LOAD (which a real read would
 * machine-check) reads as zeros instead of -EFAULT: the copy a lab run
 * keeps of a dump whose verdict counts that memory already.
 */
int chp_capture_vmcore_holes(const struct chp_machine *m, const struct chp_kimage *img,
			     const char *path, struct chp_capture_info *info);

/*
 * What the capture kernel holds once it has checked purgatory's digest, found
 * the header through its command line, validated it under /proc/vmcore's
 * rules and merged the notes: everything but the memory itself.  The lab
 * judges dumps of any size from this; chp_capture_vmcore() writes it out.
 */
struct chp_capture_view;

int chp_capture_view_new(struct chp_capture_view **out, const struct chp_machine *m,
			 const struct chp_kimage *img, struct chp_capture_info *info);
void chp_capture_view_free(struct chp_capture_view *v);
const struct chp_elfcore *chp_capture_view_header(const struct chp_capture_view *v);
const uint8_t *chp_capture_view_notes(const struct chp_capture_view *v, size_t *len);

/* Parse "elfcorehdr=[size@]addr[KMG]" out of a command line, as the kernel does. */
int chp_cmdline_elfcorehdr(const char *cmdline, uint64_t *addr);

#endif
