/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "crashhp/capture.h"
#include "crashhp/elfcore.h"
#include "crashhp/error.h"
#include "crashhp/kimage.h"
#include "crashhp/loader.h"
#include "crashhp/machine.h"

#define REGION ((struct chp_range){ 0x2f000000, 0x2f000000 + (16u << 20) - 1 })

static uint8_t header[8192];

static struct chp_kimage *loaded(enum chp_load_mode mode, bool flag)
{
	struct chp_kimage *img;
	struct chp_load_request req = {
		.mode = mode, .hotplug_flag = flag, .kernel_size = 1 << 20, .initrd_size = 12345,
		.cmdline = "console=ttyS0 nr_cpus=1", .elfcorehdr = header,
		.elfcorehdr_len = 4096, .elfcorehdr_memsz = sizeof(header),
	};

	memcpy(header, "\x7f" "ELF", 4);
	memset(header + 4, 0x5a, 100);
	assert_int_equal(chp_kimage_new(&img, REGION), 0);
	assert_int_equal(chp_kimage_load(img, &req), 0);
	return img;
}

static void find(const struct chp_kimage *img, enum chp_segment_kind kind, struct chp_segment_info *out)
{
	for (size_t i = 0; i < chp_kimage_nr_segments(img); i++) {
		assert_int_equal(chp_kimage_segment(img, i, out), 0);
		if (out->kind == kind)
			return;
	}
	fail_msg("no %s segment", chp_segment_kind_name(kind));
}

/* A write into the protected region faults, as the kernel's would. */
static void test_kimage__stray_write_faults(void **state)
{
	struct chp_kimage *img = loaded(CHP_LOAD_FILE, false);
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		/* Undo any sanitizer's handler: the child must die of the fault itself. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		((volatile uint8_t *)chp_kimage_mapping(img))[100] = 1;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
	chp_kimage_free(img);
}

/* Only what a CPU stores in one go is one store: wider or unaligned is refused. */
static void test_kimage__store_only_atomic(void **state)
{
	struct chp_kimage *img = loaded(CHP_LOAD_FILE, false);
	uint8_t b[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, before[16], back[16];

	assert_int_equal(chp_kimage_read(img, REGION.start + 64, before, 16), 0);
	assert_int_equal(chp_kimage_unprotect(img), 0);
	assert_int_equal(chp_kimage_store(img, REGION.start + 64, b, 16), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "split it"));
	assert_int_equal(chp_kimage_store(img, REGION.start + 68, b, 8), -EINVAL);
	assert_int_equal(chp_kimage_store(img, REGION.start + 65, b, 2), -EINVAL);
	assert_int_equal(chp_kimage_store(img, REGION.start + 64, b, 3), -EINVAL);
	assert_int_equal(chp_kimage_read(img, REGION.start + 64, back, 16), 0);
	assert_memory_equal(back, before, 16); /* nothing of a refused store lands */
	assert_int_equal(chp_kimage_store(img, REGION.start + 64, b, 8), 0);
	assert_int_equal(chp_kimage_store(img, REGION.start + 76, b, 4), 0);
	assert_int_equal(chp_kimage_store(img, REGION.start + 66, b, 2), 0);
	assert_int_equal(chp_kimage_store(img, REGION.start + 67, b, 1), 0);
	assert_int_equal(chp_kimage_protect(img), 0);
	chp_kimage_free(img);
}

static void test_kimage__store_needs_unprotect(void **state)
{
	struct chp_kimage *img = loaded(CHP_LOAD_FILE, false);
	uint8_t b = 7, back = 0;

	assert_int_equal(chp_kimage_store(img, REGION.start + 100, &b, 1), -EPERM);
	assert_int_equal(chp_kimage_unprotect(img), 0);
	assert_int_equal(chp_kimage_store(img, REGION.start + 100, &b, 1), 0);
	assert_int_equal(chp_kimage_store(img, REGION.last + 1, &b, 1), -EFAULT);
	assert_int_equal(chp_kimage_store(img, REGION.start - 1, &b, 1), -EFAULT);
	assert_int_equal(chp_kimage_protect(img), 0);
	assert_int_equal(chp_kimage_read(img, REGION.start + 100, &back, 1), 0);
	assert_int_equal(back, 7);
	chp_kimage_free(img);
}

/* kexec_file_load: five page-aligned segments and "elfcorehdr=0x..." first. */
static void test_kimage__file_load_layout_and_cmdline(void **state)
{
	struct chp_kimage *img = loaded(CHP_LOAD_FILE, false);
	struct chp_segment_info hdr, initrd;
	char cmdline[256], want[64];
	uint64_t addr;
	size_t index;

	assert_true(chp_kimage_loaded(img));
	assert_true(chp_kimage_hotplug_capable(img));
	assert_int_equal(chp_kimage_nr_segments(img), 5);
	find(img, CHP_SEG_ELFCOREHDR, &hdr);
	assert_int_equal(hdr.memsz, sizeof(header));
	assert_false(hdr.in_digest);
	find(img, CHP_SEG_INITRD, &initrd);
	assert_int_equal(initrd.paddr % 4096, 0);
	assert_int_equal(initrd.bufsz, 12345);
	assert_int_equal(initrd.memsz, 16384);
	assert_true(initrd.paddr + initrd.memsz - 1 <= REGION.last);
	assert_int_equal(chp_kimage_cmdline(img, cmdline, sizeof(cmdline)), 0);
	snprintf(want, sizeof(want), "elfcorehdr=0x%llx ", (unsigned long long)hdr.paddr);
	assert_int_equal(strncmp(cmdline, want, strlen(want)), 0);
	assert_non_null(strstr(cmdline, "nr_cpus=1"));
	assert_int_equal(chp_cmdline_elfcorehdr(cmdline, &addr), 0);
	assert_int_equal(addr, hdr.paddr);
	assert_int_equal(chp_kimage_elfcorehdr_index(img, &index), 0);
	assert_int_equal(index, 0);
	assert_int_equal(chp_kimage_purgatory_check(img), 0);
	chp_kimage_free(img);
}

static void test_kimage__cmdline_parsing(void **state)
{
	uint64_t addr = 0;

	assert_int_equal(chp_cmdline_elfcorehdr("a elfcorehdr=786432K b", &addr), 0);
	assert_int_equal(addr, 786432ull << 10);
	assert_int_equal(chp_cmdline_elfcorehdr("elfcorehdr=64K@0x2f000000", &addr), 0);
	assert_int_equal(addr, 0x2f000000);
	assert_int_equal(chp_cmdline_elfcorehdr("xelfcorehdr=1 elfcorehdr=2M", &addr), 0);
	assert_int_equal(addr, 2u << 20);
	assert_int_equal(chp_cmdline_elfcorehdr("root=/dev/sda", &addr), -ENOENT);
	assert_int_equal(chp_cmdline_elfcorehdr("elfcorehdr=zz", &addr), -EINVAL);
	assert_int_equal(chp_cmdline_elfcorehdr("xelfcorehdr=0x1000", &addr), -ENOENT);
}

/* Purgatory notices a changed kernel byte. */
static void test_kimage__digest_detects_changed_segment(void **state)
{
	struct chp_kimage *img = loaded(CHP_LOAD_FILE, false);
	struct chp_segment_info kernel;
	uint8_t b;

	find(img, CHP_SEG_KERNEL, &kernel);
	assert_int_equal(chp_kimage_read(img, kernel.paddr + 5000, &b, 1), 0);
	b ^= 1;
	assert_int_equal(chp_kimage_unprotect(img), 0);
	assert_int_equal(chp_kimage_store(img, kernel.paddr + 5000, &b, 1), 0);
	assert_int_equal(chp_kimage_protect(img), 0);
	assert_int_equal(chp_kimage_purgatory_check(img), -EBADMSG);
	chp_kimage_free(img);
}

/* Only a hotplug-capable image may have its header rewritten in place. */
static void test_kimage__header_digested_unless_hotplug_capable(void **state)
{
	static const struct { enum chp_load_mode mode; bool flag; int after; } cases[] = {
		{ CHP_LOAD_FILE, false, 0 },
		{ CHP_LOAD_SEGMENTS, true, 0 },
		{ CHP_LOAD_SEGMENTS, false, -EBADMSG },
	};
	for (size_t i = 0; i < 3; i++) {
		struct chp_kimage *img = loaded(cases[i].mode, cases[i].flag);
		struct chp_segment_info hdr;
		uint8_t b = 0x77;

		assert_int_equal(chp_kimage_hotplug_capable(img), cases[i].after == 0);
		find(img, CHP_SEG_ELFCOREHDR, &hdr);
		assert_int_equal(chp_kimage_unprotect(img), 0);
		assert_int_equal(chp_kimage_store(img, hdr.paddr + 200, &b, 1), 0);
		assert_int_equal(chp_kimage_protect(img), 0);
		assert_int_equal(chp_kimage_purgatory_check(img), cases[i].after);
		chp_kimage_free(img);
	}
}

/* kexec_load: the header is found by its magic once, then the index is cached. */
static void test_kimage__segments_header_found_by_magic_and_cached(void **state)
{
	struct chp_kimage *img = loaded(CHP_LOAD_SEGMENTS, true);
	struct chp_segment_info hdr;
	char cmdline[256];
	size_t index = 99;
	uint8_t junk[4] = "JUNK";

	assert_int_equal(chp_kimage_cmdline(img, cmdline, sizeof(cmdline)), 0);
	assert_non_null(strstr(cmdline, "K"));
	assert_int_equal(chp_kimage_elfcorehdr_index(img, &index), 0);
	assert_int_equal(index, 0);
	find(img, CHP_SEG_ELFCOREHDR, &hdr);
	assert_int_equal(chp_kimage_unprotect(img), 0);
	assert_int_equal(chp_kimage_store(img, hdr.paddr, junk, 4), 0);
	assert_int_equal(chp_kimage_protect(img), 0);
	index = 99;
	assert_int_equal(chp_kimage_elfcorehdr_index(img, &index), 0); /* cached */
	assert_int_equal(index, 0);
	chp_kimage_free(img);
}

static void test_kimage__unload_and_no_room(void **state)
{
	struct chp_kimage *img = loaded(CHP_LOAD_FILE, false);
	struct chp_segment_info hdr;
	uint8_t b = 1;
	struct chp_load_request big = {
		.mode = CHP_LOAD_FILE, .kernel_size = 32u << 20, .elfcorehdr = header,
		.elfcorehdr_len = 4096, .elfcorehdr_memsz = 4096,
	};

	find(img, CHP_SEG_ELFCOREHDR, &hdr);
	chp_kimage_unload(img);
	assert_false(chp_kimage_loaded(img));
	assert_int_equal(chp_kimage_purgatory_check(img), -ENOENT);
	assert_int_equal(chp_kimage_read(img, hdr.paddr, &b, 1), 0);
	assert_int_equal(b, 0); /* the region is a fresh reservation again */
	assert_int_equal(chp_kimage_load(img, &big), -ENOSPC);
	assert_false(chp_kimage_loaded(img));
	assert_int_equal(chp_kimage_read(img, hdr.paddr, &b, 1), 0);
	assert_int_equal(b, 0); /* nothing left behind by the failed load */
	chp_kimage_free(img);
}

/*
 * crash_handle_hotplug_event() (kernel/crash_core.c) finds the elfcorehdr
 * segment by the ELF magic and does not stop at the first match: with two
 * segments starting with it, the last is taken for the header.
 */
static void test_kimage__elfcorehdr_segment_is_the_last_match(void **state)
{
	struct chp_kimage *img = loaded(CHP_LOAD_SEGMENTS, true);
	struct chp_segment_info seg;
	size_t index = 99, kernel = 0;

	for (size_t i = 0; i < chp_kimage_nr_segments(img); i++) {
		assert_int_equal(chp_kimage_segment(img, i, &seg), 0);
		if (seg.kind == CHP_SEG_KERNEL)
			kernel = i;
	}
	assert_int_equal(chp_kimage_segment(img, kernel, &seg), 0);
	assert_int_equal(chp_kimage_unprotect(img), 0);
	assert_int_equal(chp_kimage_store(img, seg.paddr, "\x7f" "ELF", 4), 0);
	chp_kimage_protect(img);
	assert_int_equal(chp_kimage_elfcorehdr_index(img, &index), 0);
	assert_int_equal(index, kernel);
	chp_kimage_free(img);
}

/*
 * arch_crash_hotplug_support() (6.12): x86 takes KEXEC_UPDATE_ELFCOREHDR or
 * KEXEC_CRASH_HOTPLUG_SUPPORT from kexec_load, ppc64 only the latter;
 * kexec_file_load is always capable.
 */
static void test_kimage__hotplug_flags_per_arch(void **state)
{
	struct chp_load_options o;

	chp_load_options_init(&o);
	assert_true(chp_load_hotplug_capable(CHP_ARCH_PPC64LE, &o));
	o.mode = CHP_LOAD_SEGMENTS;
	assert_false(chp_load_hotplug_capable(CHP_ARCH_X86_64, &o));
	o.update_elfcorehdr_flag = true;
	assert_true(chp_load_hotplug_capable(CHP_ARCH_X86_64, &o));
	assert_false(chp_load_hotplug_capable(CHP_ARCH_PPC64LE, &o));
	o.update_elfcorehdr_flag = false;
	o.hotplug_flag = true;
	assert_true(chp_load_hotplug_capable(CHP_ARCH_X86_64, &o));
	assert_true(chp_load_hotplug_capable(CHP_ARCH_PPC64LE, &o));

	/* and the x86 image loaded with KEXEC_UPDATE_ELFCOREHDR is one the kernel updates */
	struct chp_lab_spec spec;
	struct chp_machine *m;
	struct chp_kimage *img;

	chp_lab_spec_init(&spec, CHP_ARCH_X86_64);
	assert_int_equal(chp_machine_new_lab(&m, &spec), 0);
	assert_int_equal(chp_kimage_new(&img, *chp_ranges_at(chp_machine_crashkernel(m), 0)), 0);
	o.hotplug_flag = false;
	o.update_elfcorehdr_flag = true;
	assert_int_equal(chp_load_crash_image(img, m, &o), 0);
	assert_true(chp_kimage_hotplug_capable(img));
	chp_kimage_free(img);
	chp_machine_free(m);
}

/* A ppc64 kexec_load with KEXEC_UPDATE_ELFCOREHDR: not updated, its header just big enough. */
static void test_kimage__ppc64_ignores_update_elfcorehdr(void **state)
{
	struct chp_lab_spec spec;
	struct chp_machine *m;
	struct chp_kimage *img;
	struct chp_load_options o;
	struct chp_segment_info seg;

	chp_lab_spec_init(&spec, CHP_ARCH_PPC64LE);
	spec.max_memory_ranges = 100; /* where kexec_file_load's size differs */
	assert_int_equal(chp_machine_new_lab(&m, &spec), 0);
	assert_int_equal(chp_kimage_new(&img, *chp_ranges_at(chp_machine_crashkernel(m), 0)), 0);
	chp_load_options_init(&o);
	o.mode = CHP_LOAD_SEGMENTS;
	o.update_elfcorehdr_flag = true;
	assert_int_equal(chp_load_crash_image(img, m, &o), 0);
	assert_false(chp_kimage_hotplug_capable(img));
	find(img, CHP_SEG_ELFCOREHDR, &seg);
	assert_int_equal(seg.memsz, 4096);
	o.update_elfcorehdr_flag = false;
	o.hotplug_flag = true;
	assert_int_equal(chp_load_crash_image(img, m, &o), 0);
	assert_true(chp_kimage_hotplug_capable(img));
	find(img, CHP_SEG_ELFCOREHDR, &seg);
	/* crash_elfcorehdr_size: 64 + (8 possible + 1 + 100) * 56 = 6168, page-rounded */
	assert_int_equal(seg.memsz, 2 * 4096);
	chp_kimage_free(img);
	chp_machine_free(m);
}

/* PT_NOTEs in the loaded image's header. */
static size_t loaded_notes(const struct chp_kimage *img)
{
	struct chp_segment_info seg;
	static uint8_t buf[1 << 20];
	struct chp_elfcore *core;
	size_t notes = 0;

	find(img, CHP_SEG_ELFCOREHDR, &seg);
	assert_true(seg.bufsz <= sizeof(buf));
	assert_int_equal(chp_kimage_read(img, seg.paddr, buf, (size_t)seg.bufsz), 0);
	assert_int_equal(chp_elfcore_open_buffer(&core, buf, (size_t)seg.bufsz, CHP_ELFCORE_AUTO), 0);
	for (size_t i = 0; i < chp_elfcore_phnum(core); i++)
		notes += chp_elfcore_phdr(core, i)->type == CHP_PT_NOTE;
	chp_elfcore_free(core);
	return notes;
}

/*
 * kexec-tools' crash_create_elf64_headers() gives a kexec_load header a
 * PT_NOTE per CPU sysfs shows, the kernel's crash_prepare_elf64_headers()
 * one per possible CPU (for_each_possible_cpu): 4 of 8 against 8, +
 * vmcoreinfo, on x86_64, whose sysfs has the present CPUs
 * (cpu_dev_register_generic()); ppc64's topology_init()
 * (arch/powerpc/kernel/sysfs.c) registers every possible CPU pseries can
 * hotplug, so there kexec-tools gives all 8 (the real 6.12.113 pseries dump of
 * tests/e2e/run_ppc64.py: 2 NT_PRSTATUS with 1 of 2 CPUs present at load).
 */
static void test_kimage__kexec_load_header_has_present_cpus(void **state)
{
	struct chp_lab_spec spec;
	struct chp_machine *m;
	struct chp_kimage *img;
	struct chp_load_options o;

	chp_lab_spec_init(&spec, CHP_ARCH_X86_64); /* 8 possible, 4 present */
	assert_int_equal(chp_machine_new_lab(&m, &spec), 0);
	assert_int_equal(chp_kimage_new(&img, *chp_ranges_at(chp_machine_crashkernel(m), 0)), 0);
	chp_load_options_init(&o);
	assert_int_equal(chp_load_crash_image(img, m, &o), 0);
	assert_int_equal(loaded_notes(img), 8 + 1);
	o.mode = CHP_LOAD_SEGMENTS;
	o.hotplug_flag = true;
	assert_int_equal(chp_load_crash_image(img, m, &o), 0);
	assert_int_equal(loaded_notes(img), 4 + 1);
	chp_kimage_free(img);
	chp_machine_free(m);

	chp_lab_spec_init(&spec, CHP_ARCH_PPC64LE);
	spec.cpus_possible = 8;
	spec.cpus_present = 4;
	spec.cpus_online = 4;
	assert_int_equal(chp_machine_new_lab(&m, &spec), 0);
	assert_int_equal(chp_kimage_new(&img, *chp_ranges_at(chp_machine_crashkernel(m), 0)), 0);
	assert_int_equal(chp_load_crash_image(img, m, &o), 0);
	assert_int_equal(loaded_notes(img), 8 + 1);
	o.hotplug_flag = false;
	assert_int_equal(chp_load_crash_image(img, m, &o), 0);
	assert_int_equal(loaded_notes(img), 8 + 1);
	chp_kimage_free(img);
	chp_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kimage__stray_write_faults),
		cmocka_unit_test(test_kimage__elfcorehdr_segment_is_the_last_match),
		cmocka_unit_test(test_kimage__hotplug_flags_per_arch),
		cmocka_unit_test(test_kimage__kexec_load_header_has_present_cpus),
		cmocka_unit_test(test_kimage__ppc64_ignores_update_elfcorehdr),
		cmocka_unit_test(test_kimage__store_needs_unprotect),
		cmocka_unit_test(test_kimage__store_only_atomic),
		cmocka_unit_test(test_kimage__file_load_layout_and_cmdline),
		cmocka_unit_test(test_kimage__cmdline_parsing),
		cmocka_unit_test(test_kimage__digest_detects_changed_segment),
		cmocka_unit_test(test_kimage__header_digested_unless_hotplug_capable),
		cmocka_unit_test(test_kimage__segments_header_found_by_magic_and_cached),
		cmocka_unit_test(test_kimage__unload_and_no_room),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
