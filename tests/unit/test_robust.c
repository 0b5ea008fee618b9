/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdlib.h>

#include "crashhp/crashmem.h"
#include "crashhp/elfcore.h"

#include "hplab.h"
#include "reader.h"
#include "crashhp/crashmem.h"
#include "crashhp/elfcore.h"
#include "crashhp/loader.h"

/*
 * Exhaustive crash injection: for one robust update, a crash after every
 * prefix of its stores, each captured, validated under /proc/vmcore's rules
 * and checked for coverage: every page online before and after is in the dump,
 * nothing absent before and after is.  The range being changed may be either.
 */
static void expect_every_prefix_complete(struct injector *in, unsigned min_stores)
{
	if (in->complete != in->steps || in->dumps != in->steps)
		fail_msg("%u steps, %u dumps, %u complete; first failure %s", in->steps, in->dumps,
			 in->complete, in->first_bad);
	if (hplab_counting() && in->stores < min_stores)
		fail_msg("only %u stores, expected at least %u", in->stores, min_stores);
}

static struct hplab x86_4g(void)
{
	struct hplab l;

	hplab_up(&l, CHP_ARCH_X86_64, 4 * GiB, CHP_POLICY_ROBUST);
	return l;
}

/* One block offlined or onlined with a crash after every prefix of the
 * update's stores; returns how many stores the update made. */
static unsigned block_change_every_prefix(struct hplab *l, size_t block, bool online,
					  unsigned min_stores)
{
	uint64_t bs = chp_machine_block_size(l->m);
	struct injector in;

	injector_arm(&in, l->hp, (uint64_t)block * bs, bs);
	if (online)
		assert_int_equal(chp_machine_online_block(l->m, block), 0);
	else
		assert_int_equal(chp_machine_offline_block(l->m, block), 0);
	injector_disarm(&in);
	expect_every_prefix_complete(&in, min_stores);
	return in.stores;
}

/* A block offlined with a crash after every prefix of the update's stores:
 * every dump may list offline memory but misses nothing online, lists nothing absent. */
static void block_change_every_prefix_sound(struct hplab *l, size_t block, unsigned min_stores)
{
	uint64_t bs = chp_machine_block_size(l->m);
	struct injector in;

	injector_arm(&in, l->hp, (uint64_t)block * bs, bs);
	assert_int_equal(chp_machine_offline_block(l->m, block), 0);
	injector_disarm(&in);
	if (in.sound != in.steps || in.dumps != in.steps || in.stores < min_stores)
		fail_msg("%u steps, %u stores, %u dumps, %u sound; first unsound %s", in.steps,
			 in.stores, in.dumps, in.sound, in.first_unsound);
}

/* The same, where @missing bytes of online memory are already left out. */
static void block_change_every_prefix_sound_but(struct hplab *l, size_t block, uint64_t missing)
{
	uint64_t bs = chp_machine_block_size(l->m);
	struct injector in;

	injector_arm(&in, l->hp, (uint64_t)block * bs, bs);
	in.missing_ok = missing;
	assert_int_equal(chp_machine_offline_block(l->m, block), 0);
	injector_disarm(&in);
	if (in.sound != in.steps || in.dumps != in.steps)
		fail_msg("%u steps, %u dumps, %u sound; first unsound %s", in.steps, in.dumps,
			 in.sound, in.first_unsound);
}

/*
 * A ppc64 machine whose header holds at most 8 memory ranges (32 MiB blocks,
 * 2 CPUs), filled by offlining runs of `gap` blocks, one block apart, from
 * block 9 until no slot is free.  Returns the first block past the last run.
 */
static size_t tiny_full_gaps(struct hplab *l, size_t gap, enum chp_arch arch)
{
	struct chp_lab_spec s;
	const bool x86 = arch == CHP_ARCH_X86_64;
	/* x86: [4G, 9G) past the PCI hole (the low 2 GiB hold the crashkernel) */
	size_t b = x86 ? 4 * GiB / (32 * MiB) + 1 : 9;

	chp_lab_spec_init(&s, arch);
	s.boot_ram = x86 ? 7 * GiB : 8 * GiB;
	s.block_size = 32 * MiB;
	s.crashkernel_size = 128 * MiB;
	s.cpus_possible = 2;
	s.cpus_present = 2;
	s.cpus_online = 2;
	s.nr_cpus_config = 2;
	/*
	 * One page of header: on ppc64 kdump_extra_elfcorehdr_size() is 0 once
	 * the ranges at load reach one; on x86 (2 + 2 + 6) headers round up to it.
	 */
	s.max_memory_ranges = x86 ? 6 : 1;
	hplab_up_spec(l, &s, CHP_POLICY_ROBUST, CHP_LOAD_FILE, false);
	for (;; b += gap + 1) {
		const struct chp_hotplug_stats *st = chp_hotplug_stats(l->hp);
		/* Full: no slot, or only the one kept for cuts once a merge was needed. */
		if (st->slots_used == st->slots_total ||
		    (st->slots_used + 1 == st->slots_total && st->capacity_merges))
			return b;
		for (size_t k = b; k < b + gap; k++)
			assert_int_equal(chp_machine_offline_block(l->m, k), 0);
	}
}

static size_t tiny_ppc64_full_gaps(struct hplab *l, size_t gap)
{
	return tiny_full_gaps(l, gap, CHP_ARCH_PPC64LE);
}

/* Full, every other block from block 9 offline. */
static size_t tiny_ppc64_full(struct hplab *l)
{
	return tiny_ppc64_full_gaps(l, 1);
}

/*
 *   [4G ............ 6G)        boot RAM above the hole
 *                         [8G .. 8G+128M)   new DIMM: a new slot, then e_phnum
 */
static void test_robust__add_new_slot_every_prefix(void **state)
{
	struct hplab l = x86_4g();
	struct injector in;

	injector_arm(&in, l.hp, 8 * GiB, 128 * MiB);
	assert_int_equal(chp_machine_add_dimm(l.m, 8 * GiB, 128 * MiB, true), 0);
	injector_disarm(&in);
	/* p_offset, p_vaddr, p_paddr, p_type/p_flags, p_memsz, p_filesz, e_phnum */
	expect_every_prefix_complete(&in, 7);
	assert_count_equal(in.stores, 7);
	hplab_down(&l);
}

/*
 * Big-endian ppc64, a DIMM added, removed, added again, a crash after every
 * store: a new slot (7 stores: addresses, type, p_memsz, p_filesz, e_phnum),
 * freed (6: sizes, type, addresses zeroed), and the zeroed slot reused (6).
 * The freed slot is all zeros: crash(8) reads it as a load of nothing.
 */
static void test_robust__ppc64_big_endian_slot_life_every_prefix(void **state)
{
	struct hplab l;
	struct injector in;
	struct chp_segment_info seg;
	size_t index;
	uint8_t eh[64], ph[56], zero[56] = { 0 };

	hplab_up(&l, CHP_ARCH_PPC64, 4 * GiB, CHP_POLICY_ROBUST);
	for (int round = 0; round < 3; round++) {
		injector_arm(&in, l.hp, 8 * GiB, 256 * MiB);
		if (round == 1)
			assert_int_equal(chp_machine_remove_dimm(l.m, 8 * GiB, 256 * MiB), 0);
		else
			assert_int_equal(chp_machine_add_dimm(l.m, 8 * GiB, 256 * MiB, true), 0);
		injector_disarm(&in);
		expect_every_prefix_complete(&in, round == 0 ? 7 : 6);
		assert_count_equal(in.stores, round == 0 ? 7 : 6);
		if (round == 1) {
			assert_int_equal(chp_kimage_elfcorehdr_index(l.img, &index), 0);
			assert_int_equal(chp_kimage_segment(l.img, index, &seg), 0);
			assert_int_equal(chp_kimage_read(l.img, seg.paddr, eh, 64), 0);
			unsigned n = (unsigned)(eh[56] << 8 | eh[57]); /* big-endian e_phnum */
			assert_int_equal(chp_kimage_read(l.img, seg.paddr + 64 + 56ull * (n - 1), ph, 56), 0);
			assert_memory_equal(ph, zero, 56);
		}
	}
	hplab_down(&l);
}

/*
 *   [4G ............ 6G)[6G .. 6G+128M)   adjacent: the slot grows (memsz, filesz)
 */
static void test_robust__add_extends_every_prefix(void **state)
{
	struct hplab l = x86_4g();
	struct injector in;

	injector_arm(&in, l.hp, 6 * GiB, 128 * MiB);
	assert_int_equal(chp_machine_add_dimm(l.m, 6 * GiB, 128 * MiB, true), 0);
	injector_disarm(&in);
	expect_every_prefix_complete(&in, 2);
	assert_count_equal(in.stores, 2);
	hplab_down(&l);
}

/*
 *   [8G .. 8G+128M)  removed whole: p_filesz 0, p_memsz 0, PT_NULL, then its
 *                    p_offset, p_vaddr, p_paddr zeroed (a free slot is all zeros)
 */
static void test_robust__remove_whole_slot_every_prefix(void **state)
{
	struct hplab l = x86_4g();
	struct injector in;

	assert_int_equal(chp_machine_add_dimm(l.m, 8 * GiB, 128 * MiB, true), 0);
	injector_arm(&in, l.hp, 8 * GiB, 128 * MiB);
	assert_int_equal(chp_machine_remove_dimm(l.m, 8 * GiB, 128 * MiB), 0);
	injector_disarm(&in);
	expect_every_prefix_complete(&in, 6);
	assert_count_equal(in.stores, 6);
	hplab_down(&l);
}

/*
 *   [4G ........................ 6G)
 *         [5G .. 5G+128M)  offlined: split
 *   [4G .. 5G)            [5G+128M .. 6G)   the upper part first, then the lower shrinks
 */
static void test_robust__split_every_prefix(void **state)
{
	struct hplab l = x86_4g();

	block_change_every_prefix(&l, 40, false, 4); /* block 40 is [5G, 5G+128M) */
	/* and back: the gap is filled by extending the lower range */
	block_change_every_prefix(&l, 40, true, 2);
	hplab_down(&l);
}

/*
 *   [4G ............ 6G)
 *   [4G .. 4G+128M) offlined: the head goes: a new slot for the rest, then PT_NULL
 *   [6G-128M .. 6G) offlined: the tail goes: filesz, then memsz
 */
static void test_robust__head_and_tail_cuts_every_prefix(void **state)
{
	struct hplab l = x86_4g();

	block_change_every_prefix(&l, 32, false, 3); /* [4G, 4G+128M) */
	assert_count_equal(block_change_every_prefix(&l, 47, false, 2), 2); /* [6G-128M, 6G) */
	hplab_down(&l);
}

/*
 * A full header: ppc64, 32 MiB blocks, every other block offlined until no
 * slot is free; two blocks back online leave adjacent ranges; offlining one
 * more needs a slot, so two adjacent ranges merge first, then the split.
 */
static void test_robust__capacity_merge_every_prefix(void **state)
{
	struct hplab l;
	size_t b = tiny_ppc64_full(&l);

	assert_int_equal(chp_hotplug_stats(l.hp)->capacity_merges, 0);
	/* Blocks 11 and 13 back: [..10-11][12..] and [..12-13][14..] now touch. */
	assert_int_equal(chp_machine_online_block(l.m, 11), 0);
	assert_int_equal(chp_machine_online_block(l.m, 13), 0);
	/* Growing a range needs no slot: nothing lost though the header is full. */
	struct chp_dump_result res = hplab_crash(&l);
	if (!res.complete)
		fail_msg("onlining next to a range with the header full: %s", res.why);
	block_change_every_prefix(&l, b + 4, false, 6);
	res = hplab_crash(&l);
	assert_true(res.complete);
	/* Touching ranges merge first: no offline memory covered for the room. */
	assert_int_equal(res.offline_bytes, 0);
	assert_int_equal(chp_hotplug_stats(l.hp)->capacity_merges, 1);
	assert_non_null(strstr(chp_hotplug_log(l.hp), "elfcorehdr full"));
	hplab_down(&l);
}

/*
 * Full, and the only room is across offline gaps: a gap of offline memory is
 * bridged (reported), the new split done, nothing online lost, nothing absent
 * listed.  When a slot frees again the bridged gap is cut back out.
 */
static void test_robust__capacity_bridges_offline_gap(void **state)
{
	struct hplab l;
	uint64_t failures_before;
	struct chp_dump_result res;

	assert_true(tiny_ppc64_full(&l) < 200);
	failures_before = chp_hotplug_stats(l.hp)->failures;
	/* Every prefix: the bridged gap is offline memory, listed (the kernel's
	 * rule), never online memory missing nor absent memory listed. */
	block_change_every_prefix_sound(&l, 201, 3);
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, failures_before);
	assert_int_equal(chp_hotplug_stats(l.hp)->capacity_merges, 1);
	assert_non_null(strstr(chp_hotplug_log(l.hp), "covering the offline or excluded gap"));
	res = hplab_crash(&l);
	assert_true(res.taken);
	assert_int_equal(res.missing_bytes, 0);
	assert_int_equal(res.absent_bytes, 0);
	assert_int_equal(res.offline_bytes, 32 * MiB); /* the bridged gap: block 9 */
	/* Blocks 12 and 14 are ranges of their own: offlined, their slots free
	 * (one beyond the slot kept for cuts), and block 9 is cut again. */
	block_change_every_prefix_sound(&l, 12, 2);
	block_change_every_prefix_sound(&l, 14, 2);
	assert_non_null(strstr(chp_hotplug_log(l.hp), "no longer covered"));
	res = hplab_crash(&l);
	assert_true(res.complete);
	assert_int_equal(res.offline_bytes, 0);
	hplab_down(&l);
}

/*
 * A bridged gap that comes online is covered by right: when a slot frees
 * later, it is not cut out as bridged memory would be.
 */
static void test_robust__capacity_bridged_block_onlined_stays(void **state)
{
	/* Once handled as it comes, once deferred and applied by the resync. */
	for (int deferred = 0; deferred < 2; deferred++) {
		struct hplab l;
		struct chp_dump_result res;

		assert_true(tiny_ppc64_full(&l) < 200);
		assert_int_equal(chp_machine_offline_block(l.m, 201), 0); /* bridges block 9 */
		assert_int_equal(chp_hotplug_stats(l.hp)->capacity_merges, 1);
		if (deferred)
			assert_true(chp_hotplug_kexec_trylock(l.hp));
		assert_int_equal(chp_machine_online_block(l.m, 9), 0);    /* already covered */
		if (deferred)
			chp_hotplug_kexec_unlock(l.hp);
		assert_int_equal(chp_hotplug_stats(l.hp)->deferred, (uint64_t)deferred);
		assert_int_equal(chp_machine_offline_block(l.m, 12), 0);  /* a slot frees */
		res = hplab_crash(&l);
		assert_int_equal(res.missing_bytes, 0);
		assert_true(res.complete);
		hplab_down(&l);
	}
}

/*
 * Full, and a head cut: the count does not grow, but the new head needs a
 * slot before the old one lets go.  One is borrowed by bridging an offline
 * gap; the slot the cut frees is the one kept for cuts, so the bridge stays
 * until another slot frees, when it is given back: the header is exact
 * again, and no prefix misses online memory or lists absent memory.
 */
static void test_robust__capacity_head_cut_borrows_and_gives_back(void **state)
{
	struct hplab l;
	size_t b = tiny_ppc64_full(&l);   /* the last range starts at block b - 1 */
	struct chp_dump_result res;

	block_change_every_prefix_sound(&l, b - 1, 4);
	assert_int_equal(chp_hotplug_stats(l.hp)->capacity_merges, 1);
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 0);
	res = hplab_crash(&l);
	assert_true(res.taken);
	assert_int_equal(res.missing_bytes, 0);
	assert_int_equal(res.absent_bytes, 0);
	assert_int_equal(res.offline_bytes, 32 * MiB);
	block_change_every_prefix_sound(&l, 12, 2); /* a range of its own */
	assert_non_null(strstr(chp_hotplug_log(l.hp), "no longer covered"));
	res = hplab_crash(&l);
	assert_true(res.complete);
	assert_int_equal(res.offline_bytes, 0);
	hplab_down(&l);
}

/*
 * A ppc64 header full of offline gaps of two blocks, then one-block DIMMs
 * added with one absent block between each: every DIMM needs a slot, and
 * bridging an absent gap would cost less offline memory than an offline one.
 * Merges bridge the offline gaps only; no dump misses online memory or lists
 * absent memory.
 */
static void test_robust__capacity_never_bridges_absent(void **state)
{
	struct hplab l;
	struct chp_dump_result res;

	tiny_ppc64_full_gaps(&l, 2);
	for (uint64_t at = 8 * GiB + 32 * MiB; at < 8 * GiB + 16 * 64 * MiB; at += 64 * MiB) {
		assert_int_equal(chp_machine_add_dimm(l.m, at, 32 * MiB, true), 0);
		res = hplab_crash(&l);
		assert_true(res.taken);
		assert_int_equal(res.missing_bytes, 0);
		assert_int_equal(res.absent_bytes, 0);
	}
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 0);
	assert_true(chp_hotplug_stats(l.hp)->capacity_merges >= 16);
	hplab_down(&l);
}

/*
 * A bridged gap whose memory goes away: a DIMM of three blocks, its middle
 * block offline and bridged by a merge (the cheapest gap: one block, the rest
 * are two), then the DIMM removed.  pseries removes LMB by LMB; the offline
 * middle one goes with no event at all, so the merged range covers absent
 * memory until the last block's event, whose give_back() must cut it whatever
 * it costs.  The dump after the removal lists no absent memory.
 */
static void test_robust__capacity_bridged_gap_removed_is_cut(void **state)
{
	struct hplab l;
	const uint64_t d = 8 * GiB + 64 * MiB, bs = 32 * MiB; /* [8G, d) stays absent */
	struct chp_dump_result res;

	tiny_ppc64_full_gaps(&l, 2);
	assert_int_equal(chp_machine_add_dimm(l.m, d, 3 * bs, true), 0);
	assert_int_equal(chp_machine_offline_block(l.m, (size_t)((d + bs) / bs)), 0);
	/* One more range: the merge bridges the least offline memory, the
	 * DIMM's middle block (three 2-block gaps were bridged before, one of
	 * them for the slot kept for cuts). */
	assert_int_equal(chp_machine_add_dimm(l.m, 8 * GiB + 512 * MiB, bs, true), 0);
	res = hplab_crash(&l);
	assert_true(res.taken);
	assert_int_equal(res.missing_bytes, 0);
	assert_int_equal(res.offline_bytes, 3 * 2 * bs + bs);
	assert_int_equal(chp_machine_remove_dimm(l.m, d, 3 * bs), 0);
	res = hplab_crash(&l);
	assert_true(res.taken);
	if (res.missing_bytes || res.absent_bytes)
		fail_msg("after the DIMM with a bridged block went: %s", res.why);
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 0);
	hplab_down(&l);
}

/*
 * The same on x86, where the DIMM's online blocks go offline first (each an
 * event, the bridged middle block still present then, so give_back() keeps
 * it while no slot is free) and the resource goes after, with no crash
 * hotplug event.  Only the memory bus hears it (BUS_NOTIFY_DEL_DEVICE as
 * each block's device goes): robust cuts what it bridged there before the
 * memory is gone.  Without that, the dump lists the 32 MiB block absent
 * until some later event.  Also with the whole DIMM offline before it goes,
 * no event at all.
 */
static void bridged_dimm_removed_silently(enum chp_arch arch, bool all_offline)
{
	struct hplab l;
	const bool x86 = arch == CHP_ARCH_X86_64;
	const uint64_t end = x86 ? 9 * GiB : 8 * GiB, bs = 32 * MiB;
	const uint64_t d = end + 64 * MiB; /* [end, d) stays absent */
	struct chp_dump_result res;
	char merged[64];

	tiny_full_gaps(&l, x86 ? 1 : 2, arch); /* x86: one-block gaps fill it */
	assert_int_equal(chp_machine_add_dimm(l.m, d, 3 * bs, true), 0);
	assert_int_equal(chp_machine_offline_block(l.m, (size_t)((d + bs) / bs)), 0);
	/* More ranges until a merge bridges the DIMM's middle block. */
	snprintf(merged, sizeof(merged), "-%#" PRIx64 "] and [%#" PRIx64 "-", d + bs - 1, d + 2 * bs);
	for (unsigned k = 0; k < 64 && !strstr(chp_hotplug_log(l.hp), merged); k++)
		assert_int_equal(chp_machine_add_dimm(l.m, end + 512 * MiB + k * 2 * bs, bs, true), 0);
	if (!strstr(chp_hotplug_log(l.hp), merged))
		fail_msg("no merge bridged [%#" PRIx64 ", +32M)", d + bs);
	res = hplab_crash(&l);
	assert_true(res.taken);
	assert_int_equal(res.missing_bytes, 0);
	assert_int_equal(res.absent_bytes, 0);
	assert_true(res.offline_bytes >= bs);
	assert_int_equal(chp_hotplug_stats(l.hp)->capacity_merges >= 1, true);
	if (all_offline) {
		assert_int_equal(chp_machine_offline_block(l.m, (size_t)(d / bs)), 0);
		assert_int_equal(chp_machine_offline_block(l.m, (size_t)(d / bs) + 2), 0);
	}
	assert_int_equal(chp_machine_remove_dimm(l.m, d, 3 * bs), 0);
	res = hplab_crash(&l);
	assert_true(res.taken);
	if (res.missing_bytes || res.absent_bytes)
		fail_msg("%s: right after the DIMM with a bridged block went%s: %s",
			 x86 ? "x86" : "ppc64", all_offline ? " (all offline)" : "", res.why);
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 0);
	hplab_down(&l);
}

/* A reload whose header does not fit: refused, the old image dumps on,
 * missing only @missing bytes (what a full header already left out). */
static void reload_refused_old_image_dumps(struct hplab *l, uint64_t missing)
{
	struct chp_load_options o;
	struct chp_dump_result res;
	int err;

	chp_load_options_init(&o);
	err = chp_hotplug_load(l->hp, &o);
	/* Refused by the kernel's build, not loaded and then short in robust's resync. */
	if ((err != -ENOSPC && err != -E2BIG) || strncmp(chp_last_error(), "elfcorehdr: ", 12))
		fail_msg("the reload was not refused as over-full: %d (%s)", err, chp_last_error());
	res = hplab_crash(l);
	if (!res.taken || res.missing_bytes != missing || res.absent_bytes)
		fail_msg("after the refused reload, the old image: %s", res.why);
}

/*
 * A cut at removal in a full header: a one-block DIMM x offline between two
 * online neighbours, bridged at capacity while every other gap is absent
 * (the crashkernel bridged too), then removed.  Its cut as it goes is a
 * middle cut, which needs a slot, and nothing may merge.  An addition never
 * takes the last free slot, so the cut has it: the dump after the removal
 * lists no absent memory.  What that costs: the last one-block DIMM added
 * found only the reserve and no merge, so it is left out (a handler
 * failure, logged) until room returns; two DIMMs removed make room and it is
 * covered again.  Before the reserve, that DIMM took the last slot and the
 * removed 32 MiB stayed listed until a slot freed.
 *   UNCUT_HEAD: x stays (offline, bridged) and its lower neighbour goes, a
 * head cut of the bridged range, which borrows the reserve and gives it back.
 *   UNCUT_REFUSED_RELOAD: a reload refused as over-full comes between the
 * bridge and the removal: the old image stays, and so must robust's knowledge
 * of what is only bridged and what is left out (it is in no header field).
 *   UNCUT_OFFLINED_FULL: x goes offline only once the header is full: its
 * own cut (a split) takes the reserve, so nothing bridges it.
 */
enum uncut_how { UNCUT_BRIDGED, UNCUT_HEAD, UNCUT_REFUSED_RELOAD, UNCUT_OFFLINED_FULL };

static void cut_at_removal_when_full(enum uncut_how how)
{
	struct hplab l;
	struct chp_lab_spec s;
	const uint64_t bs = 32 * MiB, x = 12 * GiB + bs, far = 16 * GiB;
	const uint64_t gone = how == UNCUT_HEAD ? x - bs : x;
	struct chp_dump_result res;
	unsigned k = 1;

	chp_lab_spec_init(&s, CHP_ARCH_X86_64);
	s.boot_ram = 7 * GiB;
	s.block_size = bs;
	s.crashkernel_size = 128 * MiB;
	s.cpus_possible = s.cpus_present = s.cpus_online = s.nr_cpus_config = 2;
	s.max_memory_ranges = 6;
	hplab_up_spec(&l, &s, CHP_POLICY_ROBUST, CHP_LOAD_FILE, false);
	/* [x - bs, x + 2 bs): one range of three DIMMs. */
	for (int i = -1; i <= 1; i++)
		assert_int_equal(chp_machine_add_dimm(l.m, x + i * (int64_t)bs, bs, true), 0);
	/* One-block DIMMs with absent memory between, until one slot is left. */
	for (;; k++) {
		const struct chp_hotplug_stats *st = chp_hotplug_stats(l.hp);
		if (st->slots_used + 1 >= st->slots_total)
			break;
		assert_int_equal(chp_machine_add_dimm(l.m, far + k * 2 * bs, bs, true), 0);
	}
	/* The split takes the last slot, every store of it judged. */
	if (how != UNCUT_OFFLINED_FULL)
		block_change_every_prefix_sound(&l, (size_t)(x / bs), 4);
	/* Bridges x (or not, x still online), then the crashkernel. */
	assert_int_equal(chp_machine_add_dimm(l.m, far + k * 2 * bs, bs, true), 0);
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 0);
	/* One more: only the reserve is left and nothing merges: left out. */
	assert_int_equal(chp_machine_add_dimm(l.m, far + (k + 1) * 2 * bs, bs, true), 0);
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 1);
	assert_non_null(strstr(chp_hotplug_log(l.hp), "one kept for cuts"));
	assert_true(chp_hotplug_stats(l.hp)->capacity_merges >= (how == UNCUT_OFFLINED_FULL ? 1 : 2));
	if (how == UNCUT_OFFLINED_FULL) /* the split takes the reserve */
		block_change_every_prefix_sound_but(&l, (size_t)(x / bs), bs);
	if (how == UNCUT_REFUSED_RELOAD) /* a range per present region: far too many */
		reload_refused_old_image_dumps(&l, bs);
	if (how == UNCUT_HEAD)
		assert_int_equal(chp_machine_offline_block(l.m, (size_t)(gone / bs)), 0);
	assert_int_equal(chp_machine_remove_dimm(l.m, gone, bs), 0);
	res = hplab_crash(&l);
	assert_true(res.taken);
	if (res.absent_bytes || res.missing_bytes != bs)
		fail_msg("right after the removal%s: %s (absent %" PRIu64 ", missing %" PRIu64 ")",
			 how == UNCUT_HEAD ? " (a head cut)" : how == UNCUT_REFUSED_RELOAD ?
			 " (bridged before a refused reload)" : how == UNCUT_OFFLINED_FULL ?
			 " (offlined when full)" : "", res.why, res.absent_bytes, res.missing_bytes);
	/* Room beyond the reserve: the DIMM left out is covered again. */
	assert_int_equal(chp_machine_remove_dimm(l.m, far + 2 * bs, bs), 0);
	assert_int_equal(chp_machine_remove_dimm(l.m, far + 4 * bs, bs), 0);
	res = hplab_crash(&l);
	assert_true(res.taken);
	if (res.missing_bytes || res.absent_bytes)
		fail_msg("after two slots freed: %s", res.why);
	assert_non_null(strstr(chp_hotplug_log(l.hp), "covered again"));
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 1);
	hplab_down(&l);
}

static void test_robust__capacity_cut_at_removal_never_lists_absent(void **state)
{
	cut_at_removal_when_full(UNCUT_BRIDGED);
	cut_at_removal_when_full(UNCUT_HEAD);
	cut_at_removal_when_full(UNCUT_OFFLINED_FULL);
}

static void test_robust__refused_reload_keeps_what_a_full_header_owes(void **state)
{
	cut_at_removal_when_full(UNCUT_REFUSED_RELOAD);
}

/*
 * The reserve spent (a split took it), nothing to merge, and a block going
 * offline whose cut (a split) finds no slot at all: the block stays listed
 * (offline memory, as Linux's own header lists it), nothing online goes, no
 * failure.  Before, the split was made all the same and the online memory
 * above it let go (64 MiB here, for 32 MiB of offline memory).  Then its
 * DIMM is removed: each block's release is a cut of memory about to be
 * absent, made whatever it costs; the first, a split with no slot, lets go
 * of the one-block DIMM z above (online, a handler failure), and no absent
 * memory is ever listed.  When room returns, z is covered again.  Or room
 * returns with y's DIMM still there: the block kept is cut then.
 *   A range [w][y: 3 blocks][z] of five DIMMs, and a full header whose gaps
 * are absent (the crashkernel bridged).
 */
static const uint64_t wyz_x = 12 * GiB + 32 * MiB, wyz_y = 13 * GiB, wyz_far = 16 * GiB;

/*
 * The header of split_without_a_slot(): full, only the slot kept for cuts
 * free, nothing to merge.  ppc64: one page of header, as tiny_full_gaps().
 */
static void full_wyz_arch(struct hplab *l, enum chp_arch arch)
{
	struct chp_lab_spec s;
	const uint64_t bs = 32 * MiB, x = wyz_x, y = wyz_y, far = wyz_far;
	unsigned k = 1;

	chp_lab_spec_init(&s, arch);
	s.boot_ram = arch == CHP_ARCH_X86_64 ? 7 * GiB : 8 * GiB;
	s.block_size = bs;
	s.crashkernel_size = 128 * MiB;
	s.cpus_possible = s.cpus_present = s.cpus_online = s.nr_cpus_config = 2;
	s.max_memory_ranges = arch == CHP_ARCH_X86_64 ? 6 : 1;
	hplab_up_spec(l, &s, CHP_POLICY_ROBUST, CHP_LOAD_FILE, false);
	for (int i = -1; i <= 1; i++)
		assert_int_equal(chp_machine_add_dimm(l->m, x + i * (int64_t)bs, bs, true), 0);
	assert_int_equal(chp_machine_add_dimm(l->m, y - bs, bs, true), 0);	/* w */
	assert_int_equal(chp_machine_add_dimm(l->m, y, 3 * bs, true), 0);
	assert_int_equal(chp_machine_add_dimm(l->m, y + 3 * bs, bs, true), 0);	/* z */
	for (;; k++) {
		const struct chp_hotplug_stats *st = chp_hotplug_stats(l->hp);
		if (st->slots_used + 1 >= st->slots_total)
			break;
		assert_int_equal(chp_machine_add_dimm(l->m, far + k * 2 * bs, bs, true), 0);
	}
	/* the crashkernel bridged: then no merge is left */
	assert_int_equal(chp_machine_add_dimm(l->m, far + k * 2 * bs, bs, true), 0);
	assert_int_equal(chp_hotplug_stats(l->hp)->failures, 0);
}

static void full_wyz(struct hplab *l)
{
	full_wyz_arch(l, CHP_ARCH_X86_64);
}

/* x86 removes a DIMM all offline first, then released; ppc64 LMB by LMB. */
static void split_without_a_slot(enum chp_arch arch, bool dimm_goes)
{
	struct hplab l;
	const uint64_t bs = 32 * MiB, x = wyz_x, y = wyz_y, far = wyz_far;
	struct chp_dump_result res;

	full_wyz_arch(&l, arch);
	block_change_every_prefix_sound(&l, (size_t)(x / bs), 4);	/* the reserve */
	assert_int_equal(chp_machine_remove_dimm(l.m, x, bs), 0);	/* the gap absent */
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 0);
	/* No slot: the split is not made, and no store either. */
	block_change_every_prefix_sound(&l, (size_t)(y / bs) + 1, 0);
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 0);
	assert_non_null(strstr(chp_hotplug_log(l.hp), "stays covered (offline"));
	assert_null(strstr(chp_hotplug_log(l.hp), "a cut found no slot;"));
	res = hplab_crash(&l);
	assert_true(res.taken);
	if (res.missing_bytes || res.absent_bytes || res.offline_bytes != bs)
		fail_msg("after the split without a slot: %s (missing %" PRIu64 ", offline %" PRIu64 ")",
			 res.why, res.missing_bytes, res.offline_bytes);
	/* y's DIMM goes, each block offlined (kept) and released (cut at any cost) */
	if (dimm_goes)
		assert_int_equal(chp_machine_remove_dimm(l.m, y, 3 * bs), 0);
	res = hplab_crash(&l);
	assert_true(res.taken);
	if (res.absent_bytes || res.offline_bytes != (dimm_goes ? 0 : bs) ||
	    res.missing_bytes != (dimm_goes ? bs : 0))
		fail_msg("after the DIMM went: %s (absent %" PRIu64 ", missing %" PRIu64 ")", res.why,
			 res.absent_bytes, res.missing_bytes);
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, dimm_goes);
	if (dimm_goes)
		assert_non_null(strstr(chp_hotplug_log(l.hp), "a cut found no slot;"));
	/*
	 * Room beyond the reserve: z is covered again, or the block kept is
	 * cut (after the crashkernel's bridge, lower: a third slot).
	 */
	for (unsigned d = 1; d <= (dimm_goes ? 2 : 3); d++)
		assert_int_equal(chp_machine_remove_dimm(l.m, far + d * 2 * bs, bs), 0);
	res = hplab_crash(&l);
	if (!res.taken || res.missing_bytes || res.absent_bytes)
		fail_msg("after two slots freed: %s", res.why);
	assert_non_null(strstr(chp_hotplug_log(l.hp), dimm_goes ? "covered again" : "no longer covered"));
	if (!dimm_goes && res.offline_bytes)
		fail_msg("the block kept offline is still listed once room returned (%" PRIu64
			 " bytes offline)", res.offline_bytes);
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, dimm_goes);
	hplab_down(&l);
}

static void test_robust__capacity_split_without_a_slot_gives_up_above(void **state)
{
	split_without_a_slot(CHP_ARCH_X86_64, false);
	split_without_a_slot(CHP_ARCH_X86_64, true);
	split_without_a_slot(CHP_ARCH_PPC64LE, false);
	split_without_a_slot(CHP_ARCH_PPC64LE, true);
}

/*
 * The header of split_without_a_slot(), the slot kept for cuts still free,
 * a one-block DIMM z1 above z (the range [w .. z1] grows), and y + 1
 * offlined while the kexec lock is held: the resync that drains it keeps
 * the block listed (cutting it would spend that slot).  Then z goes, a
 * split of that range: it has the slot, and no online memory goes.  Cut in
 * the resync, the block took the slot; z's cut, in a range next to that
 * gap, finds no merge but across itself, and z's release, with no slot at
 * all, let z1 go (32 MiB, a handler failure).
 */
static void test_robust__capacity_resync_keeps_offline_and_the_reserve(void **state)
{
	struct hplab l;
	const uint64_t bs = 32 * MiB, z = wyz_y + 3 * bs;
	struct chp_dump_result res;

	full_wyz(&l);
	assert_int_equal(chp_machine_add_dimm(l.m, z + bs, bs, true), 0); /* z1 */
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 0);
	assert_true(chp_hotplug_kexec_trylock(l.hp));
	assert_int_equal(chp_machine_offline_block(l.m, (size_t)(wyz_y / bs) + 1), 0); /* deferred */
	chp_hotplug_kexec_unlock(l.hp);
	assert_int_equal(chp_hotplug_stats(l.hp)->deferred, 1);
	assert_int_equal(chp_machine_remove_dimm(l.m, z, bs), 0);
	res = hplab_crash(&l);
	assert_true(res.taken);
	if (res.missing_bytes || res.absent_bytes || res.offline_bytes != bs)
		fail_msg("z removed after the resync: %s (missing %" PRIu64 ", offline %" PRIu64 ")",
			 res.why, res.missing_bytes, res.offline_bytes);
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 0);
	assert_non_null(strstr(chp_hotplug_log(l.hp), "no slot beyond the one kept for cuts"));
	hplab_down(&l);
}

/*
 * The header of split_without_a_slot(), the slot kept for cuts spent (x's
 * split, x then removed: nothing merges), and y's DIMM removed while the kexec lock is held, its cuts owed
 * to the resync that drains them: [y, y + 3 blocks) is absent, a split of
 * the range [w .. z] with no slot at all, made whatever it costs.  z is let
 * go (32 MiB, the resync fails) and no absent memory is listed; kept as
 * offline memory would be, the dump lists 96 MiB absent.
 */
static bool resync_holder_gives_up(void *ctx);

static void test_robust__capacity_resync_cuts_absent_without_a_slot(void **state)
{
	struct hplab l;
	const uint64_t bs = 32 * MiB;
	struct chp_dump_result res;

	full_wyz(&l);
	assert_int_equal(chp_machine_offline_block(l.m, (size_t)(wyz_x / bs)), 0); /* the reserve */
	assert_int_equal(chp_machine_remove_dimm(l.m, wyz_x, bs), 0); /* the gap absent */
	assert_true(chp_hotplug_kexec_trylock(l.hp));
	chp_hotplug_set_wait_hook(l.hp, resync_holder_gives_up, NULL);
	assert_int_equal(chp_machine_remove_dimm(l.m, wyz_y, 3 * bs), 0); /* owed */
	chp_hotplug_kexec_unlock(l.hp);
	res = hplab_crash(&l);
	assert_true(res.taken);
	if (res.absent_bytes || res.missing_bytes != bs)
		fail_msg("after the drain: %s (absent %" PRIu64 ", missing %" PRIu64 ")", res.why,
			 res.absent_bytes, res.missing_bytes);
	/* the drain's failure is logged, not counted as a handler's */
	assert_non_null(strstr(chp_hotplug_log(l.hp), "a cut found no slot;"));
	assert_non_null(strstr(chp_hotplug_log(l.hp), "resync failed"));
	hplab_down(&l);
}

static void test_robust__capacity_bridged_dimm_removed_without_event(void **state)
{
	bridged_dimm_removed_silently(CHP_ARCH_X86_64, false);
	bridged_dimm_removed_silently(CHP_ARCH_X86_64, true);
	bridged_dimm_removed_silently(CHP_ARCH_PPC64LE, false);
	bridged_dimm_removed_silently(CHP_ARCH_PPC64LE, true);
}

/*
 * Full of two-block offline gaps, and the upper block of the first gap comes
 * online: the cheapest room is made by bridging that very gap, so the block
 * is covered by the merge.  It is online, not bridged: when the merge's slot
 * is free again, only the offline block below it may be cut back out.
 */
static void test_robust__capacity_block_onlined_into_its_own_bridge(void **state)
{
	struct hplab l;
	struct chp_dump_result res;

	tiny_ppc64_full_gaps(&l, 2);
	assert_int_equal(chp_machine_online_block(l.m, 10), 0);
	res = hplab_crash(&l);
	if (!res.taken || res.missing_bytes || res.absent_bytes)
		fail_msg("block 10 onlined into a full header: %s", res.why);
	assert_int_equal(chp_machine_offline_block(l.m, 14), 0); /* a slot frees */
	res = hplab_crash(&l);
	if (!res.taken || res.missing_bytes || res.absent_bytes)
		fail_msg("after a slot freed: %s", res.why);
	hplab_down(&l);
}

/* The removal's wait for the kexec lock's holder (this thread) gives up: its cut is owed. */
static bool resync_holder_gives_up(void *ctx)
{
	(void)ctx;
	return false;
}

/*
 * A resync (the drain of a deferred event) keeps a bridged gap that is still
 * present: cutting it would need a slot, and in a header whose other gaps are
 * absent memory the only room left is across the crashkernel, which no dump
 * may hold.  A DIMM split by an offline block, DIMMs one absent block apart
 * until the header is full, one more so the offline block is bridged, then a
 * deferred event: the dump after its drain is complete.
 */
static void test_robust__capacity_resync_keeps_present_bridge(void **state)
{
	struct hplab l;
	struct chp_lab_spec s;
	const uint64_t bs = 32 * MiB;
	uint64_t at = 8 * GiB + bs;
	struct chp_dump_result res;

	chp_lab_spec_init(&s, CHP_ARCH_PPC64LE);
	s.boot_ram = 8 * GiB;
	s.block_size = bs;
	s.crashkernel_size = 128 * MiB;
	s.cpus_possible = s.cpus_present = s.cpus_online = s.nr_cpus_config = 2;
	s.max_memory_ranges = 1; /* one page, as above */
	hplab_up_spec(&l, &s, CHP_POLICY_ROBUST, CHP_LOAD_FILE, false);
	assert_int_equal(chp_machine_add_dimm(l.m, at, 3 * bs, true), 0);
	assert_int_equal(chp_machine_offline_block(l.m, (size_t)((at + bs) / bs)), 0);
	for (at += 4 * bs;; at += 2 * bs) {
		const struct chp_hotplug_stats *st = chp_hotplug_stats(l.hp);
		if (st->slots_used + 1 >= st->slots_total) /* one kept for cuts */
			break;
		assert_int_equal(chp_machine_add_dimm(l.m, at, bs, true), 0);
	}
	assert_int_equal(chp_machine_add_dimm(l.m, at, bs, true), 0); /* bridges the offline block */
	assert_int_equal(chp_hotplug_stats(l.hp)->capacity_merges, 1);
	assert_true(chp_hotplug_kexec_trylock(l.hp));
	assert_int_equal(chp_machine_add_dimm(l.m, at + bs, bs, true), 0); /* deferred */
	chp_hotplug_kexec_unlock(l.hp);
	res = hplab_crash(&l);
	if (!res.complete)
		fail_msg("after the drain: %s", res.why);
	assert_int_equal(res.offline_bytes, bs);
	/*
	 * A drain with room: one DIMM removed and one added, both deferred.  The
	 * removal's slot goes to the addition and the bridge stays, no merge
	 * made.  Cut before the additions (as offline memory the resync takes
	 * out with a slot to spare), it took that slot, and the addition's
	 * merge bridged it again.
	 */
	assert_true(chp_hotplug_kexec_trylock(l.hp));
	chp_hotplug_set_wait_hook(l.hp, resync_holder_gives_up, NULL);
	assert_int_equal(chp_machine_remove_dimm(l.m, at - 2 * bs, bs), 0); /* owed */
	assert_int_equal(chp_machine_add_dimm(l.m, at + 3 * bs, bs, true), 0); /* deferred */
	chp_hotplug_kexec_unlock(l.hp);
	res = hplab_crash(&l);
	if (!res.complete)
		fail_msg("after the drain with room: %s", res.why);
	assert_int_equal(res.offline_bytes, bs);
	assert_int_equal(chp_hotplug_stats(l.hp)->capacity_merges, 1);
	hplab_down(&l);
}

/*
 * A head cut at capacity borrows its slot from a merge that leaves the range
 * being cut alone, even when the cheapest gap is right below it: merging
 * across that gap would turn the head cut into a split, which keeps the slot,
 * so the offline block would stay covered.  A DIMM [X0][X1][X2 X3] with X1
 * offline, the header full of two-block gaps, then X2 offlined.
 */
static void test_robust__capacity_head_cut_borrow_leaves_the_cut_range(void **state)
{
	struct hplab l;
	const uint64_t bs = 32 * MiB, x = 8 * GiB + bs;
	struct chp_dump_result before, after;

	tiny_ppc64_full_gaps(&l, 2);
	assert_int_equal(chp_machine_add_dimm(l.m, x, 4 * bs, true), 0);
	assert_int_equal(chp_machine_offline_block(l.m, (size_t)(x / bs) + 1), 0);
	before = hplab_crash(&l);
	assert_true(before.complete);
	assert_int_equal(chp_machine_offline_block(l.m, (size_t)(x / bs) + 2), 0);
	after = hplab_crash(&l);
	if (!after.complete)
		fail_msg("after the head cut: %s", after.why);
	/*
	 * X1 stays out and X2 is cut; the two-block gap the borrow bridged
	 * stays covered, since the slot the head cut freed is now the one kept
	 * for cuts (give_back() cuts a bridge only with a slot beyond it).  A
	 * borrow over the range being cut would have covered X1 again, one
	 * block, and kept the two-block gap out: before + bs.
	 */
	assert_int_equal(after.offline_bytes, before.offline_bytes + 2 * bs);
	hplab_down(&l);
}

/*
 * The full x86 header of test_robust__refused_reload_keeps_bridged_gaps: the
 * bridged DIMM of test_robust__capacity_bridged_gap_removed_is_cut (at @d),
 * a DIMM at 9G+512M, then @n one-block DIMMs with absent memory between
 * them, robust bridging offline gaps for each.  No dump misses anything.
 */
static void full_x86_bridging(struct hplab *l, uint64_t d, unsigned n)
{
	const uint64_t bs = 32 * MiB;
	struct chp_dump_result res;

	/* x86: a ppc64 reload always fits (kdump_extra_elfcorehdr_size()) */
	tiny_full_gaps(l, 1, CHP_ARCH_X86_64);
	assert_int_equal(chp_machine_add_dimm(l->m, d, 3 * bs, true), 0);
	assert_int_equal(chp_machine_offline_block(l->m, (size_t)((d + bs) / bs)), 0);
	assert_int_equal(chp_machine_add_dimm(l->m, 9 * GiB + 512 * MiB, bs, true), 0);
	for (unsigned k = 1; k <= n; k++)
		assert_int_equal(chp_machine_add_dimm(l->m, 16 * GiB + k * 2 * bs, bs, true), 0);
	res = hplab_crash(l);
	if (!res.taken || res.missing_bytes || res.absent_bytes)
		fail_msg("the header full of %u DIMMs: %s", n, res.why);
	assert_int_equal(chp_hotplug_stats(l->hp)->failures, 0);
}

/*
 * A reload refused because the kernel's header does not fit leaves the old
 * image loaded, and robust must keep what it knows of it: a gap it bridged
 * is not in the header's bytes, only in robust's state.  The full header of
 * full_x86_bridging() with 63 DIMMs, as many as robust holds while keeping a
 * slot for cuts (the 64th would be left out), then one more DIMM added
 * offline, which robust does not cover but the kernel's build (a range per
 * present region) lists: it no longer fits.  With 63 alone it fits, and the
 * reload is made: test_robust__reload_at_capacity_leaves_offline_not_online.
 * Then a reload refused, and the bridged DIMM removed: no absent memory
 * listed.
 */
static void test_robust__refused_reload_keeps_bridged_gaps(void **state)
{
	struct hplab l;
	const uint64_t d = 9 * GiB + 64 * MiB, bs = 32 * MiB; /* RAM ends at 9G */
	struct chp_dump_result res;

	full_x86_bridging(&l, d, 63);
	assert_int_equal(chp_machine_add_dimm(l.m, 16 * GiB + 64 * 2 * bs, bs, false), 0);
	reload_refused_old_image_dumps(&l, 0);
	/* Room to cut in (a head cut at capacity borrows a slot): ten DIMMs go. */
	for (unsigned k = 54; k <= 63; k++)
		assert_int_equal(chp_machine_remove_dimm(l.m, 16 * GiB + k * 2 * bs, bs), 0);
	assert_int_equal(chp_machine_remove_dimm(l.m, d, 3 * bs), 0);
	/*
	 * Its offline middle block went without a crash hotplug event; the
	 * memory bus's release cut the bridge as it went (with room here).
	 * Then another event, a block of the 9G+512M DIMM going offline.  (When
	 * the release cannot cut, what robust remembers of the bridge counts:
	 * test_robust__refused_reload_keeps_a_bridge_uncut_at_removal.)
	 */
	assert_int_equal(chp_machine_offline_block(l.m, (size_t)((9 * GiB + 512 * MiB) / bs)), 0);
	res = hplab_crash(&l);
	assert_true(res.taken);
	if (res.missing_bytes || res.absent_bytes)
		fail_msg("the bridged DIMM removed after a refused reload: %s", res.why);
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 0);
	hplab_down(&l);
}

/*
 * A reload made at capacity: the kernel's build fits, listing a range per
 * present region, offline blocks and all, and robust's resync takes out what
 * no dump needs.  Absent memory must go whatever it costs; offline memory is
 * cut only while a slot beyond the one kept for cuts is free, and else stays,
 * bridged.  Cutting it with no slot would let the online memory above the cut
 * go (4.8 GiB above the first offline block of [4G, 9G), for 32 MiB of
 * offline memory a dump may list).  The full header of full_x86_bridging()
 * with 63 DIMMs, reloaded; then ten DIMMs go, and what stayed is cut.
 */
static void test_robust__reload_at_capacity_leaves_offline_not_online(void **state)
{
	struct hplab l;
	const uint64_t d = 9 * GiB + 64 * MiB, bs = 32 * MiB;
	struct chp_load_options o;
	struct chp_dump_result res, after;

	full_x86_bridging(&l, d, 63);
	chp_load_options_init(&o);
	if (chp_hotplug_load(l.hp, &o))
		fail_msg("the reload at capacity: %s", chp_last_error());
	res = hplab_crash(&l);
	if (!res.taken || res.missing_bytes || res.absent_bytes)
		fail_msg("after the reload at capacity: %s", res.why);
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 0);
	assert_non_null(strstr(chp_hotplug_log(l.hp), "stays covered (offline"));
	assert_true(res.offline_bytes > 0);
	for (unsigned k = 54; k <= 63; k++)
		assert_int_equal(chp_machine_remove_dimm(l.m, 16 * GiB + k * 2 * bs, bs), 0);
	after = hplab_crash(&l);
	if (!after.taken || after.missing_bytes || after.absent_bytes)
		fail_msg("after ten DIMMs went: %s", after.why);
	/* Room: what stayed bridged is cut, while a slot beyond the reserve is free. */
	assert_true(after.offline_bytes < res.offline_bytes);
	assert_int_equal(chp_machine_remove_dimm(l.m, d, 3 * bs), 0);
	res = hplab_crash(&l);
	if (!res.taken || res.missing_bytes || res.absent_bytes)
		fail_msg("after the DIMM with an offline block went: %s", res.why);
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 0);
	hplab_down(&l);
}

/*
 * The index: a range grown from an end that is not on a block boundary (a
 * header from user space lists [4G, 4G+100M)), then removed whole, then added
 * again, then a DIMM.  The per-block index registered the grown slot twice in
 * block 32's bucket; the removal found the freed slot again and freed it twice,
 * so two ranges were later written to the same slot: block 32 missing.
 */
static void test_robust__index_grow_unaligned_end_then_readd(void **state)
{
	struct hplab l = x86_4g();
	struct chp_ranges *memory;
	struct chp_load_request req = { .mode = CHP_LOAD_SEGMENTS, .hotplug_flag = true,
					.kernel_size = 1u << 20, .initrd_size = 1u << 20,
					.cmdline = "console=ttyS0" };
	size_t room = chp_elfcore_segment_size(chp_machine_config_nr_cpus(l.m),
					       chp_machine_config_max_memory_ranges(l.m));
	uint8_t *hdr = calloc(1, room);
	struct chp_dump_result res;

	assert_int_equal(chp_machine_offline_block(l.m, 32), 0);
	assert_int_equal(chp_hotplug_unload(l.hp), 0);
	assert_int_equal(chp_ranges_new(&memory), 0);
	assert_int_equal(chp_crashmem_expected(l.m, memory), 0);
	assert_int_equal(chp_ranges_add(memory, (struct chp_range){ 4 * GiB, 4 * GiB + 100 * MiB - 1 }), 0);
	assert_int_equal(chp_crashmem_build_header_from(l.m, memory, hdr, room, &req.elfcorehdr_len), 0);
	req.elfcorehdr = hdr;
	req.elfcorehdr_memsz = room;
	assert_int_equal(chp_kimage_load(l.img, &req), 0);

	assert_int_equal(chp_machine_online_block(l.m, 32), 0);  /* grows [4G, 4G+100M) */
	assert_int_equal(chp_machine_offline_block(l.m, 32), 0); /* frees that slot */
	assert_int_equal(chp_machine_online_block(l.m, 32), 0);
	/* Another range needs a slot of its own: it must not be block 32's. */
	assert_int_equal(chp_machine_add_dimm(l.m, 8 * GiB, 128 * MiB, true), 0);
	res = hplab_crash(&l);
	assert_int_equal(res.missing_bytes, 0);
	assert_true(res.complete);
	/* No freed slot counts as used: the ranges, the kernel text, the notes. */
	assert_int_equal(chp_hotplug_stats(l.hp)->failures, 0);
	chp_ranges_free(memory);
	free(hdr);
	hplab_down(&l);
}

/*
 * Every kind of change robust makes (a new slot, a range grown, split, cut at
 * the head and the tail, a gap filled, a slot let go), each followed by what
 * the dump's readers get (reader.h): every page that must be there, at its
 * own bytes, by physical and by direct-map address, never zeros.
 */
static void readers_follow_every_change(enum chp_arch arch)
{
	struct hplab l;
	bool x86 = arch == CHP_ARCH_X86_64;
	/* x86: boot RAM [4G, 6G) above the hole; ppc64: [0, 2G). */
	uint64_t top = x86 ? 6 * GiB : 2 * GiB, bs;

	hplab_up(&l, arch, x86 ? 4 * GiB : 2 * GiB, CHP_POLICY_ROBUST);
	bs = chp_machine_block_size(l.m);
	assert_readers_get_memory(l.m, l.img);
	assert_int_equal(chp_machine_add_dimm(l.m, 8 * GiB, 2 * bs, true), 0); /* new slot */
	assert_readers_get_memory(l.m, l.img);
	assert_int_equal(chp_machine_add_dimm(l.m, top, 2 * bs, true), 0);     /* grown */
	assert_readers_get_memory(l.m, l.img);
	size_t mid = (size_t)((top - 8 * bs) / bs), tail = (size_t)((top + bs) / bs);
	assert_int_equal(chp_machine_offline_block(l.m, mid), 0);               /* split */
	assert_readers_get_memory(l.m, l.img);
	assert_int_equal(chp_machine_offline_block(l.m, mid + 1), 0);           /* head cut */
	assert_readers_get_memory(l.m, l.img);
	assert_int_equal(chp_machine_offline_block(l.m, tail), 0);              /* tail cut */
	assert_readers_get_memory(l.m, l.img);
	struct chp_dump_result res = hplab_crash(&l);
	assert_true(res.complete);
	/*
	 * robust lists online memory only; on ppc64 (block 0 offlined here,
	 * which a real ppc64 refuses: the kernel is there) the backup region's
	 * LOAD stays as loaded, a fixed header, as get_crash_memory_ranges() adds
	 * it whatever memblock holds.
	 */
	assert_int_equal(res.offline_bytes, x86 ? 0 : CHP_PPC64_BACKUP_SIZE);
	assert_int_equal(chp_machine_online_block(l.m, mid), 0);                /* gap filled */
	assert_int_equal(chp_machine_online_block(l.m, mid + 1), 0);
	assert_int_equal(chp_machine_online_block(l.m, tail), 0);
	assert_readers_get_memory(l.m, l.img);
	assert_int_equal(chp_machine_remove_dimm(l.m, 8 * GiB, 2 * bs), 0);     /* let go */
	assert_readers_get_memory(l.m, l.img);
	assert_int_equal(chp_machine_remove_dimm(l.m, top, 2 * bs), 0);         /* tail cuts */
	assert_readers_get_memory(l.m, l.img);
	res = hplab_crash(&l);
	assert_true(res.complete);
	assert_int_equal(res.absent_bytes, 0); /* a reader would machine-check on it */
	hplab_down(&l);
}

static void test_robust__readers_get_every_page_x86_64(void **state)
{
	readers_follow_every_change(CHP_ARCH_X86_64);
}

static void test_robust__readers_get_every_page_ppc64_big_endian(void **state)
{
	readers_follow_every_change(CHP_ARCH_PPC64);
}

/*
 * A DIMM removed leaves its slot free but still describing it; a DIMM added
 * elsewhere takes that slot.  Every crash, between any two words of any
 * store, must find a dump holding all online memory and nothing absent.
 */
static void test_robust__reused_slot_every_word_of_every_store(void **state)
{
	struct hplab l = x86_4g();
	struct torn t;
	size_t index;

	assert_int_equal(chp_machine_add_dimm(l.m, 8 * GiB, 128 * MiB, true), 0);
	assert_int_equal(chp_machine_remove_dimm(l.m, 8 * GiB, 128 * MiB), 0);
	assert_int_equal(chp_kimage_elfcorehdr_index(l.img, &index), 0);
	torn_arm(&t, &l, index, 12 * GiB, 128 * MiB);
	assert_int_equal(chp_machine_add_dimm(l.m, 12 * GiB, 128 * MiB, true), 0);
	torn_disarm(&t);
	expect_every_prefix_complete(&t.in, 3);
	assert_readers_get_memory(l.m, l.img);
	hplab_down(&l);
}

/*
 * KASLR: a real kernel's direct map starts at a random page_offset_base, and
 * the loaded header's RAM PT_LOADs say where.  A slot robust adds later must
 * use the same base, or crash and makedumpfile, translating a direct-map
 * address with the dump's page_offset_base, find no page or the wrong one.
 */
static void test_robust__kaslr_new_slot_in_the_headers_direct_map(void **state)
{
	const uint64_t kaslr = 0xffff9a3f40000000ull; /* a page_offset_base KASLR could pick */
	struct chp_lab_spec s;
	struct chp_load_options o;
	struct hplab l;
	size_t room, len;
	uint8_t *hdr;

	chp_lab_spec_init(&s, CHP_ARCH_X86_64);
	s.boot_ram = 4 * GiB;
	s.crashkernel_size = 128 * MiB;
	assert_int_equal(chp_machine_new_lab(&l.m, &s), 0);
	assert_int_equal(chp_kimage_new(&l.img, *chp_ranges_at(chp_machine_crashkernel(l.m), 0)), 0);
	assert_int_equal(chp_hotplug_new(&l.hp, CHP_POLICY_ROBUST, l.m, l.img), 0);
	/* The header as a KASLR kernel builds it: RAM at kaslr + paddr. */
	room = chp_elfcore_segment_size(chp_machine_config_nr_cpus(l.m),
					chp_machine_config_max_memory_ranges(l.m));
	hdr = calloc(1, room);
	assert_non_null(hdr);
	assert_int_equal(chp_crashmem_build_header(l.m, hdr, room, &len), 0);
	for (unsigned i = 0; i < reader_get(hdr + 56, 2, false); i++) {
		uint8_t *p = hdr + 64 + i * 56;
		uint64_t paddr = reader_get(p + 24, 8, false);
		if (reader_get(p, 4, false) != 1 || !chp_arch_load_is_ram(CHP_ARCH_X86_64,
									 reader_get(p + 16, 8, false)))
			continue;
		for (unsigned b = 0; b < 8; b++)
			p[16 + b] = (uint8_t)((kaslr + paddr) >> (8 * b));
	}
	chp_load_options_init(&o);
	struct chp_load_request req = {
		.mode = CHP_LOAD_FILE, .kernel_size = o.kernel_size, .initrd_size = o.initrd_size,
		.cmdline = o.cmdline, .elfcorehdr = hdr, .elfcorehdr_len = len,
		.elfcorehdr_memsz = room,
	};
	assert_int_equal(chp_kimage_load(l.img, &req), 0);
	free(hdr);
	assert_null(reader_check_direct(l.m, l.img, kaslr));
	assert_int_equal(chp_machine_add_dimm(l.m, 8 * GiB, 128 * MiB, true), 0); /* a new slot */
	assert_int_equal(chp_machine_add_dimm(l.m, 6 * GiB, 128 * MiB, true), 0); /* a grown one */
	const char *why = reader_check_direct(l.m, l.img, kaslr);
	if (why)
		fail_msg("a reader of the dump would get: %s", why);
	hplab_down(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_robust__add_new_slot_every_prefix),
		cmocka_unit_test(test_robust__add_extends_every_prefix),
		cmocka_unit_test(test_robust__remove_whole_slot_every_prefix),
		cmocka_unit_test(test_robust__ppc64_big_endian_slot_life_every_prefix),
		cmocka_unit_test(test_robust__split_every_prefix),
		cmocka_unit_test(test_robust__head_and_tail_cuts_every_prefix),
		cmocka_unit_test(test_robust__capacity_merge_every_prefix),
		cmocka_unit_test(test_robust__capacity_bridges_offline_gap),
		cmocka_unit_test(test_robust__capacity_bridged_block_onlined_stays),
		cmocka_unit_test(test_robust__capacity_head_cut_borrows_and_gives_back),
		cmocka_unit_test(test_robust__capacity_never_bridges_absent),
		cmocka_unit_test(test_robust__capacity_bridged_gap_removed_is_cut),
		cmocka_unit_test(test_robust__refused_reload_keeps_bridged_gaps),
		cmocka_unit_test(test_robust__reload_at_capacity_leaves_offline_not_online),
		cmocka_unit_test(test_robust__capacity_bridged_dimm_removed_without_event),
		cmocka_unit_test(test_robust__capacity_cut_at_removal_never_lists_absent),
		cmocka_unit_test(test_robust__refused_reload_keeps_what_a_full_header_owes),
		cmocka_unit_test(test_robust__capacity_split_without_a_slot_gives_up_above),
		cmocka_unit_test(test_robust__capacity_resync_keeps_offline_and_the_reserve),
		cmocka_unit_test(test_robust__capacity_resync_cuts_absent_without_a_slot),
		cmocka_unit_test(test_robust__capacity_block_onlined_into_its_own_bridge),
		cmocka_unit_test(test_robust__capacity_resync_keeps_present_bridge),
		cmocka_unit_test(test_robust__capacity_head_cut_borrow_leaves_the_cut_range),
		cmocka_unit_test(test_robust__index_grow_unaligned_end_then_readd),
		cmocka_unit_test(test_robust__readers_get_every_page_x86_64),
		cmocka_unit_test(test_robust__readers_get_every_page_ppc64_big_endian),
		cmocka_unit_test(test_robust__reused_slot_every_word_of_every_store),
		cmocka_unit_test(test_robust__kaslr_new_slot_in_the_headers_direct_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
