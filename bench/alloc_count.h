/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Heap use of the library as the benchmarks see it: the linker routes the
 * library's malloc/calloc/realloc/free through counters (-Wl,--wrap), so an
 * event's allocations and the peak in use can be read around it.
 */
#ifndef CRASHHP_BENCH_ALLOC_COUNT_H
#define CRASHHP_BENCH_ALLOC_COUNT_H

#include <stddef.h>
#include <stdint.h>

struct alloc_count {
	uint64_t calls;      /* malloc, calloc and realloc calls */
	uint64_t bytes;      /* bytes they asked for */
	uint64_t in_use;     /* usable bytes held now */
	uint64_t peak;       /* the most held at once since alloc_count_reset_peak() */
};

struct alloc_count alloc_count_now(void);
void alloc_count_reset_peak(void);

#endif
