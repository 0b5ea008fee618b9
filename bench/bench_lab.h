/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lab machine the benchmarks share: 4 CPUs present and online. */
#ifndef CRASHHP_BENCH_LAB_H
#define CRASHHP_BENCH_LAB_H

#include "crashhp/hotplug.h"
#include "crashhp/lab.h"

/* A machine of `cpus` possible CPUs (NR_CPUS the same) with crash hotplug
 * attached, nothing loaded yet; 0 or -errno. */
static inline int bench_lab_boot(struct chp_machine **m, struct chp_kimage **img,
				 struct chp_hotplug **hp, enum chp_policy policy, enum chp_arch arch,
				 unsigned cpus, uint64_t boot_ram)
{
	struct chp_lab_spec s;
	int err;

	chp_lab_spec_init(&s, arch);
	s.nr_cpus_config = cpus;
	s.cpus_possible = cpus;
	s.cpus_present = 4;
	s.cpus_online = 4;
	s.boot_ram = boot_ram;
	err = chp_machine_new_lab(m, &s);
	if (!err)
		err = chp_kimage_new(img, *chp_ranges_at(chp_machine_crashkernel(*m), 0));
	if (!err)
		err = chp_hotplug_new(hp, policy, *m, *img);
	return err;
}

static inline void bench_lab_free(struct chp_machine *m, struct chp_kimage *img,
				  struct chp_hotplug *hp)
{
	chp_hotplug_free(hp);
	chp_kimage_free(img);
	chp_machine_free(m);
}

#endif
