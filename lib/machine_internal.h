/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_MACHINE_INTERNAL_H
#define CRASHHP_MACHINE_INTERNAL_H

#include <pthread.h>

#include "crashhp/machine.h"

/* Shared by the machine's construction, queries and (later) its events. */
struct chp_machine {
	enum chp_arch arch;
	unsigned nr_cpus_config;
	unsigned max_memory_ranges;
	uint64_t elfcorehdr_size_shown;  /* the live kernel's crash_elfcorehdr_size; 0 unknown */

	bool live;                   /* built from a sysroot: no memory contents */
	struct chp_note_loc *cpu_note;  /* crash_notes of each possible CPU */

	unsigned possible;
	bool *present_cpu;
	bool *online_cpu;
	/* crash_notes: one buffer per possible CPU, `notes_stride` apart. */
	uint64_t notes_base;
	uint64_t notes_stride;
	uint64_t notes_size;
	uint8_t *notes;

	struct chp_note_loc vmcoreinfo;
	uint8_t *vmcoreinfo_buf;
	char *vmcoreinfo_text;

	struct chp_kernel_text text;
	bool has_text;
	uint64_t direct_map;         /* 0: the arch's default PAGE_OFFSET */

	uint64_t block_size;
	size_t nr_blocks;
	uint8_t *block_state;   /* enum chp_block_state */
	uint32_t *block_gen;
	size_t cap_state, cap_gen; /* room in each, grown by doubling */

	uint32_t next_generation;
	struct chp_range inflight;           /* the block whose event is under way */
	bool has_inflight;

	chp_notifier_fn notify;
	void *notify_ctx;
	pthread_mutex_t hotplug_lock;        /* serialises events, like device_hotplug_lock */
	pthread_mutex_t state_lock;          /* guards the state below for readers */

	struct chp_ranges *present;
	struct chp_ranges *system_ram;
	struct chp_ranges *crashkernel;
};

/* A machine with its locks and empty range sets, for the constructors. */
int chp_machine_alloc(struct chp_machine **out);

/* Grow the block arrays to cover `nr` blocks (new ones absent). */
int chp_machine_grow_blocks(struct chp_machine *m, size_t nr);

#endif
