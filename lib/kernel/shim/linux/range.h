/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lab's stand-in for the kernel's <linux/range.h>: struct range. */
#ifndef CRASHHP_SHIM_LINUX_RANGE_H
#define CRASHHP_SHIM_LINUX_RANGE_H

#include <linux/types.h>

struct range {
	u64 start;
	u64 end;	/* inclusive */
};

#endif
