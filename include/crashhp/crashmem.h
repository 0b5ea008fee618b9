/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_CRASHMEM_H
#define CRASHHP_CRASHMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/*
 * ppc64: *offset := where the crash image keeps its copy of [0, 64 KiB)
 * (image->arch.backup_start; the lab places that segment first in the
 * crash region), which the header's backup PT_LOAD names as p_offset.
 * false on x86_64 and without a crashkernel.
 */
bool chp_crashmem_backup_offset(const struct chp_machine *m, uint64_t *offset);

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

/* The same, `appended`'s LOADs after those of `memory`, unsorted (see chp_elfcore_desc). */
int chp_crashmem_build_header_appended(const struct chp_machine *m, const struct chp_ranges *memory,
				       const struct chp_ranges *appended, void *buf, size_t buf_size,
				       size_t *out_len);

/*
 * The same with CPU notes for the present CPUs only when `present_only`: as
 * kexec-tools builds a kexec_load header (crash_create_elf64_headers(): the
 * cpuN/crash_notes files of sysconf(_SC_NPROCESSORS_CONF), the CPUs sysfs
 * shows), where the kernel's own describes every possible CPU.
 */
int chp_crashmem_build_header_cpus(const struct chp_machine *m, const struct chp_ranges *memory,
				   bool present_only, void *buf, size_t buf_size, size_t *out_len);

/*
 * CONFIG_NR_CPUS_DEFAULT on x86_64, what the header reserves CPU slots for:
 * 8192 under MAXSMP (which also makes NR_CPUS 8192: Debian's, Fedora's),
 * else 64 (arch/x86/Kconfig).  A kernel of NR_CPUS 8192 without MAXSMP is
 * taken as MAXSMP; the live kernel's crash_elfcorehdr_size, where shown,
 * settles it.
 */
unsigned chp_crashmem_x86_nr_cpus_default(unsigned nr_cpus);

/*
 * Bytes of the elfcorehdr segment a crash image load reserves now, by the
 * arch's rules in Linux 6.12:
 *   x86_64 (crash_load_segments): (2 + NR_CPUS_DEFAULT + CRASH_MAX_MEMORY_RANGES)
 *     program headers + the ELF header, page-rounded by kexec_add_buffer();
 *     on a live machine the kernel's own crash_elfcorehdr_size (the same
 *     program headers, arch_crash_get_elfcorehdr_size()) + the ELF header.
 *   ppc64 (load_elfcorehdr_segment): the header as built now, page-rounded
 *     (crash_prepare_elf64_headers() counts a kernel-map slot it leaves
 *     unused), + kdump_extra_elfcorehdr_size(): CRASH_MAX_MEMORY_RANGES minus
 *     the ranges at load (get_crash_memory_ranges(), the [0, 64 KiB) backup
 *     region being one of its own) program headers, page-rounded.
 */
size_t chp_crashmem_segment_size(const struct chp_machine *m);

#endif
