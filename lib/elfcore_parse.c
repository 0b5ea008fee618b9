/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/elfcore.h"
#include "internal.h"

struct chp_elfcore {
	struct chp_elf_ehdr ehdr;
	enum chp_elfcore_kind kind;
	enum chp_arch arch;
	bool big;
	size_t phnum;
	struct chp_elf_phdr *phdrs;
};

static int read_exact(const struct chp_reader *src, uint64_t off, void *buf, size_t len,
		      const char *what)
{
	if (off > src->size || len > src->size - off)
		return chp_fail(-EINVAL, "truncated: %s at [%#llx, +%zu) lies past the end (%llu bytes)",
				what, (unsigned long long)off, len,
				(unsigned long long)src->size);
	return src->read(src->ctx, off, buf, len);
}

static int check_ident(const uint8_t *e)
{
	if (memcmp(e, "\x7f" "ELF", 4) != 0)
		return chp_fail(-EINVAL, "e_ident[EI_MAG0..3]: %02x %02x %02x %02x is not the ELF magic 7f 45 4c 46",
				e[0], e[1], e[2], e[3]);
	if (e[4] != 2)
		return chp_fail(-EINVAL, "e_ident[EI_CLASS]: %u is not ELFCLASS64 (2)", e[4]);
	if (e[5] != 1 && e[5] != 2)
		return chp_fail(-EINVAL, "e_ident[EI_DATA]: %u is neither ELFDATA2LSB (1) nor ELFDATA2MSB (2)",
				e[5]);
	if (e[6] != 1)
		return chp_fail(-EINVAL, "e_ident[EI_VERSION]: %u is not EV_CURRENT (1)", e[6]);
	return 0;
}

static void decode_ehdr(struct chp_elf_ehdr *h, const uint8_t *p, bool big)
{
	memcpy(h->ident, p, 16);
	h->type = chp_get16(p + 16, big);
	h->machine = chp_get16(p + 18, big);
	h->version = chp_get32(p + 20, big);
	h->entry = chp_get64(p + 24, big);
	h->phoff = chp_get64(p + 32, big);
	h->shoff = chp_get64(p + 40, big);
	h->flags = chp_get32(p + 48, big);
	h->ehsize = chp_get16(p + 52, big);
	h->phentsize = chp_get16(p + 54, big);
	h->phnum = chp_get16(p + 56, big);
	h->shentsize = chp_get16(p + 58, big);
	h->shnum = chp_get16(p + 60, big);
	h->shstrndx = chp_get16(p + 62, big);
}

static void decode_phdr(struct chp_elf_phdr *ph, const uint8_t *p, bool big)
{
	ph->type = chp_get32(p + 0, big);
	ph->flags = chp_get32(p + 4, big);
	ph->offset = chp_get64(p + 8, big);
	ph->vaddr = chp_get64(p + 16, big);
	ph->paddr = chp_get64(p + 24, big);
	ph->filesz = chp_get64(p + 32, big);
	ph->memsz = chp_get64(p + 40, big);
	ph->align = chp_get64(p + 48, big);
}

static int check_ehdr(struct chp_elfcore *core)
{
	const struct chp_elf_ehdr *h = &core->ehdr;
	int err;

	if (h->type != CHP_ET_CORE)
		return chp_fail(-EINVAL, "e_type: %u is not ET_CORE (4)", h->type);
	err = chp_arch_from_elf(&core->arch, h->machine, core->big);
	if (err)
		return err;
	if (h->version != 1)
		return chp_fail(-EINVAL, "e_version: %u is not EV_CURRENT (1)", h->version);
	if (h->ehsize != CHP_ELF_EHDR_SIZE)
		return chp_fail(-EINVAL, "e_ehsize: %u, an ELF64 header is 64", h->ehsize);
	if (h->phentsize != CHP_ELF_PHDR_SIZE)
		return chp_fail(-EINVAL, "e_phentsize: %u, an ELF64 program header is 56",
				h->phentsize);
	if (h->phoff < CHP_ELF_EHDR_SIZE)
		return chp_fail(-EINVAL, "e_phoff: %#llx overlaps the ELF header",
				(unsigned long long)h->phoff);
	if (h->phnum == 0)
		return chp_fail(-EINVAL, "e_phnum: 0, a core has at least one program header");
	return 0;
}

/* With e_phnum == PN_XNUM the real count is section header 0's sh_info. */
static int resolve_phnum(struct chp_elfcore *core, const struct chp_reader *src)
{
	const struct chp_elf_ehdr *h = &core->ehdr;
	uint8_t sh[CHP_ELF_SHDR_SIZE];
	uint32_t info;
	int err;

	if (h->phnum != CHP_PN_XNUM) {
		core->phnum = h->phnum;
		return 0;
	}
	if (h->shoff == 0)
		return chp_fail(-EINVAL, "e_phnum: PN_XNUM (0xffff) but e_shoff is 0: no section 0 "
				"holds the real count");
	if (h->shentsize != CHP_ELF_SHDR_SIZE)
		return chp_fail(-EINVAL, "e_shentsize: %u with e_phnum PN_XNUM, expected 64",
				h->shentsize);
	err = read_exact(src, h->shoff, sh, sizeof(sh), "section header 0 (PN_XNUM)");
	if (err)
		return err;
	info = chp_get32(sh + 44, core->big);
	if (info < CHP_PN_XNUM)
		return chp_fail(-EINVAL, "e_phnum: PN_XNUM but section 0 sh_info is %u (< 65535)",
				info);
	core->phnum = info;
	return 0;
}

static int read_phdrs(struct chp_elfcore *core, const struct chp_reader *src)
{
	uint64_t bytes = (uint64_t)core->phnum * CHP_ELF_PHDR_SIZE;
	uint8_t *raw;
	int err;

	if (core->ehdr.phoff > UINT64_MAX - bytes || core->ehdr.phoff + bytes > src->size)
		return chp_fail(-EINVAL, "e_phnum: %zu program headers at e_phoff %#llx run past "
				"the end (%llu bytes)", core->phnum,
				(unsigned long long)core->ehdr.phoff,
				(unsigned long long)src->size);
	raw = malloc(bytes);
	core->phdrs = calloc(core->phnum, sizeof(*core->phdrs));
	if (!raw || !core->phdrs) {
		free(raw);
		return chp_fail(-ENOMEM, "out of memory for %zu program headers", core->phnum);
	}
	err = read_exact(src, core->ehdr.phoff, raw, bytes, "program header table");
	for (size_t i = 0; !err && i < core->phnum; i++)
		decode_phdr(&core->phdrs[i], raw + i * CHP_ELF_PHDR_SIZE, core->big);
	free(raw);
	return err;
}

static enum chp_elfcore_kind guess_kind(const struct chp_elfcore *core)
{
	/*
	 * In an elfcorehdr every NOTE and LOAD has p_offset == p_paddr, but
	 * ppc64's backup LOAD [0, 64 KiB), read where purgatory saved it, and
	 * x86's from kexec-tools, a RAM range ending at or below 640 KiB read
	 * from its copy in the crashkernel (get_backup_area(), kexec/arch/i386/
	 * crashdump-x86.c; verify_phdr.c judges it).  A vmcore still has its
	 * notes and other LOADs at file offsets.
	 */
	for (size_t i = 0; i < core->phnum; i++) {
		const struct chp_elf_phdr *ph = &core->phdrs[i];
		bool low = ph->memsz && ph->paddr <= 0xa0000 && ph->memsz - 1 <= 0xa0000 - ph->paddr;
		bool backup = ph->type == CHP_PT_LOAD &&
			      (core->arch != CHP_ARCH_X86_64
			       ? ph->paddr == 0 && ph->memsz == CHP_PPC64_BACKUP_SIZE : low);
		if ((ph->type == CHP_PT_NOTE || ph->type == CHP_PT_LOAD) && ph->offset != ph->paddr &&
		    !backup)
			return CHP_ELFCORE_VMCORE;
	}
	return CHP_ELFCORE_HEADER;
}

/* Arithmetic first: nothing below may add fields that overflow. */
static int check_phdr_overflow(const struct chp_elfcore *core, size_t i)
{
	const struct chp_elf_phdr *ph = &core->phdrs[i];
	char tb[16];
	const char *type = chp_elf_phdr_type_name(ph->type, tb);

	if (ph->filesz > UINT64_MAX - ph->offset)
		return chp_fail(-EINVAL, "program header %zu (%s): p_offset %#llx + p_filesz %#llx "
				"overflows", i, type, (unsigned long long)ph->offset,
				(unsigned long long)ph->filesz);
	if ((ph->type == CHP_PT_LOAD || ph->type == CHP_PT_NOTE) && ph->memsz &&
	    ph->memsz - 1 > UINT64_MAX - ph->paddr)
		return chp_fail(-EINVAL, "program header %zu (%s): p_paddr %#llx + p_memsz %#llx "
				"overflows", i, type, (unsigned long long)ph->paddr,
				(unsigned long long)ph->memsz);
	return 0;
}

static int check_phdr(const struct chp_elfcore *core, size_t i, uint64_t file_size)
{
	const struct chp_elf_phdr *ph = &core->phdrs[i];
	char tb[16];
	const char *type = chp_elf_phdr_type_name(ph->type, tb);

	if (ph->type != CHP_PT_LOAD && ph->type != CHP_PT_NOTE)
		return 0;
	if (ph->filesz > ph->memsz)
		return chp_fail(-EINVAL, "program header %zu (%s): p_filesz %#llx exceeds p_memsz %#llx",
				i, type, (unsigned long long)ph->filesz,
				(unsigned long long)ph->memsz);
	if (core->kind == CHP_ELFCORE_VMCORE && ph->offset + ph->filesz > file_size)
		return chp_fail(-EINVAL, "program header %zu (%s): data [%#llx, %#llx) runs past the "
				"end of the file (%llu bytes)", i, type,
				(unsigned long long)ph->offset,
				(unsigned long long)(ph->offset + ph->filesz),
				(unsigned long long)file_size);
	return 0;
}

static int check_notes_first(const struct chp_elfcore *core)
{
	size_t first_load = SIZE_MAX;

	for (size_t i = 0; i < core->phnum; i++) {
		if (core->phdrs[i].type == CHP_PT_LOAD && first_load == SIZE_MAX)
			first_load = i;
		if (core->phdrs[i].type == CHP_PT_NOTE && first_load != SIZE_MAX)
			return chp_fail(-EINVAL, "program header %zu: PT_NOTE after PT_LOAD %zu; the "
					"capture kernel needs every note before the loads", i,
					first_load);
	}
	return 0;
}

struct load_key {
	uint64_t a, b; /* sort keys */
	uint64_t start, last;
	size_t index;
};

static int cmp_key(const void *x, const void *y)
{
	const struct load_key *p = x, *q = y;

	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return 0;
}

/*
 * Two loads describe the same memory when their physical ranges intersect
 * through the same virtual offset (the kernel-text LOAD legitimately maps
 * RAM a second time, through another offset).  In a dump, file ranges must
 * not intersect either.  Sorting keeps this O(n log n) for 16k headers.
 */
static int check_overlaps(const struct chp_elfcore *core, bool by_file)
{
	struct load_key *k = malloc((core->phnum ? core->phnum : 1) * sizeof(*k));
	size_t n = 0;
	int err = 0;

	if (!k)
		return chp_fail(-ENOMEM, "out of memory checking loads");
	for (size_t i = 0; i < core->phnum; i++) {
		const struct chp_elf_phdr *ph = &core->phdrs[i];
		uint64_t size = by_file ? ph->filesz : ph->memsz;
		uint64_t start = by_file ? ph->offset : ph->paddr;

		if (ph->type != CHP_PT_LOAD || size == 0)
			continue;
		k[n] = (struct load_key){ .a = by_file ? 0 : ph->vaddr - ph->paddr, .b = start,
					  .start = start, .last = start + size - 1, .index = i };
		n++;
	}
	qsort(k, n, sizeof(*k), cmp_key);
	for (size_t i = 1; i < n && !err; i++) {
		if (k[i].a != k[i - 1].a || k[i].start > k[i - 1].last)
			continue;
		err = chp_fail(-EINVAL, "program headers %zu and %zu: overlapping loads, both %s "
			       "[%#llx, %#llx]", k[i - 1].index, k[i].index,
			       by_file ? "take file bytes" : "describe physical",
			       (unsigned long long)k[i].start,
			       (unsigned long long)(k[i].last < k[i - 1].last ? k[i].last
									: k[i - 1].last));
	}
	free(k);
	return err;
}

int chp_elfcore_open(struct chp_elfcore **out, const struct chp_reader *src,
		     enum chp_elfcore_kind kind)
{
	return chp_elfcore_open_flags(out, src, kind, 0);
}

int chp_elfcore_open_flags(struct chp_elfcore **out, const struct chp_reader *src,
			   enum chp_elfcore_kind kind, unsigned flags)
{
	uint8_t raw[CHP_ELF_EHDR_SIZE];
	struct chp_elfcore *core;
	int err;

	if (src->size < CHP_ELF_EHDR_SIZE)
		return chp_fail(-EINVAL, "truncated: %llu bytes, an ELF64 header needs 64",
				(unsigned long long)src->size);
	err = src->read(src->ctx, 0, raw, sizeof(raw));
	if (err)
		return err;
	err = check_ident(raw);
	if (err)
		return err;
	core = calloc(1, sizeof(*core));
	if (!core)
		return chp_fail(-ENOMEM, "out of memory for a core header");
	core->big = raw[5] == 2;
	decode_ehdr(&core->ehdr, raw, core->big);
	err = check_ehdr(core);
	if (!err)
		err = resolve_phnum(core, src);
	if (!err)
		err = read_phdrs(core, src);
	if (!err) {
		core->kind = kind == CHP_ELFCORE_AUTO ? guess_kind(core) : kind;
		for (size_t i = 0; !err && i < core->phnum; i++)
			err = check_phdr_overflow(core, i);
		for (size_t i = 0; !err && i < core->phnum; i++)
			err = check_phdr(core, i, src->size);
	}
	if (!err)
		err = check_notes_first(core);
	if (!err && !(flags & CHP_ELFCORE_ALLOW_DUPLICATE_LOADS))
		err = check_overlaps(core, false);
	if (!err && core->kind == CHP_ELFCORE_VMCORE)
		err = check_overlaps(core, true);
	if (err) {
		chp_elfcore_free(core);
		return err;
	}
	*out = core;
	return 0;
}

struct buffer_ctx {
	const uint8_t *p;
};

static int read_buffer(void *ctx, uint64_t off, void *buf, size_t len)
{
	memcpy(buf, ((struct buffer_ctx *)ctx)->p + off, len);
	return 0;
}

int chp_elfcore_open_buffer(struct chp_elfcore **out, const void *buf, size_t len,
			    enum chp_elfcore_kind kind)
{
	struct buffer_ctx ctx = { buf };
	struct chp_reader src = { read_buffer, &ctx, len };

	return chp_elfcore_open(out, &src, kind);
}

void chp_elfcore_free(struct chp_elfcore *core)
{
	if (!core)
		return;
	free(core->phdrs);
	free(core);
}

enum chp_elfcore_kind chp_elfcore_kind(const struct chp_elfcore *core)
{
	return core->kind;
}

enum chp_arch chp_elfcore_arch(const struct chp_elfcore *core)
{
	return core->arch;
}

bool chp_elfcore_big_endian(const struct chp_elfcore *core)
{
	return core->big;
}

const struct chp_elf_ehdr *chp_elfcore_ehdr(const struct chp_elfcore *core)
{
	return &core->ehdr;
}

size_t chp_elfcore_phnum(const struct chp_elfcore *core)
{
	return core->phnum;
}

const struct chp_elf_phdr *chp_elfcore_phdr(const struct chp_elfcore *core, size_t i)
{
	return i < core->phnum ? &core->phdrs[i] : NULL;
}
