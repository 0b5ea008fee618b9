/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_RANGES_H
#define CRASHHP_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A range of physical addresses.  `last` is INCLUSIVE, as the kernel's
 * struct resource and struct range ends are: [0, 0xfff] is one page, and a
 * range may end at UINT64_MAX.
 */
struct chp_range {
	uint64_t start;
	uint64_t last;
};

/*
 * A sorted set of disjoint ranges.  Adjacent or overlapping ranges are merged
 * on insertion, so two ranges of a set never touch (a list, below, keeps
 * touching ones apart).  Pure: no I/O.
 */
struct chp_ranges;

int chp_ranges_new(struct chp_ranges **out);
/*
 * A list of ranges kept apart when they only touch, as resources are: two
 * adjacent DIMMs are two "System RAM" entries in /proc/iomem, and the kernel's
 * header builder makes a PT_LOAD of each.  Overlapping ranges still merge.
 */
int chp_ranges_new_list(struct chp_ranges **out);
void chp_ranges_free(struct chp_ranges *set);
int chp_ranges_copy(struct chp_ranges **out, const struct chp_ranges *src);
/* Make `dst` hold exactly what `src` holds, list or set alike. */
int chp_ranges_assign(struct chp_ranges *dst, const struct chp_ranges *src);
void chp_ranges_clear(struct chp_ranges *set);

/* Add a range, merging it with every range it overlaps or touches. */
int chp_ranges_add(struct chp_ranges *set, struct chp_range r);
/* Remove a range; a range that straddles it is split in two. */
int chp_ranges_subtract(struct chp_ranges *set, struct chp_range r);
int chp_ranges_add_all(struct chp_ranges *dst, const struct chp_ranges *src);
int chp_ranges_subtract_all(struct chp_ranges *dst, const struct chp_ranges *src);
/* out := a ∩ b (out may not alias a or b). */
int chp_ranges_intersect(struct chp_ranges *out, const struct chp_ranges *a,
			 const struct chp_ranges *b);

size_t chp_ranges_count(const struct chp_ranges *set);
/* The i-th range in address order, or NULL when i >= count. */
const struct chp_range *chp_ranges_at(const struct chp_ranges *set, size_t i);
/* Sum of the sizes; -EOVERFLOW when it is 2^64 (the whole address space). */
int chp_ranges_total_bytes(const struct chp_ranges *set, uint64_t *out);
/* Whether every address of r is in the set. */
bool chp_ranges_covers(const struct chp_ranges *set, struct chp_range r);
/* Whether some address of r is in the set. */
bool chp_ranges_overlaps(const struct chp_ranges *set, struct chp_range r);
bool chp_ranges_equal(const struct chp_ranges *a, const struct chp_ranges *b);

/* Size of one range in bytes; 0 stands for 2^64 ([0, UINT64_MAX]). */
static inline uint64_t chp_range_size(struct chp_range r)
{
	return r.last - r.start + 1;
}

#endif
