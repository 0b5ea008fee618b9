/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_MACHINE_H
#define CRASHHP_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crashhp/arch.h"
#include "crashhp/elfcore.h"
#include "crashhp/ranges.h"

/*
 * The model of one machine as crash hotplug sees it: CPUs with their
 * crash_notes buffers, memory blocks and their state, the System RAM resource
 * list, the crashkernel reservation, the kernel text and the vmcoreinfo note.
 *
 * Memory contents are a deterministic function of the physical address and of
 * the hot-add generation of the block holding it, so nothing is stored but the
 * small buffers the kernel itself writes (crash notes, vmcoreinfo), and a dump
 * holding stale contents is detectable.
 */
struct chp_machine;

enum chp_block_state {
	CHP_BLOCK_ABSENT,
	CHP_BLOCK_OFFLINE,
	CHP_BLOCK_ONLINE,
};

/* A lab machine, described in a few numbers. */
struct chp_lab_spec {
	enum chp_arch arch;
	unsigned nr_cpus_config;        /* the kernel's NR_CPUS: header slots for CPUs */
	unsigned max_memory_ranges;     /* CONFIG_CRASH_MAX_MEMORY_RANGES */
	unsigned cpus_possible;
	unsigned cpus_present;
	unsigned cpus_online;
	uint64_t boot_ram;              /* bytes, a multiple of block_size */
	uint64_t block_size;            /* memory block size, a power of two */
	uint64_t crashkernel_size;      /* bytes reserved for the crash image */
};

/* Sensible defaults for `arch`: 8 CPUs possible, 4 present and online, 1 GiB. */
void chp_lab_spec_init(struct chp_lab_spec *spec, enum chp_arch arch);

/*
 * Boot a lab machine.  x86_64 lays RAM out as a PC does (the first page and
 * 640 KiB-1 MiB left out, RAM above 2 GiB moved to 4 GiB); ppc64 has one
 * range from 0.  -EINVAL naming the field when the spec cannot be built.
 */
int chp_machine_new_lab(struct chp_machine **out, const struct chp_lab_spec *spec);
void chp_machine_free(struct chp_machine *m);

enum chp_arch chp_machine_arch(const struct chp_machine *m);
unsigned chp_machine_config_nr_cpus(const struct chp_machine *m);
unsigned chp_machine_config_max_memory_ranges(const struct chp_machine *m);

unsigned chp_machine_cpus_possible(const struct chp_machine *m);
bool chp_machine_cpu_present(const struct chp_machine *m, unsigned cpu);
bool chp_machine_cpu_online(const struct chp_machine *m, unsigned cpu);
unsigned chp_machine_cpus_present(const struct chp_machine *m);
unsigned chp_machine_cpus_online(const struct chp_machine *m);
/* The CPU's crash_notes buffer (the sysfs crash_notes / crash_notes_size). */
struct chp_note_loc chp_machine_cpu_notes(const struct chp_machine *m, unsigned cpu);

struct chp_note_loc chp_machine_vmcoreinfo(const struct chp_machine *m);
/* The vmcoreinfo text the kernel keeps (without CRASHTIME before a crash). */
const char *chp_machine_vmcoreinfo_text(const struct chp_machine *m);
/* NULL on architectures without a kernel-text LOAD. */
const struct chp_kernel_text *chp_machine_kernel_text(const struct chp_machine *m);

uint64_t chp_machine_block_size(const struct chp_machine *m);
size_t chp_machine_nr_blocks(const struct chp_machine *m);
enum chp_block_state chp_machine_block_state(const struct chp_machine *m, size_t block);
/* How many times the block's memory was hot-added (0 for boot memory). */
uint32_t chp_machine_block_generation(const struct chp_machine *m, size_t block);

/*
 * Change a present block's state (the sysfs memoryN/state write).  The
 * resource list is untouched: on x86 an offline block stays "System RAM".
 * -EINVAL for an absent block.  The hotplug events that notify crash
 * hotplug are built on these.
 */
int chp_machine_set_block_online(struct chp_machine *m, size_t block, bool online);

/* Physically populated memory (boot RAM and DIMMs, online or not). */
const struct chp_ranges *chp_machine_present_memory(const struct chp_machine *m);
/* The "System RAM" resources of /proc/iomem. */
const struct chp_ranges *chp_machine_system_ram(const struct chp_machine *m);
/* The crashkernel reservation(s), "Crash kernel" in /proc/iomem. */
const struct chp_ranges *chp_machine_crashkernel(const struct chp_machine *m);
/* out := present memory in online blocks. */
int chp_machine_online_memory(const struct chp_machine *m, struct chp_ranges *out);
/* out := present memory in offline blocks. */
int chp_machine_offline_memory(const struct chp_machine *m, struct chp_ranges *out);

/*
 * Read old memory.  -EFAULT when any byte is not present: on hardware that
 * read would machine-check, so it is never zeros.
 */
int chp_machine_read_phys(const struct chp_machine *m, uint64_t paddr, void *buf, size_t len);
/*
 * Store into memory the kernel writes at crash time (crash_notes buffers,
 * the vmcoreinfo note); -EFAULT anywhere else.
 */
int chp_machine_store_phys(struct chp_machine *m, uint64_t paddr, const void *buf, size_t len);

/* The contents the machine's memory holds at `paddr` for a generation. */
uint64_t chp_memory_word(uint64_t paddr, uint32_t generation);

#endif
