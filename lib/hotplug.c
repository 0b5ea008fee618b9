/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crashhp/crashmem.h"
#include "crashhp/error.h"
#include "crashhp/hotplug.h"
#include "hotplug_internal.h"
#include "hotplug_policy.h"
#include "internal.h"
#include "loader_internal.h"

/*
 * The generic handler: the kexec lock, deferral and drain, loads, the panic
 * path.  It knows a policy only through hp->ops (hotplug_policy.h).
 */

/* The policy forgets its view of the loaded image (a new image, or none). */
static void policy_detach(struct chp_hotplug *hp)
{
	if (hp->ops->detach)
		hp->ops->detach(hp);
}

bool chp_hotplug_kexec_trylock(struct chp_hotplug *hp)
{
	return chp_kexec_trylock_as(hp, KEXEC_LOADER);
}

static void unlock_and_drain(struct chp_hotplug *hp);

/*
 * The event this thread is handling: per thread, because a loader draining
 * owed work stores too, on its own thread, while an event is handled on
 * another.
 */
static _Thread_local const struct chp_hp_event *tl_current;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Run the step hook.  It is not timed here (two clock reads per 8-byte store
 * would be most of a memcpy's cost): a hook that takes time (a lab crash)
 * measures itself and leaves it out of the handler's.
 */
static void call_step_hook(struct chp_hotplug *hp, const struct chp_step *step)
{
	if (hp->step)
		hp->step(hp->step_ctx, step);
}

void chp_hotplug_kexec_unlock(struct chp_hotplug *hp)
{
	unlock_and_drain(hp);
}

void chp_hp_logf(struct chp_hotplug *hp, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	pthread_mutex_lock(&hp->stats_lock);
	/* A line an event (mainline's drops): a storm logs one per event. */
	if (!chp_grow(&hp->log, &hp->log_cap, hp->log_len + (size_t)n + 1, 1, 4096)) {
		memcpy(hp->log + hp->log_len, line, (size_t)n);
		hp->log_len += (size_t)n;
		hp->log[hp->log_len] = '\0';
	}
	pthread_mutex_unlock(&hp->stats_lock);
}

const char *chp_hotplug_log(const struct chp_hotplug *hp)
{
	return hp->log ? hp->log : "";
}

void chp_hp_count(struct chp_hotplug *hp, uint64_t *counter, uint64_t n)
{
	pthread_mutex_lock(&hp->stats_lock);
	*counter += n;
	pthread_mutex_unlock(&hp->stats_lock);
}

void chp_hp_step(struct chp_hotplug *hp, enum chp_step_kind kind)
{
	struct chp_step step = { .kind = kind, .event = tl_current };

	if (kind == CHP_STEP_IMAGE_HIDDEN || kind == CHP_STEP_IMAGE_VISIBLE)
		atomic_store(&hp->image_hidden, kind == CHP_STEP_IMAGE_HIDDEN);
	call_step_hook(hp, &step);
}

/* One atomic store into the region, then its crash point; counted by the caller. */
static int store_step(struct chp_hotplug *hp, uint64_t paddr, const void *src, size_t len)
{
	struct chp_step step = { CHP_STEP_STORE, paddr, len, tl_current };
	int err;

	pthread_mutex_lock(&hp->region_lock);
	err = chp_kimage_store(hp->img, paddr, src, len);
	pthread_mutex_unlock(&hp->region_lock);
	if (!err)
		call_step_hook(hp, &step);
	return err;
}

static void count_stores(struct chp_hotplug *hp, uint64_t n, uint64_t bytes)
{
	pthread_mutex_lock(&hp->stats_lock);
	hp->stats.stores += n;
	hp->stats.store_bytes += bytes;
	pthread_mutex_unlock(&hp->stats_lock);
}

int chp_hp_store(struct chp_hotplug *hp, uint64_t paddr, const void *src, size_t len)
{
	int err = store_step(hp, paddr, src, len);

	if (!err)
		count_stores(hp, 1, len);
	return err;
}

int chp_hp_copy(struct chp_hotplug *hp, uint64_t paddr, const void *src, size_t len)
{
	const uint8_t *p = src;
	uint64_t n = 0, bytes = 0;
	int err = 0;

	/*
	 * memcpy as a CPU does it: aligned parts of at most 8 bytes, one step
	 * each.  With no step hook nobody stops between the parts but a frozen
	 * look, which the region lock then keeps out of the whole copy (every
	 * copy hides the image meanwhile): one lock, not one a part, so a
	 * benchmark times a copy, not the lab's locking.
	 */
	bool hooked = hp->step != NULL;

	chp_hp_step(hp, CHP_STEP_IMAGE_HIDDEN);
	if (!hooked)
		pthread_mutex_lock(&hp->region_lock);
	while (!err && len) {
		size_t k = 8;
		while (k > 1 && (k > len || paddr % k))
			k /= 2;
		err = hooked ? store_step(hp, paddr, p, k) : chp_kimage_store(hp->img, paddr, p, k);
		n += !err;
		bytes += err ? 0 : k;
		paddr += k;
		p += k;
		len -= k;
	}
	if (!hooked)
		pthread_mutex_unlock(&hp->region_lock);
	chp_hp_step(hp, CHP_STEP_IMAGE_VISIBLE);
	count_stores(hp, n, bytes);
	return err;
}

int chp_hp_header_segment(struct chp_hotplug *hp, struct chp_segment_info *seg)
{
	size_t index;
	int err = chp_kimage_elfcorehdr_index(hp->img, &index);

	return err ? err : chp_kimage_segment(hp->img, index, seg);
}

int chp_hp_event_ranges(struct chp_hotplug *hp, const struct chp_hp_event *ev,
			struct chp_ranges *out, struct chp_ranges *scratch)
{
	uint64_t start = ev->start_pfn * CHP_PAGE_SIZE;
	int err;

	chp_ranges_clear(out);
	if (ev->nr_pages == 0)
		return 0;
	err = chp_ranges_add(out, (struct chp_range){ start, start + ev->nr_pages * CHP_PAGE_SIZE - 1 });
	if (!err) {
		chp_ranges_clear(scratch);
		err = chp_crashmem_exclusions(hp->m, scratch);
	}
	if (!err)
		err = chp_ranges_subtract_all(out, scratch);
	return err;
}

/* One pass over what contended events (or a load) left owed. */
static void drain_once(struct chp_hotplug *hp)
{
	/* What is owed now is being applied; later deferrals are owed anew. */
	pthread_mutex_lock(&hp->stats_lock);
	chp_ranges_add_all(hp->applying, hp->owed);
	chp_ranges_clear(hp->owed);
	pthread_mutex_unlock(&hp->stats_lock);
	if (chp_kimage_loaded(hp->img) && chp_kimage_hotplug_capable(hp->img)) {
		if (chp_kimage_unprotect(hp->img) == 0) {
			if (hp->ops->resync(hp))
				chp_hp_logf(hp, "crash hp: resync failed: %s", chp_last_error());
			chp_kimage_protect(hp->img);
		}
	}
	pthread_mutex_lock(&hp->stats_lock);
	chp_ranges_clear(hp->applying);
	pthread_mutex_unlock(&hp->stats_lock);
}

/*
 * Let the kexec lock go; a deferring policy (robust) first does the work
 * contended events left, while it still holds the lock, as a hotplug update
 * (a panic meanwhile takes its dump of a crash-consistent header), until
 * nothing is owed.  The release itself fails while work is pending
 * (kexec_lock.c), so an event deferred after the last look is applied here
 * before the lock is free: owed work is never left to a free lock.  (A policy
 * that drops contended events, mainline, never owes: its release succeeds.)
 */
static void unlock_and_drain(struct chp_hotplug *hp)
{
	do {
		while (chp_kexec_take_pending(hp))
			drain_once(hp);
	} while (!chp_kexec_release(hp));
}

int chp_hotplug_in_flight(struct chp_hotplug *hp, bool machine_event, struct chp_ranges *out)
{
	struct chp_range r;
	int err = 0;

	chp_ranges_clear(out);
	if (machine_event && chp_machine_event_in_flight(hp->m, &r))
		err = chp_ranges_add(out, r);
	/*
	 * Deferred work is in flight only while someone holds the lock: the
	 * holder applies it before letting go.  Owed with the lock free is an
	 * event lost (or a window where one could be): never excused.
	 */
	if (chp_kexec_holder(hp) == KEXEC_FREE)
		return err;
	pthread_mutex_lock(&hp->stats_lock);
	if (!err)
		err = chp_ranges_add_all(out, hp->owed);
	if (!err)
		err = chp_ranges_add_all(out, hp->applying);
	pthread_mutex_unlock(&hp->stats_lock);
	return err;
}

static void handle_event_locked(struct chp_hotplug *hp, const struct chp_hp_event *ev);

/* The machine's notifier: the handler, timed, then the event hook. */
static void handle_event(void *ctx, const struct chp_hp_event *ev)
{
	struct chp_hotplug *hp = ctx;
	uint64_t t0 = now_ns(), took;

	/*
	 * Memory about to be removed, heard on the memory bus: only a policy
	 * that asks hears it (robust may have bridged that offline memory at
	 * capacity), and it is no crash hotplug event (not counted, not
	 * numbered for the lab).
	 */
	if (ev->action == CHP_HP_RELEASE_MEMORY) {
		if (hp->ops->hears_release) {
			tl_current = ev;
			handle_event_locked(hp, ev);
			tl_current = NULL;
		}
		return;
	}
	tl_current = ev;
	handle_event_locked(hp, ev);
	tl_current = NULL;
	took = now_ns() - t0;
	if (hp->event_hook)
		hp->event_hook(hp->event_ctx, ev, took);
}

void chp_hotplug_set_event_hook(struct chp_hotplug *hp, chp_event_fn fn, void *ctx)
{
	hp->event_hook = fn;
	hp->event_ctx = ctx;
}

/*
 * Memory about to be removed, the kexec lock held by someone else: wait for
 * the holder, then take the lock (true), so that the range is cut while the
 * memory is still there.  Owing the cut instead (as other contended events
 * do) lets the memory go first: arch_remove_memory() and the DIMM's eject
 * follow this notice, and until the holder's drain applies the cut a panic
 * reads the removed memory.  A removal may sleep (try_remove_memory() runs
 * in process context, under device_hotplug_lock and mem_hotplug_begin()), and
 * the holders it can meet take none of those locks while they hold the kexec
 * lock (robust's load takes them first; an unload, a crash kernel shrink
 * take none), so the wait ends.  Only a removal waits: an event that adds or
 * offlines memory leaves present memory behind, which a header may keep or
 * lack until the drain (in flight, or the kernel's rule), and the less
 * hotplug waits on kdump the better.
 *
 * The hook is called before each retry of the lock (chp_hotplug_set_wait_hook()):
 * what runs in it is the holder's (its drain), not this event's steps.  A
 * hook that gives up (false) leaves the cut owed, counted.
 */
static bool wait_for_holder(struct chp_hotplug *hp)
{
	const struct chp_hp_event *ev = tl_current;
	bool lets_go = true;

	chp_hp_count(hp, &hp->stats.removal_waits, 1);
	tl_current = NULL;
	do {
		if (!hp->wait_hook)
			sched_yield();
		else if (!(lets_go = hp->wait_hook(hp->wait_ctx)))
			break;
	} while (!chp_kexec_trylock_as(hp, KEXEC_HOTPLUG));
	tl_current = ev;
	if (!lets_go) {
		chp_hp_count(hp, &hp->stats.wait_gave_up, 1);
		chp_hp_logf(hp, "crash hp: gave up waiting for the kexec lock: the removed memory's "
			    "cut is owed to its holder");
	}
	return lets_go;
}

void chp_hotplug_set_wait_hook(struct chp_hotplug *hp, chp_wait_fn fn, void *ctx)
{
	hp->wait_hook = fn;
	hp->wait_ctx = ctx;
}

/* crash_handle_hotplug_event(), for both policies. */
static void handle_event_locked(struct chp_hotplug *hp, const struct chp_hp_event *ev)
{
	bool release = ev->action == CHP_HP_RELEASE_MEMORY; /* not a crash hotplug event */
	size_t index;
	int err;

	if (!release)
		chp_hp_count(hp, &hp->stats.events, 1);
	if (!chp_kexec_trylock_as(hp, KEXEC_HOTPLUG) &&
	    !(release && hp->ops->release_waits && wait_for_holder(hp))) {
		if (!hp->ops->defers_contended) {
			chp_hp_logf(hp, "crash hp: kexec_trylock() failed, kdump image may be inaccurate");
			chp_hp_count(hp, &hp->stats.dropped, 1);
			return;
		}
		/* Owe the work; whoever holds the lock (or this thread) does it. */
		if (!release)
			chp_hp_count(hp, &hp->stats.deferred, 1);
		if (ev->nr_pages) {
			uint64_t s = ev->start_pfn * CHP_PAGE_SIZE;
			pthread_mutex_lock(&hp->stats_lock);
			chp_ranges_add(hp->owed, (struct chp_range){ s, s + ev->nr_pages * CHP_PAGE_SIZE - 1 });
			pthread_mutex_unlock(&hp->stats_lock);
		}
		if (chp_kexec_owe(hp))
			unlock_and_drain(hp);
		return;
	}
	if (!chp_kimage_loaded(hp->img) || !chp_kimage_hotplug_capable(hp->img)) {
		if (!release)
			chp_hp_count(hp, &hp->stats.ignored, 1);
		goto out;
	}
	if (chp_kimage_elfcorehdr_index(hp->img, &index)) {
		chp_hp_logf(hp, "crash hp: unable to locate elfcorehdr segment");
		chp_hp_count(hp, &hp->stats.failures, 1);
		goto out;
	}
	if (chp_kimage_unprotect(hp->img)) {
		chp_hp_count(hp, &hp->stats.failures, 1);
		goto out;
	}
	hp->hp_action = ev->action;
	err = hp->ops->event(hp, ev);
	hp->hp_action = CHP_HP_NONE;
	/* Linux marks the header updated even when the handler failed. */
	hp->elfcorehdr_updated = true;
	chp_kimage_protect(hp->img);
	if (err < 0)
		chp_hp_count(hp, &hp->stats.failures, 1);
	else if (!release)
		chp_hp_count(hp, err > 0 ? &hp->stats.updates : &hp->stats.ignored, 1);
out:
	unlock_and_drain(hp);
}

int chp_hotplug_new_ops(struct chp_hotplug **out, enum chp_policy policy,
			const struct chp_policy_ops *ops, struct chp_machine *m, struct chp_kimage *img)
{
	struct chp_hotplug *hp = calloc(1, sizeof(*hp));

	if (!hp)
		return chp_fail(-ENOMEM, "out of memory");
	hp->policy = policy;
	hp->ops = ops;
	hp->m = m;
	hp->img = img;
	atomic_init(&hp->kexec_lock, KEXEC_FREE);
	atomic_init(&hp->image_hidden, false);
	pthread_mutex_init(&hp->region_lock, NULL);
	pthread_mutex_init(&hp->stats_lock, NULL);
	if (chp_ranges_new(&hp->owed) || chp_ranges_new(&hp->applying)) {
		chp_ranges_free(hp->owed);
		free(hp);
		return chp_fail(-ENOMEM, "out of memory");
	}
	chp_machine_set_notifier(m, handle_event, hp);
	*out = hp;
	return 0;
}

void chp_hotplug_free(struct chp_hotplug *hp)
{
	if (!hp)
		return;
	chp_machine_set_notifier(hp->m, NULL, NULL);
	policy_detach(hp);
	chp_ranges_free(hp->owed);
	chp_ranges_free(hp->applying);
	pthread_mutex_destroy(&hp->region_lock);
	pthread_mutex_destroy(&hp->stats_lock);
	free(hp->log);
	free(hp);
}

enum chp_policy chp_hotplug_policy(const struct chp_hotplug *hp)
{
	return hp->policy;
}

void chp_hotplug_set_step_hook(struct chp_hotplug *hp, chp_step_fn fn, void *ctx)
{
	hp->step = fn;
	hp->step_ctx = ctx;
}

/*
 * A policy's load may hold memory and CPU hotplug off from before it takes
 * the kexec lock until it has let it go, as the patched kernel's deferred
 * resync work does (robust.c says why).  Mainline models the unpatched
 * kernel, whose load takes no hotplug lock.
 */
static void load_hold_hotplug(struct chp_hotplug *hp)
{
	if (hp->ops->load_holds_hotplug)
		chp_machine_lock_hotplug(hp->m);
}

static void load_release_hotplug(struct chp_hotplug *hp)
{
	if (hp->ops->load_holds_hotplug)
		chp_machine_unlock_hotplug(hp->m);
}

int chp_hotplug_load(struct chp_hotplug *hp, const struct chp_load_options *opt)
{
	struct chp_load_segments read = { 0 };
	int err = 0;

	/* kexec_load: kexec-tools reads the machine before the syscall (kexec_tools.c). */
	if (opt->mode == CHP_LOAD_SEGMENTS)
		err = chp_kexec_tools_read(&read, hp->m, opt);
	if (!err)
		err = chp_hotplug_load_read(hp, opt, &read);
	chp_load_segments_release(&read);
	return err;
}

int chp_hotplug_load_read(struct chp_hotplug *hp, const struct chp_load_options *opt,
			  const struct chp_load_segments *read)
{
	int err;

	load_hold_hotplug(hp);
	if (!chp_kexec_trylock_as(hp, KEXEC_LOADER)) {
		load_release_hotplug(hp);
		return chp_fail(-EBUSY, "kexec_load: the kexec lock is taken");
	}
	pthread_mutex_lock(&hp->stats_lock);
	hp->events_at_load = hp->stats.events;
	pthread_mutex_unlock(&hp->stats_lock);
	/* kexec_file_load builds in the kernel, from one consistent view of the machine. */
	if (opt->mode != CHP_LOAD_SEGMENTS)
		chp_machine_lock_state(hp->m);
	pthread_mutex_lock(&hp->region_lock);
	err = opt->mode == CHP_LOAD_SEGMENTS ? chp_load_install(hp->img, read, opt)
					     : chp_load_crash_image(hp->img, hp->m, opt);
	pthread_mutex_unlock(&hp->region_lock);
	if (opt->mode != CHP_LOAD_SEGMENTS)
		chp_machine_unlock_state(hp->m);
	/*
	 * A load that failed before replacing the image (a header that does not
	 * fit) leaves it as it was, in use, and the policy keeps what it knows of
	 * it (robust: the gaps it bridged are in no header field, only in its
	 * state).  A new image, or none, is read afresh.
	 */
	if (!err || !chp_kimage_loaded(hp->img))
		policy_detach(hp);
	if (!err)
		hp->elfcorehdr_updated = false;
	if (!err && hp->ops->attach && chp_kimage_hotplug_capable(hp->img)) {
		/*
		 * The kernel's build lists offline blocks too (its rule, complete as
		 * it is): made exact once the image is in place, as a hotplug update
		 * whose every store a panic may see (its dump taken), not as part of
		 * the load; its failure is still the load's.
		 */
		err = hp->ops->attach(hp);
		chp_kexec_become(hp, KEXEC_HOTPLUG);
		if (!err && !(err = chp_kimage_unprotect(hp->img))) {
			err = hp->ops->resync(hp);
			chp_kimage_protect(hp->img);
		}
	}
	unlock_and_drain(hp);
	load_release_hotplug(hp);
	return err;
}

uint64_t chp_hotplug_events_notified(struct chp_hotplug *hp)
{
	pthread_mutex_lock(&hp->stats_lock);
	uint64_t n = hp->stats.events;
	pthread_mutex_unlock(&hp->stats_lock);
	return n;
}

uint64_t chp_hotplug_events_at_load(struct chp_hotplug *hp)
{
	pthread_mutex_lock(&hp->stats_lock);
	uint64_t n = hp->events_at_load;
	pthread_mutex_unlock(&hp->stats_lock);
	return n;
}

int chp_hotplug_unload(struct chp_hotplug *hp)
{
	if (!chp_kexec_trylock_as(hp, KEXEC_LOADER))
		return chp_fail(-EBUSY, "kexec_load: the kexec lock is taken");
	policy_detach(hp);
	pthread_mutex_lock(&hp->region_lock);
	chp_kimage_unload(hp->img);
	pthread_mutex_unlock(&hp->region_lock);
	unlock_and_drain(hp);
	return 0;
}

int chp_hotplug_panic_gate(struct chp_hotplug *hp)
{
	enum kexec_holder holder = chp_kexec_holder(hp);

	if (!hp->ops->panic_during_update) {
		/* __crash_kexec(): kexec_trylock(), then kexec_crash_image. */
		if (holder == KEXEC_LOADER)
			return chp_fail(-EBUSY, "panic: kexec_trylock() failed (held by a load): no dump");
		if (holder != KEXEC_FREE)
			return chp_fail(-ENODATA, "panic: kexec_trylock() failed (held by a hotplug "
					"update): no dump");
		if (atomic_load(&hp->image_hidden))
			return chp_fail(-ENODATA, "panic: kexec_crash_image is NULL during a header "
					"copy: no dump");
	} else if (holder == KEXEC_LOADER) {
		return chp_fail(-EBUSY, "panic: a load or unload is in progress: no dump");
	} else if (atomic_load(&hp->image_hidden)) {
		/* A copy (robust's rebuild of kexec-tools' x86_64 header,
		 * robust_notes.c): the patched kernel hides the image for it too. */
		return chp_fail(-ENODATA, "panic: kexec_crash_image is NULL during a header "
				"copy: no dump");
	}
	if (!chp_kimage_loaded(hp->img))
		return chp_fail(-ENOENT, "panic: no crash image is loaded: no dump");
	return 0;
}

int chp_hotplug_frozen(struct chp_hotplug *hp, int (*fn)(void *ctx), void *ctx)
{
	int err;

	chp_machine_lock_state(hp->m);
	pthread_mutex_lock(&hp->region_lock);
	err = fn(ctx);
	pthread_mutex_unlock(&hp->region_lock);
	chp_machine_unlock_state(hp->m);
	return err;
}

const struct chp_hotplug_stats *chp_hotplug_stats(struct chp_hotplug *hp)
{
	pthread_mutex_lock(&hp->stats_lock);
	if (hp->policy_state) {
		hp->ops->usage(hp, &hp->stats.slots_used, &hp->stats.slots_total);
	} else if (chp_kimage_loaded(hp->img)) {
		struct chp_segment_info seg;
		uint8_t raw[2];
		if (!chp_hp_header_segment(hp, &seg) && !chp_kimage_read(hp->img, seg.paddr + 56, raw, 2)) {
			bool big = chp_arch_big_endian(chp_machine_arch(hp->m));
			hp->stats.slots_used = chp_get16(raw, big);
			hp->stats.slots_total = chp_elfcore_slots((size_t)seg.memsz);
		}
	}
	pthread_mutex_unlock(&hp->stats_lock);
	return &hp->stats;
}
