/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_CRASHMEM_H
#define CRASHHP_CRASHMEM_H

#include <stddef.h>

#include "crashhp/machine.h"
#include "crashhp/ranges.h"

/*
 * What a crash header describes, by each architecture's rules.
 *
 * The kernel builds the header from its view of RAM (x86_64: the System RAM
 * resources; ppc64: memblock) minus the ranges the capture kernel must not
 * read as old memory: the crashkernel reservation(s), and on x86_64 the low
 * 1 MiB, which is always reserved.
 */

/* out := ranges left out of every header on this machine's arch. */
int chp_crashmem_exclusions(const struct chp_machine *m, struct chp_ranges *out);
/* out := the memory ranges the kernel's header builder would list now. */
int chp_crashmem_header_ranges(const struct chp_machine *m, struct chp_ranges *out);
/* out := what a complete dump must hold now: online memory minus exclusions. */
int chp_crashmem_expected(const struct chp_machine *m, struct chp_ranges *out);

/*
 * Build the header the machine needs now into buf (a segment of buf_size
 * bytes), the way crash_prepare_elf64_headers() does.
 */
int chp_crashmem_build_header(const struct chp_machine *m, void *buf, size_t buf_size,
			      size_t *out_len);

/* The same, for given memory ranges (ppc64 subtracts the range being removed). */
int chp_crashmem_build_header_from(const struct chp_machine *m, const struct chp_ranges *memory,
				   void *buf, size_t buf_size, size_t *out_len);

#endif
