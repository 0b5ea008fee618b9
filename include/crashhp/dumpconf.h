/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_DUMPCONF_H
#define CRASHHP_DUMPCONF_H

#include <stdbool.h>

/*
 * How a machine takes its dumps, beyond what chp_sysroot reads: firmware-
 * assisted dump on ppc64 (/sys/kernel/fadump) and the distribution's kdump
 * service setting that holds kexec's arguments.  Read under a prefix ("" or
 * "/" for this machine); no path outside it is read.
 */

/* Before reading a machine under `prefix`: a directory holding neither sys/
 * nor proc/ is not a machine's root (-ENOENT, named), not an empty machine. */
int chp_sysroot_check_prefix(const char *prefix);

struct chp_dumpconf {
	/* /sys/kernel/fadump/{enabled,registered,hotplug_ready}: 1, 0, or -1 absent
	 * (before Linux 5.7 enabled and registered were /sys/kernel/fadump_*). */
	int fadump_enabled;
	int fadump_registered;
	int fadump_hotplug_ready;  /* Linux 6.10: the capture kernel builds the header */
	/*
	 * /sys/kernel/fadump/mem_reserved: the bytes fadump reserved (sized by
	 * crashkernel= when given), -1 absent.  With it, powerpc reserves no
	 * crashk_res, so kexec_crash_size reads 0 and /proc/iomem shows no
	 * "Crash kernel": fadump's area is this.
	 */
	long long fadump_mem_reserved;
	/* The kdump service's setting for kexec's arguments, when a file is there. */
	const char *service;       /* "kdump-tools", "kdump-utils", or NULL */
	const char *config_file;   /* "/etc/default/kdump-tools", "/etc/sysconfig/kdump" */
	const char *setting;       /* "KDUMP_KEXEC_ARGS", "KEXEC_ARGS" */
	const char *reload;        /* "kdump-config reload", "kdumpctl restart" */
	bool setting_found;        /* assigned in the file */
	char kexec_args[256];      /* its value, quotes removed */
};

struct chp_sysroot;
/* Fill *out from the machine's files, read as chp_sysroot reads its own (no
 * link out of the sysroot, regular files only); -EINVAL naming the file for
 * a fadump file that is not 0 or 1, or a file refused. */
int chp_dumpconf_read(struct chp_dumpconf *out, struct chp_sysroot *s);

/* The setting names kexec_file_load (-s, --kexec-file-syscall) or --hotplug:
 * an image it loads is one the kernel updates on hotplug. */
bool chp_dumpconf_loads_hotplug(const struct chp_dumpconf *c);

#endif
