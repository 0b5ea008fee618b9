/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "labfile.h"
#include "crashhp/crashmem.h"
#include "crashhp/elfcore.h"
#include "crashhp/error.h"

static struct chp_elfcore *open_vmcore(const char *path, uint8_t **bytes, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct chp_elfcore *core;

	assert_non_null(f);
	*bytes = malloc(1 << 16);
	*len = fread(*bytes, 1, 1 << 16, f);
	fclose(f);
	/* Only the headers are in the buffer: parse as a header to skip bounds. */
	assert_int_equal(chp_elfcore_open_buffer(&core, *bytes, *len, CHP_ELFCORE_HEADER), 0);
	return core;
}

/* The dump is laid out as /proc/vmcore lays it out. */
static void test_capture__vmcore_has_linux_layout(void **state)
{
	struct lab l;
	struct chp_capture_info info;
	struct chp_elfcore *core;
	struct stat st;
	uint8_t *bytes;
	size_t len;

	lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 4, 3);
	lab_crash(&l, &info);
	assert_int_equal(lab_files(&l), 1); /* no temporary left beside it */
	assert_int_equal(stat(l.path, &st), 0);
	assert_int_equal((uint64_t)st.st_size, info.file_size);
	assert_int_equal(info.nr_notes, 4); /* 3 online CPUs + VMCOREINFO */
	assert_int_equal(info.header_phnum, 4 + 1 + 1 + 2);
	assert_int_equal(info.nr_loads, 3);

	core = open_vmcore(l.path, &bytes, &len);
	assert_int_equal(chp_elfcore_phnum(core), 4);
	const struct chp_elf_phdr *note = chp_elfcore_phdr(core, 0);
	assert_int_equal(note->type, CHP_PT_NOTE);
	assert_int_equal(note->offset, 4096);   /* after the page-rounded headers */
	assert_int_equal(note->paddr, 0);
	assert_int_equal(note->align, 4);
	assert_int_equal(note->filesz, info.notes_bytes);
	uint64_t next = 4096 + 4096;            /* notes page-rounded */
	for (size_t i = 1; i < 4; i++) {
		const struct chp_elf_phdr *p = chp_elfcore_phdr(core, i);
		assert_int_equal(p->type, CHP_PT_LOAD);
		assert_int_equal(p->offset, next + p->paddr % 4096);
		next += ((p->paddr + p->memsz + 4095) / 4096 - p->paddr / 4096) * 4096;
	}
	assert_int_equal(next, info.file_size);
	chp_elfcore_free(core);
	free(bytes);
	lab_down(&l);
}

static void test_capture__big_endian_ppc64(void **state)
{
	struct lab l;
	struct chp_capture_info info;

	lab_up(&l, CHP_ARCH_PPC64, 512 * MiB, 2, 2);
	lab_crash(&l, &info);
	assert_int_equal(info.nr_notes, 3);
	/* no kernel-text LOAD on ppc64; the backup region [0, 64 KiB) its own */
	assert_int_equal(info.nr_loads, 3);
	lab_down(&l);
}

static void test_capture__no_image_no_dump(void **state)
{
	struct lab l;
	struct chp_capture_info info;

	lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 2, 2);
	chp_kimage_unload(l.img);
	assert_int_equal(chp_crash_save(l.m, 0, 1), 0);
	assert_int_equal(chp_capture_vmcore(l.m, l.img, l.path, &info), -ENODATA);
	assert_int_equal(lab_files(&l), 0);
	lab_down(&l);
}

static void test_capture__crash_on_offline_cpu_refused(void **state)
{
	struct lab l;

	lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 4, 2);
	assert_int_equal(chp_crash_save(l.m, 3, 1), -EINVAL);
	lab_down(&l);
}

static void store_into_region(struct lab *l, uint64_t paddr, const void *b, size_t n)
{
	const uint8_t *p = b;

	/* One aligned store at a time, as a CPU writes it. */
	assert_int_equal(chp_kimage_unprotect(l->img), 0);
	while (n) {
		size_t k = 8;
		while (k > 1 && (k > n || paddr % k))
			k /= 2;
		assert_int_equal(chp_kimage_store(l->img, paddr, p, k), 0);
		paddr += k;
		p += k;
		n -= k;
	}
	assert_int_equal(chp_kimage_protect(l->img), 0);
}

static uint64_t header_addr(struct lab *l)
{
	struct chp_segment_info s;
	size_t i;

	assert_int_equal(chp_kimage_elfcorehdr_index(l->img, &i), 0);
	assert_int_equal(chp_kimage_segment(l->img, i, &s), 0);
	return s.paddr;
}

static void test_capture__digest_mismatch_no_dump(void **state)
{
	struct lab l;
	struct chp_capture_info info;
	struct chp_segment_info k;

	lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 2, 2);
	for (size_t i = 0; i < chp_kimage_nr_segments(l.img); i++) {
		chp_kimage_segment(l.img, i, &k);
		if (k.kind == CHP_SEG_KERNEL)
			break;
	}
	store_into_region(&l, k.paddr + 10, "zz", 2);
	assert_int_equal(chp_crash_save(l.m, 0, 1), 0);
	assert_int_equal(chp_capture_vmcore(l.m, l.img, l.path, &info), -EBADMSG);
	assert_int_equal(lab_files(&l), 0);
	lab_down(&l);
}

/* /proc/vmcore reads the program headers right after the ELF header. */
static void test_capture__header_rules_of_linux(void **state)
{
	struct lab l;
	struct chp_capture_info info;
	uint8_t phoff[8] = { 128 };

	lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 2, 2);
	store_into_region(&l, header_addr(&l) + 32, phoff, 8);
	assert_int_equal(chp_crash_save(l.m, 0, 1), 0);
	assert_int_equal(chp_capture_vmcore(l.m, l.img, l.path, &info), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "e_phoff"));
	assert_int_equal(lab_files(&l), 0);
	lab_down(&l);
}

/* A LOAD over memory that is not there fails the capture; nothing is left. */
static void test_capture__absent_memory_is_an_error(void **state)
{
	struct lab l;
	struct chp_capture_info info;
	size_t room = 900 * 1024, len;
	uint8_t *hdr = calloc(1, room);
	struct chp_ranges *mem;
	struct chp_note_loc notes[2];

	lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 2, 2);
	notes[0] = chp_machine_cpu_notes(l.m, 0);
	notes[1] = chp_machine_cpu_notes(l.m, 1);
	assert_int_equal(chp_ranges_new(&mem), 0);
	assert_int_equal(chp_crashmem_header_ranges(l.m, mem), 0);
	/* Add a stale 128 MiB "DIMM" above the machine's RAM. */
	assert_int_equal(chp_ranges_add(mem, (struct chp_range){ GiB, GiB + 128 * MiB - 1 }), 0);
	struct chp_elfcore_desc d = { CHP_ARCH_X86_64, notes, 2, chp_machine_vmcoreinfo(l.m),
				      chp_machine_kernel_text(l.m), mem, 0, false, 0, NULL };
	assert_int_equal(chp_elfcore_build(hdr, room, &d, &len), 0);
	store_into_region(&l, header_addr(&l), hdr, len);
	assert_int_equal(chp_crash_save(l.m, 0, 1), 0);
	assert_int_equal(chp_capture_vmcore(l.m, l.img, l.path, &info), -EFAULT);
	assert_non_null(strstr(chp_last_error(), "machine-check"));
	assert_int_equal(lab_files(&l), 0);
	chp_ranges_free(mem);
	free(hdr);
	lab_down(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture__vmcore_has_linux_layout),
		cmocka_unit_test(test_capture__big_endian_ppc64),
		cmocka_unit_test(test_capture__no_image_no_dump),
		cmocka_unit_test(test_capture__crash_on_offline_cpu_refused),
		cmocka_unit_test(test_capture__digest_mismatch_no_dump),
		cmocka_unit_test(test_capture__header_rules_of_linux),
		cmocka_unit_test(test_capture__absent_memory_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
