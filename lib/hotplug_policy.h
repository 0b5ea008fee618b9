/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the generic handler (hotplug.c) knows of a policy: this table, as the
 * kernel's crash_handle_hotplug_event() knows its arch only through
 * arch_crash_handle_hotplug_event().  The dependency is one-way: a policy
 * (arch_mainline.c, robust.c) fills a table and calls the generic API of
 * hotplug_internal.h; hotplug.c reaches a policy only through the table that
 * policy.c hands it, and names none of their functions or tables.
 */
#ifndef CRASHHP_HOTPLUG_POLICY_H
#define CRASHHP_HOTPLUG_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "crashhp/hotplug.h"

struct chp_policy_ops {
	/*
	 * The arch handler: kexec lock held, region writable.  > 0: the header
	 * (or FDT) changed; 0: nothing to do; -errno: failed.
	 */
	int (*event)(struct chp_hotplug *hp, const struct chp_hp_event *ev);

	/*
	 * A contended kexec lock: true, the event's work is owed to the holder
	 * and applied by resync() before the lock goes (the patched kernel);
	 * false, the event is dropped with the kernel's message (stock 6.12).
	 */
	bool defers_contended;
	/* Memory about to be removed (CHP_HP_RELEASE_MEMORY) is passed to event(). */
	bool hears_release;
	/*
	 * ...and when it finds the kexec lock held, it waits for the holder
	 * (hotplug.c, wait_for_holder()) instead of owing its cut: the memory
	 * must be out of the header before it goes.
	 */
	bool release_waits;
	/* A load holds memory and CPU hotplug off until it lets the kexec lock go. */
	bool load_holds_hotplug;
	/*
	 * A panic while a hotplug update holds the kexec lock takes its dump
	 * (the patched __crash_kexec()); false: kexec_trylock() fails, and a
	 * hidden kexec_crash_image gives no dump either (stock 6.12).
	 */
	bool panic_during_update;

	/*
	 * The policy's view of the loaded header (hp->policy_state), all
	 * optional (NULL: the policy keeps none, and never owes work), but a
	 * policy that defers needs resync(), and one that sets policy_state
	 * needs usage().
	 * attach() reads a freshly loaded image; resync() makes the header
	 * exact (after a load, and for owed work); detach() forgets the view
	 * (a new image, an unload); usage() gives the slots in use and in all.
	 */
	int (*attach)(struct chp_hotplug *hp);
	int (*resync)(struct chp_hotplug *hp);
	void (*detach)(struct chp_hotplug *hp);
	void (*usage)(const struct chp_hotplug *hp, size_t *used, size_t *total);
};

/*
 * chp_hotplug_new() for a policy's table: the generic handler, which calls
 * the policy through it.  chp_hotplug_new() itself (policy.c) picks the table
 * for a policy's number, so hotplug.c needs no symbol of any policy.
 */
int chp_hotplug_new_ops(struct chp_hotplug **out, enum chp_policy policy,
			const struct chp_policy_ops *ops, struct chp_machine *m, struct chp_kimage *img);

#endif
