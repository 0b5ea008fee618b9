/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_TOOL_FINDINGS_TABLE_H
#define CRASHHP_TOOL_FINDINGS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crashhp/ranges.h"
#include "crashhp/verify.h"
#include "table.h"

/*
 * The rows of verify's report and of a one-crash sim: KIND (verify: the
 * finding's kind) or ITEM (sim: the step, crashkernel, elfcorehdr, vmcore,
 * verdict, or a finding's kind), CLASS, START, LAST, SIZE, DETAIL.
 */
enum { NR_ITEM_COLUMNS = 6 };
extern const struct tool_column verify_columns[NR_ITEM_COLUMNS];
extern const struct tool_column sim_crash_columns[NR_ITEM_COLUMNS];

/* One row; a NULL range leaves START and LAST empty, a NULL size SIZE (null under -J). */
int item_row(struct tool_table *t, const char *item, const char *class_name,
	     const struct chp_range *range, const uint64_t *size, const char *detail);
/* A finding's row: its memory range when it has one. */
int item_row_finding(struct tool_table *t, const struct chp_finding *f);

#endif
