/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <malloc.h>
#include <stdlib.h>

#include "alloc_count.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void __wrap_free(void *p);

/* The benchmarks are single-threaded while they count. */
static struct alloc_count count;

static void held(void *p, int sign)
{
	uint64_t n = p ? malloc_usable_size(p) : 0;

	if (sign > 0) {
		count.in_use += n;
		if (count.in_use > count.peak)
			count.peak = count.in_use;
	} else {
		count.in_use -= n < count.in_use ? n : count.in_use;
	}
}

void *__wrap_malloc(size_t size)
{
	void *p = __real_malloc(size);

	count.calls++;
	count.bytes += size;
	held(p, 1);
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p = __real_calloc(n, size);

	count.calls++;
	count.bytes += (uint64_t)n * size;
	held(p, 1);
	return p;
}

void *__wrap_realloc(void *old, size_t size)
{
	held(old, -1);
	void *p = __real_realloc(old, size);

	count.calls++;
	count.bytes += size;
	held(p ? p : old, 1);
	return p;
}

void __wrap_free(void *p)
{
	held(p, -1);
	__real_free(p);
}

struct alloc_count alloc_count_now(void)
{
	return count;
}

void alloc_count_reset_peak(void)
{
	count.peak = count.in_use;
}
