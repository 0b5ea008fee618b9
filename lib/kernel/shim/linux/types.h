/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lab's stand-in for the kernel's <linux/types.h>, so that the kernel's
 * own file (lib/kernel/crash_slots.c) compiles here unchanged: the kernel's
 * integer types and the limits it takes from <linux/limits.h>.
 */
#ifndef CRASHHP_SHIM_LINUX_TYPES_H
#define CRASHHP_SHIM_LINUX_TYPES_H

/* What other system headers want of <linux/types.h> (__u64, ...) too;
 * include_next is GCC's (and clang's), hence a system header. */
#pragma GCC system_header
#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#ifndef U32_MAX
#define U32_MAX UINT32_MAX
#endif
#ifndef U64_MAX
#define U64_MAX UINT64_MAX
#endif

#endif
