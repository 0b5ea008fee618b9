/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_HOTPLUG_H
#define CRASHHP_HOTPLUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crashhp/kimage.h"
#include "crashhp/loader.h"
#include "crashhp/machine.h"

/*
 * Crash hotplug: keeps the crash image of one machine true as its CPUs and
 * memory change.  It registers as the machine's notifier and handles each
 * event under one of two policies:
 *
 * mainline  Linux 6.12's crash_handle_hotplug_event() and the x86_64 and
 *           ppc64 handlers, faithfully: the kexec lock by trylock (an event
 *           that finds it taken is dropped), a full rebuild copied over the
 *           header while the image pointer is cleared (a crash then takes no
 *           dump), x86 rebuilding from the resource list at MEM_OFFLINE.
 * robust    crashhp's: no event is ever dropped (a contended event leaves work
 *           the lock holder does before it lets go), the event's range is
 *           added or subtracted exactly, the header is changed in place by
 *           ordered aligned stores that leave it valid and complete after each
 *           one, touching only the program headers that change.
 *
 * Every store into the crash region goes through one function, reported to a
 * step hook, so the lab can crash the machine after any of them.
 */
enum chp_policy {
	CHP_POLICY_MAINLINE,
	CHP_POLICY_ROBUST,
};

const char *chp_policy_name(enum chp_policy policy);
int chp_policy_from_name(enum chp_policy *out, const char *name);

enum chp_step_kind {
	CHP_STEP_STORE,         /* bytes stored into the crash region */
	CHP_STEP_IMAGE_HIDDEN,  /* kexec_crash_image set to NULL */
	CHP_STEP_IMAGE_VISIBLE, /* kexec_crash_image restored */
};

struct chp_step {
	enum chp_step_kind kind;
	uint64_t paddr;
	size_t len;
	const struct chp_hp_event *event; /* being handled; NULL outside events */
};

/* Called after each step, outside every lock but the kexec lock. */
typedef void (*chp_step_fn)(void *ctx, const struct chp_step *step);

struct chp_hotplug_stats {
	uint64_t events;          /* notified to crash hotplug */
	uint64_t dropped;         /* mainline: kexec_trylock() failed, event lost */
	uint64_t deferred;        /* robust: contended, done by the lock holder */
	uint64_t ignored;         /* nothing loaded, not hotplug-capable, or nothing to do */
	uint64_t updates;         /* events that changed the crash image */
	uint64_t failures;        /* the arch handler failed (logged) */
	uint64_t stores;          /* stores into the crash region */
	uint64_t store_bytes;
	uint64_t capacity_merges; /* robust: adjacent ranges merged to make room */
	uint64_t removal_waits;   /* robust: memory about to go waited for the kexec lock's holder */
	uint64_t wait_gave_up;    /* ...and of those, the wait hook gave up: its cut owed instead */
	size_t slots_used;        /* program headers in use in the header */
	size_t slots_total;       /* program headers the segment holds */
};

struct chp_hotplug;

/*
 * Attach to `m` (as its notifier) and `img` (mapped over its crashkernel).
 * -EINVAL: `policy` is none of enum chp_policy.
 */
int chp_hotplug_new(struct chp_hotplug **out, enum chp_policy policy, struct chp_machine *m,
		    struct chp_kimage *img);
void chp_hotplug_free(struct chp_hotplug *hp);

enum chp_policy chp_hotplug_policy(const struct chp_hotplug *hp);
void chp_hotplug_set_step_hook(struct chp_hotplug *hp, chp_step_fn fn, void *ctx);

/*
 * Called after each event has been handled and the kexec lock released, with
 * the time the handler took (from the notifier's call to its return), the
 * step hook's time included: a slow step hook subtracts its own.
 */
typedef void (*chp_event_fn)(void *ctx, const struct chp_hp_event *ev, uint64_t handler_ns);
void chp_hotplug_set_event_hook(struct chp_hotplug *hp, chp_event_fn fn, void *ctx);

/*
 * kexec_load / kexec_file_load and unload, as the syscalls do: the kexec lock
 * by trylock, -EBUSY when it is taken.  Under robust, events that arrived
 * meanwhile are applied before the lock is released.
 */
int chp_hotplug_load(struct chp_hotplug *hp, const struct chp_load_options *opt);
int chp_hotplug_unload(struct chp_hotplug *hp);

/*
 * The panic path's first decision: whether the capture kernel gets to run.
 * Mainline: only if kexec_trylock() succeeds and kexec_crash_image is set.
 * Robust: unless nothing is loaded or a load/unload is in progress; an update
 * in progress does not stop it (the header is valid after every store).
 * 0 when a dump is taken; when not (with the reason): -EBUSY while a load or
 * unload holds the lock, -ENOENT with no image loaded, -ENODATA when the
 * policy's own handling stops it.  The reason is decided here, from one look
 * at the lock: a caller that looked again could see the load already done.
 */
int chp_hotplug_panic_gate(struct chp_hotplug *hp);

const struct chp_hotplug_stats *chp_hotplug_stats(struct chp_hotplug *hp);
/* The kernel log lines crash hotplug printed, one per line. */
const char *chp_hotplug_log(const struct chp_hotplug *hp);

/*
 * For the lab: run `fn` with the crash region and the machine's state held
 * still, as the crashing CPU sees them once the others are stopped.
 */
int chp_hotplug_frozen(struct chp_hotplug *hp, int (*fn)(void *ctx), void *ctx);

/*
 * What a dump taken now may or may not hold: the machine's event under way
 * (when `machine_event`), and under robust the ranges of deferred events
 * while a holder of the kexec lock is applying them.  Call from
 * chp_hotplug_frozen().
 */
int chp_hotplug_in_flight(struct chp_hotplug *hp, bool machine_event, struct chp_ranges *out);

/*
 * Memory about to be removed that finds the kexec lock held waits for the
 * holder (robust): a removal runs in process context and may sleep, and its
 * memory must be out of the header before it goes.  The hook is called on
 * the removing thread each time it finds the lock still held, before it
 * tries again: the holder runs on elsewhere and lets go (a lab that plays the
 * holder on this thread lets it go here).  It returns false when the wait
 * gives up (the kernel's bounded wait, its holder stuck behind this very
 * removal): the removal's cut is then owed to the holder, as a contended
 * event's is.  Without a hook the removal yields the CPU between its tries.
 */
typedef bool (*chp_wait_fn)(void *ctx);
void chp_hotplug_set_wait_hook(struct chp_hotplug *hp, chp_wait_fn fn, void *ctx);

/* Testing hook: take or release the kexec lock as a loader would. */
bool chp_hotplug_kexec_trylock(struct chp_hotplug *hp);
void chp_hotplug_kexec_unlock(struct chp_hotplug *hp);

#endif
