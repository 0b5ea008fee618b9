/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "hplab.h"
#include "reader.h"

/*
 * Each test runs the same events under both policies: mainline shows the
 * shortcoming Linux 6.12 has, robust shows it gone.
 */

/* A DIMM hot-added while a load holds the kexec lock: mainline drops it. */
static void test_hotplug__dropped_event_mainline_stale_robust_converges(void **state)
{
	for (int p = 0; p < 2; p++) {
		struct hplab l;
		struct chp_dump_result res;

		hplab_up(&l, CHP_ARCH_X86_64, 1 * GiB, p ? CHP_POLICY_ROBUST : CHP_POLICY_MAINLINE);
		assert_true(chp_hotplug_kexec_trylock(l.hp)); /* kexec_load in progress */
		assert_int_equal(chp_machine_add_dimm(l.m, 4 * GiB, GiB, true), 0);
		chp_hotplug_kexec_unlock(l.hp);
		const struct chp_hotplug_stats *st = chp_hotplug_stats(l.hp);
		res = hplab_crash(&l);
		assert_true(res.taken);
		if (p == 0) {
			assert_int_equal(st->dropped, 8); /* one MEM_ONLINE per 128 MiB block */
			assert_non_null(strstr(chp_hotplug_log(l.hp), "kexec_trylock() failed"));
			assert_false(res.complete);
			assert_int_equal(res.missing_bytes, GiB);
		} else {
			assert_true(res.complete);
			assert_int_equal(st->dropped, 0);
			assert_int_equal(st->deferred, 8);
		}
		hplab_down(&l);
	}
}

/*
 * robust, on one thread: a load holds the kexec lock while a 1 GiB DIMM is
 * added and one of its blocks offlined, another while the DIMM is removed.  Only the removal
 * waits for the holder, once, just before its memory goes, the memory still
 * there (the wait hook plays the holder: it lets go, draining).  The addition
 * and the offline complete under the held lock, owed.  A crash after every
 * step of the drain the wait let in reads no absent memory and lacks no
 * online memory, and once the removal is over the dump holds the machine.
 */
struct holder {
	struct hplab *l;
	unsigned waits;
	bool present_at_wait;
};

static bool holder_lets_go(void *ctx)
{
	struct holder *h = ctx;

	h->waits++;
	chp_machine_lock_state(h->l->m);
	h->present_at_wait = chp_ranges_covers(chp_machine_present_memory(h->l->m),
					       (struct chp_range){ 8 * GiB, 9 * GiB - 1 });
	chp_machine_unlock_state(h->l->m);
	chp_hotplug_kexec_unlock(h->l->hp);
	return true;
}

static void test_hotplug__only_a_removal_waits_for_the_holder(void **state)
{
	struct hplab l;
	struct holder h = { .l = &l };
	struct injector in;

	hplab_up(&l, CHP_ARCH_X86_64, 4 * GiB, CHP_POLICY_ROBUST);
	chp_hotplug_set_wait_hook(l.hp, holder_lets_go, &h);
	assert_true(chp_hotplug_kexec_trylock(l.hp)); /* a load without the hotplug hold */
	assert_int_equal(chp_machine_add_dimm(l.m, 8 * GiB, GiB, true), 0);
	assert_int_equal(chp_machine_offline_block(l.m, 64), 0);
	/* Both done with the lock still held: neither waited for its holder. */
	if (chp_hotplug_kexec_trylock(l.hp) || h.waits)
		fail_msg("an addition or an offline waited for the kexec lock's holder");
	chp_hotplug_kexec_unlock(l.hp); /* the drain: the DIMM's seven online blocks listed */
	assert_true(chp_hotplug_kexec_trylock(l.hp)); /* another such load */
	injector_arm(&in, l.hp, 0, 0);
	assert_int_equal(chp_machine_remove_dimm(l.m, 8 * GiB, GiB), 0);
	/* The holder lets go, if it has not for the removal: its drain, crashed into too. */
	chp_hotplug_kexec_trylock(l.hp);
	chp_hotplug_kexec_unlock(l.hp);
	injector_disarm(&in);
	if (in.sound != in.steps || !in.steps)
		fail_msg("%u of %u crashes in the holder's drain read absent memory or lacked "
			 "online memory: %s", in.steps - in.sound, in.steps, in.first_unsound);
	if (h.waits != 1 || !h.present_at_wait)
		fail_msg("the removal waited %u times for the kexec lock's holder (once, its memory "
			 "still there, wanted)", h.waits);
	struct chp_dump_result d = hplab_crash(&l);
	if (!d.taken || !d.complete || d.absent_bytes)
		fail_msg("after the removal: %s", d.why);
	assert_readers_get_memory(l.m, l.img);
	hplab_down(&l);
}

/*
 * robust: a DIMM hot-added while the drain is applying an earlier deferred
 * one.  The loader holds the kexec lock; DIMM A (8 GiB) is deferred; the
 * loader lets go and drains; at the drain's first store DIMM B (9 GiB) comes,
 * finds the lock held and is deferred too.  The drain must apply B before it
 * lets go: once the lock is free, nothing owed excuses a crash.
 */
struct drain_ctx {
	struct hplab *l;
	struct injector in;   /* a judged crash after every store of the drain */
	bool b_added;
};

static void add_b_inside_drain(void *arg, const struct chp_step *step)
{
	struct drain_ctx *c = arg;

	injector_step(&c->in, step);
	if (!c->b_added) {
		c->b_added = true;
		assert_int_equal(chp_machine_add_dimm(c->l->m, 9 * GiB, 128 * MiB, true), 0);
	}
}

static void test_hotplug__deferral_inside_a_drain_is_applied(void **state)
{
	struct hplab l;
	struct drain_ctx c = { .l = &l };

	hplab_up(&l, CHP_ARCH_X86_64, 4 * GiB, CHP_POLICY_ROBUST);
	assert_true(chp_hotplug_kexec_trylock(l.hp));
	assert_int_equal(chp_machine_add_dimm(l.m, 8 * GiB, 128 * MiB, true), 0);
	assert_int_equal(chp_hotplug_stats(l.hp)->deferred, 1);
	injector_arm(&c.in, l.hp, 0, 0);
	chp_hotplug_set_step_hook(l.hp, add_b_inside_drain, &c);
	chp_hotplug_kexec_unlock(l.hp);
	injector_disarm(&c.in);
	assert_true(c.b_added);
	assert_int_equal(chp_hotplug_stats(l.hp)->deferred, 2);
	/* every store of the drain judged against the ranges it applies */
	if (c.in.complete != c.in.steps)
		fail_msg("%u of %u crashes in the drain complete; %s", c.in.complete, c.in.steps,
			 c.in.first_bad);
	struct chp_dump_result d = hplab_crash(&l);
	if (!d.complete)
		fail_msg("settled after the drain: %s", d.why);
	hplab_down(&l);
}

/*
 * robust, a reload with a block offline: the kernel's build lists it, and the
 * resync that takes it out runs as a hotplug update once the image is in
 * place.  A crash after each of its stores takes a complete dump (the
 * offlined block in or out), not "a load in progress: no dump".
 */
static void test_hotplug__reload_resync_takes_dumps(void **state)
{
	/* After an unload, and loaded over the loaded image as kexec -p does:
	 * robust reads the new header, not what it knew of the old one. */
	for (int over = 0; over < 2; over++) {
		struct hplab l;
		struct injector in;
		struct chp_load_options o;

		hplab_up(&l, CHP_ARCH_X86_64, 4 * GiB, CHP_POLICY_ROBUST);
		assert_int_equal(chp_machine_offline_block(l.m, 40), 0); /* [5G, 5G+128M) */
		if (!over)
			assert_int_equal(chp_hotplug_unload(l.hp), 0);
		chp_load_options_init(&o);
		injector_arm(&in, l.hp, 0, 0);
		assert_int_equal(chp_hotplug_load(l.hp, &o), 0);
		injector_disarm(&in);
		if (hplab_counting())
			assert_true(in.stores >= 2);
		if (in.dumps != in.steps || in.complete != in.steps)
			fail_msg("%u steps, %u dumps, %u complete: %s", in.steps, in.dumps,
				 in.complete, in.first_bad);
		struct chp_dump_result d = hplab_crash(&l);
		assert_true(d.complete);
		assert_int_equal(d.offline_bytes, 0); /* made exact */
		hplab_down(&l);
	}
}

/*
 * A panic while the handler copies the header takes no dump under mainline,
 * at every 8-byte part of the copy; on x86_64 and on big-endian ppc64.
 */
static void test_hotplug__crash_during_x86_update(void **state)
{
	for (int k = 0; k < 4; k++) {
		int p = k % 2;
		enum chp_arch arch = k < 2 ? CHP_ARCH_X86_64 : CHP_ARCH_PPC64;
		struct hplab l;
		struct injector in;

		hplab_up(&l, arch, 1 * GiB, p ? CHP_POLICY_ROBUST : CHP_POLICY_MAINLINE);
		uint64_t bs = chp_machine_block_size(l.m);
		injector_arm(&in, l.hp, 4 * GiB, bs);
		assert_int_equal(chp_machine_add_dimm(l.m, 4 * GiB, bs, true), 0);
		injector_disarm(&in);
		assert_true(in.steps > 0);
		if (p == 0) {
			/*
			 * hidden, the memcpy as 8-byte stores (the 64-byte ELF header and
			 * 56 bytes a program header: many steps), visible: no dump at any
			 * of them (lock held, image hidden).
			 */
			if (hplab_counting())
				assert_true(in.stores >= (64 + 5 * 56) / 8);
			assert_count_equal(in.steps, in.stores + 2);
			assert_int_equal(in.dumps, 0);
			assert_non_null(strstr(in.first_bad, "no dump"));
		} else {
			assert_int_equal(in.dumps, in.steps);
			assert_int_equal(in.complete, in.steps);
		}
		assert_true(hplab_crash(&l).complete);
		hplab_down(&l);
	}
}

/* x86 DIMM hot-remove: mainline rebuilt at MEM_OFFLINE, the DIMM still a resource. */
static void test_hotplug__x86_hot_remove_leaves_dimm_in_mainline(void **state)
{
	for (int p = 0; p < 2; p++) {
		struct hplab l;
		struct chp_dump_result res;

		hplab_up(&l, CHP_ARCH_X86_64, 1 * GiB, p ? CHP_POLICY_ROBUST : CHP_POLICY_MAINLINE);
		assert_int_equal(chp_machine_add_dimm(l.m, 4 * GiB, GiB, true), 0);
		assert_true(hplab_crash(&l).complete);
		assert_int_equal(chp_machine_remove_dimm(l.m, 4 * GiB, GiB), 0);
		res = hplab_crash(&l);
		assert_true(res.taken);
		if (p == 0) {
			/* Each MEM_OFFLINE rebuild still saw the whole DIMM as a resource:
			 * the header keeps all of it, as seen on a real 6.12 kernel. */
			assert_false(res.complete);
			assert_int_equal(res.absent_bytes, GiB);
		} else {
			assert_true(res.complete);
			assert_int_equal(res.absent_bytes, 0);
		}
		hplab_down(&l);
	}
}

/* ppc64 subtracts the memory_notify range: mainline removal is exact there. */
static void test_hotplug__ppc64_mainline_removal_exact(void **state)
{
	for (int p = 0; p < 2; p++) {
		struct hplab l;

		hplab_up(&l, CHP_ARCH_PPC64, 1 * GiB, p ? CHP_POLICY_ROBUST : CHP_POLICY_MAINLINE);
		assert_int_equal(chp_machine_add_dimm(l.m, 4 * GiB, GiB, true), 0);
		assert_true(hplab_crash(&l).complete);
		assert_int_equal(chp_machine_remove_dimm(l.m, 4 * GiB, GiB), 0);
		struct chp_dump_result res = hplab_crash(&l);
		assert_true(res.taken);
		assert_true(res.complete);
		hplab_down(&l);
	}
}

/*
 * ppc64 mainline, update_crash_elfcorehdr() -> remove_mem_range() with
 * 7afe2383eff0 (Debian 6.12.63 on): offlining a block in the middle of a
 * range splits it and the upper part ends one byte past the range, at
 * 0x140000000, where nothing is: the dump reads absent memory.  Robust cuts
 * exactly.
 */
static void test_hotplug__ppc64_mainline_split_one_byte_past(void **state)
{
	for (int p = 0; p < 2; p++) {
		struct hplab l;

		hplab_up(&l, CHP_ARCH_PPC64, 1 * GiB, p ? CHP_POLICY_ROBUST : CHP_POLICY_MAINLINE);
		assert_int_equal(chp_machine_add_dimm(l.m, 4 * GiB, GiB, true), 0);
		assert_int_equal(chp_machine_offline_block(l.m, (4 * GiB + 256 * MiB) / (256 * MiB)), 0);
		struct chp_dump_result res = hplab_crash(&l);
		assert_true(res.taken);
		if (p) {
			assert_true(res.complete);
		} else {
			assert_false(res.complete);
			assert_int_not_equal(res.absent_bytes, 0);
			assert_int_equal(res.missing_bytes, 0);
		}
		hplab_down(&l);
	}
}

/*
 * ppc64 update_crash_elfcorehdr() (arch/powerpc/kexec/crash.c, 6.12.117)
 * after a split: get_crash_memory_ranges() sorts the list, then
 * remove_mem_range() (7afe2383eff0) appends the upper part with
 * add_mem_range() and nothing sorts again, so its LOAD is the header's
 * last, after a DIMM above it: [4.5 GiB, 5 GiB] (one byte past) after
 * [6 GiB, 7 GiB).  The ppc64 e2e's "split" run shows the real order.
 */
static void test_hotplug__ppc64_mainline_split_tail_load_last(void **state)
{
	struct hplab l;
	struct reader_load *ls;

	hplab_up(&l, CHP_ARCH_PPC64LE, 1 * GiB, CHP_POLICY_MAINLINE);
	assert_int_equal(chp_machine_add_dimm(l.m, 4 * GiB, GiB, true), 0);
	assert_int_equal(chp_machine_add_dimm(l.m, 6 * GiB, GiB, true), 0);
	assert_int_equal(chp_machine_offline_block(l.m, (4 * GiB + 256 * MiB) / (256 * MiB)), 0);
	size_t n = reader_loads(l.img, CHP_ARCH_PPC64LE, &ls);
	assert_true(n >= 4);
	assert_int_equal(ls[n - 1].paddr, 4 * GiB + 512 * MiB);
	assert_int_equal(ls[n - 1].memsz, 512 * MiB + 1);
	assert_int_equal(ls[n - 2].paddr, 6 * GiB);
	assert_int_equal(ls[n - 2].memsz, GiB);
	assert_int_equal(ls[n - 3].paddr, 4 * GiB);
	assert_int_equal(ls[n - 3].memsz, 256 * MiB);
	free(ls);
	/* The next update rebuilds from memblock, sorted: the order is the kernel's again. */
	assert_int_equal(chp_machine_online_block(l.m, (4 * GiB + 256 * MiB) / (256 * MiB)), 0);
	n = reader_loads(l.img, CHP_ARCH_PPC64LE, &ls);
	assert_int_equal(ls[n - 1].paddr, 6 * GiB);
	assert_int_equal(ls[n - 2].paddr, 4 * GiB);
	assert_int_equal(ls[n - 2].memsz, GiB);
	free(ls);
	hplab_down(&l);
}

/*
 * The capture kernel's reservation of a grown header.  ppc64 kexec_load:
 * kexec-tools 2.0.29 (Debian 13's) sizes the segment by
 * crash_elfcorehdr_size for --hotplug but its load_crashdump_segments()
 * reserves only the header at load, rounded to 1 KiB, in the FDT
 * (reserve(elfcorehdr, sz); memsz since its 600c2f9), as the real 6.12.113
 * capture kernel's reserve map shows (make e2e-ppc64).  memblock frees only
 * whole pages, so the rest of that page stays out of the page allocator;
 * a header updated past the page lies in memory the capture kernel may
 * allocate before vmcore_init() reads it.  kexec_file_load: 04e707cb77c2
 * ("powerpc/crash: adjust the elfcorehdr size", Debian's 6.12.85) reserves
 * the whole segment.  One-block DIMMs past holes take a 4-CPU header from 8
 * program headers (1 KiB reserved) to 72 (4096 bytes, the page: kept) and
 * 73 (4152 bytes: past it).
 */
static void test_hotplug__ppc64_kexec_load_header_past_reservation(void **state)
{
	for (int file = 0; file < 2; file++) {
		struct hplab l;
		struct chp_lab_spec s;

		chp_lab_spec_init(&s, CHP_ARCH_PPC64LE);
		s.boot_ram = 1 * GiB;
		s.crashkernel_size = 128 * MiB;
		s.cpus_possible = 4;
		s.cpus_present = 2;
		s.cpus_online = 2;
		hplab_up_spec(&l, &s, CHP_POLICY_MAINLINE, file ? CHP_LOAD_FILE : CHP_LOAD_SEGMENTS, !file);
		assert_int_equal(chp_kimage_elfcorehdr_reserved(l.img) == 4096, !file);
		for (uint64_t k = 0; k < 65; k++) {
			assert_int_equal(chp_machine_add_dimm(l.m, 2 * GiB + k * 512 * MiB, 256 * MiB, true), 0);
			if (k < 63)
				continue;
			struct chp_dump_result res = hplab_crash(&l);
			assert_true(res.taken);
			assert_int_equal(res.complete, file || k < 64);
			if (!res.complete)
				assert_non_null(strstr(res.why, "4152 bytes, the capture kernel keeps 4096"));
		}
		hplab_down(&l);
	}
}

/*
 * ppc64: get_crash_memory_ranges() (arch/powerpc/kexec/ranges.c) gives
 * [0, 64 KiB) a PT_LOAD of its own ("create a separate program header for
 * the backup region"), and sync_backup_region_phdr() (arch/powerpc/kexec/
 * crash.c) sets its p_offset to image->arch.backup_start, where purgatory
 * copies that memory before the capture kernel boots over it: at load
 * (load_elfcorehdr_segment(); for kexec_load machine_kexec_post_load() takes
 * kexec-tools' value) and, since the 2026-03 fixes in Debian's 6.12.94
 * ("crash: fix backup region offset update to elfcorehdr", "crash: Update
 * backup region offset in elfcorehdr on memory hotplug"), again after every
 * update_crash_elfcorehdr().  So 6.12.117 keeps it across updates; before
 * the fix crash_prepare_elf64_headers() left p_offset 0, the capture
 * kernel's own low memory.  robust keeps the loaded LOAD as it is.
 */
static void assert_backup_load(struct hplab *l)
{
	struct reader_load *ls;
	uint64_t backup;
	size_t n = reader_loads(l->img, chp_machine_arch(l->m), &ls);

	assert_int_equal(chp_kimage_backup_start(l->img, &backup), 0);
	assert_true(n >= 2);
	assert_int_equal(ls[0].paddr, 0);
	assert_int_equal(ls[0].memsz, 0x10000);
	assert_int_equal(ls[0].filesz, 0x10000);
	assert_int_equal(ls[0].offset, backup);
	assert_int_equal(ls[1].paddr, 0x10000); /* BACKUP_SRC_END + 1 starts the next */
	for (size_t i = 1; i < n; i++)
		assert_int_equal(ls[i].offset, ls[i].paddr);
	free(ls);
	assert_readers_get_memory(l->m, l->img);
	struct chp_dump_result res = hplab_crash(l);
	assert_true(res.complete);
}

static void test_hotplug__ppc64_backup_load_offset_kept_across_updates(void **state)
{
	for (int p = 0; p < 2; p++)
		for (int mode = 0; mode < 2; mode++) {
			struct hplab l;
			struct chp_lab_spec s;

			chp_lab_spec_init(&s, CHP_ARCH_PPC64LE);
			s.boot_ram = 2 * GiB;
			s.crashkernel_size = 128 * MiB;
			hplab_up_spec(&l, &s, p ? CHP_POLICY_ROBUST : CHP_POLICY_MAINLINE,
				      mode ? CHP_LOAD_SEGMENTS : CHP_LOAD_FILE, mode == 1);
			assert_backup_load(&l);
			assert_int_equal(chp_machine_add_dimm(l.m, 4 * GiB, GiB, true), 0);
			assert_true(chp_hotplug_stats(l.hp)->updates > 0);
			assert_backup_load(&l);
			assert_int_equal(chp_machine_remove_dimm(l.m, 4 * GiB, GiB), 0);
			assert_backup_load(&l);
			hplab_down(&l);
		}
}

/* kexec_load without the hotplug flag: neither policy may touch the header. */
static void test_hotplug__image_without_hotplug_support_untouched(void **state)
{
	for (int p = 0; p < 2; p++) {
		struct hplab l;
		struct chp_lab_spec s;

		chp_lab_spec_init(&s, CHP_ARCH_X86_64);
		s.crashkernel_size = 128 * MiB;
		hplab_up_spec(&l, &s, p ? CHP_POLICY_ROBUST : CHP_POLICY_MAINLINE, CHP_LOAD_SEGMENTS,
			      false);
		assert_int_equal(chp_machine_add_dimm(l.m, 4 * GiB, 256 * MiB, true), 0);
		const struct chp_hotplug_stats *st = chp_hotplug_stats(l.hp);
		assert_count_equal(st->stores, 0);
		assert_int_equal(st->ignored, 2);
		struct chp_dump_result res = hplab_crash(&l);
		assert_true(res.taken); /* purgatory's digest still matches */
		assert_int_equal(res.missing_bytes, 256 * MiB);
		hplab_down(&l);
	}
}

/* CPUs: every possible CPU has a note from the load; onlining one needs nothing. */
static void test_hotplug__cpu_online_offline(void **state)
{
	for (int p = 0; p < 2; p++) {
		struct hplab l;

		hplab_up(&l, CHP_ARCH_X86_64, 1 * GiB, p ? CHP_POLICY_ROBUST : CHP_POLICY_MAINLINE);
		assert_int_equal(chp_machine_add_cpu(l.m, 3), 0);
		assert_int_equal(chp_machine_online_cpu(l.m, 3), 0);
		struct chp_dump_result res = hplab_crash(&l);
		assert_true(res.complete);
		assert_int_equal(chp_machine_offline_cpu(l.m, 1), 0);
		assert_int_equal(chp_machine_online_cpu(l.m, 1), 0);
		assert_int_equal(chp_machine_online_cpu(l.m, 2), -EINVAL); /* not present */
		assert_true(hplab_crash(&l).complete);
		assert_count_equal(chp_hotplug_stats(l.hp)->stores, 0);
		assert_int_equal(chp_hotplug_stats(l.hp)->events, 3);
		hplab_down(&l);
	}
}

/* Robust's header after a sequence equals the kernel's own build from the state. */
static void test_hotplug__robust_converges_to_fresh_build(void **state)
{
	struct hplab l;

	hplab_up(&l, CHP_ARCH_X86_64, 4 * GiB, CHP_POLICY_ROBUST);
	for (int i = 0; i < 6; i++)
		assert_int_equal(chp_machine_add_dimm(l.m, (8 + i) * GiB, GiB, true), 0);
	assert_int_equal(chp_machine_remove_dimm(l.m, 10 * GiB, GiB), 0);
	assert_int_equal(chp_machine_offline_block(l.m, 40), 0);  /* splits [4G, 6G) */
	assert_int_equal(chp_machine_offline_block(l.m, 96), 0);  /* head of [12G, ...) */
	assert_int_equal(chp_machine_online_block(l.m, 40), 0);
	struct chp_dump_result res = hplab_crash(&l);
	assert_true(res.complete);
	assert_int_equal(chp_hotplug_stats(l.hp)->dropped, 0);
	hplab_down(&l);
}

/* x86 mainline rebuilds from resources: one PT_LOAD per DIMM, adjacent or not. */
static void test_hotplug__x86_mainline_one_load_per_dimm(void **state)
{
	struct hplab l;

	hplab_up(&l, CHP_ARCH_X86_64, 1 * GiB, CHP_POLICY_MAINLINE);
	size_t before = chp_hotplug_stats(l.hp)->slots_used;
	for (int i = 0; i < 4; i++)
		assert_int_equal(chp_machine_add_dimm(l.m, 4 * GiB + i * GiB, GiB, true), 0);
	assert_int_equal(chp_hotplug_stats(l.hp)->slots_used, before + 4);
	assert_true(hplab_crash(&l).complete);
	hplab_down(&l);
}

/*
 * x86, kexec_file_load: every possible CPU has its note from the load, so
 * Linux leaves the header alone on a CPU hot-add (no copy that would hide the
 * image).  A panic at any moment of the hot-add takes a complete dump.
 */
static void test_hotplug__x86_cpu_hot_add_never_hides_the_image(void **state)
{
	for (int p = 0; p < 2; p++) {
		struct hplab l;
		struct injector in;

		hplab_up(&l, CHP_ARCH_X86_64, 1 * GiB, p ? CHP_POLICY_ROBUST : CHP_POLICY_MAINLINE);
		injector_arm(&in, l.hp, 0, 0);
		assert_int_equal(chp_machine_add_cpu(l.m, 3), 0);
		assert_int_equal(chp_machine_online_cpu(l.m, 3), 0);
		injector_disarm(&in);
		if (in.dumps != in.steps || in.complete != in.steps)
			fail_msg("%s: %u crashes, %u dumps, %u complete: %s", chp_policy_name(
				 p ? CHP_POLICY_ROBUST : CHP_POLICY_MAINLINE), in.steps, in.dumps,
				 in.complete, in.first_bad);
		assert_true(hplab_crash(&l).complete);
		hplab_down(&l);
	}
}

/* A policy number no table answers to is refused, not run as another policy. */
static void test_hotplug__unknown_policy_refused(void **state)
{
	struct chp_lab_spec s;
	struct chp_machine *m;
	struct chp_kimage *img;
	struct chp_hotplug *hp = NULL;

	chp_lab_spec_init(&s, CHP_ARCH_X86_64);
	assert_int_equal(chp_machine_new_lab(&m, &s), 0);
	assert_int_equal(chp_kimage_new(&img, *chp_ranges_at(chp_machine_crashkernel(m), 0)), 0);
	assert_int_equal(chp_hotplug_new(&hp, (enum chp_policy)(CHP_POLICY_ROBUST + 1), m, img), -EINVAL);
	assert_null(hp);
	assert_string_equal(chp_last_error(), "unknown policy 2");
	chp_kimage_free(img);
	chp_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hotplug__dropped_event_mainline_stale_robust_converges),
		cmocka_unit_test(test_hotplug__crash_during_x86_update),
		cmocka_unit_test(test_hotplug__deferral_inside_a_drain_is_applied),
		cmocka_unit_test(test_hotplug__only_a_removal_waits_for_the_holder),
		cmocka_unit_test(test_hotplug__reload_resync_takes_dumps),
		cmocka_unit_test(test_hotplug__x86_hot_remove_leaves_dimm_in_mainline),
		cmocka_unit_test(test_hotplug__ppc64_mainline_removal_exact),
		cmocka_unit_test(test_hotplug__ppc64_mainline_split_one_byte_past),
		cmocka_unit_test(test_hotplug__ppc64_mainline_split_tail_load_last),
		cmocka_unit_test(test_hotplug__ppc64_kexec_load_header_past_reservation),
		cmocka_unit_test(test_hotplug__ppc64_backup_load_offset_kept_across_updates),
		cmocka_unit_test(test_hotplug__image_without_hotplug_support_untouched),
		cmocka_unit_test(test_hotplug__cpu_online_offline),
		cmocka_unit_test(test_hotplug__robust_converges_to_fresh_build),
		cmocka_unit_test(test_hotplug__x86_mainline_one_load_per_dimm),
		cmocka_unit_test(test_hotplug__x86_cpu_hot_add_never_hides_the_image),
		cmocka_unit_test(test_hotplug__unknown_policy_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
