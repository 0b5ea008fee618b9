/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "crashhp/elfcore.h"

#define PH(i) (64 + (size_t)(i) * 56)

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i); }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> 8 * i); }
static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << 8 * i;
	return v;
}

int corpus_make_valid(uint8_t **buf, size_t *len)
{
	static const struct chp_note_loc notes[] = { { 0x4000000, 368 }, { 0x4000180, 368 } };
	static const struct chp_kernel_text text = { 0x1000000, 0xffffffff81000000ull, 0x2000000 };
	struct chp_ranges *mem;
	size_t size = 4096;
	int err;

	if ((err = chp_ranges_new(&mem)))
		return err;
	chp_ranges_add(mem, (struct chp_range){ 0x100000, 0x2effffff });
	chp_ranges_add(mem, (struct chp_range){ 0x3f000000, 0x3fffffff });
	struct chp_elfcore_desc d = { .arch = CHP_ARCH_X86_64, .cpu_notes = notes, .nr_cpu_notes = 2,
				      .vmcoreinfo = { 0x2c00000, 4132 }, .kernel_text = &text,
				      .memory = mem };
	*buf = calloc(1, size);
	err = *buf ? chp_elfcore_build(*buf, size, &d, len) : -ENOMEM;
	chp_ranges_free(mem);
	return err;
}

static const struct corpus_case cases[] = {
	{ "truncated", "truncated", false },
	{ "wrong-magic", "EI_MAG", false },
	{ "wrong-class", "EI_CLASS", false },
	{ "wrong-data", "EI_DATA", false },
	{ "wrong-ident-version", "EI_VERSION", false },
	{ "wrong-type", "e_type", false },
	{ "wrong-machine", "e_machine", false },
	{ "wrong-version", "e_version", false },
	{ "wrong-ehsize", "e_ehsize", false },
	{ "wrong-phentsize", "e_phentsize", false },
	{ "phoff-inside-ehdr", "e_phoff", false },
	{ "phnum-zero", "e_phnum: 0", false },
	{ "phnum-past-end", "run past the end", false },
	{ "phoff-past-end", "run past the end", false },
	{ "offset-filesz-overflow", "p_filesz 0x2000 overflows", false },
	{ "paddr-memsz-overflow", "p_memsz", false },
	{ "filesz-exceeds-memsz", "exceeds p_memsz", false },
	{ "load-before-note", "PT_NOTE after PT_LOAD", false },
	{ "overlapping-loads", "overlapping loads", false },
	{ "pn-xnum-without-sections", "PN_XNUM (0xffff) but e_shoff is 0", false },
	{ "pn-xnum-bad-shentsize", "e_shentsize", false },
	{ "pn-xnum-small-count", "sh_info", false },
	{ "vmcore-load-past-eof", "past the end of the file", false },
	{ "vmcore-note-overruns", "note at offset 0", true },
};

size_t corpus_count(void)
{
	return sizeof(cases) / sizeof(cases[0]);
}

const struct corpus_case *corpus_case(size_t i)
{
	return i < corpus_count() ? &cases[i] : NULL;
}

static void swap_phdrs(uint8_t *b, size_t i, size_t j)
{
	uint8_t tmp[56];

	memcpy(tmp, b + PH(i), 56);
	memcpy(b + PH(i), b + PH(j), 56);
	memcpy(b + PH(j), tmp, 56);
}

int corpus_make(size_t i, uint8_t **buf, size_t *len)
{
	const char *name = cases[i].name;
	uint8_t *b;
	int err = corpus_make_valid(buf, len);

	if (err)
		return err;
	b = *buf;
	/* Program headers: 0,1 CPU notes; 2 vmcoreinfo; 3 text; 4,5 RAM. */
	if (!strcmp(name, "truncated"))
		*len = 40;
	else if (!strcmp(name, "wrong-magic"))
		b[1] = 'X';
	else if (!strcmp(name, "wrong-class"))
		b[4] = 1;
	else if (!strcmp(name, "wrong-data"))
		b[5] = 0;
	else if (!strcmp(name, "wrong-ident-version"))
		b[6] = 0;
	else if (!strcmp(name, "wrong-type"))
		put16(b + 16, 2);
	else if (!strcmp(name, "wrong-machine"))
		put16(b + 18, 40);
	else if (!strcmp(name, "wrong-version"))
		put32(b + 20, 0);
	else if (!strcmp(name, "wrong-ehsize"))
		put16(b + 52, 52);
	else if (!strcmp(name, "wrong-phentsize"))
		put16(b + 54, 32);
	else if (!strcmp(name, "phoff-inside-ehdr"))
		put64(b + 32, 32);
	else if (!strcmp(name, "phnum-zero"))
		put16(b + 56, 0);
	else if (!strcmp(name, "phnum-past-end"))
		put16(b + 56, 200);
	else if (!strcmp(name, "phoff-past-end"))
		put64(b + 32, UINT64_MAX - 15);
	else if (!strcmp(name, "offset-filesz-overflow")) {
		put64(b + PH(4) + 8, UINT64_MAX - 0xfff);
		put64(b + PH(4) + 32, 0x2000);
		put64(b + PH(4) + 40, 0x2000);
	} else if (!strcmp(name, "paddr-memsz-overflow")) {
		put64(b + PH(4) + 24, UINT64_MAX - 0xfff);
	} else if (!strcmp(name, "filesz-exceeds-memsz")) {
		put64(b + PH(4) + 32, get64(b + PH(4) + 40) + 1);
	} else if (!strcmp(name, "load-before-note")) {
		swap_phdrs(b, 2, 3);
	} else if (!strcmp(name, "overlapping-loads")) {
		/* RAM LOAD 5 moved to start inside RAM LOAD 4, same direct map. */
		put64(b + PH(5) + 8, 0x2e000000);
		put64(b + PH(5) + 16, 0xffff888000000000ull + 0x2e000000);
		put64(b + PH(5) + 24, 0x2e000000);
	} else if (!strcmp(name, "pn-xnum-without-sections")) {
		put16(b + 56, 0xffff);
	} else if (!strcmp(name, "pn-xnum-bad-shentsize")) {
		put16(b + 56, 0xffff);
		put64(b + 40, 4096 - 64);
		put16(b + 58, 40);
	} else if (!strcmp(name, "pn-xnum-small-count")) {
		put16(b + 56, 0xffff);
		put64(b + 40, 4096 - 64);
		put16(b + 58, 64);
		put16(b + 60, 1);
		put32(b + 4096 - 64 + 44, 6);
	} else if (!strcmp(name, "vmcore-load-past-eof")) {
		put64(b + PH(4) + 8, 0x1000);
	} else if (!strcmp(name, "vmcore-note-overruns")) {
		/* A one-note vmcore whose note claims 1000 bytes of name in 24. */
		put16(b + 56, 1);
		put32(b + PH(0), 4);
		put64(b + PH(0) + 8, 0x200);
		put64(b + PH(0) + 24, 0);
		put64(b + PH(0) + 32, 24);
		put64(b + PH(0) + 40, 24);
		memset(b + 0x200, 0, 24);
		put32(b + 0x200, 1000);
		put32(b + 0x204, 4);
		put32(b + 0x208, 1);
	}
	return 0;
}

int corpus_make_pn_xnum(size_t nloads, uint8_t **buf, size_t *len)
{
	size_t phnum = nloads + 1;
	size_t shoff = PH(phnum);
	uint8_t *b;

	*len = shoff + 64;
	b = *buf = calloc(1, *len);
	if (!b)
		return -ENOMEM;
	memcpy(b, "\x7f" "ELF", 4);
	b[4] = 2;
	b[5] = 1;
	b[6] = 1;
	put16(b + 16, 4);
	put16(b + 18, 62);
	put32(b + 20, 1);
	put64(b + 32, 64);
	put64(b + 40, shoff);
	put16(b + 52, 64);
	put16(b + 54, 56);
	put16(b + 56, 0xffff);
	put16(b + 58, 64);
	put16(b + 60, 1); /* section 0 exists: it carries the count */
	put32(b + shoff + 44, (uint32_t)phnum);
	put32(b + PH(0), 4);
	put64(b + PH(0) + 8, 0x4000000);
	put64(b + PH(0) + 24, 0x4000000);
	put64(b + PH(0) + 32, 368);
	put64(b + PH(0) + 40, 368);
	for (size_t i = 0; i < nloads; i++) {
		uint64_t pa = 0x100000000ull + i * 0x2000;
		uint8_t *p = b + PH(i + 1);
		put32(p, 1);
		put32(p + 4, 7);
		put64(p + 8, pa);
		put64(p + 16, 0xffff888000000000ull + pa);
		put64(p + 24, pa);
		put64(p + 32, 0x1000);
		put64(p + 40, 0x1000);
	}
	return 0;
}
