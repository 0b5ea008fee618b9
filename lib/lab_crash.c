/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crashhp/capture.h"
#include "crashhp/error.h"
#include "crashhp/lab.h"
#include "crashhp/verify.h"
#include "hotplug_internal.h"
#include "internal.h"

struct crash_ctx {
	struct chp_hotplug *hp;
	const struct chp_ranges *in_flight;
	struct chp_dump_result *res;
};

static int crash_frozen(void *arg)
{
	struct crash_ctx *c = arg;
	struct chp_dump_result *res = c->res;
	struct chp_machine *m = c->hp->m;
	struct chp_capture_info info;
	struct chp_capture_view *view;
	struct chp_verify_report *report;
	unsigned cpu = 0;
	int err;

	while (cpu < chp_machine_cpus_possible(m) && !chp_machine_cpu_online(m, cpu))
		cpu++;
	err = chp_crash_save(m, cpu, 0);
	if (err)
		return err;
	err = chp_capture_view_new(&view, m, c->hp->img, &info);
	if (err) {
		/* The capture kernel rejected what it found: no dump. */
		snprintf(res->why, sizeof(res->why), "capture: %s", chp_last_error());
		return chp_crash_forget(m);
	}
	err = chp_verify_view(&report, m, view, c->in_flight);
	chp_capture_view_free(view);
	if (!err)
		err = chp_crash_forget(m);
	if (err)
		return err;
	const struct chp_verify_summary *s = chp_verify_report_summary(report);
	res->taken = true;
	res->complete = chp_verify_report_complete(report);
	res->missing_bytes = s->missing_bytes;
	res->absent_bytes = s->absent_bytes;
	res->offline_bytes = s->offline_bytes;
	res->findings = chp_verify_report_count(report);
	if (res->findings)
		snprintf(res->why, sizeof(res->why), "%s: %s",
			 chp_finding_kind_name(chp_verify_report_at(report, 0)->kind),
			 chp_verify_report_at(report, 0)->detail);
	chp_verify_report_free(report);
	return 0;
}

int chp_lab_crash(struct chp_hotplug *hp, const struct chp_ranges *in_flight,
		  struct chp_dump_result *res)
{
	struct crash_ctx c = { hp, in_flight, res };

	memset(res, 0, sizeof(*res));
	if (chp_hotplug_panic_gate(hp)) {
		snprintf(res->why, sizeof(res->why), "%s", chp_last_error());
		return 0;
	}
	return chp_hotplug_frozen(hp, crash_frozen, &c);
}
