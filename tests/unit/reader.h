/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the readers of a dump would get from the elfcorehdr loaded now, read
 * straight from the crash image with a parser of its own (not crashhp's):
 *
 *  - fs/proc/vmcore.c copies each PT_LOAD from old memory at p_offset
 *    (process_ptload_program_headers_elf64: paddr = p_offset); on ppc64 the
 *    crash image's backup segment holds [0, 64 KiB) as purgatory copied it
 *    there (purgatory's backup_start) before the capture kernel booted;
 *  - makedumpfile (elf_info.c: phys_start = p_paddr, file_size = p_filesz)
 *    and crash(8) (netdump.c: zero_fill = p_paddr + p_filesz) find a page by
 *    p_paddr and read zeros for it past p_filesz;
 *  - both translate a direct-map address through the PT_LOAD whose
 *    [p_vaddr, p_vaddr + p_memsz) holds it.
 *
 * For sampled pages that a dump must hold (each range's first and last page
 * and one at every memory block boundary), the bytes a reader gets by physical
 * and by virtual address must be the machine's own; and every RAM PT_LOAD
 * carries the flags crash_prepare_elf64_headers() writes (PF_R|PF_W|PF_X).
 */
#ifndef CRASHHP_TEST_READER_H
#define CRASHHP_TEST_READER_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "crashhp/arch.h"
#include "crashhp/crashmem.h"
#include "crashhp/kimage.h"
#include "crashhp/machine.h"
#include "crashhp/ranges.h"

struct reader_load {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static inline uint64_t reader_get(const uint8_t *p, unsigned n, bool big)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[big ? i : n - 1 - i] << (8 * (n - 1 - i));
	return v;
}

/* The RAM PT_LOADs of the loaded header, as a reader parses them. */
static inline size_t reader_loads(struct chp_kimage *img, enum chp_arch arch,
				  struct reader_load **out)
{
	struct chp_segment_info seg;
	size_t index, n = 0;
	bool big = chp_arch_big_endian(arch);
	uint8_t *h;

	assert_int_equal(chp_kimage_elfcorehdr_index(img, &index), 0);
	assert_int_equal(chp_kimage_segment(img, index, &seg), 0);
	h = malloc((size_t)seg.memsz);
	assert_non_null(h);
	assert_int_equal(chp_kimage_read(img, seg.paddr, h, (size_t)seg.memsz), 0);
	uint64_t phoff = reader_get(h + 32, 8, big);
	unsigned phnum = (unsigned)reader_get(h + 56, 2, big);
	assert_true(phoff + (uint64_t)phnum * 56 <= seg.memsz);
	*out = calloc(phnum ? phnum : 1, sizeof(**out));
	assert_non_null(*out);
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *p = h + phoff + (uint64_t)i * 56;
		struct reader_load l = {
			(uint32_t)reader_get(p, 4, big), (uint32_t)reader_get(p + 4, 4, big),
			reader_get(p + 8, 8, big), reader_get(p + 16, 8, big),
			reader_get(p + 24, 8, big), reader_get(p + 32, 8, big),
			reader_get(p + 40, 8, big),
		};
		if (l.type == 1 /* PT_LOAD */ && chp_arch_load_is_ram(arch, l.vaddr))
			(*out)[n++] = l;
	}
	free(h);
	return n;
}

/* Old memory at `offset` after ppc64's purgatory copied [0, 64 KiB) to the backup segment. */
static inline uint64_t reader_old_memory(struct chp_kimage *img, uint64_t offset)
{
	struct chp_segment_info s;

	for (size_t i = 0; i < chp_kimage_nr_segments(img); i++)
		if (!chp_kimage_segment(img, i, &s) && s.kind == CHP_SEG_BACKUP &&
		    offset >= s.paddr && offset - s.paddr < 0x10000)
			return offset - s.paddr;
	return offset;
}

/* What a reader gets at physical page `pa`: NULL when the machine's bytes. */
static inline const char *reader_page(const struct chp_machine *m, struct chp_kimage *img,
				      const struct reader_load *ls, size_t n, uint64_t direct,
				      uint64_t pa, char *why, size_t cap)
{
	uint64_t want, got, va = direct + pa;
	const struct reader_load *byp = NULL, *byv = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!byp && ls[i].paddr <= pa && pa - ls[i].paddr < ls[i].memsz)
			byp = &ls[i];
		if (!byv && ls[i].vaddr <= va && va - ls[i].vaddr < ls[i].memsz)
			byv = &ls[i];
	}
	assert_int_equal(chp_machine_read_phys(m, pa, &want, 8), 0);
	if (!byp) {
		snprintf(why, cap, "page %#" PRIx64 ": no PT_LOAD holds it: missing from the dump", pa);
		return why;
	}
	if (pa - byp->paddr >= byp->filesz) {
		snprintf(why, cap, "page %#" PRIx64 ": past p_filesz %#" PRIx64 " of [%#" PRIx64
			 ", +%#" PRIx64 "): makedumpfile and crash read zeros", pa, byp->filesz,
			 byp->paddr, byp->memsz);
		return why;
	}
	uint64_t old = byp->offset + (pa - byp->paddr);
	if (chp_machine_arch(m) != CHP_ARCH_X86_64 && old < 0x10000) {
		snprintf(why, cap, "page %#" PRIx64 ": vmcore reads it at %#" PRIx64 ", in the "
			 "capture kernel's own [0, 64 KiB)", pa, old);
		return why;
	}
	if (chp_machine_read_phys(m, reader_old_memory(img, old), &got, 8) || got != want) {
		snprintf(why, cap, "page %#" PRIx64 ": vmcore reads it from %#" PRIx64
			 " (p_offset %#" PRIx64 "): other bytes", pa, byp->offset + (pa - byp->paddr),
			 byp->offset);
		return why;
	}
	if (!byv || byv->paddr + (va - byv->vaddr) != pa) {
		snprintf(why, cap, "page %#" PRIx64 ": its direct-map address %#" PRIx64
			 " reads %s", pa, va, byv ? "another page" : "nothing (no p_vaddr holds it)");
		return why;
	}
	return NULL;
}

/*
 * NULL when every reader gets the machine's memory for every sampled page
 * that must be in a dump now, else the first problem.  `direct` is the
 * direct map's base (page_offset_base) the dump's readers use.
 */
static inline const char *reader_check_direct(const struct chp_machine *m, struct chp_kimage *img,
					      uint64_t direct)
{
	static char why[300];
	struct chp_ranges *want;
	struct reader_load *ls;
	uint64_t bs = chp_machine_block_size(m);
	size_t n = reader_loads(img, chp_machine_arch(m), &ls);
	const char *bad = NULL;

	for (size_t i = 0; i < n && !bad; i++)
		if (ls[i].flags != 7) {
			snprintf(why, sizeof(why), "PT_LOAD [%#" PRIx64 ", +%#" PRIx64 ") has p_flags %#x,"
				 " not PF_R|PF_W|PF_X", ls[i].paddr, ls[i].memsz, ls[i].flags);
			bad = why;
		}
	assert_int_equal(chp_ranges_new(&want), 0);
	assert_int_equal(chp_crashmem_expected(m, want), 0);
	for (size_t k = 0; k < chp_ranges_count(want) && !bad; k++) {
		struct chp_range r = *chp_ranges_at(want, k);
		uint64_t first = r.start & ~4095ull, last = r.last & ~4095ull;
		bad = reader_page(m, img, ls, n, direct, first, why, sizeof(why));
		for (uint64_t b = (first / bs + 1) * bs; !bad && b <= last; b += bs) {
			bad = reader_page(m, img, ls, n, direct, b - 4096, why, sizeof(why));
			if (!bad)
				bad = reader_page(m, img, ls, n, direct, b, why, sizeof(why));
		}
		if (!bad)
			bad = reader_page(m, img, ls, n, direct, last, why, sizeof(why));
	}
	chp_ranges_free(want);
	free(ls);
	return bad;
}

static inline const char *reader_check(const struct chp_machine *m, struct chp_kimage *img)
{
	return reader_check_direct(m, img, chp_machine_direct_map(m));
}

#define assert_readers_get_memory(m, img)                                   \
	do {                                                                \
		const char *why_ = reader_check((m), (img));                \
		if (why_)                                                   \
			fail_msg("a reader of the dump would get: %s", why_); \
	} while (0)

#endif
