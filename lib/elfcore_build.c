/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "crashhp/elfcore.h"
#include "internal.h"

size_t chp_elfcore_segment_size(unsigned nr_cpus, unsigned max_memory_ranges)
{
	/* kernel_map + VMCOREINFO + possible CPUs + memory ranges. */
	uint64_t slots = 2ull + nr_cpus + max_memory_ranges;

	return (size_t)chp_round_up(CHP_ELF_EHDR_SIZE + slots * CHP_ELF_PHDR_SIZE, CHP_PAGE_SIZE);
}

size_t chp_elfcore_slots(size_t size)
{
	return size < CHP_ELF_EHDR_SIZE ? 0 : (size - CHP_ELF_EHDR_SIZE) / CHP_ELF_PHDR_SIZE;
}

size_t chp_elfcore_phdrs_needed(const struct chp_elfcore_desc *desc)
{
	return desc->nr_cpu_notes + (desc->vmcoreinfo.size ? 1 : 0) + (desc->kernel_text ? 1 : 0) +
	       (desc->backup ? 1 : 0) + (desc->memory ? chp_ranges_count(desc->memory) : 0) +
	       (desc->memory_appended ? chp_ranges_count(desc->memory_appended) : 0);
}

static void put_phdr(uint8_t *p, bool big, const struct chp_elf_phdr *ph)
{
	chp_put32(p + 0, ph->type, big);
	chp_put32(p + 4, ph->flags, big);
	chp_put64(p + 8, ph->offset, big);
	chp_put64(p + 16, ph->vaddr, big);
	chp_put64(p + 24, ph->paddr, big);
	chp_put64(p + 32, ph->filesz, big);
	chp_put64(p + 40, ph->memsz, big);
	chp_put64(p + 48, ph->align, big);
}

static void put_ehdr(uint8_t *p, enum chp_arch arch, uint16_t phnum)
{
	bool big = chp_arch_big_endian(arch);

	memset(p, 0, CHP_ELF_EHDR_SIZE);
	memcpy(p, "\x7f" "ELF", 4);
	p[4] = 2;           /* ELFCLASS64 */
	p[5] = big ? 2 : 1; /* ELFDATA2MSB : ELFDATA2LSB */
	p[6] = 1;           /* EV_CURRENT */
	chp_put16(p + 16, CHP_ET_CORE, big);
	chp_put16(p + 18, chp_arch_elf_machine(arch), big);
	chp_put32(p + 20, 1, big);
	chp_put64(p + 32, CHP_ELF_EHDR_SIZE, big); /* e_phoff */
	chp_put16(p + 52, CHP_ELF_EHDR_SIZE, big);
	chp_put16(p + 54, CHP_ELF_PHDR_SIZE, big);
	chp_put16(p + 56, phnum, big);
}

int chp_elfcore_build(void *buf, size_t buf_size, const struct chp_elfcore_desc *desc,
		      size_t *out_len)
{
	bool big = chp_arch_big_endian(desc->arch);
	size_t need = chp_elfcore_phdrs_needed(desc);
	size_t slots = chp_elfcore_slots(buf_size);
	uint64_t direct_map = desc->direct_map ? desc->direct_map : chp_arch_direct_map_base(desc->arch);
	uint8_t *p = buf;
	size_t used, len;

	if (need >= CHP_PN_XNUM)
		return chp_fail(-E2BIG, "elfcorehdr: %zu program headers reach PN_XNUM, which "
				"the capture kernel cannot read", need);
	if (need > slots)
		return chp_fail(-ENOSPC, "elfcorehdr: needs %zu program headers, the %zu-byte "
				"segment holds %zu", need, buf_size, slots);
	if (desc->kernel_text && !chp_arch_has_kernel_text_load(desc->arch))
		return chp_fail(-EINVAL, "elfcorehdr: %s has no kernel text PT_LOAD",
				chp_arch_name(desc->arch));

	/*
	 * No PT_NOTE of size 0, ever: the capture kernel kmalloc(0)s it and reads
	 * a note header through ZERO_SIZE_PTR (vmcore.c).  A vmcoreinfo of size 0
	 * (unknown) is left out instead; a CPU's is a caller's bug.
	 */
	for (size_t cpu = 0; cpu < desc->nr_cpu_notes; cpu++)
		if (!desc->cpu_notes[cpu].size)
			return chp_fail(-EINVAL, "elfcorehdr: CPU note %zu at %#" PRIx64 " has size 0, "
					"which the capture kernel cannot read", cpu,
					desc->cpu_notes[cpu].paddr);
	put_ehdr(p, desc->arch, (uint16_t)need);
	p += CHP_ELF_EHDR_SIZE;
	for (size_t cpu = 0; cpu < desc->nr_cpu_notes; cpu++, p += CHP_ELF_PHDR_SIZE) {
		const struct chp_note_loc *n = &desc->cpu_notes[cpu];
		put_phdr(p, big, &(struct chp_elf_phdr){ .type = CHP_PT_NOTE, .offset = n->paddr,
				.paddr = n->paddr, .filesz = n->size, .memsz = n->size });
	}
	if (desc->vmcoreinfo.size) {
		put_phdr(p, big, &(struct chp_elf_phdr){ .type = CHP_PT_NOTE,
				.offset = desc->vmcoreinfo.paddr, .paddr = desc->vmcoreinfo.paddr,
				.filesz = desc->vmcoreinfo.size, .memsz = desc->vmcoreinfo.size });
		p += CHP_ELF_PHDR_SIZE;
	}
	if (desc->kernel_text) {
		const struct chp_kernel_text *t = desc->kernel_text;
		put_phdr(p, big, &(struct chp_elf_phdr){ .type = CHP_PT_LOAD,
				.flags = CHP_PF_R | CHP_PF_W | CHP_PF_X, .offset = t->paddr,
				.vaddr = t->vaddr, .paddr = t->paddr, .filesz = t->size,
				.memsz = t->size });
		p += CHP_ELF_PHDR_SIZE;
	}
	if (desc->backup) {
		put_phdr(p, big, &(struct chp_elf_phdr){ .type = CHP_PT_LOAD,
				.flags = CHP_PF_R | CHP_PF_W | CHP_PF_X, .offset = desc->backup_offset,
				.vaddr = direct_map, .paddr = 0, .filesz = CHP_PPC64_BACKUP_SIZE,
				.memsz = CHP_PPC64_BACKUP_SIZE });
		p += CHP_ELF_PHDR_SIZE;
	}
	const struct chp_ranges *lists[2] = { desc->memory, desc->memory_appended };
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; lists[k] && i < chp_ranges_count(lists[k]); i++) {
			const struct chp_range *r = chp_ranges_at(lists[k], i);
			put_phdr(p, big, &(struct chp_elf_phdr){ .type = CHP_PT_LOAD,
					.flags = CHP_PF_R | CHP_PF_W | CHP_PF_X, .offset = r->start,
					.vaddr = direct_map + r->start, .paddr = r->start,
					.filesz = chp_range_size(*r), .memsz = chp_range_size(*r) });
			p += CHP_ELF_PHDR_SIZE;
		}
	}
	used = (size_t)(p - (uint8_t *)buf);
	len = (size_t)chp_round_up(used, CHP_PAGE_SIZE);
	if (len > buf_size)
		len = buf_size;
	memset(p, 0, len - used);
	*out_len = len;
	return 0;
}

const char *chp_elf_phdr_type_name(uint32_t type, char buf[16])
{
	switch (type) {
	case 0:
		return "NULL"; /* PT_NULL, as readelf names it */
	case CHP_PT_LOAD:
		return "LOAD";
	case CHP_PT_NOTE:
		return "NOTE";
	default:
		snprintf(buf, 16, "0x%x", type);
		return buf;
	}
}
