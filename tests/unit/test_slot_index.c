/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <elf.h>

/*
 * The slot core's index is static in the kernel's file: the test includes that
 * file, as the kernel's tools/testing/memblock builds mm/memblock.c.
 */
#include "../../lib/kernel/crash_slots.c"

static int index_init(struct crash_slots *ix, uint32_t n)
{
	ix->root = NO_SLOT;
	ix->left = calloc(n, sizeof(*ix->left));
	ix->right = calloc(n, sizeof(*ix->right));
	ix->key = calloc(n, sizeof(*ix->key));
	return ix->left && ix->right && ix->key ? 0 : -ENOMEM;
}

static void index_fini(struct crash_slots *ix)
{
	free(ix->left);
	free(ix->right);
	free(ix->key);
}

#define N 4096

/* The reference: for each slot, indexed or not, and its start. */
struct model {
	bool in[N];
	uint64_t start[N];
};

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The (start, id) order, as the index keeps it. */
static bool key_before(const struct model *m, uint32_t a, uint32_t b)
{
	return m->start[a] < m->start[b] || (m->start[a] == m->start[b] && a < b);
}

static uint32_t model_floor(const struct model *m, uint64_t addr)
{
	uint32_t best = NO_SLOT;

	for (uint32_t i = 0; i < N; i++)
		if (m->in[i] && m->start[i] <= addr && (best == NO_SLOT || key_before(m, best, i)))
			best = i;
	return best;
}

static uint32_t model_ceil(const struct model *m, uint64_t addr)
{
	uint32_t best = NO_SLOT;

	for (uint32_t i = 0; i < N; i++)
		if (m->in[i] && m->start[i] >= addr && (best == NO_SLOT || key_before(m, i, best)))
			best = i;
	return best;
}

/*
 * Random inserts and removes (sorted runs too, as a loaded header arrives,
 * and equal starts, as during a cut) against a plain array: floor, ceil and
 * an in-order walk always agree, and a removed slot is never found.
 */
static void test_slot_index__matches_a_sorted_reference(void **state)
{
	static struct model m;
	struct crash_slots ix = { 0 };
	uint64_t seed = 0x2545f4914f6cdd1dull;

	assert_int_equal(index_init(&ix, N), 0);
	for (uint32_t i = 0; i < N / 2; i++) {  /* sorted, as attach inserts */
		m.in[i] = true;
		m.start[i] = (uint64_t)i << 27;
		index_insert(&ix, i, m.start[i]);
	}
	for (int op = 0; op < 20000; op++) {
		uint32_t id = (uint32_t)(next_rand(&seed) % N);
		uint64_t addr = next_rand(&seed) % (1ull << 40);
		if (m.in[id]) {
			index_remove(&ix, id);
			m.in[id] = false;
		} else {
			/* Now and then the start of another slot: two keys with one start. */
			uint32_t other = (uint32_t)(next_rand(&seed) % N);
			m.start[id] = op % 7 == 0 && m.in[other] ? m.start[other] : addr;
			m.in[id] = true;
			index_insert(&ix, id, m.start[id]);
		}
		if (op % 64)
			continue;
		/* Half the probes exactly at a start, the other half anywhere. */
		uint32_t near = (uint32_t)(next_rand(&seed) % N);
		uint64_t probe = op % 128 ? m.start[near] : next_rand(&seed) % (1ull << 40);
		assert_int_equal(index_floor(&ix, probe), model_floor(&m, probe));
		assert_int_equal(index_ceil(&ix, probe), model_ceil(&m, probe));
		/* The whole walk in order. */
		uint32_t at = index_ceil(&ix, 0), count = 0, prev = NO_SLOT;
		for (; at != NO_SLOT; prev = at, at = index_next(&ix, at), count++) {
			assert_true(m.in[at]);
			if (prev != NO_SLOT)
				assert_true(key_before(&m, prev, at));
		}
		uint32_t want = 0;
		for (uint32_t i = 0; i < N; i++)
			want += m.in[i];
		assert_int_equal(count, want);
	}
	index_fini(&ix);
}

/* ---- crash_slots_sync(), the kernel's resync, on a little-endian header ---- */

#define HDR_SLOTS 8
static uint8_t hdr[EHDR_SIZE + HDR_SLOTS * PHDR_SIZE];

static int buf_store(void *ctx, size_t off, u64 val, unsigned int len)
{
	for (unsigned int k = 0; k < len; k++)
		hdr[off + k] = (uint8_t)(val >> (8 * k));
	return 0;
}

static uint64_t le(const uint8_t *p, unsigned int len)
{
	uint64_t v = 0;

	for (unsigned int k = len; k-- > 0;)
		v = v << 8 | p[k];
	return v;
}

/* The header's RAM loads, sorted, as a reader collects them: into out, count returned. */
static size_t header_loads(u64 (*out)[2])
{
	size_t n = 0, phnum = le(hdr + E_PHNUM, 2);

	for (size_t i = 1; i < phnum; i++) {
		const uint8_t *ph = hdr + phdr_off(i);
		if (le(ph, 4) != TYPE_LOAD || !le(ph + P_MEMSZ, 8))
			continue;
		assert_int_equal(le(ph + P_FILESZ, 8), le(ph + P_MEMSZ, 8));
		assert_int_equal(le(ph + P_VADDR, 8) - le(ph + P_PADDR, 8), 0xffff888000000000ull);
		out[n][0] = le(ph + P_PADDR, 8);
		out[n][1] = out[n][0] + le(ph + P_MEMSZ, 8) - 1;
		for (size_t k = n; k > 0 && out[k][0] < out[k - 1][0]; k--) {
			u64 t0 = out[k][0], t1 = out[k][1];
			out[k][0] = out[k - 1][0];
			out[k][1] = out[k - 1][1];
			out[k - 1][0] = t0;
			out[k - 1][1] = t1;
		}
		n++;
	}
	return n;
}

static void assert_header_is(const struct range *want, size_t nr)
{
	u64 got[HDR_SLOTS][2];
	size_t n = header_loads(got);

	assert_int_equal(n, nr);
	for (size_t k = 0; k < nr; k++) {
		assert_int_equal(got[k][0], want[k].start);
		assert_int_equal(got[k][1], want[k].end);
	}
}

/*
 * The kernel's resync: the header's RAM loads become exactly the wanted
 * ranges (additions, removals, a split), with the note left alone.
 */
static void test_slot_index__sync_makes_the_header_exact(void **state)
{
	static const struct crash_slots_ops ops = { .store = buf_store };
	const struct crash_slots_cfg cfg = { .ops = &ops, .direct_map = 0xffff888000000000ull };
	static const struct range boot[] = { { 0x100000, 0x3fffffff } };
	static const struct range grown[] = { { 0x100000, 0x7ffffff }, { 0x10000000, 0x3fffffff },
					{ 0x100000000, 0x13fffffff } };
	static const struct range shrunk[] = { { 0x100000, 0x7ffffff }, { 0x120000000, 0x12fffffff } };
	static const struct range touching[] = { { 0x100000, 0x7ffffff }, { 0x8000000, 0x3fffffff } };
	struct crash_slots *cs;
	bool changed = false;

	memset(hdr, 0, sizeof(hdr));
	buf_store(NULL, E_PHNUM, 2, 2);
	buf_store(NULL, phdr_off(0), TYPE_NOTE, 8);
	buf_store(NULL, phdr_off(1), (u64)FLAGS_RWX << 32 | TYPE_LOAD, 8);
	buf_store(NULL, phdr_off(1) + P_VADDR, 0xffff888000000000ull + boot[0].start, 8);
	buf_store(NULL, phdr_off(1) + P_PADDR, boot[0].start, 8);
	buf_store(NULL, phdr_off(1) + P_OFFSET, boot[0].start, 8);
	buf_store(NULL, phdr_off(1) + P_FILESZ, boot[0].end - boot[0].start + 1, 8);
	buf_store(NULL, phdr_off(1) + P_MEMSZ, boot[0].end - boot[0].start + 1, 8);
	assert_int_equal(crash_slots_create(&cs, &cfg, hdr, sizeof(hdr), sizeof(hdr)), 0);
	assert_header_is(boot, 1);

	assert_int_equal(crash_slots_sync(cs, grown, 3, &changed), 0);
	assert_true(changed);
	assert_header_is(grown, 3);
	assert_int_equal(le(hdr + phdr_off(0), 4), TYPE_NOTE);

	changed = false;
	assert_int_equal(crash_slots_sync(cs, grown, 3, &changed), 0);
	assert_false(changed);

	assert_int_equal(crash_slots_sync(cs, shrunk, 2, &changed), 0);
	assert_header_is(shrunk, 2);
	assert_int_equal(crash_slots_sync(cs, NULL, 0, &changed), 0);
	assert_header_is(NULL, 0);

	/*
	 * Wanted ranges that touch (System RAM split in two resources) and one
	 * range covering both: nothing to remove between them, so nothing moves
	 * (a cut at the seam would split the range and spend a slot).
	 */
	assert_int_equal(crash_slots_sync(cs, boot, 1, &changed), 0);
	changed = false;
	assert_int_equal(crash_slots_sync(cs, touching, 2, &changed), 0);
	assert_false(changed);
	assert_header_is(boot, 1);
	crash_slots_free(cs);
}


/* ---- a full header: the slot kept for cuts ---- */

static struct range told;	/* what uncovered() was told */
static unsigned told_count;

static int tell_uncovered(void *ctx, u64 first, u64 last)
{
	told = (struct range){ first, last };
	told_count++;
	return 0;
}

/*
 * A note and, 1 GiB apart (nothing may merge: store-only ops merge only
 * touching ranges), 4 GiB ranges added until one is refused; then the head
 * and the middle of ranges cut.  An addition never takes the last free
 * slot, so the first head cut and the first split have one: the header is
 * then exactly what was asked, never listing what was removed.  Without
 * the reserve the last addition takes it and the split fails (-ENOSPC),
 * the removed memory still listed.
 */
static struct crash_slots *full_of_far_ranges(const struct crash_slots_ops *ops, struct range *have,
					      size_t *nr)
{
	const struct crash_slots_cfg cfg = { .ops = ops, .direct_map = 0xffff888000000000ull };
	struct crash_slots *cs;
	bool changed = false;
	int err = 0;

	memset(hdr, 0, sizeof(hdr));
	buf_store(NULL, E_PHNUM, 1, 2);
	buf_store(NULL, phdr_off(0), TYPE_NOTE, 8);
	assert_int_equal(crash_slots_create(&cs, &cfg, hdr, sizeof(hdr), sizeof(hdr)), 0);
	for (*nr = 0; !err; ++*nr) {
		u64 start = (u64)*nr * 5 * 0x40000000ull;
		have[*nr] = (struct range){ start, start + 4 * 0x40000000ull - 1 };
		err = crash_slots_add(cs, have[*nr].start, have[*nr].end, &changed);
	}
	--*nr;
	assert_int_equal(err, -ENOSPC);
	/* HDR_SLOTS - 1 for RAM, one of them kept for cuts */
	assert_int_equal(*nr, HDR_SLOTS - 2);
	assert_header_is(have, *nr);
	assert_false(crash_slots_have_room(cs));
	return cs;
}

static void test_slot_index__full_header_cuts_use_the_reserve(void **state)
{
	static const struct crash_slots_ops ops = { .store = buf_store };
	struct range have[HDR_SLOTS + 1];
	struct crash_slots *cs;
	bool changed = false;
	size_t nr;

	cs = full_of_far_ranges(&ops, have, &nr);
	/* a head cut: the reserve is borrowed and given back */
	assert_int_equal(crash_slots_remove(cs, have[0].start, have[0].start + 0xfffffff, &changed), 0);
	have[0].start += 0x10000000;
	assert_header_is(have, nr);
	/* a split: the reserve is spent */
	assert_int_equal(crash_slots_remove(cs, 0x180000000ull, 0x18fffffffull, &changed), 0);
	memmove(&have[3], &have[2], (nr - 2) * sizeof(*have));
	have[1] = (struct range){ 0x140000000ull, 0x17fffffffull };
	have[2] = (struct range){ 0x190000000ull, 0x23fffffffull };
	nr++;
	assert_header_is(have, nr);
	/* no slot left: a second split cannot be made, and nothing changes */
	assert_int_equal(crash_slots_remove(cs, 0x300000000ull, 0x30fffffffull, &changed), -ENOSPC);
	assert_header_is(have, nr);
	crash_slots_free(cs);
}

/*
 * The same for a caller that adds memory back later (uncovered()): with no
 * slot at all, a cut of memory still present (crash_slots_remove(): a block
 * gone offline) is refused, the range listed as it was and nothing told; a
 * cut of memory absent or about to be (crash_slots_remove_absent()) is made
 * all the same: a split lets what lay above the cut go, told; a head cut
 * rewrites the range in the slot it frees.  The header never lists what
 * was removed as absent.
 */
static void test_slot_index__cut_without_a_slot_gives_up_what_is_above(void **state)
{
	static const struct crash_slots_ops ops = { .store = buf_store, .uncovered = tell_uncovered };
	struct range have[HDR_SLOTS + 1];
	struct crash_slots *cs;
	bool changed = false;
	size_t nr;

	cs = full_of_far_ranges(&ops, have, &nr);
	told_count = 0;
	/* the first split takes the reserve */
	assert_int_equal(crash_slots_remove(cs, 0x10000000, 0x1fffffff, &changed), 0);
	assert_int_equal(told_count, 0);
	memmove(&have[1], &have[0], nr * sizeof(*have));
	have[0] = (struct range){ 0, 0xfffffff };
	have[1].start = 0x20000000;
	nr++;
	assert_header_is(have, nr);
	/* present memory, no slot: neither a split nor a head cut is made */
	assert_int_equal(crash_slots_remove(cs, 0x180000000ull, 0x18fffffffull, &changed), -ENOSPC);
	assert_int_equal(crash_slots_remove(cs, have[3].start, have[3].start + 0xfffffff, &changed),
			 -ENOSPC);
	assert_int_equal(told_count, 0);
	assert_header_is(have, nr);
	/* absent memory: the split is made, [the cut's end + 1, the range's end] goes too */
	assert_int_equal(crash_slots_remove_absent(cs, 0x180000000ull, 0x18fffffffull, &changed),
			 -ENOSPC);
	assert_int_equal(told_count, 1);
	assert_int_equal(told.start, 0x190000000ull);
	assert_int_equal(told.end, 0x23fffffffull);
	have[2].end = 0x17fffffffull;
	assert_header_is(have, nr);
	/* a head cut with none: the range is rewritten in its own slot */
	assert_int_equal(crash_slots_remove_absent(cs, have[3].start, have[3].start + 0xfffffff,
						   &changed), 0);
	assert_int_equal(told_count, 1);
	have[3].start += 0x10000000;
	assert_header_is(have, nr);
	crash_slots_free(cs);
}

/* absent(): what the test says is gone, [gone.start, gone.end]. */
static struct range gone;

static bool is_gone(void *ctx, u64 first, u64 last)
{
	return first <= gone.end && gone.start <= last;
}

/*
 * crash_slots_sync() on a full header, as x86's deferred update runs it
 * after a removal that gave up waiting for the kexec lock: the reserve is
 * spent and the memory gone lies in the middle of a range.  It is cut all
 * the same (absent(): crash_slots_remove_absent()), what lay above it is
 * left out (-ENOSPC), never the memory gone; once two whole ranges go
 * offline the next sync covers it again, exactly.  A sync that cut as
 * crash_slots_remove() does would keep the memory gone listed.
 */
static void test_slot_index__sync_cuts_memory_gone_whatever_it_costs(void **state)
{
	static const struct crash_slots_ops ops = {
		.store = buf_store, .uncovered = tell_uncovered, .absent = is_gone,
	};
	struct range have[HDR_SLOTS + 1], want[HDR_SLOTS + 1];
	struct crash_slots *cs;
	bool changed = false;
	size_t nr;

	cs = full_of_far_ranges(&ops, have, &nr);
	/* a split of have[0] (offline memory) spends the reserve */
	assert_int_equal(crash_slots_remove(cs, 0x10000000, 0x1fffffff, &changed), 0);
	memmove(&have[1], &have[0], nr * sizeof(*have));
	have[0] = (struct range){ 0, 0xfffffff };
	have[1].start = 0x20000000;
	nr++;
	assert_header_is(have, nr);
	/* have[2] = [5 GiB, 9 GiB): its fourth GiB's first 256 MiB removed */
	gone = (struct range){ 0x200000000ull, 0x20fffffffull };
	memcpy(want, have, nr * sizeof(*have));
	memmove(&want[3], &want[2], (nr - 2) * sizeof(*want));
	want[2].end = gone.start - 1;
	want[3].start = gone.end + 1;
	told_count = 0;
	assert_int_equal(crash_slots_sync(cs, want, nr + 1, &changed), -ENOSPC);
	assert_int_equal(told_count, 1);
	assert_int_equal(told.start, gone.end + 1);
	have[2].end = gone.start - 1;
	assert_header_is(have, nr);
	/* two whole ranges (15 and 20 GiB) go offline: slots free, the rest comes back */
	want[5] = want[7];
	assert_int_equal(crash_slots_sync(cs, want, nr - 1, &changed), 0);
	assert_header_is(want, nr - 1);
	crash_slots_free(cs);
}

/*
 * A sync that both adds and cuts offline memory, with two slots free (the
 * reserve and one): the addition goes first and takes the one, the cut
 * takes the reserve, and the header is exact.  Cuts first would leave only
 * the reserve, and the new memory out.
 */
static void test_slot_index__sync_adds_before_it_cuts_offline_memory(void **state)
{
	static const struct crash_slots_ops ops = { .store = buf_store };
	struct range have[HDR_SLOTS + 1], want[HDR_SLOTS + 1];
	struct crash_slots *cs;
	bool changed = false;
	size_t nr;

	cs = full_of_far_ranges(&ops, have, &nr);
	/* the last range goes offline: two slots free */
	nr--;
	assert_int_equal(crash_slots_sync(cs, have, nr, &changed), 0);
	assert_header_is(have, nr);
	/* a block of have[0] offline (a split), and new memory far above */
	want[0] = (struct range){ have[0].start, 0xfffffff };
	want[1] = (struct range){ 0x20000000, have[0].end };
	memcpy(&want[2], &have[1], (nr - 1) * sizeof(*have));
	want[nr + 1] = (struct range){ 0x10000000000ull, 0x1003fffffffull };
	assert_int_equal(crash_slots_sync(cs, want, nr + 2, &changed), 0);
	assert_header_is(want, nr + 2);
	crash_slots_free(cs);
}

/*
 * x86's memory event: the memory_notify range less what its header never
 * describes (the low 1 MiB, the crashkernel), given in any order.
 */
static void test_slot_index__add_except_leaves_out_the_exclusions(void **state)
{
	static const struct crash_slots_ops ops = { .store = buf_store };
	const struct crash_slots_cfg cfg = { .ops = &ops, .direct_map = 0xffff888000000000ull };
	static const struct range out[] = { { 0x30000000, 0x3fffffff }, { 0, 0xfffff } };
	static const struct range first[] = { { 0x100000, 0x2fffffff }, { 0x40000000, 0x7fffffff } };
	static const struct range grown[] = { { 0x100000, 0x2fffffff }, { 0x40000000, 0x8fffffff } };
	static const struct range more[] = { { 0x100000, 0x2fffffff }, { 0x40000000, 0x8fffffff },
					     { 0x100000000, 0x10fffffff } };
	struct crash_slots *cs;
	bool changed = false;

	memset(hdr, 0, sizeof(hdr));
	buf_store(NULL, E_PHNUM, 1, 2);
	buf_store(NULL, phdr_off(0), TYPE_NOTE, 8);
	assert_int_equal(crash_slots_create(&cs, &cfg, hdr, sizeof(hdr), sizeof(hdr)), 0);

	assert_int_equal(crash_slots_add_except(cs, 0, 0x7fffffff, out, 2, &changed), 0);
	assert_true(changed);
	assert_header_is(first, 2);
	/* Wholly left out: no store. */
	changed = false;
	assert_int_equal(crash_slots_add_except(cs, 0x30000000, 0x3fffffff, out, 2, &changed), 0);
	assert_int_equal(crash_slots_add_except(cs, 0x80000, 0xfffff, out, 2, &changed), 0);
	assert_false(changed);
	assert_header_is(first, 2);
	/* From inside the crashkernel: only what lies past it. */
	assert_int_equal(crash_slots_add_except(cs, 0x38000000, 0x8fffffff, out, 2, &changed), 0);
	assert_header_is(grown, 2);
	assert_int_equal(crash_slots_add_except(cs, 0x100000000, 0x10fffffff, NULL, 0, &changed), 0);
	assert_header_is(more, 3);
	crash_slots_free(cs);
}

/*
 * ---- the kernel's own use, crashed after every store ----
 *
 * The lab's crash injection runs the core with robust.c's ops (gap_cost()
 * and all) and never calls crash_slots_sync(); x86 (kernel/0004) gives it
 * only a store, so only touching ranges merge at capacity and a deferred
 * update is crash_slots_sync().  Here the core runs as x86 runs it: two notes
 * and the kernel text fixed at the front (text_vaddr __START_KERNEL_map), a
 * KASLR direct map that is not the configured one, store-only ops, a header
 * small enough to fill; random block adds, block removes and syncs.  After
 * every store the header is read as its readers read it, with <elf.h>'s
 * layout: fs/proc/vmcore.c dumps [p_offset, +p_memsz) of each PT_LOAD,
 * makedumpfile and crash(8) [p_paddr, +p_filesz), crash(8) takes every
 * header as a load whatever its p_type.  Each reading must hold all memory
 * the header held before the call and the target holds, and nothing that
 * neither holds; notes and text never change; at rest the header is the
 * target exactly (or, on -ENOSPC, still between the two).  A memory event
 * adds through crash_slots_add_except() with x86's exclusions (here whole
 * blocks: the low one and the crashkernel's two), which no target holds.
 */
#define K_PHDRS 10
#define K_FIXED 3			/* two notes, the kernel text */
#define K_UNIT 0x8000000ull		/* an x86 memory block, 128 MiB */
#define K_UNITS 48
#define K_DIRECT 0xff11a00000000000ull	/* the header's (KASLR) direct map */
#define K_HDR_SIZE (sizeof(Elf64_Ehdr) + K_PHDRS * sizeof(Elf64_Phdr))
#define K_OUT ((1ull << 0) | (3ull << 30))	/* x86's exclusions, in blocks */

static uint8_t khdr[K_HDR_SIZE];
static uint8_t kfixed[K_FIXED * sizeof(Elf64_Phdr)];
static uint64_t k_must, k_may;	/* memory blocks, one bit each */
static unsigned long k_stores;

static uint64_t k_units(uint64_t start, uint64_t size)
{
	uint64_t m = 0;

	assert_int_equal(start % K_UNIT, 0);
	assert_int_equal(size % K_UNIT, 0);
	assert_true(start / K_UNIT + size / K_UNIT <= K_UNITS);
	for (uint64_t u = start / K_UNIT; u < (start + size) / K_UNIT; u++)
		m |= 1ull << u;
	return m;
}

#define K_PH(i, field) le(khdr + sizeof(Elf64_Ehdr) + (i) * sizeof(Elf64_Phdr) + \
			  offsetof(Elf64_Phdr, field), sizeof(((Elf64_Phdr *)0)->field))

/* What fs/proc/vmcore.c (*vm) and makedumpfile or crash(8) (*md) dump now. */
static void k_read(uint64_t *vm, uint64_t *md)
{
	size_t phnum = le(khdr + offsetof(Elf64_Ehdr, e_phnum), 2);

	assert_true(phnum >= K_FIXED && phnum <= K_PHDRS);
	assert_memory_equal(khdr + sizeof(Elf64_Ehdr), kfixed, sizeof(kfixed));
	*vm = *md = 0;
	for (size_t i = K_FIXED; i < phnum; i++) {
		uint64_t memsz = K_PH(i, p_memsz), filesz = K_PH(i, p_filesz);

		if (K_PH(i, p_type) == PT_NULL) {
			/* crash(8) reads it as a load: it must describe nothing */
			assert_int_equal(memsz, 0);
			assert_int_equal(filesz, 0);
			continue;
		}
		assert_int_equal(K_PH(i, p_type), PT_LOAD);
		assert_int_equal(K_PH(i, p_flags), PF_R | PF_W | PF_X);
		assert_true(filesz <= memsz);
		if (!memsz)
			continue;
		assert_int_equal(K_PH(i, p_offset), K_PH(i, p_paddr));
		assert_int_equal(K_PH(i, p_vaddr) - K_PH(i, p_paddr), K_DIRECT);
		*vm |= k_units(K_PH(i, p_offset), memsz);
		*md |= k_units(K_PH(i, p_paddr), filesz);
	}
}

static void k_judge(void)
{
	uint64_t vm, md;

	k_read(&vm, &md);
	assert_int_equal(k_must & ~vm, 0);
	assert_int_equal(k_must & ~md, 0);
	assert_int_equal(vm & ~k_may, 0);
	assert_int_equal(md & ~k_may, 0);
}

/* x86's crash_elfcorehdr_store(): one aligned little-endian store; then a panic. */
static int k_store(void *ctx, size_t off, u64 val, unsigned int len)
{
	assert_true(len == 8 || len == 2);
	assert_int_equal(off % len, 0);
	assert_true(off + len <= K_HDR_SIZE);
	for (unsigned int k = 0; k < len; k++)
		khdr[off + k] = (uint8_t)(val >> (8 * k));
	k_stores++;
	k_judge();
	return 0;
}

static void k_put(size_t i, size_t field, unsigned int len, uint64_t v)
{
	for (unsigned int k = 0; k < len; k++)
		khdr[sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr) + field + k] = (uint8_t)(v >> (8 * k));
}

static void k_load(size_t i, uint32_t type, uint64_t vaddr, uint64_t paddr, uint64_t size)
{
	k_put(i, offsetof(Elf64_Phdr, p_type), 4, type);
	k_put(i, offsetof(Elf64_Phdr, p_flags), 4, type == PT_LOAD ? PF_R | PF_W | PF_X : 0);
	k_put(i, offsetof(Elf64_Phdr, p_offset), 8, paddr);
	k_put(i, offsetof(Elf64_Phdr, p_vaddr), 8, vaddr);
	k_put(i, offsetof(Elf64_Phdr, p_paddr), 8, paddr);
	k_put(i, offsetof(Elf64_Phdr, p_filesz), 8, size);
	k_put(i, offsetof(Elf64_Phdr, p_memsz), 8, size);
}

/* The runs of @mask as sorted, disjoint ranges: their number. */
static size_t k_ranges(uint64_t mask, struct range *out)
{
	size_t n = 0;

	for (unsigned int u = 0; u < K_UNITS; u++) {
		if (!(mask >> u & 1))
			continue;
		if (n && out[n - 1].end == u * K_UNIT - 1)
			out[n - 1].end += K_UNIT;
		else
			out[n++] = (struct range){ u * K_UNIT, (u + 1) * K_UNIT - 1 };
	}
	return n;
}

static uint64_t k_cover(void)
{
	uint64_t vm, md;

	k_read(&vm, &md);
	assert_int_equal(vm, md);	/* at rest every load has p_filesz == p_memsz */
	return vm;
}

static void test_slot_index__kernel_use_complete_at_every_store(void **state)
{
	static const struct crash_slots_ops ops = { .store = k_store };
	const struct crash_slots_cfg cfg = {
		.ops = &ops,
		.direct_map = 0xffff888000000000ull,	/* PAGE_OFFSET without KASLR */
		.text_vaddr = 0xffffffff80000000ull,	/* __START_KERNEL_map */
	};
	static const struct range out[] = { { 30 * K_UNIT, 32 * K_UNIT - 1 }, { 0, K_UNIT - 1 } };
	struct range want[K_UNITS];
	uint64_t seed = 0x9e3779b97f4a7c15ull, have = 0x0000000000fffeull, target, run, kind;
	unsigned long done = 0, full = 0;
	struct crash_slots *cs;
	size_t n;

	memset(khdr, 0, sizeof(khdr));
	memcpy(khdr, ELFMAG, SELFMAG);
	k_load(0, PT_NOTE, 0, 0x7ff00000, 0x400);
	k_load(1, PT_NOTE, 0, 0x7ff00400, 0x1000);
	k_load(2, PT_LOAD, 0xffffffff81000000ull, 0x1000000, 0x2000000);
	n = k_ranges(have, want);
	for (size_t k = 0; k < n; k++)
		k_load(K_FIXED + k, PT_LOAD, K_DIRECT + want[k].start, want[k].start,
		       want[k].end - want[k].start + 1);
	khdr[offsetof(Elf64_Ehdr, e_phnum)] = (uint8_t)(K_FIXED + n);
	memcpy(kfixed, khdr + sizeof(Elf64_Ehdr), sizeof(kfixed));
	assert_int_equal(crash_slots_create(&cs, &cfg, khdr,
					    sizeof(Elf64_Ehdr) + (K_FIXED + n) * sizeof(Elf64_Phdr),
					    sizeof(khdr)), 0);
	assert_int_equal(k_cover(), have);

	for (int op = 0; op < 20000; op++) {
		unsigned int at = (unsigned int)(next_rand(&seed) % K_UNITS);
		unsigned int len = 1 + (unsigned int)(next_rand(&seed) % 3);
		bool changed = false;
		int err;

		if (at + len > K_UNITS)
			len = K_UNITS - at;
		run = ((1ull << len) - 1) << at;
		switch (kind = next_rand(&seed) % 3) {
		case 0:	/* MEM_ONLINE of @len blocks */
			target = have | (run & ~K_OUT);
			break;
		case 1:	/* MEM_OFFLINE */
			target = have & ~run;
			break;
		default: /* a deferred update: a few blocks changed since */
			target = (have ^ (1ull << at) ^ (1ull << (next_rand(&seed) % K_UNITS))) & ~K_OUT;
			break;
		}
		k_must = have & target;
		k_may = have | target;
		if (kind == 0)
			err = crash_slots_add_except(cs, at * K_UNIT, (at + len) * K_UNIT - 1, out, 2,
						     &changed);
		else if (target == (have & ~run) && target != have)
			err = crash_slots_remove(cs, at * K_UNIT, (at + len) * K_UNIT - 1, &changed);
		else
			err = crash_slots_sync(cs, want, k_ranges(target, want), &changed);
		k_judge();
		if (err == -ENOSPC) {
			full++;
			have = k_cover();
			continue;
		}
		assert_int_equal(err, 0);
		assert_int_equal(k_cover(), target);
		assert_true(changed || target == have);
		have = target;
		done++;
	}
	crash_slots_free(cs);
	/* Both paths were taken: updates that fit, and a full header's -ENOSPC. */
	assert_true(done > 1000);
	assert_true(full > 100);
	assert_true(k_stores > 10000);
	print_message("%lu updates, %lu found the header full, %lu stores judged\n", done, full,
		      k_stores);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_index__matches_a_sorted_reference),
		cmocka_unit_test(test_slot_index__sync_makes_the_header_exact),
		cmocka_unit_test(test_slot_index__add_except_leaves_out_the_exclusions),
		cmocka_unit_test(test_slot_index__full_header_cuts_use_the_reserve),
		cmocka_unit_test(test_slot_index__cut_without_a_slot_gives_up_what_is_above),
		cmocka_unit_test(test_slot_index__sync_cuts_memory_gone_whatever_it_costs),
		cmocka_unit_test(test_slot_index__sync_adds_before_it_cuts_offline_memory),
		cmocka_unit_test(test_slot_index__kernel_use_complete_at_every_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
