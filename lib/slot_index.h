/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_SLOT_INDEX_H
#define CRASHHP_SLOT_INDEX_H

#include <stdint.h>

/*
 * Robust's index of live header slots, ordered by start address: a treap
 * whose nodes are the slot numbers themselves, so it never allocates after
 * it is made.  A range is registered once, by its start, whatever its size:
 * inserting, removing or finding a slot costs O(log slots), never O(blocks).
 * Freed slots are not in it, so no lookup can return one.
 */
#define CHP_SLOT_NONE UINT32_MAX

struct chp_slot_index {
	uint32_t root;
	uint32_t n;          /* slots it can hold */
	uint32_t *left, *right;
	uint64_t *key;       /* start address of each indexed slot */
};

int chp_slot_index_init(struct chp_slot_index *ix, uint32_t n);
void chp_slot_index_fini(struct chp_slot_index *ix);
/* Register slot `id` (not indexed yet) by its start address. */
void chp_slot_index_insert(struct chp_slot_index *ix, uint32_t id, uint64_t start);
/* Unregister slot `id` (indexed). */
void chp_slot_index_remove(struct chp_slot_index *ix, uint32_t id);
/* The indexed slot with the highest start <= addr, or CHP_SLOT_NONE. */
uint32_t chp_slot_index_floor(const struct chp_slot_index *ix, uint64_t addr);
/* The indexed slot with the lowest start >= addr, or CHP_SLOT_NONE. */
uint32_t chp_slot_index_ceil(const struct chp_slot_index *ix, uint64_t addr);
/* The indexed slot after `id` in address order, or CHP_SLOT_NONE. */
uint32_t chp_slot_index_next(const struct chp_slot_index *ix, uint32_t id);

#endif
