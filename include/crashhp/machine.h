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

/*
 * Threads: events may come from several threads at once (they are serialised
 * by the machine's hotplug lock).  While they do, read the machine's state
 * between chp_machine_lock_state() and chp_machine_unlock_state().
 */

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
/* A live kernel's /sys/kernel/crash_elfcorehdr_size (program headers' bytes); 0 unknown. */
uint64_t chp_machine_elfcorehdr_size_shown(const struct chp_machine *m);

unsigned chp_machine_cpus_possible(const struct chp_machine *m);
/* Built from a sysroot (chp_machine_new_from_sysroot): its memory holds nothing here. */
bool chp_machine_is_live(const struct chp_machine *m);
bool chp_machine_cpu_present(const struct chp_machine *m, unsigned cpu);
bool chp_machine_cpu_online(const struct chp_machine *m, unsigned cpu);
unsigned chp_machine_cpus_present(const struct chp_machine *m);
unsigned chp_machine_cpus_online(const struct chp_machine *m);
/*
 * The CPU's crash_notes buffer (the sysfs crash_notes / crash_notes_size);
 * { 0, 0 } when unknown (a live machine shows it for present CPUs only).
 */
struct chp_note_loc chp_machine_cpu_notes(const struct chp_machine *m, unsigned cpu);

struct chp_note_loc chp_machine_vmcoreinfo(const struct chp_machine *m);
/* The vmcoreinfo text the kernel keeps (without CRASHTIME before a crash). */
const char *chp_machine_vmcoreinfo_text(const struct chp_machine *m);
/* PAGE_OFFSET: KASLR's page_offset_base on a live machine when known. */
uint64_t chp_machine_direct_map(const struct chp_machine *m);
/* NULL on architectures without a kernel-text LOAD. */
const struct chp_kernel_text *chp_machine_kernel_text(const struct chp_machine *m);

uint64_t chp_machine_block_size(const struct chp_machine *m);
size_t chp_machine_nr_blocks(const struct chp_machine *m);
enum chp_block_state chp_machine_block_state(const struct chp_machine *m, size_t block);
/* How many times the block's memory was hot-added (0 for boot memory). */
uint32_t chp_machine_block_generation(const struct chp_machine *m, size_t block);

/*
 * Change a present block's state silently: no event reaches the notifier
 * (for tests that need a machine whose header is stale; events go through
 * chp_machine_online_block()/chp_machine_offline_block()).  The resource list
 * is untouched: on x86 an offline block stays "System RAM".  -EINVAL for an
 * absent block.
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

/*
 * Hotplug events, with the kernel's ordering.  Each change that Linux's crash
 * hotplug hears of is passed to the machine's notifier at the point the kernel
 * calls it, with what the kernel passes: the CPU number, or the memory_notify
 * range (start pfn, page count) of one block.  The machine's hotplug lock is
 * held across each operation, its state lock only while the state changes.
 */
enum chp_hp_action { /* the kernel's KEXEC_CRASH_HP_* values */
	CHP_HP_NONE = 0,
	CHP_HP_ADD_CPU = 1,
	CHP_HP_REMOVE_CPU = 2,
	CHP_HP_ADD_MEMORY = 3,
	CHP_HP_REMOVE_MEMORY = 4,
	/*
	 * Not a KEXEC_CRASH_HP_* value: present memory about to go, offline
	 * already.  try_remove_memory() calls no memory notifier, but
	 * remove_memory_block_devices() unregisters each block's device on the
	 * memory bus first, which tells the bus's notifiers
	 * (BUS_NOTIFY_DEL_DEVICE) while the memory is still there.  Mainline
	 * listens to no such thing; only robust hears it, and it is no event of
	 * the lab's (not counted, not numbered).
	 */
	CHP_HP_RELEASE_MEMORY = 5,
};

struct chp_hp_event {
	enum chp_hp_action action;
	unsigned cpu;          /* CPU events */
	uint64_t start_pfn;    /* memory events: the memory_notify range */
	uint64_t nr_pages;
};

typedef void (*chp_notifier_fn)(void *ctx, const struct chp_hp_event *ev);

void chp_machine_set_notifier(struct chp_machine *m, chp_notifier_fn fn, void *ctx);
const char *chp_hp_action_name(enum chp_hp_action action);

/*
 * Hot-add a DIMM at [start, start+size): the "System RAM" resource (and
 * memblock) first, then its blocks, offline; with auto_online each block is
 * onlined in turn and MEM_ONLINE (ADD_MEMORY) is notified per block.
 */
int chp_machine_add_dimm(struct chp_machine *m, uint64_t start, uint64_t size, bool auto_online);
/*
 * Hot-remove: each online block is offlined (MEM_OFFLINE, REMOVE_MEMORY,
 * notified while the range is still in the resource list and memblock), then
 * the resource and memblock entries go, with no event after that.  On x86 (an
 * ACPI DIMM) all blocks are offlined before the resource goes; on ppc64
 * (pseries LMBs) each block is offlined and removed before the next.
 */
int chp_machine_remove_dimm(struct chp_machine *m, uint64_t start, uint64_t size);
/* Online or offline one present block: MEM_ONLINE / MEM_OFFLINE. */
int chp_machine_online_block(struct chp_machine *m, size_t block);
int chp_machine_offline_block(struct chp_machine *m, size_t block);
/*
 * CPUs: add makes a possible CPU present, remove makes it absent (no crash
 * event: the header has a note for every possible CPU).  Online notifies
 * ADD_CPU before the CPU is up, where the CPUHP_BP_PREPARE_DYN callback runs;
 * offline notifies REMOVE_CPU after it is down, at that state's teardown.
 */
int chp_machine_add_cpu(struct chp_machine *m, unsigned cpu);
int chp_machine_online_cpu(struct chp_machine *m, unsigned cpu);
int chp_machine_offline_cpu(struct chp_machine *m, unsigned cpu);
int chp_machine_remove_cpu(struct chp_machine *m, unsigned cpu);

/*
 * The memory range whose event is under way: its state has changed and the
 * notifier has not returned.  Read with the state lock held.
 */
bool chp_machine_event_in_flight(const struct chp_machine *m, struct chp_range *out);

/* A live machine learns a CPU's crash_notes when the CPU appears. */
int chp_machine_set_cpu_notes(struct chp_machine *m, unsigned cpu, struct chp_note_loc loc);

/* Hold the state lock to read several facts consistently while events run. */
void chp_machine_lock_state(const struct chp_machine *m);
void chp_machine_unlock_state(const struct chp_machine *m);

/*
 * Hold off every hotplug operation (the kernel's cpus_read_lock() and
 * get_online_mems()): a block's online or offline, a DIMM's add or removal,
 * a CPU's change waits until chp_machine_unlock_hotplug().  Never taken
 * from inside a notifier (the operation that runs it holds the lock).
 * chp_machine_trylock_hotplug() is false, taking nothing, while it is held.
 */
void chp_machine_lock_hotplug(struct chp_machine *m);
bool chp_machine_trylock_hotplug(struct chp_machine *m);
void chp_machine_unlock_hotplug(struct chp_machine *m);

struct chp_sysroot;
/*
 * The model of a live machine (or a dump of one): x86_64 rules; memory from
 * /proc/iomem, or the memory blocks when it reads zeros; CPUs with their
 * crash_notes; the crashkernel; the kernel image; vmcoreinfo.  What is
 * missing is left out (a CPU without a known crash_notes gets no note);
 * -ENODATA naming it when too little is known to describe memory at all.
 */
int chp_machine_new_from_sysroot(struct chp_machine **out, const struct chp_sysroot *s);

/* The contents the machine's memory holds at `paddr` for a generation. */
uint64_t chp_memory_word(uint64_t paddr, uint32_t generation);

#endif
