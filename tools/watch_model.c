/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashhp watch: the machine as watch believes it is, and the header kept
 * from it.  Events are applied idempotently (an event the model already shows
 * changes nothing), so watch can read the machine after opening its socket
 * and apply whatever queued meanwhile; a resync reads the machine again after
 * a lost message and treats any difference as a change.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/error.h"
#include "crashhp/hotplug.h"
#include "crashhp/machine.h"
#include "crashhp/sysroot.h"
#include "tool.h"
#include "watch.h"

/* x86_64 with 5-level paging addresses 52 bits: no memory block lies beyond. */
#define MAX_PHYS_BITS 52

static int failed(struct watch_model *wm, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int failed(struct watch_model *wm, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(wm->error, sizeof(wm->error), fmt, ap);
	va_end(ap);
	return err;
}

static int write_header(struct watch_model *wm)
{
	struct chp_segment_info seg;
	uint8_t eh[64], *buf;
	size_t index;
	int err;

	if (!wm->output || !wm->hp)
		return 0;
	err = chp_kimage_elfcorehdr_index(wm->img, &index);
	if (!err)
		err = chp_kimage_segment(wm->img, index, &seg);
	/* The used part: ELF header and program headers up to e_phnum. */
	if (!err)
		err = chp_kimage_read(wm->img, seg.paddr, eh, sizeof(eh));
	if (err)
		return failed(wm, err, "header model: %s", chp_last_error());
	size_t len = 64 + (size_t)(eh[56] | eh[57] << 8) * 56;
	len = (len + 4095) & ~(size_t)4095;
	if (len > seg.memsz)
		len = (size_t)seg.memsz;
	buf = malloc(len);
	if (!buf)
		return failed(wm, -ENOMEM, "writing %s: %s", wm->output, strerror(ENOMEM));
	err = chp_kimage_read(wm->img, seg.paddr, buf, len);
	if (err)
		failed(wm, err, "header model: %s", chp_last_error());
	else if ((err = tool_write_file_atomic(wm->output, buf, len)))
		failed(wm, err, "writing %s: %s", wm->output, strerror(-err));
	free(buf);
	wm->header = err ? HEADER_WRITE_FAILED : HEADER_CURRENT;
	return err;
}

static void model_load_options(struct chp_load_options *o)
{
	chp_load_options_init(o);
	o->kernel_size = 4096;
	o->initrd_size = 0;
}

/* The header model: robust policy over a crash image of the machine's own header. */
static int start_header(struct watch_model *wm)
{
	struct chp_load_options o;
	bool notes = tool_notes_known(wm->m) > 0;
	int err;

	if (!chp_ranges_count(chp_machine_crashkernel(wm->m)) || !notes) {
		tool_error("watch: %s: %s; following events without a header",
			chp_sysroot_prefix(wm->s), notes ? "the crashkernel's place is unknown"
						     : "no CPU's crash_notes is known");
		wm->header = HEADER_NONE;
		return 0;
	}
	err = chp_kimage_new(&wm->img, *chp_ranges_at(chp_machine_crashkernel(wm->m), 0));
	if (!err)
		err = chp_hotplug_new(&wm->hp, CHP_POLICY_ROBUST, wm->m, wm->img);
	model_load_options(&o);
	if (!err)
		err = chp_hotplug_load(wm->hp, &o);
	if (err)
		return failed(wm, err, "header model: %s", chp_last_error());
	wm->header = wm->output ? HEADER_CURRENT : HEADER_NONE;
	/* A header that cannot be written is reported; the model goes on. */
	write_header(wm);
	return 0;
}

static void drop(struct watch_model *wm)
{
	chp_hotplug_free(wm->hp);
	chp_kimage_free(wm->img);
	chp_machine_free(wm->m);
	chp_sysroot_free(wm->s);
	wm->hp = NULL;
	wm->img = NULL;
	wm->m = NULL;
	wm->s = NULL;
}

/* A machine read from the sysroot now, without touching the model. */
static int read_machine(struct watch_model *wm, struct chp_sysroot **s, struct chp_machine **m)
{
	*s = NULL;
	*m = NULL;
	if (chp_sysroot_open(s, wm->sysroot) || chp_machine_new_from_sysroot(m, *s)) {
		int err = failed(wm, -ENODATA, "%s", chp_last_error());
		chp_sysroot_free(*s);
		*s = NULL;
		return err;
	}
	return 0;
}

static void install(struct watch_model *wm, struct chp_sysroot *s, struct chp_machine *m)
{
	drop(wm);
	wm->s = s;
	wm->m = m;
	wm->cpuhp = chp_sysroot_cpu_crash_hotplug(s);
	wm->memhp = chp_sysroot_memory_crash_hotplug(s);
	wm->x86_gap = chp_machine_kernel_text(m) != NULL;
}

int model_open(struct watch_model *wm)
{
	struct chp_sysroot *s;
	struct chp_machine *m;
	int err = read_machine(wm, &s, &m);

	if (err)
		return err;
	install(wm, s, m);
	return start_header(wm);
}

void model_close(struct watch_model *wm)
{
	drop(wm);
}

/*
 * The kernel's x86 header has a note for every possible CPU from the load,
 * but sysfs shows a CPU's crash_notes only once it is present: when one
 * becomes known the model is loaded again, as the kernel's was, with it.
 */
static int rebuild_header(struct watch_model *wm)
{
	struct chp_load_options o;
	int err;

	if (!wm->hp)
		return start_header(wm);
	model_load_options(&o);
	err = chp_hotplug_unload(wm->hp);
	if (!err)
		err = chp_hotplug_load(wm->hp, &o);
	return err ? failed(wm, err, "header model: %s", chp_last_error()) : 0;
}

/* -EALREADY (the model already shows it) is no change. */
static int changed_by(int err, bool *changed)
{
	if (err == -EALREADY)
		return 0;
	*changed = *changed || !err;
	return err;
}

/*
 * A memory event for a block the model does not hold: an offline or remove
 * (the block left before the machine was read, or the event names no
 * block), or an add or online for a block sysfs does not show either (it
 * left since, or the event names no block).  Never applied blind (an add
 * would invent a DIMM where sysfs has none) nor dropped in silence: the
 * caller says so and reads the machine again.  A block the model holds is
 * the kernel's order as usual, even when sysfs has dropped it since (a
 * removal under way: its remove event follows).
 */
static int unknown_block(struct watch_model *wm, enum chp_uevent_change c, uint64_t n,
			 enum chp_block_state st)
{
	const char *prefix = chp_sysroot_prefix(wm->s);
	int got;

	if (st != CHP_BLOCK_ABSENT)
		return 0;
	if (c == CHP_UEV_MEMORY_OFFLINE || c == CHP_UEV_MEMORY_REMOVE)
		return failed(wm, -ENOENT, "memory block %" PRIu64 " %s, but the model has no "
			      "such block", n, c == CHP_UEV_MEMORY_REMOVE ? "removed" : "offlined");
	if ((got = chp_sysroot_memory_block_now(wm->s, n)) < 0)
		return failed(wm, got, "memory block %" PRIu64 ": %s", n, chp_last_error());
	if (got == 0)
		return failed(wm, -ENOENT, "memory block %" PRIu64 ": %s/sys/devices/system/memory/"
			      "memory%" PRIu64 " does not exist", n, prefix, n);
	return 0;
}

/*
 * Apply a change as the kernel ordered it.  An event older than the snapshot
 * (it queued while the machine was read) may describe a state the machine
 * has already left: an offline for a CPU since removed is nothing; one for a
 * block since removed is said and the machine read again (unknown_block()).
 */
static int apply(struct watch_model *wm, enum chp_uevent_change c, uint64_t n, bool *changed,
		 bool *notes_learned, bool *unknown)
{
	uint64_t bs = chp_machine_block_size(wm->m);
	bool mem = c >= CHP_UEV_MEMORY_ONLINE && c <= CHP_UEV_MEMORY_REMOVE;
	int err = 0;

	/* Range-checked before narrowing to the machine's index types. */
	if (mem && n == UINT64_MAX)
		return *unknown = true, failed(wm, -ERANGE, "memory block number past 2^64-1 lies "
					       "beyond %d-bit physical addresses", MAX_PHYS_BITS);
	if (mem && (!bs || n >= (UINT64_C(1) << MAX_PHYS_BITS) / bs))
		return *unknown = true, failed(wm, -ERANGE, "memory block %" PRIu64 " lies beyond "
					       "%d-bit physical addresses", n, MAX_PHYS_BITS);
	if (!mem && n >= chp_machine_cpus_possible(wm->m))
		return failed(wm, -ERANGE, "CPU %" PRIu64 " is not possible (0..%u)", n,
			      chp_machine_cpus_possible(wm->m) - 1);
	chp_machine_lock_state(wm->m);
	enum chp_block_state st = mem ? chp_machine_block_state(wm->m, (size_t)n) : CHP_BLOCK_ABSENT;
	bool present = !mem && chp_machine_cpu_present(wm->m, (unsigned)n);
	bool online = !mem && chp_machine_cpu_online(wm->m, (unsigned)n);
	chp_machine_unlock_state(wm->m);
	if (mem && (err = unknown_block(wm, c, n, st)))
		return *unknown = true, err;
	switch (c) {
	case CHP_UEV_MEMORY_ADD:
		if (st != CHP_BLOCK_ABSENT)
			return 0;
		return changed_by(chp_machine_add_dimm(wm->m, n * bs, bs, false), changed);
	case CHP_UEV_MEMORY_ONLINE:
		if (st == CHP_BLOCK_ABSENT)
			err = changed_by(chp_machine_add_dimm(wm->m, n * bs, bs, false), changed);
		return err ? err : changed_by(chp_machine_online_block(wm->m, (size_t)n), changed);
	case CHP_UEV_MEMORY_OFFLINE:
		if (st == CHP_BLOCK_ABSENT)
			return 0;
		return changed_by(chp_machine_offline_block(wm->m, (size_t)n), changed);
	case CHP_UEV_MEMORY_REMOVE:
		if (st == CHP_BLOCK_ABSENT)
			return 0;
		return changed_by(chp_machine_remove_dimm(wm->m, n * bs, bs), changed);
	case CHP_UEV_CPU_ADD:
	case CHP_UEV_CPU_ONLINE: {
		/* A CPU's crash_notes appears with it. */
		uint64_t pa, size;
		if (!chp_sysroot_cpu_notes_now(wm->s, (unsigned)n, &pa, &size) && pa &&
		    chp_machine_cpu_notes(wm->m, (unsigned)n).paddr != pa) {
			*notes_learned = *changed = true;
			chp_machine_set_cpu_notes(wm->m, (unsigned)n, (struct chp_note_loc){ pa, size });
		}
		if (!present)
			err = changed_by(chp_machine_add_cpu(wm->m, (unsigned)n), changed);
		if (err || c == CHP_UEV_CPU_ADD)
			return err;
		return changed_by(chp_machine_online_cpu(wm->m, (unsigned)n), changed);
	}
	case CHP_UEV_CPU_OFFLINE:
		if (!present)
			return 0;
		return changed_by(chp_machine_offline_cpu(wm->m, (unsigned)n), changed);
	case CHP_UEV_CPU_REMOVE:
		if (online)
			err = changed_by(chp_machine_offline_cpu(wm->m, (unsigned)n), changed);
		return err ? err : changed_by(chp_machine_remove_cpu(wm->m, (unsigned)n), changed);
	case CHP_UEV_NONE:
		break;
	}
	return 0;
}

static bool needs_reload(const struct watch_model *wm, bool mem, bool mem_left)
{
	if (mem && wm->memhp != 1)
		return true;
	if (!mem && wm->cpuhp != 1)
		return true;
	/* x86 keeps a removed range as a resource at MEM_OFFLINE. */
	return mem && wm->x86_gap && mem_left;
}

static uint64_t stores(struct watch_model *wm)
{
	return wm->hp ? chp_hotplug_stats(wm->hp)->stores : 0;
}

void model_apply(struct watch_model *wm, enum chp_uevent_change c, uint64_t index,
		 struct model_change *out)
{
	bool mem = c >= CHP_UEV_MEMORY_ONLINE && c <= CHP_UEV_MEMORY_REMOVE;
	bool mem_left = c == CHP_UEV_MEMORY_OFFLINE || c == CHP_UEV_MEMORY_REMOVE;
	uint64_t before = stores(wm);

	*out = (struct model_change){ 0 };
	wm->events++;
	wm->error[0] = '\0';
	bool unknown = false;
	int err = apply(wm, c, index, &out->changed, &out->rebuilt, &unknown);
	if (err) {
		/*
		 * The kernel said something changed and the model could not follow:
		 * it is read again, and the reload the change needs still runs.  A
		 * block neither sysfs nor the model knows is no change of its own:
		 * what the reading finds decides the reload.
		 */
		char why[256];
		snprintf(why, sizeof(why), "%.200s", wm->error[0] ? wm->error : chp_last_error());
		struct model_change resync;
		model_resync(wm, &resync);
		char found[256];
		snprintf(found, sizeof(found), "%.200s", resync.err ? wm->error :
			 resync.changed ? "it differed" : "no difference");
		out->err = failed(wm, err, "model update: %s (read the machine again: %s)", why,
				  found);
		out->changed = resync.changed;
		out->unknown_block = unknown;
		out->reload = (!unknown && needs_reload(wm, mem, mem_left)) || resync.reload;
		out->header_stores = resync.header_stores;
		return;
	}
	if (!out->changed)
		return;
	if (out->rebuilt && (err = rebuild_header(wm)))
		out->err = err;
	/* Written even after a failed rebuild: the model's header is the best one known. */
	if ((err = write_header(wm)) && !out->err)
		out->err = err;
	out->header_stores = stores(wm) - before;
	/* A failed write still reloads: the kernel's image must follow the machine. */
	out->reload = needs_reload(wm, mem, mem_left);
}

/* Compare the model with a fresh reading: which kinds of thing differ. */
static void compare(const struct chp_machine *a, const struct chp_machine *b, bool *cpu_diff,
		    bool *mem_diff, bool *mem_left)
{
	unsigned cpus = chp_machine_cpus_possible(a);
	size_t blocks = chp_machine_nr_blocks(a);

	if (chp_machine_cpus_possible(b) > cpus)
		cpus = chp_machine_cpus_possible(b);
	if (chp_machine_nr_blocks(b) > blocks)
		blocks = chp_machine_nr_blocks(b);
	for (unsigned i = 0; i < cpus; i++)
		if (chp_machine_cpu_present(a, i) != chp_machine_cpu_present(b, i) ||
		    chp_machine_cpu_online(a, i) != chp_machine_cpu_online(b, i) ||
		    chp_machine_cpu_notes(a, i).paddr != chp_machine_cpu_notes(b, i).paddr)
			*cpu_diff = true;
	for (size_t i = 0; i < blocks; i++) {
		enum chp_block_state was = i < chp_machine_nr_blocks(a) ? chp_machine_block_state(a, i)
									: CHP_BLOCK_ABSENT;
		enum chp_block_state now = i < chp_machine_nr_blocks(b) ? chp_machine_block_state(b, i)
									: CHP_BLOCK_ABSENT;
		if (was != now)
			*mem_diff = true;
		if (was == CHP_BLOCK_ONLINE && now != CHP_BLOCK_ONLINE)
			*mem_left = true;
	}
}

void model_resync(struct watch_model *wm, struct model_change *out)
{
	struct chp_sysroot *s;
	struct chp_machine *m;
	bool cpu_diff = false, mem_diff = false, mem_left = false;

	*out = (struct model_change){ 0 };
	wm->resyncs++;
	if ((out->err = read_machine(wm, &s, &m)))
		return;
	chp_machine_lock_state(wm->m);
	compare(wm->m, m, &cpu_diff, &mem_diff, &mem_left);
	chp_machine_unlock_state(wm->m);
	bool stale = wm->header == HEADER_WRITE_FAILED;
	if (!cpu_diff && !mem_diff && !stale) {
		chp_machine_free(m);
		chp_sysroot_free(s);
		return;
	}
	out->changed = cpu_diff || mem_diff;
	/* The header a fresh load would give, from the machine as it is now. */
	install(wm, s, m);
	out->err = start_header(wm);
	if (!out->err && wm->header == HEADER_WRITE_FAILED)
		out->err = -EIO;
	out->header_stores = out->changed && wm->hp ? 1 : 0;
	out->reload = (cpu_diff && needs_reload(wm, false, false)) ||
		      (mem_diff && needs_reload(wm, true, mem_left));
}

/* "0-3,8" from a predicate over 0..n-1, as the kernel writes CPU lists; malloc'ed. */
static char *format_list(size_t n, bool (*in)(const struct chp_machine *, size_t, int), int arg,
			 const struct chp_machine *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool first = true;

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!in(m, i, arg))
			continue;
		size_t j = i;
		while (j + 1 < n && in(m, j + 1, arg))
			j++;
		fprintf(f, first ? "%zu" : ",%zu", i);
		if (j > i)
			fprintf(f, "-%zu", j);
		first = false;
		i = j;
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

static bool cpu_in(const struct chp_machine *m, size_t i, int online)
{
	return online ? chp_machine_cpu_online(m, (unsigned)i) : chp_machine_cpu_present(m, (unsigned)i);
}

static bool block_in(const struct chp_machine *m, size_t i, int state)
{
	return chp_machine_block_state(m, i) == (enum chp_block_state)state;
}

void model_print_view(const struct watch_model *wm, const struct reload *r, bool json)
{
	static const char *const header[] = { "none", "current", "write failed" };
	static const char *const names[] = { "cpus_present", "cpus_online", "memory_online",
					     "memory_offline" };
	const struct chp_machine *m = wm->m;
	unsigned cpus = chp_machine_cpus_possible(m);
	size_t blocks = chp_machine_nr_blocks(m);
	char *lists[4];

	chp_machine_lock_state(m);
	lists[0] = format_list(cpus, cpu_in, 0, m);
	lists[1] = format_list(cpus, cpu_in, 1, m);
	lists[2] = format_list(blocks, block_in, CHP_BLOCK_ONLINE, m);
	lists[3] = format_list(blocks, block_in, CHP_BLOCK_OFFLINE, m);
	chp_machine_unlock_state(m);
	if (json) {
		struct json j;
		json_begin(&j, stdout);
		json_bool(&j, "view", true);
		for (int i = 0; i < 4; i++)
			json_string(&j, names[i], lists[i] ? lists[i] : "?");
		json_string(&j, "header", header[wm->header]);
		json_uint(&j, "events", wm->events);
		json_uint(&j, "resyncs", wm->resyncs);
		json_uint(&j, "reloads", r->runs);
		json_uint(&j, "reloads_failed", r->failed);
		json_bool(&j, "reload_running", r->pid != 0);
		json_end_line(&j);
	} else {
		printf("view:");
		for (int i = 0; i < 4; i++)
			printf(" %s=%s", names[i], lists[i] ? lists[i] : "?");
		printf(" header=%s events=%" PRIu64 " resyncs=%" PRIu64 " reloads=%" PRIu64
		       " reloads_failed=%" PRIu64 " reload_running=%s\n", header[wm->header],
		       wm->events, wm->resyncs, r->runs, r->failed, r->pid ? "yes" : "no");
	}
	for (int i = 0; i < 4; i++)
		free(lists[i]);
	fflush(stdout);
}
