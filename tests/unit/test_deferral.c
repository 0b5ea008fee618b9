/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Robust's deferral and drain, step by step and deterministic (one thread):
 * an event that finds the kexec lock taken owes its work, and whoever holds
 * the lock, or the event itself once the holder let go, applies it.  Each
 * test puts an event at one point of that protocol and checks what a dump
 * taken then and afterwards holds: no event may be lost.
 *
 * This binary is linked with --wrap=chp_ranges_add, so a test can act at the
 * instant a deferred event records what it owes (see __wrap_chp_ranges_add),
 * --wrap=chp_kexec_release, to act as a holder lets the lock go,
 * --wrap=chp_hotplug_panic_gate, to act right after a panic's first look, and
 * --wrap=chp_kexec_become, to act as a load's image is in place and robust's
 * resync is about to start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <cmocka.h>

#include "crashhp/ranges.h"
#include "hotplug_internal.h"
#include "hplab.h"
#include "reader.h"

/* x86_64, 4 GiB: boot RAM [4G, 6G) is blocks 32-47 (128 MiB blocks). */
static struct hplab x86_4g(void)
{
	struct hplab l;

	hplab_up(&l, CHP_ARCH_X86_64, 4 * GiB, CHP_POLICY_ROBUST);
	return l;
}

static void expect_dump_holds_everything(struct hplab *l)
{
	struct chp_dump_result res = hplab_crash(l);

	assert_true(res.taken);
	if (!res.complete || res.missing_bytes)
		fail_msg("an event was lost: %" PRIu64 " bytes of online memory missing: %s",
			 res.missing_bytes, res.why);
	assert_readers_get_memory(l->m, l->img);
}

/*
 * The holder is this thread and cannot let go while the removal waits: the
 * wait gives up (the kernel's bounded wait), the removal's cut owed to the
 * holder.  The tests below use it to put owed removal work where the deferral
 * protocol and the judge must handle it.
 */
static bool wait_gives_up(void *ctx)
{
	(void)ctx;
	return false;
}

/* ---- the holder lets go between the event's failed trylock and `pending` ---- */

int __real_chp_ranges_add(struct chp_ranges *r, struct chp_range x);

static struct {
	struct chp_hotplug *hp;
	struct chp_range when; /* the deferred event's range, recorded as owed */
	bool armed;
} let_go;

int __wrap_chp_ranges_add(struct chp_ranges *r, struct chp_range x)
{
	int err = __real_chp_ranges_add(r, x);

	if (let_go.armed && x.start == let_go.when.start && x.last == let_go.when.last) {
		let_go.armed = false;
		/* The load finishes now: nothing is pending yet, so it drains nothing. */
		chp_hotplug_kexec_unlock(let_go.hp);
	}
	return err;
}

/*
 * The event fails its trylock (a load holds the lock), the load lets go
 * before the event says its work is pending: the load saw nothing to drain,
 * so the event must retry the lock itself and apply its own work.
 */
static void test_deferral__retried_when_the_holder_let_go(void **state)
{
	struct hplab l = x86_4g();
	uint64_t bs = chp_machine_block_size(l.m);

	assert_int_equal(chp_machine_offline_block(l.m, 40), 0);
	assert_true(chp_hotplug_kexec_trylock(l.hp)); /* kexec_load in progress */
	let_go.hp = l.hp;
	let_go.when = (struct chp_range){ 40 * bs, 41 * bs - 1 };
	let_go.armed = true;
	assert_int_equal(chp_machine_online_block(l.m, 40), 0);
	/* No other unlock follows: nobody but the event itself can apply it. */
	expect_dump_holds_everything(&l);
	if (let_go.armed)
		fail_msg("the load never let go: the deferred event recorded no owed range");
	hplab_down(&l);
}

/* ---- an event deferred from inside a running drain ---- */

struct mid_drain {
	struct hplab *l;
	size_t block;           /* onlined at the drain's first store */
	bool fired;
	struct chp_dump_result res;
};

static void fire_mid_drain(void *ctx, const struct chp_step *step)
{
	struct mid_drain *d = ctx;

	if (d->fired || step->kind != CHP_STEP_STORE)
		return;
	d->fired = true;
	/* The drain holds the lock: this event is deferred, owed to the drain. */
	assert_int_equal(chp_machine_online_block(d->l->m, d->block), 0);
	/* A crash now: the owed event and the one being applied are in flight. */
	assert_int_equal(chp_lab_crash_now(d->l->hp, &d->res), 0);
}

/*
 * A DIMM added while a load holds the lock is owed; the load's unlock drains
 * it; at the drain's first store a block is onlined (deferred: the drain holds
 * the lock) and the machine crashes.  That dump must count both events as in
 * flight, not as lost memory; and once the drain is done, the block must be
 * in the dump: the drain loops until nothing is pending.
 */
static void test_deferral__event_deferred_during_a_drain_is_applied(void **state)
{
	struct hplab l = x86_4g();
	struct mid_drain d = { &l, 42, false, { 0 } };

	assert_int_equal(chp_machine_offline_block(l.m, 42), 0);
	assert_true(chp_hotplug_kexec_trylock(l.hp));
	assert_int_equal(chp_machine_add_dimm(l.m, 8 * GiB, 128 * MiB, true), 0);
	chp_hotplug_set_step_hook(l.hp, fire_mid_drain, &d);
	chp_hotplug_kexec_unlock(l.hp); /* the drain */
	chp_hotplug_set_step_hook(l.hp, NULL, NULL);
	assert_true(d.fired);
	assert_true(d.res.taken);
	if (!d.res.complete)
		fail_msg("a crash during the drain, both events in flight, was judged "
			 "incomplete: %s", d.res.why);
	assert_int_equal(chp_hotplug_stats(l.hp)->deferred, 2);
	expect_dump_holds_everything(&l);
	hplab_down(&l);
}

/* ---- an event deferred after the holder's last look, before it lets go ---- */

bool __real_chp_kexec_release(struct chp_hotplug *hp);

static struct {
	struct hplab *l;
	bool armed, crash_next;
	struct chp_dump_result res;
} late;

bool __wrap_chp_kexec_release(struct chp_hotplug *hp)
{
	if (late.armed) {
		late.armed = false;
		/*
		 * The holder has looked for owed work and found none.  Now a DIMM
		 * goes: its block's offline event finds the lock held and is
		 * deferred, then the resource goes (no event), its memory absent.
		 */
		assert_int_equal(chp_machine_remove_dimm(late.l->m, 8 * GiB, 128 * MiB), 0);
		late.crash_next = true;
	}
	bool released = __real_chp_kexec_release(hp);
	/* The first instant the lock is free: a panic now takes the dump. */
	if (released && late.crash_next) {
		late.crash_next = false;
		assert_int_equal(chp_lab_crash_now(late.l->hp, &late.res), 0);
	}
	return released;
}

/*
 * A load holds the lock and lets go with nothing owed; between its last look
 * and the release a DIMM is removed (its offline event deferred).  The lock
 * must not become free while that work is owed: a panic at the instant it
 * is free must take a dump without the removed DIMM (not read absent memory).
 */
static void test_deferral__event_deferred_as_the_holder_lets_go(void **state)
{
	struct hplab l = x86_4g();

	assert_int_equal(chp_machine_add_dimm(l.m, 8 * GiB, 128 * MiB, true), 0);
	assert_true(chp_hotplug_kexec_trylock(l.hp)); /* kexec_load in progress */
	/* The holder, mid-release on this thread, cannot let the removal in first. */
	chp_hotplug_set_wait_hook(l.hp, wait_gives_up, NULL);
	late.l = &l;
	late.armed = true;
	chp_hotplug_kexec_unlock(l.hp);
	assert_false(late.armed);
	assert_false(late.crash_next);
	assert_true(late.res.taken);
	if (!late.res.complete)
		fail_msg("the lock was let go with a deferred event owed; a panic then: %s",
			 late.res.why);
	assert_int_equal(chp_hotplug_stats(l.hp)->deferred, 1);
	expect_dump_holds_everything(&l);
	hplab_down(&l);
}

/* ---- a crash refused because a load holds the lock, the load done meanwhile ---- */

int __real_chp_hotplug_panic_gate(struct chp_hotplug *hp);

static struct {
	struct chp_hotplug *hp;
	bool armed;
} gate;

int __wrap_chp_hotplug_panic_gate(struct chp_hotplug *hp)
{
	int err = __real_chp_hotplug_panic_gate(hp);

	if (gate.armed) {
		gate.armed = false;
		/* The load finishes between the panic's look and its bookkeeping. */
		chp_hotplug_kexec_unlock(gate.hp);
	}
	return err;
}

/*
 * A panic while a load holds the kexec lock gets no dump: the loader's window,
 * counted apart from a policy's failure.  The load lets go right after the
 * panic path looked: the reason is the one the panic path saw, not a second
 * look at a lock that is free by then (test_concurrent once saw "no dump"
 * outside the loader's window from this).
 */
static void test_deferral__no_dump_in_a_load_counted_as_the_loads(void **state)
{
	struct hplab l = x86_4g();
	struct chp_dump_result res;

	assert_true(chp_hotplug_kexec_trylock(l.hp)); /* kexec_load in progress */
	gate.hp = l.hp;
	gate.armed = true;
	assert_int_equal(chp_lab_crash_now(l.hp, &res), 0);
	assert_false(gate.armed);
	assert_false(res.taken);
	if (!res.unloaded)
		fail_msg("no dump while a load held the lock, counted outside the loader's "
			 "window: %s", res.why);
	expect_dump_holds_everything(&l);
	hplab_down(&l);
}

/* ---- the judge: owed work excuses a crash only while a holder applies it ---- */

/*
 * A block comes online while a holder has the kexec lock: its work is owed,
 * the header lacks it.  A panic while the holder (now applying) still has the
 * lock finds the event in flight: its dump is complete.  Then the lock goes
 * free with the work still owed (a lost event: nobody will apply it), as a
 * protocol bug would leave it: a panic now must be judged as missing the
 * block, not excused by what is owed.
 */
static void test_deferral__owed_work_excuses_nothing_once_the_lock_is_free(void **state)
{
	struct hplab l = x86_4g();
	struct chp_dump_result res;

	assert_int_equal(chp_machine_offline_block(l.m, 40), 0);
	assert_true(chp_hotplug_kexec_trylock(l.hp));
	assert_int_equal(chp_machine_online_block(l.m, 40), 0); /* deferred: owed */
	assert_int_equal(chp_hotplug_stats(l.hp)->deferred, 1);
	chp_kexec_become(l.hp, KEXEC_HOTPLUG); /* the holder applies it: robust dumps */
	assert_int_equal(chp_lab_crash_now(l.hp, &res), 0);
	assert_true(res.taken);
	if (!res.complete)
		fail_msg("a crash while the holder has the owed work was not excused: %s", res.why);
	/* The lock let go, the work still owed: the event is lost. */
	atomic_store(&l.hp->kexec_lock, KEXEC_FREE);
	assert_int_equal(chp_lab_crash_now(l.hp, &res), 0);
	assert_true(res.taken);
	if (res.complete || res.missing_bytes != 128 * MiB)
		fail_msg("a lost event (owed with the lock free) was excused: %" PRIu64
			 " bytes missing, judged %s", res.missing_bytes,
			 res.complete ? "complete" : res.why);
	hplab_down(&l);
}

/*
 * A DIMM goes while a holder has the kexec lock and the removal's wait for
 * it gives up (robust waits, test_hotplug__only_a_removal_waits_for_the_holder;
 * the kernel's wait is bounded): its block's offline event and the memory
 * bus's release are both owed, and the memory is gone before anyone can cut
 * it.  A panic while the holder (now applying) still has the
 * lock reads the header, which still lists the DIMM: that is absent memory
 * read by the capture kernel, whoever owes its cut.  Owed work excuses what
 * a block that came online may lack, never memory that is no longer there.
 * Once the holder lets go (draining), the dump holds exactly the machine.
 */
static void test_deferral__owed_cut_of_removed_memory_is_not_excused(void **state)
{
	struct hplab l = x86_4g();
	struct chp_dump_result res;

	assert_int_equal(chp_machine_add_dimm(l.m, 8 * GiB, 128 * MiB, true), 0);
	assert_true(chp_hotplug_kexec_trylock(l.hp));
	chp_hotplug_set_wait_hook(l.hp, wait_gives_up, NULL); /* the removal does not wait */
	assert_int_equal(chp_machine_remove_dimm(l.m, 8 * GiB, 128 * MiB), 0); /* owed */
	assert_int_equal(chp_hotplug_stats(l.hp)->deferred, 1);
	chp_kexec_become(l.hp, KEXEC_HOTPLUG); /* the holder applies it: robust dumps */
	assert_int_equal(chp_lab_crash_now(l.hp, &res), 0);
	assert_true(res.taken);
	if (res.complete || res.absent_bytes != 128 * MiB)
		fail_msg("a dump listing a removed DIMM (its cut owed) was excused: %" PRIu64
			 " absent bytes, judged %s", res.absent_bytes,
			 res.complete ? "complete" : res.why);
	chp_hotplug_kexec_unlock(l.hp); /* the drain cuts it */
	res = hplab_crash(&l);
	assert_true(res.taken);
	if (!res.complete || res.absent_bytes)
		fail_msg("after the drain: %s", res.why);
	expect_dump_holds_everything(&l);
	hplab_down(&l);
}

/* ---- a DIMM of offline blocks removed between a reload's build and its resync ---- */

void __real_chp_kexec_become(struct chp_hotplug *hp, enum kexec_holder who);

static struct {
	struct hplab *l;
	bool armed, removed_in_gap;
	pthread_t remover;
	bool remover_started;
	int remove_err;
	struct chp_dump_result res;
} gap;

static void *remove_offline_dimm(void *arg)
{
	(void)arg;
	gap.remove_err = chp_machine_remove_dimm(gap.l->m, 8 * GiB, 128 * MiB);
	return NULL;
}

void __wrap_chp_kexec_become(struct chp_hotplug *hp, enum kexec_holder who)
{
	__real_chp_kexec_become(hp, who);
	if (!gap.armed)
		return;
	gap.armed = false;
	/*
	 * The load is done, its header (the kernel's build) lists the offline
	 * DIMM, and robust's resync has not started: the DIMM is removed now.
	 * Its only block is offline, so no crash hotplug event says so.  If
	 * nothing holds hotplug off, the removal happens here and now; if
	 * something does, it waits (on its own thread) until that lets go.
	 */
	if (chp_machine_trylock_hotplug(gap.l->m)) {
		chp_machine_unlock_hotplug(gap.l->m);
		gap.remove_err = chp_machine_remove_dimm(gap.l->m, 8 * GiB, 128 * MiB);
		gap.removed_in_gap = true;
	} else {
		assert_int_equal(pthread_create(&gap.remover, NULL, remove_offline_dimm, NULL), 0);
		gap.remover_started = true;
	}
	/* A panic at this instant (a hotplug update holds the lock: robust dumps). */
	assert_int_equal(chp_lab_crash_now(hp, &gap.res), 0);
}

/*
 * Robust reloads with a DIMM whose block is offline: the kernel's build
 * lists it, robust's resync takes it out.  The DIMM is removed in between
 * (no event: its block was offline).  A panic then must not take a dump
 * listing the removed DIMM (absent memory read by the capture kernel):
 * the removal waits until the resync has taken the offline block out.  And
 * the panic still gets its dump (the resync is a hotplug update, not the
 * load's no-dump window).
 */
static void test_deferral__offline_dimm_removed_before_the_reload_resync(void **state)
{
	struct hplab l = x86_4g();
	struct chp_load_options o;

	assert_int_equal(chp_machine_add_dimm(l.m, 8 * GiB, 128 * MiB, true), 0);
	assert_int_equal(chp_machine_offline_block(l.m, 64), 0); /* [8G, 8G+128M) */
	assert_int_equal(chp_hotplug_unload(l.hp), 0);
	chp_load_options_init(&o);
	/*
	 * What is tested is the load's hold-off alone: a removal on this thread
	 * meets the load, this thread, holding the kexec lock and cannot wait
	 * for it (its cut owed, as without the wait).
	 */
	chp_hotplug_set_wait_hook(l.hp, wait_gives_up, NULL);
	gap.l = &l;
	gap.armed = true;
	assert_int_equal(chp_hotplug_load(l.hp, &o), 0);
	assert_false(gap.armed);
	if (gap.remover_started)
		assert_int_equal(pthread_join(gap.remover, NULL), 0);
	assert_int_equal(gap.remove_err, 0);
	assert_int_equal(chp_machine_block_state(l.m, 64), CHP_BLOCK_ABSENT);
	if (!gap.res.taken)
		fail_msg("a panic as the reload's resync began got no dump: %s", gap.res.why);
	if (gap.res.absent_bytes)
		fail_msg("the DIMM was removed %s; a panic then took a dump listing %" PRIu64
			 " bytes of absent memory: %s", gap.removed_in_gap ? "before the resync" :
			 "later", gap.res.absent_bytes, gap.res.why);
	expect_dump_holds_everything(&l);
	hplab_down(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deferral__event_deferred_during_a_drain_is_applied),
		cmocka_unit_test(test_deferral__retried_when_the_holder_let_go),
		cmocka_unit_test(test_deferral__event_deferred_as_the_holder_lets_go),
		cmocka_unit_test(test_deferral__no_dump_in_a_load_counted_as_the_loads),
		cmocka_unit_test(test_deferral__offline_dimm_removed_before_the_reload_resync),
		cmocka_unit_test(test_deferral__owed_work_excuses_nothing_once_the_lock_is_free),
		cmocka_unit_test(test_deferral__owed_cut_of_removed_memory_is_not_excused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
