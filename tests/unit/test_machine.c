/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "crashhp/crashmem.h"
#include "crashhp/error.h"
#include "crashhp/machine.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static struct chp_machine *lab(enum chp_arch arch, uint64_t ram)
{
	struct chp_lab_spec s;
	struct chp_machine *m;

	chp_lab_spec_init(&s, arch);
	s.boot_ram = ram;
	assert_int_equal(chp_machine_new_lab(&m, &s), 0);
	return m;
}

static void expect_ranges(const struct chp_ranges *s, const struct chp_range *v, size_t n)
{
	assert_int_equal(chp_ranges_count(s), n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(chp_ranges_at(s, i)->start, v[i].start);
		assert_int_equal(chp_ranges_at(s, i)->last, v[i].last);
	}
}

/*
 * x86_64, 4 GiB: [0x1000-0x9ffff] [1 MiB - 2 GiB) then 2 GiB from 4 GiB:
 *   0 ... 640K   1M ............ 2G  (PCI hole)  4G ........ 6G
 */
static void test_machine__x86_64_pc_layout(void **state)
{
	struct chp_machine *m = lab(CHP_ARCH_X86_64, 4 * GiB);
	struct chp_ranges *hdr;

	expect_ranges(chp_machine_system_ram(m), (struct chp_range[]){
		{ 0x1000, 0x9ffff }, { 0x100000, 2 * GiB - 1 }, { 4 * GiB, 6 * GiB - 1 } }, 3);
	/* The crashkernel sits at the top of low memory, 16 MiB aligned. */
	const struct chp_range *ck = chp_ranges_at(chp_machine_crashkernel(m), 0);
	assert_int_equal(ck->last - ck->start + 1, 256 * MiB);
	assert_true(ck->last < 2 * GiB);
	assert_int_equal(ck->start % (16 * MiB), 0);
	/* Blocks: the hole's blocks are absent, the rest online. */
	assert_int_equal(chp_machine_nr_blocks(m), 48);
	assert_int_equal(chp_machine_block_state(m, 0), CHP_BLOCK_ONLINE);
	assert_int_equal(chp_machine_block_state(m, 16), CHP_BLOCK_ABSENT);
	assert_int_equal(chp_machine_block_state(m, 32), CHP_BLOCK_ONLINE);
	/* The header leaves out the low 1 MiB and the crashkernel. */
	assert_int_equal(chp_ranges_new(&hdr), 0);
	assert_int_equal(chp_crashmem_header_ranges(m, hdr), 0);
	expect_ranges(hdr, (struct chp_range[]){ { 0x100000, ck->start - 1 },
		{ ck->last + 1, 2 * GiB - 1 }, { 4 * GiB, 6 * GiB - 1 } }, 3);
	assert_non_null(chp_machine_kernel_text(m));
	chp_ranges_free(hdr);
	chp_machine_free(m);
}

/* ppc64: one range from 0, crashkernel at 128 MiB, no kernel-text LOAD. */
static void test_machine__ppc64_layout(void **state)
{
	struct chp_machine *m = lab(CHP_ARCH_PPC64, 1 * GiB);
	struct chp_ranges *hdr;

	expect_ranges(chp_machine_system_ram(m), (struct chp_range[]){ { 0, GiB - 1 } }, 1);
	expect_ranges(chp_machine_crashkernel(m), (struct chp_range[]){ { 128 * MiB, 384 * MiB - 1 } }, 1);
	assert_null(chp_machine_kernel_text(m));
	assert_int_equal(chp_ranges_new(&hdr), 0);
	assert_int_equal(chp_crashmem_header_ranges(m, hdr), 0);
	expect_ranges(hdr, (struct chp_range[]){ { 0, 128 * MiB - 1 }, { 384 * MiB, GiB - 1 } }, 2);
	chp_ranges_free(hdr);
	chp_machine_free(m);
}

static void test_machine__spec_errors_name_the_field(void **state)
{
	struct chp_lab_spec s;
	struct chp_machine *m = NULL;

	chp_lab_spec_init(&s, CHP_ARCH_X86_64);
	s.cpus_possible = 0;
	assert_int_equal(chp_machine_new_lab(&m, &s), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "cpus_possible"));

	chp_lab_spec_init(&s, CHP_ARCH_X86_64);
	s.cpus_online = 5;
	assert_int_equal(chp_machine_new_lab(&m, &s), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "cpus_online"));

	chp_lab_spec_init(&s, CHP_ARCH_X86_64);
	s.block_size = 100 * MiB;
	assert_int_equal(chp_machine_new_lab(&m, &s), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "block_size"));

	chp_lab_spec_init(&s, CHP_ARCH_X86_64);
	s.boot_ram = GiB + MiB;
	assert_int_equal(chp_machine_new_lab(&m, &s), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "boot_ram"));

	chp_lab_spec_init(&s, CHP_ARCH_X86_64);
	s.boot_ram = 256 * MiB;
	assert_int_equal(chp_machine_new_lab(&m, &s), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "too small"));

	chp_lab_spec_init(&s, CHP_ARCH_X86_64);
	s.nr_cpus_config = 60000;
	assert_int_equal(chp_machine_new_lab(&m, &s), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "PN_XNUM"));
	assert_null(m);
}

/* Contents depend on the address only, reads are repeatable, absent memory faults. */
static void test_machine__memory_contents(void **state)
{
	struct chp_machine *m = lab(CHP_ARCH_X86_64, 1 * GiB);
	uint8_t a[64], b[64];

	assert_int_equal(chp_machine_read_phys(m, 0x200003, a, sizeof(a)), 0);
	assert_int_equal(chp_machine_read_phys(m, 0x200000, b, sizeof(b)), 0);
	assert_memory_equal(a, b + 3, sizeof(a) - 3);
	assert_int_equal(b[0], (uint8_t)chp_memory_word(0x200000, 0));
	assert_int_equal(b[8], (uint8_t)chp_memory_word(0x200008, 0));
	/* A new hot-add generation means different bytes at the same address. */
	assert_true(chp_memory_word(0x200000, 0) != chp_memory_word(0x200000, 1));
	/* The legacy hole at 640 KiB and the PCI hole read as absent, never zeros. */
	assert_int_equal(chp_machine_read_phys(m, 0xa0000, a, 8), -EFAULT);
	assert_int_equal(chp_machine_read_phys(m, 0x9fff8, a, 16), -EFAULT);
	assert_int_equal(chp_machine_read_phys(m, 1 * GiB, a, 1), -EFAULT);
	assert_non_null(strstr(chp_last_error(), "machine-check"));
	chp_machine_free(m);
}

/* The kernel's own buffers hold what was stored; elsewhere a store is refused. */
static void test_machine__store_only_into_kernel_buffers(void **state)
{
	struct chp_machine *m = lab(CHP_ARCH_X86_64, 1 * GiB);
	struct chp_note_loc n = chp_machine_cpu_notes(m, 2);
	uint8_t pat[16] = "crash notes cpu2", back[16];

	assert_int_equal(n.size, 368);
	assert_int_equal(chp_machine_store_phys(m, n.paddr, pat, sizeof(pat)), 0);
	assert_int_equal(chp_machine_read_phys(m, n.paddr, back, sizeof(back)), 0);
	assert_memory_equal(back, pat, sizeof(pat));
	assert_int_equal(chp_machine_store_phys(m, 0x200000, pat, sizeof(pat)), -EFAULT);
	/* The vmcoreinfo note is in place from boot. */
	assert_int_equal(chp_machine_read_phys(m, chp_machine_vmcoreinfo(m).paddr + 12, back, 11), 0);
	assert_memory_equal(back, "VMCOREINFO", 11);
	chp_machine_free(m);
}

static void test_machine__cpu_sets(void **state)
{
	struct chp_lab_spec s;
	struct chp_machine *m;

	chp_lab_spec_init(&s, CHP_ARCH_X86_64);
	s.cpus_possible = 16;
	s.cpus_present = 6;
	s.cpus_online = 3;
	assert_int_equal(chp_machine_new_lab(&m, &s), 0);
	assert_int_equal(chp_machine_cpus_possible(m), 16);
	assert_int_equal(chp_machine_cpus_present(m), 6);
	assert_int_equal(chp_machine_cpus_online(m), 3);
	assert_true(chp_machine_cpu_online(m, 2));
	assert_false(chp_machine_cpu_online(m, 3));
	assert_true(chp_machine_cpu_present(m, 5));
	assert_false(chp_machine_cpu_present(m, 6));
	assert_false(chp_machine_cpu_present(m, 99));
	/* Notes buffers do not overlap. */
	assert_true(chp_machine_cpu_notes(m, 1).paddr >=
		    chp_machine_cpu_notes(m, 0).paddr + chp_machine_cpu_notes(m, 0).size);
	chp_machine_free(m);
}

/*
 * x86_64 crash_load_segments() / arch_crash_get_elfcorehdr_size(): the header
 * reserves CONFIG_NR_CPUS_DEFAULT CPU slots, 8192 under MAXSMP (NR_CPUS 8192)
 * and 64 otherwise, whatever NR_CPUS is; + 2 + CRASH_MAX_MEMORY_RANGES, + the
 * ELF header, page-rounded by kexec_add_buffer().
 */
static void test_machine__x86_segment_from_nr_cpus_default(void **state)
{
	struct chp_lab_spec s;
	struct chp_machine *m;

	chp_lab_spec_init(&s, CHP_ARCH_X86_64);
	s.nr_cpus_config = 512;
	assert_int_equal(chp_machine_new_lab(&m, &s), 0);
	/* 64 + (2 + 64 + 8192) * 56 = 462512 -> 113 pages, not 64 + (2 + 512 + 8192) * 56 */
	assert_int_equal(chp_crashmem_segment_size(m), 113 * 4096);
	chp_machine_free(m);
	s.nr_cpus_config = 8192;
	assert_int_equal(chp_machine_new_lab(&m, &s), 0);
	assert_int_equal(chp_crashmem_segment_size(m), 225 * 4096); /* 917680 bytes */
	chp_machine_free(m);
	assert_int_equal(chp_crashmem_x86_nr_cpus_default(1), 1);
}

/*
 * ppc64 load_elfcorehdr_segment(): the header as crash_prepare_elf64_headers()
 * sizes it (possible CPUs + vmcoreinfo + ranges + a kernel-map slot it leaves
 * unused, page-aligned) + kdump_extra_elfcorehdr_size(): (CRASH_MAX_MEMORY_RANGES
 * - ranges at load) program headers, the ranges counting [0, 64 KiB) apart
 * (get_crash_memory_ranges()); page-rounded again.  Commit 04e707cb77c2 keeps
 * this memsz as elf_headers_sz.
 */
static void test_machine__ppc64_segment_kdump_extra_size(void **state)
{
	struct chp_lab_spec s;
	struct chp_machine *m;

	chp_lab_spec_init(&s, CHP_ARCH_PPC64LE);
	s.boot_ram = 8 * GiB;
	s.crashkernel_size = 128 * MiB;
	s.cpus_possible = s.cpus_present = s.cpus_online = 2;
	assert_int_equal(chp_machine_new_lab(&m, &s), 0);
	/* ranges: [0, 64K) [64K, crashkernel) [after it, 8G): 3 */
	assert_int_equal(chp_crashmem_segment_size(m), 4096 + (8192 - 3) * 56 + 4096 - (8189 * 56) % 4096);
	chp_machine_free(m);
	s.max_memory_ranges = 3; /* as many as at load: no extra, the header alone */
	assert_int_equal(chp_machine_new_lab(&m, &s), 0);
	assert_int_equal(chp_crashmem_segment_size(m), 4096);
	chp_machine_free(m);
	s.max_memory_ranges = 100; /* the header page-aligned first: 4096 + 97 * 56 -> 3 pages */
	assert_int_equal(chp_machine_new_lab(&m, &s), 0);
	assert_int_equal(chp_crashmem_segment_size(m), 3 * 4096);
	chp_machine_free(m);
	s.max_memory_ranges = 3;
	s.cpus_possible = 68; /* 64 + (68 + 1 + 3 + the kernel-map slot) * 56 = 4152: 2 pages */
	assert_int_equal(chp_machine_new_lab(&m, &s), 0);
	assert_int_equal(chp_crashmem_segment_size(m), 2 * 4096);
	chp_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_machine__x86_64_pc_layout),
		cmocka_unit_test(test_machine__ppc64_layout),
		cmocka_unit_test(test_machine__x86_segment_from_nr_cpus_default),
		cmocka_unit_test(test_machine__ppc64_segment_kdump_extra_size),
		cmocka_unit_test(test_machine__spec_errors_name_the_field),
		cmocka_unit_test(test_machine__memory_contents),
		cmocka_unit_test(test_machine__store_only_into_kernel_buffers),
		cmocka_unit_test(test_machine__cpu_sets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
