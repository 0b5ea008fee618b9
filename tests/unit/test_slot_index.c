/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/*
 * The slot core's index is static in the kernel's file: the test includes that
 * file, as the kernel's tools/testing/memblock builds mm/memblock.c.
 */
#include "../../lib/kernel/crash_slots.c"

static int index_init(struct crash_slots *ix, uint32_t n)
{
	ix->root = NO_SLOT;
	ix->left = calloc(n, sizeof(*ix->left));
	ix->right = calloc(n, sizeof(*ix->right));
	ix->key = calloc(n, sizeof(*ix->key));
	return ix->left && ix->right && ix->key ? 0 : -ENOMEM;
}

static void index_fini(struct crash_slots *ix)
{
	free(ix->left);
	free(ix->right);
	free(ix->key);
}

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
	uint32_t best = NO_SLOT;

	for (uint32_t i = 0; i < N; i++)
		if (m->in[i] && m->start[i] <= addr && (best == NO_SLOT || key_before(m, best, i)))
			best = i;
	return best;
}

static uint32_t model_ceil(const struct model *m, uint64_t addr)
{
	uint32_t best = NO_SLOT;

	for (uint32_t i = 0; i < N; i++)
		if (m->in[i] && m->start[i] >= addr && (best == NO_SLOT || key_before(m, i, best)))
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
	struct crash_slots ix = { 0 };
	uint64_t seed = 0x2545f4914f6cdd1dull;

	assert_int_equal(index_init(&ix, N), 0);
	for (uint32_t i = 0; i < N / 2; i++) {  /* sorted, as attach inserts */
		m.in[i] = true;
		m.start[i] = (uint64_t)i << 27;
		index_insert(&ix, i, m.start[i]);
	}
	for (int op = 0; op < 20000; op++) {
		uint32_t id = (uint32_t)(next_rand(&seed) % N);
		uint64_t addr = next_rand(&seed) % (1ull << 40);
		if (m.in[id]) {
			index_remove(&ix, id);
			m.in[id] = false;
		} else {
			/* Now and then the start of another slot: two keys with one start. */
			uint32_t other = (uint32_t)(next_rand(&seed) % N);
			m.start[id] = op % 7 == 0 && m.in[other] ? m.start[other] : addr;
			m.in[id] = true;
			index_insert(&ix, id, m.start[id]);
		}
		if (op % 64)
			continue;
		/* Half the probes exactly at a start, the other half anywhere. */
		uint32_t near = (uint32_t)(next_rand(&seed) % N);
		uint64_t probe = op % 128 ? m.start[near] : next_rand(&seed) % (1ull << 40);
		assert_int_equal(index_floor(&ix, probe), model_floor(&m, probe));
		assert_int_equal(index_ceil(&ix, probe), model_ceil(&m, probe));
		/* The whole walk in order. */
		uint32_t at = index_ceil(&ix, 0), count = 0, prev = NO_SLOT;
		for (; at != NO_SLOT; prev = at, at = index_next(&ix, at), count++) {
			assert_true(m.in[at]);
			if (prev != NO_SLOT)
				assert_true(key_before(&m, prev, at));
		}
		uint32_t want = 0;
		for (uint32_t i = 0; i < N; i++)
			want += m.in[i];
		assert_int_equal(count, want);
	}
	index_fini(&ix);
}

/* ---- crash_slots_sync(), the kernel's resync, on a little-endian header ---- */

#define HDR_SLOTS 8
static uint8_t hdr[EHDR_SIZE + HDR_SLOTS * PHDR_SIZE];

static int buf_store(void *ctx, size_t off, u64 val, unsigned int len)
{
	for (unsigned int k = 0; k < len; k++)
		hdr[off + k] = (uint8_t)(val >> (8 * k));
	return 0;
}

static uint64_t le(const uint8_t *p, unsigned int len)
{
	uint64_t v = 0;

	for (unsigned int k = len; k-- > 0;)
		v = v << 8 | p[k];
	return v;
}

/* The header's RAM loads, sorted, as a reader collects them: into out, count returned. */
static size_t header_loads(u64 (*out)[2])
{
	size_t n = 0, phnum = le(hdr + E_PHNUM, 2);

	for (size_t i = 1; i < phnum; i++) {
		const uint8_t *ph = hdr + phdr_off(i);
		if (le(ph, 4) != TYPE_LOAD || !le(ph + P_MEMSZ, 8))
			continue;
		assert_int_equal(le(ph + P_FILESZ, 8), le(ph + P_MEMSZ, 8));
		assert_int_equal(le(ph + P_VADDR, 8) - le(ph + P_PADDR, 8), 0xffff888000000000ull);
		out[n][0] = le(ph + P_PADDR, 8);
		out[n][1] = out[n][0] + le(ph + P_MEMSZ, 8) - 1;
		for (size_t k = n; k > 0 && out[k][0] < out[k - 1][0]; k--) {
			u64 t0 = out[k][0], t1 = out[k][1];
			out[k][0] = out[k - 1][0];
			out[k][1] = out[k - 1][1];
			out[k - 1][0] = t0;
			out[k - 1][1] = t1;
		}
		n++;
	}
	return n;
}

static void assert_header_is(const struct range *want, size_t nr)
{
	u64 got[HDR_SLOTS][2];
	size_t n = header_loads(got);

	assert_int_equal(n, nr);
	for (size_t k = 0; k < nr; k++) {
		assert_int_equal(got[k][0], want[k].start);
		assert_int_equal(got[k][1], want[k].end);
	}
}

/*
 * The kernel's resync: the header's RAM loads become exactly the wanted
 * ranges (additions, removals, a split), with the note left alone.
 */
static void test_slot_index__sync_makes_the_header_exact(void **state)
{
	static const struct crash_slots_ops ops = { .store = buf_store };
	const struct crash_slots_cfg cfg = { .ops = &ops, .direct_map = 0xffff888000000000ull };
	static const struct range boot[] = { { 0x100000, 0x3fffffff } };
	static const struct range grown[] = { { 0x100000, 0x7ffffff }, { 0x10000000, 0x3fffffff },
					{ 0x100000000, 0x13fffffff } };
	static const struct range shrunk[] = { { 0x100000, 0x7ffffff }, { 0x120000000, 0x12fffffff } };
	struct crash_slots *cs;
	bool changed = false;

	memset(hdr, 0, sizeof(hdr));
	buf_store(NULL, E_PHNUM, 2, 2);
	buf_store(NULL, phdr_off(0), TYPE_NOTE, 8);
	buf_store(NULL, phdr_off(1), (u64)FLAGS_RWX << 32 | TYPE_LOAD, 8);
	buf_store(NULL, phdr_off(1) + P_VADDR, 0xffff888000000000ull + boot[0].start, 8);
	buf_store(NULL, phdr_off(1) + P_PADDR, boot[0].start, 8);
	buf_store(NULL, phdr_off(1) + P_OFFSET, boot[0].start, 8);
	buf_store(NULL, phdr_off(1) + P_FILESZ, boot[0].end - boot[0].start + 1, 8);
	buf_store(NULL, phdr_off(1) + P_MEMSZ, boot[0].end - boot[0].start + 1, 8);
	assert_int_equal(crash_slots_create(&cs, &cfg, hdr, sizeof(hdr), sizeof(hdr)), 0);
	assert_header_is(boot, 1);

	assert_int_equal(crash_slots_sync(cs, grown, 3, &changed), 0);
	assert_true(changed);
	assert_header_is(grown, 3);
	assert_int_equal(le(hdr + phdr_off(0), 4), TYPE_NOTE);

	changed = false;
	assert_int_equal(crash_slots_sync(cs, grown, 3, &changed), 0);
	assert_false(changed);

	assert_int_equal(crash_slots_sync(cs, shrunk, 2, &changed), 0);
	assert_header_is(shrunk, 2);
	assert_int_equal(crash_slots_sync(cs, NULL, 0, &changed), 0);
	assert_header_is(NULL, 0);
	crash_slots_free(cs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_index__matches_a_sorted_reference),
		cmocka_unit_test(test_slot_index__sync_makes_the_header_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
