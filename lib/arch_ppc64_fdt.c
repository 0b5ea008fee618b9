/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ppc64's FDT rewrite, arch code both policies use: mainline for every
 * ADD_CPU, robust for a tree without the CPU's node.
 */
#include <errno.h>
#include <stdlib.h>

#include "crashhp/fdt.h"
#include "hotplug_internal.h"
#include "internal.h"

/*
 * update_crash_fdt(): /cpus rebuilt from the present CPUs (update_cpus_node)
 * while kexec_crash_image is hidden, so the capture kernel can boot on the
 * CPU that is coming up.
 */
int chp_arch_ppc64_update_fdt(struct chp_hotplug *hp)
{
	struct chp_segment_info seg;
	size_t index;
	uint8_t *fdt;
	int err = chp_kimage_fdt_index(hp->img, &index);

	if (err) {
		chp_hp_logf(hp, "crash hp: Unable to locate FDT segment.");
		return err;
	}
	err = chp_kimage_segment(hp->img, index, &seg);
	if (err)
		return err;
	fdt = malloc((size_t)seg.memsz);
	if (!fdt)
		return chp_fail(-ENOMEM, "out of memory for the FDT");
	err = chp_kimage_read(hp->img, seg.paddr, fdt, (size_t)seg.memsz);
	if (!err) {
		chp_machine_lock_state(hp->m);
		err = chp_fdt_rebuild_cpus(hp->m, fdt, (size_t)seg.memsz);
		chp_machine_unlock_state(hp->m);
		if (err)
			chp_hp_logf(hp, "crash hp: Failed to update crash FDT");
	}
	if (!err)
		err = chp_hp_copy(hp, seg.paddr, fdt, (size_t)seg.memsz);
	free(fdt);
	return err ? err : 1;
}
