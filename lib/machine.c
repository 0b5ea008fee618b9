/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/machine.h"
#include "crashhp/note.h"
#include "internal.h"
#include "machine_internal.h"

#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)

/* Where the lab puts the kernel's own buffers: inside boot RAM, below 128 MiB. */
#define LAB_X86_TEXT_PADDR 0x1000000ull         /* 16 MiB, the x86_64 default */
#define LAB_X86_TEXT_VADDR 0xffffffff81000000ull /* __START_KERNEL_map + 16 MiB */
#define LAB_X86_TEXT_SIZE 0x2000000ull
#define LAB_VMCOREINFO_PADDR 0x2c00000ull        /* in the kernel image's .bss */
#define LAB_NOTES_PADDR 0x4000000ull             /* the per-CPU area */
#define LAB_LOWEST_CRASHKERNEL ((uint64_t)0x8000000)
#define LAB_MAX_BLOCKS (16u << 20)

/* VMCOREINFO_NOTE_SIZE: two note headers, "VMCOREINFO" padded, one page of text. */
#define VMCOREINFO_NOTE_SIZE (2 * 12 + 4096 + 12)

void chp_lab_spec_init(struct chp_lab_spec *spec, enum chp_arch arch)
{
	*spec = (struct chp_lab_spec){
		.arch = arch,
		.nr_cpus_config = CHP_DEFAULT_NR_CPUS,
		.max_memory_ranges = CHP_DEFAULT_MAX_MEMORY_RANGES,
		.cpus_possible = 8,
		.cpus_present = 4,
		.cpus_online = 4,
		.boot_ram = 1 * GiB,
		.block_size = arch == CHP_ARCH_X86_64 ? 128 * MiB : 256 * MiB,
		.crashkernel_size = 256 * MiB,
	};
}

static int check_spec(const struct chp_lab_spec *s)
{
	if (s->nr_cpus_config == 0 || s->max_memory_ranges == 0 ||
	    2ull + s->nr_cpus_config + s->max_memory_ranges >= CHP_PN_XNUM)
		return chp_fail(-EINVAL, "nr_cpus_config %u + max_memory_ranges %u: the header "
				"would need PN_XNUM program headers or more", s->nr_cpus_config,
				s->max_memory_ranges);
	if (s->cpus_possible == 0 || s->cpus_possible > s->nr_cpus_config)
		return chp_fail(-EINVAL, "cpus_possible: %u, must be 1..%u (NR_CPUS)",
				s->cpus_possible, s->nr_cpus_config);
	if (s->cpus_present == 0 || s->cpus_present > s->cpus_possible)
		return chp_fail(-EINVAL, "cpus_present: %u, must be 1..%u (possible)",
				s->cpus_present, s->cpus_possible);
	if (s->cpus_online == 0 || s->cpus_online > s->cpus_present)
		return chp_fail(-EINVAL, "cpus_online: %u, must be 1..%u (present)",
				s->cpus_online, s->cpus_present);
	if (s->block_size < MiB || (s->block_size & (s->block_size - 1)))
		return chp_fail(-EINVAL, "block_size: %#" PRIx64 " is not a power of two of at "
				"least 1 MiB", s->block_size);
	if (s->boot_ram == 0 || s->boot_ram % s->block_size)
		return chp_fail(-EINVAL, "boot_ram: %" PRIu64 " MiB is not a positive multiple of "
				"the %" PRIu64 " MiB block size", s->boot_ram / MiB,
				s->block_size / MiB);
	if (s->crashkernel_size == 0 || s->crashkernel_size % MiB)
		return chp_fail(-EINVAL, "crashkernel_size: must be a positive number of MiB");
	if (s->boot_ram > (1ull << 50))
		return chp_fail(-EINVAL, "boot_ram: more than 1 PiB is beyond the lab");
	return 0;
}

/* Lay out RAM and the crashkernel as the architecture's firmware would. */
static int lay_out_memory(struct chp_machine *m, const struct chp_lab_spec *s)
{
	uint64_t ck_start;
	int err = 0;

	if (s->arch == CHP_ARCH_X86_64) {
		/* PC layout: RAM above 3 GiB of boot memory moves past the PCI hole. */
		uint64_t low_end = s->boot_ram <= 3 * GiB ? s->boot_ram : 2 * GiB;
		uint64_t high = s->boot_ram - low_end;

		if (low_end < LAB_LOWEST_CRASHKERNEL + s->crashkernel_size + 16 * MiB)
			return chp_fail(-EINVAL, "boot_ram: %" PRIu64 " MiB is too small for a %"
					PRIu64 " MiB crashkernel on x86_64 (needs %" PRIu64 " MiB)",
					s->boot_ram / MiB, s->crashkernel_size / MiB,
					(LAB_LOWEST_CRASHKERNEL + s->crashkernel_size) / MiB + 16);
		err = chp_ranges_add(m->present, (struct chp_range){ 0x1000, 0x9ffff });
		if (!err)
			err = chp_ranges_add(m->present, (struct chp_range){ 0x100000, low_end - 1 });
		if (!err && high)
			err = chp_ranges_add(m->present,
					     (struct chp_range){ 4 * GiB, 4 * GiB + high - 1 });
		/* Top of low memory, as the kernel's crashkernel= placement picks. */
		ck_start = chp_round_down(low_end - s->crashkernel_size, 16 * MiB) - 16 * MiB;
		m->text = (struct chp_kernel_text){ LAB_X86_TEXT_PADDR, LAB_X86_TEXT_VADDR,
						    LAB_X86_TEXT_SIZE };
		m->has_text = true;
	} else {
		if (s->boot_ram < LAB_LOWEST_CRASHKERNEL + s->crashkernel_size + s->block_size)
			return chp_fail(-EINVAL, "boot_ram: %" PRIu64 " MiB is too small for a %"
					PRIu64 " MiB crashkernel at 128 MiB on ppc64",
					s->boot_ram / MiB, s->crashkernel_size / MiB);
		err = chp_ranges_add(m->present, (struct chp_range){ 0, s->boot_ram - 1 });
		ck_start = LAB_LOWEST_CRASHKERNEL; /* ppc64 reserves at 128 MiB */
	}
	if (!err)
		err = chp_ranges_add(m->crashkernel,
				     (struct chp_range){ ck_start, ck_start + s->crashkernel_size - 1 });
	/* Boot RAM: one resource per firmware range, as e820 reports them. */
	for (size_t i = 0; !err && i < chp_ranges_count(m->present); i++)
		err = chp_ranges_add(m->system_ram, *chp_ranges_at(m->present, i));
	return err;
}

static int set_up_blocks(struct chp_machine *m)
{
	const struct chp_range *top = chp_ranges_at(m->present, chp_ranges_count(m->present) - 1);
	uint64_t nr = top->last / m->block_size + 1;

	if (nr > LAB_MAX_BLOCKS)
		return chp_fail(-EINVAL, "block_size: %" PRIu64 " blocks are beyond the lab's %u", nr,
				LAB_MAX_BLOCKS);
	m->nr_blocks = (size_t)nr;
	m->block_state = calloc(m->nr_blocks, sizeof(*m->block_state));
	m->block_gen = calloc(m->nr_blocks, sizeof(*m->block_gen));
	if (!m->block_state || !m->block_gen)
		return chp_fail(-ENOMEM, "out of memory for %zu memory blocks", m->nr_blocks);
	m->cap_state = m->cap_gen = m->nr_blocks;
	for (size_t b = 0; b < m->nr_blocks; b++) {
		struct chp_range r = { b * m->block_size, b * m->block_size + m->block_size - 1 };
		m->block_state[b] = chp_ranges_overlaps(m->present, r) ? CHP_BLOCK_ONLINE
								       : CHP_BLOCK_ABSENT;
	}
	return 0;
}

static int set_up_cpus(struct chp_machine *m, const struct chp_lab_spec *s)
{
	m->possible = s->cpus_possible;
	m->present_cpu = calloc(m->possible, sizeof(bool));
	m->online_cpu = calloc(m->possible, sizeof(bool));
	m->notes_size = chp_crash_notes_size(s->arch);
	m->notes_stride = chp_round_up(m->notes_size, 64);
	m->notes_base = LAB_NOTES_PADDR;
	m->notes = calloc(m->possible, m->notes_stride);
	if (!m->present_cpu || !m->online_cpu || !m->notes)
		return chp_fail(-ENOMEM, "out of memory for %u CPUs", m->possible);
	for (unsigned cpu = 0; cpu < m->possible; cpu++) {
		m->present_cpu[cpu] = cpu < s->cpus_present;
		m->online_cpu[cpu] = cpu < s->cpus_online;
	}
	return 0;
}

static int set_up_vmcoreinfo(struct chp_machine *m)
{
	char text[512];
	size_t written;

	snprintf(text, sizeof(text),
		 "OSRELEASE=6.12.0-crashhp-lab\n"
		 "PAGESIZE=4096\n"
		 "SYMBOL(_stext)=%#" PRIx64 "\n"
		 "NUMBER(phys_base)=0\n"
		 "KERNELOFFSET=0\n"
		 "CRASHHP_LAB_ARCH=%s\n",
		 m->has_text ? m->text.vaddr : chp_arch_direct_map_base(m->arch),
		 chp_arch_name(m->arch));
	m->vmcoreinfo_text = strdup(text);
	m->vmcoreinfo = (struct chp_note_loc){ LAB_VMCOREINFO_PADDR, VMCOREINFO_NOTE_SIZE };
	m->vmcoreinfo_buf = calloc(1, VMCOREINFO_NOTE_SIZE);
	if (!m->vmcoreinfo_text || !m->vmcoreinfo_buf)
		return chp_fail(-ENOMEM, "out of memory for vmcoreinfo");
	/* The kernel writes the note at boot; the crash only appends CRASHTIME. */
	return chp_note_put(m->vmcoreinfo_buf, VMCOREINFO_NOTE_SIZE, chp_arch_big_endian(m->arch),
			    "VMCOREINFO", CHP_NT_VMCOREINFO, text, strlen(text), &written);
}

int chp_machine_alloc(struct chp_machine **out)
{
	struct chp_machine *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return chp_fail(-ENOMEM, "out of memory for a machine");
	m->next_generation = 1;
	pthread_mutex_init(&m->hotplug_lock, NULL);
	pthread_mutex_init(&m->state_lock, NULL);
	err = chp_ranges_new(&m->present);
	if (!err)
		err = chp_ranges_new(&m->system_ram);
	if (!err)
		err = chp_ranges_new(&m->crashkernel);
	if (err) {
		chp_machine_free(m);
		return err;
	}
	*out = m;
	return 0;
}

int chp_machine_new_lab(struct chp_machine **out, const struct chp_lab_spec *spec)
{
	struct chp_machine *m;
	int err = check_spec(spec);

	if (err || (err = chp_machine_alloc(&m)))
		return err;
	m->arch = spec->arch;
	m->nr_cpus_config = spec->nr_cpus_config;
	m->max_memory_ranges = spec->max_memory_ranges;
	m->block_size = spec->block_size;
	/* x86's System RAM is resources (kept apart); ppc64's memblock merges. */
	if (spec->arch == CHP_ARCH_X86_64) {
		chp_ranges_free(m->system_ram);
		m->system_ram = NULL;
		err = chp_ranges_new_list(&m->system_ram);
	}
	if (!err)
		err = lay_out_memory(m, spec);
	if (!err)
		err = set_up_blocks(m);
	if (!err)
		err = set_up_cpus(m, spec);
	if (!err)
		err = set_up_vmcoreinfo(m);
	if (err) {
		chp_machine_free(m);
		return err;
	}
	*out = m;
	return 0;
}

void chp_machine_free(struct chp_machine *m)
{
	if (!m)
		return;
	chp_ranges_free(m->present);
	chp_ranges_free(m->system_ram);
	chp_ranges_free(m->crashkernel);
	free(m->block_state);
	free(m->block_gen);
	free(m->present_cpu);
	free(m->online_cpu);
	free(m->notes);
	free(m->vmcoreinfo_text);
	free(m->vmcoreinfo_buf);
	free(m->cpu_note);
	pthread_mutex_destroy(&m->hotplug_lock);
	pthread_mutex_destroy(&m->state_lock);
	free(m);
}
