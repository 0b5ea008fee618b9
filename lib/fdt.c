/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "crashhp/fdt.h"
#include "internal.h"

size_t chp_fdt_size(unsigned possible)
{
	/* A CPU node with its properties takes well under 256 bytes. */
	return (size_t)chp_round_up(4096 + (uint64_t)possible * 256, CHP_PAGE_SIZE);
}

static int fdt_fail(int fdt_err, const char *what)
{
	return chp_fail(fdt_err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL, "fdt: %s: %s", what,
			fdt_strerror(fdt_err));
}

/* One /cpus/PowerPC,POWER9@N node, as pseries describes a CPU. */
static int add_cpu_node(void *fdt, int cpus, unsigned cpu, bool present, bool with_status)
{
	char name[48];
	int node, err;

	snprintf(name, sizeof(name), "PowerPC,POWER9@%x", cpu);
	node = fdt_add_subnode(fdt, cpus, name);
	if (node < 0)
		return fdt_fail(node, name);
	err = fdt_setprop_string(fdt, node, "device_type", "cpu");
	if (!err)
		err = fdt_setprop_u32(fdt, node, "reg", cpu);
	if (!err)
		err = fdt_setprop_u32(fdt, node, "ibm,ppc-interrupt-server#s", cpu);
	/* "okay" and "fail" are the same length: one store switches them. */
	if (!err && with_status)
		err = fdt_setprop_string(fdt, node, "status", present ? "okay" : "fail");
	return err ? fdt_fail(err, name) : 0;
}

static int add_cpus(const struct chp_machine *m, void *fdt, bool all_possible)
{
	int root = fdt_path_offset(fdt, "/"), cpus, err;

	cpus = fdt_add_subnode(fdt, root, "cpus");
	if (cpus < 0)
		return fdt_fail(cpus, "/cpus");
	err = fdt_setprop_u32(fdt, cpus, "#address-cells", 1);
	if (!err)
		err = fdt_setprop_u32(fdt, cpus, "#size-cells", 0);
	if (err)
		return fdt_fail(err, "/cpus");
	/* Nodes are added at the front: walk down so they read in order. */
	for (unsigned cpu = chp_machine_cpus_possible(m); cpu-- > 0;) {
		bool present = chp_machine_cpu_present(m, cpu);
		if (!all_possible && !present)
			continue;
		err = add_cpu_node(fdt, cpus, cpu, present, true);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The tree at load, written front to back with libfdt's sequential writer:
 * O(size), where adding nodes to a finished tree moves everything after each
 * one (O(n^2): 2.3 s at 8192 CPUs).  The same nodes and properties, in the
 * same order, as the tree mainline's update_cpus_node() leaves.
 */
int chp_fdt_build(const struct chp_machine *m, void *buf, size_t size)
{
	char name[48];
	int err = fdt_create(buf, (int)size);

	if (!err)
		err = fdt_finish_reservemap(buf);
	/*
	 * fdt_setprop() puts a new property first in its node, so a tree built
	 * node by node holds each node's properties last-set first: written here
	 * in that order, the blob reads as it did.
	 */
	if (!err)
		err = fdt_begin_node(buf, "");
	if (!err)
		err = fdt_property_string(buf, "compatible", "crashhp,lab-pseries");
	if (!err)
		err = fdt_property_string(buf, "model", "crashhp lab ppc64");
	if (!err)
		err = fdt_property_u32(buf, "#size-cells", 2);
	if (!err)
		err = fdt_property_u32(buf, "#address-cells", 2);
	if (!err)
		err = fdt_begin_node(buf, "cpus");
	if (!err)
		err = fdt_property_u32(buf, "#size-cells", 0);
	if (!err)
		err = fdt_property_u32(buf, "#address-cells", 1);
	if (err)
		return fdt_fail(err, "/");
	for (unsigned cpu = 0; cpu < chp_machine_cpus_possible(m); cpu++) {
		snprintf(name, sizeof(name), "PowerPC,POWER9@%x", cpu);
		err = fdt_begin_node(buf, name);
		/* "okay" and "fail" are the same length: one store switches them. */
		if (!err)
			err = fdt_property_string(buf, "status",
						  chp_machine_cpu_present(m, cpu) ? "okay" : "fail");
		if (!err)
			err = fdt_property_u32(buf, "ibm,ppc-interrupt-server#s", cpu);
		if (!err)
			err = fdt_property_u32(buf, "reg", cpu);
		if (!err)
			err = fdt_property_string(buf, "device_type", "cpu");
		if (!err)
			err = fdt_end_node(buf);
		if (err)
			return fdt_fail(err, name);
	}
	err = fdt_end_node(buf);
	if (!err)
		err = fdt_end_node(buf);
	if (!err)
		err = fdt_finish(buf);
	/* The whole segment is the tree's, free space included, as before. */
	if (!err)
		err = fdt_open_into(buf, buf, (int)size);
	return err ? fdt_fail(err, "finishing the tree") : 0;
}

int chp_fdt_rebuild_cpus(const struct chp_machine *m, void *buf, size_t size)
{
	int err = fdt_open_into(buf, buf, (int)size);
	int cpus;

	if (err)
		return fdt_fail(err, "opening the tree");
	cpus = fdt_path_offset(buf, "/cpus");
	if (cpus >= 0 && (err = fdt_del_node(buf, cpus)))
		return fdt_fail(err, "deleting /cpus");
	return add_cpus(m, buf, false);
}

static int find_cpu(const void *fdt, unsigned cpu)
{
	int cpus = fdt_path_offset(fdt, "/cpus"), node;

	if (cpus < 0)
		return cpus;
	fdt_for_each_subnode(node, fdt, cpus) {
		int len;
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
		if (reg && len == 4 && fdt32_to_cpu(*reg) == cpu)
			return node;
	}
	return -FDT_ERR_NOTFOUND;
}

int chp_fdt_cpu_status(const void *fdt, unsigned cpu, size_t *offset, bool *okay)
{
	int node = find_cpu(fdt, cpu), len;
	const char *status;

	if (node < 0)
		return chp_fail(-ENOENT, "fdt: no node for CPU %u", cpu);
	status = fdt_getprop(fdt, node, "status", &len);
	if (!status || len != 5)
		return chp_fail(-ENOENT, "fdt: CPU %u has no four-letter status", cpu);
	*offset = (size_t)(status - (const char *)fdt);
	*okay = !strcmp(status, "okay");
	return 0;
}

int chp_fdt_cpu_status_offsets(const void *fdt, size_t size, uint32_t *offsets, unsigned n)
{
	int cpus, node, err = fdt_check_header(fdt);

	if (err || fdt_totalsize(fdt) > size)
		return chp_fail(-EINVAL, "fdt: the loaded device tree is corrupt: %s",
				err ? fdt_strerror(err) : "larger than its segment");
	memset(offsets, 0, n * sizeof(*offsets));
	cpus = fdt_path_offset(fdt, "/cpus");
	if (cpus < 0)
		return 0;
	/* One walk: each node's properties are read once, so O(tree). */
	fdt_for_each_subnode(node, fdt, cpus) {
		int len;
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
		const char *status;
		if (!reg || len != 4 || fdt32_to_cpu(*reg) >= n)
			continue;
		status = fdt_getprop(fdt, node, "status", &len);
		if (status && len == 5 && (status - (const char *)fdt) % 4 == 0)
			offsets[fdt32_to_cpu(*reg)] = (uint32_t)(status - (const char *)fdt);
	}
	return 0;
}

int chp_fdt_cpu_bootable(const void *fdt, size_t size, unsigned cpu)
{
	int node, len, err = fdt_check_header(fdt);
	const char *status;

	if (err || fdt_totalsize(fdt) > size)
		return chp_fail(-EINVAL, "fdt: the capture kernel's device tree is corrupt: %s",
				err ? fdt_strerror(err) : "larger than its segment");
	node = find_cpu(fdt, cpu);
	if (node < 0)
		return chp_fail(-ENOENT, "fdt: CPU %u is not in the capture kernel's device tree", cpu);
	status = fdt_getprop(fdt, node, "status", &len);
	if (status && strcmp(status, "okay") && strcmp(status, "ok"))
		return chp_fail(-ENOENT, "fdt: CPU %u is in the device tree with status \"%s\"", cpu,
				status);
	return 0;
}
