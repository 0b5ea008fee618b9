/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mainline (Linux 6.12) arch handlers: arch_crash_handle_hotplug_event()
 * of arch/x86/kernel/crash.c and arch/powerpc/kexec/crash.c.  Both build a
 * whole new header and copy it over the old one while kexec_crash_image is
 * NULL, so a panic during the copy takes no dump.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "crashhp/crashmem.h"
#include "crashhp/elfcore.h"
#include "hotplug_internal.h"
#include "internal.h"
#include "policies.h"

/* Copy a rebuilt header over the segment, the image hidden meanwhile. */
static int replace_header(struct chp_hotplug *hp, const struct chp_ranges *memory,
			  const struct chp_ranges *appended)
{
	struct chp_segment_info seg;
	size_t room, len;
	void *buf;
	int err = chp_hp_header_segment(hp, &seg);

	if (err)
		return err;
	/*
	 * The kernel sizes its buffer to what the header needs, then checks.
	 * (+ 3: vmcoreinfo, the kernel map, ppc64's backup LOAD.)  On ppc64
	 * crash_prepare_elf64_headers() writes the backup LOAD with p_offset 0;
	 * sync_backup_region_phdr(image, elfbuf, false), called here since the
	 * 2026-03 fix (6.12.94), puts back image->arch.backup_start, which the
	 * builder writes directly.
	 */
	room = (size_t)chp_round_up(CHP_ELF_EHDR_SIZE + (chp_machine_cpus_possible(hp->m) + 3 +
				    chp_ranges_count(memory) + (appended ? chp_ranges_count(appended) : 0)) *
				    (uint64_t)CHP_ELF_PHDR_SIZE, CHP_PAGE_SIZE);
	buf = calloc(1, room);
	if (!buf)
		return chp_fail(-ENOMEM, "out of memory for a header");
	err = chp_crashmem_build_header_appended(hp->m, memory, appended, buf, room, &len);
	if (!err && len > seg.memsz) {
		chp_hp_logf(hp, "crash hp: update elfcorehdr elfsz %zu > memsz %" PRIu64, len, seg.memsz);
		err = chp_fail(-ENOSPC, "update elfcorehdr elfsz %zu > memsz %" PRIu64, len, seg.memsz);
	}
	if (!err)
		err = chp_hp_copy(hp, seg.paddr, buf, len);
	free(buf);
	return err ? err : 1;
}

/* What the kernel's header builder reads now (x86: resources; ppc64: memblock). */
static int current_ranges(struct chp_hotplug *hp, struct chp_ranges **out)
{
	int err = chp_ranges_new(out);

	if (err)
		return err;
	chp_machine_lock_state(hp->m);
	err = chp_crashmem_header_ranges(hp->m, *out);
	chp_machine_unlock_state(hp->m);
	return err;
}

static int x86_64_mainline(struct chp_hotplug *hp, const struct chp_hp_event *ev)
{
	struct chp_ranges *memory;
	bool cpu_event = ev->action == CHP_HP_ADD_CPU || ev->action == CHP_HP_REMOVE_CPU;
	int err;

	/* Every possible CPU is described already: nothing to do for CPUs. */
	if ((chp_kimage_mode(hp->img) == CHP_LOAD_FILE || hp->elfcorehdr_updated) && cpu_event)
		return 0;
	/*
	 * prepare_elf_headers(): the System RAM resources minus the low 1 MiB and
	 * the crashkernel.  At MEM_OFFLINE the block is still a resource, so a
	 * removed DIMM stays in the header.
	 */
	err = current_ranges(hp, &memory);
	if (!err)
		err = replace_header(hp, memory, NULL);
	else
		chp_hp_logf(hp, "crash hp: unable to create new elfcorehdr");
	chp_ranges_free(memory);
	return err;
}

/*
 * remove_mem_range() (arch/powerpc/kexec/ranges.c) as Debian's 6.12.117 has
 * it, 7afe2383eff0 ("powerpc/kdump: Fix size calculation for hot-removed
 * memory ranges", in 6.12.63) included: a removal counts only inside one
 * range; an edge is cut; a split keeps [mstart, base - 1] and adds
 * add_mem_range(end + 1, mend - end + 1), i.e. [end + 1, mend + 1]: one byte
 * past the range, which vmcore.c rounds up to a page it reads.  (Before the
 * fix the size was (base - 1) - end: a range ending before it starts.)
 * add_mem_range() appends that upper part to the list (it merges only with
 * a range it overlaps: none, the list being disjoint) and nothing sorts the
 * list again before crash_prepare_elf64_headers(): its LOAD comes last,
 * after every other range, in `tail`.
 */
static int ppc64_remove_mem_range(struct chp_ranges *memory, struct chp_range x,
				  struct chp_ranges *tail)
{
	for (size_t i = 0; i < chp_ranges_count(memory); i++) {
		struct chp_range r = *chp_ranges_at(memory, i);
		if (x.start < r.start || x.last > r.last)
			continue;
		int err = chp_ranges_subtract(memory, x);
		if (!err && x.start != r.start && x.last != r.last) {
			err = chp_ranges_subtract(memory, (struct chp_range){ x.last + 1, r.last });
			if (!err)
				err = chp_ranges_add(tail, (struct chp_range){ x.last + 1, r.last + 1 });
		}
		return err;
	}
	return 0;
}

static int ppc64_mainline(struct chp_hotplug *hp, const struct chp_hp_event *ev)
{
	struct chp_ranges *memory, *tail = NULL;
	int err;

	switch (ev->action) {
	case CHP_HP_REMOVE_CPU:
		return 0;
	case CHP_HP_ADD_CPU:
		return chp_arch_ppc64_update_fdt(hp);
	case CHP_HP_ADD_MEMORY:
	case CHP_HP_REMOVE_MEMORY:
		break;
	default:
		chp_hp_logf(hp, "crash hp: Unknown hotplug action");
		return 0;
	}
	/* get_crash_memory_ranges(): memblock minus the crashkernel. */
	err = current_ranges(hp, &memory);
	if (!err && (err = chp_ranges_new(&tail)))
		chp_ranges_free(memory);
	if (err) {
		chp_hp_logf(hp, "crash hp: Failed to get crash mem range");
		return err;
	}
	/* memblock still holds the range being offlined: remove it here. */
	if (ev->action == CHP_HP_REMOVE_MEMORY) {
		uint64_t base = ev->start_pfn * CHP_PAGE_SIZE;
		err = ppc64_remove_mem_range(memory, (struct chp_range){
			base, base + ev->nr_pages * CHP_PAGE_SIZE - 1 }, tail);
	}
	if (!err)
		err = replace_header(hp, memory, tail);
	chp_ranges_free(tail);
	chp_ranges_free(memory);
	return err;
}

/* arch_crash_handle_hotplug_event(), for the machine's arch. */
static int mainline_event(struct chp_hotplug *hp, const struct chp_hp_event *ev)
{
	if (chp_machine_arch(hp->m) == CHP_ARCH_X86_64)
		return x86_64_mainline(hp, ev);
	return ppc64_mainline(hp, ev);
}

/*
 * Stock 6.12: a contended event is dropped, the memory bus's removal is not
 * heard, a load takes no hotplug lock, a panic needs the kexec lock (and no
 * copy in progress), and no view of the header is kept between events.
 */
const struct chp_policy_ops chp_mainline_policy = {
	.event = mainline_event,
};
