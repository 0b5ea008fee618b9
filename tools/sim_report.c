/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scenario report: both policies side by side, as text or JSON (the SVG: sim_svg.c). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/lab.h"
#include "crashhp/scenario.h"
#include "sim_report.h"
#include "table.h"
#include "tool.h"

/*
 * The side-by-side tables go through tools/table.c: a METRIC column, then one
 * column per policy (MAINLINE, ROBUST), so -o, -r, -n and -b work on them as
 * on lsmem's.  Notes about a policy follow its table.
 */
enum { RCOL_METRIC, RCOL_MAINLINE, RCOL_ROBUST, NR_REPORT_COLUMNS };
static const struct tool_column report_columns[NR_REPORT_COLUMNS] = {
	[RCOL_METRIC] = { "METRIC", "what is counted", TOOL_COL_STRING, false, true },
	[RCOL_MAINLINE] = { "MAINLINE", "the mainline policy's value", TOOL_COL_STRING, true, true },
	[RCOL_ROBUST] = { "ROBUST", "the robust policy's value", TOOL_COL_STRING, true, true },
};

void sim_report_columns_help(FILE *f)
{
	tool_table_help(f, "-o", report_columns, NR_REPORT_COLUMNS);
}

int sim_report_check_columns(const struct tool_table_opts *o)
{
	struct tool_table *t;
	struct tool_table_opts text = *o;
	int err;

	text.json = false;
	if ((err = tool_table_new(&t, "sim", report_columns, NR_REPORT_COLUMNS, &text, NULL)))
		return err;
	tool_table_free(t);
	return 0;
}

/* Sizes as lsmem prints them with -b: set for the length of one report. */
static bool report_bytes;

static int policy_column(const struct chp_run_result *r)
{
	return r->policy == CHP_POLICY_MAINLINE ? RCOL_MAINLINE : RCOL_ROBUST;
}

/* Without -o: METRIC and the policies the scenario ran. */
static int report_table(struct tool_table **t, struct chp_run_result *const *res, size_t n,
			const struct tool_table_opts *o)
{
	struct tool_table_opts mine = *o;
	char list[48] = "METRIC";

	mine.json = false;
	if (!o->output) {
		for (size_t i = 0; i < n; i++)
			strcat(list, policy_column(res[i]) == RCOL_MAINLINE ? ",MAINLINE" : ",ROBUST");
		mine.output = list;
	}
	return tool_table_new(t, "sim", report_columns, NR_REPORT_COLUMNS, &mine, NULL);
}

static void row(struct tool_table *t, const char *label, struct chp_run_result *const *res,
		size_t n, void (*cell)(const struct chp_run_result *, char *, size_t))
{
	char bufs[NR_REPORT_COLUMNS][48];
	struct tool_cell cells[NR_REPORT_COLUMNS] = { [RCOL_METRIC] = { .s = label } };

	for (size_t i = 0; i < n; i++) {
		int c = policy_column(res[i]);
		cell(res[i], bufs[c], sizeof(bufs[c]));
		cells[c].s = bufs[c];
	}
	tool_table_add(t, cells);
}

#define CELL(name, fmt, ...) \
	static void name(const struct chp_run_result *r, char *b, size_t n) { snprintf(b, n, fmt, __VA_ARGS__); }

static const char *sz(uint64_t v)
{
	static char ring[8][32];
	static int k;
	char *b = ring[k++ % 8];

	if (report_bytes) {
		snprintf(b, 32, "%" PRIu64, v);
		return b;
	}
	return tool_format_size(v, b);
}

CELL(c_crashes, "%" PRIu64, r->crashes)
CELL(c_dumps, "%" PRIu64, r->dumps)
CELL(c_nodump, "%" PRIu64, r->no_dump - r->no_dump_unloaded)
CELL(c_unloaded, "%" PRIu64, r->no_dump_unloaded)
CELL(c_misread, "%" PRIu64, r->misread_dumps)
CELL(c_notes, "%" PRIu64 " (%" PRIu64 ")", r->note_missing_dumps, r->crash_note_missing_dumps)
CELL(c_complete, "%" PRIu64, r->complete)
CELL(c_missing, "%" PRIu64 " (%s)", r->missing_dumps, sz(r->missing_bytes))
CELL(c_absent, "%" PRIu64 " (%s)", r->absent_dumps, sz(r->absent_bytes))
CELL(c_offline, "%" PRIu64 " (%s)", r->offline_dumps, sz(r->offline_bytes))
CELL(c_events, "%" PRIu64, r->events)
CELL(c_dropped, "%" PRIu64, r->dropped)
CELL(c_deferred, "%" PRIu64, r->deferred)
CELL(c_waits, "%" PRIu64, r->removal_waits)
CELL(c_failures, "%" PRIu64, r->failures)
CELL(c_lat, "%.2f/%.2f/%.1f us", r->ev_median_ns / 1e3, r->ev_p99_ns / 1e3, r->ev_max_ns / 1e3)
CELL(c_total, "%.3f s", r->ev_total_ns / 1e9)
CELL(c_slots, "%zu/%zu of %zu", r->slots_used, r->slots_peak, r->slots_total)
CELL(c_merges, "%" PRIu64, r->capacity_merges)
CELL(c_failed_loads, "%" PRIu64, r->failed_loads)
CELL(c_gap, "%" PRIu64 " (%" PRIu64 " events)", r->gap_loads, r->gap_events)
static void c_exh(const struct chp_run_result *r, char *b, size_t n)
{
	if (!r->exhaustive_events)
		snprintf(b, n, "-");
	else if (!r->exhaustive_steps)
		snprintf(b, n, "no stores (below)");
	else
		snprintf(b, n, "%" PRIu64 "/%" PRIu64 "/%" PRIu64, r->exhaustive_complete,
			 r->exhaustive_no_dump, r->exhaustive_steps);
}

/* A row of one number, or of "a / b" when `b` is given. */
static void conc_row(struct tool_table *t, const char *label, struct chp_run_result *const *res,
		     const struct chp_concurrent_result *conc, size_t n,
		     uint64_t (*a)(const struct chp_concurrent_result *),
		     uint64_t (*b)(const struct chp_concurrent_result *))
{
	char bufs[NR_REPORT_COLUMNS][48];
	struct tool_cell cells[NR_REPORT_COLUMNS] = { [RCOL_METRIC] = { .s = label } };

	for (size_t i = 0; i < n; i++) {
		int c = policy_column(res[i]);
		if (b)
			snprintf(bufs[c], sizeof(bufs[c]), "%" PRIu64 " / %" PRIu64, a(&conc[i]), b(&conc[i]));
		else
			snprintf(bufs[c], sizeof(bufs[c]), "%" PRIu64, a(&conc[i]));
		cells[c].s = bufs[c];
	}
	tool_table_add(t, cells);
}

static uint64_t k_events(const struct chp_concurrent_result *c) { return c->events; }
static uint64_t k_loads(const struct chp_concurrent_result *c) { return c->loads; }
static uint64_t k_dumps(const struct chp_concurrent_result *c) { return c->dumps; }
static uint64_t k_crashes(const struct chp_concurrent_result *c) { return c->crashes; }
static uint64_t k_complete(const struct chp_concurrent_result *c) { return c->complete; }
static uint64_t k_dropped(const struct chp_concurrent_result *c) { return c->dropped; }
static uint64_t k_deferred(const struct chp_concurrent_result *c) { return c->deferred; }
static uint64_t k_waits(const struct chp_concurrent_result *c) { return c->removal_waits; }
static uint64_t k_lost(const struct chp_concurrent_result *c) { return c->final_incomplete; }
static uint64_t k_unloaded(const struct chp_concurrent_result *c) { return c->no_dump_unloaded; }

/* The sequential row's cell, "loads (events)", for the concurrent phase. */
static void conc_gap_row(struct tool_table *t, struct chp_run_result *const *res,
			 const struct chp_concurrent_result *conc, size_t n)
{
	char bufs[NR_REPORT_COLUMNS][48];
	struct tool_cell cells[NR_REPORT_COLUMNS] = {
		[RCOL_METRIC] = { .s = "reloads with events after their read" },
	};

	for (size_t i = 0; i < n; i++) {
		int c = policy_column(res[i]);
		snprintf(bufs[c], sizeof(bufs[c]), "%" PRIu64 " (%" PRIu64 " events)",
			 conc[i].gap_loads, conc[i].gap_events);
		cells[c].s = bufs[c];
	}
	tool_table_add(t, cells);
}

static void report_concurrent(const struct chp_scenario *sc, struct chp_run_result *const *res,
			      const struct chp_concurrent_result *conc, size_t n,
			      const struct tool_table_opts *o)
{
	struct tool_table *t;

	printf("\nconcurrent: %u threads x %u events x %u rounds, a loader, a crash at random\n\n",
	       sc->conc_threads, sc->conc_events, sc->conc_rounds);
	if (report_table(&t, res, n, o))
		return;
	conc_row(t, "events / loads meanwhile", res, conc, n, k_events, k_loads);
	conc_row(t, "dumps taken / crashes", res, conc, n, k_dumps, k_crashes);
	conc_row(t, "no dump: the loader's window", res, conc, n, k_unloaded, NULL);
	conc_row(t, "dumps complete", res, conc, n, k_complete, NULL);
	conc_row(t, "events dropped / deferred", res, conc, n, k_dropped, k_deferred);
	conc_row(t, "removals waiting for the lock holder", res, conc, n, k_waits, NULL);
	conc_row(t, "settled headers wrong (rounds)", res, conc, n, k_lost, NULL);
	/* kexec_load only: kexec_file_load has no read before its syscall. */
	if (sc->load.mode == CHP_LOAD_SEGMENTS)
		conc_gap_row(t, res, conc, n);
	fflush(stdout);
	tool_table_print(t);
	tool_table_free(t);
	for (size_t i = 0; i < n; i++)
		if (conc[i].first_problem[0])
			printf("  %s, concurrent, first problem: %s\n", chp_policy_name(res[i]->policy),
			       conc[i].first_problem);
	printf("  The seed fixes each thread's events and the event count the crash waits for;\n"
	       "  the threads' interleaving is the scheduler's, so which events meet the lock\n"
	       "  held, the loads, and whether the crash lands in a load vary from run to run.\n");
	if (sc->load.mode == CHP_LOAD_SEGMENTS)
		printf("  load segments: the loader reloads as kexec -p does, over the loaded image:\n"
		       "  kexec-tools reads the machine, the event threads run until one has made an\n"
		       "  event, then kexec_load; how many events fall in that gap varies too.\n");
}

void sim_report_text(const struct chp_scenario *sc, uint64_t events,
		     struct chp_run_result *const *res, const struct chp_concurrent_result *conc,
		     size_t n, const struct tool_table_opts *o)
{
	char b1[32], b2[32];
	struct tool_table *t;

	printf("crashhp sim: %s: %s, %u CPUs possible, %s RAM at boot in %s blocks, %" PRIu64
	       " events, the same crash points for every policy\n\n", tool_name(sc->name),
	       chp_arch_name(sc->spec.arch), sc->spec.cpus_possible,
	       tool_format_size(sc->spec.boot_ram, b1), tool_format_size(sc->spec.block_size, b2),
	       events);
	if (report_table(&t, res, n, o))
		return;
	report_bytes = o->bytes;
	row(t, "crashes injected", res, n, c_crashes);
	row(t, "dumps taken", res, n, c_dumps);
	row(t, "no dump: the policy's window", res, n, c_nodump);
	row(t, "no dump: the loader's window", res, n, c_unloaded);
	row(t, "dumps complete", res, n, c_complete);
	row(t, "dumps missing online memory", res, n, c_missing);
	row(t, "dumps including absent memory", res, n, c_absent);
	row(t, "dumps a reader misreads", res, n, c_misread);
	for (size_t i = 0; i < n; i++)
		if (res[i]->note_missing_dumps) {
			row(t, "dumps lacking CPU registers (the panicking CPU's)", res, n, c_notes);
			break;
		}
	row(t, "complete, with offline memory", res, n, c_offline);
	row(t, "events", res, n, c_events);
	row(t, "events dropped", res, n, c_dropped);
	row(t, "events deferred to the lock holder", res, n, c_deferred);
	for (size_t i = 0; i < n; i++)
		if (res[i]->removal_waits) {
			row(t, "removals waiting for the lock holder", res, n, c_waits);
			break;
		}
	row(t, "handler failures", res, n, c_failures);
	row(t, "update per event median/p99/max", res, n, c_lat);
	row(t, "update time in total", res, n, c_total);
	row(t, "header slots used now/peak", res, n, c_slots);
	row(t, "capacity merges", res, n, c_merges);
	for (size_t i = 0; i < n; i++)
		if (res[i]->failed_loads) {
			row(t, "reloads refused, old image kept", res, n, c_failed_loads);
			break;
		}
	for (size_t i = 0; i < n; i++)
		if (res[i]->gap_loads) {
			row(t, "reloads with events after their read", res, n, c_gap);
			break;
		}
	row(t, "exhaustive: complete/no dump/crashes", res, n, c_exh);
	fflush(stdout);
	tool_table_print(t);
	tool_table_free(t);
	for (size_t i = 0; i < n; i++)
		if (res[i]->exhaustive_silent)
			printf("  %s, exhaustive: event %" PRIu64 " made no store (dropped, deferred to "
			       "the lock holder, nothing to change, or an image not updated in place)%s\n",
			       chp_policy_name(res[i]->policy), res[i]->exhaustive_silent_event,
			       res[i]->exhaustive_silent > 1 ? ", and others" : "");
	if (sc->load.mode == CHP_LOAD_SEGMENTS && !chp_load_hotplug_capable(sc->spec.arch, &sc->load))
		printf("  load segments: kexec_load without a hotplug flag this arch takes; the kernel\n"
		       "  updates no such image in place (robust as mainline): every event leaves the\n"
		       "  header as loaded, and only a reload (kdump's udev rule) would bring it up to date.\n");
	if (n && res[0]->gap_loads)
		printf("  reload-read .. reload-syscall: kexec-tools read the machine before kexec_load;\n"
		       "  the image loaded lacks the events in between until an update rewrites it (robust:\n"
		       "  the load's resync, for an image with a hotplug flag) or a reload reads again.\n");
	for (size_t i = 0; i < n; i++)
		if (res[i]->first_problem[0])
			printf("  %s, first problem: %s\n", chp_policy_name(res[i]->policy),
			       res[i]->first_problem);
	if (conc)
		report_concurrent(sc, res, conc, n, o);
	report_bytes = false;
}

void sim_report_json(const struct chp_scenario *sc, uint64_t events,
		     struct chp_run_result *const *res, const struct chp_concurrent_result *conc,
		     size_t n)
{
	struct json j;

	json_begin(&j, stdout);
	json_string(&j, "scenario", sc->name);
	json_string(&j, "arch", chp_arch_name(sc->spec.arch));
	json_uint(&j, "events", events);
	json_uint(&j, "seed", sc->seed);
	json_array_open(&j, "policies");
	for (size_t i = 0; i < n; i++) {
		const struct chp_run_result *r = res[i];
		json_object_open(&j, NULL);
		json_string(&j, "policy", chp_policy_name(r->policy));
		json_uint(&j, "crashes", r->crashes);
		json_uint(&j, "dumps_taken", r->dumps);
		json_uint(&j, "no_dump", r->no_dump);
		json_uint(&j, "no_dump_loader_window", r->no_dump_unloaded);
		json_uint(&j, "dumps_misread", r->misread_dumps);
		json_uint(&j, "dumps_complete", r->complete);
		json_uint(&j, "dumps_missing_online_memory", r->missing_dumps);
		json_uint(&j, "missing_bytes", r->missing_bytes);
		json_uint(&j, "dumps_including_absent_memory", r->absent_dumps);
		json_uint(&j, "absent_bytes", r->absent_bytes);
		json_uint(&j, "dumps_including_offline_memory", r->offline_dumps);
		json_uint(&j, "offline_bytes", r->offline_bytes);
		json_uint(&j, "dumps_missing_cpu_notes", r->note_missing_dumps);
		json_uint(&j, "dumps_missing_crash_cpu_note", r->crash_note_missing_dumps);
		json_uint(&j, "events", r->events);
		json_uint(&j, "events_dropped", r->dropped);
		json_uint(&j, "events_deferred", r->deferred);
		json_uint(&j, "removals_waiting", r->removal_waits);
		json_uint(&j, "handler_failures", r->failures);
		json_uint(&j, "update_median_ns", r->ev_median_ns);
		json_uint(&j, "update_p99_ns", r->ev_p99_ns);
		json_uint(&j, "update_max_ns", r->ev_max_ns);
		json_uint(&j, "update_total_ns", r->ev_total_ns);
		json_uint(&j, "stores", r->stores);
		json_uint(&j, "slots_used", r->slots_used);
		json_uint(&j, "slots_peak", r->slots_peak);
		json_uint(&j, "slots_total", r->slots_total);
		json_uint(&j, "capacity_merges", r->capacity_merges);
		json_uint(&j, "failed_loads", r->failed_loads);
		json_uint(&j, "reload_gap_loads", r->gap_loads);
		json_uint(&j, "reload_gap_events", r->gap_events);
		json_uint(&j, "exhaustive_crashes", r->exhaustive_steps);
		json_uint(&j, "exhaustive_complete", r->exhaustive_complete);
		json_uint(&j, "exhaustive_no_dump", r->exhaustive_no_dump);
		json_uint(&j, "exhaustive_dumps_missing_online_memory", r->exhaustive_missing_dumps);
		json_uint(&j, "exhaustive_dumps_including_absent_memory", r->exhaustive_absent_dumps);
		json_uint(&j, "exhaustive_events", r->exhaustive_events);
		json_uint(&j, "exhaustive_events_without_stores", r->exhaustive_silent);
		json_string(&j, "first_problem", r->first_problem);
		if (conc) {
			const struct chp_concurrent_result *c = &conc[i];
			json_object_open(&j, "concurrent");
			json_uint(&j, "threads", sc->conc_threads);
			json_uint(&j, "events", c->events);
			json_uint(&j, "loads", c->loads);
			json_uint(&j, "crashes", c->crashes);
			json_uint(&j, "dumps_taken", c->dumps);
			json_uint(&j, "dumps_complete", c->complete);
			json_uint(&j, "no_dump_loader_window", c->no_dump_unloaded);
			json_uint(&j, "events_dropped", c->dropped);
			json_uint(&j, "events_deferred", c->deferred);
			json_uint(&j, "removals_waiting", c->removal_waits);
			json_uint(&j, "settled_headers_wrong", c->final_incomplete);
			json_uint(&j, "reload_gap_loads", c->gap_loads);
			json_uint(&j, "reload_gap_events", c->gap_events);
			json_string(&j, "first_problem", c->first_problem);
			json_object_close(&j);
		}
		json_object_close(&j);
	}
	json_array_close(&j);
	json_end(&j);
}
