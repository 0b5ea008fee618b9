/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_ELFCORE_H
#define CRASHHP_ELFCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crashhp/arch.h"
#include "crashhp/ranges.h"

#define CHP_ELF_EHDR_SIZE 64u
#define CHP_ELF_PHDR_SIZE 56u
#define CHP_ELF_SHDR_SIZE 64u
#define CHP_PN_XNUM 0xffffu
#define CHP_PT_LOAD 1u
#define CHP_PT_NOTE 4u
#define CHP_ET_CORE 4u
#define CHP_PF_X 1u
#define CHP_PF_W 2u
#define CHP_PF_R 4u

/* The kernel's defaults: CONFIG_CRASH_MAX_MEMORY_RANGES, CONFIG_NR_CPUS. */
#define CHP_DEFAULT_MAX_MEMORY_RANGES 8192u
#define CHP_DEFAULT_NR_CPUS 8192u

/* Where a buffer of notes sits in (old) physical memory. */
struct chp_note_loc {
	uint64_t paddr;
	uint64_t size;
};

/* The kernel image's text mapping: _text.._end. */
struct chp_kernel_text {
	uint64_t paddr;
	uint64_t vaddr;
	uint64_t size;
};

/* What an elfcorehdr describes, in the order the kernel writes it. */
struct chp_elfcore_desc {
	enum chp_arch arch;
	const struct chp_note_loc *cpu_notes; /* one per possible CPU */
	size_t nr_cpu_notes;
	struct chp_note_loc vmcoreinfo;
	const struct chp_kernel_text *kernel_text; /* NULL where the arch has none */
	const struct chp_ranges *memory;           /* one PT_LOAD per range */
	uint64_t direct_map;  /* PAGE_OFFSET (KASLR's page_offset_base); 0: the arch's default */
	/*
	 * ppc64: a PT_LOAD of its own for [0, 64 KiB) (BACKUP_SRC_START..END),
	 * first of the memory LOADs, whose p_offset is where purgatory copies
	 * that memory at crash time (image->arch.backup_start); `memory` must
	 * then not hold [0, 64 KiB).
	 */
	bool backup;
	uint64_t backup_offset;
	/*
	 * PT_LOADs after `memory`'s, in this order: ppc64's remove_mem_range()
	 * appends the upper part of a split with add_mem_range() and nothing
	 * sorts the list again, so that LOAD comes last.  NULL: none.
	 */
	const struct chp_ranges *memory_appended;
};

/* ppc64's BACKUP_SRC_SIZE: the first 64 KiB, which the capture kernel overwrites. */
#define CHP_PPC64_BACKUP_SIZE 0x10000u

/*
 * Bytes of the elfcorehdr segment the kernel reserves for crash hotplug:
 * (2 + nr_cpus + max_memory_ranges) program headers + the ELF header,
 * page-rounded.  452 KiB for 64 CPUs, 900 KiB for 8192 (8192 ranges).
 */
size_t chp_elfcore_segment_size(unsigned nr_cpus, unsigned max_memory_ranges);
/* Program header slots a segment of `size` bytes holds. */
size_t chp_elfcore_slots(size_t size);
/* Program headers `desc` needs. */
size_t chp_elfcore_phdrs_needed(const struct chp_elfcore_desc *desc);

/*
 * Build the header into buf[0, buf_size): ELF header, a PT_NOTE per possible
 * CPU, the vmcoreinfo PT_NOTE (left out when its size is 0: unknown), the
 * kernel-text PT_LOAD (x86_64), a PT_LOAD per memory range; zero up to the
 * page-rounded length stored in *out_len, as the kernel's
 * crash_prepare_elf64_headers() does.  -ENOSPC when it does not fit; -EINVAL
 * for a CPU note of size 0 (no PT_NOTE of size 0 is ever written).
 */
int chp_elfcore_build(void *buf, size_t buf_size, const struct chp_elfcore_desc *desc,
		      size_t *out_len);

/* Host-order copies of the ELF header and program headers of a parsed core. */
struct chp_elf_ehdr {
	uint8_t ident[16];
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint64_t entry;
	uint64_t phoff;
	uint64_t shoff;
	uint32_t flags;
	uint16_t ehsize;
	uint16_t phentsize;
	uint16_t phnum; /* as stored: CHP_PN_XNUM means "see section 0" */
	uint16_t shentsize;
	uint16_t shnum;
	uint16_t shstrndx;
};

struct chp_elf_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

enum chp_elfcore_kind {
	CHP_ELFCORE_AUTO,   /* decide from the program headers */
	CHP_ELFCORE_HEADER, /* an elfcorehdr: offsets are physical addresses */
	CHP_ELFCORE_VMCORE, /* a dump: offsets are file offsets */
};

/* Random access to the bytes of a file, a buffer or a memory region. */
struct chp_reader {
	int (*read)(void *ctx, uint64_t offset, void *buf, size_t len);
	void *ctx;
	uint64_t size;
};

struct chp_elfcore;

/*
 * Read and validate a core header: identification, type, machine, sizes, the
 * program header table (PN_XNUM through section 0), every program header's
 * bounds and overflow, notes before loads, no two loads describing the same
 * memory.  Each failure is -EINVAL with a message naming the field.
 */
int chp_elfcore_open(struct chp_elfcore **out, const struct chp_reader *src,
		     enum chp_elfcore_kind kind);
int chp_elfcore_open_buffer(struct chp_elfcore **out, const void *buf, size_t len,
			    enum chp_elfcore_kind kind);

/*
 * Linux's /proc/vmcore does not reject two loads describing the same memory
 * through the same offset: it dumps it twice.  A capture kernel accepts them;
 * crashhp's robust policy relies on that for an instant while it splits or
 * merges a range.  inspect stays strict.
 */
#define CHP_ELFCORE_ALLOW_DUPLICATE_LOADS 1u
int chp_elfcore_open_flags(struct chp_elfcore **out, const struct chp_reader *src,
			   enum chp_elfcore_kind kind, unsigned flags);
void chp_elfcore_free(struct chp_elfcore *core);

enum chp_elfcore_kind chp_elfcore_kind(const struct chp_elfcore *core);
enum chp_arch chp_elfcore_arch(const struct chp_elfcore *core);
bool chp_elfcore_big_endian(const struct chp_elfcore *core);
const struct chp_elf_ehdr *chp_elfcore_ehdr(const struct chp_elfcore *core);
/* The real number of program headers (PN_XNUM resolved). */
size_t chp_elfcore_phnum(const struct chp_elfcore *core);
const struct chp_elf_phdr *chp_elfcore_phdr(const struct chp_elfcore *core, size_t i);

/* "NOTE", "LOAD", or "0x%x" written into buf. */
const char *chp_elf_phdr_type_name(uint32_t type, char buf[16]);

#endif
