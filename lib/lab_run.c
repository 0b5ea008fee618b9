/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crashhp/crashmem.h"
#include "crashhp/elfcore.h"
#include "crashhp/error.h"
#include "crashhp/lab.h"
#include "crashhp/scenario.h"
#include "internal.h"
#include "loader_internal.h"

#define TIMELINE_POINTS 400

struct dimm {
	uint64_t start, size;
};

struct runner {
	const struct chp_scenario *sc;
	struct chp_machine *m;
	struct chp_kimage *img;
	struct chp_hotplug *hp;          /* NULL in the dry run */
	struct chp_run_result *res;
	struct dimm *dimms;
	size_t ndimms, cap_dimms;
	uint64_t events;                 /* handled so far */
	uint64_t total_events;           /* from the dry run */
	uint64_t *latency;
	size_t nlatency, cap_latency;
	/* The crash plan */
	uint64_t *during;                /* events (1-based) with a crash mid-update */
	uint8_t *during_step;            /* ...after this step */
	size_t nduring, next_during;
	unsigned steps_this_event;
	uint64_t exhaustive_event;       /* 1-based; 0: none */
	bool exhaustive_stepped;         /* it made a store (or a drain did for it) */
	uint64_t silent_event;           /* the exhaustive event last counted as making none */
	uint64_t *crash_at;              /* events (1-based) followed by a crash */
	size_t ncrash_at, cap_crash_at;
	/* Room in res's arrays; each grows by doubling (internal.h, chp_grow()). */
	size_t cap_marks, cap_timeline, cap_busy;
	uint64_t busy_left;
	uint64_t busy_deferred;          /* the policy's deferred events when the load took the lock */
	uint64_t busy_dropped;           /* ...and its dropped ones */
	bool sample_next;                /* the event after a kexec-busy stretch */
	uint64_t crash_ns;               /* crashes inside this event's handler */
	uint64_t sample_every;
	chp_progress_fn progress;
	void *progress_ctx;
	int error;                       /* a hook's failure, reported at the end */
	/* reload-read .. reload-syscall: what kexec-tools read, and when. */
	struct chp_load_segments read;
	int read_err;                    /* kexec-tools failed: no syscall follows */
	uint64_t read_at;                /* events before the read */
};

static uint64_t mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void counting_notifier(void *ctx, const struct chp_hp_event *ev)
{
	if (ev->action != CHP_HP_RELEASE_MEMORY) /* no crash hotplug event */
		((struct runner *)ctx)->events++;
}

/* ---- crashes ---- */

static void note_problem(struct runner *r, const struct chp_dump_result *d, const char *when)
{
	if (r->res->first_problem[0])
		return;
	snprintf(r->res->first_problem, sizeof(r->res->first_problem), "%s: %s", when, d->why);
}

/* The crash's place on the timeline, kept for the report's picture. */
static void mark(struct runner *r, uint64_t at, const struct chp_dump_result *d)
{
	struct chp_run_result *res = r->res;
	struct chp_crash_mark m = { .event = at, .unloaded = !d->taken && d->unloaded };

	m.outcome = !d->taken ? CHP_CRASH_NO_DUMP : d->missing_bytes ? CHP_CRASH_MISSING
		  : d->absent_bytes ? CHP_CRASH_ABSENT : !d->complete ? CHP_CRASH_MISREAD
		  : CHP_CRASH_COMPLETE;
	if (chp_grow(&res->crash_marks, &r->cap_marks, res->ncrash_marks + 1,
		      sizeof(*res->crash_marks), 64)) {
		r->error = chp_fail(-ENOMEM, "out of memory");
		return;
	}
	res->crash_marks[res->ncrash_marks++] = m;
}

/* A crash at event `at`; counted in the run's rows, or in exhaustive's when `exhaustive`. */
static void crash(struct runner *r, uint64_t at, const struct chp_hp_event *in_flight_ev,
		  const char *when, bool exhaustive, const struct chp_lab_crash_opts *opts)
{
	struct chp_ranges *in_flight = NULL;
	struct chp_dump_result d;
	struct chp_run_result *res = r->res;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (in_flight_ev && in_flight_ev->nr_pages && !chp_ranges_new(&in_flight)) {
		uint64_t s = in_flight_ev->start_pfn * CHP_PAGE_SIZE;
		chp_ranges_add(in_flight, (struct chp_range){ s, s + in_flight_ev->nr_pages * CHP_PAGE_SIZE - 1 });
	}
	if (!r->error)
		r->error = chp_lab_crash_with(r->hp, in_flight, opts, &d);
	chp_ranges_free(in_flight);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* The handler's latency leaves out the crashes taken inside it. */
	r->crash_ns += (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec -
		       (uint64_t)t0.tv_nsec;
	if (r->error)
		return;
	if (!d.taken || !d.complete)
		note_problem(r, &d, when);
	if (exhaustive) {
		res->exhaustive_steps++;
		res->exhaustive_complete += d.taken && d.complete;
		res->exhaustive_no_dump += !d.taken;
		res->exhaustive_missing_dumps += d.taken && d.missing_bytes;
		res->exhaustive_absent_dumps += d.taken && d.absent_bytes;
		return;
	}
	res->crashes++;
	mark(r, at, &d);
	if (!d.taken) {
		res->no_dump++;
		res->no_dump_unloaded += d.unloaded;
		return;
	}
	res->dumps++;
	res->complete += d.complete;
	res->misread_dumps += d.misread;
	if (d.missing_bytes) {
		res->missing_dumps++;
		res->missing_bytes += d.missing_bytes;
	}
	if (d.absent_bytes) {
		res->absent_dumps++;
		res->absent_bytes += d.absent_bytes;
	}
	if (d.offline_bytes) {
		res->offline_dumps++;
		res->offline_bytes += d.offline_bytes;
	}
	res->note_missing_dumps += d.missing_cpu_notes > 0;
	res->crash_note_missing_dumps += d.crash_cpu_note_missing;
}

static void on_step(void *ctx, const struct chp_step *step)
{
	struct runner *r = ctx;
	/*
	 * A step outside any handler is a drain the lock holder runs as it lets
	 * go (kexec-busy ending in the hook of the event just counted): it
	 * applies that event and the ones before it, not the next one.
	 */
	uint64_t index = step->event ? r->events + 1 : r->events;
	char when[64];

	r->steps_this_event++;
	if (index == r->exhaustive_event) {
		snprintf(when, sizeof(when), "event %" PRIu64 " step %u (exhaustive)", index,
			 r->steps_this_event);
		crash(r, index, step->event, when, true, NULL);
		r->exhaustive_stepped = true;
	}
	if (r->next_during < r->nduring && r->during[r->next_during] == index &&
	    r->during_step[r->next_during] == r->steps_this_event) {
		snprintf(when, sizeof(when), "event %" PRIu64 " step %u", index, r->steps_this_event);
		crash(r, index, step->event, when, false, NULL);
		r->next_during++;
	}
}

/* ---- the timeline ---- */

struct coverage_ctx {
	struct runner *r;
	struct chp_timeline_point *pt;
};

static int measure(void *arg)
{
	struct coverage_ctx *c = arg;
	struct runner *r = c->r;
	struct chp_ranges *want, *covered;
	struct chp_elfcore *core = NULL;
	int err = chp_ranges_new(&want);

	if (err)
		return err;
	chp_ranges_new(&covered);
	err = chp_crashmem_expected(r->m, want);
	if (!err)
		err = chp_ranges_total_bytes(want, &c->pt->expected);
	struct chp_segment_info seg;
	size_t index;
	if (!err && chp_kimage_loaded(r->img) && !chp_kimage_elfcorehdr_index(r->img, &index) &&
	    !chp_kimage_segment(r->img, index, &seg)) {
		struct chp_region_reader rr;
		chp_region_reader_init(&rr, r->img, seg.paddr);
		if (!chp_elfcore_open_flags(&core, &rr.reader, CHP_ELFCORE_HEADER,
					    CHP_ELFCORE_ALLOW_DUPLICATE_LOADS)) {
			for (size_t i = 0; i < chp_elfcore_phnum(core); i++) {
				const struct chp_elf_phdr *ph = chp_elfcore_phdr(core, i);
				if (ph->type == CHP_PT_LOAD && ph->memsz &&
				    chp_arch_load_is_ram(chp_machine_arch(r->m), ph->vaddr))
					chp_ranges_add(covered, (struct chp_range){ ph->paddr, ph->paddr + ph->memsz - 1 });
			}
			chp_elfcore_free(core);
		}
	}
	if (!err)
		err = chp_ranges_total_bytes(covered, &c->pt->covered);
	if (!err)
		err = chp_ranges_subtract_all(covered, chp_machine_present_memory(r->m));
	if (!err)
		err = chp_ranges_total_bytes(covered, &c->pt->absent);
	chp_ranges_free(want);
	chp_ranges_free(covered);
	return err;
}

static void sample(struct runner *r)
{
	struct chp_run_result *res = r->res;
	struct chp_timeline_point pt = { .event = r->events };
	struct coverage_ctx c = { r, &pt };

	if (r->error || (r->error = chp_hotplug_frozen(r->hp, measure, &c)))
		return;
	const struct chp_hotplug_stats *st = chp_hotplug_stats(r->hp);
	pt.owed = r->busy_left && st->deferred > r->busy_deferred;
	/* A sample an event in a kexec-busy stretch: as many as it is long. */
	if (chp_grow(&res->timeline, &r->cap_timeline, res->ntimeline + 1, sizeof(*res->timeline),
		      256)) {
		r->error = chp_fail(-ENOMEM, "out of memory");
		return;
	}
	res->timeline[res->ntimeline++] = pt;
	if (st->slots_used > res->slots_peak)
		res->slots_peak = st->slots_used;
}

/* The kexec-busy holder lets go (draining, under robust): its stretch ends at the last event. */
static void end_busy(struct runner *r)
{
	r->busy_left = 0;
	chp_hotplug_kexec_unlock(r->hp);
	r->res->busy[r->res->nbusy - 1].last = r->events;
	r->sample_next = true;
}

/*
 * Memory about to be removed waits for the kexec lock's holder (robust).  The
 * lab plays the kexec-busy holder on this thread: the removal blocks every
 * later event, so the holder's next step is to let go, now, its stretch cut
 * short at the events it saw.  Its drain is judged against the last of them.
 */
static bool holder_lets_go(void *ctx)
{
	struct runner *r = ctx;

	if (!r->busy_left)
		return false; /* no holder the lab knows of: nobody would let go */
	end_busy(r);
	/* The drain's stores came after its event was counted as making none. */
	if (r->exhaustive_stepped && r->events == r->exhaustive_event) {
		r->exhaustive_stepped = false;
		if (r->silent_event == r->events) {
			r->silent_event = 0;
			if (!--r->res->exhaustive_silent)
				r->res->exhaustive_silent_event = 0;
		}
	}
	return true;
}

static void on_event(void *ctx, const struct chp_hp_event *ev, uint64_t ns)
{
	struct runner *r = ctx;
	char when[48];

	ns = ns > r->crash_ns ? ns - r->crash_ns : 0;
	r->crash_ns = 0;
	r->events++;
	r->steps_this_event = 0;
	/* A planned step this update never reached: the crash comes as it ends. */
	while (r->next_during < r->nduring && r->during[r->next_during] <= r->events) {
		snprintf(when, sizeof(when), "end of event %" PRIu64, r->events);
		crash(r, r->events, ev, when, false, NULL);
		r->next_during++;
	}
	if (chp_grow(&r->latency, &r->cap_latency, r->nlatency + 1, sizeof(*r->latency), 1024)) {
		r->error = chp_fail(-ENOMEM, "out of memory");
		return;
	}
	r->latency[r->nlatency++] = ns;
	/*
	 * Every event of a kexec-busy stretch is sampled, and the one after: a
	 * header stale for a few events (mainline drops them) is a dip the
	 * regular samples would step over.
	 */
	bool busy = r->busy_left != 0 || r->sample_next;
	r->sample_next = false;
	if (r->busy_left) /* the picture labels the dip of the stretch's dropped events */
		r->res->busy[r->res->nbusy - 1].dropped =
			chp_hotplug_stats(r->hp)->dropped - r->busy_dropped;
	if (r->busy_left && --r->busy_left == 0)
		end_busy(r);
	for (size_t k = 0; k < r->ncrash_at; k++) {
		if (r->crash_at[k] == r->events) {
			snprintf(when, sizeof(when), "after event %" PRIu64 " (crash-at)", r->events);
			crash(r, r->events, NULL, when, false, NULL);
		}
	}
	if (r->sc->crash_every && r->events % r->sc->crash_every == 0) {
		snprintf(when, sizeof(when), "after event %" PRIu64, r->events);
		crash(r, r->events, NULL, when, false, NULL);
	}
	if (r->events % r->sample_every == 0 || busy)
		sample(r);
	if (r->progress && r->events % 64 == 0)
		r->progress(r->progress_ctx, r->res->policy, r->events, r->total_events);
	if (r->events == r->exhaustive_event) {
		/* Said so when the event made no store: deferred, or nothing to change. */
		r->res->exhaustive_events++;
		if (!r->exhaustive_stepped) {
			r->silent_event = r->events;
			r->res->exhaustive_silent++;
			if (!r->res->exhaustive_silent_event)
				r->res->exhaustive_silent_event = r->events;
		}
		r->exhaustive_stepped = false;
	}
	r->crash_ns = 0; /* the crashes after this event were never in its time */
	r->steps_this_event = 0; /* a drain above counted its own steps */
}

/* ---- actions ---- */

static uint64_t present_bytes(const struct chp_machine *m)
{
	uint64_t total = 0;

	chp_ranges_total_bytes(chp_machine_present_memory(m), &total);
	return total;
}

static uint64_t next_free(const struct runner *r)
{
	const struct chp_ranges *p = chp_machine_present_memory(r->m);
	uint64_t top = chp_ranges_at(p, chp_ranges_count(p) - 1)->last + 1;
	uint64_t bs = chp_machine_block_size(r->m);

	if (top < (4ull << 30))
		top = 4ull << 30;
	return chp_round_up(top, bs);
}

static int add_dimm(struct runner *r, uint64_t size, uint64_t at)
{
	uint64_t bs = chp_machine_block_size(r->m);
	int err;

	size = chp_round_up(size, bs);
	if (!at)
		at = next_free(r);
	err = chp_machine_add_dimm(r->m, at, size, true);
	if (err)
		return err;
	/* storm N adds N DIMMs of a block each. */
	if (chp_grow(&r->dimms, &r->cap_dimms, r->ndimms + 1, sizeof(*r->dimms), 64))
		return chp_fail(-ENOMEM, "out of memory");
	r->dimms[r->ndimms++] = (struct dimm){ at, size };
	return 0;
}

static int remove_dimm(struct runner *r, uint64_t at)
{
	size_t k = r->ndimms;

	if (at) {
		for (k = 0; k < r->ndimms && r->dimms[k].start != at; k++)
			;
		if (k == r->ndimms)
			return chp_fail(-ENOENT, "no DIMM added at %#" PRIx64, at);
	} else if (r->ndimms) {
		k = r->ndimms - 1;
	} else {
		return chp_fail(-ENOENT, "no hot-added DIMM left to remove");
	}
	int err = chp_machine_remove_dimm(r->m, r->dimms[k].start, r->dimms[k].size);
	if (!err) {
		memmove(&r->dimms[k], &r->dimms[k + 1], (r->ndimms - k - 1) * sizeof(*r->dimms));
		r->ndimms--;
	}
	return err;
}

static int grow_cpus(struct runner *r, unsigned want)
{
	unsigned possible = chp_machine_cpus_possible(r->m);

	for (unsigned cpu = 0; cpu < possible && chp_machine_cpus_online(r->m) < want; cpu++) {
		if (chp_machine_cpu_online(r->m, cpu))
			continue;
		int err = chp_machine_cpu_present(r->m, cpu) ? 0 : chp_machine_add_cpu(r->m, cpu);
		if (!err)
			err = chp_machine_online_cpu(r->m, cpu);
		if (err)
			return err;
	}
	if (chp_machine_cpus_online(r->m) < want)
		return chp_fail(-EINVAL, "only %u CPUs are possible", possible);
	return 0;
}

static int shrink_cpus(struct runner *r, unsigned want)
{
	for (unsigned cpu = chp_machine_cpus_possible(r->m); cpu-- > 1 &&
	     chp_machine_cpus_online(r->m) > want;) {
		if (!chp_machine_cpu_online(r->m, cpu))
			continue;
		int err = chp_machine_offline_cpu(r->m, cpu);
		if (!err)
			err = chp_machine_remove_cpu(r->m, cpu);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Load again over the loaded image, as kexec -p does.  A header that does not
 * fit the segment is found before the old image is touched: the load fails,
 * the old image stays loaded and in use, and the run goes on (reported).
 */
static int load_refused(struct runner *r, const struct chp_sc_action *a, int err)
{
	if (err != -ENOSPC && err != -E2BIG)
		return err;
	r->res->failed_loads++;
	if (!r->res->first_problem[0])
		snprintf(r->res->first_problem, sizeof(r->res->first_problem),
			 "line %u: reload failed, the loaded image stays: %s", a->line, chp_last_error());
	return 0;
}

static int reload(struct runner *r, const struct chp_sc_action *a)
{
	return load_refused(r, a, chp_hotplug_load(r->hp, &r->sc->load));
}

/*
 * reload-read: kexec_load's kexec-tools reads the machine now
 * (kexec_tools.c); kexec_file_load reads nothing in userspace.
 */
static int reload_read(struct runner *r)
{
	r->read_at = r->events;
	r->read_err = 0;
	if (r->sc->load.mode != CHP_LOAD_SEGMENTS)
		return 0;
	r->read_err = chp_kexec_tools_read(&r->read, r->m, &r->sc->load);
	/* A header too large for its segment: kexec-tools makes no syscall (refused there). */
	return r->read_err == -ENOSPC || r->read_err == -E2BIG ? 0 : r->read_err;
}

/* reload-syscall: the events since the read are missing from a kexec_load image. */
static int reload_syscall(struct runner *r, const struct chp_sc_action *a)
{
	int err = r->read_err ? r->read_err : chp_hotplug_load_read(r->hp, &r->sc->load, &r->read);

	chp_load_segments_release(&r->read);
	r->read_err = 0;
	if (r->sc->load.mode == CHP_LOAD_SEGMENTS && r->events > r->read_at) {
		r->res->gap_loads++;
		r->res->gap_events += r->events - r->read_at;
	}
	return load_refused(r, a, err);
}

static int act(struct runner *r, const struct chp_sc_action *a)
{
	char when[48];

	switch (a->op) {
	case CHP_SC_ADD_DIMM:
		return add_dimm(r, a->a, a->b);
	case CHP_SC_REMOVE_DIMM:
		return remove_dimm(r, a->a);
	case CHP_SC_ONLINE_BLOCK:
		return chp_machine_online_block(r->m, (size_t)a->a);
	case CHP_SC_OFFLINE_BLOCK:
		return chp_machine_offline_block(r->m, (size_t)a->a);
	case CHP_SC_ADD_CPU:
		return chp_machine_add_cpu(r->m, (unsigned)a->a);
	case CHP_SC_ONLINE_CPU:
		return chp_machine_online_cpu(r->m, (unsigned)a->a);
	case CHP_SC_OFFLINE_CPU:
		return chp_machine_offline_cpu(r->m, (unsigned)a->a);
	case CHP_SC_REMOVE_CPU:
		return chp_machine_remove_cpu(r->m, (unsigned)a->a);
	case CHP_SC_GROW_MEMORY:
		while (present_bytes(r->m) < a->a) {
			uint64_t left = a->a - present_bytes(r->m);
			int err = add_dimm(r, left < a->b ? left : a->b, 0);
			if (err)
				return err;
		}
		return 0;
	case CHP_SC_SHRINK_MEMORY:
		while (present_bytes(r->m) > a->a && r->ndimms) {
			int err = remove_dimm(r, 0);
			if (err)
				return err;
		}
		return 0;
	case CHP_SC_GROW_CPUS:
		return grow_cpus(r, (unsigned)a->a);
	case CHP_SC_SHRINK_CPUS:
		return shrink_cpus(r, (unsigned)a->a);
	case CHP_SC_CRASH:
		if (r->hp) {
			struct chp_lab_crash_opts o = { (int)a->a - 1, r->sc->vmcore_out };
			snprintf(when, sizeof(when), "line %u", a->line);
			crash(r, r->events, NULL, when, false, &o);
		}
		return 0;
	case CHP_SC_CRASH_EXHAUSTIVE:
		r->exhaustive_event = a->a ? a->a : r->events + 1;
		return 0;
	case CHP_SC_CRASH_AT:
		return 0; /* planned before the run: see plan_crashes() */
	case CHP_SC_STORM:
		for (uint64_t k = 0; k < a->a; k++) {
			int err = add_dimm(r, chp_machine_block_size(r->m), 0);
			if (err)
				return err;
		}
		return 0;
	case CHP_SC_KEXEC_BUSY:
		if (r->hp && !r->busy_left && a->a) {
			if (chp_grow(&r->res->busy, &r->cap_busy, r->res->nbusy + 1,
				      sizeof(*r->res->busy), 16))
				return chp_fail(-ENOMEM, "out of memory");
			if (!chp_hotplug_kexec_trylock(r->hp))
				return chp_fail(-EBUSY, "the kexec lock is already taken");
			/* Until the lock goes, the window reaches the run's end. */
			r->res->busy[r->res->nbusy++] = (struct chp_event_window){
				r->events + 1, r->total_events, 0 };
			r->busy_left = a->a;
			r->busy_deferred = chp_hotplug_stats(r->hp)->deferred;
			r->busy_dropped = chp_hotplug_stats(r->hp)->dropped;
		}
		return 0;
	case CHP_SC_RELOAD:
		return r->hp ? reload(r, a) : 0;
	case CHP_SC_RELOAD_READ:
		return r->hp ? reload_read(r) : 0;
	case CHP_SC_RELOAD_SYSCALL:
		return r->hp ? reload_syscall(r, a) : 0;
	}
	return 0;
}

/* events_before, when not NULL, gets the count of events before each action. */
static int run_actions(struct runner *r, uint64_t *events_before)
{
	for (size_t i = 0; i < r->sc->nactions; i++) {
		if (events_before)
			events_before[i] = r->events;
		int err = act(r, &r->sc->actions[i]);
		if (!err)
			err = r->error;
		if (err)
			return chp_fail_prefix(err, "%s:%u: ", r->sc->name, r->sc->actions[i].line);
	}
	return 0;
}

/*
 * A crash point that names an event the run never reaches would crash
 * nothing and say nothing: refused, naming the line.  crash-exhaustive K
 * acts from where it stands, so K must still be ahead there; crash-at K is
 * planned before the run, so K need only exist.
 */
static int check_event_numbers(const struct chp_scenario *sc, const uint64_t *events_before,
			       uint64_t total)
{
	for (size_t i = 0; i < sc->nactions; i++) {
		const struct chp_sc_action *a = &sc->actions[i];
		const char *what = a->op == CHP_SC_CRASH_AT ? "crash-at" : "crash-exhaustive";

		if (a->op != CHP_SC_CRASH_AT && a->op != CHP_SC_CRASH_EXHAUSTIVE)
			continue;
		uint64_t k = a->op == CHP_SC_CRASH_EXHAUSTIVE && a->a == 0 ? events_before[i] + 1 : a->a;
		if (a->a == 0 && k > total)
			return chp_fail(-EINVAL, "%s:%u: crash-exhaustive: no event follows this line",
					sc->name, a->line);
		if (k > total)
			return chp_fail(-EINVAL, "%s:%u: %s %" PRIu64 ": the run has %" PRIu64
					" event%s", sc->name, a->line, what, k, total,
					total == 1 ? "" : "s");
		if (a->op == CHP_SC_CRASH_EXHAUSTIVE && k <= events_before[i])
			return chp_fail(-EINVAL, "%s:%u: crash-exhaustive %" PRIu64 ": event %" PRIu64
					" comes before this line (%" PRIu64 " events by here)",
					sc->name, a->line, k, k, events_before[i]);
	}
	return 0;
}

/* A machine or load the settings cannot build: NAME:LINE: of the setting to blame. */
static int settings_fail(const struct chp_scenario *sc, int err, const char *what)
{
	unsigned line = chp_scenario_setting_line(sc, chp_last_error());

	if (line)
		return chp_fail_prefix(err, "%s:%u: %s: ", sc->name, line, what);
	return chp_fail_prefix(err, "%s: %s: ", sc->name, what);
}

int chp_lab_count_events(const struct chp_scenario *sc, uint64_t *events)
{
	struct runner r = { .sc = sc };
	uint64_t *before = calloc(sc->nactions ? sc->nactions : 1, sizeof(*before));
	int err;

	if (!before)
		return chp_fail(-ENOMEM, "out of memory");
	err = chp_machine_new_lab(&r.m, &sc->spec);
	if (err) {
		free(before);
		return settings_fail(sc, err, "machine");
	}
	chp_machine_set_notifier(r.m, counting_notifier, &r);
	err = run_actions(&r, before);
	if (!err)
		err = check_event_numbers(sc, before, r.events);
	free(before);
	*events = r.events;
	free(r.dimms);
	chp_machine_free(r.m);
	return err;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Mid-update crashes: the same events and step positions for every policy. */
static int plan_crashes(struct runner *r)
{
	size_t n = r->sc->crash_during;

	if (n > r->total_events)
		n = (size_t)r->total_events;
	r->during = calloc(n ? n : 1, sizeof(*r->during));
	r->during_step = calloc(n ? n : 1, 1);
	if (!r->during || !r->during_step)
		return chp_fail(-ENOMEM, "out of memory");
	for (size_t k = 0; k < n; k++) {
		/* Spread over the run: one in each of n equal stretches. */
		uint64_t stretch = r->total_events / n;
		uint64_t h = mix(r->sc->seed * 1000003u + k);
		r->during[k] = k * stretch + 1 + (stretch ? h % stretch : 0);
		r->during_step[k] = (uint8_t)(1 + (h >> 32) % 3);
	}
	r->nduring = n;
	qsort(r->during, n, sizeof(*r->during), cmp_u64);
	for (size_t i = 0; i < r->sc->nactions; i++) {
		if (r->sc->actions[i].op != CHP_SC_CRASH_AT)
			continue;
		if (chp_grow(&r->crash_at, &r->cap_crash_at, r->ncrash_at + 1, sizeof(*r->crash_at),
			      64))
			return chp_fail(-ENOMEM, "out of memory");
		r->crash_at[r->ncrash_at++] = r->sc->actions[i].a;
	}
	return 0;
}

int chp_lab_run(struct chp_run_result **out, const struct chp_scenario *sc,
		enum chp_policy policy, chp_progress_fn progress, void *ctx)
{
	struct runner r = { .sc = sc, .progress = progress, .progress_ctx = ctx };
	int err;

	chp_lab_set_output_failed(false);

	r.res = calloc(1, sizeof(*r.res));
	if (!r.res)
		return chp_fail(-ENOMEM, "out of memory");
	r.res->policy = policy;
	err = chp_lab_count_events(sc, &r.total_events);
	if (!err)
		err = plan_crashes(&r);
	r.sample_every = r.total_events / TIMELINE_POINTS + 1;
	if (!err && (err = chp_machine_new_lab(&r.m, &sc->spec)))
		settings_fail(sc, err, "machine");
	if (!err)
		err = chp_kimage_new(&r.img, *chp_ranges_at(chp_machine_crashkernel(r.m), 0));
	if (!err)
		err = chp_hotplug_new(&r.hp, policy, r.m, r.img);
	if (!err && (err = chp_hotplug_load(r.hp, &sc->load)))
		settings_fail(sc, err, "load");
	if (!err) {
		chp_hotplug_set_step_hook(r.hp, on_step, &r);
		chp_hotplug_set_event_hook(r.hp, on_event, &r);
		chp_hotplug_set_wait_hook(r.hp, holder_lets_go, &r);
		sample(&r);
		err = run_actions(&r, NULL);
		if (!err) {
			sample(&r);
			err = r.error;
		}
	}
	if (!err) {
		const struct chp_hotplug_stats *st = chp_hotplug_stats(r.hp);
		struct chp_run_result *res = r.res;
		res->events = st->events;
		res->dropped = st->dropped;
		res->deferred = st->deferred;
		res->failures = st->failures;
		res->updates = st->updates;
		res->capacity_merges = st->capacity_merges;
		res->removal_waits = st->removal_waits;
		res->stores = st->stores;
		res->slots_used = st->slots_used;
		res->slots_total = st->slots_total;
		if (res->slots_used > res->slots_peak)
			res->slots_peak = res->slots_used;
		res->expected_final = res->ntimeline ? res->timeline[res->ntimeline - 1].expected : 0;
		if (r.nlatency) /* qsort(NULL, 0) is undefined */
			qsort(r.latency, r.nlatency, sizeof(*r.latency), cmp_u64);
		for (size_t i = 0; i < r.nlatency; i++)
			res->ev_total_ns += r.latency[i];
		if (r.nlatency) {
			res->ev_median_ns = r.latency[r.nlatency / 2];
			res->ev_p99_ns = r.latency[r.nlatency * 99 / 100];
			res->ev_max_ns = r.latency[r.nlatency - 1];
		}
	}
	chp_load_segments_release(&r.read);
	chp_hotplug_free(r.hp);
	chp_kimage_free(r.img);
	chp_machine_free(r.m);
	free(r.dimms);
	free(r.latency);
	free(r.during);
	free(r.during_step);
	free(r.crash_at);
	if (err) {
		chp_run_result_free(r.res);
		return err;
	}
	*out = r.res;
	return 0;
}

void chp_run_result_free(struct chp_run_result *r)
{
	if (!r)
		return;
	free(r->timeline);
	free(r->crash_marks);
	free(r->busy);
	free(r);
}
