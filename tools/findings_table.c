/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verify's findings and a one-crash sim's steps as one libsmartcols table
 * (table.c), so that -o/-r/-b/-n pick and shape them as lsmem's options do.
 */
#include <inttypes.h>
#include <stdio.h>

#include "findings_table.h"

/*
 * A finding's kind is "kind" in every output (crashhp(1), JSON OUTPUT): verify's
 * rows are all findings, so its column is KIND (-J's key "kind"); a sim's rows
 * are its steps, a finding among them, so its column is ITEM.
 */
#define ITEM_COLUMNS(FIRST, FIRST_HELP, CLASS_SHOWN, LAST_SHOWN)                                \
	{ FIRST, FIRST_HELP, TOOL_COL_STRING, false, true },                                     \
	{ "CLASS", "discrepancy, note (the kernel's or kexec-tools' own rule) or cannot-check",    \
	  TOOL_COL_STRING, false, CLASS_SHOWN },                                                 \
	{ "START", "its first physical address", TOOL_COL_STRING, true, true },                  \
	{ "LAST", "its last physical address", TOOL_COL_STRING, true, LAST_SHOWN },              \
	{ "SIZE", "its size", TOOL_COL_SIZE, true, true },                                       \
	{ "DETAIL", "what it is", TOOL_COL_STRING, false, true }

const struct tool_column verify_columns[NR_ITEM_COLUMNS] = {
	ITEM_COLUMNS("KIND", "the finding's kind", true, false)
};
const struct tool_column sim_crash_columns[NR_ITEM_COLUMNS] = {
	ITEM_COLUMNS("ITEM", "the step, or a finding's kind", false, false)
};

int item_row(struct tool_table *t, const char *item, const char *class_name,
	     const struct chp_range *range, const uint64_t *size, const char *detail)
{
	char start[24], last[24];
	struct tool_cell cells[NR_ITEM_COLUMNS] = {
		{ .s = item }, { .s = class_name }, { .s = range ? start : NULL },
		{ .s = range ? last : NULL },
		{ .u = size ? *size : 0, .b = size ? 0 : -1 }, { .s = detail },
	};

	if (range) {
		snprintf(start, sizeof(start), "%#" PRIx64, range->start);
		snprintf(last, sizeof(last), "%#" PRIx64, range->last);
	}
	return tool_table_add(t, cells);
}

int item_row_finding(struct tool_table *t, const struct chp_finding *f)
{
	bool memory = f->range.start || f->range.last;
	uint64_t size = chp_range_size(f->range);

	return item_row(t, chp_finding_kind_name(f->kind),
			chp_finding_class_name(chp_finding_class_of(f->kind)),
			memory ? &f->range : NULL, memory ? &size : NULL, f->detail);
}
