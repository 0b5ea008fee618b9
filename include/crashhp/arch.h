/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_ARCH_H
#define CRASHHP_ARCH_H

#include <stdbool.h>
#include <stdint.h>

/* The architectures whose crash headers crashhp builds and reads. */
enum chp_arch {
	CHP_ARCH_X86_64,
	CHP_ARCH_PPC64LE,
	CHP_ARCH_PPC64, /* big endian */
};

#define CHP_EM_PPC64 21u
#define CHP_EM_X86_64 62u

/* "x86_64", "ppc64le", "ppc64". */
const char *chp_arch_name(enum chp_arch arch);
int chp_arch_from_name(enum chp_arch *out, const char *name);
/* The architecture an ELF header names by machine and byte order. */
int chp_arch_from_elf(enum chp_arch *out, uint16_t e_machine, bool big_endian);

bool chp_arch_big_endian(enum chp_arch arch);
uint16_t chp_arch_elf_machine(enum chp_arch arch);
/* Start of the kernel's direct map (PAGE_OFFSET): LOAD p_vaddr = base + paddr. */
uint64_t chp_arch_direct_map_base(enum chp_arch arch);
/*
 * Whether a PT_LOAD maps RAM through the direct map, rather than the kernel
 * image.  x86_64: the image is mapped from __START_KERNEL_map
 * (0xffffffff80000000) up; everything else is the direct map, wherever KASLR
 * put it (a real dump's page_offset_base is randomized).  ppc64: all RAM.
 */
/* Where the kernel-text mapping starts (0: the arch's headers have no text LOAD). */
uint64_t chp_arch_text_vaddr(enum chp_arch arch);
bool chp_arch_load_is_ram(enum chp_arch arch, uint64_t vaddr);

/* Whether the header carries a PT_LOAD for the kernel text mapping (x86_64). */
bool chp_arch_has_kernel_text_load(enum chp_arch arch);
/* Whether the header leaves out the low 1 MiB (x86_64 keeps it reserved). */
bool chp_arch_excludes_low_1m(enum chp_arch arch);

#endif
