/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashhp elfcorehdr and crashhp verify: a live machine's header, and checking one. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/crashmem.h"
#include "crashhp/dumpconf.h"
#include "crashhp/elfcore.h"
#include "crashhp/machine.h"
#include "crashhp/sysroot.h"
#include "crashhp/verify.h"
#include "findings_table.h"
#include "table.h"
#include "progress.h"
#include "tool.h"

static const char elfcorehdr_usage[] =
	"Usage: crashhp elfcorehdr [--sysroot DIR] [--exact] [-o FILE] [-J|--json]\n"
	"                          [--columns LIST] [-r] [-b] [-n]\n"
	"\n"
	"Build the ELF core header this machine needs now, by the x86_64 rules: a\n"
	"PT_NOTE per CPU whose crash_notes is known (present CPUs: sysfs shows no\n"
	"other), the vmcoreinfo PT_NOTE (left out, with a warning, when\n"
	"/sys/kernel/vmcoreinfo is unknown), the kernel-text PT_LOAD, and a PT_LOAD\n"
	"per System RAM range as walk_system_ram_res() visits them (nested\n"
	"\"System RAM (kmem)\", \"System RAM (virtio_mem)\" too) minus the low 1 MiB\n"
	"and the crashkernel region(s).  Without -o, describe it.\n"
	"\n"
	"  --sysroot DIR   a dump of another machine under DIR (default /)\n"
	"  --exact         leave out offline blocks too (the kernel's rule keeps\n"
	"                  them: they are still System RAM)\n"
	"  -o FILE         write the header there (replaced atomically)\n"
	"  -J, --json      describe it as one JSON object (ranges as lsmem -J's rows)\n"
	"  --columns LIST  the ranges table's columns (lsmem's -o; -o here is FILE)\n"
	"  -r, --raw       the ranges table unaligned\n"
	"  -b, --bytes     sizes in bytes\n"
	"  -n, --noheadings  the ranges table without its heading\n"
	"  -h, --help      this help\n"
	"\n"
	"Exit status: 0 built, 2 usage or DIR not a machine's root, 3 the machine\n"
	"does not show enough to build it (named), 4 system error.\n";

static const char verify_usage[] =
	"Usage: crashhp verify [--sysroot DIR] [--json | TABLE OPTIONS] FILE\n"
	"\n"
	"Compare an elfcorehdr or a vmcore with a live machine (/) or a dump of one:\n"
	"online memory it misses, absent memory it includes, the crash kernel or the\n"
	"low 1 MiB it includes, CPU notes missing, the kernel text.  Offline memory it\n"
	"includes is a note (the kernel's own rule keeps it), and what the machine\n"
	"shows too little to check is listed apart; neither makes it incomplete.\n"
	"A live machine's memory cannot be read here, so a vmcore's bytes are not\n"
	"compared (the lab does that: crashhp sim).\n"
	"\n"
	"The findings are a table, one row each: its kind, its class (a discrepancy,\n"
	"or a note or cannot-check: neither of these two makes it incomplete), its\n"
	"memory and what it is.\n"
	"\n"
	"  --sysroot DIR       the machine (default /); --against DIR is the same\n"
	"  --json              print the whole report as one JSON object\n"
	"  -o, --output LIST   the findings table's columns (+LIST adds)\n"
	"  -r, --raw           the table unaligned\n"
	"  -b, --bytes         sizes in bytes\n"
	"  -n, --noheadings    the table without headings\n"
	"  -J                  the table's rows as JSON (lsmem -J)\n"
	"  -h, --help          this help\n"
	"\n"
	"Exit status: 0 complete, 1 discrepancies found, 2 usage or DIR not a\n"
	"machine's root, 3 a malformed file or a machine that shows too little,\n"
	"4 system error.\n";

static int open_live(const char *dir, struct chp_sysroot **s, struct chp_machine **m)
{
	int err = chp_sysroot_check_prefix(dir);

	if (!err)
		err = chp_sysroot_open(s, dir);

	if (!err && (err = chp_machine_new_from_sysroot(m, *s)))
		chp_sysroot_free(*s);
	if (err) {
		tool_error("%s", tool_why());
		/* As status: no such directory, or one that is no machine's root, is a usage error. */
		return err == -ENODATA ? EXIT_BAD_INPUT : err == -ENOENT ? EXIT_USAGE : tool_input_exit(err);
	}
	return EXIT_OK;
}

/* The header's memory ranges, as lsmem's table. */
enum { RCOL_RANGE, RCOL_SIZE, RCOL_START, RCOL_END };
static const struct tool_column range_columns[] = {
	[RCOL_RANGE] = { "RANGE", "start and end address of the range", TOOL_COL_STRING, false, true },
	[RCOL_SIZE] = { "SIZE", "size of the range", TOOL_COL_SIZE, true, true },
	[RCOL_START] = { "START", "first address", TOOL_COL_STRING, true, false },
	[RCOL_END] = { "END", "last address (inclusive)", TOOL_COL_STRING, true, false },
};
#define NR_RANGE_COLUMNS (sizeof(range_columns) / sizeof(range_columns[0]))

static int print_ranges(const struct chp_ranges *ranges, const struct tool_table_opts *o,
			struct json *j)
{
	struct tool_table *t;
	int err = tool_table_new(&t, "elfcorehdr", range_columns, NR_RANGE_COLUMNS, o, j);

	for (size_t i = 0; !err && i < chp_ranges_count(ranges); i++) {
		const struct chp_range *r = chp_ranges_at(ranges, i);
		char range[64], first[24], last[24];
		snprintf(range, sizeof(range), "0x%016" PRIx64 "-0x%016" PRIx64, r->start, r->last);
		snprintf(first, sizeof(first), "0x%016" PRIx64, r->start);
		snprintf(last, sizeof(last), "0x%016" PRIx64, r->last);
		const struct tool_cell cells[] = {
			[RCOL_RANGE] = { .s = range },
			[RCOL_SIZE] = { .u = chp_range_size(*r) },
			[RCOL_START] = { .s = first },
			[RCOL_END] = { .s = last },
		};
		err = tool_table_add(t, cells);
	}
	if (!err) {
		fflush(stdout);
		err = tool_table_print(t);
	}
	tool_table_free(t);
	return err;
}

int cmd_elfcorehdr(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sysroot", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "exact", no_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'J' },
		{ "columns", required_argument, NULL, 'C' },
		{ "raw", no_argument, NULL, 'r' },
		{ "bytes", no_argument, NULL, 'b' },
		{ "noheadings", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tool_table_opts table = { .option = "--columns" };
	const char *sysroot = "/", *output = NULL;
	bool as_json = false, exact = false;
	struct chp_sysroot *s;
	struct chp_machine *m;
	struct chp_ranges *ranges = NULL;
	int opt, rc;

	while ((opt = tool_getopt(argc, argv, "elfcorehdr", "ho:rbnJ", longopts)) != -1) {
		/* -o is the header's FILE here, as watch's: the columns are --columns. */
		if (opt != 'o' && tool_table_option(opt == 'C' ? 'o' : opt, optarg, &table))
			continue;
		switch (opt) {
		case 's': sysroot = optarg; break;
		case 'o': output = optarg; break;
		case 'e': exact = true; break;
		case 'h':
			fputs(elfcorehdr_usage, stdout);
			tool_table_help(stdout, "--columns", range_columns, NR_RANGE_COLUMNS);
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		tool_usage_error("elfcorehdr", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	as_json = table.json;
	{
		/* A column --columns does not know: a usage error before anything is read. */
		struct tool_table *probe;
		struct tool_table_opts text = table;
		text.json = false;
		if (tool_table_new(&probe, "elfcorehdr", range_columns, NR_RANGE_COLUMNS, &text, NULL))
			return EXIT_USAGE;
		tool_table_free(probe);
	}
	if (output && (rc = tool_check_output("elfcorehdr", "-o", output)))
		return rc;
	rc = open_live(sysroot, &s, &m);
	if (rc)
		return rc;
	/* Without these the header would be wrong, not merely incomplete. */
	if (!chp_ranges_count(chp_machine_crashkernel(m))) {
		tool_error("elfcorehdr: %s: the crashkernel's place is unknown (%s): a header would "
			   "describe the capture kernel's own memory", chp_sysroot_prefix(s),
			   chp_sysroot_iomem_zeroed(s) ? "/proc/iomem reads zeros: run as root"
						       : "no \"Crash kernel\" in /proc/iomem");
		rc = EXIT_BAD_INPUT;
	} else if (!tool_notes_known(m)) {
		tool_error("elfcorehdr: %s: no CPU's crash_notes is known (no CRASH_DUMP, or no "
			   "privilege): a dump would have no registers", chp_sysroot_prefix(s));
		rc = EXIT_BAD_INPUT;
	}
	size_t room = chp_crashmem_segment_size(m), len = 0;
	uint8_t *buf = rc ? NULL : calloc(1, room);
	int built = rc ? 0 : !buf ? -ENOMEM : chp_ranges_new(&ranges);
	if (!rc && !built)
		built = exact ? chp_crashmem_expected(m, ranges) : chp_crashmem_header_ranges(m, ranges);
	if (!rc && !built)
		built = chp_crashmem_build_header_from(m, ranges, buf, room, &len);
	if (built) {
		/* The library's message names the header already ("elfcorehdr: ..."). */
		tool_error("%s", built == -ENOMEM ? "elfcorehdr: out of memory" : tool_why());
		rc = tool_input_exit(built);
	}
	bool vmci = chp_machine_vmcoreinfo(m).size != 0;
	if (!rc && !vmci)
		/* A PT_NOTE of size 0 oopses the capture kernel: none is written. */
		tool_error("warning: elfcorehdr: %s: /sys/kernel/vmcoreinfo unknown: the "
			   "header has no VMCOREINFO note (makedumpfile and crash(8) then need the "
			   "vmlinux)", chp_sysroot_prefix(s));
	if (!rc && output) {
		int err = tool_write_file_atomic(output, buf, len);
		if (err) {
			tool_error("elfcorehdr: writing %s: %s", output, strerror(-err));
			rc = EXIT_SYSTEM;
		}
	}
	if (!rc) {
		const struct chp_kernel_text *t = chp_machine_kernel_text(m);
		unsigned notes = tool_notes_known(m);
		size_t nr = chp_ranges_count(ranges), phnum = notes + vmci + (t ? 1 : 0) + nr;
		uint64_t text_paddr = t ? t->paddr : 0, text_vaddr = t ? t->vaddr : 0;
		bool kaslr_known = chp_sysroot_text_vaddr(s, &(uint64_t){ 0 }, &(uint64_t){ 0 });
		/* RAM LOADs' p_vaddr: KASLR moves page_offset_base too; only kcore shows it. */
		bool dm_known = chp_sysroot_direct_map(s, &(uint64_t){ 0 });
		uint64_t dm = chp_machine_direct_map(m);
		uint64_t total = 0;
		chp_ranges_total_bytes(ranges, &total);
		if (as_json) {
			struct json j;
			json_begin(&j, stdout);
			json_string(&j, "sysroot", chp_sysroot_prefix(s));
			if (output)
				json_string(&j, "file", output);
			json_uint(&j, "bytes", len);
			json_uint(&j, "program_headers", phnum);
			json_uint(&j, "cpu_notes", notes);
			json_uint(&j, "cpus_possible", chp_machine_cpus_possible(m));
			json_bool(&j, "vmcoreinfo", vmci);
			json_bool(&j, "kernel_text", t != NULL);
			if (t) {
				json_hex(&j, "kernel_text_paddr", text_paddr);
				json_hex(&j, "kernel_text_vaddr", text_vaddr);
				json_bool(&j, "kernel_text_vaddr_from_kallsyms", kaslr_known);
			}
			json_uint(&j, "memory_bytes", total);
			json_hex(&j, "direct_map", dm);
			json_bool(&j, "direct_map_from_kcore", dm_known);
			json_array_open(&j, "memory");
			print_ranges(ranges, &table, &j);
			json_array_close(&j);
			json_end(&j);
		} else {
			char b[32];
			printf("elfcorehdr for %s: %zu bytes, %zu program headers%s%s\n",
			       tool_name(chp_sysroot_prefix(s)), len, phnum,
			       output ? ", written to " : "", output ? tool_name(output) : "");
			printf("  CPU notes:    %u of %u possible CPUs%s\n", notes,
			       chp_machine_cpus_possible(m),
			       notes < chp_machine_cpus_possible(m)
			       ? " (crash_notes of the others unknown here: sysfs shows it for present CPUs; "
				 "watch reloads when one comes)" : "");
			printf("  vmcoreinfo:   %s\n", vmci ? "yes" : "no (/sys/kernel/vmcoreinfo unknown)");
			if (t)
				printf("  kernel text:  %#" PRIx64 " at %#" PRIx64 "%s\n", text_vaddr, text_paddr,
				       kaslr_known ? "" : " (no kallsyms: the non-randomized _text)");
			else
				printf("  kernel text:  no (no Kernel code in /proc/iomem)\n");
			printf("  memory:       %s in %zu ranges, at the direct map %#" PRIx64 "%s\n\n",
			       tool_format_size(total, b), nr, dm,
			       dm_known ? "" : " (no /proc/kcore: the non-randomized base; with KASLR "
					       "the RAM LOADs' virtual addresses are wrong)");
			if (print_ranges(ranges, &table, NULL))
				rc = EXIT_SYSTEM;
		}
	}
	free(buf);
	chp_ranges_free(ranges);
	chp_machine_free(m);
	chp_sysroot_free(s);
	return rc;
}

/* The findings, discrepancies first, then notes, then what cannot be checked. */
static int fill_findings(struct tool_table *t, const void *report)
{
	const struct chp_verify_report *r = report;
	int err = 0;

	for (int c = CHP_FINDING_DISCREPANCY; !err && c <= CHP_FINDING_UNCHECKED; c++)
		for (size_t i = 0; !err && i < chp_verify_report_count(r); i++) {
			const struct chp_finding *f = chp_verify_report_at(r, i);
			if ((int)chp_finding_class_of(f->kind) == c)
				err = item_row_finding(t, f);
		}
	return err;
}

/* A table on stdout, or under -J its rows as {"findings": [...]}. */
static int print_findings(const struct chp_verify_report *r, const struct tool_table_opts *o)
{
	return tool_table_emit("verify", verify_columns, NR_ITEM_COLUMNS, o, "findings",
			       fill_findings, r);
}

/*
 * What makedumpfile's -d left out: pages of kinds the admin called
 * unnecessary (makedumpfile(8): "Pages of the specified type are not copied
 * to DUMPFILE"), still covered by the header, so not missing memory.
 */
static void print_filtered(const struct chp_verify_summary *sum)
{
	static const char *const kinds[] = { "zero", "cache", "private cache", "user", "free" };
	char b[32], level[128] = "";
	size_t len = 0;

	if (sum->dump_level_known) {
		len = (size_t)snprintf(level, sizeof(level), " %u", sum->dump_level);
		for (unsigned bit = 0; bit < 5; bit++)
			if (sum->dump_level & 1u << bit)
				len += (size_t)snprintf(level + len, sizeof(level) - len, "%s%s",
							bit && (sum->dump_level & ((1u << bit) - 1))
								? ", " : " (", kinds[bit]);
		if (sum->dump_level & 31)
			snprintf(level + len, sizeof(level) - len, " pages)");
	}
	printf("  %s of it not in the file: left out by makedumpfile -d%s, the admin's choice, "
	       "not missing%s%s\n", tool_format_size(sum->filtered_bytes, b), level,
	       sum->split ? "; or in the other files of its --split" : "",
	       sum->filtered_inferred ? " (inferred from p_filesz < p_memsz, which a "
					"kdump-loaded elfcorehdr never has)" : "");
}

int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sysroot", required_argument, NULL, 'a' },
		{ "against", required_argument, NULL, 'a' },  /* its first name, kept */
		{ "json", no_argument, NULL, 'j' },
		TOOL_TABLE_LONGOPTS_BUT_JSON,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sysroot = "/";
	struct tool_table_opts table = { 0 };
	bool as_json = false;
	struct chp_sysroot *s;
	struct chp_machine *m;
	struct chp_verify_report *r;
	int opt, rc, err;

	while ((opt = tool_getopt(argc, argv, "verify", "h" TOOL_TABLE_SHORTOPTS, longopts)) != -1) {
		if (tool_table_option(opt, optarg, &table))
			continue;
		switch (opt) {
		case 'a': sysroot = optarg; break;
		case 'j': as_json = true; break;
		case 'h':
			fputs(verify_usage, stdout);
			tool_table_help(stdout, "-o", verify_columns, NR_ITEM_COLUMNS);
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		tool_usage_error("verify", "expected one FILE");
		return EXIT_USAGE;
	}
	if (tool_refuse_stdin("verify", argv[optind]))
		return EXIT_USAGE;
	if (as_json && table.json) {
		tool_usage_error("verify", "--json (the whole report) or -J (the table), not both");
		return EXIT_USAGE;
	}
	{
		/* A column -o does not know: a usage error before the machine is read. */
		struct tool_table *probe;
		struct tool_table_opts text = table;
		text.json = false;
		if (tool_table_new(&probe, "verify", verify_columns, NR_ITEM_COLUMNS, &text, NULL))
			return EXIT_USAGE;
		tool_table_free(probe);
	}
	rc = open_live(sysroot, &s, &m);
	if (rc)
		return rc;
	struct chp_verify_options vo;
	chp_verify_options_init(&vo);
	vo.tmpdir = getenv("TMPDIR"); /* where a flattened dump is rearranged */
	struct tool_progress prog;
	vo.progress = tool_progress_hook(&prog);
	tool_progress_begin(&prog, "reading the dump", true);
	err = chp_verify_file(&r, m, argv[optind], &vo);
	tool_progress_end(&prog);
	if (err) {
		tool_error("%s", tool_why());
		rc = err == -ENOENT || err == -EACCES ? EXIT_SYSTEM : tool_input_exit(err);
	} else {
		const struct chp_verify_summary *sum = chp_verify_report_summary(r);
		size_t n = chp_verify_report_count(r), by_class[3] = { 0 };
		for (size_t i = 0; i < n; i++)
			by_class[chp_finding_class_of(chp_verify_report_at(r, i)->kind)]++;
		if (as_json) {
			struct json j;
			json_begin(&j, stdout);
			json_string(&j, "file", argv[optind]);
			json_string(&j, "sysroot", chp_sysroot_prefix(s));
			json_string(&j, "kind", sum->kind == CHP_ELFCORE_HEADER ? "elfcorehdr" : "vmcore");
			json_bool(&j, "complete", chp_verify_report_complete(r));
			json_uint(&j, "discrepancies", by_class[CHP_FINDING_DISCREPANCY]);
			json_uint(&j, "notes", by_class[CHP_FINDING_NOTE]);
			json_uint(&j, "unchecked", by_class[CHP_FINDING_UNCHECKED]);
			json_uint(&j, "expected_bytes", sum->expected_bytes);
			json_uint(&j, "covered_bytes", sum->covered_bytes);
			json_uint(&j, "missing_bytes", sum->missing_bytes);
			json_uint(&j, "absent_bytes", sum->absent_bytes);
			json_uint(&j, "offline_bytes", sum->offline_bytes);
			json_uint(&j, "cpus_online", sum->cpus_online);
			json_uint(&j, "cpu_notes_found", sum->cpu_notes_found);
			json_uint(&j, "filtered_bytes", sum->filtered_bytes);
			json_bool(&j, "filtered_inferred", sum->filtered_inferred);
			if (sum->dump_level_known)
				json_uint(&j, "dump_level", sum->dump_level);
			else
				json_null(&j, "dump_level");
			json_array_open(&j, "findings");
			for (size_t i = 0; i < n; i++) {
				const struct chp_finding *f = chp_verify_report_at(r, i);
				json_object_open(&j, NULL);
				json_string(&j, "kind", chp_finding_kind_name(f->kind));
				json_string(&j, "class", chp_finding_class_name(chp_finding_class_of(f->kind)));
				json_string(&j, "detail", f->detail);
				json_object_close(&j);
			}
			json_array_close(&j);
			json_end(&j);
		} else if (table.json) {
			rc = print_findings(r, &table) ? EXIT_SYSTEM : EXIT_OK;
		} else {
			char b1[32], b2[32];
			printf("%s against %s: %s, %s of %s online memory covered, %u/%u CPU notes\n",
			       tool_name(argv[optind]), tool_name(chp_sysroot_prefix(s)),
			       sum->kind == CHP_ELFCORE_HEADER ? "elfcorehdr" : "vmcore",
			       tool_format_size(sum->expected_bytes - sum->missing_bytes, b1),
			       tool_format_size(sum->expected_bytes, b2), sum->cpu_notes_found,
			       sum->cpus_online);
			if (sum->filtered_bytes)
				print_filtered(sum);
			if (n && print_findings(r, &table))
				rc = EXIT_SYSTEM;
			if (!chp_verify_report_complete(r))
				printf("INCOMPLETE: %zu discrepancies\n", by_class[CHP_FINDING_DISCREPANCY]);
			else if (by_class[CHP_FINDING_UNCHECKED])
				printf("COMPLETE as far as this machine shows (%zu cannot be checked here)\n",
				       by_class[CHP_FINDING_UNCHECKED]);
			else
				printf("COMPLETE\n");
		}
		if (!rc)
			rc = chp_verify_report_complete(r) ? EXIT_OK : EXIT_FINDINGS;
		chp_verify_report_free(r);
	}
	chp_machine_free(m);
	chp_sysroot_free(s);
	return rc;
}
