/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kexec lock's word.  Its own file so a test can stand at the instant a
 * holder lets go (tests/unit/test_deferral.c wraps chp_kexec_release()).
 */
#include "hotplug_internal.h"

bool chp_kexec_release(struct chp_hotplug *hp)
{
	atomic_store(&hp->kexec_lock, KEXEC_FREE);
	return true;
}
