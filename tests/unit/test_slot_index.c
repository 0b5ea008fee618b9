/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "slot_index.h"

#define N 4096

/* The reference: for each slot, indexed or not, and its start. */
struct model {
	bool in[N];
	uint64_t start[N];
};

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The (start, id) order, as the index keeps it. */
static bool key_before(const struct model *m, uint32_t a, uint32_t b)
{
	return m->start[a] < m->start[b] || (m->start[a] == m->start[b] && a < b);
}

static uint32_t model_floor(const struct model *m, uint64_t addr)
{
	uint32_t best = CHP_SLOT_NONE;

	for (uint32_t i = 0; i < N; i++)
		if (m->in[i] && m->start[i] <= addr && (best == CHP_SLOT_NONE || key_before(m, best, i)))
			best = i;
	return best;
}

static uint32_t model_ceil(const struct model *m, uint64_t addr)
{
	uint32_t best = CHP_SLOT_NONE;

	for (uint32_t i = 0; i < N; i++)
		if (m->in[i] && m->start[i] >= addr && (best == CHP_SLOT_NONE || key_before(m, i, best)))
			best = i;
	return best;
}

/*
 * Random inserts and removes (sorted runs too, as a loaded header arrives,
 * and equal starts, as during a cut) against a plain array: floor, ceil and
 * an in-order walk always agree, and a removed slot is never found.
 */
static void test_slot_index__matches_a_sorted_reference(void **state)
{
	static struct model m;
	struct chp_slot_index ix;
	uint64_t seed = 0x2545f4914f6cdd1dull;

	assert_int_equal(chp_slot_index_init(&ix, N), 0);
	for (uint32_t i = 0; i < N / 2; i++) {  /* sorted, as attach inserts */
		m.in[i] = true;
		m.start[i] = (uint64_t)i << 27;
		chp_slot_index_insert(&ix, i, m.start[i]);
	}
	for (int op = 0; op < 20000; op++) {
		uint32_t id = (uint32_t)(next_rand(&seed) % N);
		uint64_t addr = next_rand(&seed) % (1ull << 40);
		if (m.in[id]) {
			chp_slot_index_remove(&ix, id);
			m.in[id] = false;
		} else {
			/* Now and then the start of another slot: two keys with one start. */
			uint32_t other = (uint32_t)(next_rand(&seed) % N);
			m.start[id] = op % 7 == 0 && m.in[other] ? m.start[other] : addr;
			m.in[id] = true;
			chp_slot_index_insert(&ix, id, m.start[id]);
		}
		if (op % 64)
			continue;
		/* Half the probes exactly at a start, the other half anywhere. */
		uint32_t near = (uint32_t)(next_rand(&seed) % N);
		uint64_t probe = op % 128 ? m.start[near] : next_rand(&seed) % (1ull << 40);
		assert_int_equal(chp_slot_index_floor(&ix, probe), model_floor(&m, probe));
		assert_int_equal(chp_slot_index_ceil(&ix, probe), model_ceil(&m, probe));
		/* The whole walk in order. */
		uint32_t at = chp_slot_index_ceil(&ix, 0), count = 0, prev = CHP_SLOT_NONE;
		for (; at != CHP_SLOT_NONE; prev = at, at = chp_slot_index_next(&ix, at), count++) {
			assert_true(m.in[at]);
			if (prev != CHP_SLOT_NONE)
				assert_true(key_before(&m, prev, at));
		}
		uint32_t want = 0;
		for (uint32_t i = 0; i < N; i++)
			want += m.in[i];
		assert_int_equal(count, want);
	}
	chp_slot_index_fini(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_index__matches_a_sorted_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
