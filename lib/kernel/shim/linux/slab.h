/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lab's stand-in for the kernel's <linux/slab.h>: the allocations
 * crash_slots.c makes when it attaches (never during an update).
 */
#ifndef CRASHHP_SHIM_LINUX_SLAB_H
#define CRASHHP_SHIM_LINUX_SLAB_H

#include <stdlib.h>

#define GFP_KERNEL 0
#define kzalloc(size, gfp) calloc(1, (size))
#define kvcalloc(n, size, gfp) calloc((n), (size))
#define kfree(p) free(p)
#define kvfree(p) free(p)

#endif
