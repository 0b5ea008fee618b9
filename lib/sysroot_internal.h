/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_SYSROOT_INTERNAL_H
#define CRASHHP_SYSROOT_INTERNAL_H

#include "crashhp/sysroot.h"

struct chp_sysroot {
	char *prefix;
	char release[128];
	char *cmdline;
	char *absent;
	size_t absent_len;

	struct chp_ranges *possible, *present, *online;
	long kernel_max;
	struct chp_live_cpu *cpus;
	size_t ncpus;
	int cpu_crash_hotplug, mem_crash_hotplug;

	uint64_t block_size;
	struct chp_live_block *blocks;
	size_t nblocks;
	char auto_online[32];

	struct chp_iomem_entry *iomem;
	size_t niomem;
	bool iomem_readable, iomem_zeroed;
	struct chp_ranges *system_ram, *crashkernel, *kmem;
	bool has_kernel_image;
	struct chp_range kernel_image;

	int kexec_loaded, kexec_crash_loaded;
	int64_t kexec_crash_size, elfcorehdr_size;
	bool has_direct_map;
	uint64_t direct_map;
	bool has_text_vaddr;
	uint64_t text_vaddr;
	uint64_t end_vaddr;           /* _end, 0 when unknown */
	bool has_vmcoreinfo;
	uint64_t vmcoreinfo_paddr, vmcoreinfo_size;
};

/*
 * Read a small file under the prefix.  1 with its text (trailing newline
 * removed), 0 when absent (recorded with `meaning`), <0 on another error.
 */
int chp_sysroot_read(struct chp_sysroot *s, const char *path, char *buf, size_t cap,
		     const char *meaning);
/* The whole of a file that may be large (/proc/iomem); *text malloc'd. */
int chp_sysroot_read_all(struct chp_sysroot *s, const char *path, char **text, const char *meaning);
int chp_sysroot_parse_iomem(struct chp_sysroot *s, const char *text, const char *path);
/* KASLR facts (sysroot_kmap.c); a file absent or unreadable leaves them unknown. */
void chp_sysroot_read_kallsyms(struct chp_sysroot *s);
void chp_sysroot_read_kcore(struct chp_sysroot *s);

#endif
