/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kexec-tools' half of a kexec_load(2) crash load, as `kexec -p` (and so
 * kdump-config and kdumpctl with kexec_load) makes it: the elfcorehdr is
 * built in userspace from /proc/iomem's System RAM and the crash_notes of
 * the CPUs sysfs shows (kexec/crashdump.c, crash_create_elf64_headers();
 * the arch's get_crash_memory_ranges()), and only then handed to the kernel.
 * The kernel copies the segments as they are (kernel/kexec.c,
 * do_kexec_load(): kimage_load_segment()); it reads no machine state.
 *
 * So there is a gap between this read and the syscall that kexec_file_load
 * does not have (its header is built in the kernel, under the kexec lock,
 * by crash_load_segments()).  A hotplug event in the gap is missing from
 * the new image:
 *  - a load over a loaded image (kexec -p): the event's handler
 *    (crash_handle_hotplug_event()) updates the OLD image, if it is
 *    hotplug-capable; then do_kexec_load() frees it
 *    (kimage_free(xchg(&kexec_crash_image, NULL))) and installs the new one,
 *    built before the event;
 *  - a load after an unload (kexec -p -u first): the handler finds no image
 *    and does nothing.
 * An event during the syscall finds the kexec lock held by the loader
 * (do_kexec_load(): kexec_trylock()): mainline drops it ("kexec_trylock()
 * failed, kdump image may be inaccurate"), and the image it installs was
 * built before the event.  Either way the image is stale until the next
 * update rewrites it (x86 and ppc64 rebuild the whole header at a memory
 * event of a hotplug-capable image) or userspace loads again.
 *
 * The lab's load path (chp_hotplug_load()) calls this before it takes the
 * kexec lock, so a test or a scenario (reload-read / reload-syscall) can put
 * events in the gap.
 */
#include "crashhp/machine.h"
#include "loader_internal.h"

int chp_kexec_tools_read(struct chp_load_segments *s, const struct chp_machine *m,
			 const struct chp_load_options *opt)
{
	int err;

	/* One look at the machine, as one read of /proc/iomem and sysfs. */
	chp_machine_lock_state(m);
	err = chp_load_build(s, m, opt);
	chp_machine_unlock_state(m);
	return err;
}
