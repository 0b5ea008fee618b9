/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashhp's own policy: the elfcorehdr changed in place, in O(changed).
 *
 * Layout: the header never moves.  Notes and the kernel-text LOAD stay where
 * the load put them; every later program header is a slot holding a RAM
 * PT_LOAD or PT_NULL (a free slot, which /proc/vmcore skips).  e_phnum is a
 * high-water mark that only grows, after the slot it uncovers is written.
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
 * O(changed): live slots are indexed by start address (slot_index.c), so a
 * range costs the same whatever its size; free slots are a stack.  Only a full
 * header costs more: finding the pair to merge walks the ranges once.
 *
 * Capacity: with no slot free, two neighbouring ranges merge (make_room()).
 * Covering offline memory is better than losing online memory, so a merge may
 * bridge offline (present) memory or, last, the crashkernel, never absent
 * memory; what it bridged is cut out again once a slot is free (give_back()).
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
#include "slot_index.h"

enum slot_state { SLOT_FREE, SLOT_LIVE, SLOT_FIXED };

struct slot {
	uint64_t start;
	uint64_t last;
	uint8_t state;
};

struct chp_robust {
	uint64_t seg;          /* physical address of the header */
	size_t nslots;         /* program headers the segment holds */
	size_t hwm;            /* e_phnum */
	size_t live;
	bool big;
	uint64_t direct;
	struct slot *slots;
	uint32_t *free_stack;
	size_t nfree;
	struct chp_slot_index index;  /* live slots by start address */
	/* Reused by every event (handlers run one at a time, under the kexec
	 * lock), so a steady-state event allocates nothing. */
	struct chp_ranges *pieces, *exclusions;
	/* Capacity: what the header covers only because a merge bridged a gap
	 * (offline or excluded memory), given back when a slot is free. */
	struct chp_ranges *bridged, *bridged_work, *safe;
	/* ppc64: where each possible CPU's FDT status value sits (0: no node),
	 * found once, so ADD_CPU neither copies nor walks the tree. */
	uint64_t fdt_paddr;
	uint32_t *cpu_status;
	unsigned ncpu_status;
};

static uint64_t phdr_addr(const struct chp_robust *r, size_t i)
{
	return r->seg + CHP_ELF_EHDR_SIZE + (uint64_t)i * CHP_ELF_PHDR_SIZE;
}

/* ---- the index ---- */

/* The live slot containing `addr`, or -1. */
static long slot_at(const struct chp_robust *r, uint64_t addr)
{
	uint32_t id = chp_slot_index_floor(&r->index, addr);

	return id != CHP_SLOT_NONE && r->slots[id].last >= addr ? (long)id : -1;
}

/* The live slot overlapping [start, last] with the lowest start, or -1. */
static long first_overlap(const struct chp_robust *r, struct chp_range want)
{
	long s = slot_at(r, want.start);
	uint32_t id;

	if (s >= 0)
		return s;
	id = chp_slot_index_ceil(&r->index, want.start);
	return id != CHP_SLOT_NONE && r->slots[id].start <= want.last ? (long)id : -1;
}

/* ---- stores: the only way the header changes ---- */

static int store64(struct chp_hotplug *hp, uint64_t paddr, uint64_t v)
{
	uint8_t b[8];

	chp_put64(b, v, hp->robust->big);
	return chp_hp_store(hp, paddr, b, 8);
}

static int commit_type(struct chp_hotplug *hp, size_t i, uint32_t type, uint32_t flags)
{
	uint8_t b[8];

	chp_put32(b, type, hp->robust->big);
	chp_put32(b + 4, flags, hp->robust->big);
	return chp_hp_store(hp, phdr_addr(hp->robust, i), b, 8);
}

/*
 * Fill a free (all-zero) slot.  crash(8) reads every program header after the
 * first as a load without looking at p_type (netdump.c), so a slot must never
 * describe memory it does not hold: p_offset, p_vaddr and p_paddr go in while
 * p_memsz is still 0 (a zero-size segment matches no address), then one store
 * of (p_type, p_flags) makes it a LOAD of size 0, then p_memsz and p_filesz
 * grow it as any range grows.  Each store is one aligned 8 bytes: a crash
 * point.
 */
static int write_slot(struct chp_hotplug *hp, size_t i, struct chp_range x)
{
	struct chp_robust *r = hp->robust;
	uint64_t a = phdr_addr(r, i), size = chp_range_size(x);
	int err = store64(hp, a + 8, x.start);            /* p_offset */

	if (!err)
		err = store64(hp, a + 16, r->direct + x.start); /* p_vaddr */
	if (!err)
		err = store64(hp, a + 24, x.start);             /* p_paddr */
	if (!err)
		err = commit_type(hp, i, CHP_PT_LOAD, CHP_PF_R | CHP_PF_W | CHP_PF_X);
	if (!err)
		err = store64(hp, a + 40, size);                /* p_memsz, then */
	if (!err)
		err = store64(hp, a + 32, size);                /* p_filesz */
	if (!err && i >= r->hwm) {
		uint8_t n[2];
		chp_put16(n, (uint16_t)(i + 1), r->big);
		err = chp_hp_store(hp, r->seg + 56, n, 2);
		if (!err)
			r->hwm = i + 1;
	}
	if (err)
		return err;
	r->slots[i] = (struct slot){ x.start, x.last, SLOT_LIVE };
	r->live++;
	chp_slot_index_insert(&r->index, (uint32_t)i, x.start);
	return 0;
}

/*
 * Free a slot so that no reader can misuse it (see write_slot()): the LOAD
 * shrinks to size 0 (p_filesz first, as any shrink), only then becomes
 * PT_NULL, and its addresses are zeroed after the type store, so a free slot
 * is all zeros and never, even for one store, a PT_NULL with an old range.
 */
static int kill_slot(struct chp_hotplug *hp, size_t i)
{
	struct chp_robust *r = hp->robust;
	uint64_t a = phdr_addr(r, i);
	int err = store64(hp, a + 32, 0);                 /* p_filesz */

	if (!err)
		err = store64(hp, a + 40, 0);             /* p_memsz */
	if (!err)
		err = commit_type(hp, i, 0 /* PT_NULL */, 0);
	for (unsigned off = 8; !err && off <= 24; off += 8) /* p_offset, p_vaddr, p_paddr */
		err = store64(hp, a + off, 0);
	if (err)
		return err;
	chp_slot_index_remove(&r->index, (uint32_t)i);
	r->slots[i].state = SLOT_FREE;
	r->free_stack[r->nfree++] = (uint32_t)i;
	r->live--;
	return 0;
}

/* Move a slot's end: p_memsz first when growing, p_filesz first when shrinking. */
static int resize_slot(struct chp_hotplug *hp, size_t i, uint64_t last)
{
	struct chp_robust *r = hp->robust;
	struct slot *s = &r->slots[i];
	uint64_t size = last - s->start + 1, a = phdr_addr(r, i);
	bool grow = last > s->last;
	int err = store64(hp, a + (grow ? 40 : 32), size);

	if (!err)
		err = store64(hp, a + (grow ? 32 : 40), size);
	if (err)
		return err;
	s->last = last; /* the index keys by start: a moved end costs nothing there */
	return 0;
}

/* ---- capacity ---- */

static bool slot_free(const struct chp_robust *r)
{
	return r->nfree || r->hwm < r->nslots;
}

static bool overlaps(struct chp_range a, struct chp_range b)
{
	return a.start <= b.last && b.start <= a.last;
}

/*
 * What a merge may bridge: present memory (online, or offline, which the
 * kernel's own header lists) and what headers leave out (the crashkernel, x86's
 * low 1 MiB), never absent memory.  Filled once per search.
 */
static int fill_safe(struct chp_hotplug *hp)
{
	struct chp_robust *r = hp->robust;
	int err;

	chp_machine_lock_state(hp->m);
	err = chp_ranges_assign(r->safe, chp_machine_present_memory(hp->m));
	if (!err)
		err = chp_crashmem_exclusions(hp->m, r->exclusions);
	if (!err)
		err = chp_ranges_add_all(r->safe, r->exclusions);
	chp_machine_unlock_state(hp->m);
	return err;
}

/*
 * What bridging the gap between two ranges would cost: 0 for adjacent ranges;
 * the bytes of an offline gap (Linux's own header lists offline memory); an
 * excluded gap (the crashkernel, which the capture kernel runs in) only as a
 * last resort; UINT64_MAX when the gap may not be bridged (absent memory, or
 * the range being cut now).
 */
static uint64_t bridge_cost(const struct chp_robust *r, const struct slot *a, const struct slot *b,
			    const struct chp_range *avoid)
{
	struct chp_range gap = { a->last + 1, b->start - 1 };

	if (avoid && (overlaps(*avoid, (struct chp_range){ a->start, a->last }) ||
		      overlaps(*avoid, (struct chp_range){ b->start, b->last })))
		return UINT64_MAX;
	if (b->start <= a->last + 1)
		return 0;
	if ((avoid && overlaps(*avoid, gap)) || !chp_ranges_covers(r->safe, gap))
		return UINT64_MAX;
	if (chp_ranges_overlaps(r->exclusions, gap))
		return UINT64_MAX - 1;
	return chp_range_size(gap);
}

/*
 * No slot is free: merge two neighbouring ranges into one (the lower grows
 * over the upper, then the upper lets go) and report it.  Adjacent ranges
 * first; else the pair whose gap holds the least offline memory, since
 * covering offline memory is better than losing online memory.  A bridged gap
 * is remembered and given back once a slot is free (give_back()).  Never
 * across absent memory, nor over `avoid`.  At capacity only: O(slots log slots).
 */
static int make_room(struct chp_hotplug *hp, const struct chp_range *avoid)
{
	struct chp_robust *r = hp->robust;
	uint32_t best = CHP_SLOT_NONE, next_of_best = CHP_SLOT_NONE;
	uint64_t best_cost = UINT64_MAX;
	int err = fill_safe(hp);

	for (uint32_t a = chp_slot_index_ceil(&r->index, 0), b; !err && a != CHP_SLOT_NONE; a = b) {
		b = chp_slot_index_next(&r->index, a);
		if (b == CHP_SLOT_NONE || r->slots[b].start <= r->slots[a].last)
			continue;
		uint64_t cost = bridge_cost(r, &r->slots[a], &r->slots[b], avoid);
		if (cost < best_cost || (cost == best_cost && cost != UINT64_MAX &&
		    r->slots[b].start - r->slots[a].last <
		    r->slots[next_of_best].start - r->slots[best].last)) {
			best = a;
			next_of_best = b;
			best_cost = cost;
		}
	}
	if (err)
		return err;
	if (best == CHP_SLOT_NONE) {
		chp_hp_logf(hp, "crash hp: elfcorehdr full (%zu slots) and no two ranges merge "
			    "without covering absent memory", r->nslots);
		return chp_fail(-ENOSPC, "elfcorehdr full: %zu slots, no two ranges merge without "
				"covering absent memory", r->nslots);
	}
	struct slot lo = r->slots[best], hi = r->slots[next_of_best];
	chp_hp_logf(hp, "crash hp: elfcorehdr full (%zu slots): merged [%#" PRIx64 "-%#" PRIx64
		    "] and [%#" PRIx64 "-%#" PRIx64 "]%s", r->nslots, lo.start, lo.last, hi.start,
		    hi.last, hi.start == lo.last + 1 ? "" : ", covering the offline or excluded gap between");
	chp_hp_count(hp, &hp->stats.capacity_merges, 1);
	if (hi.start > lo.last + 1 &&
	    (err = chp_ranges_add(r->bridged, (struct chp_range){ lo.last + 1, hi.start - 1 })))
		return err;
	err = resize_slot(hp, best, hi.last);
	return err ? err : kill_slot(hp, next_of_best);
}

/* A free slot, lowest holes first, then past the high-water mark; else make room. */
static int take_slot(struct chp_hotplug *hp, size_t *out, const struct chp_range *avoid)
{
	struct chp_robust *r = hp->robust;

	for (;;) {
		if (r->nfree) {
			*out = r->free_stack[--r->nfree];
			return 0;
		}
		if (r->hwm < r->nslots) {
			*out = r->hwm;
			return 0;
		}
		int err = make_room(hp, avoid);
		if (err)
			return err;
	}
}

/* ---- ranges ---- */

/* Cover `g`, which no slot covers. */
static int add_piece(struct chp_hotplug *hp, struct chp_range g)
{
	struct chp_robust *r = hp->robust;

	for (;;) {
		/* Extending the range that ends just below costs two stores. */
		long left = g.start ? slot_at(r, g.start - 1) : -1;
		size_t i;
		int err;

		if (left >= 0)
			return r->slots[left].last < g.last ? resize_slot(hp, (size_t)left, g.last) : 0;
		/* Making room may have bridged `g` itself. */
		if (first_overlap(r, g) >= 0)
			return 0;
		if (slot_free(r)) {
			err = take_slot(hp, &i, NULL);
			return err ? err : write_slot(hp, i, g);
		}
		err = make_room(hp, NULL);
		if (err)
			return err;
	}
}

static int add_range(struct chp_hotplug *hp, struct chp_range want, bool *changed)
{
	struct chp_robust *r = hp->robust;
	uint64_t at = want.start;
	int err = 0;

	/* Add only the gaps: an address already described is left alone. */
	while (!err && at <= want.last) {
		long s = first_overlap(r, (struct chp_range){ at, want.last });
		uint64_t gap_end = s < 0 ? want.last : r->slots[s].start - 1;

		if (s < 0 || r->slots[s].start > at) {
			err = add_piece(hp, (struct chp_range){ at, gap_end });
			*changed = true;
			continue; /* look again: the piece may have grown or merged a range */
		}
		if (r->slots[s].last >= want.last)
			break;
		at = r->slots[s].last + 1;
	}
	/*
	 * Online now: covered by right, no longer only bridged.  After the loop,
	 * since making room for `want` may have bridged the gap holding it.
	 */
	if (!err && chp_ranges_count(r->bridged))
		err = chp_ranges_subtract(r->bridged, want);
	return err;
}

static int remove_range(struct chp_hotplug *hp, struct chp_range cut, bool *changed)
{
	struct chp_robust *r = hp->robust;
	long s;
	int err = 0;

	while (!err && (s = first_overlap(r, cut)) >= 0) {
		struct slot old = r->slots[s];
		size_t i;

		*changed = true;
		if (old.start >= cut.start && old.last <= cut.last) {
			err = kill_slot(hp, (size_t)s);
		} else if (old.last <= cut.last) {
			err = resize_slot(hp, (size_t)s, cut.start - 1);
		} else {
			/*
			 * What stays above the cut gets its own slot first.  A head cut
			 * frees the old slot after: at capacity the slot is borrowed
			 * from a merge that give_back() undoes with the freed one.
			 */
			err = take_slot(hp, &i, &cut);
			if (err)
				break;
			if (r->slots[s].state != SLOT_LIVE || r->slots[s].start != old.start) {
				r->free_stack[r->nfree++] = (uint32_t)i;
				continue; /* making room rearranged things: look again */
			}
			err = write_slot(hp, i, (struct chp_range){ cut.last + 1, r->slots[s].last });
			if (!err)
				err = old.start < cut.start ? resize_slot(hp, (size_t)s, cut.start - 1)
							    : kill_slot(hp, (size_t)s);
		}
	}
	return err;
}

/*
 * After an event: a bridged gap now absent (removed without a notifier, as a
 * DIMM's resource goes after its blocks were offlined) is cut whatever it
 * costs; the rest is cut while slots are free.  (What came online in a gap is
 * no longer bridged: add_range() and the resync say so.)  Costs nothing while
 * no gap is bridged, and never walks the machine's blocks.
 */
static int give_back(struct chp_hotplug *hp, bool *changed)
{
	struct chp_robust *r = hp->robust;
	int err;

	if (!chp_ranges_count(r->bridged))
		return 0;
	err = fill_safe(hp);
	if (!err)
		err = chp_ranges_assign(r->bridged_work, r->bridged);
	for (size_t k = 0; !err && k < chp_ranges_count(r->bridged_work); k++) {
		struct chp_range gap = *chp_ranges_at(r->bridged_work, k);
		bool absent = !chp_ranges_covers(r->safe, gap);
		if (!absent && !slot_free(r))
			continue;
		err = remove_range(hp, gap, changed);
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

/* ---- the policy ---- */

/* ppc64: every possible CPU's status offset, from one walk of the loaded tree. */
static int index_fdt(struct chp_hotplug *hp)
{
	struct chp_robust *r = hp->robust;
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

	if (!hp->robust && (err = chp_robust_attach(hp)))
		return err;
	r = hp->robust;
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

int chp_robust_event(struct chp_hotplug *hp, const struct chp_hp_event *ev)
{
	struct chp_ranges *pieces;
	bool changed = false;
	int err;

	/* A note for every possible CPU is there from the load; ppc64 needs the FDT. */
	if (ev->action == CHP_HP_ADD_CPU && chp_machine_arch(hp->m) != CHP_ARCH_X86_64)
		return robust_cpu_fdt(hp, ev->cpu);
	if (ev->action != CHP_HP_ADD_MEMORY && ev->action != CHP_HP_REMOVE_MEMORY)
		return 0;
	if (!hp->robust && (err = chp_robust_attach(hp)))
		return err;
	pieces = hp->robust->pieces;
	err = chp_hp_event_ranges(hp, ev, pieces, hp->robust->exclusions);
	for (size_t k = 0; !err && k < chp_ranges_count(pieces); k++) {
		struct chp_range p = *chp_ranges_at(pieces, k);
		err = ev->action == CHP_HP_ADD_MEMORY ? add_range(hp, p, &changed)
						      : remove_range(hp, p, &changed);
	}
	if (!err)
		err = give_back(hp, &changed);
	return err ? err : changed;
}

int chp_robust_resync(struct chp_hotplug *hp)
{
	struct chp_robust *r;
	struct chp_ranges *want, *have, *diff;
	bool changed = false;
	int err;

	if (!hp->robust && (err = chp_robust_attach(hp)))
		return err;
	r = hp->robust;
	err = chp_ranges_new(&want);
	if (err)
		return err;
	chp_ranges_new(&have);
	chp_ranges_new(&diff);
	if (!have || !diff) {
		err = chp_fail(-ENOMEM, "out of memory");
		goto out;
	}
	chp_machine_lock_state(hp->m);
	err = chp_crashmem_expected(hp->m, want);
	chp_machine_unlock_state(hp->m);
	for (size_t i = 0; !err && i < r->hwm; i++)
		if (r->slots[i].state == SLOT_LIVE)
			err = chp_ranges_add(have, (struct chp_range){ r->slots[i].start, r->slots[i].last });
	/* Removals first: room for the additions, and nothing absent kept. */
	if (!err)
		err = chp_ranges_assign(diff, have);
	if (!err)
		err = chp_ranges_subtract_all(diff, want);
	/* A bridged gap still present stays for give_back(), not cut only to be
	 * bridged elsewhere; what is wanted now is covered by right. */
	if (!err && chp_ranges_count(r->bridged)) {
		err = chp_ranges_subtract_all(r->bridged, want);
		if (!err)
			err = fill_safe(hp);
		if (!err)
			err = chp_ranges_intersect(r->bridged_work, r->bridged, r->safe);
		if (!err)
			err = chp_ranges_subtract_all(diff, r->bridged_work);
	}
	for (size_t k = 0; !err && k < chp_ranges_count(diff); k++)
		err = remove_range(hp, *chp_ranges_at(diff, k), &changed);
	if (!err)
		err = chp_ranges_assign(diff, want);
	if (!err)
		err = chp_ranges_subtract_all(diff, have);
	for (size_t k = 0; !err && k < chp_ranges_count(diff); k++)
		err = add_range(hp, *chp_ranges_at(diff, k), &changed);
	if (!err)
		err = give_back(hp, &changed);
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
	return err;
}

/* Read the loaded header into the slot table and index. */
int chp_robust_attach(struct chp_hotplug *hp)
{
	struct chp_segment_info seg;
	struct chp_robust *r;
	uint8_t eh[CHP_ELF_EHDR_SIZE], ph[CHP_ELF_PHDR_SIZE];
	int err = chp_hp_header_segment(hp, &seg);

	if (err)
		return err;
	r = calloc(1, sizeof(*r));
	if (!r)
		return chp_fail(-ENOMEM, "out of memory");
	r->seg = seg.paddr;
	r->nslots = chp_elfcore_slots((size_t)seg.memsz);
	r->big = chp_arch_big_endian(chp_machine_arch(hp->m));
	r->direct = chp_arch_direct_map_base(chp_machine_arch(hp->m));
	r->slots = calloc(r->nslots ? r->nslots : 1, sizeof(*r->slots));
	r->free_stack = calloc(r->nslots ? r->nslots : 1, sizeof(*r->free_stack));
	hp->robust = r;
	r->index.root = CHP_SLOT_NONE;
	if (!r->slots || !r->free_stack || chp_ranges_new(&r->pieces) ||
	    chp_ranges_new(&r->exclusions) || chp_ranges_new(&r->bridged) ||
	    chp_ranges_new(&r->bridged_work) || chp_ranges_new(&r->safe))
		err = chp_fail(-ENOMEM, "out of memory for %zu slots", r->nslots);
	if (!err)
		err = chp_slot_index_init(&r->index, (uint32_t)r->nslots);
	if (!err)
		err = chp_kimage_read(hp->img, r->seg, eh, sizeof(eh));
	if (!err) {
		r->hwm = chp_get16(eh + 56, r->big);
		if (r->hwm > r->nslots)
			err = chp_fail(-EINVAL, "robust: e_phnum %zu beyond the %zu slots", r->hwm,
				       r->nslots);
	}
	for (size_t i = 0; !err && i < r->hwm; i++) {
		err = chp_kimage_read(hp->img, phdr_addr(r, i), ph, sizeof(ph));
		uint32_t type = chp_get32(ph, r->big);
		uint64_t pa = chp_get64(ph + 24, r->big), va = chp_get64(ph + 16, r->big);
		uint64_t memsz = chp_get64(ph + 40, r->big);
		if (err)
			break;
		if (type == CHP_PT_LOAD && memsz && chp_arch_load_is_ram(chp_machine_arch(hp->m), va)) {
			/* New slots use the header's own direct map (KASLR moves it). */
			if (!r->live)
				r->direct = va - pa;
			r->slots[i] = (struct slot){ pa, pa + memsz - 1, SLOT_LIVE };
			r->live++;
			chp_slot_index_insert(&r->index, (uint32_t)i, pa);
		} else if (type == CHP_PT_NOTE || type == CHP_PT_LOAD) {
			r->slots[i].state = SLOT_FIXED;
		}
	}
	/* Free holes, lowest index on top of the stack. */
	for (size_t i = r->hwm; !err && i-- > 0;)
		if (r->slots[i].state == SLOT_FREE)
			r->free_stack[r->nfree++] = (uint32_t)i;
	if (err) {
		chp_robust_detach(hp);
		return err;
	}
	return 0;
}

void chp_robust_detach(struct chp_hotplug *hp)
{
	struct chp_robust *r = hp->robust;

	if (!r)
		return;
	chp_slot_index_fini(&r->index);
	free(r->cpu_status);
	chp_ranges_free(r->bridged);
	chp_ranges_free(r->bridged_work);
	chp_ranges_free(r->safe);
	free(r->slots);
	free(r->free_stack);
	chp_ranges_free(r->pieces);
	chp_ranges_free(r->exclusions);
	free(r);
	hp->robust = NULL;
}

void chp_robust_usage(const struct chp_hotplug *hp, size_t *used, size_t *total)
{
	const struct chp_robust *r = hp->robust;
	size_t fixed = 0;

	for (size_t i = 0; i < r->hwm; i++)
		fixed += r->slots[i].state == SLOT_FIXED;
	*used = fixed + r->live;
	*total = r->nslots;
}
