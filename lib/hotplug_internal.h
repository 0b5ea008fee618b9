/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_HOTPLUG_INTERNAL_H
#define CRASHHP_HOTPLUG_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "crashhp/hotplug.h"

struct chp_policy_ops;

/* Who holds the kexec lock (the kernel's __kexec_lock is a plain flag). */
enum kexec_holder {
	KEXEC_FREE = 0,
	KEXEC_LOADER = 1,
	KEXEC_HOTPLUG = 2,
	KEXEC_PENDING = 4,  /* or'ed in: robust work owed to the holder (kexec_lock.c) */
};

struct chp_hotplug {
	enum chp_policy policy;
	const struct chp_policy_ops *ops;  /* the policy, as the handler knows it */
	struct chp_machine *m;
	struct chp_kimage *img;

	atomic_int kexec_lock;        /* enum kexec_holder, and KEXEC_PENDING */
	atomic_bool image_hidden;     /* kexec_crash_image == NULL during a copy */
	pthread_mutex_t region_lock;  /* one store, or one frozen look, at a time */
	pthread_mutex_t stats_lock;

	bool elfcorehdr_updated;      /* kimage->elfcorehdr_updated */
	enum chp_hp_action hp_action;
	void *policy_state;           /* the policy's view of the loaded header, or NULL */

	chp_step_fn step;
	void *step_ctx;
	chp_event_fn event_hook;
	void *event_ctx;
	chp_wait_fn wait_hook;
	void *wait_ctx;


	/* Ranges of deferred events, and of those a resync is applying. */
	struct chp_ranges *owed;
	struct chp_ranges *applying;

	struct chp_hotplug_stats stats;
	uint64_t events_at_load;      /* stats.events as the last load took the kexec lock */
	char *log;
	size_t log_len, log_cap;  /* hp->log has room for log_cap bytes */
};

/* The kexec lock (kexec_lock.c).  Take it if free. */
bool chp_kexec_trylock_as(struct chp_hotplug *hp, enum kexec_holder who);
/* Who holds it (KEXEC_FREE: nobody), whether or not work is pending. */
enum kexec_holder chp_kexec_holder(struct chp_hotplug *hp);
/* The holder changes what it is doing (a load's resync), pending work kept. */
void chp_kexec_become(struct chp_hotplug *hp, enum kexec_holder who);
/*
 * A robust event whose work is recorded as owed: marks it pending on the
 * holder (false), or takes the free lock with it pending (true: the caller
 * now holds the lock and must unlock_and_drain()).
 */
bool chp_kexec_owe(struct chp_hotplug *hp);
/* The holder: true if work was pending (now cleared, held as a hotplug update). */
bool chp_kexec_take_pending(struct chp_hotplug *hp);
/* The holder lets go; false, still holding, if work became pending meanwhile. */
bool chp_kexec_release(struct chp_hotplug *hp);

/*
 * The generic API: what a policy (hotplug_policy.h) may call.
 * The narrow store API: every write into the crash region comes here.
 */
/* One atomic store (aligned, 1/2/4/8 bytes; -EINVAL otherwise), one crash point. */
int chp_hp_store(struct chp_hotplug *hp, uint64_t paddr, const void *src, size_t len);
/*
 * A wider write, as Linux's copies make it: kexec_crash_image hidden (NULL)
 * around it, split into atomic parts, each a store and a crash point.
 */
int chp_hp_copy(struct chp_hotplug *hp, uint64_t paddr, const void *src, size_t len);
void chp_hp_step(struct chp_hotplug *hp, enum chp_step_kind kind);
void chp_hp_logf(struct chp_hotplug *hp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void chp_hp_count(struct chp_hotplug *hp, uint64_t *counter, uint64_t n);

/* The elfcorehdr segment of the loaded image. */
int chp_hp_header_segment(struct chp_hotplug *hp, struct chp_segment_info *seg);

/*
 * ppc64's update_crash_fdt(): /cpus rewritten from the present CPUs, the
 * image hidden meanwhile (arch_ppc64_fdt.c).  1: done; -errno.
 */
int chp_arch_ppc64_update_fdt(struct chp_hotplug *hp);
/* The range an event adds or removes, minus what headers always leave out;
 * `scratch` holds those exclusions (kept by the caller: no allocation). */
int chp_hp_event_ranges(struct chp_hotplug *hp, const struct chp_hp_event *ev,
			struct chp_ranges *out, struct chp_ranges *scratch);

#endif
