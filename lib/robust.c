/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashhp's own policy: the elfcorehdr changed in place, in O(changed).
 *
 * Layout: the header never moves.  Notes and the kernel-text LOAD stay where
 * the load put them (an x86_64 kexec_load header lacking a possible CPU's
 * note is first rebuilt once, as the kernel does: robust_notes.c); every
 * later program header is a slot holding a RAM PT_LOAD or PT_NULL (a free
 * slot, which /proc/vmcore skips).  e_phnum is a high-water mark that only
 * grows, after the slot it uncovers is written.
 *
 * Crash consistency: every store is one aligned 8-byte (or smaller) store.
 * A slot becomes a LOAD by one store of (p_type, p_flags) after its
 * addresses were written while it was free and of size 0, and stops being
 * one by the same store of PT_NULL once it has shrunk to size 0; a free slot
 * is all zeros (write_slot() says why).  A range grows by storing
 * p_memsz before p_filesz and shrinks in the opposite order, so p_filesz <=
 * p_memsz always, and /proc/vmcore sizes by p_memsz.  A range that loses its
 * head or its middle gets a new slot for what stays before the old one lets
 * go: for that instant the two describe the same memory twice, which Linux
 * accepts, and nothing is ever uncovered.
 *
 * O(changed): live slots are indexed by start address, so a range costs the
 * same whatever its size; free slots are a stack.  Only a full header costs
 * more: finding the pair to merge walks the ranges once.
 *
 * The slots, their stores and the index are the slot core,
 * lib/kernel/crash_slots.c: the same file is the kernel patch's
 * kernel/crash_slots.c (tests/kernel/same-source.sh).  This file is what the
 * lab adds around it: the event's ranges, the resync, ppc64's FDT, and
 * capacity's policy.  Capacity: an addition leaves one slot free for cuts
 * (the core's CUT_RESERVE), so a removal's split or head cut has one and
 * memory going is never left listed; with no slot to spare, two
 * neighbouring ranges merge (the core's make_room()).  Covering offline
 * memory is better than losing online memory, so a merge may bridge offline
 * (present) memory or, last, the crashkernel, never absent memory
 * (core_gap_cost()); what it bridged is cut out again once a slot is free
 * (give_back()), or as its memory is removed (release_range()), which no
 * crash hotplug event tells.  So is offline memory a reload's header lists:
 * the resync cuts it only while a slot beyond the one kept for cuts is free,
 * and else keeps it, bridged; and so is a block going offline whose cut
 * finds no slot at all (the reserve spent, nothing merges): it stays listed,
 * as Linux's own header lists it, and no online memory goes for it.  Only
 * memory absent or about to be is cut whatever it costs (release_range(),
 * the resync's absent ranges, an absent bridge): listing it is worse than
 * leaving online memory out (a capture kernel reading memory that is gone
 * may fault or hang: no dump at all).  So when nothing may merge, an
 * addition that would take the reserve is refused and so is, once the
 * reserve is spent, what lies above such a cut with no slot
 * (core_uncovered()): each a handler failure, logged, remembered
 * (uncovered) and covered again as soon as room returns (add_back()).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/crashmem.h"
#include "crashhp/elfcore.h"
#include "crashhp/fdt.h"
#include "crashhp/error.h"
#include "hotplug_internal.h"
#include "internal.h"
#include "linux/crash_slots.h"
#include "policies.h"
#include "robust_notes.h"

struct chp_robust {
	uint64_t seg;          /* physical address of the header */
	struct crash_slots *slots;  /* the slot core, shared with the kernel */
	struct chp_hotplug *hp;
	/* Reused by every event (handlers run one at a time, under the kexec
	 * lock), so a steady-state event allocates nothing. */
	struct chp_ranges *pieces, *exclusions;
	/* Capacity: what the header covers only because a merge bridged a gap
	 * (offline or excluded memory), given back when a slot is free. */
	struct chp_ranges *bridged, *bridged_work, *safe;
	/* Capacity: online memory the header leaves out for want of a slot (an
	 * addition refused by the reserve kept for cuts, or what lay above a cut
	 * that found no slot at all), added back when room returns (add_back()). */
	struct chp_ranges *uncovered;
	bool short_of_slots;   /* this update left something out: a handler failure */
	/* ppc64: where each possible CPU's FDT status value sits (0: no node),
	 * found once, so ADD_CPU neither copies nor walks the tree. */
	uint64_t fdt_paddr;
	uint32_t *cpu_status;
	unsigned ncpu_status;
	bool big;
	/* The header as attached: its length and its PT_NOTEs (robust_notes.c). */
	size_t hdr_len, notes;
	bool notes_checked;
};

/* Robust's view of the loaded header: the handler's policy_state, or NULL. */
static struct chp_robust *robust_of(const struct chp_hotplug *hp)
{
	return hp->policy_state;
}

static int robust_attach(struct chp_hotplug *hp);
static void robust_detach(struct chp_hotplug *hp);

/* ---- what the slot core (lib/kernel/crash_slots.c) asks of the lab ---- */

/* Every store of the core: one aligned store into the crash region, a crash point. */
static int core_store(void *ctx, size_t off, u64 val, unsigned int len)
{
	struct chp_robust *r = ctx;
	uint8_t b[8];

	if (len != 8 && len != 2)
		return -EINVAL;  /* the core stores 8 bytes, or e_phnum's 2 */
	if (len == 8)
		chp_put64(b, val, r->big);
	else
		chp_put16(b, (uint16_t)val, r->big);
	return chp_hp_store(r->hp, r->seg + off, b, len);
}

/*
 * What a merge may bridge: present memory (online, or offline, which the
 * kernel's own header lists) and what headers leave out (the crashkernel, x86's
 * low 1 MiB), never absent memory.  Filled once per search.
 */
/*
 * What no slot describes: the kernel's exclusions and, on ppc64, the backup
 * region [0, 64 KiB), which the load's own LOAD reads from where purgatory
 * saves it (a fixed header for the slot core); a slot for it would read the
 * capture kernel's own first 64 KiB.
 */
static int robust_exclusions(const struct chp_machine *m, struct chp_ranges *out)
{
	uint64_t backup;
	int err = chp_crashmem_exclusions(m, out);

	if (!err && chp_crashmem_backup_offset(m, &backup))
		err = chp_ranges_add(out, (struct chp_range){ 0, CHP_PPC64_BACKUP_SIZE - 1 });
	return err;
}

static int fill_safe(struct chp_hotplug *hp)
{
	struct chp_robust *r = robust_of(hp);
	int err;

	chp_machine_lock_state(hp->m);
	err = chp_ranges_assign(r->safe, chp_machine_present_memory(hp->m));
	if (!err)
		err = robust_exclusions(hp->m, r->exclusions);
	if (!err)
		err = chp_ranges_add_all(r->safe, r->exclusions);
	chp_machine_unlock_state(hp->m);
	return err;
}

static int core_merge_begin(void *ctx)
{
	struct chp_robust *r = ctx;

	return fill_safe(r->hp);
}

/*
 * What bridging a gap between two ranges costs: the bytes of an offline gap
 * (Linux's own header lists offline memory); an excluded gap (the
 * crashkernel, which the capture kernel runs in) only as a last resort;
 * UINT64_MAX when it may not be bridged (absent memory).
 */
static u64 core_gap_cost(void *ctx, u64 first, u64 last)
{
	struct chp_robust *r = ctx;
	struct chp_range gap = { first, last };

	if (!chp_ranges_covers(r->safe, gap))
		return UINT64_MAX;
	if (chp_ranges_overlaps(r->exclusions, gap))
		return UINT64_MAX - 1;
	return chp_range_size(gap);
}

/* A full header merged two ranges: said, counted, and a bridged gap remembered. */
static int core_merged(void *ctx, u64 lo_start, u64 lo_last, u64 hi_start, u64 hi_last)
{
	struct chp_robust *r = ctx;
	struct chp_hotplug *hp = r->hp;
	size_t used, total;

	crash_slots_usage(r->slots, &used, &total);
	chp_hp_logf(hp, "crash hp: elfcorehdr full (%zu slots): merged [%#" PRIx64 "-%#" PRIx64
		    "] and [%#" PRIx64 "-%#" PRIx64 "]%s", total, lo_start, lo_last, hi_start,
		    hi_last, hi_start == lo_last + 1 ? "" : ", covering the offline or excluded gap between");
	chp_hp_count(hp, &hp->stats.capacity_merges, 1);
	if (hi_start > lo_last + 1)
		return chp_ranges_add(r->bridged, (struct chp_range){ lo_last + 1, hi_start - 1 });
	return 0;
}

/*
 * A cut of memory absent or about to be found no slot for what lay above
 * it, not even the reserve (an earlier cut took it) and no merge: the cut
 * is made all the same, and the online memory above it is left out until a
 * slot frees (a handler failure).  What a merge or a kept cut bridged there
 * is no longer covered, so no longer bridged, and not owed either.
 */
static int core_uncovered(void *ctx, u64 first, u64 last)
{
	struct chp_robust *r = ctx;
	struct chp_range above = { first, last };
	uint64_t before = 0, after = 0;
	size_t used, total;
	int err = chp_ranges_total_bytes(r->uncovered, &before);

	if (!err)
		err = chp_ranges_add(r->uncovered, above);
	if (!err)
		err = chp_ranges_subtract_all(r->uncovered, r->bridged);
	if (!err)
		err = chp_ranges_subtract_all(r->uncovered, r->exclusions);
	if (!err)
		err = chp_ranges_total_bytes(r->uncovered, &after);
	if (!err)
		err = chp_ranges_subtract(r->bridged, above);
	if (err || after <= before)
		return err;
	crash_slots_usage(r->slots, &used, &total);
	chp_hp_logf(r->hp, "crash hp: elfcorehdr full (%zu slots): a cut found no slot; [%#" PRIx64
		    "-%#" PRIx64 "] left out until a slot frees", total, first, last);
	r->short_of_slots = true;
	return 0;
}

static const struct crash_slots_ops core_ops = {
	.store = core_store,
	.merge_begin = core_merge_begin,
	.gap_cost = core_gap_cost,
	.merged = core_merged,
	.uncovered = core_uncovered,
};

/*
 * An update that left online memory out for want of a slot ends as a
 * handler failure, said once, after the rest of its work was done.
 */
static int short_result(struct chp_hotplug *hp, int err)
{
	struct chp_robust *r = robust_of(hp);
	bool short_of_slots = r->short_of_slots;
	size_t used, total;

	r->short_of_slots = false;
	if (err || !short_of_slots)
		return err;
	crash_slots_usage(r->slots, &used, &total);
	return chp_fail(-ENOSPC, "elfcorehdr full: %zu slots, one kept for cuts, and no two "
			"ranges merge without covering absent memory: online memory left out",
			total);
}

/* ---- ranges ---- */

/*
 * Cover online memory.  Refused (no room beyond the slot kept for cuts, no
 * merge): logged, remembered, and the update goes on; add_back() covers it
 * when room returns.
 */
static int add_range(struct chp_hotplug *hp, struct chp_range want, bool *changed)
{
	struct chp_robust *r = robust_of(hp);
	size_t used, total;
	int err = crash_slots_add(r->slots, want.start, want.last, changed);

	if (err == -ENOSPC) {
		crash_slots_usage(r->slots, &used, &total);
		chp_hp_logf(hp, "crash hp: elfcorehdr full (%zu slots, one kept for cuts) and no two "
			    "ranges merge without covering absent memory: [%#" PRIx64 "-%#" PRIx64
			    "] left out until a slot frees", total, want.start, want.last);
		r->short_of_slots = true;
		return chp_ranges_add(r->uncovered, want);
	}
	/*
	 * Online now: covered by right, no longer only bridged.  After the add,
	 * since making room for `want` may have bridged the gap holding it.
	 */
	if (!err && chp_ranges_count(r->bridged))
		err = chp_ranges_subtract(r->bridged, want);
	if (!err && chp_ranges_count(r->uncovered))
		err = chp_ranges_subtract(r->uncovered, want);
	return err;
}

/*
 * Stop covering memory.  Memory absent or about to be (@absent) is always
 * cut: the core cuts even with no slot to spare, letting the online memory
 * above go (core_uncovered()).  Memory still present (offline) whose cut
 * finds no slot at all stays listed, as Linux's own header lists it,
 * remembered as bridged (*@kept, if asked): give_back() cuts it when room
 * returns, release_range() as it goes.  Either way it is no longer owed.
 */
static int remove_range(struct chp_hotplug *hp, struct chp_range cut, bool absent, bool *changed,
			bool *kept)
{
	struct chp_robust *r = robust_of(hp);
	int err = absent ? crash_slots_remove_absent(r->slots, cut.start, cut.last, changed)
			 : crash_slots_remove(r->slots, cut.start, cut.last, changed);
	size_t used, total;

	if (kept)
		*kept = false;
	if (err == -ENOSPC && absent) {
		err = 0;  /* the cut is made; core_uncovered() said what it cost */
	} else if (err == -ENOSPC) {
		crash_slots_usage(r->slots, &used, &total);
		chp_hp_logf(hp, "crash hp: elfcorehdr full (%zu slots): [%#" PRIx64 "-%#" PRIx64 "] "
			    "stays covered (offline; a cut found no slot)", total, cut.start, cut.last);
		if (kept)
			*kept = true;
		err = chp_ranges_add(r->bridged, cut);
	}
	if (!err && chp_ranges_count(r->uncovered))
		err = chp_ranges_subtract(r->uncovered, cut);
	return err;
}

/*
 * After an update: online memory left out for want of a slot is covered
 * again where room (or a merge) now allows.  Quiet while still no room: the
 * update that left it out was the failure.  Costs nothing while nothing is
 * left out; else a merge search per update, at capacity only.
 */
static int add_back(struct chp_hotplug *hp, bool *changed)
{
	struct chp_robust *r = robust_of(hp);
	int err;

	if (!chp_ranges_count(r->uncovered))
		return 0;
	err = chp_ranges_assign(r->bridged_work, r->uncovered);
	for (size_t k = 0; !err && k < chp_ranges_count(r->bridged_work); k++) {
		struct chp_range p = *chp_ranges_at(r->bridged_work, k);
		err = crash_slots_add(r->slots, p.start, p.last, changed);
		if (err == -ENOSPC)
			return 0;
		if (!err)
			chp_hp_logf(hp, "crash hp: [%#" PRIx64 "-%#" PRIx64 "] covered again",
				    p.start, p.last);
		if (!err)
			err = chp_ranges_subtract(r->uncovered, p);
		if (!err)
			err = chp_ranges_subtract(r->bridged, p);
	}
	return err;
}

/*
 * After an event: a bridged gap now absent (removed while it could not be cut
 * as it went, release_range(), or while robust was detached) is cut whatever
 * it costs; the rest is cut while slots are free.  (What came online in a gap is
 * no longer bridged: add_range() and the resync say so.)  Costs nothing while
 * no gap is bridged, and never walks the machine's blocks.
 */
static int give_back(struct chp_hotplug *hp, bool *changed)
{
	struct chp_robust *r = robust_of(hp);
	int err;

	if (!chp_ranges_count(r->bridged))
		return 0;
	err = fill_safe(hp);
	if (!err)
		err = chp_ranges_assign(r->bridged_work, r->bridged);
	for (size_t k = 0; !err && k < chp_ranges_count(r->bridged_work); k++) {
		struct chp_range gap = *chp_ranges_at(r->bridged_work, k);
		bool absent = !chp_ranges_covers(r->safe, gap), kept;
		if (!absent && !crash_slots_have_room(r->slots))
			continue;
		err = remove_range(hp, gap, absent, changed, &kept);
		if (kept)
			continue;
		if (err) {
			chp_hp_logf(hp, "crash hp: elfcorehdr full: [%#" PRIx64 "-%#" PRIx64 "] stays "
				    "covered%s", gap.start, gap.last, absent ? " though absent" : "");
			break;
		}
		chp_hp_logf(hp, "crash hp: bridged [%#" PRIx64 "-%#" PRIx64 "] no longer covered%s",
			    gap.start, gap.last, absent ? " (now absent)" : "");
		err = chp_ranges_subtract(r->bridged, gap);
	}
	return err;
}

/*
 * After an update: online memory left out is covered again first (it is
 * what a dump would miss), then bridges are cut.
 */
static int settle(struct chp_hotplug *hp, bool *changed)
{
	int err = add_back(hp, changed);

	return err ? err : give_back(hp, changed);
}

/*
 * Memory about to go, offline already (the memory bus tells as each block's
 * device goes, before try_remove_memory() drops the memory; no crash hotplug
 * event follows).  Robust lists offline memory only where it is bridged (a
 * merge covered it, or its cut found no slot), so what it lists there now is
 * cut while still present, whatever it costs: once removed, a panic would
 * read absent memory.  With no slot at all, the online memory above the cut
 * goes instead, until room returns (core_uncovered()).
 */
static int release_range(struct chp_hotplug *hp, const struct chp_hp_event *ev, bool *changed)
{
	uint64_t start = ev->start_pfn * CHP_PAGE_SIZE;
	struct chp_range gone = { start, start + ev->nr_pages * CHP_PAGE_SIZE - 1 };
	int err;

	/* Attached or not: a refused reload forgets what it bridged, the header does not. */
	if (!ev->nr_pages)
		return 0;
	if (!robust_of(hp) && (err = robust_attach(hp)))
		return err;
	err = remove_range(hp, gone, true, changed, NULL);
	if (err)
		return short_result(hp, err);
	if (*changed)
		chp_hp_logf(hp, "crash hp: bridged [%#" PRIx64 "-%#" PRIx64 "] no longer covered "
			    "(being removed)", gone.start, gone.last);
	/* No add_back() here: the memory going still counts as present, and a
	 * merge to make room would bridge it again. */
	err = chp_ranges_subtract(robust_of(hp)->bridged, gone);
	return short_result(hp, err);
}

/* ---- the policy ---- */

/* ppc64: every possible CPU's status offset, from one walk of the loaded tree. */
static int index_fdt(struct chp_hotplug *hp)
{
	struct chp_robust *r = robust_of(hp);
	struct chp_segment_info seg;
	size_t index;
	uint8_t *fdt;
	unsigned n = chp_machine_cpus_possible(hp->m);
	int err = chp_kimage_fdt_index(hp->img, &index);

	if (!err)
		err = chp_kimage_segment(hp->img, index, &seg);
	if (err)
		return err;
	if (r->ncpu_status < n) {
		uint32_t *grown = realloc(r->cpu_status, n * sizeof(*grown));
		if (!grown)
			return chp_fail(-ENOMEM, "out of memory for %u CPUs' FDT offsets", n);
		r->cpu_status = grown;
	}
	r->ncpu_status = n;
	fdt = malloc((size_t)seg.memsz);
	if (!fdt)
		return chp_fail(-ENOMEM, "out of memory");
	err = chp_kimage_read(hp->img, seg.paddr, fdt, (size_t)seg.memsz);
	if (!err)
		err = chp_fdt_cpu_status_offsets(fdt, (size_t)seg.memsz, r->cpu_status, n);
	free(fdt);
	r->fdt_paddr = err ? 0 : seg.paddr;
	return err;
}

/*
 * ppc64 ADD_CPU: the CPU's node is in the tree from the load with status
 * "fail"; one aligned 4-byte store makes it "okay".  Where that status sits
 * was found once (index_fdt), and the five bytes there are read back before
 * the store.  A tree without the node (not loaded by crashhp) gets mainline's
 * rewrite instead, after which the offsets are found again.
 */
static int robust_cpu_fdt(struct chp_hotplug *hp, unsigned cpu)
{
	struct chp_robust *r;
	uint8_t status[5];
	uint32_t offset;
	int err;

	if (!robust_of(hp) && (err = robust_attach(hp)))
		return err;
	r = robust_of(hp);
	if (!r->fdt_paddr && (err = index_fdt(hp)))
		return err;
	offset = cpu < r->ncpu_status ? r->cpu_status[cpu] : 0;
	err = offset ? chp_kimage_read(hp->img, r->fdt_paddr + offset, status, sizeof(status)) : 0;
	if (err)
		return err;
	if (!offset || (memcmp(status, "okay", 5) && memcmp(status, "fail", 5))) {
		chp_hp_logf(hp, "crash hp: CPU %u has no node in the FDT: rewriting /cpus", cpu);
		r->fdt_paddr = 0;
		return chp_arch_ppc64_update_fdt(hp);
	}
	if (!memcmp(status, "okay", 4))
		return 0;
	return chp_hp_store(hp, r->fdt_paddr + offset, "okay", 4) ? -EIO : 1;
}

static int robust_event(struct chp_hotplug *hp, const struct chp_hp_event *ev)
{
	struct chp_ranges *pieces;
	bool changed = false;
	int err;

	/* A note for every possible CPU is there from the load; ppc64 needs the FDT. */
	if (ev->action == CHP_HP_ADD_CPU && chp_machine_arch(hp->m) != CHP_ARCH_X86_64)
		return robust_cpu_fdt(hp, ev->cpu);
	if (ev->action == CHP_HP_RELEASE_MEMORY) {
		err = release_range(hp, ev, &changed);
		return err ? err : changed;
	}
	if (ev->action != CHP_HP_ADD_MEMORY && ev->action != CHP_HP_REMOVE_MEMORY)
		return 0;
	if (!robust_of(hp) && (err = robust_attach(hp)))
		return err;
	pieces = robust_of(hp)->pieces;
	err = chp_hp_event_ranges(hp, ev, pieces, robust_of(hp)->exclusions);
	if (!err)
		err = robust_exclusions(hp->m, robust_of(hp)->exclusions);
	if (!err)
		err = chp_ranges_subtract_all(pieces, robust_of(hp)->exclusions);
	for (size_t k = 0; !err && k < chp_ranges_count(pieces); k++) {
		struct chp_range p = *chp_ranges_at(pieces, k);
		/* MEM_OFFLINE: the memory is still there (its removal is heard by
		 * release_range(); a deferred event's, by the resync). */
		err = ev->action == CHP_HP_ADD_MEMORY ? add_range(hp, p, &changed)
						      : remove_range(hp, p, false, &changed, NULL);
	}
	if (!err)
		err = settle(hp, &changed);
	err = short_result(hp, err);
	return err ? err : changed;
}

static int add_to_ranges(void *arg, u64 start, u64 last)
{
	return chp_ranges_add(arg, (struct chp_range){ start, last });
}

/*
 * x86_64, a kexec_load image: once per image, the header gets the kernel's
 * rebuild when it lacks a possible CPU's note (robust_notes.c says why),
 * then robust attaches to the new header and goes on in place.
 */
static int renote(struct chp_hotplug *hp)
{
	struct chp_robust *r = robust_of(hp);
	bool copied = false;
	int err;

	r->notes_checked = true;
	err = chp_robust_give_notes(hp, r->notes, r->hdr_len, &copied);
	if (!err && copied) {
		robust_detach(hp);
		err = robust_attach(hp);
		if (!err)
			robust_of(hp)->notes_checked = true;
	}
	return err;
}

static int robust_resync(struct chp_hotplug *hp)
{
	struct chp_robust *r;
	struct chp_ranges *want, *have, *diff, *offline;
	bool changed = false;
	int err;

	if (!robust_of(hp) && (err = robust_attach(hp)))
		return err;
	if (!robust_of(hp)->notes_checked && (err = renote(hp)))
		return err;
	r = robust_of(hp);
	err = chp_ranges_new(&want);
	if (err)
		return err;
	chp_ranges_new(&have);
	chp_ranges_new(&diff);
	chp_ranges_new(&offline);
	if (!have || !diff || !offline) {
		err = chp_fail(-ENOMEM, "out of memory");
		goto out;
	}
	chp_machine_lock_state(hp->m);
	err = chp_crashmem_expected(hp->m, want);
	if (!err)
		err = robust_exclusions(hp->m, diff);
	chp_machine_unlock_state(hp->m);
	if (!err)
		err = chp_ranges_subtract_all(want, diff);
	if (!err)
		err = crash_slots_walk(r->slots, add_to_ranges, have);
	/* What is left out is found again below: want less what is covered. */
	chp_ranges_clear(r->uncovered);
	/* Removals first: room for the additions, and nothing absent kept. */
	if (!err)
		err = chp_ranges_assign(diff, have);
	if (!err)
		err = chp_ranges_subtract_all(diff, want);
	/* A bridged gap still present stays for give_back(), not cut only to be
	 * bridged elsewhere; what is wanted now is covered by right. */
	if (!err)
		err = fill_safe(hp);
	if (!err && chp_ranges_count(r->bridged)) {
		err = chp_ranges_subtract_all(r->bridged, want);
		if (!err)
			err = chp_ranges_intersect(r->bridged_work, r->bridged, r->safe);
		if (!err)
			err = chp_ranges_subtract_all(diff, r->bridged_work);
	}
	/*
	 * Listed, unwanted and still present (offline: the kernel's build lists
	 * it, and so may a header from user space): cut after what is absent,
	 * which must go whatever it costs, and only while a slot beyond the one
	 * kept for cuts is free.  Else it stays, bridged: give_back() cuts it
	 * when room returns, release_range() as it goes.  The kept slot is
	 * left for cuts of memory going: a split of offline memory would spend
	 * it, and a later cut with no slot would let online memory go.
	 */
	if (!err)
		err = chp_ranges_intersect(offline, diff, r->safe);
	if (!err)
		err = chp_ranges_subtract_all(offline, r->exclusions);
	if (!err)
		err = chp_ranges_subtract_all(diff, offline);
	for (size_t k = 0; !err && k < chp_ranges_count(diff); k++)
		err = remove_range(hp, *chp_ranges_at(diff, k), true, &changed, NULL);
	for (size_t k = 0; !err && k < chp_ranges_count(offline); k++) {
		struct chp_range p = *chp_ranges_at(offline, k);
		if (crash_slots_have_room(r->slots)) {
			err = remove_range(hp, p, false, &changed, NULL);
			continue;
		}
		chp_hp_logf(hp, "crash hp: elfcorehdr full: [%#" PRIx64 "-%#" PRIx64 "] stays covered "
			    "(offline; no slot beyond the one kept for cuts)", p.start, p.last);
		err = chp_ranges_add(r->bridged, p);
	}
	if (!err)
		err = chp_ranges_assign(diff, want);
	if (!err)
		err = chp_ranges_subtract_all(diff, have);
	for (size_t k = 0; !err && k < chp_ranges_count(diff); k++)
		err = add_range(hp, *chp_ranges_at(diff, k), &changed);
	if (!err)
		err = give_back(hp, &changed);
	err = short_result(hp, err);
	/* ppc64: a deferred ADD_CPU is owed too: every present CPU in the tree. */
	for (unsigned cpu = 0; !err && chp_machine_arch(hp->m) != CHP_ARCH_X86_64 &&
	     cpu < chp_machine_cpus_possible(hp->m); cpu++) {
		chp_machine_lock_state(hp->m);
		bool present = chp_machine_cpu_present(hp->m, cpu);
		chp_machine_unlock_state(hp->m);
		if (present) {
			int done = robust_cpu_fdt(hp, cpu);
			err = done < 0 ? done : 0;
		}
	}
out:
	chp_ranges_free(want);
	chp_ranges_free(have);
	chp_ranges_free(diff);
	chp_ranges_free(offline);
	return err;
}

/* Read the loaded header into the slot core. */
static int robust_attach(struct chp_hotplug *hp)
{
	struct chp_segment_info seg;
	struct chp_robust *r;
	enum chp_arch arch = chp_machine_arch(hp->m);
	uint8_t eh[CHP_ELF_EHDR_SIZE], *hdr = NULL;
	size_t nslots, hwm, len = 0;
	int err = chp_hp_header_segment(hp, &seg);

	if (err)
		return err;
	r = calloc(1, sizeof(*r));
	if (!r)
		return chp_fail(-ENOMEM, "out of memory");
	r->seg = seg.paddr;
	r->hp = hp;
	r->big = chp_arch_big_endian(arch);
	nslots = chp_elfcore_slots((size_t)seg.memsz);
	hp->policy_state = r;
	if (chp_ranges_new(&r->pieces) || chp_ranges_new(&r->exclusions) ||
	    chp_ranges_new(&r->bridged) || chp_ranges_new(&r->bridged_work) ||
	    chp_ranges_new(&r->safe) || chp_ranges_new(&r->uncovered))
		err = chp_fail(-ENOMEM, "out of memory for %zu slots", nslots);
	if (!err)
		err = chp_kimage_read(hp->img, r->seg, eh, sizeof(eh));
	if (!err) {
		hwm = chp_get16(eh + 56, r->big);
		if (hwm > nslots)
			err = chp_fail(-EINVAL, "robust: e_phnum %zu beyond the %zu slots", hwm, nslots);
		len = CHP_ELF_EHDR_SIZE + hwm * CHP_ELF_PHDR_SIZE;
		r->hdr_len = len;
	}
	if (!err && !(hdr = malloc(len)))
		err = chp_fail(-ENOMEM, "out of memory for %zu slots", nslots);
	if (!err)
		err = chp_kimage_read(hp->img, r->seg, hdr, len);
	if (!err)
		r->notes = chp_robust_count_notes(hdr, len, r->big);
	if (!err) {
		struct crash_slots_cfg cfg = {
			.ops = &core_ops,
			.ctx = r,
			.big_endian = r->big,
			.direct_map = chp_arch_direct_map_base(arch),
			.text_vaddr = chp_arch_text_vaddr(arch),
		};
		err = crash_slots_create(&r->slots, &cfg, hdr, len, (size_t)seg.memsz);
		if (err)
			err = chp_fail(err, "robust: cannot attach to the header (%zu slots)", nslots);
	}
	free(hdr);
	if (err) {
		robust_detach(hp);
		return err;
	}
	return 0;
}

static void robust_detach(struct chp_hotplug *hp)
{
	struct chp_robust *r = robust_of(hp);

	if (!r)
		return;
	crash_slots_free(r->slots);
	free(r->cpu_status);
	chp_ranges_free(r->bridged);
	chp_ranges_free(r->bridged_work);
	chp_ranges_free(r->safe);
	chp_ranges_free(r->uncovered);
	chp_ranges_free(r->pieces);
	chp_ranges_free(r->exclusions);
	free(r);
	hp->policy_state = NULL;
}

static void robust_usage(const struct chp_hotplug *hp, size_t *used, size_t *total)
{
	crash_slots_usage(robust_of(hp)->slots, used, total);
}

/*
 * The patched kernel: a contended event is owed to the lock's holder, not
 * dropped; memory leaving is heard as it goes (a bridge over it is cut), and
 * when it finds the lock held it waits for the holder rather than owe the
 * cut, so the cut lands before the memory goes (hotplug.c, wait_for_holder());
 * a panic during an update takes its dump (every store leaves a header a
 * capture kernel reads); and a load holds hotplug off until its resync is
 * done.  Why the load does:
 *
 * The load holds memory and CPU hotplug off from before it takes the kexec
 * lock until it has let it go, as the kernel's deferred resync work does
 * (cpus_read_lock(), get_online_mems(), then only a try of the kexec lock:
 * kernel/0003).  The kernel's build lists offline-but-present blocks, and
 * robust takes them out in the resync after the load.  A DIMM made only of
 * offline blocks is removed with no crash hotplug event (no MEM_OFFLINE:
 * try_remove_memory() only drops the resource, under mem_hotplug_begin());
 * removed between the build and that resync, it stayed in the header and a
 * panic then read absent memory.  Holding the hotplug lock, that removal
 * waits for the resync to finish.
 *
 * Not chosen: taking the offline blocks out while the load still holds the
 * kexec lock as a loader.  It closes the window too, but a panic meanwhile
 * gets no dump (the loader's window), and the resync's dumps are what robust
 * promises (test_hotplug__reload_resync_takes_dumps).  Here the resync stays
 * a hotplug update whose every store a panic may see.
 *
 * A real kernel can do the same: a load waiting for get_online_mems() while
 * an offline or removal runs is no deadlock (that operation's event finds the
 * kexec lock free or defers, and a removal's wait for it is for another
 * holder: the load takes it only after the hotplug locks).  The kernel series
 * does not (kernel/README, "Not in the series": an event in either syscall
 * is deferred, a removal waits for the load); what the hold cannot cover,
 * kexec-tools' read before the syscall, both close with the resync after a
 * load with the hotplug flag (kernel/0008; here the load's resync, which on
 * x86_64 also gives every possible CPU its note: robust_notes.c).
 */
const struct chp_policy_ops chp_robust_policy = {
	.event = robust_event,
	.defers_contended = true,
	.hears_release = true,
	.release_waits = true,
	.load_holds_hotplug = true,
	.panic_during_update = true,
	.attach = robust_attach,
	.resync = robust_resync,
	.detach = robust_detach,
	.usage = robust_usage,
};
