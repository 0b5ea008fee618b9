/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The concurrent lab: event threads, a loader, and a crash at a moment of the
 * seed's choosing, on real threads.  The machine serialises events (its
 * hotplug lock); the kexec lock is what they contend for, with the loader.
 * The loader loads as the scenario says: kexec_file_load builds the header
 * in the syscall; kexec_load's kexec-tools reads the machine first, and the
 * event threads run in the gap before the syscall (kexec_tools.c).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/error.h"
#include "crashhp/lab.h"
#include "internal.h"
#include "loader_internal.h"

#define DIMMS_PER_THREAD 32u
#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)

struct round {
	const struct chp_concurrent_spec *spec;
	struct chp_machine *m;
	struct chp_kimage *img;
	struct chp_hotplug *hp;
	struct chp_load_options load;  /* the scenario's mode and flags, the lab's sizes */
	uint64_t block;
	atomic_ullong events;
	atomic_bool done;
	atomic_bool go;            /* the event threads may start (kexec_load: after a read) */
	atomic_ullong loads;
	atomic_ullong gap_loads, gap_events;  /* the loader's, summed into res at the end */
	uint64_t loader_until;     /* events after which the loader stops */
	uint64_t crash_at;
	struct chp_concurrent_result *res;
	pthread_mutex_t res_lock;
	atomic_int error;          /* the first failure; the others stop at their next event */
	char why[512];             /* its message: chp_last_error() is the failing thread's */
};

struct worker {
	struct round *r;
	unsigned index;
	uint64_t rng;
	bool present[DIMMS_PER_THREAD];
};

static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void record(struct round *r, const struct chp_dump_result *d, const char *when)
{
	struct chp_concurrent_result *res = r->res;

	pthread_mutex_lock(&r->res_lock);
	res->crashes++;
	res->dumps += d->taken;
	res->no_dump += !d->taken;
	res->no_dump_unloaded += !d->taken && d->unloaded;
	res->complete += d->taken && d->complete;
	if (d->taken && !d->complete && !res->first_problem[0])
		snprintf(res->first_problem, sizeof(res->first_problem), "%s: %s", when, d->why);
	pthread_mutex_unlock(&r->res_lock);
}

/* One event: the worker's DIMMs, its blocks, or its CPU. */
static int one_event(struct worker *w)
{
	struct round *r = w->r;
	uint64_t x = next_rand(&w->rng);
	unsigned k = (unsigned)(x % DIMMS_PER_THREAD), cpu = w->index + 1;
	uint64_t addr = 8 * GiB + ((uint64_t)w->index * DIMMS_PER_THREAD + k) * r->block;
	size_t block = (size_t)(addr / r->block);
	unsigned pick = (unsigned)((x >> 32) % 100);

	if (pick < 70 || !w->present[k]) {
		int err = w->present[k] ? chp_machine_remove_dimm(r->m, addr, r->block)
					: chp_machine_add_dimm(r->m, addr, r->block, true);
		if (!err)
			w->present[k] = !w->present[k];
		return err;
	}
	if (pick < 90) {
		/* Another thread may be growing the block table: look under the lock. */
		chp_machine_lock_state(r->m);
		bool online = chp_machine_block_state(r->m, block) == CHP_BLOCK_ONLINE;
		chp_machine_unlock_state(r->m);
		return online ? chp_machine_offline_block(r->m, block) : chp_machine_online_block(r->m, block);
	}
	chp_machine_lock_state(r->m);
	bool present = chp_machine_cpu_present(r->m, cpu), online = chp_machine_cpu_online(r->m, cpu);
	chp_machine_unlock_state(r->m);
	if (!present) {
		int err = chp_machine_add_cpu(r->m, cpu);
		if (err)
			return err;
	}
	return online ? chp_machine_offline_cpu(r->m, cpu) : chp_machine_online_cpu(r->m, cpu);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct round *r = w->r;

	while (!atomic_load(&r->go))
		sched_yield();
	for (unsigned i = 0; i < r->spec->events && !r->error; i++) {
		int err = one_event(w);
		if (err) {
			pthread_mutex_lock(&r->res_lock);
			if (!r->error) {
				snprintf(r->why, sizeof(r->why), "thread %u, event %u: %s", w->index,
					 i, chp_last_error());
				r->error = err;
			}
			pthread_mutex_unlock(&r->res_lock);
			break;
		}
		atomic_fetch_add(&r->events, 1);
	}
	return NULL;
}

/*
 * kexec_load as `kexec -p` makes it over the loaded image: kexec-tools reads
 * the machine (the code reload-read runs), the event threads run, then the
 * syscall replaces the image with what was read (kexec_tools.c: the events
 * in between updated the old image, if flagged, and are missing from the
 * new one).  The read is taken between two events, as a scenario's is, with
 * the count of events notified: every event counted then is one it saw, every
 * later one is not (events run under the machine's hotplug lock).  Those
 * notified before the syscall took the kexec lock are the gap's; a later one
 * meets the lock held (mainline drops it: counted so) or comes after.
 *
 * The gap lasts, as kexec-tools' build of the header lasts far longer than an
 * event, until the event threads have made an event since the read: a
 * handshake, not a length of time (or they are done, or at the point where
 * the loader stops).  The event threads start after the loader's first read,
 * so every round has a load with a gap (else a scheduler may run them all
 * before the loader starts).  The loader stops at that point under the
 * hotplug lock, before reading, retries included: no read sees the last
 * quarter's events (1: stopped, no load; the old image stays).
 *
 * -EBUSY, the kexec lock held by an event: kdump's service runs kexec again,
 * which reads again.
 */
static int load_segments(struct round *r)
{
	for (;;) {
		struct chp_load_segments seg;
		uint64_t read_at, missed;
		int err;

		chp_machine_lock_hotplug(r->m);
		if (atomic_load(&r->events) >= r->loader_until) {
			chp_machine_unlock_hotplug(r->m);
			return 1;
		}
		err = chp_kexec_tools_read(&seg, r->m, &r->load);
		read_at = chp_hotplug_events_notified(r->hp);
		chp_machine_unlock_hotplug(r->m);
		atomic_store(&r->go, true);
		if (err)
			return err;
		while (chp_hotplug_events_notified(r->hp) == read_at && !atomic_load(&r->done) &&
		       atomic_load(&r->events) < r->loader_until)
			sched_yield();
		err = chp_hotplug_load_read(r->hp, &r->load, &seg);
		chp_load_segments_release(&seg);
		if (err == -EBUSY) {
			sched_yield();
			continue;
		}
		if (!err && (missed = chp_hotplug_events_at_load(r->hp) - read_at)) {
			atomic_fetch_add(&r->gap_loads, 1);
			atomic_fetch_add(&r->gap_events, missed);
		}
		return err;
	}
}

static void *loader_main(void *arg)
{
	struct round *r = arg;

	/*
	 * Reloads during the first three quarters of the events only: the last
	 * quarter is kept by crash hotplug alone, so the settled crash judges
	 * what the handlers kept, never a header a final load rebuilt.
	 */
	while (!atomic_load(&r->done) && atomic_load(&r->events) < r->loader_until) {
		if (r->load.mode == CHP_LOAD_SEGMENTS) {
			/* A failed load leaves the old image, as do_kexec_load() does. */
			if (load_segments(r) == 1)
				break;
			atomic_fetch_add(&r->loads, 1);
		} else if (chp_hotplug_unload(r->hp) == 0) {
			/*
			 * -EBUSY while an event holds the kexec lock: try again, as
			 * kdump's service would; any other failure leaves no image.
			 */
			while (chp_hotplug_load(r->hp, &r->load) == -EBUSY)
				sched_yield();
			atomic_fetch_add(&r->loads, 1);
		}
		for (int i = 0; i < 50; i++)
			sched_yield();
	}
	atomic_store(&r->go, true);
	return NULL;
}

static void *crasher_main(void *arg)
{
	struct round *r = arg;
	struct chp_dump_result d;

	while (atomic_load(&r->events) < r->crash_at && !atomic_load(&r->done))
		sched_yield();
	if (chp_lab_crash_now(r->hp, &d) == 0)
		record(r, &d, "random moment");
	return NULL;
}

static int run_round(const struct chp_concurrent_spec *spec, unsigned round,
		     struct chp_concurrent_result *res)
{
	struct chp_lab_spec ls;
	struct round r = { .spec = spec, .res = res };
	struct worker *w = calloc(spec->threads, sizeof(*w));
	pthread_t *tid = calloc(spec->threads, sizeof(*tid));
	pthread_t loader, crasher;
	int err;

	if (!w || !tid) {
		free(w);
		free(tid);
		return chp_fail(-ENOMEM, "out of memory");
	}
	chp_lab_spec_init(&ls, spec->arch);
	ls.cpus_possible = spec->threads + 1;
	ls.cpus_present = 1;
	ls.cpus_online = 1;
	ls.boot_ram = 2 * GiB;
	ls.crashkernel_size = 128 * MiB;
	chp_load_options_init(&r.load);
	r.load.kernel_size = 64 * 1024;
	r.load.initrd_size = 64 * 1024;
	if (spec->load) {
		r.load.mode = spec->load->mode;
		r.load.hotplug_flag = spec->load->hotplug_flag;
		r.load.update_elfcorehdr_flag = spec->load->update_elfcorehdr_flag;
	}
	pthread_mutex_init(&r.res_lock, NULL);
	err = chp_machine_new_lab(&r.m, &ls);
	if (!err)
		err = chp_kimage_new(&r.img, *chp_ranges_at(chp_machine_crashkernel(r.m), 0));
	if (!err)
		err = chp_hotplug_new(&r.hp, spec->policy, r.m, r.img);
	if (!err)
		err = chp_hotplug_load(r.hp, &r.load);
	if (!err) {
		uint64_t seed = spec->seed * 7919u + round;
		r.block = chp_machine_block_size(r.m);
		r.crash_at = next_rand(&seed) % ((uint64_t)spec->threads * spec->events);
		r.loader_until = (uint64_t)spec->threads * spec->events * 3 / 4;
		atomic_store(&r.go, r.load.mode != CHP_LOAD_SEGMENTS);
		for (unsigned t = 0; t < spec->threads; t++)
			w[t] = (struct worker){ .r = &r, .index = t, .rng = seed + t + 1 };
		/*
		 * A thread that cannot start (EAGAIN: RLIMIT_NPROC, threads-max,
		 * no memory for its stack) ends the round, said, after the started
		 * ones are stopped and joined: never a join of one that is not.
		 */
		unsigned started = 0;
		int perr = pthread_create(&loader, NULL, loader_main, &r);
		bool loader_up = !perr, crasher_up = false;
		if (!perr)
			crasher_up = !(perr = pthread_create(&crasher, NULL, crasher_main, &r));
		while (!perr && started < spec->threads &&
		       !(perr = pthread_create(&tid[started], NULL, worker_main, &w[started])))
			started++;
		if (perr) {
			pthread_mutex_lock(&r.res_lock);
			if (!r.error) {
				char which[48];
				snprintf(which, sizeof(which), "event thread %u of %u", started + 1,
					 spec->threads);
				snprintf(r.why, sizeof(r.why), "starting %s: %s", !loader_up ?
					 "the loader thread" : !crasher_up ? "the crash thread" : which,
					 strerror(perr));
				r.error = -perr;
			}
			pthread_mutex_unlock(&r.res_lock);
		}
		for (unsigned t = 0; t < started; t++)
			pthread_join(tid[t], NULL);
		atomic_store(&r.done, true);
		if (crasher_up)
			pthread_join(crasher, NULL);
		if (loader_up)
			pthread_join(loader, NULL);
		if ((err = r.error))
			chp_fail(err, "%s", r.why);
	}
	if (!err) {
		/*
		 * Everything settled, the loader stopped a quarter of the events ago:
		 * the header the handlers kept must describe the machine exactly (a
		 * kexec_load image without a hotplug flag is kept by none: it is as
		 * kexec-tools last read it, and judged so).
		 */
		struct chp_dump_result d;
		const struct chp_hotplug_stats *st = chp_hotplug_stats(r.hp);
		err = chp_lab_crash_now(r.hp, &d);
		if (!err) {
			record(&r, &d, "settled");
			res->final_incomplete += !(d.taken && d.complete);
			if (!(d.taken && d.complete) && !res->first_problem[0])
				snprintf(res->first_problem, sizeof(res->first_problem),
					 "round %u settled: %s", round, d.why);
		}
		res->events += st->events;
		res->dropped += st->dropped;
		res->deferred += st->deferred;
		res->removal_waits += st->removal_waits;
		res->loads += atomic_load(&r.loads);
		res->gap_loads += atomic_load(&r.gap_loads);
		res->gap_events += atomic_load(&r.gap_events);
	}
	chp_hotplug_free(r.hp);
	chp_kimage_free(r.img);
	chp_machine_free(r.m);
	pthread_mutex_destroy(&r.res_lock);
	free(w);
	free(tid);
	return err;
}

/* The scenario's concurrent line names the error, as a sequential action's does. */
static int failed_at(const struct chp_concurrent_spec *spec, int err)
{
	return spec->name ? chp_fail_prefix(err, "%s:%u: ", spec->name, spec->line) : err;
}

int chp_lab_concurrent(const struct chp_concurrent_spec *spec, struct chp_concurrent_result *out)
{
	memset(out, 0, sizeof(*out));
	if (spec->threads == 0 || spec->threads > 256 || spec->events == 0 || spec->rounds == 0)
		return failed_at(spec, chp_fail(-EINVAL, "concurrent: 1..256 threads, and events "
						"and rounds above 0"));
	for (unsigned round = 0; round < spec->rounds; round++) {
		int err = run_round(spec, round, out);
		if (err)
			return failed_at(spec, chp_fail_prefix(err, "concurrent round %u: ", round));
		if (spec->progress.fn)
			spec->progress.fn(spec->progress.ctx, round + 1, spec->rounds);
	}
	return 0;
}
