/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"
#include "slot_index.h"

/*
 * A node's priority is a fixed mix of its number: the shape is that of a
 * random binary search tree whatever the order of insertion (a header's
 * ranges arrive sorted), so its depth is O(log n) in expectation.
 */
static uint32_t prio(uint32_t id)
{
	uint32_t x = id * 0x9e3779b1u;

	x ^= x >> 15;
	x *= 0x85ebca6bu;
	return x ^ (x >> 13);
}

/* Keys are (start, id): two slots may start at the same address for an instant. */
static int before(const struct chp_slot_index *ix, uint32_t a, uint64_t start, uint32_t id)
{
	return ix->key[a] < start || (ix->key[a] == start && a < id);
}

int chp_slot_index_init(struct chp_slot_index *ix, uint32_t n)
{
	size_t k = n ? n : 1;

	ix->root = CHP_SLOT_NONE;
	ix->n = n;
	ix->left = malloc(k * sizeof(*ix->left));
	ix->right = malloc(k * sizeof(*ix->right));
	ix->key = malloc(k * sizeof(*ix->key));
	if (!ix->left || !ix->right || !ix->key) {
		chp_slot_index_fini(ix);
		return chp_fail(-ENOMEM, "out of memory for an index of %u slots", n);
	}
	return 0;
}

void chp_slot_index_fini(struct chp_slot_index *ix)
{
	free(ix->left);
	free(ix->right);
	free(ix->key);
	ix->left = ix->right = NULL;
	ix->key = NULL;
	ix->root = CHP_SLOT_NONE;
}

/* Split subtree `t` into the nodes before (start, id) and the rest. */
static void split(struct chp_slot_index *ix, uint32_t t, uint64_t start, uint32_t id, uint32_t *l,
		  uint32_t *r)
{
	while (t != CHP_SLOT_NONE) {
		if (before(ix, t, start, id)) {
			*l = t;
			l = &ix->right[t];
			t = ix->right[t];
		} else {
			*r = t;
			r = &ix->left[t];
			t = ix->left[t];
		}
	}
	*l = *r = CHP_SLOT_NONE;
}

/* Join two subtrees, every key of `a` before every key of `b`. */
static uint32_t join(struct chp_slot_index *ix, uint32_t a, uint32_t b)
{
	uint32_t root = CHP_SLOT_NONE, *link = &root;

	while (a != CHP_SLOT_NONE && b != CHP_SLOT_NONE) {
		if (prio(a) > prio(b)) {
			*link = a;
			link = &ix->right[a];
			a = ix->right[a];
		} else {
			*link = b;
			link = &ix->left[b];
			b = ix->left[b];
		}
	}
	*link = a != CHP_SLOT_NONE ? a : b;
	return root;
}

void chp_slot_index_insert(struct chp_slot_index *ix, uint32_t id, uint64_t start)
{
	uint32_t *link = &ix->root;

	ix->key[id] = start;
	while (*link != CHP_SLOT_NONE && prio(*link) > prio(id))
		link = before(ix, *link, start, id) ? &ix->right[*link] : &ix->left[*link];
	split(ix, *link, start, id, &ix->left[id], &ix->right[id]);
	*link = id;
}

void chp_slot_index_remove(struct chp_slot_index *ix, uint32_t id)
{
	uint32_t *link = &ix->root;

	while (*link != CHP_SLOT_NONE && *link != id)
		link = before(ix, *link, ix->key[id], id) ? &ix->right[*link] : &ix->left[*link];
	if (*link == id)
		*link = join(ix, ix->left[id], ix->right[id]);
}

uint32_t chp_slot_index_floor(const struct chp_slot_index *ix, uint64_t addr)
{
	uint32_t t = ix->root, best = CHP_SLOT_NONE;

	while (t != CHP_SLOT_NONE) {
		if (ix->key[t] <= addr) {
			best = t;
			t = ix->right[t];
		} else {
			t = ix->left[t];
		}
	}
	return best;
}

static uint32_t first_not_before(const struct chp_slot_index *ix, uint64_t start, uint32_t id)
{
	uint32_t t = ix->root, best = CHP_SLOT_NONE;

	while (t != CHP_SLOT_NONE) {
		if (before(ix, t, start, id)) {
			t = ix->right[t];
		} else {
			best = t;
			t = ix->left[t];
		}
	}
	return best;
}

uint32_t chp_slot_index_ceil(const struct chp_slot_index *ix, uint64_t addr)
{
	return first_not_before(ix, addr, 0);
}

uint32_t chp_slot_index_next(const struct chp_slot_index *ix, uint32_t id)
{
	/* The first key after (start, id): (start, id + 1) or any later start. */
	return id == CHP_SLOT_NONE - 1 ? CHP_SLOT_NONE : first_not_before(ix, ix->key[id], id + 1);
}
