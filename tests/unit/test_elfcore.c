/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../corpus.h"
#include "crashhp/elfcore.h"
#include "crashhp/error.h"

static struct chp_ranges *two_ranges(void)
{
	struct chp_ranges *mem;

	assert_int_equal(chp_ranges_new(&mem), 0);
	assert_int_equal(chp_ranges_add(mem, (struct chp_range){ 0x100000, 0x2effffff }), 0);
	assert_int_equal(chp_ranges_add(mem, (struct chp_range){ 0x100000000ull, 0x13fffffffull }), 0);
	return mem;
}

static void test_elfcore__capacity_follows_kernel_formula(void **state)
{
	/* (2 + 64 + 8192) * 56 + 64 = 462512 -> 452 KiB; 8192 CPUs -> 900 KiB. */
	assert_int_equal(chp_elfcore_segment_size(64, 8192), 452 * 1024);
	assert_int_equal(chp_elfcore_segment_size(8192, 8192), 900 * 1024);
	assert_int_equal(chp_elfcore_slots(452 * 1024), (452 * 1024 - 64) / 56);
	assert_int_equal(chp_elfcore_slots(10), 0);
}

/* x86_64: NOTE per CPU, vmcoreinfo NOTE, kernel-text LOAD, LOAD per range. */
static void test_elfcore__build_x86_64_layout(void **state)
{
	const struct chp_note_loc notes[3] = { { 0x4000000, 368 }, { 0x4000180, 368 }, { 0x4000300, 368 } };
	const struct chp_kernel_text text = { 0x1000000, 0xffffffff81000000ull, 0x2000000 };
	struct chp_ranges *mem = two_ranges();
	struct chp_elfcore_desc d = { CHP_ARCH_X86_64, notes, 3, { 0x2c00000, 4132 }, &text, mem, 0, false, 0, NULL };
	size_t size = chp_elfcore_segment_size(64, 8192), len = 0;
	uint8_t *buf = malloc(size);
	struct chp_elfcore *core;

	memset(buf, 0xaa, size);
	assert_int_equal(chp_elfcore_phdrs_needed(&d), 7);
	assert_int_equal(chp_elfcore_build(buf, size, &d, &len), 0);
	assert_int_equal(len, 4096); /* page-rounded, like the kernel's elf_sz */
	assert_int_equal(buf[64 + 7 * 56], 0); /* zeroed after the last header */
	assert_int_equal(buf[4095], 0);
	assert_int_equal(buf[4096], 0xaa);   /* and not beyond the length */

	assert_int_equal(chp_elfcore_open_buffer(&core, buf, len, CHP_ELFCORE_AUTO), 0);
	assert_int_equal(chp_elfcore_kind(core), CHP_ELFCORE_HEADER);
	assert_int_equal(chp_elfcore_arch(core), CHP_ARCH_X86_64);
	assert_false(chp_elfcore_big_endian(core));
	assert_int_equal(chp_elfcore_ehdr(core)->machine, 62);
	assert_int_equal(chp_elfcore_ehdr(core)->phoff, 64);
	assert_int_equal(chp_elfcore_phnum(core), 7);
	for (int i = 0; i < 3; i++) {
		const struct chp_elf_phdr *p = chp_elfcore_phdr(core, (size_t)i);
		assert_int_equal(p->type, CHP_PT_NOTE);
		assert_int_equal(p->offset, notes[i].paddr);
		assert_int_equal(p->paddr, notes[i].paddr);
		assert_int_equal(p->filesz, 368);
	}
	assert_int_equal(chp_elfcore_phdr(core, 3)->type, CHP_PT_NOTE);
	assert_int_equal(chp_elfcore_phdr(core, 3)->memsz, 4132);
	const struct chp_elf_phdr *t = chp_elfcore_phdr(core, 4);
	assert_int_equal(t->type, CHP_PT_LOAD);
	assert_int_equal(t->vaddr, 0xffffffff81000000ull);
	assert_int_equal(t->paddr, 0x1000000);
	const struct chp_elf_phdr *r = chp_elfcore_phdr(core, 6);
	assert_int_equal(r->offset, 0x100000000ull);
	assert_int_equal(r->vaddr, 0xffff888000000000ull + 0x100000000ull);
	assert_int_equal(r->filesz, 0x40000000);
	assert_int_equal(r->memsz, 0x40000000);
	assert_int_equal(r->flags, CHP_PF_R | CHP_PF_W | CHP_PF_X);
	assert_int_equal(r->align, 0);
	chp_elfcore_free(core);
	chp_ranges_free(mem);
	free(buf);
}

/*
 * No PT_NOTE of size 0, ever: vmcore.c's update_note_header_size_elf64()
 * kmalloc(p_memsz)s each note and reads an Elf64_Nhdr through it, so a size
 * of 0 oopses the capture kernel.  A vmcoreinfo of unknown size is left out;
 * a CPU note of size 0 is refused.
 */
static void test_elfcore__no_zero_size_note(void **state)
{
	struct chp_note_loc notes[2] = { { 0x4000000, 368 }, { 0x4000180, 368 } };
	struct chp_ranges *mem = two_ranges();
	struct chp_elfcore_desc d = { CHP_ARCH_X86_64, notes, 2, { 0, 0 }, NULL, mem, 0, false, 0, NULL };
	size_t size = chp_elfcore_segment_size(64, 8192), len = 0;
	uint8_t *buf = calloc(1, size);
	struct chp_elfcore *core;

	assert_int_equal(chp_elfcore_phdrs_needed(&d), 4);
	assert_int_equal(chp_elfcore_build(buf, size, &d, &len), 0);
	assert_int_equal(chp_elfcore_open_buffer(&core, buf, len, CHP_ELFCORE_AUTO), 0);
	assert_int_equal(chp_elfcore_phnum(core), 4);
	for (size_t i = 0; i < chp_elfcore_phnum(core); i++)
		assert_int_not_equal(chp_elfcore_phdr(core, i)->memsz, 0);
	assert_int_equal(chp_elfcore_phdr(core, 2)->type, CHP_PT_LOAD);
	chp_elfcore_free(core);
	notes[1].size = 0;
	assert_int_equal(chp_elfcore_build(buf, size, &d, &len), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "size 0"));
	chp_ranges_free(mem);
	free(buf);
}

/* ppc64 is big endian with the 0xc000... direct map and no kernel-text LOAD. */
static void test_elfcore__build_ppc64_big_endian(void **state)
{
	const struct chp_note_loc notes[1] = { { 0x4000000, 536 } };
	struct chp_ranges *mem = two_ranges();
	uint8_t buf[4096];
	size_t len;
	struct chp_elfcore *core;
	struct chp_elfcore_desc d = { CHP_ARCH_PPC64, notes, 1, { 0x2c00000, 4132 }, NULL, mem, 0, false, 0, NULL };

	assert_int_equal(chp_elfcore_build(buf, sizeof(buf), &d, &len), 0);
	assert_int_equal(buf[5], 2);                 /* ELFDATA2MSB */
	assert_int_equal(buf[18], 0);                /* e_machine 21, big endian */
	assert_int_equal(buf[19], 21);
	assert_int_equal(chp_elfcore_open_buffer(&core, buf, len, CHP_ELFCORE_AUTO), 0);
	assert_int_equal(chp_elfcore_arch(core), CHP_ARCH_PPC64);
	assert_int_equal(chp_elfcore_phnum(core), 4);
	assert_int_equal(chp_elfcore_phdr(core, 2)->vaddr, 0xc000000000100000ull);
	chp_elfcore_free(core);

	d.arch = CHP_ARCH_PPC64LE;
	assert_int_equal(chp_elfcore_build(buf, sizeof(buf), &d, &len), 0);
	assert_int_equal(buf[5], 1);
	assert_int_equal(chp_elfcore_open_buffer(&core, buf, len, CHP_ELFCORE_AUTO), 0);
	assert_int_equal(chp_elfcore_arch(core), CHP_ARCH_PPC64LE);
	chp_elfcore_free(core);

	/* ppc64 has no kernel-text LOAD to build. */
	const struct chp_kernel_text text = { 0, 0xc000000000000000ull, 0x1000 };
	d.kernel_text = &text;
	assert_int_equal(chp_elfcore_build(buf, sizeof(buf), &d, &len), -EINVAL);
	chp_ranges_free(mem);
}

static void test_elfcore__build_reports_no_room(void **state)
{
	const struct chp_note_loc notes[1] = { { 0x4000000, 368 } };
	struct chp_ranges *mem = two_ranges();
	uint8_t buf[64 + 3 * 56];
	size_t len;
	struct chp_elfcore_desc d = { CHP_ARCH_PPC64LE, notes, 1, { 0x2c00000, 4132 }, NULL, mem, 0, false, 0, NULL };

	/* 4 headers needed, room for 3. */
	assert_int_equal(chp_elfcore_build(buf, sizeof(buf), &d, &len), -ENOSPC);
	assert_non_null(strstr(chp_last_error(), "needs 4 program headers"));
	chp_ranges_free(mem);
}

/* The kernel-text LOAD maps RAM a second time through another offset: legal. */
static void test_elfcore__text_overlapping_ram_is_valid(void **state)
{
	uint8_t *buf;
	size_t len;
	struct chp_elfcore *core;

	assert_int_equal(corpus_make_valid(&buf, &len), 0);
	assert_int_equal(chp_elfcore_open_buffer(&core, buf, len, CHP_ELFCORE_AUTO), 0);
	chp_elfcore_free(core);
	free(buf);
}

/* Every malformed header gets its own error naming the field. */
static void test_elfcore__corpus_each_rejected_with_its_field(void **state)
{
	for (size_t i = 0; i < corpus_count(); i++) {
		const struct corpus_case *c = corpus_case(i);
		struct chp_elfcore *core = NULL;
		uint8_t *buf;
		size_t len;
		int err;

		assert_int_equal(corpus_make(i, &buf, &len), 0);
		err = chp_elfcore_open_buffer(&core, buf, len, CHP_ELFCORE_AUTO);
		if (c->structural_ok) {
			assert_int_equal(err, 0);
			chp_elfcore_free(core);
		} else {
			if (err != -EINVAL || !strstr(chp_last_error(), c->expect))
				fail_msg("%s: got %d '%s', expected -EINVAL with '%s'", c->name, err,
					 chp_last_error(), c->expect);
			assert_null(core);
		}
		free(buf);
	}
}

static void test_elfcore__pn_xnum_count_from_section_zero(void **state)
{
	uint8_t *buf;
	size_t len;
	struct chp_elfcore *core;

	assert_int_equal(corpus_make_pn_xnum(70000, &buf, &len), 0);
	assert_int_equal(chp_elfcore_open_buffer(&core, buf, len, CHP_ELFCORE_AUTO), 0);
	assert_int_equal(chp_elfcore_ehdr(core)->phnum, CHP_PN_XNUM);
	assert_int_equal(chp_elfcore_phnum(core), 70001);
	assert_int_equal(chp_elfcore_phdr(core, 70000)->paddr, 0x100000000ull + 69999ull * 0x2000);
	chp_elfcore_free(core);
	free(buf);
}

static void test_elfcore__building_past_pn_xnum_is_refused(void **state)
{
	struct chp_ranges *mem;
	const struct chp_note_loc notes[1] = { { 0x4000000, 368 } };
	size_t size = 64 + 70000 * 56, len;
	uint8_t *buf = malloc(size);

	assert_int_equal(chp_ranges_new(&mem), 0);
	for (uint64_t i = 0; i < 65535; i++)
		assert_int_equal(chp_ranges_add(mem, (struct chp_range){ i * 0x2000, i * 0x2000 + 0xfff }), 0);
	struct chp_elfcore_desc d = { CHP_ARCH_PPC64LE, notes, 1, { 0x2c00000, 4132 }, NULL, mem, 0, false, 0, NULL };
	assert_int_equal(chp_elfcore_build(buf, size, &d, &len), -E2BIG);
	assert_non_null(strstr(chp_last_error(), "PN_XNUM"));
	chp_ranges_free(mem);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elfcore__capacity_follows_kernel_formula),
		cmocka_unit_test(test_elfcore__build_x86_64_layout),
		cmocka_unit_test(test_elfcore__no_zero_size_note),
		cmocka_unit_test(test_elfcore__build_ppc64_big_endian),
		cmocka_unit_test(test_elfcore__build_reports_no_room),
		cmocka_unit_test(test_elfcore__text_overlapping_ram_is_valid),
		cmocka_unit_test(test_elfcore__corpus_each_rejected_with_its_field),
		cmocka_unit_test(test_elfcore__pn_xnum_count_from_section_zero),
		cmocka_unit_test(test_elfcore__building_past_pn_xnum_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
