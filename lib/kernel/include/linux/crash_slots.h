/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An elfcorehdr changed in place, one aligned store at a time, so that a
 * crash at any store finds a complete header (kernel/crash_slots.c).
 */
#ifndef _LINUX_CRASH_SLOTS_H
#define _LINUX_CRASH_SLOTS_H

#include <linux/range.h>
#include <linux/types.h>

struct crash_slots;

struct crash_slots_ops {
	/*
	 * Store the low @len (8 or 2) bytes of @val, in the header's byte
	 * order, at byte @off of the header: one aligned store that a CPU
	 * taking a crash dump on another core sees whole or not at all.
	 */
	int (*store)(void *ctx, size_t off, u64 val, unsigned int len);
	/*
	 * Optional, for a full header. merge_begin() runs before the
	 * gap_cost() calls of one search; gap_cost() says what covering the
	 * gap [first, last] between two ranges costs (U64_MAX: never);
	 * merged() is told of the merge before its stores. Without
	 * gap_cost() only touching ranges merge.
	 */
	int (*merge_begin)(void *ctx);
	u64 (*gap_cost)(void *ctx, u64 first, u64 last);
	int (*merged)(void *ctx, u64 lo_start, u64 lo_last, u64 hi_start, u64 hi_last);
	/*
	 * Optional, for a caller that adds memory back later: a cut of
	 * memory absent or about to be (crash_slots_remove_absent()) found no
	 * slot for what stays above it, not even the one additions leave
	 * free, and no merge to make one; it is made all the same and
	 * [first, last], which the caller did not remove, is no longer
	 * covered (told before the stores); the removal returns -ENOSPC once
	 * done. Without it such a cut fails with -ENOSPC, nothing changed.
	 */
	int (*uncovered)(void *ctx, u64 first, u64 last);
	/*
	 * Optional, for crash_slots_sync(): whether [first, last], listed
	 * and not wanted, holds memory absent or about to be, which the sync
	 * then cuts as crash_slots_remove_absent() does, before anything
	 * else. Without it every cut of the sync is crash_slots_remove()'s.
	 */
	bool (*absent)(void *ctx, u64 first, u64 last);
};

struct crash_slots_cfg {
	const struct crash_slots_ops *ops;
	void *ctx;
	bool big_endian;	/* the header's byte order */
	u64 direct_map;		/* p_vaddr - p_paddr of a new range, unless the header has one */
	u64 text_vaddr;		/* a PT_LOAD at or above it is kernel text, not RAM (0: none) */
};

/*
 * Attach to a loaded header: @hdr holds its first @len bytes (at least the
 * ELF header and e_phnum program headers), @seg_size is the size of its
 * segment. Allocates everything later calls use: they never allocate.
 */
int crash_slots_create(struct crash_slots **csp, const struct crash_slots_cfg *cfg,
		       const void *hdr, size_t len, size_t seg_size);
void crash_slots_free(struct crash_slots *cs);

/*
 * Cover [start, last]; *changed is set when a store was made. An addition
 * leaves one slot free for cuts: -ENOSPC when it finds no room beyond that
 * one and no merge makes some (what it covered before failing stays).
 */
int crash_slots_add(struct crash_slots *cs, u64 start, u64 last, bool *changed);
/*
 * Stop covering [start, last], memory still present (offline). -ENOSPC when
 * a head or middle cut had no slot at all for what stays above it: that
 * range stays as it was, listed (what Linux's own header does with offline
 * memory), and no online memory is given up for it.
 */
int crash_slots_remove(struct crash_slots *cs, u64 start, u64 last, bool *changed);
/*
 * The same for memory absent or about to be (its DIMM being removed): with
 * crash_slots_ops.uncovered(), a cut that had no slot at all is made all the
 * same, uncovered() said what else went, and -ENOSPC is returned once done.
 */
int crash_slots_remove_absent(struct crash_slots *cs, u64 start, u64 last, bool *changed);
/*
 * Make the RAM ranges exactly @want (@nr sorted, disjoint ranges, inclusive
 * ends): first the cuts of memory absent (crash_slots_ops.absent()), then
 * the additions, then the other cuts. -ENOSPC when the header could not be
 * made exact for lack of slots (an addition refused, a cut refused or made
 * by giving up what lay above it): it lies between what it was and @want,
 * but never lists memory absent() named, and every pass ran.
 */
int crash_slots_sync(struct crash_slots *cs, const struct range *want, size_t nr, bool *changed);

/* Whether a slot is free beyond the one kept for cuts (no merge needed for a new range). */
bool crash_slots_have_room(const struct crash_slots *cs);
/* Call @fn for every RAM range in address order; stops at its first error. */
int crash_slots_walk(const struct crash_slots *cs, int (*fn)(void *arg, u64 start, u64 last),
		     void *arg);
/* Slots in use (RAM ranges, notes and the kernel text) and in all. */
void crash_slots_usage(const struct crash_slots *cs, size_t *used, size_t *total);

/*
 * Cover [start, last] less the @nr ranges @out (inclusive ends, any order):
 * what the header never describes, such as the crashkernel.
 */
int crash_slots_add_except(struct crash_slots *cs, u64 start, u64 last, const struct range *out,
			   size_t nr, bool *changed);

#endif /* _LINUX_CRASH_SLOTS_H */
