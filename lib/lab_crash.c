/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/capture.h"
#include "crashhp/elfcore.h"
#include "crashhp/error.h"
#include "crashhp/fdt.h"
#include "crashhp/lab.h"
#include "crashhp/verify.h"
#include "hotplug_internal.h"
#include "internal.h"

/* Per thread, as the error message is: which kind of failure the last one was. */
static _Thread_local bool output_failed;

bool chp_lab_output_failed(void)
{
	return output_failed;
}

void chp_lab_set_output_failed(bool failed)
{
	output_failed = failed;
}

struct crash_ctx {
	struct chp_hotplug *hp;
	const struct chp_ranges *in_flight; /* the caller's, joined to the handler's */
	bool machine_event;                 /* the machine's event under way excused too */
	const struct chp_lab_crash_opts *opts;
	struct chp_dump_result *res;
};

/*
 * The dump lacks the NT_PRSTATUS of each CPU in `lacking` (online at the
 * crash).  fs/proc/vmcore.c merges the notes the PT_NOTEs point at and knows
 * nothing of CPUs: the dump is taken, those registers are not in it.
 * crash(8) gives the notes to the online CPUs in order
 * (map_cpus_to_prstatus(): the j-th note to the j-th online CPU), so when
 * an online CPU above a lacking one has its note, that CPU's registers are
 * shown for the lacking one and every later CPU's shift down: a misread.
 * Only lacking CPUs at the top of the online ones are read right (no
 * registers).
 */
static bool notes_shift_in_crash(const struct chp_machine *m, const bool *lacking)
{
	bool lacked_below = false;

	for (unsigned cpu = 0; cpu < chp_machine_cpus_possible(m); cpu++) {
		if (!chp_machine_cpu_online(m, cpu))
			continue;
		if (lacking[cpu])
			lacked_below = true;
		else if (lacked_below)
			return true;
	}
	return false;
}

/* ppc64: the capture kernel boots on the crashing CPU, found in its FDT. */
static bool capture_can_boot(const struct chp_kimage *img, unsigned cpu, struct chp_dump_result *res)
{
	struct chp_segment_info seg;
	size_t index;
	uint8_t *fdt = NULL;
	int err = chp_kimage_fdt_index(img, &index);

	if (!err)
		err = chp_kimage_segment(img, index, &seg);
	if (!err && !(fdt = malloc((size_t)seg.memsz)))
		err = chp_fail(-ENOMEM, "out of memory");
	if (!err)
		err = chp_kimage_read(img, seg.paddr, fdt, (size_t)seg.memsz);
	if (!err)
		err = chp_fdt_cpu_bootable(fdt, (size_t)seg.memsz, cpu);
	free(fdt);
	if (err)
		snprintf(res->why, sizeof(res->why), "capture kernel cannot start on CPU %u: %s", cpu,
			 chp_last_error());
	return !err;
}

static int crash_frozen(void *arg)
{
	struct crash_ctx *c = arg;
	struct chp_dump_result *res = c->res;
	struct chp_machine *m = c->hp->m;
	struct chp_capture_info info;
	struct chp_capture_view *view;
	struct chp_verify_report *report;
	struct chp_ranges *owned = NULL, *owed = NULL;
	unsigned cpu = 0;
	int err;

	/* A panic comes from a running CPU: the caller's choice must be one. */
	if (c->opts->cpu >= 0 && !chp_machine_cpu_online(m, (unsigned)c->opts->cpu))
		return chp_fail(-EINVAL, "crash on CPU %d, which is not online", c->opts->cpu);
	/* The panic path's decision, taken with everything else held still. */
	err = chp_hotplug_panic_gate(c->hp);
	if (err) {
		snprintf(res->why, sizeof(res->why), "%s", chp_last_error());
		/* The gate's own look: the loader may have let go since. */
		res->unloaded = err == -EBUSY || err == -ENOENT;
		return 0;
	}
	/*
	 * What is in flight, worked out with everything held still: the
	 * caller's range (chp_lab_crash_now(): the machine's event under way),
	 * and deferred work while a holder of the kexec lock is applying it (a drain's steps are judged against the
	 * ranges it applies, whichever event's hook sees them).
	 */
	err = chp_ranges_new(&owned);
	if (!err)
		err = chp_hotplug_in_flight(c->hp, false, owned);
	/*
	 * Owed work excuses only memory still present.  Owed, a block that came
	 * online may lack from the dump (as in a crash a moment before its
	 * event) and an offline one stay listed (the kernel's rule anyway); but
	 * memory removed while its cut is owed is absent, whoever holds the
	 * lock: the removal is over, its memory gone, and a capture kernel that
	 * reads it reads nothing there.  That the holder will apply the cut
	 * later makes the read no safer (a release deferred behind a load's
	 * resync, tests/unit/test_deferral.c).  The machine's own event under
	 * way is excused whole: its memory may be in or out.
	 */
	if (!err)
		err = chp_ranges_new(&owed);
	if (!err)
		err = chp_ranges_assign(owed, owned);
	if (!err)
		err = chp_ranges_intersect(owned, owed, chp_machine_present_memory(m));
	chp_ranges_free(owed);
	if (!err && c->machine_event) {
		struct chp_range now;
		if (chp_machine_event_in_flight(m, &now))
			err = chp_ranges_add(owned, now);
	}
	if (!err && c->in_flight)
		err = chp_ranges_add_all(owned, c->in_flight);
	if (err) {
		chp_ranges_free(owned);
		return err;
	}
	/* The newest CPU is the one to panic (the one a stale image knows least), or the caller's. */
	for (unsigned k = 0; k < chp_machine_cpus_possible(m); k++)
		if (chp_machine_cpu_online(m, k))
			cpu = k;
	if (c->opts->cpu >= 0)
		cpu = (unsigned)c->opts->cpu;
	if (chp_machine_arch(m) != CHP_ARCH_X86_64 && !capture_can_boot(c->hp->img, cpu, res)) {
		chp_ranges_free(owned);
		return 0;
	}
	err = chp_crash_save(m, cpu, CHP_LAB_CRASHTIME);
	if (err) {
		chp_ranges_free(owned);
		return err;
	}
	err = chp_capture_view_new(&view, m, c->hp->img, &info);
	if (err) {
		/* The capture kernel rejected what it found: no dump. */
		snprintf(res->why, sizeof(res->why), "capture: %s", chp_last_error());
		chp_ranges_free(owned);
		return chp_crash_forget(m);
	}
	/*
	 * The caller's copy of the dump: a failure to write it is the caller's
	 * error, not no dump.  Absent memory a LOAD lists reads as zeros there;
	 * the verdict below counts it.
	 */
	if (c->opts->vmcore && (err = chp_capture_vmcore_holes(m, c->hp->img, c->opts->vmcore, &info))) {
		chp_lab_set_output_failed(true);
		chp_capture_view_free(view);
		chp_ranges_free(owned);
		chp_crash_forget(m);
		return err;
	}
	err = chp_verify_view(&report, m, view, owned);
	chp_capture_view_free(view);
	chp_ranges_free(owned);
	if (!err)
		err = chp_crash_forget(m);
	if (err)
		return err;
	const struct chp_verify_summary *s = chp_verify_report_summary(report);
	bool *lacking = calloc(chp_machine_cpus_possible(m) + 1, sizeof(*lacking));
	if (!lacking) {
		chp_verify_report_free(report);
		return chp_fail(-ENOMEM, "out of memory");
	}
	res->taken = true;
	res->missing_bytes = s->missing_bytes;
	res->absent_bytes = s->absent_bytes;
	res->offline_bytes = s->offline_bytes;
	res->findings = chp_verify_report_count(report);
	/*
	 * Complete: every online page readable, no absent page read, every header
	 * read as the readers read it.  Offline-but-present memory in the header
	 * is the kernel's own rule (x86 keeps it as System RAM): told apart, not
	 * a failure.
	 */
	res->complete = true;
	for (size_t i = 0; i < res->findings; i++) {
		const struct chp_finding *f = chp_verify_report_at(report, i);
		if (f->kind == CHP_FINDING_OFFLINE_MEMORY)
			continue;
		res->misread |= f->kind == CHP_FINDING_MISREAD;
		if (f->kind == CHP_FINDING_CPU_NOTE_MISSING && f->cpu < chp_machine_cpus_possible(m)) {
			lacking[f->cpu] = true;
			res->missing_cpu_notes++;
			res->crash_cpu_note_missing |= f->cpu == cpu;
		}
		if (res->complete)
			snprintf(res->why, sizeof(res->why), "%s: %s", chp_finding_kind_name(f->kind),
				 f->detail);
		res->complete = false;
	}
	chp_verify_report_free(report);
	res->misread |= notes_shift_in_crash(m, lacking);
	free(lacking);
	/*
	 * The header past the pages the capture kernel reserved of its segment
	 * (ppc64 kexec_load: kexec-tools' reserve(elfcorehdr, sz) before its
	 * 600c2f9) lies in memory that kernel may allocate before vmcore_init()
	 * reads it: a header a reader may find overwritten.
	 */
	size_t bytes = CHP_ELF_EHDR_SIZE + info.header_phnum * (size_t)CHP_ELF_PHDR_SIZE;
	size_t kept = chp_kimage_elfcorehdr_reserved(c->hp->img);
	if (kept && bytes > kept) {
		if (res->complete)
			snprintf(res->why, sizeof(res->why), "elfcorehdr: %zu bytes, the capture kernel "
				 "keeps %zu of it (kexec-tools' reserve(elfcorehdr, sz), to its page's "
				 "end): the rest may be overwritten before vmcore reads it", bytes, kept);
		res->complete = false;
		res->misread = true;
	}
	return 0;
}

static const struct chp_lab_crash_opts newest_cpu = { .cpu = -1 };

int chp_lab_crash_with(struct chp_hotplug *hp, const struct chp_ranges *in_flight,
		       const struct chp_lab_crash_opts *opts, struct chp_dump_result *res)
{
	struct crash_ctx c = { hp, in_flight, false, opts ? opts : &newest_cpu, res };

	memset(res, 0, sizeof(*res));
	return chp_hotplug_frozen(hp, crash_frozen, &c);
}

int chp_lab_crash(struct chp_hotplug *hp, const struct chp_ranges *in_flight,
		  struct chp_dump_result *res)
{
	return chp_lab_crash_with(hp, in_flight, NULL, res);
}

int chp_lab_crash_now(struct chp_hotplug *hp, struct chp_dump_result *res)
{
	struct crash_ctx c = { hp, NULL, true, &newest_cpu, res };

	memset(res, 0, sizeof(*res));
	return chp_hotplug_frozen(hp, crash_frozen, &c);
}
