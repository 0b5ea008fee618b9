/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashhp status: this machine's crash-hotplug readiness. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libsmartcols.h>

#include "crashhp/dumpconf.h"
#include "crashhp/elfcore.h"
#include "crashhp/sysroot.h"
#include "table.h"
#include "tool.h"

static const char status_usage[] =
	"Usage: crashhp status [--sysroot DIR] [-J|--json] [-o LIST] [-r] [-b] [-n]\n"
	"\n"
	"Report this machine's crash-hotplug readiness: the kernel, the crashkernel\n"
	"reservation, whether a crash image is loaded, whether the kernel updates it\n"
	"on CPU and memory hotplug, the elfcorehdr's room against what the possible\n"
	"CPUs and memory ranges need, CPUs and memory blocks, and findings in plain\n"
	"words with what to do about each.\n"
	"\n"
	"  --sysroot DIR   read a dump of another machine under DIR (default /)\n"
	"  -J, --json      print one JSON object; its \"memory\" rows as lsmem -J's\n"
	"  -o, --output LIST  the memory table's columns (as lsmem; +LIST adds)\n"
	"  -r, --raw       the memory table unaligned\n"
	"  -b, --bytes     sizes in bytes\n"
	"  -n, --noheadings  the memory table without its heading\n"
	"  -h, --help      this help\n"
	"\n"
	"The first line is the verdict: \"ready, and crash hotplug keeps it true\",\n"
	"\"ready, but stale after hotplug: ...\" or \"not ready: ...\".\n"
	"\n"
	"Exit status: 0 ready, 6 ready but stale after hotplug, 7 not ready (no\n"
	"dump, or one missing memory present now),\n"
	"2 usage or DIR not a machine's root, 3 a file that is there but malformed,\n"
	"4 system error.\n";

/* What a finding does to the verdict, worst first. */
enum severity {
	SEV_NOT_READY,   /* a crash now takes no dump */
	SEV_STALE,       /* a crash after a hotplug event takes a stale dump */
	SEV_WARNING,     /* a dump may lack or misstate something; the verdict stands */
	SEV_INFO,
};

static const char *const severity_names[] = {
	[SEV_NOT_READY] = "not-ready",
	[SEV_STALE] = "stale-after-hotplug",
	[SEV_WARNING] = "warning",
	[SEV_INFO] = "info",
};

struct finding {
	const char *id;          /* stable: monitoring keys on it */
	enum severity severity;
	char message[256];       /* what is wrong, one sentence */
	char fix[320];           /* what to do */
};

#define MAX_FINDINGS 16

struct facts {
	const struct chp_sysroot *s;
	struct chp_dumpconf conf;
	bool fadump;             /* the dump is firmware-assisted (ppc64), not kexec's */
	uint64_t ram;
	size_t ranges;
	unsigned possible, present, online;
	size_t blocks_online, blocks_offline;
	uint64_t slots;        /* from crash_elfcorehdr_size; 0 unknown */
	uint64_t needed;       /* program headers the header needs now */
	struct finding findings[MAX_FINDINGS];
	int nfindings;
	enum severity worst;   /* SEV_INFO when nothing is wrong */
	struct tool_table_opts table; /* -o, -r, -b, -n, -J */
};

static unsigned count(const struct chp_ranges *r)
{
	uint64_t n = 0;

	chp_ranges_total_bytes(r, &n);
	return (unsigned)n;
}

static struct finding *finding(struct facts *f, const char *id, enum severity sev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Add a finding; its fix is filled by the caller (fix()). */
static struct finding *finding(struct facts *f, const char *id, enum severity sev, const char *fmt, ...)
{
	static struct finding overflow;
	struct finding *x = f->nfindings < MAX_FINDINGS ? &f->findings[f->nfindings++] : &overflow;
	va_list ap;

	x->id = id;
	x->severity = sev;
	va_start(ap, fmt);
	vsnprintf(x->message, sizeof(x->message), fmt, ap);
	va_end(ap);
	x->fix[0] = '\0';
	if (sev < f->worst)
		f->worst = sev;
	return x;
}

static void fix(struct finding *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fix(struct finding *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->fix, sizeof(x->fix), fmt, ap);
	va_end(ap);
}

/* How to load an image the kernel updates, in the distribution's own setting when known. */
static void fix_hotplug_load(struct finding *x, const struct chp_dumpconf *c)
{
	if (c->setting && chp_dumpconf_loads_hotplug(c))
		fix(x, "%s in %s (\"%s\") loads one the kernel updates, but the loaded image was "
		       "loaded otherwise: reload it (%s).", c->setting, c->config_file, c->kexec_args,
		    c->reload);
	else if (c->setting)
		fix(x, "add -s (kexec_file_load) or, with kexec-tools 2.0.28 or later, --hotplug to "
		       "%s in %s (%s%s%s), then %s; or run 'crashhp watch --reload CMD'.", c->setting,
		    c->config_file, c->setting_found ? "now \"" : "not set", c->setting_found ? c->kexec_args : "",
		    c->setting_found ? "\"" : "", c->reload);
	else
		fix(x, "load it with 'kexec -s -p', or kexec-tools 2.0.28 or later with '--hotplug'; "
		       "or run 'crashhp watch --reload CMD'.");
}

/* Firmware-assisted dump: no kexec image; the firmware keeps the memory and
 * the registration holds the header (until Linux 6.10, built at registration). */
static void judge_fadump(struct facts *f)
{
	const struct chp_dumpconf *c = &f->conf;
	struct finding *x;

	if (c->fadump_registered != 1) {
		x = finding(f, "fadump-not-registered", SEV_NOT_READY,
			    "fadump is enabled but %s: the firmware will not preserve memory at a crash",
			    c->fadump_registered == 0 ? "not registered" : "its registration is unknown");
		fix(x, "start the kdump service (%s), or write 1 to /sys/kernel/fadump/registered.",
		    c->reload ? c->reload : "kdumpctl start");
	}
	if (c->fadump_hotplug_ready != 1) {
		x = finding(f, "fadump-reregister-on-hotplug", SEV_STALE,
			    "fadump's header is built at registration: after memory hotplug it is stale "
			    "until fadump is registered again (no /sys/kernel/fadump/hotplug_ready, "
			    "before Linux 6.10)");
		fix(x, "keep kdump-utils' udev rule that re-registers fadump on memory add and remove "
		       "(writes 1 to /sys/kernel/fadump/registered), or run a kernel with "
		       "hotplug_ready (6.10 or later).");
	}
}

/* kexec'd kdump: the reservation, the loaded image, and whether the kernel keeps it true. */
static void judge_kdump(struct facts *f)
{
	const struct chp_sysroot *s = f->s;
	const struct chp_dumpconf *c = &f->conf;
	int cpuhp = chp_sysroot_cpu_crash_hotplug(s), memhp = chp_sysroot_memory_crash_hotplug(s);
	int loaded = chp_sysroot_kexec_crash_loaded(s);
	struct finding *x;

	if (chp_sysroot_kexec_crash_size(s) == 0 || (chp_sysroot_iomem_readable(s) &&
	    !chp_sysroot_iomem_zeroed(s) && !chp_ranges_count(chp_sysroot_crashkernel(s)) &&
	    chp_sysroot_kexec_crash_size(s) <= 0)) {
		/* The kernel's word (crashk_res) wins over a /proc/iomem read at another time. */
		x = finding(f, "no-crashkernel", SEV_NOT_READY, "%s",
			    chp_ranges_count(chp_sysroot_crashkernel(s)) ?
			    "no crashkernel reservation: kdump cannot capture anything "
			    "(kexec_crash_size reads 0, the kernel's own count, though /proc/iomem "
			    "lists a \"Crash kernel\": released since, or read at another time)" :
			    "no crashkernel reservation: kdump cannot capture anything");
		fix(x, "boot with crashkernel= (for example crashkernel=256M).");
	}
	if (loaded < 0) {
		x = finding(f, "no-kexec-crash", SEV_NOT_READY,
			    "no /sys/kernel/kexec_crash_loaded: no crash image is shown loaded (a "
			    "kernel without CONFIG_CRASH_DUMP, or a sysroot that lacks the file)");
		fix(x, "run a kernel built with CONFIG_CRASH_DUMP (CONFIG_KEXEC_CORE); in a sysroot, "
		       "copy /sys/kernel too.");
	} else if (loaded == 0) {
		x = finding(f, "no-crash-image", SEV_NOT_READY, "no crash image is loaded");
		if (c->reload)
			fix(x, "start %s (%s).", c->service, c->reload);
		else
			fix(x, "load one: kdump-tools, kdumpctl, or 'kexec -s -p'.");
	}
	if (cpuhp < 0 && memhp < 0) {
		x = finding(f, "no-crash-hotplug", SEV_STALE,
			    "this kernel does not update the crash image on hotplug: after any CPU or "
			    "memory change the image is stale until reloaded (no crash_hotplug files, "
			    "before Linux 6.6 or CONFIG_CRASH_HOTPLUG off)");
		fix(x, "run 'crashhp watch --reload CMD' to reload on each change (CMD: %s), or a "
		       "kernel 6.6 or later with CONFIG_CRASH_HOTPLUG.",
		    c->reload ? c->reload : "your kdump service's reload");
	} else if (loaded == 1 && (cpuhp == 0 || memhp == 0)) {
		x = finding(f, "image-not-updated", SEV_STALE,
			    "the loaded image will not be updated by the kernel (loaded by kexec_load "
			    "without the hotplug flag)");
		fix_hotplug_load(x, c);
	}
	const char *arch = chp_sysroot_arch(s, NULL);
	if (memhp == 1 && chp_sysroot_kernel_image(s, &(struct chp_range){ 0, 0 }) &&
	    (!arch[0] || !strcmp(arch, "x86_64"))) {
		x = finding(f, "x86-removal-kept", SEV_WARNING,
			    "x86: after a DIMM is hot-removed the kernel's update still lists it (the "
			    "range is a resource at MEM_OFFLINE); the dump then holds wrong bytes for "
			    "it until a reload");
		fix(x, "'crashhp watch --reload CMD' reloads after removals.");
	}
	if (f->slots && f->needed > f->slots) {
		/* Missing now, not after a change: a dump taken now lacks them. */
		x = finding(f, "elfcorehdr-room", SEV_NOT_READY,
			    "the elfcorehdr is too small: it holds %" PRIu64 " program headers, %" PRIu64
			    " are needed now, so a dump taken now misses the CPUs or memory beyond it",
			    f->slots, f->needed);
		fix(x, "boot a kernel with a larger CONFIG_NR_CPUS or CRASH_MAX_MEMORY_RANGES, or "
		       "load the image with kexec_load without the hotplug flag (kexec -p, not -s), "
		       "which sizes the header for the machine as it is, and reload after each change "
		       "('crashhp watch --reload CMD').");
	}
	/*
	 * The header's room as the kernel sized it (arch_crash_get_elfcorehdr_size():
	 * 2 + CONFIG_NR_CPUS_DEFAULT + CRASH_MAX_MEMORY_RANGES program headers on
	 * x86_64, the possible CPUs in place of the middle term on ppc64): CPU
	 * notes beyond its CPU part take the memory ranges' room.
	 */
	uint64_t range_part = memhp >= 0 ? CHP_DEFAULT_MAX_MEMORY_RANGES : 0;
	if (f->slots > 2 + range_part && f->possible > f->slots - 2 - range_part) {
		uint64_t cpu_part = f->slots - 2 - range_part;
		uint64_t ranges_fit = f->slots - 2 - (f->possible < f->slots - 2 ? f->possible : f->slots - 2);
		x = finding(f, "many-cpus", SEV_WARNING,
			    "%u possible CPUs, the elfcorehdr (crash_elfcorehdr_size %" PRId64 ": %" PRIu64
			    " program headers) keeps notes for %" PRIu64 " (CONFIG_NR_CPUS_DEFAULT, taking "
			    "CRASH_MAX_MEMORY_RANGES as %" PRIu64 "): the other CPUs' notes take the "
			    "memory ranges' room, %" PRIu64 " ranges fit", f->possible,
			    chp_sysroot_elfcorehdr_size(s), f->slots, cpu_part, range_part, ranges_fit);
		fix(x, "boot a kernel with CONFIG_MAXSMP (NR_CPUS_DEFAULT 8192), or fewer possible "
		       "CPUs (possible_cpus=), or reload after memory is added "
		       "('crashhp watch --reload CMD').");
	}
	if (f->ranges > CHP_DEFAULT_MAX_MEMORY_RANGES) {
		x = finding(f, "many-ranges", SEV_WARNING,
			    "%zu memory ranges: beyond CRASH_MAX_MEMORY_RANGES (8192)", f->ranges);
		fix(x, "reload after memory is added ('crashhp watch --reload CMD').");
	}
}

static void gather(struct facts *f)
{
	const struct chp_sysroot *s = f->s;
	struct finding *x;

	f->worst = SEV_INFO;
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

	f->fadump = f->conf.fadump_enabled == 1;
	if (f->fadump)
		judge_fadump(f);
	else
		judge_kdump(f);
	const char *arch_from, *arch = chp_sysroot_arch(s, &arch_from);
	if (arch[0] && strcmp(arch, "x86_64")) {
		x = finding(f, "arch-not-modelled", SEV_WARNING,
			    "the machine is %s (%s says): crashhp cannot predict this architecture's "
			    "live header; elfcorehdr, verify and watch refuse it", arch, arch_from);
		fix(x, "judge the loaded header from a dump ('crashhp inspect' of a vmcore).");
	}
	if (chp_sysroot_iomem_zeroed(s)) {
		x = finding(f, "iomem-hidden", SEV_INFO,
			    "/proc/iomem reads zeros without privilege: System RAM and the crashkernel's "
			    "place are unknown; memory is taken from the memory blocks");
		fix(x, "run as root for exact ranges.");
	}
	if (f->blocks_offline) {
		/* verify's rule too (an offline-memory note): the kernel keeps them. */
		x = finding(f, "offline-blocks", SEV_INFO,
			    "%zu memory block%s offline: the kernel's header keeps %s (still System "
			    "RAM), and a dump holds what %s held when %s went offline",
			    f->blocks_offline, f->blocks_offline == 1 ? " is" : "s are",
			    f->blocks_offline == 1 ? "it" : "them", f->blocks_offline == 1 ? "it" : "they",
			    f->blocks_offline == 1 ? "it" : "they");
		fix(x, "nothing, unless they should be online ('crashhp elfcorehdr --exact' leaves "
		       "them out).");
	}
	if (f->possible > f->present) {
		x = finding(f, "cpus-hot-addable", SEV_INFO,
			    "%u more CPUs may be hot-added (possible %u, present %u)",
			    f->possible - f->present, f->possible, f->present);
		fix(x, "nothing for the kernel's own header: it has a PT_NOTE for every possible CPU "
		       "(crash_notes is per-CPU data of each); a header crashhp builds gets a CPU's "
		       "note when sysfs shows it, once present ('crashhp watch' reloads then).");
	}
}

/* The first line: a verdict a person and a monitoring check read alike. */
static void verdict(const struct facts *f, char *buf, size_t size)
{
	const struct finding *first = NULL;
	int more = 0;

	for (int i = 0; i < f->nfindings && f->worst <= SEV_STALE; i++)
		if (f->findings[i].severity == f->worst) {
			if (!first)
				first = &f->findings[i];
			else
				more++;
		}
	if (!first) {
		snprintf(buf, size, "ready, and crash hotplug keeps it true");
		return;
	}
	/* The message up to its first colon is the headline. */
	int head = (int)strcspn(first->message, ":");
	snprintf(buf, size, "%s: %.*s%s", f->worst == SEV_NOT_READY ? "not ready"
				     : "ready, but stale after hotplug", head, first->message,
		 more ? " (and more, below)" : "");
}

static int verdict_exit(const struct facts *f)
{
	return f->worst == SEV_NOT_READY ? EXIT_NOT_READY : f->worst == SEV_STALE ? EXIT_STALE : EXIT_OK;
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

/* The memory table: lsmem's columns, in lsmem's order and default set. */
enum { COL_RANGE, COL_SIZE, COL_STATE, COL_REMOVABLE, COL_BLOCK, COL_START, COL_END };
static const struct tool_column memory_columns[] = {
	[COL_RANGE] = { "RANGE", "start and end address of the memory range", TOOL_COL_STRING, false, true },
	[COL_SIZE] = { "SIZE", "size of the memory range", TOOL_COL_SIZE, true, true },
	[COL_STATE] = { "STATE", "online status of the memory range", TOOL_COL_STRING, true, true },
	[COL_REMOVABLE] = { "REMOVABLE", "memory is removable", TOOL_COL_BOOL, true, true },
	[COL_BLOCK] = { "BLOCK", "memory block number or blocks range", TOOL_COL_STRING, true, true },
	[COL_START] = { "START", "first address of the range", TOOL_COL_STRING, true, false },
	[COL_END] = { "END", "last address of the range (inclusive)", TOOL_COL_STRING, true, false },
};
#define NR_MEMORY_COLUMNS (sizeof(memory_columns) / sizeof(memory_columns[0]))

/*
 * The memory blocks as lsmem shows them, runs of one state and
 * removability merged; under --json the rows go into J's open array.
 */
static int print_blocks(const struct chp_sysroot *s, const struct tool_table_opts *o,
			struct json *j)
{
	uint64_t bs = chp_sysroot_block_size(s);
	size_t n = chp_sysroot_nr_blocks(s);
	struct tool_table *t;
	int err;

	if (!bs || !n)
		return 0;
	if ((err = tool_table_new(&t, "status", memory_columns, NR_MEMORY_COLUMNS, o, j)))
		return err;
	for (size_t i = 0; i < n && !err;) {
		size_t k = run_end(s, i, n);
		const struct chp_live_block *a = chp_sysroot_block(s, i), *b = chp_sysroot_block(s, k);
		uint64_t start = a->phys_index * bs, last = (b->phys_index + 1) * bs - 1;
		char range[64], first[24], end[24], blocks[48];
		snprintf(range, sizeof(range), "0x%016" PRIx64 "-0x%016" PRIx64, start, last);
		snprintf(first, sizeof(first), "0x%016" PRIx64, start);
		snprintf(end, sizeof(end), "0x%016" PRIx64, last);
		if (i == k)
			snprintf(blocks, sizeof(blocks), "%" PRIu64, a->index);
		else
			snprintf(blocks, sizeof(blocks), "%" PRIu64 "-%" PRIu64, a->index, b->index);
		const struct tool_cell cells[] = {
			[COL_RANGE] = { .s = range },
			[COL_SIZE] = { .u = last - start + 1 },
			[COL_STATE] = { .s = state_name(a->state) },
			[COL_REMOVABLE] = { .b = shown_removable(a) },
			[COL_BLOCK] = { .s = blocks },
			[COL_START] = { .s = first },
			[COL_END] = { .s = end },
		};
		err = tool_table_add(t, cells);
		i = k + 1;
	}
	if (!err && !o->json) {
		printf("\n");
		fflush(stdout);
		err = tool_table_print(t);
	}
	tool_table_free(t);
	return err;
}

/*
 * kexec_crash_size is crash_get_memory_size(): crashk_res plus crashk_low_res
 * since Linux 6.5 (16c6006af4d4 "kexec: enable kexec_crash_size to support
 * two crash kernel regions", merged for 6.5-rc1 by 77b1a7f7a05c; not crash
 * hotplug, which came in 6.6), crashk_res alone before, so an older kernel with
 * crashkernel=,high and ,low reads the high region's size only.  Any other
 * difference from /proc/iomem is said as it is.
 */
static void print_size_mismatch(const struct chp_sysroot *s)
{
	const struct chp_ranges *ck = chp_sysroot_crashkernel(s);
	int64_t said = chp_sysroot_kexec_crash_size(s);
	uint64_t sum = 0, last = 0;
	char b[32];

	for (size_t i = 0; i < chp_ranges_count(ck); i++)
		sum += last = chp_range_size(*chp_ranges_at(ck, i));
	if (said < 0 || (uint64_t)said == sum)
		return;
	printf(" (kexec_crash_size reads %s: %s)", said ? tool_format_size((uint64_t)said, b) : "0",
	       chp_ranges_count(ck) == 2 && (uint64_t)said == last ?
	       "the high region alone, as kernels before 6.5 count it" :
	       said == 0 ? "none, though /proc/iomem lists a reservation: released since "
			   "(a write of 0 to it), or the files were read at different times" :
	       "not what /proc/iomem lists: the files were read at different times");
}

/* kexec's side: the reservation, the image, the kernel's updates, the header's room. */
static void print_kexec(const struct facts *f)
{
	const struct chp_sysroot *s = f->s;
	char b1[32];

	printf("%-26s", "Crash kernel:");
	/* Two with crashkernel=,high and ,low: "256 MiB at [...], 1 GiB at [...]". */
	if (chp_ranges_count(chp_sysroot_crashkernel(s))) {
		for (size_t i = 0; i < chp_ranges_count(chp_sysroot_crashkernel(s)); i++) {
			const struct chp_range *r = chp_ranges_at(chp_sysroot_crashkernel(s), i);
			printf("%s %s at [%#" PRIx64 "-%#" PRIx64 "]", i ? "," : "",
			       tool_format_size(chp_range_size(*r), b1), r->start, r->last);
		}
		print_size_mismatch(s);
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
}

static void print_human(const struct facts *f)
{
	const struct chp_sysroot *s = f->s;
	char b1[32], b2[32];
	uint64_t pa, size;

	char line[400];

	verdict(f, line, sizeof(line));
	printf("%s\n\n", line);
	printf("%-26s %s\n", "Machine:", tool_name(chp_sysroot_prefix(s)));
	printf("%-26s %s\n", "Kernel:",
	       chp_sysroot_release(s)[0] ? tool_name(chp_sysroot_release(s)) : "unknown");
	printf("%-26s %s\n", "Dump taken by:", f->fadump ? "fadump (firmware-assisted)" : "kdump (kexec)");
	if (f->conf.fadump_enabled >= 0)
		printf("%-26s enabled %s, registered %s, hotplug_ready %s\n", "fadump:",
		       yesno(f->conf.fadump_enabled), yesno(f->conf.fadump_registered),
		       f->conf.fadump_hotplug_ready < 0 ? "absent" : yesno(f->conf.fadump_hotplug_ready));
	/*
	 * fadump's area is its own: powerpc reserves no crashk_res once fadump
	 * has reserved memory (crashkernel= sizes fadump's instead), so
	 * kexec_crash_size reads 0 and /proc/iomem has no "Crash kernel".
	 */
	if (f->fadump && f->conf.fadump_mem_reserved >= 0)
		printf("%-26s %s (fadump's own, /sys/kernel/fadump/mem_reserved; kexec's "
		       "crashkernel, kexec_crash_size, is %s)\n", "fadump reserved:",
		       tool_format_size((uint64_t)f->conf.fadump_mem_reserved, b1),
		       chp_sysroot_kexec_crash_size(s) == 0 ? "0: not used" :
		       chp_sysroot_kexec_crash_size(s) < 0 ? "unknown" : "reserved as well");
	if (f->conf.setting)
		printf("%-26s %s in %s: %s%s%s\n", "kexec arguments:", f->conf.setting,
		       tool_name(f->conf.config_file), f->conf.setting_found ? "\"" : "not set",
		       f->conf.setting_found ? tool_name(f->conf.kexec_args) : "", f->conf.setting_found ? "\"" : "");
	if (!f->fadump)
		print_kexec(f);
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
	print_blocks(s, &f->table, NULL);
	printf("\nFindings:\n");
	if (!f->nfindings)
		printf("  none\n");
	for (int i = 0; i < f->nfindings; i++) {
		const struct finding *x = &f->findings[i];
		printf("  - %s [%s, %s]\n    fix: %s\n", x->message, severity_names[x->severity], x->id,
		       x->fix);
	}
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

	char text[400];

	verdict(f, text, sizeof(text));
	json_begin(&j, stdout);
	json_string(&j, "verdict", f->worst == SEV_NOT_READY ? "not-ready"
				   : f->worst == SEV_STALE ? "stale-after-hotplug" : "ready");
	json_string(&j, "verdict_text", text);
	json_string(&j, "sysroot", chp_sysroot_prefix(s));
	json_string(&j, "dump_mechanism", f->fadump ? "fadump" : "kdump");
	json_object_open(&j, "fadump");
	json_tri(&j, "enabled", f->conf.fadump_enabled);
	json_tri(&j, "registered", f->conf.fadump_registered);
	json_tri(&j, "hotplug_ready", f->conf.fadump_hotplug_ready);
	if (f->conf.fadump_mem_reserved >= 0)
		json_uint(&j, "mem_reserved", (uint64_t)f->conf.fadump_mem_reserved);
	else
		json_null(&j, "mem_reserved");
	json_object_close(&j);
	if (f->conf.setting) {
		json_object_open(&j, "kdump_service");
		json_string(&j, "name", f->conf.service);
		json_string(&j, "config_file", f->conf.config_file);
		json_string(&j, "setting", f->conf.setting);
		if (f->conf.setting_found)
			json_string(&j, "value", f->conf.kexec_args);
		else
			json_null(&j, "value");
		json_object_close(&j);
	} else {
		json_null(&j, "kdump_service");
	}
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
	/* lsmem -J's rows, with -o and -b as lsmem takes them. */
	json_array_open(&j, "memory");
	print_blocks(s, &f->table, &j);
	json_array_close(&j);
	if (chp_sysroot_vmcoreinfo(s, &pa, &size))
		json_hex(&j, "vmcoreinfo", pa);
	else
		json_null(&j, "vmcoreinfo");
	json_array_open(&j, "findings");
	for (int i = 0; i < f->nfindings; i++) {
		const struct finding *x = &f->findings[i];
		json_object_open(&j, NULL);
		json_string(&j, "kind", x->id);
		json_string(&j, "severity", severity_names[x->severity]);
		json_string(&j, "message", x->message);
		json_string(&j, "fix", x->fix);
		json_object_close(&j);
	}
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
		TOOL_TABLE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tool_table_opts table = { 0 };
	const char *sysroot = "/";
	bool as_json = false;
	struct chp_sysroot *s;
	int opt, err;

	while ((opt = tool_getopt(argc, argv, "status", "h" TOOL_TABLE_SHORTOPTS, longopts)) != -1) {
		if (tool_table_option(opt, optarg, &table))
			continue;
		switch (opt) {
		case 's':
			sysroot = optarg;
			break;
		case 'h':
			fputs(status_usage, stdout);
			tool_table_help(stdout, "-o", memory_columns, NR_MEMORY_COLUMNS);
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		tool_usage_error("status", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	as_json = table.json;
	/* A column -o does not know is a usage error before anything is read or printed. */
	struct tool_table *probe;
	struct tool_table_opts text = table;
	text.json = false;
	if (tool_table_new(&probe, "status", memory_columns, NR_MEMORY_COLUMNS, &text, NULL))
		return EXIT_USAGE;
	tool_table_free(probe);
	struct facts f = { .table = table };
	err = chp_sysroot_check_prefix(sysroot);
	if (!err)
		err = chp_sysroot_open(&s, sysroot);
	if (!err && (err = chp_dumpconf_read(&f.conf, s)))
		chp_sysroot_free(s);
	if (err) {
		tool_error("%s", tool_why());
		return err == -ENOENT ? EXIT_USAGE : tool_input_exit(err);
	}
	f.s = s;
	gather(&f);
	if (as_json)
		print_json(&f);
	else
		print_human(&f);
	chp_sysroot_free(s);
	return verdict_exit(&f);
}
