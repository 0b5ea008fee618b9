/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_SIM_REPORT_H
#define CRASHHP_SIM_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "crashhp/lab.h"
#include "crashhp/scenario.h"

struct tool_table_opts;
/* `conc`: each policy's concurrent phase, or NULL when the scenario has none. */
void sim_report_text(const struct chp_scenario *sc, uint64_t events,
		     struct chp_run_result *const *res, const struct chp_concurrent_result *conc,
		     size_t n, const struct tool_table_opts *o);
/* 0, or -EINVAL (said as a usage error) for a column -o does not know. */
int sim_report_check_columns(const struct tool_table_opts *o);
/* The report table's columns, for sim --help. */
void sim_report_columns_help(FILE *f);
void sim_report_json(const struct chp_scenario *sc, uint64_t events,
		     struct chp_run_result *const *res, const struct chp_concurrent_result *conc,
		     size_t n);
/* 0, or a negative errno; the file appears only when complete. */
int sim_report_svg(const char *path, const struct chp_scenario *sc,
		   struct chp_run_result *const *res, const struct chp_concurrent_result *conc,
		   size_t n);

#endif
