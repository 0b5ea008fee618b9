/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_VERIFY_INTERNAL_H
#define CRASHHP_VERIFY_INTERNAL_H

#include "crashhp/verify.h"

struct chp_verify_report {
	struct chp_finding *v;
	size_t n;
	size_t cap;
	struct chp_verify_summary sum;
};

/* Append a finding; the detail is formatted like printf. */
int chp_report_add(struct chp_verify_report *r, enum chp_finding_kind kind,
		   struct chp_range range, unsigned cpu, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The file under verification, read by offset. */
struct chp_verify_file {
	int fd;
	uint64_t size;
	bool flattened; /* rearranged from makedumpfile -F: makedumpfile wrote it */
};

int chp_verify_file_read(const struct chp_verify_file *f, uint64_t off, void *buf, size_t len);

/*
 * Judge every program header as vmcore.c, makedumpfile and crash(8) read it
 * (verify_phdr.c): `readable` gets the memory every reader reads as what it
 * is, `read` all the memory some reader reads.  `filtered`: makedumpfile
 * wrote it (-E), pages past p_filesz are those its -d left out.
 */
int chp_verify_phdrs(struct chp_verify_report *r, const struct chp_machine *m,
		     const struct chp_elfcore *core, bool filtered, struct chp_ranges *readable,
		     struct chp_ranges *read);

/*
 * Memory described (`covered`: read as what it is by every reader; `read`: by
 * some) against what the machine has online, minus exclusions.
 */
int chp_verify_memory(struct chp_verify_report *r, const struct chp_machine *m,
		      const struct chp_ranges *covered, const struct chp_ranges *read,
		      const struct chp_ranges *in_flight);
/* A finding for each online CPU not `seen`, and for a missing VMCOREINFO. */
int chp_verify_missing_notes(struct chp_verify_report *r, const struct chp_machine *m,
			     const bool *seen, bool vmci_found);
/*
 * A vmcore file whose RAM LOADs fall short of p_memsz: only a filtering
 * writer (makedumpfile -E) writes one, /proc/vmcore never does.
 */
bool chp_verify_writer_filtered(const struct chp_machine *m, const struct chp_elfcore *core);

/* A makedumpfile dump (verify_kdump.c). */
int chp_verify_kdump_fd(struct chp_verify_report **out, const struct chp_machine *m, int fd,
			const char *name, bool flattened, const struct chp_verify_options *opt);

/* Compare the memory contents of a vmcore's LOADs with the machine's. */
int chp_verify_data(struct chp_verify_report *r, const struct chp_machine *m,
		    const struct chp_elfcore *core, const struct chp_verify_file *f,
		    const struct chp_verify_options *opt);

#endif
