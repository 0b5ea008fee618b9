/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_SYSROOT_H
#define CRASHHP_SYSROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crashhp/ranges.h"

/*
 * What a live Linux machine (or a dump of one) says about crash hotplug, read
 * under a prefix ("/" for this machine): /sys/devices/system/{cpu,memory},
 * /proc/iomem, /sys/kernel/{vmcoreinfo,kexec_*,crash_elfcorehdr_size},
 * /proc/cmdline and the kernel release.  No path outside the prefix is read.
 *
 * Missing files are normal on many kernels: each is recorded as absent, and
 * chp_sysroot_absent() lists them.  A file that is there but malformed fails
 * the open with the file (and line) named.
 */
struct chp_sysroot;

enum chp_block_state_live {
	CHP_LIVE_BLOCK_ONLINE,
	CHP_LIVE_BLOCK_OFFLINE,
	CHP_LIVE_BLOCK_GOING_OFFLINE,
	CHP_LIVE_BLOCK_UNKNOWN,   /* no readable state file */
};

struct chp_live_block {
	uint64_t index;           /* memoryN */
	uint64_t phys_index;
	enum chp_block_state_live state;
	int removable;            /* -1 absent */
	char valid_zones[64];
};

struct chp_live_cpu {
	unsigned cpu;
	bool present, online;
	bool has_online_file;     /* cpu0 often has none: it cannot go offline */
	uint64_t crash_notes;     /* physical address; 0 when unknown */
	uint64_t crash_notes_size;
};

/* An /proc/iomem entry, depth from its indentation. */
struct chp_iomem_entry {
	uint64_t start, last;
	unsigned depth;
	char name[64];
};

int chp_sysroot_open(struct chp_sysroot **out, const char *prefix);
void chp_sysroot_free(struct chp_sysroot *s);

const char *chp_sysroot_prefix(const struct chp_sysroot *s);
/* "" when unknown. */
const char *chp_sysroot_release(const struct chp_sysroot *s);
/*
 * The machine's architecture as uname -m names it ("x86_64", "ppc64le"), and
 * in *from (when not NULL) the file that told it; "" (and NULL) when nothing
 * in the sysroot says.
 */
const char *chp_sysroot_arch(const struct chp_sysroot *s, const char **from);
const char *chp_sysroot_cmdline(const struct chp_sysroot *s);
/* Files that were absent, one per line, each "/path: what it means". */
const char *chp_sysroot_absent(const struct chp_sysroot *s);

/* CPUs: the sets as ranges of CPU numbers; kernel_max -1 when absent. */
const struct chp_ranges *chp_sysroot_cpus_possible(const struct chp_sysroot *s);
const struct chp_ranges *chp_sysroot_cpus_present(const struct chp_sysroot *s);
const struct chp_ranges *chp_sysroot_cpus_online(const struct chp_sysroot *s);
long chp_sysroot_cpu_kernel_max(const struct chp_sysroot *s);
size_t chp_sysroot_nr_cpus(const struct chp_sysroot *s);
const struct chp_live_cpu *chp_sysroot_cpu(const struct chp_sysroot *s, size_t i);
/* The crash_hotplug files: 1, 0, or -1 when absent (no CRASH_HOTPLUG). */
int chp_sysroot_cpu_crash_hotplug(const struct chp_sysroot *s);
int chp_sysroot_memory_crash_hotplug(const struct chp_sysroot *s);

/* Memory blocks: block size 0 when unknown. */
uint64_t chp_sysroot_block_size(const struct chp_sysroot *s);
size_t chp_sysroot_nr_blocks(const struct chp_sysroot *s);
const struct chp_live_block *chp_sysroot_block(const struct chp_sysroot *s, size_t i);
/* "online", "offline", "online_movable"...; "" when absent. */
const char *chp_sysroot_auto_online(const struct chp_sysroot *s);

/* /proc/iomem; without privilege every address reads 0: then zeroed is true. */
size_t chp_sysroot_nr_iomem(const struct chp_sysroot *s);
const struct chp_iomem_entry *chp_sysroot_iomem(const struct chp_sysroot *s, size_t i);
bool chp_sysroot_iomem_readable(const struct chp_sysroot *s);
bool chp_sysroot_iomem_zeroed(const struct chp_sysroot *s);
/* Top-level "System RAM", the "Crash kernel" entries, kernel code..bss, "System RAM (kmem)". */
const struct chp_ranges *chp_sysroot_system_ram(const struct chp_sysroot *s);
const struct chp_ranges *chp_sysroot_crashkernel(const struct chp_sysroot *s);
bool chp_sysroot_kernel_image(const struct chp_sysroot *s, struct chp_range *out);
const struct chp_ranges *chp_sysroot_kmem(const struct chp_sysroot *s);

/* /sys/kernel: -1 when absent. */
int chp_sysroot_kexec_loaded(const struct chp_sysroot *s);
int chp_sysroot_kexec_crash_loaded(const struct chp_sysroot *s);
int64_t chp_sysroot_kexec_crash_size(const struct chp_sysroot *s);
int64_t chp_sysroot_elfcorehdr_size(const struct chp_sysroot *s);
/* vmcoreinfo note: false when unknown. */
bool chp_sysroot_vmcoreinfo(const struct chp_sysroot *s, uint64_t *paddr, uint64_t *size);

/* The direct map's base from /proc/kcore's RAM program headers (root; KASLR). */
bool chp_sysroot_direct_map(const struct chp_sysroot *s, uint64_t *base);
/* _text's address from /proc/kallsyms, when it shows addresses (root); *size
 * is _end - _text when _end shows too, else 0. */
bool chp_sysroot_text_vaddr(const struct chp_sysroot *s, uint64_t *vaddr, uint64_t *size);
/* Read one CPU's crash_notes again (it appears when the CPU is added). */
int chp_sysroot_cpu_notes_now(struct chp_sysroot *s, unsigned cpu, uint64_t *paddr, uint64_t *size);

/*
 * Whether sysfs shows memory block N now (its memoryN directory): 1 yes, 0 no,
 * <0 refused (a link out of the prefix, not a directory), the path named.
 */
int chp_sysroot_memory_block_now(struct chp_sysroot *s, uint64_t block);

/* Parse a CPU list ("0-3,8,10-11") into ranges; -EINVAL naming the text. */
int chp_parse_cpulist(const char *text, struct chp_ranges *out);

#endif
