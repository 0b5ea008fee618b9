/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_LOADER_INTERNAL_H
#define CRASHHP_LOADER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "crashhp/loader.h"

struct chp_machine;

/*
 * The segments a load puts into the crash region, built apart from putting
 * them there: kexec_load's are built in userspace before the syscall
 * (kexec_tools.c), kexec_file_load's in the kernel during it.
 */
struct chp_load_segments {
	void *hdr;          /* the elfcorehdr */
	size_t hdr_len;     /* bytes built */
	size_t hdr_room;    /* the segment, for a hotplug-capable image */
	size_t hdr_reserved; /* what the capture kernel keeps of it (0: all) */
	void *fdt;          /* ppc64 */
	size_t fdt_size;
	bool capable;       /* the kernel may update it (chp_load_hotplug_capable()) */
	bool backup;        /* ppc64's [0, 64 KiB) backup segment */
};

/* Build the segments from the machine as it is now; released by the caller. */
int chp_load_build(struct chp_load_segments *s, const struct chp_machine *m,
		   const struct chp_load_options *opt);
/* Put built segments into `img`, replacing what it held. */
int chp_load_install(struct chp_kimage *img, const struct chp_load_segments *s,
		     const struct chp_load_options *opt);
void chp_load_segments_release(struct chp_load_segments *s);

/*
 * kexec-tools' half of kexec_load(2): the segments from /proc/iomem and the
 * CPUs sysfs shows, read in userspace before the syscall (kexec_tools.c).
 */
int chp_kexec_tools_read(struct chp_load_segments *s, const struct chp_machine *m,
			 const struct chp_load_options *opt);

/*
 * The syscall of a load (hotplug.c): kexec_load installs what
 * chp_kexec_tools_read() read; kexec_file_load builds now (`read` unused).
 */
struct chp_hotplug;
int chp_hotplug_load_read(struct chp_hotplug *hp, const struct chp_load_options *opt,
			  const struct chp_load_segments *read);

/*
 * Crash hotplug events notified so far, and when the last load took the
 * kexec lock: the events between a kexec-tools read and that moment are
 * missing from the image it loads (lab_concurrent.c counts them).  An event
 * notified after it meets the lock held (mainline drops it, robust defers
 * it) or comes after the load.
 */
uint64_t chp_hotplug_events_notified(struct chp_hotplug *hp);
uint64_t chp_hotplug_events_at_load(struct chp_hotplug *hp);

#endif
