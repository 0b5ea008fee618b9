/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A live machine's model, from what its sysroot shows. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/machine.h"
#include "crashhp/sysroot.h"
#include "internal.h"
#include "machine_internal.h"

/*
 * x86_64 without KASLR: _text at __START_KERNEL_map + LOAD_PHYSICAL_ADDR
 * (CONFIG_PHYSICAL_START 0x1000000 aligned to CONFIG_PHYSICAL_ALIGN), wherever
 * the image sits physically: a relocated kernel moves phys_base, not _text.
 * Never __START_KERNEL_map + the physical address: past 2 GiB that leaves
 * the kernel map and wraps.
 */
#define START_KERNEL_MAP 0xffffffff80000000ull
#define LOAD_PHYSICAL_ADDR 0x1000000ull

static int set_memory(struct chp_machine *m, const struct chp_sysroot *s)
{
	uint64_t bs = chp_sysroot_block_size(s);
	size_t top = 0;
	int err = 0;

	/* The sysroot bounds them below 2^52; this model indexes arrays by them. */
	for (size_t i = 0; i < chp_sysroot_nr_blocks(s); i++) {
		const struct chp_live_block *b = chp_sysroot_block(s, i);
		if (b->phys_index >= UINT64_MAX / (bs ? bs : 128u << 20))
			return chp_fail(-EINVAL, "memory%" PRIu64 ": phys_index %#" PRIx64 " is beyond "
					"any address", b->index, b->phys_index);
	}
	if (!chp_sysroot_iomem_zeroed(s) && chp_ranges_count(chp_sysroot_system_ram(s))) {
		err = chp_ranges_add_all(m->present, chp_sysroot_system_ram(s));
		if (!err)
			err = chp_ranges_assign(m->system_ram, chp_sysroot_system_ram(s));
		if (err)
			return err;
	} else if (bs && chp_sysroot_nr_blocks(s)) {
		/* Without /proc/iomem: whole blocks, holes unknown. */
		for (size_t i = 0; !err && i < chp_sysroot_nr_blocks(s); i++) {
			const struct chp_live_block *b = chp_sysroot_block(s, i);
			err = chp_ranges_add(m->present, (struct chp_range){ b->phys_index * bs,
							(b->phys_index + 1) * bs - 1 });
		}
	} else {
		return chp_fail(-ENODATA, "%s: neither /proc/iomem nor memory blocks describe memory",
				chp_sysroot_prefix(s));
	}
	if (!err && !chp_ranges_count(m->system_ram))
		err = chp_ranges_assign(m->system_ram, m->present);
	if (!err)
		err = chp_ranges_assign(m->crashkernel, chp_sysroot_crashkernel(s));
	if (err)
		return err;
	m->block_size = bs ? bs : 128u << 20;
	const struct chp_range *last = chp_ranges_at(m->present, chp_ranges_count(m->present) - 1);
	top = (size_t)(last->last / m->block_size + 1);
	for (size_t i = 0; i < chp_sysroot_nr_blocks(s); i++)
		if (chp_sysroot_block(s, i)->phys_index + 1 > top)
			top = (size_t)chp_sysroot_block(s, i)->phys_index + 1;
	err = chp_machine_grow_blocks(m, top);
	if (err)
		return err;
	if (chp_sysroot_nr_blocks(s)) {
		for (size_t i = 0; i < chp_sysroot_nr_blocks(s); i++) {
			const struct chp_live_block *b = chp_sysroot_block(s, i);
			m->block_state[b->phys_index] = b->state == CHP_LIVE_BLOCK_OFFLINE ||
							b->state == CHP_LIVE_BLOCK_GOING_OFFLINE
							? CHP_BLOCK_OFFLINE : CHP_BLOCK_ONLINE;
		}
	} else {
		/* No block sysfs: RAM the kernel lists is online. */
		for (size_t b = 0; b < top; b++)
			m->block_state[b] = chp_ranges_overlaps(m->present, (struct chp_range){
				b * m->block_size, (b + 1) * m->block_size - 1 }) ? CHP_BLOCK_ONLINE
										 : CHP_BLOCK_ABSENT;
	}
	return 0;
}

static int set_cpus(struct chp_machine *m, const struct chp_sysroot *s)
{
	size_t n = chp_sysroot_nr_cpus(s);
	unsigned possible = 0;

	for (size_t i = 0; i < n; i++)
		if (chp_sysroot_cpu(s, i)->cpu + 1 > possible)
			possible = chp_sysroot_cpu(s, i)->cpu + 1;
	if (!possible)
		return chp_fail(-ENODATA, "%s: no CPUs described", chp_sysroot_prefix(s));
	m->possible = possible;
	m->present_cpu = calloc(possible, sizeof(bool));
	m->online_cpu = calloc(possible, sizeof(bool));
	m->cpu_note = calloc(possible, sizeof(*m->cpu_note));
	if (!m->present_cpu || !m->online_cpu || !m->cpu_note)
		return chp_fail(-ENOMEM, "out of memory for %u CPUs", possible);
	for (size_t i = 0; i < n; i++) {
		const struct chp_live_cpu *c = chp_sysroot_cpu(s, i);
		m->present_cpu[c->cpu] = c->present;
		m->online_cpu[c->cpu] = c->online;
		m->cpu_note[c->cpu] = (struct chp_note_loc){ c->crash_notes,
			c->crash_notes ? (c->crash_notes_size ? c->crash_notes_size : 368) : 0 };
	}
	return 0;
}

int chp_machine_new_from_sysroot(struct chp_machine **out, const struct chp_sysroot *s)
{
	struct chp_machine *m;
	struct chp_range kimg;
	uint64_t vaddr;
	const char *from, *arch = chp_sysroot_arch(s, &from);
	int err;

	/* Only x86_64's live layout (kernel map, direct map, low 1 MiB) is modelled. */
	if (arch[0] && strcmp(arch, "x86_64"))
		return chp_fail(-EINVAL, "%s%s: the machine is %s: crashhp predicts the live header "
				"of x86_64 machines only", strcmp(chp_sysroot_prefix(s), "/")
				? chp_sysroot_prefix(s) : "", from, arch);
	err = chp_machine_alloc(&m);
	if (err)
		return err;
	m->live = true;
	m->arch = CHP_ARCH_X86_64;
	m->nr_cpus_config = chp_sysroot_cpu_kernel_max(s) > 0 ? (unsigned)chp_sysroot_cpu_kernel_max(s) + 1
							     : CHP_DEFAULT_NR_CPUS;
	m->max_memory_ranges = CHP_DEFAULT_MAX_MEMORY_RANGES;
	if (chp_sysroot_elfcorehdr_size(s) > 0)
		m->elfcorehdr_size_shown = (uint64_t)chp_sysroot_elfcorehdr_size(s);
	err = set_memory(m, s);
	if (!err)
		err = set_cpus(m, s);
	if (!err && chp_sysroot_kernel_image(s, &kimg)) {
		/* _text.._end from kallsyms when shown; iomem's code..bss stops short of _end. */
		uint64_t size = 0;
		bool known = chp_sysroot_text_vaddr(s, &vaddr, &size);
		m->has_text = true;
		m->text = (struct chp_kernel_text){ kimg.start,
			known ? vaddr : START_KERNEL_MAP + LOAD_PHYSICAL_ADDR,
			size ? size : kimg.last - kimg.start + 1 };
	}
	uint64_t pa, size, base;
	if (!err && chp_sysroot_direct_map(s, &base))
		m->direct_map = base;
	if (!err && chp_sysroot_vmcoreinfo(s, &pa, &size))
		m->vmcoreinfo = (struct chp_note_loc){ pa, size };
	if (!err && !(m->vmcoreinfo_text = strdup("")))
		err = chp_fail(-ENOMEM, "out of memory");
	if (err) {
		chp_machine_free(m);
		return err;
	}
	*out = m;
	return 0;
}
