/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lab's stand-in for the kernel's <linux/elf.h>: its struct elf64_hdr
 * and struct elf64_phdr (the layout of the C library's Elf64_Ehdr and
 * Elf64_Phdr, which the lab's own code uses; the kernel's uapi header would
 * clash with <elf.h>), and the PT_ and PF_ constants from <elf.h>.
 */
#ifndef CRASHHP_SHIM_LINUX_ELF_H
#define CRASHHP_SHIM_LINUX_ELF_H

#include <elf.h>
#include <stddef.h>

struct elf64_hdr {
	unsigned char e_ident[EI_NIDENT];
	Elf64_Half e_type;
	Elf64_Half e_machine;
	Elf64_Word e_version;
	Elf64_Addr e_entry;
	Elf64_Off e_phoff;
	Elf64_Off e_shoff;
	Elf64_Word e_flags;
	Elf64_Half e_ehsize;
	Elf64_Half e_phentsize;
	Elf64_Half e_phnum;
	Elf64_Half e_shentsize;
	Elf64_Half e_shnum;
	Elf64_Half e_shstrndx;
};

struct elf64_phdr {
	Elf64_Word p_type;
	Elf64_Word p_flags;
	Elf64_Off p_offset;
	Elf64_Addr p_vaddr;
	Elf64_Addr p_paddr;
	Elf64_Xword p_filesz;
	Elf64_Xword p_memsz;
	Elf64_Xword p_align;
};

_Static_assert(sizeof(struct elf64_hdr) == sizeof(Elf64_Ehdr) &&
	       offsetof(struct elf64_hdr, e_phnum) == offsetof(Elf64_Ehdr, e_phnum),
	       "struct elf64_hdr is Elf64_Ehdr");
_Static_assert(sizeof(struct elf64_phdr) == sizeof(Elf64_Phdr) &&
	       offsetof(struct elf64_phdr, p_memsz) == offsetof(Elf64_Phdr, p_memsz),
	       "struct elf64_phdr is Elf64_Phdr");

#endif
