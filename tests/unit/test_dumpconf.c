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

#include "crashhp/dumpconf.h"
#include "crashhp/error.h"
#include "crashhp/sysroot.h"

#define SCRATCH_TREE_NAME "dumpconf"
#include "scratch_tree.h"

/* Read the machine under root as status does: through its sysroot. */
static int read_conf(struct chp_dumpconf *c)
{
	struct chp_sysroot *s;
	int err = chp_sysroot_open(&s, root);

	if (err)
		return err;
	err = chp_dumpconf_read(c, s);
	chp_sysroot_free(s);
	return err;
}

/* A directory with neither sys/ nor proc/ is no machine's root; either one is. */
static void test_dumpconf__prefix_needs_sys_or_proc(void **state)
{
	assert_int_equal(chp_sysroot_check_prefix(root), -ENOENT);
	assert_non_null(strstr(chp_last_error(), "neither sys/ nor proc/"));
	put("/proc/iomem", "");
	assert_int_equal(chp_sysroot_check_prefix(root), 0);
	assert_int_equal(chp_sysroot_check_prefix("/"), 0);
	/* A missing directory is chp_sysroot_open()'s to name. */
	assert_int_equal(chp_sysroot_check_prefix("/nonexistent-crashhp"), 0);
}

/* fadump's files read as the kernel writes them ("1\n"), the old names too. */
static void test_dumpconf__fadump_files(void **state)
{
	struct chp_dumpconf c;

	assert_int_equal(read_conf(&c), 0);
	assert_int_equal(c.fadump_enabled, -1);
	assert_int_equal(c.fadump_registered, -1);
	assert_int_equal(c.fadump_hotplug_ready, -1);
	assert_null(c.setting);
	put("/sys/kernel/fadump_enabled", "1\n");
	put("/sys/kernel/fadump_registered", "0\n");
	assert_int_equal(read_conf(&c), 0);
	assert_int_equal(c.fadump_enabled, 1);
	assert_int_equal(c.fadump_registered, 0);
	put("/sys/kernel/fadump/registered", "1\n");
	put("/sys/kernel/fadump/hotplug_ready", "1\n");
	assert_int_equal(read_conf(&c), 0);
	assert_int_equal(c.fadump_registered, 1);
	assert_int_equal(c.fadump_hotplug_ready, 1);
	put("/sys/kernel/fadump/hotplug_ready", "2\n");
	assert_int_equal(read_conf(&c), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "hotplug_ready: expected 0 or 1, read '2'"));
	put("/sys/kernel/fadump/hotplug_ready", "1\nx");
	assert_int_equal(read_conf(&c), -EINVAL);
}

/*
 * fadump's own reservation (mem_reserved_show(): "%ld\n"): with it powerpc
 * reserves no crashk_res, which is why kexec_crash_size reads 0 there.
 */
static void test_dumpconf__fadump_mem_reserved(void **state)
{
	struct chp_dumpconf c;

	assert_int_equal(read_conf(&c), 0);
	assert_true(c.fadump_mem_reserved == -1);
	put("/sys/kernel/fadump/mem_reserved", "2147483648\n");
	assert_int_equal(read_conf(&c), 0);
	assert_true(c.fadump_mem_reserved == 2147483648ll);
	put("/sys/kernel/fadump/mem_reserved", "-1\n");
	assert_int_equal(read_conf(&c), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "mem_reserved: expected a byte count below "
			       "2^52, read '-1'"));
	put("/sys/kernel/fadump/mem_reserved", "2G\n");
	assert_int_equal(read_conf(&c), -EINVAL);
}

/* The service's setting as its shell reads a plain assignment: the last one wins. */
static void test_dumpconf__service_setting(void **state)
{
	struct chp_dumpconf c;

	put("/etc/default/kdump-tools", "KDUMP_KEXEC_ARGS=\"-s\"\n#KDUMP_KEXEC_ARGS=\"-s\"\n"
					"KDUMP_KEXEC_ARGS=\"-d\"\nMAKEDUMP_ARGS=\"-c -d 31\"\n");
	assert_int_equal(read_conf(&c), 0);
	assert_string_equal(c.service, "kdump-tools");
	assert_string_equal(c.setting, "KDUMP_KEXEC_ARGS");
	assert_true(c.setting_found);
	assert_string_equal(c.kexec_args, "-d");
	assert_false(chp_dumpconf_loads_hotplug(&c));
	put("/etc/default/kdump-tools", "  export KDUMP_KEXEC_ARGS='-d --hotplug'\n");
	assert_int_equal(read_conf(&c), 0);
	assert_string_equal(c.kexec_args, "-d --hotplug");
	assert_true(chp_dumpconf_loads_hotplug(&c));
	put("/etc/default/kdump-tools", "KDUMP_KEXEC_ARGS=--kexec-file-syscall # signed\n");
	assert_int_equal(read_conf(&c), 0);
	assert_string_equal(c.kexec_args, "--kexec-file-syscall");
	assert_true(chp_dumpconf_loads_hotplug(&c));
	/* "-sd" is not -s: only whole words count. */
	put("/etc/default/kdump-tools", "KDUMP_KEXEC_ARGS=\"-sd\"\n");
	assert_int_equal(read_conf(&c), 0);
	assert_false(chp_dumpconf_loads_hotplug(&c));
	put("/etc/default/kdump-tools", "USE_KDUMP=1\n");
	assert_int_equal(read_conf(&c), 0);
	assert_false(c.setting_found);
	assert_false(chp_dumpconf_loads_hotplug(&c));
}

static void test_dumpconf__kdump_utils(void **state)
{
	struct chp_dumpconf c;

	put("/etc/sysconfig/kdump", "KEXEC_ARGS=\"-s\"\nKDUMP_IMG=\"vmlinuz\"\n");
	assert_int_equal(read_conf(&c), 0);
	assert_string_equal(c.service, "kdump-utils");
	assert_string_equal(c.config_file, "/etc/sysconfig/kdump");
	assert_string_equal(c.setting, "KEXEC_ARGS");
	assert_string_equal(c.reload, "kdumpctl restart");
	assert_true(chp_dumpconf_loads_hotplug(&c));
	/* KDUMP_KEXEC_ARGS is not KEXEC_ARGS. */
	put("/etc/sysconfig/kdump", "KDUMP_KEXEC_ARGS=\"-s\"\n");
	assert_int_equal(read_conf(&c), 0);
	assert_false(c.setting_found);
}

/* A hostile sysroot: a link out of it, or a FIFO, is refused, named, at once. */
static void test_dumpconf__hostile_files_refused(void **state)
{
	struct chp_dumpconf c;
	char path[128];

	put("/proc/iomem", "");
	put("/etc/default/.keep", "");
	snprintf(path, sizeof(path), "%s/etc/default/kdump-tools", root);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(read_conf(&c), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "kdump-tools: a symbolic link that leads out"));
	unlink(path);
	put("/sys/kernel/fadump/.keep", "");
	snprintf(path, sizeof(path), "%s/sys/kernel/fadump/enabled", root);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(read_conf(&c), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "enabled: not a regular file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dumpconf__prefix_needs_sys_or_proc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dumpconf__fadump_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dumpconf__fadump_mem_reserved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dumpconf__service_setting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dumpconf__kdump_utils, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dumpconf__hostile_files_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
