/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A kexec_load(2) crash load as kexec-tools makes it: the header read from
 * the machine in userspace (lib/kexec_tools.c), then the syscall that
 * installs it.  Each test puts hotplug events at one point of that load and
 * judges a crash afterwards, as the lab and the readers of the dump see it.
 *
 * Linked with --wrap=chp_kexec_tools_read, to act right after kexec-tools'
 * read and before the syscall (the gap), --wrap=chp_load_install, to act
 * inside the syscall while the loader holds the kexec lock, and
 * --wrap=chp_kexec_become, to panic as robust's load turns to its resync.
 *
 * x86_64, 4 GiB of boot RAM in 128 MiB blocks, 4 possible CPUs.  The DIMM
 * the tests add or remove:
 *
 *   [ boot RAM ... ]      [8G ========== 9G)
 *                          DIMM: 8 blocks, each an ADD/REMOVE_MEMORY event
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <cmocka.h>

#include "hotplug_internal.h"
#include "hplab.h"
#include "loader_internal.h"
#include "reader.h"

typedef void (*act_fn)(struct hplab *l);

static struct at {
	struct hplab *l;
	act_fn in_gap;       /* after kexec-tools' read, before the syscall */
	act_fn in_syscall;   /* inside do_kexec_load(), the kexec lock held */
	unsigned reads;
} at;

int __real_chp_kexec_tools_read(struct chp_load_segments *s, const struct chp_machine *m,
				const struct chp_load_options *opt);
int __real_chp_load_install(struct chp_kimage *img, const struct chp_load_segments *s,
			    const struct chp_load_options *opt);

int __wrap_chp_kexec_tools_read(struct chp_load_segments *s, const struct chp_machine *m,
				const struct chp_load_options *opt)
{
	int err = __real_chp_kexec_tools_read(s, m, opt);
	act_fn act = at.in_gap;

	at.reads++;
	at.in_gap = NULL;
	if (!err && act)
		act(at.l);
	return err;
}

void __real_chp_kexec_become(struct chp_hotplug *hp, enum kexec_holder who);

/* A panic as robust's load has put the image in place, before its resync. */
static struct {
	bool armed, done;
	struct chp_dump_result res;
} at_resync;

void __wrap_chp_kexec_become(struct chp_hotplug *hp, enum kexec_holder who)
{
	__real_chp_kexec_become(hp, who);
	if (!at_resync.armed)
		return;
	at_resync.armed = false;
	at_resync.done = true;
	assert_int_equal(chp_lab_crash_now(hp, &at_resync.res), 0);
}

int __wrap_chp_load_install(struct chp_kimage *img, const struct chp_load_segments *s,
			    const struct chp_load_options *opt)
{
	act_fn act = at.in_syscall;

	at.in_syscall = NULL;
	if (act)
		act(at.l);
	return __real_chp_load_install(img, s, opt);
}

static void add_dimm(struct hplab *l)
{
	assert_int_equal(chp_machine_add_dimm(l->m, 8 * GiB, 1 * GiB, true), 0);
}

static void remove_dimm(struct hplab *l)
{
	assert_int_equal(chp_machine_remove_dimm(l->m, 8 * GiB, 1 * GiB), 0);
}

/* kexec -p with kexec_load, KEXEC_CRASH_HOTPLUG_SUPPORT when `flag`. */
static struct hplab up_arch(enum chp_arch arch, enum chp_policy policy, bool flag)
{
	struct chp_lab_spec s;
	struct hplab l;

	chp_lab_spec_init(&s, arch);
	s.boot_ram = 4 * GiB;
	s.crashkernel_size = 128 * MiB;
	s.cpus_possible = 4;
	s.cpus_present = 2;
	s.cpus_online = 2;
	hplab_up_spec(&l, &s, policy, CHP_LOAD_SEGMENTS, flag);
	at = (struct at){ 0 }; /* reload() says which machine */
	return l;
}

static struct hplab up(enum chp_policy policy, bool flag)
{
	return up_arch(CHP_ARCH_X86_64, policy, flag);
}

static void reload(struct hplab *l, bool flag)
{
	struct chp_load_options o;

	chp_load_options_init(&o);
	o.mode = CHP_LOAD_SEGMENTS;
	o.hotplug_flag = flag;
	at.l = l;
	assert_int_equal(chp_hotplug_load(l->hp, &o), 0);
	assert_null(at.in_gap);
	assert_null(at.in_syscall);
}

static void expect_missing(struct hplab *l, uint64_t bytes, const char *what)
{
	struct chp_dump_result res = hplab_crash(l);

	assert_true(res.taken);
	if (res.complete || res.missing_bytes != bytes)
		fail_msg("%s: the dump should lack %" PRIu64 " bytes; it lacks %" PRIu64 " (%s)", what,
			 bytes, res.missing_bytes, res.complete ? "judged complete" : res.why);
	/* The readers of the dump miss the hot-added pages too. */
	if (!reader_check(l->m, l->img))
		fail_msg("%s: a reader of the dump gets every online page", what);
}

static void expect_complete(struct hplab *l, const char *what)
{
	struct chp_dump_result res = hplab_crash(l);

	assert_true(res.taken);
	if (!res.complete || res.missing_bytes || res.absent_bytes)
		fail_msg("%s: %" PRIu64 " bytes missing, %" PRIu64 " absent: %s", what,
			 res.missing_bytes, res.absent_bytes, res.why);
	assert_readers_get_memory(l->m, l->img);
}

/*
 * kexec -p over a loaded hotplug-capable image, a DIMM hot-added after
 * kexec-tools read /proc/iomem: its events' handler (crash_handle_hotplug_event())
 * finds the kexec lock free and updates the OLD image; do_kexec_load() then
 * frees that image (kimage_free(xchg(&kexec_crash_image, NULL))) and
 * installs the one read before the DIMM.  A crash now loses the DIMM's
 * 1 GiB.  Mainline x86 rebuilds the whole header at the next memory event
 * (arch_crash_handle_hotplug_event(): prepare_elf_headers()), which heals it.
 */
static void test_kexec_tools__dimm_added_in_the_gap_is_missing_after_the_reload(void **state)
{
	struct hplab l = up(CHP_POLICY_MAINLINE, true);
	uint64_t updates = chp_hotplug_stats(l.hp)->updates;

	at.in_gap = add_dimm;
	reload(&l, true);
	assert_int_equal(at.reads, 1);
	/* The 8 events updated the image the reload then replaced. */
	assert_int_equal(chp_hotplug_stats(l.hp)->updates - updates, 8);
	expect_missing(&l, 1 * GiB, "a DIMM added between kexec-tools' read and kexec_load");
	assert_int_equal(chp_machine_add_dimm(l.m, 12 * GiB, 128 * MiB, true), 0);
	expect_complete(&l, "the next memory event rebuilt the x86 header");
	hplab_down(&l);
}

/*
 * ppc64 the same: kexec-tools' ppc64 header (every possible CPU's note) read
 * before the DIMM; the event's update_crash_elfcorehdr() rebuilt the old
 * image, the one loaded lacks the DIMM; robust's load resync applies it.
 */
static void test_kexec_tools__ppc64_dimm_added_in_the_gap(void **state)
{
	for (int p = 0; p < 2; p++) {
		struct hplab l = up_arch(CHP_ARCH_PPC64, p ? CHP_POLICY_ROBUST : CHP_POLICY_MAINLINE, true);

		at.in_gap = add_dimm;
		reload(&l, true);
		if (p)
			expect_complete(&l, "ppc64 robust, a DIMM added in the gap");
		else
			expect_missing(&l, 1 * GiB, "ppc64 mainline, a DIMM added in the gap");
		hplab_down(&l);
	}
}

/*
 * kexec -p -u, then kexec -p (a reload that unloads first): an event in the
 * gap finds no image loaded (crash_handle_hotplug_event(): !kexec_crash_image)
 * and is ignored; the image then loaded was read before it.
 */
static void test_kexec_tools__dimm_added_in_the_gap_after_an_unload_is_missing(void **state)
{
	struct hplab l = up(CHP_POLICY_MAINLINE, true);
	uint64_t ignored;

	assert_int_equal(chp_hotplug_unload(l.hp), 0);
	ignored = chp_hotplug_stats(l.hp)->ignored;
	at.in_gap = add_dimm;
	reload(&l, true);
	assert_int_equal(chp_hotplug_stats(l.hp)->ignored - ignored, 8);
	expect_missing(&l, 1 * GiB, "a DIMM added between an unload's read and kexec_load");
	hplab_down(&l);
}

/*
 * A DIMM hot-removed in the gap stays in the new image: a crash reads 1 GiB
 * of absent memory.  (Without the gap, a reload after the removal is the
 * usual cure for x86's own rule of keeping a removed DIMM listed.)
 */
static void test_kexec_tools__dimm_removed_in_the_gap_is_read_absent(void **state)
{
	struct hplab l = up(CHP_POLICY_MAINLINE, true);
	struct chp_dump_result res;

	add_dimm(&l);
	at.in_gap = remove_dimm;
	reload(&l, true);
	res = hplab_crash(&l);
	assert_true(res.taken);
	if (res.absent_bytes != 1 * GiB)
		fail_msg("a DIMM removed between kexec-tools' read and kexec_load: the dump lists "
			 "%" PRIu64 " absent bytes, not 1 GiB (%s)", res.absent_bytes,
			 res.complete ? "judged complete" : res.why);
	hplab_down(&l);
}

/*
 * An event inside the syscall finds the kexec lock held by do_kexec_load():
 * mainline drops it (crash_handle_hotplug_event(): kexec_trylock() failed),
 * and the image installed was read before it.
 */
static void test_kexec_tools__dimm_added_during_the_syscall_is_dropped(void **state)
{
	struct hplab l = up(CHP_POLICY_MAINLINE, true);

	at.in_syscall = add_dimm;
	reload(&l, true);
	assert_int_equal(chp_hotplug_stats(l.hp)->dropped, 8);
	assert_non_null(strstr(chp_hotplug_log(l.hp), "kexec_trylock() failed"));
	expect_missing(&l, 1 * GiB, "a DIMM added during kexec_load");
	hplab_down(&l);
}

/*
 * Robust compares a hotplug-capable image with the machine once the load is
 * in place (its load resync) and applies what the read missed: the DIMM
 * added in the gap, and one removed there.
 */
static void test_kexec_tools__robust_resync_covers_the_gap(void **state)
{
	struct hplab l = up(CHP_POLICY_ROBUST, true);
	struct chp_dump_result res;

	at.in_gap = add_dimm;
	reload(&l, true);
	expect_complete(&l, "robust, a DIMM added in the gap");
	at.in_gap = remove_dimm;
	reload(&l, true);
	res = hplab_crash(&l);
	assert_true(res.taken);
	if (res.absent_bytes || !res.complete)
		fail_msg("robust, a DIMM removed in the gap: %" PRIu64 " absent bytes: %s",
			 res.absent_bytes, res.why);
	hplab_down(&l);
}

/*
 * What robust cannot close: the image loaded is kexec-tools', read before
 * the DIMM came; a panic after the syscall and before robust's load resync
 * has applied the difference takes that image, and the dump lacks the DIMM
 * (the same panic after a kexec_file_load takes a complete one: the kernel
 * built its header in the syscall).  Robust only shortens the gap to the
 * syscall and its resync.
 */
static void test_kexec_tools__robust_panic_before_its_load_resync_lacks_the_gap(void **state)
{
	struct hplab l = up(CHP_POLICY_ROBUST, true);
	struct chp_load_options o;

	at.in_gap = add_dimm;
	at_resync.armed = true;
	reload(&l, true);
	assert_true(at_resync.done);
	assert_true(at_resync.res.taken);
	if (at_resync.res.missing_bytes != 1 * GiB)
		fail_msg("a panic before robust's load resync: the dump lacks %" PRIu64 " bytes, "
			 "not the DIMM's 1 GiB (%s)", at_resync.res.missing_bytes,
			 at_resync.res.complete ? "judged complete" : at_resync.res.why);
	expect_complete(&l, "after robust's load resync");
	hplab_down(&l);

	hplab_up(&l, CHP_ARCH_X86_64, 4 * GiB, CHP_POLICY_ROBUST);
	at = (struct at){ .l = &l };
	add_dimm(&l);
	chp_load_options_init(&o);
	at_resync.armed = true;
	assert_int_equal(chp_hotplug_load(l.hp, &o), 0);
	assert_true(at_resync.res.taken);
	if (!at_resync.res.complete)
		fail_msg("kexec_file_load, a panic before robust's load resync: %s", at_resync.res.why);
	hplab_down(&l);
}

/* Robust holds hotplug off during its load: the event waits, then is applied. */
static void *add_dimm_thread(void *arg)
{
	add_dimm(arg);
	return NULL;
}

static pthread_t waiter;

static void add_dimm_on_a_thread(struct hplab *l)
{
	/* The load holds the hotplug lock: an event now would wait for it. */
	assert_false(chp_machine_trylock_hotplug(l->m));
	assert_int_equal(pthread_create(&waiter, NULL, add_dimm_thread, l), 0);
}

static void test_kexec_tools__robust_event_during_the_syscall_waits(void **state)
{
	struct hplab l = up(CHP_POLICY_ROBUST, true);

	at.in_syscall = add_dimm_on_a_thread;
	reload(&l, true);
	assert_int_equal(pthread_join(waiter, NULL), 0);
	assert_int_equal(chp_hotplug_stats(l.hp)->dropped, 0);
	expect_complete(&l, "robust, a DIMM added during kexec_load");
	hplab_down(&l);
}

/*
 * Without the hotplug flag the kernel may not touch the image (userspace
 * keeps it: crash_handle_hotplug_event(): !image->hotplug_support), robust
 * included: an event in the gap stays missing until userspace loads again.
 */
static void test_kexec_tools__no_flag_no_kernel_can_fix_the_gap(void **state)
{
	for (int p = 0; p < 2; p++) {
		struct hplab l = up(p ? CHP_POLICY_ROBUST : CHP_POLICY_MAINLINE, false);

		at.in_gap = add_dimm;
		reload(&l, false);
		expect_missing(&l, 1 * GiB, p ? "robust, no flag" : "mainline, no flag");
		hplab_down(&l);
	}
}

static void add_cpu2(struct hplab *l)
{
	assert_int_equal(chp_machine_add_cpu(l->m, 2), 0);
	assert_int_equal(chp_machine_online_cpu(l->m, 2), 0);
}

static struct chp_dump_result crash_on(struct hplab *l, int cpu)
{
	struct chp_lab_crash_opts o = { .cpu = cpu };
	struct chp_dump_result res;

	assert_int_equal(chp_lab_crash_with(l->hp, NULL, &o, &res), 0);
	return res;
}

/* kexec -p with the flag, CPU 2 hot-added and onlined in the gap. */
static void reload_cpu2_in_the_gap(struct hplab *l)
{
	at.in_gap = add_cpu2;
	reload(l, true);
}

/* A dump taken, all memory there, `missing` CPU notes lacking (`own`: the panicking CPU's). */
static void expect_notes_lacking(struct hplab *l, int cpu, unsigned missing, bool own, bool misread)
{
	struct chp_dump_result res = crash_on(l, cpu);

	assert_true(res.taken);
	assert_int_equal(res.missing_bytes, 0);
	assert_int_equal(res.complete, missing == 0);
	if (res.missing_cpu_notes != missing || res.crash_cpu_note_missing != own ||
	    res.misread != misread)
		fail_msg("a crash on CPU %d: %u CPU notes judged missing (the panicking CPU's: %s), "
			 "misread: %s; expected %u, %s, %s", cpu, res.missing_cpu_notes,
			 res.crash_cpu_note_missing ? "yes" : "no", res.misread ? "yes" : "no", missing,
			 own ? "yes" : "no", misread ? "yes" : "no");
}

/*
 * A CPU hot-added in the gap: kexec-tools wrote a PT_NOTE for each CPU
 * sysfs showed at its read (x86_64 registers the present ones), so the
 * image installed has none for CPU 2; its ADD_CPU event updated the OLD
 * image (mainline x86 rebuilds a kexec_load header not yet updated at a
 * CPU event, describing every possible CPU), which the syscall then freed.
 * vmcore.c merges the notes it is pointed at: the dump is taken, CPU 2's
 * NT_PRSTATUS is not in it.  A crash on CPU 2 loses the panicking CPU's
 * registers; on CPU 0, CPU 2's.  CPU 2 is the highest online CPU, so
 * crash(8), giving the notes to the online CPUs in order
 * (map_cpus_to_prstatus()), still gives CPUs 0 and 1 their own: no
 * misread.  Memory is all there.
 */
static void test_kexec_tools__cpu_added_in_the_gap_has_no_note(void **state)
{
	struct hplab l = up(CHP_POLICY_MAINLINE, true);

	reload_cpu2_in_the_gap(&l);
	expect_notes_lacking(&l, 2, 1, true, false);
	expect_notes_lacking(&l, 0, 1, false, false);
	hplab_down(&l);
}

/*
 * The same with CPU 3 added before kexec-tools' read and CPU 2 in the gap:
 * the dump has notes for CPUs 0, 1 and 3.  crash(8) gives the third note
 * (CPU 3's) to the third online CPU, CPU 2, and none to CPU 3: a reader
 * misreads the dump.
 */
static void test_kexec_tools__cpu_added_in_the_gap_below_a_noted_one_is_misread(void **state)
{
	struct hplab l = up(CHP_POLICY_MAINLINE, true);

	assert_int_equal(chp_machine_add_cpu(l.m, 3), 0);
	assert_int_equal(chp_machine_online_cpu(l.m, 3), 0);
	reload_cpu2_in_the_gap(&l);
	expect_notes_lacking(&l, 3, 1, false, true);
	hplab_down(&l);
}

/*
 * ppc64: kexec-tools' header has a PT_NOTE per possible CPU (topology_init()
 * registers them all), so the CPU added in the gap has its note; but the
 * FDT kexec-tools read lacks it, so a crash on it takes no dump, and on
 * CPU 0 a complete one.
 */
static void test_kexec_tools__ppc64_cpu_added_in_the_gap_keeps_its_note(void **state)
{
	struct hplab l = up_arch(CHP_ARCH_PPC64, CHP_POLICY_MAINLINE, true);

	reload_cpu2_in_the_gap(&l);
	expect_notes_lacking(&l, 0, 0, false, false);
	assert_false(crash_on(&l, 2).taken);
	hplab_down(&l);
}

/*
 * robust, the same gap: the kernel series queues its resync after a flagged
 * kexec_load (kernel/0008), and on x86 that resync rebuilds the header and
 * copies it (arch_crash_hotplug_resync(): prepare_elf_headers(), a PT_NOTE
 * per possible CPU).  So CPU 2, added in the gap, has its note, and so does
 * CPU 3, added after the load: every dump is complete, none misread; robust
 * then updates the rebuilt header in place (a DIMM added, then removed).
 */
static void test_kexec_tools__robust_cpu_added_in_the_gap_gets_its_note(void **state)
{
	struct hplab l = up(CHP_POLICY_ROBUST, true);

	reload_cpu2_in_the_gap(&l);
	expect_notes_lacking(&l, 2, 0, false, false);
	expect_notes_lacking(&l, 0, 0, false, false);
	assert_int_equal(chp_machine_add_cpu(l.m, 3), 0);
	assert_int_equal(chp_machine_online_cpu(l.m, 3), 0);
	expect_notes_lacking(&l, 3, 0, false, false);
	/* and goes on in place over the rebuilt header */
	add_dimm(&l);
	expect_notes_lacking(&l, 3, 0, false, false);
	remove_dimm(&l);
	expect_notes_lacking(&l, 0, 0, false, false);
	hplab_down(&l);
}

/*
 * That rebuild is a copy: the kernel hides the image for it (kexec_crash_image
 * NULL), so a panic meanwhile takes no dump, as in mainline's copy.  robust
 * copies only a header that lacks a possible CPU's note, which no store in
 * place can add; one that notes them all (every possible CPU present at
 * kexec-tools' read) is made exact in place, a dump at every step.  A DIMM
 * added in the gap gives the resync work either way.
 */
static struct injector *gap_injector;

/*
 * The DIMM added (the old image updated), then a crash at every step of the
 * load's resync, the DIMM in flight until it has applied it (as a panic
 * before that resync lacks it: robust_panic_before_its_load_resync_lacks_the_gap).
 */
static void add_dimm_then_inject(struct hplab *l)
{
	add_dimm(l);
	injector_arm(gap_injector, l->hp, 8 * GiB, 1 * GiB);
}

static void test_kexec_tools__robust_load_copy_only_for_lacking_notes(void **state)
{
	for (int all_present = 0; all_present < 2; all_present++) {
		struct chp_lab_spec s;
		struct hplab l;
		struct injector in = { 0 };

		chp_lab_spec_init(&s, CHP_ARCH_X86_64);
		s.boot_ram = 4 * GiB;
		s.crashkernel_size = 128 * MiB;
		s.cpus_possible = 4;
		s.cpus_present = all_present ? 4 : 2;
		s.cpus_online = 2;
		hplab_up_spec(&l, &s, CHP_POLICY_ROBUST, CHP_LOAD_SEGMENTS, true);
		at = (struct at){ 0 };
		/* A DIMM in the gap: the resync has work either way. */
		gap_injector = &in;
		at.in_gap = add_dimm_then_inject;
		reload(&l, true);
		injector_disarm(&in);
		assert_true(in.steps > 0);
		if (all_present) {
			if (in.dumps != in.steps || in.complete != in.steps)
				fail_msg("every CPU noted: %u steps, %u dumps, %u complete: %s", in.steps,
					 in.dumps, in.complete, in.first_bad);
		} else {
			/* The image hidden, then each 8-byte part of the copy: no dump;
			 * visible again: the header rebuilt, a complete one. */
			assert_count_equal(in.steps - in.dumps, in.stores + 1);
			if (in.dumps >= in.steps || !strstr(in.first_bad, "kexec_crash_image is NULL"))
				fail_msg("notes lacking: %u steps, %u dumps: %s", in.steps, in.dumps,
					 in.first_bad[0] ? in.first_bad : "every step a dump");
			assert_int_equal(in.complete, in.dumps);
		}
		expect_notes_lacking(&l, 0, 0, false, false);
		hplab_down(&l);
	}
}

/* kexec_file_load builds in the kernel, in the syscall: no userspace read, no gap. */
static void test_kexec_tools__kexec_file_load_reads_in_the_syscall(void **state)
{
	struct hplab l;
	struct chp_load_options o;

	hplab_up(&l, CHP_ARCH_X86_64, 4 * GiB, CHP_POLICY_MAINLINE);
	at = (struct at){ .l = &l };
	chp_load_options_init(&o);
	assert_int_equal(chp_hotplug_load(l.hp, &o), 0);
	assert_int_equal(at.reads, 0);
	hplab_down(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kexec_tools__dimm_added_in_the_gap_is_missing_after_the_reload),
		cmocka_unit_test(test_kexec_tools__ppc64_dimm_added_in_the_gap),
		cmocka_unit_test(test_kexec_tools__dimm_added_in_the_gap_after_an_unload_is_missing),
		cmocka_unit_test(test_kexec_tools__dimm_removed_in_the_gap_is_read_absent),
		cmocka_unit_test(test_kexec_tools__dimm_added_during_the_syscall_is_dropped),
		cmocka_unit_test(test_kexec_tools__robust_resync_covers_the_gap),
		cmocka_unit_test(test_kexec_tools__robust_panic_before_its_load_resync_lacks_the_gap),
		cmocka_unit_test(test_kexec_tools__robust_event_during_the_syscall_waits),
		cmocka_unit_test(test_kexec_tools__no_flag_no_kernel_can_fix_the_gap),
		cmocka_unit_test(test_kexec_tools__kexec_file_load_reads_in_the_syscall),
		cmocka_unit_test(test_kexec_tools__cpu_added_in_the_gap_has_no_note),
		cmocka_unit_test(test_kexec_tools__cpu_added_in_the_gap_below_a_noted_one_is_misread),
		cmocka_unit_test(test_kexec_tools__ppc64_cpu_added_in_the_gap_keeps_its_note),
		cmocka_unit_test(test_kexec_tools__robust_cpu_added_in_the_gap_gets_its_note),
		cmocka_unit_test(test_kexec_tools__robust_load_copy_only_for_lacking_notes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
