/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "crashhp/machine.h"
#include "internal.h"
#include "machine_internal.h"

enum chp_arch chp_machine_arch(const struct chp_machine *m)
{
	return m->arch;
}

unsigned chp_machine_config_nr_cpus(const struct chp_machine *m)
{
	return m->nr_cpus_config;
}

unsigned chp_machine_config_max_memory_ranges(const struct chp_machine *m)
{
	return m->max_memory_ranges;
}

uint64_t chp_machine_elfcorehdr_size_shown(const struct chp_machine *m)
{
	return m->elfcorehdr_size_shown;
}

unsigned chp_machine_cpus_possible(const struct chp_machine *m)
{
	return m->possible;
}

bool chp_machine_cpu_present(const struct chp_machine *m, unsigned cpu)
{
	return cpu < m->possible && m->present_cpu[cpu];
}

bool chp_machine_cpu_online(const struct chp_machine *m, unsigned cpu)
{
	return cpu < m->possible && m->online_cpu[cpu];
}

static unsigned count_true(const bool *v, unsigned n)
{
	unsigned c = 0;

	for (unsigned i = 0; i < n; i++)
		c += v[i];
	return c;
}

unsigned chp_machine_cpus_present(const struct chp_machine *m)
{
	return count_true(m->present_cpu, m->possible);
}

unsigned chp_machine_cpus_online(const struct chp_machine *m)
{
	return count_true(m->online_cpu, m->possible);
}

struct chp_note_loc chp_machine_cpu_notes(const struct chp_machine *m, unsigned cpu)
{
	if (cpu >= m->possible)
		return (struct chp_note_loc){ 0, 0 };
	if (m->cpu_note)
		return m->cpu_note[cpu];
	return (struct chp_note_loc){ m->notes_base + (uint64_t)cpu * m->notes_stride,
				      m->notes_size };
}

bool chp_machine_is_live(const struct chp_machine *m)
{
	return m->live;
}

struct chp_note_loc chp_machine_vmcoreinfo(const struct chp_machine *m)
{
	return m->vmcoreinfo;
}

const char *chp_machine_vmcoreinfo_text(const struct chp_machine *m)
{
	return m->vmcoreinfo_text;
}

uint64_t chp_machine_direct_map(const struct chp_machine *m)
{
	return m->direct_map ? m->direct_map : chp_arch_direct_map_base(m->arch);
}

const struct chp_kernel_text *chp_machine_kernel_text(const struct chp_machine *m)
{
	return m->has_text ? &m->text : NULL;
}

uint64_t chp_machine_block_size(const struct chp_machine *m)
{
	return m->block_size;
}

size_t chp_machine_nr_blocks(const struct chp_machine *m)
{
	return m->nr_blocks;
}

enum chp_block_state chp_machine_block_state(const struct chp_machine *m, size_t block)
{
	return block < m->nr_blocks ? (enum chp_block_state)m->block_state[block]
				    : CHP_BLOCK_ABSENT;
}

uint32_t chp_machine_block_generation(const struct chp_machine *m, size_t block)
{
	return block < m->nr_blocks ? m->block_gen[block] : 0;
}

int chp_machine_set_block_online(struct chp_machine *m, size_t block, bool online)
{
	if (block >= m->nr_blocks || m->block_state[block] == CHP_BLOCK_ABSENT)
		return chp_fail(-EINVAL, "memory block %zu is not present", block);
	m->block_state[block] = online ? CHP_BLOCK_ONLINE : CHP_BLOCK_OFFLINE;
	return 0;
}

const struct chp_ranges *chp_machine_present_memory(const struct chp_machine *m)
{
	return m->present;
}

const struct chp_ranges *chp_machine_system_ram(const struct chp_machine *m)
{
	return m->system_ram;
}

const struct chp_ranges *chp_machine_crashkernel(const struct chp_machine *m)
{
	return m->crashkernel;
}

/* out := present memory in blocks of the given state. */
static int memory_in_state(const struct chp_machine *m, enum chp_block_state state,
			   struct chp_ranges *out)
{
	struct chp_ranges *blocks;
	int err = chp_ranges_new(&blocks);

	for (size_t b = 0; !err && b < m->nr_blocks; b++) {
		if (m->block_state[b] == state)
			err = chp_ranges_add(blocks, (struct chp_range){
				b * m->block_size, b * m->block_size + m->block_size - 1 });
	}
	if (!err)
		err = chp_ranges_intersect(out, m->present, blocks);
	chp_ranges_free(blocks);
	return err;
}

int chp_machine_online_memory(const struct chp_machine *m, struct chp_ranges *out)
{
	return memory_in_state(m, CHP_BLOCK_ONLINE, out);
}

int chp_machine_offline_memory(const struct chp_machine *m, struct chp_ranges *out)
{
	return memory_in_state(m, CHP_BLOCK_OFFLINE, out);
}

uint64_t chp_memory_word(uint64_t paddr, uint32_t generation)
{
	/* splitmix64's finaliser over address and generation. */
	uint64_t z = paddr + 0x9e3779b97f4a7c15ull * ((uint64_t)generation + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Copy the part of [paddr, paddr+len) that falls in [base, base+size) from src. */
static void overlay(uint8_t *buf, uint64_t paddr, size_t len, uint64_t base, uint64_t size,
		    const uint8_t *src)
{
	uint64_t lo = paddr > base ? paddr : base;
	uint64_t hi = paddr + len < base + size ? paddr + len : base + size;

	if (lo < hi)
		memcpy(buf + (lo - paddr), src + (lo - base), (size_t)(hi - lo));
}

int chp_machine_read_phys(const struct chp_machine *m, uint64_t paddr, void *buf, size_t len)
{
	struct chp_range want = { paddr, paddr + len - 1 };
	uint8_t *out = buf;
	unsigned shift = (unsigned)__builtin_ctzll(m->block_size);

	if (len == 0)
		return 0;
	if (m->live)
		return chp_fail(-EOPNOTSUPP, "a live machine's memory is not readable here");
	if (want.last < paddr)
		return chp_fail(-EFAULT, "physical read at %#" PRIx64 " wraps the address space",
				paddr);
	if (!chp_ranges_covers(m->present, want))
		return chp_fail(-EFAULT, "physical [%#" PRIx64 ", %#" PRIx64 "] is not all present: "
				"reading it would machine-check", want.start, want.last);
	for (size_t i = 0; i < len;) {
		uint64_t a = paddr + i;
		uint64_t wa = a & ~7ull;
		uint64_t w = chp_memory_word(wa, m->block_gen[wa >> shift]);
		size_t skip = (size_t)(a - wa);
		size_t n = len - i < 8 - skip ? len - i : 8 - skip;

		/* Memory holds each word little-endian whatever the host. */
		if (n == 8)
			chp_put64(out + i, w, false);
		else
			for (size_t k = 0; k < n; k++)
				out[i + k] = (uint8_t)(w >> (8 * (skip + k)));
		i += n;
	}
	overlay(out, paddr, len, m->notes_base, (uint64_t)m->possible * m->notes_stride, m->notes);
	overlay(out, paddr, len, m->vmcoreinfo.paddr, m->vmcoreinfo.size, m->vmcoreinfo_buf);
	return 0;
}

int chp_machine_store_phys(struct chp_machine *m, uint64_t paddr, const void *buf, size_t len)
{
	uint64_t notes_end = m->notes_base + (uint64_t)m->possible * m->notes_stride;

	if (paddr >= m->notes_base && paddr + len <= notes_end && paddr + len >= paddr) {
		memcpy(m->notes + (paddr - m->notes_base), buf, len);
		return 0;
	}
	if (paddr >= m->vmcoreinfo.paddr && paddr + len <= m->vmcoreinfo.paddr + m->vmcoreinfo.size &&
	    paddr + len >= paddr) {
		memcpy(m->vmcoreinfo_buf + (paddr - m->vmcoreinfo.paddr), buf, len);
		return 0;
	}
	return chp_fail(-EFAULT, "store at %#" PRIx64 "+%zu: the lab keeps only crash_notes and "
			"vmcoreinfo contents", paddr, len);
}
