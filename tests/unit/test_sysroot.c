/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "crashhp/error.h"
#include "crashhp/sysroot.h"

static char root[64];

static void put(const char *path, const char *text)
{
	char full[256], cmd[300];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", full);
	assert_int_equal(system(cmd), 0);
	f = fopen(full, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	strcpy(root, "/tmp/crashhp-sysroot-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void test_sysroot__cpulist(void **state)
{
	struct chp_ranges *r;

	assert_int_equal(chp_ranges_new(&r), 0);
	assert_int_equal(chp_parse_cpulist("0-3,8,10-11\n", r), 0);
	assert_int_equal(chp_ranges_count(r), 3);
	assert_int_equal(chp_ranges_at(r, 2)->last, 11);
	assert_int_equal(chp_parse_cpulist("", r), 0);
	assert_int_equal(chp_ranges_count(r), 0);
	assert_int_equal(chp_parse_cpulist("3-1", r), -EINVAL);
	assert_int_equal(chp_parse_cpulist("0-", r), -EINVAL);
	assert_int_equal(chp_parse_cpulist("0;1", r), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "'0;1'"));
	chp_ranges_free(r);
}

/* Nesting by indentation; "Crash kernel (low)"; kmem; the kernel image. */
static void test_sysroot__iomem_tree(void **state)
{
	struct chp_sysroot *s;
	struct chp_range k;

	put("/proc/iomem",
	    "00001000-0009ffff : System RAM\n"
	    "00100000-7fffffff : System RAM\n"
	    "  01000000-01ffffff : Kernel code\n"
	    "  02000000-027fffff : Kernel rodata\n"
	    "  02c00000-02ffffff : Kernel bss\n"
	    "  30000000-37ffffff : Crash kernel (low)\n"
	    "80000000-fdffffff : PCI Bus 0000:00\n"
	    "100000000-13fffffff : dax0.0\n"
	    "  100000000-13fffffff : System RAM (kmem)\n"
	    "180000000-1bfffffff : System RAM\n"
	    "  1a0000000-1afffffff : Crash kernel\n");
	assert_int_equal(chp_sysroot_open(&s, root), 0);
	assert_int_equal(chp_sysroot_nr_iomem(s), 11);
	assert_int_equal(chp_sysroot_iomem(s, 8)->depth, 1);
	assert_int_equal(chp_ranges_count(chp_sysroot_system_ram(s)), 3); /* kmem is not top-level RAM */
	assert_int_equal(chp_ranges_count(chp_sysroot_crashkernel(s)), 2);
	assert_int_equal(chp_ranges_count(chp_sysroot_kmem(s)), 1);
	assert_true(chp_sysroot_kernel_image(s, &k));
	assert_int_equal(k.start, 0x1000000);
	assert_int_equal(k.last, 0x2ffffff);
	assert_false(chp_sysroot_iomem_zeroed(s));
	/* Absent everything else: listed, not failed. */
	assert_non_null(strstr(chp_sysroot_absent(s), "/sys/devices/system/cpu/possible"));
	chp_sysroot_free(s);
}

static void test_sysroot__iomem_errors_name_line(void **state)
{
	struct chp_sysroot *s = NULL;

	put("/proc/iomem", "00001000-0009ffff : System RAM\n   00100000-7fffffff : odd\n");
	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "/proc/iomem:2: odd indentation"));
	put("/proc/iomem", "00001000-0009ffff System RAM\n");
	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "/proc/iomem:1:"));
	put("/proc/iomem", "00002000-00001fff : System RAM\n");
	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "end before start"));
	assert_null(s);
}

/* Read without privilege: every address 0; detected, and nothing built on it. */
static void test_sysroot__iomem_zeroed(void **state)
{
	struct chp_sysroot *s;

	put("/proc/iomem", "00000000-00000000 : System RAM\n  00000000-00000000 : Crash kernel\n");
	assert_int_equal(chp_sysroot_open(&s, root), 0);
	assert_true(chp_sysroot_iomem_zeroed(s));
	assert_int_equal(chp_ranges_count(chp_sysroot_system_ram(s)), 0);
	assert_int_equal(chp_ranges_count(chp_sysroot_crashkernel(s)), 0);
	chp_sysroot_free(s);
}

static void test_sysroot__malformed_sysfs_named(void **state)
{
	struct chp_sysroot *s = NULL;

	put("/proc/iomem", "");
	put("/sys/devices/system/memory/block_size_bytes", "zz\n");
	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "block_size_bytes: 'zz' is not a hexadecimal number"));
	put("/sys/devices/system/memory/block_size_bytes", "6000000\n");
	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "not a power of two"));
	put("/sys/devices/system/memory/block_size_bytes", "8000000\n");
	put("/sys/devices/system/memory/crash_hotplug", "2\n");
	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "crash_hotplug: '2' is neither 0 nor 1"));
	put("/sys/devices/system/memory/crash_hotplug", "1\n");
	put("/sys/kernel/vmcoreinfo", "garbage\n");
	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "vmcoreinfo"));
	assert_int_equal(chp_sysroot_open(&s, "/nonexistent/sysroot"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysroot__cpulist),
		cmocka_unit_test_setup_teardown(test_sysroot__iomem_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__iomem_errors_name_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__iomem_zeroed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__malformed_sysfs_named, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
