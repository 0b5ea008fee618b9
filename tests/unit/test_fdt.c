/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "crashhp/fdt.h"
#include "hplab.h"

/* dtc, which nobody here wrote, reads the tree back; its text is returned. */
static char *dtc_decompile(const void *fdt, size_t size)
{
	char path[] = "/tmp/crashhp-fdt-XXXXXX", cmd[128];
	static char out[65536];
	int fd = mkstemp(path);
	FILE *p;
	size_t n;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, fdt, size), (ssize_t)size);
	close(fd);
	snprintf(cmd, sizeof(cmd), "dtc -q -I dtb -O dts %s 2>&1", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	int status = pclose(p);
	unlink(path);
	if (status != 0)
		fail_msg("dtc failed (%d): %s", status, out);
	return out;
}

static struct chp_machine *ppc64(unsigned possible, unsigned present)
{
	struct chp_lab_spec s;
	struct chp_machine *m;

	chp_lab_spec_init(&s, CHP_ARCH_PPC64);
	s.cpus_possible = possible;
	s.cpus_present = present;
	s.cpus_online = present;
	assert_int_equal(chp_machine_new_lab(&m, &s), 0);
	return m;
}

/* The load's tree: every possible CPU, "okay" when present, "fail" when not. */
static void test_fdt__build_read_by_dtc(void **state)
{
	struct chp_machine *m = ppc64(4, 2);
	size_t size = chp_fdt_size(4), off;
	void *fdt = calloc(1, size);
	bool okay;

	assert_int_equal(chp_fdt_build(m, fdt, size), 0);
	char *dts = dtc_decompile(fdt, size);
	assert_non_null(strstr(dts, "PowerPC,POWER9@3 {"));
	assert_non_null(strstr(dts, "status = \"fail\";"));
	assert_non_null(strstr(dts, "status = \"okay\";"));
	assert_non_null(strstr(dts, "device_type = \"cpu\";"));
	assert_int_equal(chp_fdt_cpu_bootable(fdt, size, 1), 0);
	assert_int_equal(chp_fdt_cpu_bootable(fdt, size, 3), -ENOENT);
	assert_int_equal(chp_fdt_cpu_status(fdt, 3, &off, &okay), 0);
	assert_false(okay);
	assert_int_equal(off % 4, 0);  /* one aligned store switches it */
	assert_int_equal(chp_fdt_cpu_bootable(fdt, size, 9), -ENOENT);
	free(fdt);
	chp_machine_free(m);
}

/* Mainline's update_cpus_node(): present CPUs only, read back by dtc. */
static void test_fdt__rebuild_cpus_read_by_dtc(void **state)
{
	struct chp_machine *m = ppc64(4, 2);
	size_t size = chp_fdt_size(4);
	void *fdt = calloc(1, size);

	assert_int_equal(chp_fdt_build(m, fdt, size), 0);
	assert_int_equal(chp_machine_add_cpu(m, 3), 0);
	assert_int_equal(chp_fdt_rebuild_cpus(m, fdt, size), 0);
	char *dts = dtc_decompile(fdt, size);
	assert_non_null(strstr(dts, "PowerPC,POWER9@3 {"));
	assert_null(strstr(dts, "PowerPC,POWER9@2 {"));
	assert_null(strstr(dts, "\"fail\""));
	assert_int_equal(chp_fdt_cpu_bootable(fdt, size, 3), 0);
	free(fdt);
	chp_machine_free(m);
}

/*
 * The load's tree is written front to back (libfdt's sequential writer); with
 * every CPU present it reads, by dtc, exactly as the tree mainline's
 * node-by-node update_cpus_node() leaves.
 */
static void test_fdt__build_reads_as_node_by_node(void **state)
{
	struct chp_machine *m = ppc64(12, 12);
	size_t size = chp_fdt_size(12);
	void *built = calloc(1, size), *rebuilt = calloc(1, size);
	char *dts;

	assert_int_equal(chp_fdt_build(m, built, size), 0);
	dts = strdup(dtc_decompile(built, size));
	assert_int_equal(chp_fdt_build(m, rebuilt, size), 0);
	assert_int_equal(chp_fdt_rebuild_cpus(m, rebuilt, size), 0);
	assert_string_equal(dts, dtc_decompile(rebuilt, size));
	free(dts);
	free(built);
	free(rebuilt);
	chp_machine_free(m);
}

/* Every CPU's status offset from one walk: the same as looking each one up. */
static void test_fdt__status_offsets_one_walk(void **state)
{
	struct chp_machine *m = ppc64(64, 5);
	size_t size = chp_fdt_size(64), off;
	void *fdt = calloc(1, size);
	uint32_t offsets[70];
	bool okay;

	assert_int_equal(chp_fdt_build(m, fdt, size), 0);
	assert_int_equal(chp_fdt_cpu_status_offsets(fdt, size, offsets, 70), 0);
	for (unsigned cpu = 0; cpu < 64; cpu++) {
		assert_int_equal(chp_fdt_cpu_status(fdt, cpu, &off, &okay), 0);
		assert_int_equal(offsets[cpu], off);
		assert_int_equal(off % 4, 0);
		assert_memory_equal((char *)fdt + offsets[cpu], cpu < 5 ? "okay" : "fail", 5);
	}
	for (unsigned cpu = 64; cpu < 70; cpu++)
		assert_int_equal(offsets[cpu], 0);  /* no node */
	/* Mainline's rewrite drops the absent CPUs' nodes. */
	assert_int_equal(chp_fdt_rebuild_cpus(m, fdt, size), 0);
	assert_int_equal(chp_fdt_cpu_status_offsets(fdt, size, offsets, 70), 0);
	assert_int_not_equal(offsets[4], 0);
	assert_int_equal(offsets[5], 0);
	/* A corrupt tree is refused, not walked. */
	memset(fdt, 0xff, 8);
	assert_int_equal(chp_fdt_cpu_status_offsets(fdt, size, offsets, 70), -EINVAL);
	free(fdt);
	chp_machine_free(m);
}

/* A hot-added CPU that panics: each policy lets the capture kernel start on it. */
static void test_fdt__hot_added_cpu_can_take_the_dump(void **state)
{
	for (int p = 0; p < 2; p++) {
		struct hplab l;
		struct injector in;

		hplab_up(&l, CHP_ARCH_PPC64, GiB, p ? CHP_POLICY_ROBUST : CHP_POLICY_MAINLINE);
		assert_int_equal(chp_machine_add_cpu(l.m, 3), 0);
		injector_arm(&in, l.hp, 0, 0);
		assert_int_equal(chp_machine_online_cpu(l.m, 3), 0);
		injector_disarm(&in);
		struct chp_dump_result res = hplab_crash(&l); /* on CPU 3 */
		assert_true(res.taken);
		assert_true(res.complete);
		if (p == 1) {
			assert_int_equal(in.stores, 1);        /* "fail" -> "okay" */
			assert_int_equal(in.steps, 1);         /* nothing hidden, nothing copied */
			assert_int_equal(chp_hotplug_stats(l.hp)->store_bytes, 4);
			assert_null(strstr(chp_hotplug_log(l.hp), "rewriting /cpus"));
			assert_int_equal(in.complete, in.steps);
		} else {
			assert_int_equal(in.dumps, 0);          /* hidden while copied */
		}
		hplab_down(&l);
	}
}

/* A dropped ADD_CPU: mainline's capture kernel cannot start on the new CPU. */
static void test_fdt__dropped_cpu_event(void **state)
{
	for (int p = 0; p < 2; p++) {
		struct hplab l;

		hplab_up(&l, CHP_ARCH_PPC64, GiB, p ? CHP_POLICY_ROBUST : CHP_POLICY_MAINLINE);
		assert_int_equal(chp_machine_add_cpu(l.m, 3), 0);
		assert_true(chp_hotplug_kexec_trylock(l.hp));
		assert_int_equal(chp_machine_online_cpu(l.m, 3), 0);
		chp_hotplug_kexec_unlock(l.hp);
		struct chp_dump_result res = hplab_crash(&l);
		if (p == 0) {
			assert_false(res.taken);
			assert_non_null(strstr(res.why, "cannot start on CPU 3"));
		} else {
			assert_true(res.taken);
			assert_true(res.complete);
		}
		hplab_down(&l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fdt__build_read_by_dtc),
		cmocka_unit_test(test_fdt__rebuild_cpus_read_by_dtc),
		cmocka_unit_test(test_fdt__build_reads_as_node_by_node),
		cmocka_unit_test(test_fdt__status_offsets_one_walk),
		cmocka_unit_test(test_fdt__hot_added_cpu_can_take_the_dump),
		cmocka_unit_test(test_fdt__dropped_cpu_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
