/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashhp/capture.h"
#include "crashhp/elfcore.h"
#include "crashhp/kimage.h"
#include "crashhp/loader.h"
#include "crashhp/machine.h"
#include "crashhp/lab.h"
#include "crashhp/scenario.h"
#include "crashhp/verify.h"
#include "progress.h"
#include "sim_report.h"
#include "findings_table.h"
#include "table.h"
#include "tool.h"

static const char sim_usage[] =
	"Usage: crashhp sim [--json] [--svg FILE] [--vmcore FILE] [SCENARIO]\n"
	"       crashhp sim --print-default\n"
	"       crashhp sim [MACHINE OPTIONS] [--vmcore FILE] [--elfcorehdr FILE] [--json|-J]\n"
	"\n"
	"Run the lab.  With a SCENARIO file (crashhp-scenario(5); - is standard\n"
	"input), or with no argument the built-in one, a machine is hot-plugged under\n"
	"each policy (mainline and robust) with crashes injected at the same points,\n"
	"and the dumps are judged side by side.  With machine options, one machine\n"
	"boots, loads a crash image, crashes once, and the capture kernel writes a\n"
	"real vmcore that is verified.\n"
	"\n"
	"Scenario runs:\n"
	"  --svg FILE             a timeline of online memory against what each\n"
	"                         policy's header covers\n"
	"  --print-default        print the built-in scenario\n"
	"  --vmcore FILE          write each dump a crash line takes there (the last\n"
	"                         stays); the scenario runs one policy\n"
	"\n"
	"One crash (defaults: x86_64, 8 CPUs possible, 4 present and online, 1 GiB\n"
	"of RAM in 128 MiB blocks, a 256 MiB crashkernel, kexec_file_load):\n"
	"  --arch ARCH            x86_64 (default), ppc64le or ppc64\n"
	"  --cpus P[:R[:O]]       CPUs possible, present, online (default 8:4:4)\n"
	"  --nr-cpus N            the kernel's NR_CPUS (8192); x86 header slots for\n"
	"                         CPUs are NR_CPUS_DEFAULT: 8192 then (MAXSMP), else 64\n"
	"  --max-ranges N         CONFIG_CRASH_MAX_MEMORY_RANGES (8192)\n"
	"  --ram SIZE             boot RAM, a multiple of the block size (1G)\n"
	"  --block-size SIZE      memory block size, a power of two (128M; ppc64 256M)\n"
	"  --crashkernel SIZE     crashkernel reservation (256M)\n"
	"  --load MODE            file (kexec_file_load), segments (kexec_load),\n"
	"                         segments-hotplug (kexec_load with\n"
	"                         KEXEC_CRASH_HOTPLUG_SUPPORT) or\n"
	"                         segments-update-elfcorehdr (with\n"
	"                         KEXEC_UPDATE_ELFCOREHDR: x86_64 only honours it)\n"
	"  --crash-cpu N          the CPU that panics (0)\n"
	"  --vmcore FILE          keep the vmcore there (default: a temporary file,\n"
	"                         removed afterwards)\n"
	"  --elfcorehdr FILE      also write the loaded elfcorehdr there\n"
	"  --json                 print the report as one JSON object\n"
	"  -J                     one crash's table alone as JSON, {\"items\": [rows]},\n"
	"                         as lsmem -J (a scenario's report: --json)\n"
	"  -o, --output LIST      the report's columns (+LIST adds): the scenario\n"
	"                         report's, or one crash's table\n"
	"  -r, --raw              the report's tables unaligned\n"
	"  -b, --bytes            sizes in bytes\n"
	"  -n, --noheadings       the report's tables without headings\n"
	"  -h, --help             this help\n"
	"\n"
	"SIZE takes K, M, G, T (or KiB, MiB, GiB, TiB) suffixes.\n"
	"Exit status: 0 every dump complete under robust (scenario) or the dump\n"
	"verified complete (one crash), 1 robust lost or misdescribed memory, or\n"
	"the dump has discrepancies, 2 usage, 3 a scenario or machine that cannot be\n"
	"used, 4 system error, 5 no dump taken (one crash).\n";

struct sim_args {
	struct chp_lab_spec spec;
	struct chp_load_options load;
	unsigned crash_cpu;
	const char *vmcore;
	const char *elfcorehdr;
	const char *svg;
	const char *scenario;
	bool json;
	struct tool_table_opts table; /* -o, -r, -b, -n of the scenario report */
	bool single;          /* a machine option was given: one crash */
	bool print_default;
};

static int parse_cpus(const char *s, struct chp_lab_spec *spec)
{
	unsigned long long v[3];
	char buf[64], *save = NULL, *tok;
	int n = 0;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (n == 3 || !tool_parse_uint(tok, 65535, &v[n]))
			return -1;
		n++;
	}
	if (n == 0)
		return -1;
	spec->cpus_possible = (unsigned)v[0];
	spec->cpus_present = (unsigned)(n > 1 ? v[1] : v[0]);
	spec->cpus_online = (unsigned)(n > 2 ? v[2] : spec->cpus_present);
	return 0;
}

/* A column -o names that one crash's table does not have: a usage error before the run. */
static int sim_crash_check_columns(const struct tool_table_opts *o)
{
	struct tool_table *t;
	struct tool_table_opts text = *o;
	int err;

	text.json = false;
	err = tool_table_new(&t, "sim", sim_crash_columns, NR_ITEM_COLUMNS, &text, NULL);

	tool_table_free(t);
	return err;
}

static int parse_args(int argc, char **argv, struct sim_args *a)
{
	enum { O_ARCH = 256, O_CPUS, O_NRCPUS, O_RANGES, O_RAM, O_BLOCK, O_CK, O_LOAD, O_CCPU,
	       O_VMCORE, O_JSON, O_HDR, O_SVG, O_PRINT };
	static const struct option longopts[] = {
		{ "arch", required_argument, NULL, O_ARCH },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "nr-cpus", required_argument, NULL, O_NRCPUS },
		{ "max-ranges", required_argument, NULL, O_RANGES },
		{ "ram", required_argument, NULL, O_RAM },
		{ "block-size", required_argument, NULL, O_BLOCK },
		{ "crashkernel", required_argument, NULL, O_CK },
		{ "load", required_argument, NULL, O_LOAD },
		{ "crash-cpu", required_argument, NULL, O_CCPU },
		{ "vmcore", required_argument, NULL, O_VMCORE },
		{ "json", no_argument, NULL, O_JSON },
		{ "output", required_argument, NULL, 'o' },
		{ "raw", no_argument, NULL, 'r' },
		{ "bytes", no_argument, NULL, 'b' },
		{ "noheadings", no_argument, NULL, 'n' },
		{ "elfcorehdr", required_argument, NULL, O_HDR },
		{ "svg", required_argument, NULL, O_SVG },
		{ "print-default", no_argument, NULL, O_PRINT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct chp_lab_spec *s = &a->spec;
	unsigned long long v;
	enum chp_arch arch;
	int opt;

	chp_lab_spec_init(s, CHP_ARCH_X86_64);
	chp_load_options_init(&a->load);
	/* Options apply in order; --arch first so that its defaults come first. */
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--arch=", 7) || (!strcmp(argv[i], "--arch") && i + 1 < argc)) {
			const char *name = argv[i][6] == '=' ? argv[i] + 7 : argv[i + 1];
			if (chp_arch_from_name(&arch, name)) {
				tool_usage_error("sim", "--arch: %s", tool_why());
				return EXIT_USAGE;
			}
			chp_lab_spec_init(s, arch);
		}
	}
	while ((opt = tool_getopt(argc, argv, "sim", "h" TOOL_TABLE_SHORTOPTS, longopts)) != -1) {
		const char *bad = NULL;
		if (opt != O_JSON && opt != O_SVG && opt != O_PRINT && opt != O_VMCORE && opt != 'h' &&
		    !strchr("Jorbn", opt))
			a->single = true;
		switch (opt) {
		case O_ARCH:
			break;
		case O_CPUS:
			bad = parse_cpus(optarg, s) ? "--cpus takes POSSIBLE[:PRESENT[:ONLINE]]" : NULL;
			break;
		case O_NRCPUS:
			bad = tool_parse_uint(optarg, 65535, &v) ? NULL : "--nr-cpus takes a number";
			s->nr_cpus_config = (unsigned)v;
			break;
		case O_RANGES:
			bad = tool_parse_uint(optarg, 65535, &v) ? NULL : "--max-ranges takes a number";
			s->max_memory_ranges = (unsigned)v;
			break;
		case O_RAM:
			bad = tool_parse_size(optarg, &s->boot_ram) ? NULL : "--ram takes a SIZE";
			break;
		case O_BLOCK:
			bad = tool_parse_size(optarg, &s->block_size) ? NULL : "--block-size takes a SIZE";
			break;
		case O_CK:
			bad = tool_parse_size(optarg, &s->crashkernel_size) ? NULL
									 : "--crashkernel takes a SIZE";
			break;
		case O_LOAD:
			a->load.mode = strcmp(optarg, "file") ? CHP_LOAD_SEGMENTS : CHP_LOAD_FILE;
			a->load.hotplug_flag = !strcmp(optarg, "segments-hotplug");
			a->load.update_elfcorehdr_flag = !strcmp(optarg, "segments-update-elfcorehdr");
			if (strcmp(optarg, "file") && strcmp(optarg, "segments") &&
			    strcmp(optarg, "segments-hotplug") && strcmp(optarg, "segments-update-elfcorehdr"))
				bad = "--load takes file, segments, segments-hotplug or "
				      "segments-update-elfcorehdr";
			break;
		case O_CCPU:
			bad = tool_parse_uint(optarg, 65535, &v) ? NULL : "--crash-cpu takes a number";
			a->crash_cpu = (unsigned)v;
			break;
		case O_VMCORE:
			a->vmcore = optarg;
			break;
		case O_JSON:
			a->json = true;
			break;
		case 'o':
		case 'r':
		case 'b':
		case 'n':
		case 'J':
			tool_table_option(opt, optarg, &a->table);
			break;
		case O_HDR:
			a->elfcorehdr = optarg;
			break;
		case O_SVG:
			a->svg = optarg;
			break;
		case O_PRINT:
			a->print_default = true;
			break;
		case 'h':
			fputs(sim_usage, stdout);
			sim_report_columns_help(stdout);
			tool_table_help(stdout, "-o, one crash", sim_crash_columns, NR_ITEM_COLUMNS);
			return -1;
		default:
			return EXIT_USAGE;
		}
		if (bad) {
			tool_usage_error("sim", "%s, not '%s'", bad, optarg);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		a->scenario = argv[optind++];
	if (optind < argc) {
		tool_usage_error("sim", "one SCENARIO at most, not also '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (a->print_default && a->scenario) {
		tool_usage_error("sim", "--print-default takes no arguments, not '%s'", a->scenario);
		return EXIT_USAGE;
	}
	/* --vmcore alone is the one-crash machine's; beside a SCENARIO, that run's dumps. */
	if (a->vmcore && !a->scenario)
		a->single = true;
	if (a->json && a->table.json) {
		tool_usage_error("sim", "--json (the whole report) or -J (the table), not both");
		return EXIT_USAGE;
	}
	if (a->single ? sim_crash_check_columns(&a->table) : sim_report_check_columns(&a->table))
		return EXIT_USAGE;
	/* Each output is renamed into place: a device, FIFO or link there would be replaced. */
	const char *outs[][2] = { { "--vmcore", a->vmcore }, { "--elfcorehdr", a->elfcorehdr },
				  { "--svg", a->svg } };
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		if (outs[i][1] && !tool_output_replaceable(outs[i][1])) {
			tool_usage_error("sim", "%s %s: not a regular file (it would be replaced by one)",
					 outs[i][0], outs[i][1]);
			return EXIT_USAGE;
		}
		/*
		 * Known before anything runs: a scenario would otherwise fail at
		 * its crash line and seem to blame that line, a single crash
		 * would say "no dump" after the dump was taken.
		 */
		int werr = outs[i][1] ? tool_output_dir_writable(outs[i][1]) : 0;
		if (werr) {
			tool_error("sim: %s %s: %s", outs[i][0], outs[i][1], strerror(-werr));
			return EXIT_SYSTEM;
		}
	}
	if (a->single && (a->scenario || a->svg)) {
		tool_usage_error("sim", "machine options describe one crash; a scenario sets its "
				 "machine itself");
		return EXIT_USAGE;
	}
	return 0;
}

static const char *load_name(const struct chp_load_options *l)
{
	if (l->mode == CHP_LOAD_FILE)
		return "kexec_file_load";
	return l->hotplug_flag ? "kexec_load with the hotplug flag"
	       : l->update_elfcorehdr_flag ? "kexec_load with KEXEC_UPDATE_ELFCOREHDR" : "kexec_load";
}

struct sim_result {
	struct chp_segment_info hdr_seg;
	size_t hdr_phnum;
	struct chp_capture_info cap;
	struct chp_verify_report *report;
	const char *vmcore;
	bool kept;
};

static void report_json(const struct sim_args *a, const struct chp_machine *m,
			const struct sim_result *res)
{
	const struct chp_range *ck = chp_ranges_at(chp_machine_crashkernel(m), 0);
	const struct chp_verify_summary *s = chp_verify_report_summary(res->report);
	struct json j;

	json_begin(&j, stdout);
	json_object_open(&j, "machine");
	json_string(&j, "arch", chp_arch_name(chp_machine_arch(m)));
	json_uint(&j, "cpus_possible", chp_machine_cpus_possible(m));
	json_uint(&j, "cpus_present", chp_machine_cpus_present(m));
	json_uint(&j, "cpus_online", chp_machine_cpus_online(m));
	json_uint(&j, "boot_ram", a->spec.boot_ram);
	json_uint(&j, "block_size", chp_machine_block_size(m));
	json_hex(&j, "crashkernel_start", ck->start);
	json_hex(&j, "crashkernel_last", ck->last);
	json_object_close(&j);
	json_object_open(&j, "load");
	json_string(&j, "mode", a->load.mode == CHP_LOAD_FILE ? "file" : "segments");
	json_bool(&j, "hotplug_flag", a->load.hotplug_flag);
	json_bool(&j, "update_elfcorehdr_flag", a->load.update_elfcorehdr_flag);
	json_bool(&j, "hotplug_capable", chp_load_hotplug_capable(chp_machine_arch(m), &a->load));
	json_hex(&j, "elfcorehdr", res->hdr_seg.paddr);
	json_uint(&j, "elfcorehdr_segment_bytes", res->hdr_seg.memsz);
	json_uint(&j, "elfcorehdr_slots", chp_elfcore_slots(res->hdr_seg.memsz));
	json_uint(&j, "elfcorehdr_phnum", res->hdr_phnum);
	json_object_close(&j);
	json_object_open(&j, "crash");
	json_uint(&j, "cpu", a->crash_cpu);
	json_object_close(&j);
	json_object_open(&j, "vmcore");
	json_bool(&j, "kept", res->kept);
	if (res->kept)
		json_string(&j, "path", res->vmcore);
	json_uint(&j, "size", res->cap.file_size);
	json_uint(&j, "notes", res->cap.nr_notes);
	json_uint(&j, "loads", res->cap.nr_loads);
	json_object_close(&j);
	json_object_open(&j, "verify");
	json_bool(&j, "complete", chp_verify_report_complete(res->report));
	json_uint(&j, "expected_bytes", s->expected_bytes);
	json_uint(&j, "covered_bytes", s->covered_bytes);
	json_uint(&j, "missing_bytes", s->missing_bytes);
	json_uint(&j, "absent_bytes", s->absent_bytes);
	json_uint(&j, "offline_bytes", s->offline_bytes);
	json_uint(&j, "cpus_online", s->cpus_online);
	json_uint(&j, "cpu_notes_found", s->cpu_notes_found);
	json_uint(&j, "bytes_compared", s->bytes_checked);
	json_bool(&j, "sampled", s->sampled);
	json_array_open(&j, "findings");
	for (size_t i = 0; i < chp_verify_report_count(res->report); i++) {
		const struct chp_finding *f = chp_verify_report_at(res->report, i);
		json_object_open(&j, NULL);
		json_string(&j, "kind", chp_finding_kind_name(f->kind));
		json_string(&j, "detail", f->detail);
		json_object_close(&j);
	}
	json_array_close(&j);
	json_object_close(&j);
	json_end(&j);
}

/*
 * One crash's table (findings_table.c): the crash region, the loaded
 * elfcorehdr, the panic, the vmcore, each finding, the verdict, so that
 * -o/-r/-b/-n shape it as the scenario report's and -J prints its rows.
 */
static int add_crash_rows(struct tool_table *t, const struct sim_args *a,
			  const struct chp_machine *m, const struct sim_result *res)
{
	const struct chp_range *ck = chp_ranges_at(chp_machine_crashkernel(m), 0);
	const struct chp_verify_summary *s = chp_verify_report_summary(res->report);
	struct chp_range hdr = { res->hdr_seg.paddr, res->hdr_seg.paddr + res->hdr_seg.memsz - 1 };
	uint64_t ck_size = chp_range_size(*ck), file = res->cap.file_size;
	char b1[32], detail[192];
	int err;

	err = item_row(t, "crashkernel", NULL, ck, &ck_size, "the crash kernel's reservation");
	snprintf(detail, sizeof(detail), "%s: %zu of %zu program headers used", load_name(&a->load),
		 res->hdr_phnum, chp_elfcore_slots(res->hdr_seg.memsz));
	if (!err)
		err = item_row(t, "elfcorehdr", NULL, &hdr, &res->hdr_seg.memsz, detail);
	snprintf(detail, sizeof(detail), "panic on CPU %u", a->crash_cpu);
	if (!err)
		err = item_row(t, "crash", NULL, NULL, NULL, detail);
	/* The path whole, however long (a fixed buffer cut it); a cell: libsmartcols escapes it. */
	char *kept;
	if (asprintf(&kept, "%zu notes, %zu LOADs%s%s", res->cap.nr_notes, res->cap.nr_loads,
		     res->kept ? ", kept at " : " (temporary, removed)",
		     res->kept ? res->vmcore : "") < 0)
		return -ENOMEM;
	if (!err)
		err = item_row(t, "vmcore", NULL, NULL, &file, kept);
	free(kept);
	for (size_t i = 0; !err && i < chp_verify_report_count(res->report); i++)
		err = item_row_finding(t, chp_verify_report_at(res->report, i));
	if (chp_verify_report_complete(res->report))
		snprintf(detail, sizeof(detail), "COMPLETE: the online memory, %u/%u CPU notes, %s "
			 "compared%s", s->cpu_notes_found, s->cpus_online,
			 tool_format_size(s->bytes_checked, b1), s->sampled ? " (sampled)" : "");
	else
		snprintf(detail, sizeof(detail), "INCOMPLETE: %zu findings",
			 chp_verify_report_count(res->report));
	if (!err)
		err = item_row(t, "verdict", NULL, NULL, &s->expected_bytes, detail);
	return err;
}

struct crash_rows {
	const struct sim_args *a;
	const struct chp_machine *m;
	const struct sim_result *res;
};

static int fill_crash_rows(struct tool_table *t, const void *ctx)
{
	const struct crash_rows *c = ctx;

	return add_crash_rows(t, c->a, c->m, c->res);
}

/* The machine on one line, then the table. */
static int report_human(const struct sim_args *a, const struct chp_machine *m,
			const struct sim_result *res)
{
	const struct crash_rows c = { a, m, res };
	char b1[32], b2[32];

	printf("crashhp sim: %s lab machine, CPUs %u possible / %u present / %u online, "
	       "%s RAM in %s blocks\n", chp_arch_name(chp_machine_arch(m)),
	       chp_machine_cpus_possible(m), chp_machine_cpus_present(m),
	       chp_machine_cpus_online(m), tool_format_size(a->spec.boot_ram, b1),
	       tool_format_size(chp_machine_block_size(m), b2));
	return tool_table_emit("sim", sim_crash_columns, NR_ITEM_COLUMNS, &a->table, "items",
			       fill_crash_rows, &c);
}

/* -J: the table alone, as lsmem -J and verify -J print theirs: {"items": [rows of -o's columns]}. */
static int report_rows_json(const struct sim_args *a, const struct chp_machine *m,
			    const struct sim_result *res)
{
	const struct crash_rows c = { a, m, res };

	return tool_table_emit("sim", sim_crash_columns, NR_ITEM_COLUMNS, &a->table, "items",
			       fill_crash_rows, &c);
}

/* Boot, load, crash, capture: every step that can fail names its exit code. */
static int run(const struct sim_args *a, struct chp_machine *m, struct chp_kimage *img,
	       struct sim_result *res)
{
	size_t index;
	int err;

	err = chp_load_crash_image(img, m, &a->load);
	if (err) {
		tool_error("sim: loading the crash image: %s", tool_why());
		return tool_input_exit(err);
	}
	if (chp_kimage_elfcorehdr_index(img, &index) || chp_kimage_segment(img, index, &res->hdr_seg)) {
		tool_error("sim: %s", tool_why());
		return EXIT_SYSTEM;
	}
	if (a->elfcorehdr) {
		uint8_t *bytes = malloc(res->hdr_seg.bufsz);
		err = bytes ? chp_kimage_read(img, res->hdr_seg.paddr, bytes, res->hdr_seg.bufsz)
			    : -ENOMEM;
		if (!err)
			err = tool_write_file_atomic(a->elfcorehdr, bytes, res->hdr_seg.bufsz);
		free(bytes);
		if (err) {
			tool_error("sim: writing %s: %s", a->elfcorehdr, strerror(-err));
			return EXIT_SYSTEM;
		}
	}
	err = chp_crash_save(m, a->crash_cpu, CHP_LAB_CRASHTIME);
	if (err) {
		tool_usage_error("sim", "--crash-cpu: %s", tool_why());
		return EXIT_USAGE;
	}
	struct tool_progress prog;
	struct chp_progress hook = tool_progress_hook(&prog);
	tool_progress_begin(&prog, "writing the vmcore", true);
	err = chp_capture_vmcore_progress(m, img, res->vmcore, &res->cap, &hook);
	tool_progress_end(&prog);
	if (err == -ENOSPC) {
		tool_error("sim: no dump: %s; point %s at a file system with room, or give a smaller "
			   "--ram", tool_why(), a->vmcore ? "--vmcore" : "TMPDIR");
		return EXIT_SYSTEM;
	}
	if (err) {
		/* The capture refused (no dump), or the dump could not be written (its name said). */
		bool no_dump = err == -EFAULT || err == -ENODATA || err == -EBADMSG || err == -EINVAL;
		tool_error("sim: %s%s", no_dump ? "no dump: " : "", tool_why());
		return no_dump ? EXIT_NO_DUMP : EXIT_SYSTEM;
	}
	res->hdr_phnum = res->cap.header_phnum;
	struct chp_verify_options vo;
	chp_verify_options_init(&vo);
	vo.progress = hook;
	tool_progress_begin(&prog, "comparing the vmcore with memory", true);
	err = chp_verify_file(&res->report, m, res->vmcore, &vo);
	tool_progress_end(&prog);
	if (err) {
		tool_error("sim: verifying: %s", tool_why());
		return tool_input_exit(err);
	}
	return EXIT_OK;
}

static int run_single(struct sim_args a)
{
	struct sim_result res = { 0 };
	struct chp_machine *m = NULL;
	struct chp_kimage *img = NULL;
	char *tmpl = NULL, *tmp_path = NULL;
	int rc;

	if (chp_machine_new_lab(&m, &a.spec)) {
		tool_error("sim: %s", tool_why());
		return EXIT_BAD_INPUT;
	}
	if (chp_kimage_new(&img, *chp_ranges_at(chp_machine_crashkernel(m), 0))) {
		tool_error("sim: %s", tool_why());
		chp_machine_free(m);
		return EXIT_SYSTEM;
	}
	res.kept = a.vmcore != NULL;
	if (!res.kept) {
		/* The vmcore is as large as the machine's RAM: where the admin keeps room for it. */
		const char *tmpdir = getenv("TMPDIR");
		if (!tmpdir || !*tmpdir)
			tmpdir = "/tmp";
		if (asprintf(&tmpl, "%s/crashhp-sim-XXXXXX", tmpdir) < 0) {
			tmpl = NULL;
			tool_error("sim: out of memory");
			rc = EXIT_SYSTEM;
			goto out;
		}
		int e = tool_cleanup_mkdtemp(tmpl); /* removed by a SIGINT or SIGTERM too */
		if (e) {
			tool_error("sim: making a temporary directory in %s (TMPDIR): %s", tmpdir,
				   strerror(-e));
			rc = EXIT_SYSTEM;
			goto out;
		}
		if (asprintf(&tmp_path, "%s/vmcore", tmpl) < 0) {
			tmp_path = NULL;
			rmdir(tmpl);
			tool_error("sim: out of memory");
			rc = EXIT_SYSTEM;
			goto out;
		}
		res.vmcore = tmp_path;
		tool_cleanup_own_file(tmp_path); /* past PATH_MAX, only the partial is tracked */
	} else {
		res.vmcore = a.vmcore;
	}
	rc = run(&a, m, img, &res);
	if (rc == EXIT_OK) {
		if (a.json)
			report_json(&a, m, &res);
		else if (a.table.json ? report_rows_json(&a, m, &res) : report_human(&a, m, &res))
			rc = EXIT_SYSTEM;
		if (rc == EXIT_OK)
			rc = chp_verify_report_complete(res.report) ? EXIT_OK : EXIT_FINDINGS;
	}
	if (!res.kept) {
		unlink(tmp_path);
		rmdir(tmpl);
	}
out:
	tool_cleanup_forget();
	free(tmp_path);
	free(tmpl);
	chp_verify_report_free(res.report);
	chp_kimage_free(img);
	chp_machine_free(m);
	return rc;
}

static void lab_progress(void *ctx, enum chp_policy policy, uint64_t done, uint64_t total)
{
	(void)policy;
	tool_progress_update(ctx, done, total);
}

/*
 * The name a scenario read from standard input goes by in the report and in
 * its errors (FILE:LINE:COLUMN), as grep names it.
 */
#define STDIN_NAME "(standard input)"

/*
 * The text of PATH, "-" standard input; NULL with errno set (EILSEQ: a NUL
 * byte, on line *nul_line).  Read once, front to back, before it is parsed:
 * unlike inspect's and verify's files a scenario needs no offsets, so a pipe
 * serves (crashhp sim --print-default | crashhp sim -).
 */
static char *read_text_file(const char *path, unsigned *nul_line)
{
	bool std_in = !strcmp(path, "-");
	FILE *f = std_in ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	struct stat st;
	if (fstat(fileno(f), &st)) {
		/* A closed standard input (<&-): EBADF, said as such, not an empty scenario. */
		int e = errno;
		if (!std_in)
			fclose(f);
		errno = e;
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		/* Not a read error (EIO): the input is wrong, as inspect says of a directory. */
		if (!std_in)
			fclose(f);
		errno = EISDIR;
		return NULL;
	}
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				if (!std_in)
					fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = grown;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n == 4096 && len < (16u << 20));
	if (ferror(f) || len >= (16u << 20)) {
		int e = ferror(f) ? EIO : EFBIG;
		free(buf);
		if (!std_in)
			fclose(f);
		errno = e;
		return NULL;
	}
	if (!std_in)
		fclose(f);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		*nul_line = 1;
		for (const char *c = buf; *c; c++)
			*nul_line += *c == '\n';
		free(buf);
		errno = EILSEQ;
		return NULL;
	}
	return buf;
}

/*
 * A scenario run that failed: writing --vmcore (a full disk, the file-size
 * limit) is an output error, 4, whatever the errno; so is a system resource
 * running out.  Anything else is the scenario's fault, 3: an action the
 * machine refuses, a crash region too small for the image (ENOSPC there).
 */
static int scenario_exit(int err)
{
	if (chp_lab_output_failed())
		return EXIT_SYSTEM;
	switch (err) {
	case -ENOMEM:
	case -EAGAIN: /* a thread that cannot start: RLIMIT_NPROC, threads-max, its stack */
	case -EIO:
	case -EFBIG:
	case -EDQUOT:
	case -EMFILE:
	case -ENFILE:
	case -EACCES:
	case -EROFS:
		return EXIT_SYSTEM;
	default:
		return EXIT_BAD_INPUT;
	}
}

static int run_scenario(const struct sim_args *a)
{
	struct chp_scenario *sc = NULL;
	struct chp_run_result *res[2] = { NULL, NULL };
	struct chp_concurrent_result conc[2];
	size_t n = 0;
	uint64_t events = 0;
	char *text = NULL;
	int rc = EXIT_OK, err;

	const char *name = !a->scenario ? "built-in scenario"
			   : strcmp(a->scenario, "-") ? a->scenario : STDIN_NAME;
	if (a->scenario) {
		unsigned nul_line = 0;
		text = read_text_file(a->scenario, &nul_line);
		if (!text) {
			int e = errno;
			/* Parse errors name FILE:LINE; the NUL byte's line too. */
			if (e == EILSEQ)
				tool_error("%s:%u: a NUL byte: not a text file", name, nul_line);
			else
				tool_error("%s: %s", name, e == EISDIR ? "not a regular file"
						  : e == EFBIG ? "larger than 16 MiB: not a scenario"
						  : strerror(e));
			return e == EILSEQ || e == EFBIG || e == EISDIR ? EXIT_BAD_INPUT : EXIT_SYSTEM;
		}
	}
	err = chp_scenario_parse(&sc, text ? text : chp_scenario_default_text(), name);
	free(text);
	if (err) {
		tool_error("%s", tool_why());
		chp_scenario_free(sc);
		return tool_input_exit(err);
	}
	if (a->vmcore && sc->run_policy[0] && sc->run_policy[1]) {
		tool_usage_error("sim", "--vmcore %s: %s runs two policies; one (policies mainline "
				 "or robust) writes the dumps there", a->vmcore, sc->name);
		chp_scenario_free(sc);
		return EXIT_USAGE;
	}
	/*
	 * Only a crash line writes its dump: without one the run would end with
	 * no file at --vmcore and exit 0, a silent no.  A usage error, as two
	 * policies are: the command line asks what this scenario cannot give.
	 */
	bool crash_line = false;
	for (size_t i = 0; i < sc->nactions; i++)
		crash_line |= sc->actions[i].op == CHP_SC_CRASH;
	if (a->vmcore && !crash_line) {
		tool_usage_error("sim", "--vmcore %s: %s has no crash line, the only one that writes "
				 "its dump (crash-at, crash-every, crash-during and crash-exhaustive "
				 "are judged, not written)", a->vmcore, sc->name);
		chp_scenario_free(sc);
		return EXIT_USAGE;
	}
	sc->vmcore_out = a->vmcore;
	/* The dry run: an action the machine refuses (a block already online) is the file's fault. */
	err = chp_lab_count_events(sc, &events);
	if (err) {
		tool_error("%s", tool_why());
		chp_scenario_free(sc);
		return scenario_exit(err);
	}
	for (int p = 0; p < 2 && rc == EXIT_OK; p++) {
		struct tool_progress prog;
		char what[64];

		if (!sc->run_policy[p])
			continue;
		snprintf(what, sizeof(what), "%s: events", chp_policy_name((enum chp_policy)p));
		tool_progress_begin(&prog, what, false);
		err = chp_lab_run(&res[n], sc, (enum chp_policy)p, lab_progress, &prog);
		tool_progress_end(&prog);
		if (!err && sc->conc_threads) {
			struct chp_concurrent_spec cs = {
				.arch = sc->spec.arch, .policy = (enum chp_policy)p,
				.threads = sc->conc_threads, .events = sc->conc_events,
				.rounds = sc->conc_rounds, .seed = sc->seed, .load = &sc->load,
				.progress = tool_progress_hook(&prog),
				.name = sc->name, .line = sc->conc_line,
			};
			snprintf(what, sizeof(what), "%s: concurrent rounds",
				 chp_policy_name((enum chp_policy)p));
			tool_progress_begin(&prog, what, false);
			err = chp_lab_concurrent(&cs, &conc[n]);
			tool_progress_end(&prog);
		}
		if (err) {
			tool_error("%s", tool_why());
			rc = scenario_exit(err);
		} else {
			n++;
		}
	}
	if (rc == EXIT_OK) {
		const struct chp_concurrent_result *c = sc->conc_threads ? conc : NULL;
		/* The scenario report is several tables and notes: -J is --json there. */
		if (a->json || a->table.json)
			sim_report_json(sc, events, res, c, n);
		else
			sim_report_text(sc, events, res, c, n, &a->table);
		if (a->svg && (err = sim_report_svg(a->svg, sc, res, c, n))) {
			tool_error("sim: writing %s: %s", a->svg, strerror(-err));
			rc = EXIT_SYSTEM;
		}
		/*
		 * The verdict: robust must take a complete dump at every crash but
		 * those in the loader's window (no image loaded, or a load under way).
		 */
		for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
			const struct chp_run_result *r = res[i];
			if (r->policy == CHP_POLICY_ROBUST &&
			    (r->complete != r->crashes - r->no_dump_unloaded ||
			     r->exhaustive_complete != r->exhaustive_steps ||
			     (c && (c[i].complete != c[i].crashes - c[i].no_dump_unloaded ||
				    c[i].final_incomplete || c[i].dropped))))
				rc = EXIT_FINDINGS;
		}
	}
	for (size_t i = 0; i < n; i++)
		chp_run_result_free(res[i]);
	chp_scenario_free(sc);
	return rc;
}

int cmd_sim(int argc, char **argv)
{
	struct sim_args a = { 0 };
	int rc = parse_args(argc, argv, &a);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (a.print_default) {
		fputs(chp_scenario_default_text(), stdout);
		return EXIT_OK;
	}
	return a.single ? run_single(a) : run_scenario(&a);
}
