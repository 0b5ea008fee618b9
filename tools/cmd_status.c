/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashhp status: this machine's crash-hotplug readiness. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libsmartcols.h>

#include "crashhp/elfcore.h"
#include "crashhp/sysroot.h"
#include "tool.h"

static const char status_usage[] =
	"Usage: crashhp status [--sysroot DIR] [--json]\n"
	"\n"
	"Report this machine's crash-hotplug readiness: the kernel, the crashkernel\n"
	"reservation, whether a crash image is loaded, whether the kernel updates it\n"
	"on CPU and memory hotplug, the elfcorehdr's room against what the possible\n"
	"CPUs and memory ranges need, CPUs and memory blocks, and findings in plain\n"
	"words with what to do about each.\n"
	"\n"
	"  --sysroot DIR   read a dump of another machine under DIR (default /)\n"
	"  --json          print one JSON object\n"
	"  -h, --help      this help\n"
	"\n"
	"Exit status: 0 read, 2 usage, 3 a file that is there but malformed,\n"
	"4 system error.\n";

struct facts {
	const struct chp_sysroot *s;
	uint64_t ram;
	size_t ranges;
	unsigned possible, present, online;
	size_t blocks_online, blocks_offline;
	uint64_t slots;        /* from crash_elfcorehdr_size; 0 unknown */
	uint64_t needed;       /* program headers the header needs now */
	char findings[16][320];
	int nfindings;
};

static unsigned count(const struct chp_ranges *r)
{
	uint64_t n = 0;

	chp_ranges_total_bytes(r, &n);
	return (unsigned)n;
}

static void finding(struct facts *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void finding(struct facts *f, const char *fmt, ...)
{
	va_list ap;

	if (f->nfindings == 16)
		return;
	va_start(ap, fmt);
	vsnprintf(f->findings[f->nfindings++], sizeof(f->findings[0]), fmt, ap);
	va_end(ap);
}

static void gather(struct facts *f)
{
	const struct chp_sysroot *s = f->s;
	int cpuhp = chp_sysroot_cpu_crash_hotplug(s), memhp = chp_sysroot_memory_crash_hotplug(s);
	int loaded = chp_sysroot_kexec_crash_loaded(s);

	chp_ranges_total_bytes(chp_sysroot_system_ram(s), &f->ram);
	f->ranges = chp_ranges_count(chp_sysroot_system_ram(s));
	f->possible = count(chp_sysroot_cpus_possible(s));
	f->present = count(chp_sysroot_cpus_present(s));
	f->online = count(chp_sysroot_cpus_online(s));
	for (size_t i = 0; i < chp_sysroot_nr_blocks(s); i++) {
		enum chp_block_state_live st = chp_sysroot_block(s, i)->state;
		f->blocks_online += st == CHP_LIVE_BLOCK_ONLINE;
		f->blocks_offline += st == CHP_LIVE_BLOCK_OFFLINE || st == CHP_LIVE_BLOCK_GOING_OFFLINE;
	}
	if (chp_sysroot_elfcorehdr_size(s) > 0)
		f->slots = (uint64_t)chp_sysroot_elfcorehdr_size(s) / CHP_ELF_PHDR_SIZE;
	/* A note per possible CPU, vmcoreinfo, kernel text, a LOAD per range (+2 for splits). */
	f->needed = f->possible + 2 + f->ranges + 2;

	if (chp_sysroot_kexec_crash_size(s) == 0 || (chp_sysroot_iomem_readable(s) &&
	    !chp_sysroot_iomem_zeroed(s) && !chp_ranges_count(chp_sysroot_crashkernel(s)) &&
	    chp_sysroot_kexec_crash_size(s) <= 0))
		finding(f, "no crashkernel reservation: kdump cannot capture anything. Boot with "
			   "crashkernel= (for example crashkernel=256M).");
	if (loaded == 0)
		finding(f, "no crash image is loaded: load one (kdump-tools, kexec -p, or kexec -s -p).");
	if (cpuhp < 0 && memhp < 0)
		finding(f, "this kernel does not update the crash image on hotplug (no crash_hotplug "
			   "files: before Linux 6.6, or CONFIG_CRASH_HOTPLUG off): after any CPU or "
			   "memory change the image is stale until reloaded. Run "
			   "'crashhp watch --reload CMD' to reload on each change.");
	else if (loaded == 1 && (cpuhp == 0 || memhp == 0))
		finding(f, "the loaded image will not be updated by the kernel (loaded by kexec_load "
			   "without the hotplug flag): load it with 'kexec -s', or kexec-tools 2.0.28 "
			   "or later with '--hotplug', or run 'crashhp watch --reload CMD'.");
	if (memhp == 1 && chp_sysroot_kernel_image(s, &(struct chp_range){ 0, 0 }))
		finding(f, "x86: after a DIMM is hot-removed the kernel's update still lists it (the "
			   "range is a resource at MEM_OFFLINE); the dump then holds wrong bytes for it "
			   "until a reload. 'crashhp watch --reload CMD' reloads after removals.");
	if (f->slots && f->needed > f->slots)
		finding(f, "the elfcorehdr holds %" PRIu64 " program headers, %" PRIu64 " are needed "
			   "now: CPUs or ranges beyond it are missing from a dump.", f->slots, f->needed);
	if (f->possible > 8192 - 2)
		finding(f, "%u possible CPUs: beyond what a default kernel's header reserves.",
			f->possible);
	if (f->ranges > CHP_DEFAULT_MAX_MEMORY_RANGES)
		finding(f, "%zu memory ranges: beyond CRASH_MAX_MEMORY_RANGES (8192).", f->ranges);
	if (chp_sysroot_iomem_zeroed(s))
		finding(f, "/proc/iomem reads zeros without privilege: System RAM and the crashkernel's "
			   "place are unknown; memory is taken from the memory blocks. Run as root "
			   "for exact ranges.");
	if (f->blocks_offline)
		finding(f, "%zu memory blocks are offline: they are not in a correct dump.",
			f->blocks_offline);
	if (f->possible > f->present)
		finding(f, "%u more CPUs may be hot-added (possible %u, present %u).",
			f->possible - f->present, f->possible, f->present);
}

static const char *yesno(int v)
{
	return v < 0 ? "unknown" : v ? "yes" : "no";
}

static const char *hotplug_text(int v)
{
	return v < 0 ? "not in this kernel" : v ? "yes: the kernel updates the loaded image"
						  : "no: the loaded image is not updated";
}

/* Consecutive blocks of one state, as lsmem groups them. */
struct block_run {
	size_t first, last;       /* indexes into the sysroot's blocks */
};

/* As lsmem: removability counts (and shows) for online blocks only. */
static bool same_run(const struct chp_live_block *a, const struct chp_live_block *b)
{
	return b->phys_index == a->phys_index + 1 && a->state == b->state &&
	       (a->state != CHP_LIVE_BLOCK_ONLINE || a->removable == b->removable);
}

/* The last block of the run that starts at block i (of n). */
static size_t run_end(const struct chp_sysroot *s, size_t i, size_t n)
{
	while (i + 1 < n && same_run(chp_sysroot_block(s, i), chp_sysroot_block(s, i + 1)))
		i++;
	return i;
}

static int shown_removable(const struct chp_live_block *b)
{
	return b->state == CHP_LIVE_BLOCK_ONLINE ? b->removable : -1;
}

static const char *state_name(enum chp_block_state_live st)
{
	switch (st) {
	case CHP_LIVE_BLOCK_ONLINE: return "online";
	case CHP_LIVE_BLOCK_OFFLINE: return "offline";
	case CHP_LIVE_BLOCK_GOING_OFFLINE: return "going-offline";
	default: return "unknown";
	}
}

/* The memory blocks as lsmem shows them: RANGE SIZE STATE REMOVABLE BLOCK. */
static void print_blocks(const struct chp_sysroot *s)
{
	uint64_t bs = chp_sysroot_block_size(s);
	struct libscols_table *tb = scols_new_table();
	size_t n = chp_sysroot_nr_blocks(s);

	if (!tb || !bs || !n) {
		scols_unref_table(tb);
		return;
	}
	scols_table_new_column(tb, "RANGE", 0, 0);
	scols_table_new_column(tb, "SIZE", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tb, "STATE", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tb, "REMOVABLE", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tb, "BLOCK", 0, SCOLS_FL_RIGHT);
	for (size_t i = 0; i < n;) {
		size_t j = run_end(s, i, n);
		const struct chp_live_block *a = chp_sysroot_block(s, i), *b = chp_sysroot_block(s, j);
		char range[64], size[32], blocks[48];
		snprintf(range, sizeof(range), "0x%016" PRIx64 "-0x%016" PRIx64, a->phys_index * bs,
			 (b->phys_index + 1) * bs - 1);
		tool_format_size((b->phys_index - a->phys_index + 1) * bs, size);
		if (i == j)
			snprintf(blocks, sizeof(blocks), "%" PRIu64, a->index);
		else
			snprintf(blocks, sizeof(blocks), "%" PRIu64 "-%" PRIu64, a->index, b->index);
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		if (ln) {
			scols_line_set_data(ln, 0, range);
			scols_line_set_data(ln, 1, size);
			scols_line_set_data(ln, 2, state_name(a->state));
			scols_line_set_data(ln, 3, shown_removable(a) < 0 ? "" : shown_removable(a) ? "yes" : "no");
			scols_line_set_data(ln, 4, blocks);
		}
		i = j + 1;
	}
	printf("\n");
	scols_print_table(tb);
	scols_unref_table(tb);
}

static void print_human(const struct facts *f)
{
	const struct chp_sysroot *s = f->s;
	char b1[32], b2[32];
	uint64_t pa, size;

	printf("%-26s %s\n", "Machine:", chp_sysroot_prefix(s));
	printf("%-26s %s\n", "Kernel:", chp_sysroot_release(s)[0] ? chp_sysroot_release(s) : "unknown");
	printf("%-26s", "Crash kernel:");
	if (chp_ranges_count(chp_sysroot_crashkernel(s)))
		for (size_t i = 0; i < chp_ranges_count(chp_sysroot_crashkernel(s)); i++) {
			const struct chp_range *r = chp_ranges_at(chp_sysroot_crashkernel(s), i);
			printf(" %s at [%#" PRIx64 "-%#" PRIx64 "]", tool_format_size(chp_range_size(*r), b1),
			       r->start, r->last);
		}
	else if (chp_sysroot_kexec_crash_size(s) > 0)
		printf(" %s (place unknown)", tool_format_size((uint64_t)chp_sysroot_kexec_crash_size(s), b1));
	else
		printf(" %s", chp_sysroot_kexec_crash_size(s) == 0 ? "none reserved" : "unknown");
	putchar('\n');
	printf("%-26s %s\n", "Crash image loaded:", yesno(chp_sysroot_kexec_crash_loaded(s)));
	printf("%-26s %s\n", "Crash hotplug, CPUs:", hotplug_text(chp_sysroot_cpu_crash_hotplug(s)));
	printf("%-26s %s\n", "Crash hotplug, memory:", hotplug_text(chp_sysroot_memory_crash_hotplug(s)));
	if (f->slots)
		printf("%-26s %" PRIu64 " program headers (%" PRId64 " bytes); %" PRIu64 " needed now\n",
		       "elfcorehdr room:", f->slots, chp_sysroot_elfcorehdr_size(s), f->needed);
	else
		printf("%-26s unknown; %" PRIu64 " program headers needed now\n", "elfcorehdr room:",
		       f->needed);
	printf("%-26s %u possible, %u present, %u online", "CPUs:", f->possible, f->present, f->online);
	if (chp_sysroot_cpu_kernel_max(s) >= 0)
		printf(" (kernel_max %ld)", chp_sysroot_cpu_kernel_max(s));
	putchar('\n');
	if (chp_sysroot_block_size(s))
		printf("%-26s %zu of %s: %zu online, %zu offline (auto-online: %s)\n", "Memory blocks:",
		       chp_sysroot_nr_blocks(s), tool_format_size(chp_sysroot_block_size(s), b1),
		       f->blocks_online, f->blocks_offline,
		       chp_sysroot_auto_online(s)[0] ? chp_sysroot_auto_online(s) : "unknown");
	else
		printf("%-26s %s\n", "Memory blocks:", "none (no memory hotplug sysfs)");
	if (f->ranges)
		printf("%-26s %s in %zu ranges\n", "System RAM:", tool_format_size(f->ram, b2), f->ranges);
	else
		printf("%-26s %s\n", "System RAM:", chp_sysroot_iomem_zeroed(s) ? "hidden (no privilege)" : "unknown");
	if (chp_sysroot_vmcoreinfo(s, &pa, &size))
		printf("%-26s %#" PRIx64 " (%" PRIu64 " bytes)\n", "vmcoreinfo note:", pa, size);
	print_blocks(s);
	printf("\nFindings:\n");
	if (!f->nfindings)
		printf("  none: crash hotplug keeps this machine's crash image true\n");
	for (int i = 0; i < f->nfindings; i++)
		printf("  - %s\n", f->findings[i]);
	if (chp_sysroot_absent(s)[0]) {
		printf("\nNot found (normal on many kernels):\n");
		for (const char *p = chp_sysroot_absent(s); *p;) {
			const char *nl = strchr(p, '\n');
			printf("  %.*s\n", (int)(nl ? nl - p : (long)strlen(p)), p);
			p = nl ? nl + 1 : p + strlen(p);
		}
	}
}

static void json_tri(struct json *j, const char *key, int v)
{
	if (v < 0)
		json_null(j, key);
	else
		json_bool(j, key, v);
}

static void print_json(const struct facts *f)
{
	const struct chp_sysroot *s = f->s;
	struct json j;
	uint64_t pa, size;

	json_begin(&j, stdout);
	json_string(&j, "sysroot", chp_sysroot_prefix(s));
	json_string(&j, "kernel", chp_sysroot_release(s));
	json_array_open(&j, "crashkernel");
	for (size_t i = 0; i < chp_ranges_count(chp_sysroot_crashkernel(s)); i++) {
		const struct chp_range *r = chp_ranges_at(chp_sysroot_crashkernel(s), i);
		json_object_open(&j, NULL);
		json_hex(&j, "start", r->start);
		json_hex(&j, "last", r->last);
		json_uint(&j, "size", chp_range_size(*r));
		json_object_close(&j);
	}
	json_array_close(&j);
	if (chp_sysroot_kexec_crash_size(s) >= 0)
		json_uint(&j, "crashkernel_size", (uint64_t)chp_sysroot_kexec_crash_size(s));
	else
		json_null(&j, "crashkernel_size");
	json_tri(&j, "crash_image_loaded", chp_sysroot_kexec_crash_loaded(s));
	json_tri(&j, "crash_hotplug_cpu", chp_sysroot_cpu_crash_hotplug(s));
	json_tri(&j, "crash_hotplug_memory", chp_sysroot_memory_crash_hotplug(s));
	if (f->slots)
		json_uint(&j, "elfcorehdr_slots", f->slots);
	else
		json_null(&j, "elfcorehdr_slots");
	json_uint(&j, "elfcorehdr_slots_needed", f->needed);
	json_uint(&j, "cpus_possible", f->possible);
	json_uint(&j, "cpus_present", f->present);
	json_uint(&j, "cpus_online", f->online);
	json_uint(&j, "memory_block_size", chp_sysroot_block_size(s));
	json_uint(&j, "memory_blocks_online", f->blocks_online);
	json_uint(&j, "memory_blocks_offline", f->blocks_offline);
	json_uint(&j, "system_ram_bytes", f->ram);
	json_uint(&j, "system_ram_ranges", f->ranges);
	json_bool(&j, "iomem_zeroed", chp_sysroot_iomem_zeroed(s));
	json_array_open(&j, "memory");
	uint64_t bs = chp_sysroot_block_size(s);
	for (size_t i = 0, n = chp_sysroot_nr_blocks(s); bs && i < n;) {
		size_t k = run_end(s, i, n);
		const struct chp_live_block *a = chp_sysroot_block(s, i), *b = chp_sysroot_block(s, k);
		json_object_open(&j, NULL);
		json_hex(&j, "start", a->phys_index * bs);
		json_hex(&j, "last", (b->phys_index + 1) * bs - 1);
		json_uint(&j, "size", (b->phys_index - a->phys_index + 1) * bs);
		json_string(&j, "state", state_name(a->state));
		if (shown_removable(a) < 0)
			json_null(&j, "removable");
		else
			json_bool(&j, "removable", shown_removable(a));
		json_uint(&j, "block_first", a->index);
		json_uint(&j, "block_last", b->index);
		json_object_close(&j);
		i = k + 1;
	}
	json_array_close(&j);
	if (chp_sysroot_vmcoreinfo(s, &pa, &size))
		json_hex(&j, "vmcoreinfo", pa);
	else
		json_null(&j, "vmcoreinfo");
	json_array_open(&j, "findings");
	for (int i = 0; i < f->nfindings; i++)
		json_string(&j, NULL, f->findings[i]);
	json_array_close(&j);
	json_array_open(&j, "absent");
	for (const char *p = chp_sysroot_absent(s); *p;) {
		const char *nl = strchr(p, '\n');
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
		json_string(&j, NULL, line);
		p = nl ? nl + 1 : p + strlen(p);
	}
	json_array_close(&j);
	json_end(&j);
}

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sysroot", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sysroot = "/";
	bool as_json = false;
	struct chp_sysroot *s;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sysroot = optarg;
			break;
		case 'j':
			as_json = true;
			break;
		case 'h':
			fputs(status_usage, stdout);
			return EXIT_OK;
		default:
			fputs(status_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		tool_error("status: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	err = chp_sysroot_open(&s, sysroot);
	if (err) {
		tool_error("%s", tool_why());
		return err == -ENOENT ? EXIT_USAGE : tool_input_exit(err);
	}
	struct facts f = { .s = s };
	gather(&f);
	if (as_json)
		print_json(&f);
	else
		print_human(&f);
	chp_sysroot_free(s);
	return EXIT_OK;
}
