/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verify of a makedumpfile dump.  Its first bitmap is the RAM the capture
 * kernel's /proc/vmcore listed, page by page: exactly what the ELF header's
 * LOADs covered, so it is judged as those are.  Pages makedumpfile filtered
 * out (-d) are the admin's choice, not a discrepancy; their contents and
 * the notes' registers are not compared (a real dump's are not known here).
 */
#include <errno.h>
#include <stdlib.h>

#include "crashhp/kdump.h"
#include "internal.h"
#include "verify_internal.h"

static int judge(struct chp_verify_report *r, const struct chp_machine *m,
		 const struct chp_kdump *k)
{
	const struct chp_kdump_info *info = chp_kdump_info(k);
	unsigned possible = chp_machine_cpus_possible(m), notes = info->cpus;
	bool *seen;
	int err;

	if (info->arch != chp_machine_arch(m))
		return chp_fail(-EINVAL, "utsname.machine: the dump is %s, the machine %s",
				chp_arch_name(info->arch), chp_arch_name(chp_machine_arch(m)));
	r->sum.kind = CHP_ELFCORE_VMCORE;
	r->sum.cpus_online = chp_machine_cpus_online(m);
	err = chp_verify_memory(r, m, chp_kdump_ram(k), chp_kdump_ram(k), NULL);
	if (err)
		return err;
	/* The notes carry task pids, not CPU numbers: only their number can be judged. */
	seen = calloc(possible ? possible : 1, sizeof(*seen));
	if (!seen)
		return chp_fail(-ENOMEM, "out of memory");
	for (unsigned cpu = 0; cpu < possible && notes; cpu++)
		if (chp_machine_cpu_online(m, cpu)) {
			seen[cpu] = true;
			r->sum.cpu_notes_found++;
			notes--;
		}
	if (notes)
		err = chp_report_add(r, CHP_FINDING_CPU_NOTE_WRONG, (struct chp_range){ 0, 0 }, 0,
				     "%u NT_PRSTATUS notes, %u online CPUs", info->cpus,
				     r->sum.cpus_online);
	if (!err)
		err = chp_verify_missing_notes(r, m, seen, info->vmcoreinfo);
	free(seen);
	return err;
}

int chp_verify_kdump_file(struct chp_verify_report **out, const struct chp_machine *m,
			  const char *path, const struct chp_verify_options *opt)
{
	struct chp_verify_report *r;
	struct chp_kdump *k;
	int err = chp_kdump_open(&k, path, opt->tmpdir);

	if (err)
		return err;
	r = calloc(1, sizeof(*r));
	if (!r) {
		chp_kdump_free(k);
		return chp_fail(-ENOMEM, "out of memory");
	}
	err = judge(r, m, k);
	chp_kdump_free(k);
	if (err) {
		chp_fail_prefix(err, "%s: ", path);
		chp_verify_report_free(r);
		return err;
	}
	*out = r;
	return 0;
}
