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

/*
 * The bitmap marks whole pages: RAM that starts or ends inside a page (e820
 * does that) leaves the rest of its page marked, memory no reader takes for
 * RAM.  Those parts are dropped; pages wholly absent stay, to be reported.
 */
static int without_partial_pages(struct chp_ranges *out, const struct chp_ranges *ram,
				 const struct chp_machine *m, uint64_t page)
{
	struct chp_ranges *absent = NULL;
	int err = chp_ranges_copy(&absent, ram);

	if (!err)
		err = chp_ranges_subtract_all(absent, chp_machine_present_memory(m));
	if (!err)
		err = chp_ranges_assign(out, ram);
	for (size_t i = 0; !err && i < chp_ranges_count(absent); i++) {
		struct chp_range a = *chp_ranges_at(absent, i);
		uint64_t first = (a.start + page - 1) / page * page, end = (a.last + 1) / page * page;
		if (first >= end) {
			err = chp_ranges_subtract(out, a);
			continue;
		}
		if (a.start < first)
			err = chp_ranges_subtract(out, (struct chp_range){ a.start, first - 1 });
		if (!err && end <= a.last)
			err = chp_ranges_subtract(out, (struct chp_range){ end, a.last });
	}
	chp_ranges_free(absent);
	return err;
}

static int judge(struct chp_verify_report *r, const struct chp_machine *m,
		 const struct chp_kdump *k)
{
	struct chp_ranges *ram = NULL;
	const struct chp_kdump_info *info = chp_kdump_info(k);
	unsigned possible = chp_machine_cpus_possible(m), notes = info->cpus;
	bool *seen;
	int err;

	if (info->arch_known && info->arch != chp_machine_arch(m))
		return chp_fail(-EINVAL, "utsname.machine: the dump is %s, the machine %s",
				chp_arch_name(info->arch), chp_arch_name(chp_machine_arch(m)));
	r->sum.kind = CHP_ELFCORE_VMCORE;
	r->sum.cpus_online = chp_machine_cpus_online(m);
	r->sum.filtered_bytes = info->ram_bytes - info->dumped_bytes;
	r->sum.dump_level_known = true;
	r->sum.dump_level = info->dump_level;
	r->sum.split = info->split;
	/* Nothing below needs it: memory is judged by physical address, notes by count. */
	err = info->arch_known ? 0 : chp_report_add(r, CHP_FINDING_ARCH_UNKNOWN,
						    (struct chp_range){ 0, 0 }, 0,
						    "the dump's utsname is empty (makedumpfile "
						    "writes none without VMCOREINFO): its "
						    "architecture is not compared with the "
						    "machine's %s", chp_arch_name(chp_machine_arch(m)));
	if (!err)
		err = chp_ranges_new(&ram);
	if (!err)
		err = without_partial_pages(ram, chp_kdump_ram(k), m, info->page_size);
	if (!err)
		err = chp_verify_memory(r, m, ram, ram, NULL);
	chp_ranges_free(ram);
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

int chp_verify_kdump_fd(struct chp_verify_report **out, const struct chp_machine *m, int fd,
			const char *name, bool flattened, const struct chp_verify_options *opt)
{
	struct chp_verify_report *r;
	struct chp_kdump *k;
	int err = chp_kdump_open_fd(&k, fd, name, flattened, &opt->progress);

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
		chp_fail_prefix(err, "%s: ", name);
		chp_verify_report_free(r);
		return err;
	}
	*out = r;
	return 0;
}
