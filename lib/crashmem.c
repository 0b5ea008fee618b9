/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "crashhp/crashmem.h"
#include "crashhp/elfcore.h"
#include "internal.h"

int chp_crashmem_exclusions(const struct chp_machine *m, struct chp_ranges *out)
{
	int err;

	chp_ranges_clear(out);
	err = chp_ranges_add_all(out, chp_machine_crashkernel(m));
	if (!err && chp_arch_excludes_low_1m(chp_machine_arch(m)))
		err = chp_ranges_add(out, (struct chp_range){ 0, (1u << 20) - 1 });
	return err;
}

static int minus_exclusions(const struct chp_machine *m, struct chp_ranges *set)
{
	struct chp_ranges *ex;
	int err = chp_ranges_new(&ex);

	if (!err)
		err = chp_crashmem_exclusions(m, ex);
	if (!err)
		err = chp_ranges_subtract_all(set, ex);
	chp_ranges_free(ex);
	return err;
}

int chp_crashmem_header_ranges(const struct chp_machine *m, struct chp_ranges *out)
{
	int err = chp_ranges_assign(out, chp_machine_system_ram(m));

	return err ? err : minus_exclusions(m, out);
}

int chp_crashmem_expected(const struct chp_machine *m, struct chp_ranges *out)
{
	int err = chp_machine_online_memory(m, out);

	return err ? err : minus_exclusions(m, out);
}

static int build_header(const struct chp_machine *m, const struct chp_ranges *memory,
			const struct chp_ranges *appended, bool present_only, void *buf,
			size_t buf_size, size_t *out_len);

int chp_crashmem_build_header_from(const struct chp_machine *m, const struct chp_ranges *memory,
				   void *buf, size_t buf_size, size_t *out_len)
{
	return build_header(m, memory, NULL, false, buf, buf_size, out_len);
}

int chp_crashmem_build_header_appended(const struct chp_machine *m, const struct chp_ranges *memory,
				       const struct chp_ranges *appended, void *buf, size_t buf_size,
				       size_t *out_len)
{
	return build_header(m, memory, appended, false, buf, buf_size, out_len);
}

bool chp_crashmem_backup_offset(const struct chp_machine *m, uint64_t *offset)
{
	const struct chp_ranges *ck = chp_machine_crashkernel(m);

	/* The lab places the backup segment first in the crash region. */
	if (chp_machine_arch(m) == CHP_ARCH_X86_64 || !chp_ranges_count(ck))
		return false;
	*offset = chp_ranges_at(ck, 0)->start;
	return true;
}

/*
 * get_crash_memory_ranges() (arch/powerpc/kexec/ranges.c): [0, 64 KiB) is
 * cut from the range it starts and added as a range of its own ("create a
 * separate program header for the backup region"), sorted first.
 */
static int split_off_backup(const struct chp_machine *m, const struct chp_ranges *memory,
			    struct chp_ranges **rest, struct chp_elfcore_desc *desc)
{
	int err;

	*rest = NULL;
	if (!chp_crashmem_backup_offset(m, &desc->backup_offset))
		return 0;
	desc->backup = true;
	err = chp_ranges_new(rest);
	if (!err)
		err = chp_ranges_assign(*rest, memory);
	if (!err)
		err = chp_ranges_subtract(*rest, (struct chp_range){ 0, CHP_PPC64_BACKUP_SIZE - 1 });
	return err;
}

int chp_crashmem_build_header_cpus(const struct chp_machine *m, const struct chp_ranges *memory,
				   bool present_only, void *buf, size_t buf_size, size_t *out_len)
{
	return build_header(m, memory, NULL, present_only, buf, buf_size, out_len);
}

static int build_header(const struct chp_machine *m, const struct chp_ranges *memory,
			const struct chp_ranges *appended, bool present_only, void *buf,
			size_t buf_size, size_t *out_len)
{
	unsigned possible = chp_machine_cpus_possible(m);
	struct chp_note_loc *notes = calloc(possible ? possible : 1, sizeof(*notes));
	struct chp_ranges *rest = NULL;
	size_t n = 0;
	int err;

	if (!notes)
		return chp_fail(-ENOMEM, "out of memory for %u CPU notes", possible);
	/* A PT_NOTE per possible CPU: CPUs that come later need no rebuild. */
	for (unsigned cpu = 0; cpu < chp_machine_cpus_possible(m); cpu++) {
		struct chp_note_loc loc = chp_machine_cpu_notes(m, cpu);
		if (present_only && !chp_machine_cpu_present(m, cpu))
			continue;
		if (loc.paddr && loc.size)
			notes[n++] = loc;
	}
	struct chp_elfcore_desc desc = {
		.arch = chp_machine_arch(m),
		.cpu_notes = notes,
		.nr_cpu_notes = n,
		.vmcoreinfo = chp_machine_vmcoreinfo(m),
		.kernel_text = chp_machine_kernel_text(m),
		.memory = memory,
		.memory_appended = appended,
		.direct_map = chp_machine_direct_map(m),
	};
	err = split_off_backup(m, memory, &rest, &desc);
	if (!err && rest)
		desc.memory = rest;
	if (!err)
		err = chp_elfcore_build(buf, buf_size, &desc, out_len);
	chp_ranges_free(rest);
	free(notes);
	return err;
}

int chp_crashmem_build_header(const struct chp_machine *m, void *buf, size_t buf_size,
			      size_t *out_len)
{
	struct chp_ranges *memory = NULL;
	int err = chp_ranges_new(&memory);

	if (!err)
		err = chp_crashmem_header_ranges(m, memory);
	if (!err)
		err = chp_crashmem_build_header_from(m, memory, buf, buf_size, out_len);
	chp_ranges_free(memory);
	return err;
}

unsigned chp_crashmem_x86_nr_cpus_default(unsigned nr_cpus)
{
	return nr_cpus >= 8192 ? 8192 : nr_cpus > 1 ? 64 : 1;
}

static size_t ppc64_segment_size(const struct chp_machine *m)
{
	struct chp_ranges *now = NULL;
	uint64_t n = 0, max = chp_machine_config_max_memory_ranges(m), size;

	/* get_crash_memory_ranges(): [0, 64 KiB) a range of its own */
	if (!chp_ranges_new(&now) && !chp_crashmem_header_ranges(m, now) &&
	    !chp_ranges_subtract(now, (struct chp_range){ 0, CHP_PPC64_BACKUP_SIZE - 1 }))
		n = chp_ranges_count(now) + 1;
	chp_ranges_free(now);
	/* possible CPUs + vmcoreinfo + the ranges + the kernel-map slot */
	size = chp_round_up(CHP_ELF_EHDR_SIZE + (chp_machine_cpus_possible(m) + 2 + n) *
			    (uint64_t)CHP_ELF_PHDR_SIZE, CHP_PAGE_SIZE);
	if (n < max)
		size += (max - n) * CHP_ELF_PHDR_SIZE;
	return (size_t)chp_round_up(size, CHP_PAGE_SIZE);
}

size_t chp_crashmem_segment_size(const struct chp_machine *m)
{
	uint64_t shown = chp_machine_elfcorehdr_size_shown(m);

	if (chp_machine_arch(m) != CHP_ARCH_X86_64)
		return ppc64_segment_size(m);
	if (shown)
		return (size_t)chp_round_up(CHP_ELF_EHDR_SIZE + shown, CHP_PAGE_SIZE);
	return chp_elfcore_segment_size(chp_crashmem_x86_nr_cpus_default(chp_machine_config_nr_cpus(m)),
					chp_machine_config_max_memory_ranges(m));
}
