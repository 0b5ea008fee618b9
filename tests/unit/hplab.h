/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A lab machine with crash hotplug attached, and a crash after every step. */
#ifndef CRASHHP_TEST_HPLAB_H
#define CRASHHP_TEST_HPLAB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/hotplug.h"
#include "crashhp/error.h"
#include "crashhp/lab.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

struct hplab {
	struct chp_machine *m;
	struct chp_kimage *img;
	struct chp_hotplug *hp;
};

/*
 * How many stores or steps an update takes pins down how it is made, not what
 * a reader gets.  `make mutants` sets CRASHHP_BEHAVIOUR_ONLY, so that only a
 * check of behaviour (memory missing from a dump, zeros read, no dump, a lost
 * event) can kill a mutant.
 */
static inline bool hplab_counting(void)
{
	return !getenv("CRASHHP_BEHAVIOUR_ONLY");
}

#define assert_count_equal(a, b)                          \
	do {                                              \
		if (hplab_counting())                     \
			assert_int_equal((a), (b));       \
	} while (0)

/*
 * A test runs on one thread: a removal that waits for the kexec lock's holder
 * (robust) waits for this very thread, which would never let go.  A test that
 * removes memory under a lock it holds says what the holder does meanwhile
 * (chp_hotplug_set_wait_hook()); anything else waiting is a failure.
 */
static inline bool hplab_nobody_lets_go(void *ctx)
{
	(void)ctx;
	fail_msg("an event waited for the kexec lock's holder, this thread: it never lets go");
	return false;
}

static inline void hplab_up_spec(struct hplab *l, const struct chp_lab_spec *s,
				 enum chp_policy policy, enum chp_load_mode mode, bool flag)
{
	struct chp_load_options o;

	assert_int_equal(chp_machine_new_lab(&l->m, s), 0);
	assert_int_equal(chp_kimage_new(&l->img, *chp_ranges_at(chp_machine_crashkernel(l->m), 0)), 0);
	assert_int_equal(chp_hotplug_new(&l->hp, policy, l->m, l->img), 0);
	chp_hotplug_set_wait_hook(l->hp, hplab_nobody_lets_go, NULL);
	chp_load_options_init(&o);
	o.mode = mode;
	o.hotplug_flag = flag;
	assert_int_equal(chp_hotplug_load(l->hp, &o), 0);
}

static inline void hplab_up(struct hplab *l, enum chp_arch arch, uint64_t ram,
			    enum chp_policy policy)
{
	struct chp_lab_spec s;

	chp_lab_spec_init(&s, arch);
	s.boot_ram = ram;
	s.crashkernel_size = 128 * MiB;
	s.cpus_possible = 4;
	s.cpus_present = 2;
	s.cpus_online = 2;
	hplab_up_spec(l, &s, policy, CHP_LOAD_FILE, false);
}

static inline void hplab_down(struct hplab *l)
{
	chp_hotplug_free(l->hp);
	chp_kimage_free(l->img);
	chp_machine_free(l->m);
}

static inline struct chp_dump_result hplab_crash(struct hplab *l)
{
	struct chp_dump_result res;

	assert_int_equal(chp_lab_crash(l->hp, NULL, &res), 0);
	return res;
}

/* Crash after every step of whatever runs while this is the step hook. */
struct injector {
	struct chp_hotplug *hp;
	struct chp_ranges *in_flight;
	unsigned steps, stores, dumps, complete;
	unsigned sound;  /* dumps missing no online memory and listing nothing absent */
	uint64_t missing_ok;  /* online bytes already left out before the update (sound all the same) */
	char first_bad[300];
	char first_unsound[300];
};

static inline void injector_step(void *ctx, const struct chp_step *step)
{
	struct injector *in = ctx;
	struct chp_dump_result res;

	in->steps++;
	in->stores += step->kind == CHP_STEP_STORE;
	if (chp_lab_crash(in->hp, in->in_flight, &res))
		fail_msg("crash check failed: %s", chp_last_error());
	in->dumps += res.taken;
	in->complete += res.taken && res.complete;
	in->sound += res.taken && res.missing_bytes <= in->missing_ok && !res.absent_bytes;
	if ((!res.taken || !res.complete) && !in->first_bad[0])
		snprintf(in->first_bad, sizeof(in->first_bad), "step %u: %s", in->steps, res.why);
	if ((!res.taken || res.missing_bytes > in->missing_ok || res.absent_bytes) && !in->first_unsound[0])
		snprintf(in->first_unsound, sizeof(in->first_unsound), "step %u: %s", in->steps, res.why);
}

static inline void injector_arm(struct injector *in, struct chp_hotplug *hp, uint64_t start,
				uint64_t size)
{
	memset(in, 0, sizeof(*in));
	in->hp = hp;
	assert_int_equal(chp_ranges_new(&in->in_flight), 0);
	if (size)
		assert_int_equal(chp_ranges_add(in->in_flight, (struct chp_range){ start, start + size - 1 }), 0);
	chp_hotplug_set_step_hook(hp, injector_step, in);
}

static inline void injector_disarm(struct injector *in)
{
	chp_hotplug_set_step_hook(in->hp, NULL, NULL);
	chp_ranges_free(in->in_flight);
}

/*
 * Only an aligned store of at most 8 bytes is atomic: a wider copy can be cut
 * short by a crash between two words.  This hook plays every wider store to
 * one image segment (the header, say) word by word, a crash after each word,
 * before the injector's crash after the whole store.  After the first bad
 * crash it only records.
 */
struct torn {
	struct injector in;
	struct chp_kimage *img;
	uint64_t base;
	size_t size;
	uint8_t *before; /* the segment as it was before this step */
	unsigned partial_crashes;
};

static inline void torn_step(void *ctx, const struct chp_step *step)
{
	struct torn *t = ctx;
	uint64_t end = step->paddr + step->len;

	if (step->kind == CHP_STEP_STORE && step->len > 8 && !t->in.first_bad[0] && step->paddr >= t->base &&
	    end <= t->base + t->size) {
		uint8_t *after = malloc(step->len);
		assert_non_null(after);
		assert_int_equal(chp_kimage_read(t->img, step->paddr, after, step->len), 0);
		for (uint64_t w = (step->paddr & ~7ull) + 8; w < end; w += 8) {
			/* [paddr, w) landed, [w, end) not yet */
			assert_int_equal(chp_kimage_store(t->img, w, t->before + (w - t->base),
							  (size_t)(end - w)), 0);
			injector_step(&t->in, step);
			t->partial_crashes++;
			assert_int_equal(chp_kimage_store(t->img, w, after + (w - step->paddr),
							  (size_t)(end - w)), 0);
		}
		free(after);
	}
	injector_step(&t->in, step);
	assert_int_equal(chp_kimage_read(t->img, t->base, t->before, t->size), 0);
}

/* Crash between the words of every store to image segment `index`, and after it. */
static inline void torn_arm(struct torn *t, struct hplab *l, size_t index, uint64_t start,
			    uint64_t size)
{
	struct chp_segment_info seg;

	assert_int_equal(chp_kimage_segment(l->img, index, &seg), 0);
	memset(t, 0, sizeof(*t));
	t->img = l->img;
	t->base = seg.paddr;
	t->size = (size_t)seg.memsz;
	t->before = malloc(t->size);
	assert_non_null(t->before);
	assert_int_equal(chp_kimage_read(l->img, t->base, t->before, t->size), 0);
	injector_arm(&t->in, l->hp, start, size);
	chp_hotplug_set_step_hook(l->hp, torn_step, t);
}

static inline void torn_disarm(struct torn *t)
{
	injector_disarm(&t->in);
	free(t->before);
}

#endif
