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

#include "crashhp/crashmem.h"
#include "crashhp/elfcore.h"
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
			/* a crash at every step takes a complete dump, on CPU 3 once online */
			if (in.complete != in.steps)
				fail_msg("%u of %u crashes incomplete or no dump: %s",
					 in.steps - in.complete, in.steps, in.first_bad);
			assert_count_equal(in.stores, 1);      /* "fail" -> "okay" */
			assert_count_equal(in.steps, 1);       /* nothing hidden, nothing copied */
			assert_count_equal(chp_hotplug_stats(l.hp)->store_bytes, 4);
			assert_null(strstr(chp_hotplug_log(l.hp), "rewriting /cpus"));
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

/*
 * A crash image loaded by another loader (kexec-tools' kexec_load with the
 * hotplug flag) whose tree lists the present CPUs only: a hot-added CPU has
 * no node to switch to "okay", so robust rewrites /cpus as mainline does,
 * and the capture kernel can start on the new CPU.
 */
static void test_fdt__robust_adds_a_node_to_a_foreign_tree(void **state)
{
	struct hplab l;
	struct chp_machine *m;
	size_t room, len, fdt_size;
	void *hdr, *fdt;

	hplab_up(&l, CHP_ARCH_PPC64, GiB, CHP_POLICY_ROBUST);
	m = l.m;
	room = chp_elfcore_segment_size(chp_machine_cpus_possible(m),
					chp_machine_config_max_memory_ranges(m));
	fdt_size = chp_fdt_size(chp_machine_cpus_possible(m));
	hdr = calloc(1, room);
	fdt = calloc(1, fdt_size);
	assert_non_null(hdr);
	assert_non_null(fdt);
	assert_int_equal(chp_crashmem_build_header(m, hdr, room, &len), 0);
	assert_int_equal(chp_fdt_build(m, fdt, fdt_size), 0);
	assert_int_equal(chp_fdt_rebuild_cpus(m, fdt, fdt_size), 0); /* present CPUs only */
	struct chp_load_request req = {
		.mode = CHP_LOAD_SEGMENTS, .hotplug_flag = true, .kernel_size = 1u << 20,
		.initrd_size = 2u << 20, .cmdline = "console=hvc0 nr_cpus=1",
		.elfcorehdr = hdr, .elfcorehdr_len = len, .elfcorehdr_memsz = room,
		.fdt = fdt, .fdt_len = fdt_size, .fdt_memsz = fdt_size,
		.backup = true, /* kexec-tools loads ppc64's backup segment too */
	};
	/* Unloaded through the syscall's path (robust lets go of what it knew
	 * of the old image), then the other loader's image put in place. */
	assert_int_equal(chp_hotplug_unload(l.hp), 0);
	assert_true(chp_hotplug_kexec_trylock(l.hp));
	assert_int_equal(chp_kimage_load(l.img, &req), 0);
	chp_hotplug_kexec_unlock(l.hp);
	free(hdr);
	free(fdt);
	assert_true(hplab_crash(&l).complete);
	assert_int_equal(chp_machine_add_cpu(m, 3), 0);
	assert_int_equal(chp_machine_online_cpu(m, 3), 0);
	struct chp_dump_result res = hplab_crash(&l); /* on CPU 3 */
	if (!res.taken)
		fail_msg("no dump: %s", res.why);
	assert_true(res.complete);
	hplab_down(&l);
}

/* The capture kernel's tree, read out of the loaded image by dtc. */
static char *loaded_tree_by_dtc(struct hplab *l)
{
	struct chp_segment_info seg;
	size_t index;
	void *fdt;
	char *dts;

	assert_int_equal(chp_kimage_fdt_index(l->img, &index), 0);
	assert_int_equal(chp_kimage_segment(l->img, index, &seg), 0);
	fdt = malloc((size_t)seg.memsz);
	assert_non_null(fdt);
	assert_int_equal(chp_kimage_read(l->img, seg.paddr, fdt, (size_t)seg.memsz), 0);
	dts = dtc_decompile(fdt, (size_t)seg.memsz);
	free(fdt);
	return dts;
}

/* CPU `cpu`'s node in dtc's text, up to its closing brace (cut in place). */
static char *cpu_node(char *dts, unsigned cpu)
{
	char name[40], *node, *end;

	snprintf(name, sizeof(name), "PowerPC,POWER9@%x {", cpu);
	node = strstr(dts, name);
	if (!node)
		fail_msg("dtc shows no node for CPU %u:\n%s", cpu, dts);
	end = strstr(node, "};");
	assert_non_null(end);
	end[2] = '\0';
	return node;
}

/*
 * After a robust ADD_CPU, the tree as dtc (which nobody here wrote) reads
 * it: well formed, CPU 3 "okay", its other properties intact, CPU 2 (not
 * present) still "fail".  A store one word off would corrupt a property.
 */
static void test_fdt__robust_cpu_add_read_by_dtc(void **state)
{
	struct hplab l;

	hplab_up(&l, CHP_ARCH_PPC64, GiB, CHP_POLICY_ROBUST);
	assert_int_equal(chp_machine_add_cpu(l.m, 3), 0);
	assert_int_equal(chp_machine_online_cpu(l.m, 3), 0);
	char *node = cpu_node(loaded_tree_by_dtc(&l), 3);
	assert_non_null(strstr(node, "status = \"okay\";"));
	assert_non_null(strstr(node, "device_type = \"cpu\";"));
	assert_non_null(strstr(node, "reg = <0x03>;"));
	node = cpu_node(loaded_tree_by_dtc(&l), 2);
	assert_non_null(strstr(node, "status = \"fail\";"));
	hplab_down(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fdt__build_read_by_dtc),
		cmocka_unit_test(test_fdt__rebuild_cpus_read_by_dtc),
		cmocka_unit_test(test_fdt__build_reads_as_node_by_node),
		cmocka_unit_test(test_fdt__hot_added_cpu_can_take_the_dump),
		cmocka_unit_test(test_fdt__dropped_cpu_event),
		cmocka_unit_test(test_fdt__robust_adds_a_node_to_a_foreign_tree),
		cmocka_unit_test(test_fdt__robust_cpu_add_read_by_dtc),
		/* last: `make mutants` names the first failure, and a dump's view comes first */
		cmocka_unit_test(test_fdt__status_offsets_one_walk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
