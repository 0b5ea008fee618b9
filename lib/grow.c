/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int chp_grow(void *arr, size_t *cap, size_t need, size_t size, size_t first)
{
	void *old, *grown;
	size_t want = *cap;

	if (need <= want)
		return 0;
	/* Doubling: the copies add up to under twice the final size. */
	want = want > SIZE_MAX / 2 ? SIZE_MAX : 2 * want;
	if (want < first)
		want = first;
	if (want < need)
		want = need;
	if (!size || want > SIZE_MAX / size)
		return -ENOMEM;
	/* arr is the address of any pointer type: copied, not cast to void **. */
	memcpy(&old, arr, sizeof(old));
	grown = realloc(old, want * size);
	if (!grown)
		return -ENOMEM;
	memcpy(arr, &grown, sizeof(grown));
	*cap = want;
	return 0;
}
