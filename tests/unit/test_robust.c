/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <cmocka.h>

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

/*
 * A ppc64 machine whose header holds at most 8 memory ranges (32 MiB blocks,
 * 2 CPUs), filled by offlining every other block from block 9 until no slot
 * is free.  Returns the first block past the last one offlined.
 */
static size_t tiny_ppc64_full(struct hplab *l)
{
	struct chp_lab_spec s;
	size_t b = 9;

	chp_lab_spec_init(&s, CHP_ARCH_PPC64LE);
	s.boot_ram = 8 * GiB;
	s.block_size = 32 * MiB;
	s.crashkernel_size = 128 * MiB;
	s.cpus_possible = 2;
	s.cpus_present = 2;
	s.cpus_online = 2;
	s.nr_cpus_config = 2;
	s.max_memory_ranges = 8;
	hplab_up_spec(l, &s, CHP_POLICY_ROBUST, CHP_LOAD_FILE, false);
	for (;; b += 2) {
		const struct chp_hotplug_stats *st = chp_hotplug_stats(l->hp);
		if (st->slots_used == st->slots_total)
			return b;
		assert_int_equal(chp_machine_offline_block(l->m, b), 0);
	}
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
	assert_true(hplab_crash(&l).complete);
	assert_int_equal(chp_hotplug_stats(l.hp)->capacity_merges, 1);
	assert_non_null(strstr(chp_hotplug_log(l.hp), "elfcorehdr full"));
	hplab_down(&l);
}

/* Full and nothing adjacent: the failure is reported, the header stays valid. */
static void test_robust__capacity_exhausted_reported(void **state)
{
	struct hplab l;
	int failures_before;

	assert_true(tiny_ppc64_full(&l) < 200);
	failures_before = (int)chp_hotplug_stats(l.hp)->failures;
	assert_int_equal(chp_machine_offline_block(l.m, 201), 0);
	assert_int_equal((int)chp_hotplug_stats(l.hp)->failures, failures_before + 1);
	assert_non_null(strstr(chp_hotplug_log(l.hp), "no adjacent ranges to merge"));
	struct chp_dump_result res = hplab_crash(&l);
	assert_true(res.taken);
	/* The offline block stays listed (reported), nothing online is lost. */
	assert_int_equal(res.missing_bytes, 0);
	assert_int_equal(res.offline_bytes, 32 * MiB);
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
	assert_int_equal(res.offline_bytes, 0); /* robust lists online memory only */
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
		cmocka_unit_test(test_robust__capacity_exhausted_reported),
		cmocka_unit_test(test_robust__readers_get_every_page_x86_64),
		cmocka_unit_test(test_robust__readers_get_every_page_ppc64_big_endian),
		cmocka_unit_test(test_robust__reused_slot_every_word_of_every_store),
		cmocka_unit_test(test_robust__kaslr_new_slot_in_the_headers_direct_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
