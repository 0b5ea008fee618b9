/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_SIM_REPORT_H
#define CRASHHP_SIM_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "crashhp/lab.h"
#include "crashhp/scenario.h"

/* `conc`: each policy's concurrent phase, or NULL when the scenario has none. */
void sim_report_text(const struct chp_scenario *sc, uint64_t events,
		     struct chp_run_result *const *res, const struct chp_concurrent_result *conc,
		     size_t n);
void sim_report_json(const struct chp_scenario *sc, uint64_t events,
		     struct chp_run_result *const *res, const struct chp_concurrent_result *conc,
		     size_t n);
/* 0, or a negative errno; the file appears only when complete. */
int sim_report_svg(const char *path, const struct chp_scenario *sc,
		   struct chp_run_result *const *res, const struct chp_concurrent_result *conc,
		   size_t n);

#endif
