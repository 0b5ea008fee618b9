/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/machine.h"
#include "internal.h"
#include "machine_internal.h"

#define LAB_MAX_BLOCKS (16u << 20)

void chp_machine_set_notifier(struct chp_machine *m, chp_notifier_fn fn, void *ctx)
{
	m->notify = fn;
	m->notify_ctx = ctx;
}

const char *chp_hp_action_name(enum chp_hp_action action)
{
	switch (action) {
	case CHP_HP_NONE: return "none";
	case CHP_HP_ADD_CPU: return "add-cpu";
	case CHP_HP_REMOVE_CPU: return "remove-cpu";
	case CHP_HP_ADD_MEMORY: return "add-memory";
	case CHP_HP_REMOVE_MEMORY: return "remove-memory";
	case CHP_HP_RELEASE_MEMORY: return "release-memory";
	}
	return "unknown";
}

bool chp_machine_event_in_flight(const struct chp_machine *m, struct chp_range *out)
{
	if (m->has_inflight)
		*out = m->inflight;
	return m->has_inflight;
}

void chp_machine_lock_state(const struct chp_machine *m)
{
	pthread_mutex_lock(&((struct chp_machine *)m)->state_lock);
}

void chp_machine_unlock_state(const struct chp_machine *m)
{
	pthread_mutex_unlock(&((struct chp_machine *)m)->state_lock);
}

void chp_machine_lock_hotplug(struct chp_machine *m)
{
	pthread_mutex_lock(&m->hotplug_lock);
}

bool chp_machine_trylock_hotplug(struct chp_machine *m)
{
	return pthread_mutex_trylock(&m->hotplug_lock) == 0;
}

void chp_machine_unlock_hotplug(struct chp_machine *m)
{
	pthread_mutex_unlock(&m->hotplug_lock);
}

int chp_machine_grow_blocks(struct chp_machine *m, size_t nr)
{
	if (nr <= m->nr_blocks)
		return 0;
	if (nr > LAB_MAX_BLOCKS)
		return chp_fail(-E2BIG, "%zu memory blocks are beyond the lab's %u", nr, LAB_MAX_BLOCKS);
	/* Doubling: a storm adds a DIMM of one block above the last, a block at a time. */
	if (chp_grow(&m->block_state, &m->cap_state, nr, sizeof(*m->block_state), 64) ||
	    chp_grow(&m->block_gen, &m->cap_gen, nr, sizeof(*m->block_gen), 64))
		return chp_fail(-ENOMEM, "out of memory for %zu blocks", nr);
	memset(m->block_state + m->nr_blocks, CHP_BLOCK_ABSENT, nr - m->nr_blocks);
	memset(m->block_gen + m->nr_blocks, 0, (nr - m->nr_blocks) * sizeof(*m->block_gen));
	m->nr_blocks = nr;
	return 0;
}

static void notify(struct chp_machine *m, struct chp_hp_event ev)
{
	if (m->notify)
		m->notify(m->notify_ctx, &ev);
}

static struct chp_hp_event memory_event(const struct chp_machine *m, enum chp_hp_action a,
					size_t block)
{
	return (struct chp_hp_event){ .action = a, .start_pfn = block * m->block_size / CHP_PAGE_SIZE,
				      .nr_pages = m->block_size / CHP_PAGE_SIZE };
}

/* Change a block's state and notify, the hotplug lock held by the caller. */
static int set_block(struct chp_machine *m, size_t block, bool online)
{
	enum chp_block_state want = online ? CHP_BLOCK_ONLINE : CHP_BLOCK_OFFLINE;

	pthread_mutex_lock(&m->state_lock);
	if (block >= m->nr_blocks || m->block_state[block] == CHP_BLOCK_ABSENT) {
		pthread_mutex_unlock(&m->state_lock);
		return chp_fail(-EINVAL, "memory block %zu is not present", block);
	}
	if (m->block_state[block] == want) {
		pthread_mutex_unlock(&m->state_lock);
		return chp_fail(-EALREADY, "memory block %zu is already %s", block,
				online ? "online" : "offline");
	}
	m->block_state[block] = want;
	m->inflight = (struct chp_range){ block * m->block_size, (block + 1) * m->block_size - 1 };
	m->has_inflight = true;
	pthread_mutex_unlock(&m->state_lock);
	/* online_pages()/offline_pages() end with MEM_ONLINE/MEM_OFFLINE. */
	notify(m, memory_event(m, online ? CHP_HP_ADD_MEMORY : CHP_HP_REMOVE_MEMORY, block));
	pthread_mutex_lock(&m->state_lock);
	m->has_inflight = false;
	pthread_mutex_unlock(&m->state_lock);
	return 0;
}

int chp_machine_online_block(struct chp_machine *m, size_t block)
{
	pthread_mutex_lock(&m->hotplug_lock);
	int err = set_block(m, block, true);
	pthread_mutex_unlock(&m->hotplug_lock);
	return err;
}

int chp_machine_offline_block(struct chp_machine *m, size_t block)
{
	pthread_mutex_lock(&m->hotplug_lock);
	int err = set_block(m, block, false);
	pthread_mutex_unlock(&m->hotplug_lock);
	return err;
}

static int check_dimm_range(const struct chp_machine *m, uint64_t start, uint64_t size)
{
	if (size == 0 || start % m->block_size || size % m->block_size || start + size < start)
		return chp_fail(-EINVAL, "DIMM [%#" PRIx64 ", +%#" PRIx64 "): not whole %" PRIu64
				" MiB blocks", start, size, m->block_size >> 20);
	return 0;
}

int chp_machine_add_dimm(struct chp_machine *m, uint64_t start, uint64_t size, bool auto_online)
{
	struct chp_range r = { start, start + size - 1 };
	size_t first = (size_t)(start / m->block_size), n = (size_t)(size / m->block_size);
	int err = check_dimm_range(m, start, size);

	if (err)
		return err;
	pthread_mutex_lock(&m->hotplug_lock);
	pthread_mutex_lock(&m->state_lock);
	if (chp_ranges_overlaps(m->present, r) || chp_ranges_overlaps(m->crashkernel, r))
		err = chp_fail(-EEXIST, "DIMM [%#" PRIx64 ", %#" PRIx64 "] overlaps present memory",
			       r.start, r.last);
	if (!err)
		err = chp_machine_grow_blocks(m, first + n);
	/* add_memory_resource(): the resource and memblock, then offline blocks. */
	if (!err)
		err = chp_ranges_add(m->system_ram, r);
	if (!err)
		err = chp_ranges_add(m->present, r);
	if (!err) {
		uint32_t gen = m->next_generation++;
		for (size_t b = first; b < first + n; b++) {
			m->block_state[b] = CHP_BLOCK_OFFLINE;
			m->block_gen[b] = gen;
		}
	}
	pthread_mutex_unlock(&m->state_lock);
	for (size_t b = first; !err && auto_online && b < first + n; b++)
		err = set_block(m, b, true);
	pthread_mutex_unlock(&m->hotplug_lock);
	return err;
}

int chp_machine_remove_dimm(struct chp_machine *m, uint64_t start, uint64_t size)
{
	struct chp_range r = { start, start + size - 1 };
	size_t first = (size_t)(start / m->block_size), n = (size_t)(size / m->block_size);
	int err = check_dimm_range(m, start, size);

	if (err)
		return err;
	pthread_mutex_lock(&m->hotplug_lock);
	pthread_mutex_lock(&m->state_lock);
	if (!chp_ranges_covers(m->present, r))
		err = chp_fail(-ENOENT, "no DIMM at [%#" PRIx64 ", %#" PRIx64 "]", r.start, r.last);
	pthread_mutex_unlock(&m->state_lock);
	/*
	 * x86 (an ACPI DIMM): every block offline first, each notified, then the
	 * resource goes.  ppc64 (pseries LMBs): each LMB is offlined and removed
	 * before the next, so memblock has lost the earlier ones by then.
	 */
	size_t per = m->arch == CHP_ARCH_X86_64 ? n : 1;
	for (size_t b = first; !err && b < first + n; b += per) {
		for (size_t k = b; !err && k < b + per; k++)
			if (m->block_state[k] == CHP_BLOCK_ONLINE)
				err = set_block(m, k, false);
		if (err)
			break;
		/*
		 * Then the block devices, the resource and memblock go: crash
		 * hotplug hears nothing, but the memory bus tells its notifiers
		 * as each block's device goes, the memory still there.
		 */
		struct chp_range gone = { b * m->block_size, (b + per) * m->block_size - 1 };
		notify(m, (struct chp_hp_event){ .action = CHP_HP_RELEASE_MEMORY,
						 .start_pfn = gone.start / CHP_PAGE_SIZE,
						 .nr_pages = (gone.last - gone.start + 1) / CHP_PAGE_SIZE });
		pthread_mutex_lock(&m->state_lock);
		err = chp_ranges_subtract(m->system_ram, gone);
		if (!err)
			err = chp_ranges_subtract(m->present, gone);
		for (size_t k = b; !err && k < b + per; k++)
			m->block_state[k] = CHP_BLOCK_ABSENT;
		pthread_mutex_unlock(&m->state_lock);
	}
	pthread_mutex_unlock(&m->hotplug_lock);
	return err;
}

static int cpu_change(struct chp_machine *m, unsigned cpu, bool *set, bool want, bool need_present,
		      const char *what)
{
	int err = 0;

	pthread_mutex_lock(&m->state_lock);
	if (cpu >= m->possible)
		err = chp_fail(-EINVAL, "CPU %u is not possible (0..%u)", cpu, m->possible - 1);
	else if (need_present && !m->present_cpu[cpu])
		err = chp_fail(-EINVAL, "CPU %u is not present", cpu);
	else if (set[cpu] == want)
		err = chp_fail(-EALREADY, "CPU %u is already %s", cpu, what);
	else
		set[cpu] = want;
	pthread_mutex_unlock(&m->state_lock);
	return err;
}

int chp_machine_add_cpu(struct chp_machine *m, unsigned cpu)
{
	pthread_mutex_lock(&m->hotplug_lock);
	int err = cpu_change(m, cpu, m->present_cpu, true, false, "present");
	pthread_mutex_unlock(&m->hotplug_lock);
	return err;
}

int chp_machine_remove_cpu(struct chp_machine *m, unsigned cpu)
{
	int err = 0;

	pthread_mutex_lock(&m->hotplug_lock);
	if (cpu < m->possible && m->online_cpu[cpu])
		err = chp_fail(-EBUSY, "CPU %u is online; offline it first", cpu);
	if (!err)
		err = cpu_change(m, cpu, m->present_cpu, false, false, "absent");
	pthread_mutex_unlock(&m->hotplug_lock);
	return err;
}

int chp_machine_online_cpu(struct chp_machine *m, unsigned cpu)
{
	int err = 0;

	pthread_mutex_lock(&m->hotplug_lock);
	if (cpu >= m->possible || !m->present_cpu[cpu])
		err = chp_fail(-EINVAL, "CPU %u is not present", cpu);
	else if (m->online_cpu[cpu])
		err = chp_fail(-EALREADY, "CPU %u is already online", cpu);
	/* CPUHP_BP_PREPARE_DYN runs on the way up, before the CPU is online. */
	if (!err)
		notify(m, (struct chp_hp_event){ .action = CHP_HP_ADD_CPU, .cpu = cpu });
	if (!err)
		err = cpu_change(m, cpu, m->online_cpu, true, true, "online");
	pthread_mutex_unlock(&m->hotplug_lock);
	return err;
}

int chp_machine_offline_cpu(struct chp_machine *m, unsigned cpu)
{
	int err;

	pthread_mutex_lock(&m->hotplug_lock);
	err = cpu_change(m, cpu, m->online_cpu, false, true, "offline");
	/* ... and its teardown on the way down, after the CPU is dead. */
	if (!err)
		notify(m, (struct chp_hp_event){ .action = CHP_HP_REMOVE_CPU, .cpu = cpu });
	pthread_mutex_unlock(&m->hotplug_lock);
	return err;
}

int chp_machine_set_cpu_notes(struct chp_machine *m, unsigned cpu, struct chp_note_loc loc)
{
	if (!m->cpu_note || cpu >= m->possible)
		return chp_fail(-EINVAL, "CPU %u: no crash_notes table for it", cpu);
	pthread_mutex_lock(&m->state_lock);
	m->cpu_note[cpu] = loc;
	pthread_mutex_unlock(&m->state_lock);
	return 0;
}
