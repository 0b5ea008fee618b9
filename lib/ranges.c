/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/ranges.h"
#include "internal.h"

struct chp_ranges {
	struct chp_range *v;
	size_t n;
	size_t cap;
	bool keep_touching_apart;  /* a list of resources, not a set */
};

int chp_ranges_new(struct chp_ranges **out)
{
	struct chp_ranges *set = calloc(1, sizeof(*set));

	if (!set)
		return chp_fail(-ENOMEM, "out of memory for a range set");
	*out = set;
	return 0;
}

int chp_ranges_new_list(struct chp_ranges **out)
{
	int err = chp_ranges_new(out);

	if (!err)
		(*out)->keep_touching_apart = true;
	return err;
}

void chp_ranges_free(struct chp_ranges *set)
{
	if (!set)
		return;
	free(set->v);
	free(set);
}

static int reserve(struct chp_ranges *set, size_t want)
{
	size_t cap = set->cap ? set->cap : 8;
	struct chp_range *v;

	if (want <= set->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	v = realloc(set->v, cap * sizeof(*v));
	if (!v)
		return chp_fail(-ENOMEM, "out of memory for %zu ranges", want);
	set->v = v;
	set->cap = cap;
	return 0;
}

int chp_ranges_assign(struct chp_ranges *dst, const struct chp_ranges *src)
{
	int err = reserve(dst, src->n);

	if (err)
		return err;
	if (src->n)
		memcpy(dst->v, src->v, src->n * sizeof(*src->v));
	dst->n = src->n;
	dst->keep_touching_apart = src->keep_touching_apart;
	return 0;
}

int chp_ranges_copy(struct chp_ranges **out, const struct chp_ranges *src)
{
	struct chp_ranges *set;
	int err = chp_ranges_new(&set);

	if (err)
		return err;
	err = chp_ranges_assign(set, src);
	if (err) {
		chp_ranges_free(set);
		return err;
	}
	*out = set;
	return 0;
}

void chp_ranges_clear(struct chp_ranges *set)
{
	set->n = 0;
}

/* a ends strictly before b begins with at least one address between them. */
static bool gap_between(uint64_t a_last, uint64_t b_start)
{
	return a_last != UINT64_MAX && a_last + 1 < b_start;
}

/* First index whose range is not entirely before `addr` (last >= addr). */
static size_t first_ending_at_or_after(const struct chp_ranges *set, uint64_t addr)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (set->v[mid].last < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Replace v[lo, hi) with `np` pieces. */
static int replace(struct chp_ranges *set, size_t lo, size_t hi,
		   const struct chp_range *pieces, size_t np)
{
	size_t tail = set->n - hi;
	int err = reserve(set, set->n - (hi - lo) + np);

	if (err)
		return err;
	memmove(&set->v[lo + np], &set->v[hi], tail * sizeof(*set->v));
	if (np)
		memcpy(&set->v[lo], pieces, np * sizeof(*pieces));
	set->n = lo + np + tail;
	return 0;
}

static int check_range(struct chp_range r)
{
	if (r.start > r.last)
		return chp_fail(-EINVAL, "range [%#llx, %#llx]: start is after last",
				(unsigned long long)r.start, (unsigned long long)r.last);
	return 0;
}

int chp_ranges_add(struct chp_ranges *set, struct chp_range r)
{
	size_t lo, hi;
	int err = check_range(r);

	if (err)
		return err;
	/* Ranges ending just before r.start (touching it) merge too, in a set. */
	if (set->keep_touching_apart)
		lo = first_ending_at_or_after(set, r.start);
	else
		lo = first_ending_at_or_after(set, r.start == 0 ? 0 : r.start - 1);
	hi = lo;
	while (hi < set->n && (set->keep_touching_apart ? set->v[hi].start <= r.last
							 : !gap_between(r.last, set->v[hi].start)))
		hi++;
	if (hi > lo) {
		if (set->v[lo].start < r.start)
			r.start = set->v[lo].start;
		if (set->v[hi - 1].last > r.last)
			r.last = set->v[hi - 1].last;
	}
	return replace(set, lo, hi, &r, 1);
}

int chp_ranges_subtract(struct chp_ranges *set, struct chp_range r)
{
	struct chp_range pieces[2];
	size_t np = 0, lo, hi;
	int err = check_range(r);

	if (err)
		return err;
	lo = first_ending_at_or_after(set, r.start);
	hi = lo;
	while (hi < set->n && set->v[hi].start <= r.last)
		hi++;
	if (hi == lo)
		return 0;
	if (set->v[lo].start < r.start)
		pieces[np++] = (struct chp_range){ set->v[lo].start, r.start - 1 };
	if (set->v[hi - 1].last > r.last)
		pieces[np++] = (struct chp_range){ r.last + 1, set->v[hi - 1].last };
	return replace(set, lo, hi, pieces, np);
}

int chp_ranges_add_all(struct chp_ranges *dst, const struct chp_ranges *src)
{
	for (size_t i = 0; i < src->n; i++) {
		int err = chp_ranges_add(dst, src->v[i]);
		if (err)
			return err;
	}
	return 0;
}

int chp_ranges_subtract_all(struct chp_ranges *dst, const struct chp_ranges *src)
{
	for (size_t i = 0; i < src->n; i++) {
		int err = chp_ranges_subtract(dst, src->v[i]);
		if (err)
			return err;
	}
	return 0;
}

int chp_ranges_intersect(struct chp_ranges *out, const struct chp_ranges *a,
			 const struct chp_ranges *b)
{
	size_t i = 0, j = 0;

	out->n = 0;
	while (i < a->n && j < b->n) {
		uint64_t start = a->v[i].start > b->v[j].start ? a->v[i].start : b->v[j].start;
		uint64_t last = a->v[i].last < b->v[j].last ? a->v[i].last : b->v[j].last;

		if (start <= last) {
			/* Pieces come out sorted and disjoint: append directly. */
			int err = reserve(out, out->n + 1);
			if (err)
				return err;
			out->v[out->n++] = (struct chp_range){ start, last };
		}
		if (a->v[i].last < b->v[j].last)
			i++;
		else
			j++;
	}
	return 0;
}

size_t chp_ranges_count(const struct chp_ranges *set)
{
	return set->n;
}

const struct chp_range *chp_ranges_at(const struct chp_ranges *set, size_t i)
{
	return i < set->n ? &set->v[i] : NULL;
}

int chp_ranges_total_bytes(const struct chp_ranges *set, uint64_t *out)
{
	uint64_t total = 0;

	for (size_t i = 0; i < set->n; i++) {
		uint64_t size = chp_range_size(set->v[i]);
		if (size == 0 || total + size < total)
			return chp_fail(-EOVERFLOW, "range set totals 2^64 bytes or more");
		total += size;
	}
	*out = total;
	return 0;
}

bool chp_ranges_covers(const struct chp_ranges *set, struct chp_range r)
{
	size_t i = first_ending_at_or_after(set, r.start);

	return i < set->n && set->v[i].start <= r.start && set->v[i].last >= r.last;
}

bool chp_ranges_overlaps(const struct chp_ranges *set, struct chp_range r)
{
	size_t i = first_ending_at_or_after(set, r.start);

	return i < set->n && set->v[i].start <= r.last;
}

bool chp_ranges_equal(const struct chp_ranges *a, const struct chp_ranges *b)
{
	return a->n == b->n && (a->n == 0 || !memcmp(a->v, b->v, a->n * sizeof(*a->v)));
}
