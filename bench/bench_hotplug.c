/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-event update cost of crash hotplug, mainline against robust, measured
 * in one run on the same machines and the same events.
 *
 * For 64 / 1024 / 8192 memory ranges and 64 / 8192 possible CPUs: a lab
 * x86_64 machine whose RAM is that many separate 128 MiB ranges, loaded with
 * kexec_file_load; then one block is offlined and onlined in turn, and each
 * event is timed from the notifier's call to its return.  Then a storm:
 * 8192 separate blocks hot-added one after another, timed until the last
 * event has been handled, and the dump checked complete.
 *
 * Memory, in the same runs: the library's heap allocations per event (calls
 * and bytes asked for, averaged; counted through the linker's --wrap, see
 * alloc_count.c) and the most heap held at once above what was held before
 * the event, over all the events (robust's first event sizes its reused
 * scratch sets; the rest allocate nothing).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "alloc_count.h"
#include "bench_lab.h"
#include "bench_util.h"
#include "crashhp/error.h"
#include "crashhp/hotplug.h"
#include "crashhp/lab.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define BLOCK (128 * MiB)
#define SPARSE_BASE (8 * GiB)


struct lab {
	struct chp_machine *m;
	struct chp_kimage *img;
	struct chp_hotplug *hp;
};

static void die(const char *what)
{
	fprintf(stderr, "chp-bench-hotplug: %s: %s\n", what, chp_last_error());
	exit(1);
}

/* A machine with `ranges` separate RAM ranges (1 GiB boot gives 2 of them). */
static void lab_up(struct lab *l, enum chp_policy policy, unsigned ranges, unsigned cpus)
{
	struct chp_load_options o;

	if (bench_lab_boot(&l->m, &l->img, &l->hp, policy, CHP_ARCH_X86_64, cpus, GiB))
		die("setting up");
	/* Before the load: the kernel builds the header once, with all of them. */
	for (unsigned i = 2; i < ranges; i++)
		if (chp_machine_add_dimm(l->m, SPARSE_BASE + 2ull * i * BLOCK, BLOCK, true))
			die("adding memory");
	chp_load_options_init(&o);
	if (chp_hotplug_load(l->hp, &o))
		die("loading");
}

static void lab_down(struct lab *l)
{
	bench_lab_free(l->m, l->img, l->hp);
}

struct timing {
	uint64_t median, p99, max;
	double calls, bytes;     /* heap allocations per event: calls, bytes */
	uint64_t peak;           /* the most heap held above the start of an event */
};

static struct timing per_event(enum chp_policy policy, unsigned ranges, unsigned cpus, int rounds)
{
	struct lab l;
	uint64_t *t = malloc((size_t)rounds * sizeof(*t));
	size_t block = (size_t)((SPARSE_BASE + 2ull * (ranges / 2) * BLOCK) / BLOCK);
	struct timing out;

	uint64_t peak = 0;
	struct alloc_count a0;

	lab_up(&l, policy, ranges, cpus);
	a0 = alloc_count_now();
	for (int k = 0; k < rounds; k++) {
		struct alloc_count before = alloc_count_now();
		alloc_count_reset_peak();
		uint64_t t0 = now_ns();
		int err = k % 2 ? chp_machine_online_block(l.m, block)
				: chp_machine_offline_block(l.m, block);
		t[k] = now_ns() - t0;
		if (err)
			die("toggling a block");
		uint64_t above = alloc_count_now().peak - before.in_use;
		peak = above > peak ? above : peak;
	}
	struct alloc_count a1 = alloc_count_now();
	qsort(t, (size_t)rounds, sizeof(*t), cmp_u64);
	out = (struct timing){ t[rounds / 2], t[rounds * 99 / 100], t[rounds - 1],
			       (double)(a1.calls - a0.calls) / rounds,
			       (double)(a1.bytes - a0.bytes) / rounds, peak };
	free(t);
	lab_down(&l);
	return out;
}

static double storm(enum chp_policy policy, unsigned events, bool *complete)
{
	struct lab l;
	struct chp_dump_result res;
	uint64_t t0;

	lab_up(&l, policy, 2, 64);
	t0 = now_ns();
	for (unsigned i = 0; i < events; i++)
		if (chp_machine_add_dimm(l.m, SPARSE_BASE + 2ull * i * BLOCK, BLOCK, true))
			die("storm");
	double secs = (double)(now_ns() - t0) / 1e9;
	if (chp_lab_crash(l.hp, NULL, &res))
		die("crash check");
	*complete = res.taken && res.complete;
	lab_down(&l);
	return secs;
}

static void us(uint64_t ns, char buf[16])
{
	snprintf(buf, 16, "%.2f", ns / 1e3);
}

int main(int argc, char **argv)
{
	static const unsigned ranges[] = { 64, 1024, 8192 };
	static const unsigned cpus[] = { 64, 8192 };
	unsigned storm_events = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 8192;

	struct timing m[3][2], b[3][2];

	printf("per-event update cost (x86_64, kexec_file_load; one block offlined/onlined in turn)\n");
	printf("%7s %5s | %21s | %21s | %s\n", "ranges", "cpus", "mainline us med/p99",
	       "robust us med/p99", "median ratio");
	for (size_t r = 0; r < 3; r++) {
		for (size_t c = 0; c < 2; c++) {
			m[r][c] = per_event(CHP_POLICY_MAINLINE, ranges[r], cpus[c], 101);
			b[r][c] = per_event(CHP_POLICY_ROBUST, ranges[r], cpus[c], 1001);
			char a1[16], a2[16], b1[16], b2[16];
			us(m[r][c].median, a1);
			us(m[r][c].p99, a2);
			us(b[r][c].median, b1);
			us(b[r][c].p99, b2);
			printf("%7u %5u | %9s / %9s | %9s / %9s | %8.0fx\n", ranges[r], cpus[c], a1, a2,
			       b1, b2, (double)m[r][c].median / (double)(b[r][c].median ? b[r][c].median : 1));
			fflush(stdout);
		}
	}
	printf("\nper-event heap (the same runs): allocations, bytes asked for, most held at once\n");
	printf("%7s %5s | %29s | %29s | %s\n", "ranges", "cpus", "mainline calls/bytes/peak",
	       "robust calls/bytes/peak", "peak ratio");
	for (size_t r = 0; r < 3; r++)
		for (size_t c = 0; c < 2; c++)
			printf("%7u %5u | %6.2f / %9.0f / %8" PRIu64 " | %6.2f / %9.0f / %8" PRIu64
			       " | %8.0fx\n", ranges[r], cpus[c], m[r][c].calls, m[r][c].bytes,
			       m[r][c].peak, b[r][c].calls, b[r][c].bytes, b[r][c].peak,
			       (double)m[r][c].peak / (double)(b[r][c].peak ? b[r][c].peak : 1));
	bool mc, rc;
	double ms = storm(CHP_POLICY_MAINLINE, storm_events, &mc);
	double rs = storm(CHP_POLICY_ROBUST, storm_events, &rc);
	printf("\nhot-add storm: %u separate 128 MiB blocks, one MEM_ONLINE each, 64 CPUs\n",
	       storm_events);
	printf("%9s | %10s | %s\n", "policy", "seconds", "dump complete after");
	printf("%9s | %10.3f | %s\n", "mainline", ms, mc ? "yes" : "NO");
	printf("%9s | %10.3f | %s\n", "robust", rs, rc ? "yes" : "NO");
	printf("%9s | %9.0fx |\n", "ratio", ms / (rs > 0 ? rs : 1e-9));
	return 0;
}
