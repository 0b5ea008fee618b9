// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An elfcorehdr changed in place, in O(changed), complete at every store.
 *
 * Layout: the header never moves. Notes and the kernel-text PT_LOAD stay
 * where the load put them; every later program header is a slot holding a
 * RAM PT_LOAD or PT_NULL (a free slot, which /proc/vmcore skips). e_phnum
 * is a high-water mark that only grows, after the slot it uncovers is
 * written.
 *
 * Crash consistency: every store is one aligned 8-byte (or, for e_phnum,
 * 2-byte) store. A slot becomes a PT_LOAD by one store of (p_type, p_flags)
 * after its addresses were written while it was free and of size 0, and
 * stops being one by the same store of PT_NULL once it has shrunk to size
 * 0; a free slot is all zeros (write_slot() says why). A range grows by
 * storing p_memsz before p_filesz and shrinks in the opposite order, so
 * p_filesz <= p_memsz always, and /proc/vmcore sizes by p_memsz. A range
 * that loses its head or its middle gets a new slot for what stays before
 * the old one lets go: for that instant the two describe the same memory
 * twice, which Linux accepts, and nothing is ever uncovered.
 *
 * O(changed): live slots are indexed by start address (a treap whose nodes
 * are the slot numbers), so a range costs the same whatever its size; free
 * slots are a stack. Only a full header costs more: finding the pair to
 * merge walks the ranges once.
 *
 * Capacity: an addition never takes the last free slot (CUT_RESERVE): a
 * range's head or middle cut needs one for what stays above the cut, and a
 * cut that cannot be made leaves memory being removed listed. With no slot
 * to spare, two neighbouring ranges merge (make_room()); the caller's
 * gap_cost() says what a merge may cover, and without it only touching
 * ranges merge. An addition that finds no merge is refused (-ENOSPC); a
 * cut that finds no slot at all is refused too, leaving the range listed
 * (memory still present: offline memory, which Linux's own header lists),
 * except for memory absent or about to be (crash_slots_remove_absent()) and
 * a caller that adds memory back (uncovered()): that cut is made by letting
 * go of what lies above it.
 *
 * This file is built both into the kernel and, through a shim of the few
 * kernel headers it includes, into crashhp's lab, which crashes it after
 * every store.
 */
#include <linux/crash_slots.h>
#include <linux/elf.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/range.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/types.h>

/* An ELF64 core header, read and stored at these byte offsets. */
#define EHDR_SIZE	sizeof(struct elf64_hdr)
#define PHDR_SIZE	sizeof(struct elf64_phdr)
#define E_PHNUM		offsetof(struct elf64_hdr, e_phnum)
#define P_TYPE		offsetof(struct elf64_phdr, p_type)	/* p_flags follows: one u64 */
#define P_OFFSET	offsetof(struct elf64_phdr, p_offset)
#define P_VADDR		offsetof(struct elf64_phdr, p_vaddr)
#define P_PADDR		offsetof(struct elf64_phdr, p_paddr)
#define P_FILESZ	offsetof(struct elf64_phdr, p_filesz)
#define P_MEMSZ		offsetof(struct elf64_phdr, p_memsz)
#define TYPE_NULL	PT_NULL
#define TYPE_LOAD	PT_LOAD
#define TYPE_NOTE	PT_NOTE
#define FLAGS_RWX	(PF_R | PF_W | PF_X)
#define NO_SLOT		U32_MAX

enum slot_state { SLOT_FREE, SLOT_LIVE, SLOT_FIXED };

struct slot {
	u64 start;
	u64 last;
	u8 state;
};

struct crash_slots {
	struct crash_slots_cfg cfg;
	size_t nslots;		/* program headers the segment holds */
	size_t hwm;		/* e_phnum */
	size_t live;
	size_t fixed;
	u64 direct;
	struct slot *slots;
	u32 *free_stack;
	size_t nfree;
	/* The index: live slots by (start, slot number). */
	u32 root;
	u32 *left, *right;
	u64 *key;
};

struct slot_range {
	u64 start;
	u64 last;
};

/* ---- the index ---- */

/*
 * A node's priority is a fixed mix of its number: the shape is that of a
 * random binary search tree whatever the order of insertion (a header's
 * ranges arrive sorted), so its depth is O(log n) in expectation.
 */
static u32 prio(u32 id)
{
	u32 x = id * 0x9e3779b1u;

	x ^= x >> 15;
	x *= 0x85ebca6bu;
	return x ^ (x >> 13);
}

/* Keys are (start, id): two slots may start at the same address for an instant. */
static bool before(const struct crash_slots *cs, u32 a, u64 start, u32 id)
{
	return cs->key[a] < start || (cs->key[a] == start && a < id);
}

/* Split subtree @t into the nodes before (start, id) and the rest. */
static void split(struct crash_slots *cs, u32 t, u64 start, u32 id, u32 *l, u32 *r)
{
	while (t != NO_SLOT) {
		if (before(cs, t, start, id)) {
			*l = t;
			l = &cs->right[t];
			t = cs->right[t];
		} else {
			*r = t;
			r = &cs->left[t];
			t = cs->left[t];
		}
	}
	*l = NO_SLOT;
	*r = NO_SLOT;
}

/* Join two subtrees, every key of @a before every key of @b. */
static u32 join(struct crash_slots *cs, u32 a, u32 b)
{
	u32 root = NO_SLOT, *link = &root;

	while (a != NO_SLOT && b != NO_SLOT) {
		if (prio(a) > prio(b)) {
			*link = a;
			link = &cs->right[a];
			a = cs->right[a];
		} else {
			*link = b;
			link = &cs->left[b];
			b = cs->left[b];
		}
	}
	*link = a != NO_SLOT ? a : b;
	return root;
}

static void index_insert(struct crash_slots *cs, u32 id, u64 start)
{
	u32 *link = &cs->root;

	cs->key[id] = start;
	while (*link != NO_SLOT && prio(*link) > prio(id))
		link = before(cs, *link, start, id) ? &cs->right[*link] : &cs->left[*link];
	split(cs, *link, start, id, &cs->left[id], &cs->right[id]);
	*link = id;
}

static void index_remove(struct crash_slots *cs, u32 id)
{
	u32 *link = &cs->root;

	while (*link != NO_SLOT && *link != id)
		link = before(cs, *link, cs->key[id], id) ? &cs->right[*link] : &cs->left[*link];
	if (*link == id)
		*link = join(cs, cs->left[id], cs->right[id]);
}

/* The indexed slot with the highest start <= @addr, or NO_SLOT. */
static u32 index_floor(const struct crash_slots *cs, u64 addr)
{
	u32 t = cs->root, best = NO_SLOT;

	while (t != NO_SLOT) {
		if (cs->key[t] <= addr) {
			best = t;
			t = cs->right[t];
		} else {
			t = cs->left[t];
		}
	}
	return best;
}

static u32 first_not_before(const struct crash_slots *cs, u64 start, u32 id)
{
	u32 t = cs->root, best = NO_SLOT;

	while (t != NO_SLOT) {
		if (before(cs, t, start, id)) {
			t = cs->right[t];
		} else {
			best = t;
			t = cs->left[t];
		}
	}
	return best;
}

/* The indexed slot with the lowest start >= @addr, or NO_SLOT. */
static u32 index_ceil(const struct crash_slots *cs, u64 addr)
{
	return first_not_before(cs, addr, 0);
}

/* The indexed slot after @id in address order, or NO_SLOT. */
static u32 index_next(const struct crash_slots *cs, u32 id)
{
	/* The first key after (start, id): (start, id + 1) or any later start. */
	return id == NO_SLOT - 1 ? NO_SLOT : first_not_before(cs, cs->key[id], id + 1);
}

/* The live slot containing @addr, or -1. */
static long slot_at(const struct crash_slots *cs, u64 addr)
{
	u32 id = index_floor(cs, addr);

	return id != NO_SLOT && cs->slots[id].last >= addr ? (long)id : -1;
}

/* The live slot overlapping @want with the lowest start, or -1. */
static long first_overlap(const struct crash_slots *cs, struct slot_range want)
{
	long s = slot_at(cs, want.start);
	u32 id;

	if (s >= 0)
		return s;
	id = index_ceil(cs, want.start);
	return id != NO_SLOT && cs->slots[id].start <= want.last ? (long)id : -1;
}

/* ---- stores: the only way the header changes ---- */

static size_t phdr_off(size_t i)
{
	return EHDR_SIZE + i * PHDR_SIZE;
}

static int store64(struct crash_slots *cs, size_t off, u64 v)
{
	return cs->cfg.ops->store(cs->cfg.ctx, off, v, 8);
}

/* (p_type, p_flags) in one 8-byte store. */
static int commit_type(struct crash_slots *cs, size_t i, u32 type, u32 flags)
{
	u64 word = cs->cfg.big_endian ? (u64)type << 32 | flags : (u64)flags << 32 | type;

	return store64(cs, phdr_off(i) + P_TYPE, word);
}

/*
 * Fill a free (all-zero) slot. crash(8) reads every program header after the
 * first as a load without looking at p_type (netdump.c), so a slot must never
 * describe memory it does not hold: p_offset, p_vaddr and p_paddr go in while
 * p_memsz is still 0 (a zero-size segment matches no address), then one store
 * of (p_type, p_flags) makes it a PT_LOAD of size 0, then p_memsz and p_filesz
 * grow it as any range grows. Each store is one aligned 8 bytes: a crash
 * point.
 */
static int write_slot(struct crash_slots *cs, size_t i, struct slot_range x)
{
	size_t a = phdr_off(i);
	u64 size = x.last - x.start + 1;
	int err = store64(cs, a + P_OFFSET, x.start);

	if (!err)
		err = store64(cs, a + P_VADDR, cs->direct + x.start);
	if (!err)
		err = store64(cs, a + P_PADDR, x.start);
	if (!err)
		err = commit_type(cs, i, TYPE_LOAD, FLAGS_RWX);
	if (!err)
		err = store64(cs, a + P_MEMSZ, size);	/* p_memsz, then */
	if (!err)
		err = store64(cs, a + P_FILESZ, size);	/* p_filesz */
	if (!err && i >= cs->hwm) {
		err = cs->cfg.ops->store(cs->cfg.ctx, E_PHNUM, i + 1, 2);
		if (!err)
			cs->hwm = i + 1;
	}
	if (err)
		return err;
	cs->slots[i].start = x.start;
	cs->slots[i].last = x.last;
	cs->slots[i].state = SLOT_LIVE;
	cs->live++;
	index_insert(cs, (u32)i, x.start);
	return 0;
}

/*
 * Free a slot so that no reader can misuse it (see write_slot()): the
 * PT_LOAD shrinks to size 0 (p_filesz first, as any shrink), only then
 * becomes PT_NULL, and its addresses are zeroed after the type store, so a
 * free slot is all zeros and never, even for one store, a PT_NULL with an
 * old range.
 */
static int kill_slot(struct crash_slots *cs, size_t i)
{
	size_t a = phdr_off(i), off;
	int err = store64(cs, a + P_FILESZ, 0);

	if (!err)
		err = store64(cs, a + P_MEMSZ, 0);
	if (!err)
		err = commit_type(cs, i, TYPE_NULL, 0);
	for (off = P_OFFSET; !err && off <= P_PADDR; off += 8)
		err = store64(cs, a + off, 0);
	if (err)
		return err;
	index_remove(cs, (u32)i);
	cs->slots[i].state = SLOT_FREE;
	cs->free_stack[cs->nfree++] = (u32)i;
	cs->live--;
	return 0;
}

/* Move a slot's end: p_memsz first when growing, p_filesz first when shrinking. */
static int resize_slot(struct crash_slots *cs, size_t i, u64 last)
{
	struct slot *s = &cs->slots[i];
	u64 size = last - s->start + 1;
	size_t a = phdr_off(i);
	bool grow = last > s->last;
	int err = store64(cs, a + (grow ? P_MEMSZ : P_FILESZ), size);

	if (!err)
		err = store64(cs, a + (grow ? P_FILESZ : P_MEMSZ), size);
	if (err)
		return err;
	s->last = last; /* the index keys by start: a moved end costs nothing there */
	return 0;
}

/* ---- capacity ---- */

/*
 * Slots an addition leaves free for cuts. A cut of a range's head or middle
 * needs a slot for what stays above it (the split keeps it, a head cut gives
 * one back); with none free and no two ranges allowed to merge, the cut
 * could only keep memory the caller removes listed, and a capture kernel
 * reading memory that is gone may fault or hang: no dump at all. So an
 * addition never takes the last free slot: it makes room by a merge first,
 * or is refused (-ENOSPC), which leaves only memory being added out, and the
 * caller adds it later. The reserve is used by the next cut and made again
 * by the next addition's merges.
 */
#define CUT_RESERVE	1

static size_t free_slots(const struct crash_slots *cs)
{
	return cs->nfree + (cs->nslots - cs->hwm);
}

bool crash_slots_have_room(const struct crash_slots *cs)
{
	return free_slots(cs) > CUT_RESERVE;
}

static bool overlaps(struct slot_range a, struct slot_range b)
{
	return a.start <= b.last && b.start <= a.last;
}

/*
 * What merging two neighbouring ranges would cost: 0 when they touch, else
 * what the caller says covering the gap costs; U64_MAX when they may not
 * merge (across @avoid, the range being cut now, or a gap the caller forbids).
 */
static u64 merge_cost(struct crash_slots *cs, const struct slot *a, const struct slot *b,
		      const struct slot_range *avoid)
{
	struct slot_range gap = { a->last + 1, b->start - 1 };

	if (avoid && (overlaps(*avoid, (struct slot_range){ a->start, a->last }) ||
		      overlaps(*avoid, (struct slot_range){ b->start, b->last })))
		return U64_MAX;
	if (b->start <= a->last + 1)
		return 0;
	if ((avoid && overlaps(*avoid, gap)) || !cs->cfg.ops->gap_cost)
		return U64_MAX;
	return cs->cfg.ops->gap_cost(cs->cfg.ctx, gap.start, gap.last);
}

/*
 * No slot is free: merge two neighbouring ranges into one (the lower grows
 * over the upper, then the upper lets go). Touching ranges first; else the
 * pair whose gap costs least, the narrowest gap among equals. Never over
 * @avoid. At capacity only: O(slots log slots).
 */
static int make_room(struct crash_slots *cs, const struct slot_range *avoid)
{
	u32 best = NO_SLOT, next_of_best = NO_SLOT, a, b;
	u64 best_cost = U64_MAX, cost;
	struct slot lo, hi;
	bool narrower;
	int err = cs->cfg.ops->merge_begin ? cs->cfg.ops->merge_begin(cs->cfg.ctx) : 0;

	for (a = index_ceil(cs, 0); !err && a != NO_SLOT; a = b) {
		b = index_next(cs, a);
		if (b == NO_SLOT || cs->slots[b].start <= cs->slots[a].last)
			continue;
		cost = merge_cost(cs, &cs->slots[a], &cs->slots[b], avoid);
		narrower = best != NO_SLOT && cs->slots[b].start - cs->slots[a].last <
			   cs->slots[next_of_best].start - cs->slots[best].last;
		if (cost < best_cost || (cost == best_cost && cost != U64_MAX && narrower)) {
			best = a;
			next_of_best = b;
			best_cost = cost;
		}
	}
	if (err)
		return err;
	if (best == NO_SLOT)
		return -ENOSPC;
	lo = cs->slots[best];
	hi = cs->slots[next_of_best];
	if (cs->cfg.ops->merged)
		err = cs->cfg.ops->merged(cs->cfg.ctx, lo.start, lo.last, hi.start, hi.last);
	if (err)
		return err;
	err = resize_slot(cs, best, hi.last);
	return err ? err : kill_slot(cs, next_of_best);
}

/* A free slot, lowest holes first, then past the high-water mark; else make room. */
static int take_slot(struct crash_slots *cs, size_t *out, const struct slot_range *avoid)
{
	int err;

	for (;;) {
		if (cs->nfree) {
			*out = cs->free_stack[--cs->nfree];
			return 0;
		}
		if (cs->hwm < cs->nslots) {
			*out = cs->hwm;
			return 0;
		}
		err = make_room(cs, avoid);
		if (err)
			return err;
	}
}

/* ---- ranges ---- */

/*
 * A head or middle cut of memory absent or about to be, with no slot free
 * and none to be made (an earlier cut took the reserve, and every gap is one
 * the caller forbids), for a caller that adds memory back later
 * (uncovered()): the cut is made all the same, since a capture kernel
 * reading memory that is gone may fault or hang (no dump at all). A middle
 * cut keeps what lies below and lets what lies above go: the caller is told
 * before the stores, and the removal returns -ENOSPC. A head cut lets the
 * range go and writes what stays back into the slot just freed, nothing
 * left out after. No order of stores closes the window between the two, in
 * which no slot describes what stays: a slot's start is three words
 * (p_offset, p_vaddr, p_paddr) that must agree whenever its p_memsz is not
 * 0. A crash in that window takes a dump that misses that memory and reads
 * nothing absent; keeping the range instead would list the memory that goes
 * until a slot frees. Memory still present is never cut so: listed, it
 * costs nothing (crash_slots_remove() refuses the cut).
 */
static int cut_without_slot(struct crash_slots *cs, size_t s, struct slot_range cut, bool *lost)
{
	struct slot_range above = { cut.last + 1, cs->slots[s].last };
	size_t i;
	int err;

	if (cs->slots[s].start < cut.start) {
		*lost = true;
		err = cs->cfg.ops->uncovered(cs->cfg.ctx, above.start, above.last);
		return err ? err : resize_slot(cs, s, cut.start - 1);
	}
	err = kill_slot(cs, s);
	if (!err)
		err = take_slot(cs, &i, NULL);	/* the slot just freed */
	return err ? err : write_slot(cs, i, above);
}

/* Cover @g, which no slot covers. */
static int add_piece(struct crash_slots *cs, struct slot_range g)
{
	long left;
	size_t i;
	int err;

	for (;;) {
		/* Extending the range that ends just below costs two stores. */
		left = g.start ? slot_at(cs, g.start - 1) : -1;
		if (left >= 0) {
			if (cs->slots[left].last >= g.last)
				return 0;
			return resize_slot(cs, (size_t)left, g.last);
		}
		/* Making room may have merged over @g itself. */
		if (first_overlap(cs, g) >= 0)
			return 0;
		if (crash_slots_have_room(cs)) {
			err = take_slot(cs, &i, NULL);
			return err ? err : write_slot(cs, i, g);
		}
		err = make_room(cs, NULL);
		if (err)
			return err;
	}
}

int crash_slots_add(struct crash_slots *cs, u64 start, u64 last, bool *changed)
{
	u64 at = start, gap_end;
	long s;
	int err = 0;

	/* Add only the gaps: an address already described is left alone. */
	while (!err && at <= last) {
		s = first_overlap(cs, (struct slot_range){ at, last });
		gap_end = s < 0 ? last : cs->slots[s].start - 1;
		if (s < 0 || cs->slots[s].start > at) {
			err = add_piece(cs, (struct slot_range){ at, gap_end });
			*changed = true;
			continue; /* look again: the piece may have grown or merged a range */
		}
		if (cs->slots[s].last >= last)
			break;
		at = cs->slots[s].last + 1;
	}
	return err;
}

static int remove_ranges(struct crash_slots *cs, u64 start, u64 last, bool absent, bool *changed)
{
	struct slot_range cut = { start, last }, above;
	struct slot old;
	bool lost = false;
	size_t i;
	long s;
	int err = 0;

	/* An empty cut would split a range at @start and loop splitting it again. */
	if (last < start)
		return -EINVAL;
	while (!err && (s = first_overlap(cs, cut)) >= 0) {
		old = cs->slots[s];
		*changed = true;
		if (old.start >= cut.start && old.last <= cut.last) {
			err = kill_slot(cs, (size_t)s);
		} else if (old.last <= cut.last) {
			err = resize_slot(cs, (size_t)s, cut.start - 1);
		} else {
			/*
			 * What stays above the cut gets its own slot first. A head cut
			 * frees the old slot after: at capacity the slot is borrowed
			 * from a merge, which the freed slot pays back.
			 */
			err = take_slot(cs, &i, &cut);
			if (err == -ENOSPC && absent && cs->cfg.ops->uncovered) {
				err = cut_without_slot(cs, (size_t)s, cut, &lost);
				continue;
			}
			if (err)
				break;
			if (cs->slots[s].state != SLOT_LIVE || cs->slots[s].start != old.start) {
				cs->free_stack[cs->nfree++] = (u32)i;
				continue; /* making room rearranged things: look again */
			}
			above.start = cut.last + 1;
			above.last = cs->slots[s].last;
			err = write_slot(cs, i, above);
			if (!err && old.start < cut.start)
				err = resize_slot(cs, (size_t)s, cut.start - 1);
			else if (!err)
				err = kill_slot(cs, (size_t)s);
		}
	}
	return err ? err : lost ? -ENOSPC : 0;
}

int crash_slots_remove(struct crash_slots *cs, u64 start, u64 last, bool *changed)
{
	return remove_ranges(cs, start, last, false, changed);
}

int crash_slots_remove_absent(struct crash_slots *cs, u64 start, u64 last, bool *changed)
{
	return remove_ranges(cs, start, last, true, changed);
}

/*
 * The sync's cuts: what the header lists in [first, last], which the sync
 * does not want. With @absent, only the pieces ops->absent() says are gone
 * or going, cut whatever it costs (crash_slots_remove_absent()); else all
 * of it, where a slot allows (crash_slots_remove(): offline memory a cut
 * finds no slot for stays listed, and *@kept is set). What a cut of memory
 * gone gave up above it is the additions' to cover again.
 */
static int sync_cut(struct crash_slots *cs, u64 first, u64 last, bool absent, bool *changed,
		    bool *kept)
{
	struct slot_range piece;
	long s;
	int err;

	if (!absent) {
		err = crash_slots_remove(cs, first, last, changed);
		*kept |= err == -ENOSPC;
		return err == -ENOSPC ? 0 : err;
	}
	if (!cs->cfg.ops->absent)
		return 0;
	while ((s = first_overlap(cs, (struct slot_range){ first, last })) >= 0) {
		piece.start = cs->slots[s].start > first ? cs->slots[s].start : first;
		piece.last = cs->slots[s].last < last ? cs->slots[s].last : last;
		if (cs->cfg.ops->absent(cs->cfg.ctx, piece.start, piece.last)) {
			err = crash_slots_remove_absent(cs, piece.start, piece.last, changed);
			if (err && err != -ENOSPC)
				return err;
		}
		if (piece.last == last)
			break;
		first = piece.last + 1;
	}
	return 0;
}

/* sync_cut() over every gap between the wanted ranges (sorted, disjoint). */
static int sync_cuts(struct crash_slots *cs, const struct range *want, size_t nr, bool absent,
		     bool *changed, bool *kept)
{
	u64 from = 0;
	size_t k;
	int err;

	for (k = 0; k < nr; k++) {
		if (want[k].start > from) {
			err = sync_cut(cs, from, want[k].start - 1, absent, changed, kept);
			if (err)
				return err;
		}
		if (want[k].end == U64_MAX)
			return 0;
		from = want[k].end + 1;
	}
	return sync_cut(cs, from, U64_MAX, absent, changed, kept);
}

/* The sync's additions: *@refused is set when one found no room. */
static int sync_adds(struct crash_slots *cs, const struct range *want, size_t nr, bool *changed,
		     bool *refused)
{
	size_t k;
	int err;

	*refused = false;
	for (k = 0; k < nr; k++) {
		err = crash_slots_add(cs, want[k].start, want[k].end, changed);
		if (err == -ENOSPC)
			*refused = true;
		else if (err)
			return err;
	}
	return 0;
}

/*
 * Passes in the order that matters on a full header: memory gone or going
 * is cut whatever it costs (a capture kernel reading it may fault or hang:
 * no dump at all); then the wanted memory is covered (what a dump would
 * miss), before slots go to cuts of offline memory, which Linux's own
 * header lists and which costs nothing but its place; additions refused
 * are tried once more after those cuts, which may have freed slots. Each
 * pass runs whatever the one before could not do.
 */
int crash_slots_sync(struct crash_slots *cs, const struct range *want, size_t nr, bool *changed)
{
	bool kept = false, refused = false;
	size_t k;
	int err;

	/* Sorted and disjoint, or the cuts below would cut wanted memory. */
	for (k = 0; k < nr; k++)
		if (want[k].end < want[k].start || (k && want[k].start <= want[k - 1].end))
			return -EINVAL;
	err = sync_cuts(cs, want, nr, true, changed, &kept);
	if (!err)
		err = sync_adds(cs, want, nr, changed, &refused);
	if (!err)
		err = sync_cuts(cs, want, nr, false, changed, &kept);
	if (!err && refused)
		err = sync_adds(cs, want, nr, changed, &refused);
	return err ? err : kept || refused ? -ENOSPC : 0;
}

int crash_slots_add_except(struct crash_slots *cs, u64 start, u64 last, const struct range *out,
			   size_t nr, bool *changed)
{
	u64 end;
	size_t k;
	int err;

	while (start <= last) {
		/* The first piece from @start that no excluded range touches. */
		end = last;
		for (k = 0; k < nr; k++) {
			if (out[k].end < start || out[k].start > end)
				continue;
			if (out[k].start <= start)
				break;
			end = out[k].start - 1;
		}
		if (k < nr) {
			/* @start is left out: go past what covers it. */
			if (out[k].end >= last)
				return 0;
			start = out[k].end + 1;
			continue;
		}
		err = crash_slots_add(cs, start, end, changed);
		if (err || end == last)
			return err;
		start = end + 1;
	}
	return 0;
}

int crash_slots_walk(const struct crash_slots *cs, int (*fn)(void *arg, u64 start, u64 last),
		     void *arg)
{
	u32 id;
	int err = 0;

	for (id = index_ceil(cs, 0); !err && id != NO_SLOT; id = index_next(cs, id))
		err = fn(arg, cs->slots[id].start, cs->slots[id].last);
	return err;
}

void crash_slots_usage(const struct crash_slots *cs, size_t *used, size_t *total)
{
	*used = cs->fixed + cs->live;
	*total = cs->nslots;
}

/* ---- attaching to a loaded header ---- */

static u64 get_word(const struct crash_slots *cs, const u8 *p, unsigned int len)
{
	u64 v = 0;
	unsigned int k;

	for (k = 0; k < len; k++)
		v = v << 8 | p[cs->cfg.big_endian ? k : len - 1 - k];
	return v;
}

/* Read the loaded header into the slot table and the index. */
static int attach(struct crash_slots *cs, const u8 *hdr, size_t len)
{
	const u8 *ph;
	u64 va, pa, off, memsz;
	u32 type;
	size_t i;

	if (len < EHDR_SIZE)
		return -EINVAL;
	cs->hwm = get_word(cs, hdr + E_PHNUM, 2);
	if (cs->hwm > cs->nslots || len < phdr_off(cs->hwm))
		return -EINVAL;
	for (i = 0; i < cs->hwm; i++) {
		ph = hdr + phdr_off(i);
		type = get_word(cs, ph + P_TYPE, 4);
		va = get_word(cs, ph + P_VADDR, 8);
		pa = get_word(cs, ph + P_PADDR, 8);
		off = get_word(cs, ph + P_OFFSET, 8);
		memsz = get_word(cs, ph + P_MEMSZ, 8);
		/*
		 * A LOAD read elsewhere than at its own address (ppc64's backup
		 * region: [0, 64 KiB) as purgatory saved it) is fixed like the
		 * kernel text: a slot's range is always read where it is.
		 */
		if (type == TYPE_LOAD && memsz && off == pa &&
		    (!cs->cfg.text_vaddr || va < cs->cfg.text_vaddr)) {
			/* New slots use the header's own direct map (KASLR moves it). */
			if (!cs->live)
				cs->direct = va - pa;
			cs->slots[i].start = pa;
			cs->slots[i].last = pa + memsz - 1;
			cs->slots[i].state = SLOT_LIVE;
			cs->live++;
			index_insert(cs, (u32)i, pa);
		} else if (type == TYPE_NOTE || type == TYPE_LOAD) {
			cs->slots[i].state = SLOT_FIXED;
			cs->fixed++;
		}
	}
	/* Free holes, lowest index on top of the stack. */
	for (i = cs->hwm; i-- > 0;)
		if (cs->slots[i].state == SLOT_FREE)
			cs->free_stack[cs->nfree++] = (u32)i;
	return 0;
}

int crash_slots_create(struct crash_slots **csp, const struct crash_slots_cfg *cfg,
		       const void *hdr, size_t len, size_t seg_size)
{
	struct crash_slots *cs;
	size_t n;
	int err;

	*csp = NULL;
	n = seg_size < EHDR_SIZE ? 0 : (seg_size - EHDR_SIZE) / PHDR_SIZE;
	if (n >= NO_SLOT)
		return -EINVAL;
	cs = kzalloc(sizeof(*cs), GFP_KERNEL);
	if (!cs)
		return -ENOMEM;
	cs->cfg = *cfg;
	cs->nslots = n;
	cs->direct = cfg->direct_map;
	cs->root = NO_SLOT;
	n = n ? n : 1;
	cs->slots = kvcalloc(n, sizeof(*cs->slots), GFP_KERNEL);
	cs->free_stack = kvcalloc(n, sizeof(*cs->free_stack), GFP_KERNEL);
	cs->left = kvcalloc(n, sizeof(*cs->left), GFP_KERNEL);
	cs->right = kvcalloc(n, sizeof(*cs->right), GFP_KERNEL);
	cs->key = kvcalloc(n, sizeof(*cs->key), GFP_KERNEL);
	if (!cs->slots || !cs->free_stack || !cs->left || !cs->right || !cs->key)
		err = -ENOMEM;
	else
		err = attach(cs, hdr, len);
	if (err) {
		crash_slots_free(cs);
		return err;
	}
	*csp = cs;
	return 0;
}

void crash_slots_free(struct crash_slots *cs)
{
	if (!cs)
		return;
	kvfree(cs->slots);
	kvfree(cs->free_stack);
	kvfree(cs->left);
	kvfree(cs->right);
	kvfree(cs->key);
	kfree(cs);
}
