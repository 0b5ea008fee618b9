/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_LOADER_H
#define CRASHHP_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "crashhp/kimage.h"
#include "crashhp/machine.h"

/* How `kexec -p` loads the crash image on a lab machine. */
struct chp_load_options {
	enum chp_load_mode mode;
	bool hotplug_flag;      /* kexec_load only: KEXEC_CRASH_HOTPLUG_SUPPORT */
	bool update_elfcorehdr_flag; /* kexec_load only: KEXEC_UPDATE_ELFCOREHDR, its first name */
	uint64_t kernel_size;
	uint64_t initrd_size;
	const char *cmdline;
};

/* kexec_file_load, a 1 MiB kernel, a 2 MiB initrd, the usual kdump command line. */
void chp_load_options_init(struct chp_load_options *opt);

/*
 * kexec_load's flags as arch_crash_hotplug_support() (6.12) takes them: x86
 * either KEXEC_UPDATE_ELFCOREHDR or KEXEC_CRASH_HOTPLUG_SUPPORT, ppc64 only
 * the latter; kexec_file_load always.
 */
bool chp_load_hotplug_capable(enum chp_arch arch, const struct chp_load_options *opt);

/*
 * Build the machine's header and load the image into `img` (mapped over the
 * machine's crashkernel).  A hotplug-capable image gets the kernel's
 * worst-case header segment (kexec_load: the size crash_elfcorehdr_size
 * advertises, which kexec-tools asks for); any other gets a segment just big
 * enough, as kexec-tools sizes it.
 */
int chp_load_crash_image(struct chp_kimage *img, const struct chp_machine *m,
			 const struct chp_load_options *opt);

#endif
