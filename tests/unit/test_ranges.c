/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <cmocka.h>

#include "crashhp/ranges.h"

static struct chp_ranges *set_of(const struct chp_range *v, size_t n)
{
	struct chp_ranges *s;

	assert_int_equal(chp_ranges_new(&s), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(chp_ranges_add(s, v[i]), 0);
	return s;
}

static void expect(const struct chp_ranges *s, const struct chp_range *v, size_t n)
{
	assert_int_equal(chp_ranges_count(s), n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(chp_ranges_at(s, i)->start, v[i].start);
		assert_int_equal(chp_ranges_at(s, i)->last, v[i].last);
	}
	assert_null(chp_ranges_at(s, n));
}

/*
 *   [0x1000 ... 0x1fff][0x2000 ... 0x2fff]   -> [0x1000 ... 0x2fff]
 * Inclusive ends: 0x1fff + 1 == 0x2000 touches, so they merge.
 */
static void test_ranges__add_merges_adjacent(void **state)
{
	struct chp_ranges *s = set_of((struct chp_range[]){ { 0x1000, 0x1fff }, { 0x2000, 0x2fff } }, 2);

	expect(s, (struct chp_range[]){ { 0x1000, 0x2fff } }, 1);
	chp_ranges_free(s);
}

/*
 *   [0x1000 .. 0x1fff]  gap  [0x3000 .. 0x3fff]   -> stays two ranges
 */
static void test_ranges__add_keeps_gap(void **state)
{
	struct chp_ranges *s = set_of((struct chp_range[]){ { 0x3000, 0x3fff }, { 0x1000, 0x1fff } }, 2);

	expect(s, (struct chp_range[]){ { 0x1000, 0x1fff }, { 0x3000, 0x3fff } }, 2);
	chp_ranges_free(s);
}

/*
 *   [a]   [b]   [c]      three ranges
 *     [=====new=====]    overlaps a partly, b fully, c partly -> one range
 */
static void test_ranges__add_bridges_several(void **state)
{
	struct chp_ranges *s = set_of((struct chp_range[]){
		{ 0x1000, 0x1fff }, { 0x3000, 0x3fff }, { 0x5000, 0x5fff }, { 0x9000, 0x9fff } }, 4);

	assert_int_equal(chp_ranges_add(s, (struct chp_range){ 0x1800, 0x57ff }), 0);
	expect(s, (struct chp_range[]){ { 0x1000, 0x5fff }, { 0x9000, 0x9fff } }, 2);
	chp_ranges_free(s);
}

/*
 *   [0x1000 ......................... 0x8fff]
 *              [0x3000 .. 0x4fff]   subtracted
 *   [0x1000 .. 0x2fff]      [0x5000 .. 0x8fff]   split in two
 */
static void test_ranges__subtract_splits(void **state)
{
	struct chp_ranges *s = set_of((struct chp_range[]){ { 0x1000, 0x8fff } }, 1);

	assert_int_equal(chp_ranges_subtract(s, (struct chp_range){ 0x3000, 0x4fff }), 0);
	expect(s, (struct chp_range[]){ { 0x1000, 0x2fff }, { 0x5000, 0x8fff } }, 2);
	chp_ranges_free(s);
}

/*
 *   [0x1000 .. 0x2fff]   [0x4000 .. 0x5fff]   [0x7000 .. 0x7fff]
 *          [0x2000 ............ 0x4fff]        subtracted: trims two ends
 */
static void test_ranges__subtract_partial_overlaps(void **state)
{
	struct chp_ranges *s = set_of((struct chp_range[]){
		{ 0x1000, 0x2fff }, { 0x4000, 0x5fff }, { 0x7000, 0x7fff } }, 3);

	assert_int_equal(chp_ranges_subtract(s, (struct chp_range){ 0x2000, 0x4fff }), 0);
	expect(s, (struct chp_range[]){ { 0x1000, 0x1fff }, { 0x5000, 0x5fff }, { 0x7000, 0x7fff } }, 3);
	/* A subtraction covering a range exactly removes it. */
	assert_int_equal(chp_ranges_subtract(s, (struct chp_range){ 0x5000, 0x5fff }), 0);
	expect(s, (struct chp_range[]){ { 0x1000, 0x1fff }, { 0x7000, 0x7fff } }, 2);
	/* Subtracting from a gap changes nothing. */
	assert_int_equal(chp_ranges_subtract(s, (struct chp_range){ 0x3000, 0x6fff }), 0);
	expect(s, (struct chp_range[]){ { 0x1000, 0x1fff }, { 0x7000, 0x7fff } }, 2);
	chp_ranges_free(s);
}

static void test_ranges__empty_set(void **state)
{
	struct chp_ranges *s = set_of(NULL, 0);
	uint64_t total = 1;

	assert_int_equal(chp_ranges_count(s), 0);
	assert_null(chp_ranges_at(s, 0));
	assert_int_equal(chp_ranges_total_bytes(s, &total), 0);
	assert_int_equal(total, 0);
	assert_false(chp_ranges_covers(s, (struct chp_range){ 0, 0 }));
	assert_false(chp_ranges_overlaps(s, (struct chp_range){ 0, UINT64_MAX }));
	assert_int_equal(chp_ranges_subtract(s, (struct chp_range){ 0, UINT64_MAX }), 0);
	assert_int_equal(chp_ranges_count(s), 0);
	chp_ranges_free(s);
}

/*
 *   [0 .. 0xfff] and [UINT64_MAX-0xfff .. UINT64_MAX]: the extremes of the
 *   address space; adding the middle joins everything into the whole space,
 *   whose size (2^64) does not fit in 64 bits.
 */
static void test_ranges__extremes(void **state)
{
	struct chp_ranges *s = set_of((struct chp_range[]){
		{ 0, 0xfff }, { UINT64_MAX - 0xfff, UINT64_MAX } }, 2);
	uint64_t total = 0;

	assert_int_equal(chp_ranges_total_bytes(s, &total), 0);
	assert_int_equal(total, 0x2000);
	assert_true(chp_ranges_covers(s, (struct chp_range){ UINT64_MAX, UINT64_MAX }));
	assert_int_equal(chp_ranges_subtract(s, (struct chp_range){ UINT64_MAX, UINT64_MAX }), 0);
	expect(s, (struct chp_range[]){ { 0, 0xfff }, { UINT64_MAX - 0xfff, UINT64_MAX - 1 } }, 2);
	assert_int_equal(chp_ranges_add(s, (struct chp_range){ 0x1000, UINT64_MAX }), 0);
	expect(s, (struct chp_range[]){ { 0, UINT64_MAX } }, 1);
	assert_int_equal(chp_ranges_total_bytes(s, &total), -EOVERFLOW);
	assert_int_equal(chp_range_size(*chp_ranges_at(s, 0)), 0);
	assert_int_equal(chp_ranges_subtract(s, (struct chp_range){ 0, 0 }), 0);
	expect(s, (struct chp_range[]){ { 1, UINT64_MAX } }, 1);
	assert_int_equal(chp_ranges_total_bytes(s, &total), 0);
	assert_int_equal(total, UINT64_MAX);
	chp_ranges_free(s);
}

static void test_ranges__rejects_inverted(void **state)
{
	struct chp_ranges *s = set_of(NULL, 0);

	assert_int_equal(chp_ranges_add(s, (struct chp_range){ 2, 1 }), -EINVAL);
	assert_int_equal(chp_ranges_subtract(s, (struct chp_range){ 2, 1 }), -EINVAL);
	assert_int_equal(chp_ranges_count(s), 0);
	chp_ranges_free(s);
}

/*
 *   a: [0x0 .. 0xfff]      [0x2000 ........ 0x5fff]
 *   b:      [0x800 ....... 0x2fff]   [0x4000 .. 0x8fff]
 *   a∩b: [0x800 .. 0xfff] [0x2000 .. 0x2fff] [0x4000 .. 0x5fff]
 */
static void test_ranges__intersect(void **state)
{
	struct chp_ranges *a = set_of((struct chp_range[]){ { 0, 0xfff }, { 0x2000, 0x5fff } }, 2);
	struct chp_ranges *b = set_of((struct chp_range[]){ { 0x800, 0x2fff }, { 0x4000, 0x8fff } }, 2);
	struct chp_ranges *out = set_of(NULL, 0);

	assert_int_equal(chp_ranges_intersect(out, a, b), 0);
	expect(out, (struct chp_range[]){ { 0x800, 0xfff }, { 0x2000, 0x2fff }, { 0x4000, 0x5fff } }, 3);
	chp_ranges_free(a);
	chp_ranges_free(b);
	chp_ranges_free(out);
}

/* Random adds and subtracts over 512 addresses, checked against a bitmap. */
static void test_ranges__matches_bitmap_model(void **state)
{
	enum { SPACE = 512 };
	uint64_t seed = 12345;
	bool model[SPACE] = { false };
	struct chp_ranges *s = set_of(NULL, 0);

	for (int step = 0; step < 4000; step++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t a = (seed >> 33) % SPACE, b = (seed >> 17) % SPACE;
		struct chp_range r = { a < b ? a : b, a < b ? b : a };
		bool add = (seed >> 60) & 1;

		assert_int_equal(add ? chp_ranges_add(s, r) : chp_ranges_subtract(s, r), 0);
		for (uint64_t x = r.start; x <= r.last; x++)
			model[x] = add;
		/* The set is exactly the model's runs: sorted, disjoint, never touching. */
		size_t i = 0;
		for (uint64_t x = 0; x < SPACE;) {
			if (!model[x]) {
				x++;
				continue;
			}
			uint64_t start = x;
			while (x < SPACE && model[x])
				x++;
			const struct chp_range *got = chp_ranges_at(s, i++);
			assert_non_null(got);
			assert_int_equal(got->start, start);
			assert_int_equal(got->last, x - 1);
		}
		assert_int_equal(chp_ranges_count(s), i);
	}
	chp_ranges_free(s);
}

static void test_ranges__copy_and_equal(void **state)
{
	struct chp_ranges *a = set_of((struct chp_range[]){ { 0x1000, 0x1fff }, { 0x8000, 0x8fff } }, 2);
	struct chp_ranges *b;

	assert_int_equal(chp_ranges_copy(&b, a), 0);
	assert_true(chp_ranges_equal(a, b));
	assert_int_equal(chp_ranges_subtract(b, (struct chp_range){ 0x8000, 0x8000 }), 0);
	assert_false(chp_ranges_equal(a, b));
	assert_true(chp_ranges_overlaps(b, (struct chp_range){ 0x0, 0x1000 }));
	assert_false(chp_ranges_covers(b, (struct chp_range){ 0x1000, 0x2000 }));
	chp_ranges_free(a);
	chp_ranges_free(b);
}

/*
 * A list keeps touching ranges apart, as /proc/iomem keeps two adjacent
 * DIMMs two resources; overlapping ones still merge.
 *   [4G .. 5G)[5G .. 6G)        two entries
 *         [4.5G ....... 5.5G)   overlaps both: one entry
 */
static void test_ranges__list_keeps_touching_apart(void **state)
{
	struct chp_ranges *l, *copy;
	const uint64_t G = 1ull << 30;

	assert_int_equal(chp_ranges_new_list(&l), 0);
	assert_int_equal(chp_ranges_add(l, (struct chp_range){ 4 * G, 5 * G - 1 }), 0);
	assert_int_equal(chp_ranges_add(l, (struct chp_range){ 5 * G, 6 * G - 1 }), 0);
	expect(l, (struct chp_range[]){ { 4 * G, 5 * G - 1 }, { 5 * G, 6 * G - 1 } }, 2);
	/* A copy is a list too. */
	assert_int_equal(chp_ranges_copy(&copy, l), 0);
	assert_int_equal(chp_ranges_add(copy, (struct chp_range){ 6 * G, 7 * G - 1 }), 0);
	assert_int_equal(chp_ranges_count(copy), 3);
	assert_int_equal(chp_ranges_subtract(copy, (struct chp_range){ 5 * G, 5 * G }), 0);
	assert_int_equal(chp_ranges_count(copy), 3);
	assert_int_equal(chp_ranges_at(copy, 1)->start, 5 * G + 1);
	assert_int_equal(chp_ranges_add(l, (struct chp_range){ 4 * G + G / 2, 5 * G + G / 2 }), 0);
	expect(l, (struct chp_range[]){ { 4 * G, 6 * G - 1 } }, 1);
	chp_ranges_free(l);
	chp_ranges_free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges__add_merges_adjacent),
		cmocka_unit_test(test_ranges__add_keeps_gap),
		cmocka_unit_test(test_ranges__add_bridges_several),
		cmocka_unit_test(test_ranges__subtract_splits),
		cmocka_unit_test(test_ranges__subtract_partial_overlaps),
		cmocka_unit_test(test_ranges__empty_set),
		cmocka_unit_test(test_ranges__extremes),
		cmocka_unit_test(test_ranges__rejects_inverted),
		cmocka_unit_test(test_ranges__intersect),
		cmocka_unit_test(test_ranges__matches_bitmap_model),
		cmocka_unit_test(test_ranges__copy_and_equal),
		cmocka_unit_test(test_ranges__list_keeps_touching_apart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
