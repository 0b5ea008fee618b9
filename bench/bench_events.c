/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cost of each kind of crash hotplug event, mainline against robust, in one
 * run on the same machines and the same events: is robust O(changed)?
 *
 * x86_64 machines with 64 or 8192 possible CPUs whose memory is 1 GiB of boot
 * RAM plus one DIMM of 8 GiB or 64 TiB (128 MiB blocks: 64 or 524288 of them),
 * loaded with kexec_file_load.  The events, each timed from the notifier's
 * call to its return:
 *   add       a lone block beyond the DIMM onlined: a new range
 *   remove    that block offlined: a whole range goes
 *   grow      the block just past the DIMM onlined: the range's end moves up
 *   shrink    that block offlined: the end moves down
 *   head cut  the first block of the range holding the rest of the DIMM
 *             offlined, then onlined again untimed (it joins the range below):
 *             each round cuts the head of a range of nearly the DIMM's size
 *   split     the second block of that range offlined (then onlined: the
 *             range starts two blocks higher for the next round)
 * When the DIMM's blocks run out the image is reloaded and one round run
 * untimed, so the caches and robust's fresh tables are warm again.
 * and on ppc64 machines of 64 or 8192 possible CPUs (4 present), a CPU made
 * present and onlined: ADD_CPU.  Then a load of each machine, the FDT included.
 * Heap per event as bench_hotplug.c counts it (alloc_count.c).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "bench_lab.h"
#include "bench_util.h"
#include "crashhp/error.h"
#include "crashhp/hotplug.h"
#include "crashhp/lab.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define TiB (1ull << 40)
#define BLOCK (128 * MiB)
#define DIMM_BASE (8 * GiB)

enum kind { ADD, REMOVE, GROW, SHRINK, HEAD_CUT, SPLIT, CPU_ADD, LOAD, NKINDS };
static const char *const kind_name[NKINDS] = { "add", "remove", "grow", "shrink", "head cut",
					       "split", "ppc64 CPU add", "load" };

struct lab {
	struct chp_machine *m;
	struct chp_kimage *img;
	struct chp_hotplug *hp;
	uint64_t dimm;
	unsigned cursor;  /* head cut, split: which block the next round cuts */
};

static void die(const char *what)
{
	fprintf(stderr, "chp-bench-events: %s: %s\n", what, chp_last_error());
	exit(1);
}

static void load(struct lab *l)
{
	struct chp_load_options o;

	chp_load_options_init(&o);
	if (chp_hotplug_load(l->hp, &o))
		die("loading");
}

static void lab_up(struct lab *l, enum chp_policy policy, enum chp_arch arch, uint64_t dimm,
		   unsigned cpus)
{
	l->dimm = dimm;
	l->cursor = 0;
	if (bench_lab_boot(&l->m, &l->img, &l->hp, policy, arch, cpus,
			   arch == CHP_ARCH_X86_64 ? GiB : 2 * GiB))
		die("setting up");
	/* The DIMM, the block just past it and a lone block, before the load. */
	if (dimm && (chp_machine_add_dimm(l->m, DIMM_BASE, dimm, true) ||
		     chp_machine_add_dimm(l->m, DIMM_BASE + dimm, BLOCK, false) ||
		     chp_machine_add_dimm(l->m, DIMM_BASE + dimm + 4 * BLOCK, BLOCK, false)))
		die("adding memory");
	load(l);
}

static void lab_down(struct lab *l)
{
	bench_lab_free(l->m, l->img, l->hp);
}

static size_t block_of(uint64_t addr)
{
	return (size_t)(addr / BLOCK);
}

static void check(int err, const char *what)
{
	if (err)
		die(what);
}

static void event(struct lab *l, enum kind k, unsigned round);
static void after(struct lab *l, enum kind k);

/* Get the machine to where the timed event starts (untimed). */
static void before(struct lab *l, enum kind k, unsigned round)
{
	unsigned possible = chp_machine_cpus_possible(l->m);

	switch (k) {
	case REMOVE:
		check(chp_machine_online_block(l->m, block_of(DIMM_BASE + l->dimm + 4 * BLOCK)), "add");
		break;
	case SHRINK:
		check(chp_machine_online_block(l->m, block_of(DIMM_BASE + l->dimm)), "grow");
		break;
	case HEAD_CUT:
	case SPLIT:
		if (l->cursor + 2 >= l->dimm / BLOCK / (k == SPLIT ? 2 : 1)) {
			load(l);
			l->cursor = 0;
			event(l, k, round);
			after(l, k);
		}
		break;
	case CPU_ADD: {
		unsigned cpu = 4 + round % (possible - 4);
		/* Every absent CPU used once: a reload says "fail" for them again. */
		if (round && cpu == 4) {
			for (unsigned c = 4; c < possible; c++) {
				check(chp_machine_offline_cpu(l->m, c), "offlining a CPU");
				check(chp_machine_remove_cpu(l->m, c), "removing a CPU");
			}
			load(l);
		}
		check(chp_machine_add_cpu(l->m, cpu), "adding a CPU");
		break;
	}
	default:
		break;
	}
}

/* The block the round's head cut or split takes. */
static size_t cut_block(const struct lab *l, enum kind k)
{
	return block_of(DIMM_BASE) + (k == SPLIT ? 2 * l->cursor + 1 : l->cursor);
}

static void event(struct lab *l, enum kind k, unsigned round)
{
	uint64_t lone = DIMM_BASE + l->dimm + 4 * BLOCK, past = DIMM_BASE + l->dimm;

	switch (k) {
	case ADD: check(chp_machine_online_block(l->m, block_of(lone)), "add"); break;
	case REMOVE: check(chp_machine_offline_block(l->m, block_of(lone)), "remove"); break;
	case GROW: check(chp_machine_online_block(l->m, block_of(past)), "grow"); break;
	case SHRINK: check(chp_machine_offline_block(l->m, block_of(past)), "shrink"); break;
	case HEAD_CUT:
	case SPLIT:
		check(chp_machine_offline_block(l->m, cut_block(l, k)), kind_name[k]);
		break;
	case CPU_ADD:
		check(chp_machine_online_cpu(l->m, 4 + round % (chp_machine_cpus_possible(l->m) - 4)),
		      "onlining a CPU");
		break;
	case LOAD: load(l); break;
	default: break;
	}
}

/* Put back what the event took, when the next round does not. */
static void after(struct lab *l, enum kind k)
{
	if (k == ADD)
		check(chp_machine_offline_block(l->m, block_of(DIMM_BASE + l->dimm + 4 * BLOCK)), "remove");
	else if (k == GROW)
		check(chp_machine_offline_block(l->m, block_of(DIMM_BASE + l->dimm)), "shrink");
	else if (k == HEAD_CUT || k == SPLIT)
		check(chp_machine_online_block(l->m, cut_block(l, k)), "online");
	if (k == HEAD_CUT || k == SPLIT)
		l->cursor++;
}

struct timing {
	uint64_t median, p99;
	double calls, bytes;
	uint64_t peak;
};

static struct timing measure(enum chp_policy policy, enum kind k, uint64_t dimm, unsigned cpus,
			     unsigned rounds)
{
	struct lab l;
	uint64_t *t = malloc(rounds * sizeof(*t)), peak = 0, calls = 0, bytes = 0;

	lab_up(&l, policy, k == CPU_ADD || k == LOAD ? CHP_ARCH_PPC64LE : CHP_ARCH_X86_64,
	       k == CPU_ADD || k == LOAD ? 0 : dimm, cpus);
	for (unsigned r = 0; r < rounds; r++) {
		before(&l, k, r);
		struct alloc_count a0 = alloc_count_now();
		alloc_count_reset_peak();
		uint64_t t0 = now_ns();
		event(&l, k, r);
		t[r] = now_ns() - t0;
		struct alloc_count a1 = alloc_count_now();
		calls += a1.calls - a0.calls;
		bytes += a1.bytes - a0.bytes;
		peak = a1.peak - a0.in_use > peak ? a1.peak - a0.in_use : peak;
		after(&l, k);
	}
	qsort(t, rounds, sizeof(*t), cmp_u64);
	struct timing out = { t[rounds / 2], t[rounds * 99 / 100], (double)calls / rounds,
			      (double)bytes / rounds, peak };
	free(t);
	lab_down(&l);
	return out;
}

static void size_name(uint64_t bytes, char buf[16])
{
	if (!bytes)
		snprintf(buf, 16, "-");
	else if (bytes >= TiB)
		snprintf(buf, 16, "%" PRIu64 " TiB", (uint64_t)(bytes / TiB));
	else
		snprintf(buf, 16, "%" PRIu64 " GiB", (uint64_t)(bytes / GiB));
}

int main(void)
{
	static const uint64_t sizes[] = { 8 * GiB, 64 * TiB };
	static const unsigned cpus[] = { 64, 8192 };
	struct row {
		enum kind k;
		uint64_t dimm;
		unsigned cpus;
		struct timing m, b;
	} rows[NKINDS * 4];
	size_t n = 0;

	printf("per-event cost by event type (x86_64 memory events, 128 MiB blocks; ppc64 CPU add and load)\n");
	printf("%-13s %7s %5s | %23s | %23s | %s\n", "event", "range", "cpus", "mainline us med / p99",
	       "robust us med / p99", "median ratio");
	for (enum kind k = 0; k < NKINDS; k++) {
		for (size_t s = 0; s < 2; s++) {
			if ((k == CPU_ADD || k == LOAD) && s)
				continue;
			for (size_t c = 0; c < 2; c++) {
				unsigned rounds = k == LOAD ? 11 : 201;
				unsigned mrounds = (k == CPU_ADD || k == LOAD) && cpus[c] > 64 ? 11 : rounds;
				struct row *w = &rows[n++];
				w->k = k;
				w->dimm = k == CPU_ADD || k == LOAD ? 0 : sizes[s];
				w->cpus = cpus[c];
				w->m = measure(CHP_POLICY_MAINLINE, k, w->dimm, cpus[c], mrounds);
				w->b = measure(CHP_POLICY_ROBUST, k, w->dimm, cpus[c], rounds);
				char sz[16];
				size_name(w->dimm, sz);
				printf("%-13s %7s %5u | %10.2f / %10.2f | %10.2f / %10.2f | %8.1fx\n",
				       kind_name[k], sz, cpus[c], w->m.median / 1e3, w->m.p99 / 1e3,
				       w->b.median / 1e3, w->b.p99 / 1e3,
				       (double)w->m.median / (double)(w->b.median ? w->b.median : 1));
				fflush(stdout);
			}
		}
	}
	printf("\nper-event heap (the same runs): allocations, bytes asked for, most held at once\n");
	printf("%-13s %7s %5s | %31s | %31s\n", "event", "range", "cpus", "mainline calls/bytes/peak",
	       "robust calls/bytes/peak");
	for (size_t i = 0; i < n; i++) {
		char sz[16];
		size_name(rows[i].dimm, sz);
		printf("%-13s %7s %5u | %6.2f / %10.0f / %9" PRIu64 " | %6.2f / %10.0f / %9" PRIu64 "\n",
		       kind_name[rows[i].k], sz, rows[i].cpus, rows[i].m.calls, rows[i].m.bytes,
		       rows[i].m.peak, rows[i].b.calls, rows[i].b.bytes, rows[i].b.peak);
	}
	return 0;
}
