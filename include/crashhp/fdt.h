/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_FDT_H
#define CRASHHP_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crashhp/machine.h"

/*
 * The flattened device tree a ppc64 crash image carries for the capture
 * kernel (libfdt).  The capture kernel boots on the CPU that crashed, so that
 * CPU must be in the tree's /cpus with status "okay".
 *
 * The loader lists every possible CPU, "okay" if present and "fail" if not:
 * both strings take four bytes and a NUL at a 4-byte aligned offset, so one
 * aligned store turns a CPU on without the tree ever being invalid.
 */

/* Bytes the FDT segment keeps for a machine of `possible` CPUs. */
size_t chp_fdt_size(unsigned possible);
/* The tree at load: every possible CPU, status by presence. */
int chp_fdt_build(const struct chp_machine *m, void *buf, size_t size);
/* Mainline's update_cpus_node(): /cpus rebuilt from the present CPUs only. */
int chp_fdt_rebuild_cpus(const struct chp_machine *m, void *buf, size_t size);
/*
 * Where CPU `cpu`'s status value sits (offset in the blob), and whether it
 * says "okay".  -ENOENT when the CPU has no node.
 */
int chp_fdt_cpu_status(const void *fdt, unsigned cpu, size_t *offset, bool *okay);
/*
 * Every CPU's status offset in one walk of the tree: offsets[cpu] for cpu < n,
 * 0 for a CPU without a node or a four-letter status.  -EINVAL on a corrupt tree.
 */
int chp_fdt_cpu_status_offsets(const void *fdt, size_t size, uint32_t *offsets, unsigned n);
/* 0 when the capture kernel can start on `cpu`; -ENOENT/-EINVAL (message) when not. */
int chp_fdt_cpu_bootable(const void *fdt, size_t size, unsigned cpu);

#endif
