/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kexec lock's word: who holds it, and KEXEC_PENDING, set by a robust
 * event that found it held and owes its work to the holder.
 *
 * One word, so that "nothing is owed" and "the lock is free" are decided in
 * one atomic step.  With a separate flag the holder looked, found nothing,
 * and let go; an event deferred between the look and the release left its
 * work owed with the lock free until someone took the lock again, and a
 * panic in that window took a header still listing a DIMM already removed
 * (absent memory read by the capture kernel).  Now the release fails while
 * work is pending, and an event never leaves work owed to a free lock.
 *
 * Its own file so a test can stand at the instant a holder lets go
 * (tests/unit/test_deferral.c wraps chp_kexec_release()).
 */
#include "hotplug_internal.h"

#define KEXEC_HOLDER_MASK (KEXEC_PENDING - 1)

bool chp_kexec_trylock_as(struct chp_hotplug *hp, enum kexec_holder who)
{
	int expected = KEXEC_FREE;

	return atomic_compare_exchange_strong(&hp->kexec_lock, &expected, (int)who);
}

enum kexec_holder chp_kexec_holder(struct chp_hotplug *hp)
{
	return (enum kexec_holder)(atomic_load(&hp->kexec_lock) & KEXEC_HOLDER_MASK);
}

void chp_kexec_become(struct chp_hotplug *hp, enum kexec_holder who)
{
	int v = atomic_load(&hp->kexec_lock);

	/* Owed work stays pending across the change. */
	while (!atomic_compare_exchange_weak(&hp->kexec_lock, &v, (v & KEXEC_PENDING) | (int)who))
		;
}

bool chp_kexec_owe(struct chp_hotplug *hp)
{
	int v = atomic_load(&hp->kexec_lock);

	for (;;) {
		/* Free: take it, the work pending, and apply it ourselves. */
		if (v == KEXEC_FREE) {
			if (atomic_compare_exchange_weak(&hp->kexec_lock, &v, KEXEC_HOTPLUG | KEXEC_PENDING))
				return true;
			continue;
		}
		/* Held: the holder cannot let go before it has applied this. */
		if ((v & KEXEC_PENDING) ||
		    atomic_compare_exchange_weak(&hp->kexec_lock, &v, v | KEXEC_PENDING))
			return false;
	}
}

bool chp_kexec_take_pending(struct chp_hotplug *hp)
{
	int v = atomic_load(&hp->kexec_lock);

	/* Cleared before the work is read: what is owed later is pending anew. */
	while (v & KEXEC_PENDING)
		if (atomic_compare_exchange_weak(&hp->kexec_lock, &v, KEXEC_HOTPLUG))
			return true;
	return false;
}

bool chp_kexec_release(struct chp_hotplug *hp)
{
	int v = atomic_load(&hp->kexec_lock);

	/* Fails, the lock still held, if an event owed work since the last look. */
	return !(v & KEXEC_PENDING) && atomic_compare_exchange_strong(&hp->kexec_lock, &v, KEXEC_FREE);
}
