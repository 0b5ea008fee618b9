/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashhp inspect of a makedumpfile dump (kdump-compressed, or flattened). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/kdump.h"
#include "progress.h"
#include "tool.h"

/* The bytes of RAM range `ram` that the file holds. */
static uint64_t dumped_in(const struct chp_ranges *dumped, struct chp_range ram)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < chp_ranges_count(dumped); i++) {
		struct chp_range d = *chp_ranges_at(dumped, i);
		uint64_t s = d.start > ram.start ? d.start : ram.start;
		uint64_t l = d.last < ram.last ? d.last : ram.last;
		if (s <= l)
			bytes += l - s + 1;
	}
	return bytes;
}

static void print_human(const char *path, const struct chp_kdump *k)
{
	const struct chp_kdump_info *in = chp_kdump_info(k);
	const struct chp_ranges *ram = chp_kdump_ram(k), *dumped = chp_kdump_dumped(k);
	char b1[32], b2[32], b3[32];

	printf("%s: kdump-compressed dump (makedumpfile; %s header version %u)%s\n", tool_name(path),
	       in->format[0] ? tool_name(in->format) : "diskdump", in->header_version,
	       in->flattened ? ", read from its flattened form (-F)" : "");
	if (in->arch_known || in->release[0] || in->nodename[0])
		printf("  kernel       %s, %s, node %s\n", tool_name(in->release),
		       in->arch_known ? chp_arch_name(in->arch) : "no architecture named",
		       tool_name(in->nodename));
	else
		printf("  kernel       not recorded: the utsname is empty (makedumpfile writes none "
		       "without VMCOREINFO)\n");
	printf("  pages        %u bytes, %" PRIu64 " pages described; dump level %u (makedumpfile -d)\n",
	       in->page_size, in->max_pfn, in->dump_level);
	if (in->split)
		printf("  split        one file of makedumpfile --split: pfn %#" PRIx64 "-%#" PRIx64
		       " (its pages only)\n", in->split_start_pfn, in->split_end_pfn);
	printf("  notes        %u NT_PRSTATUS (one per CPU online at the crash), VMCOREINFO %s\n",
	       in->cpus, in->vmcoreinfo ? "present" : "MISSING");
	printf("  memory       %s of RAM in %zu ranges; %s in the file, %s %s\n",
	       tool_format_size(in->ram_bytes, b1), chp_ranges_count(ram),
	       tool_format_size(in->dumped_bytes, b2),
	       tool_format_size(in->ram_bytes - in->dumped_bytes, b3),
	       in->split ? "filtered out or in the split's other files" : "filtered out");
	for (size_t i = 0; i < chp_ranges_count(ram); i++) {
		struct chp_range r = *chp_ranges_at(ram, i);
		printf("  RAM          [0x%016" PRIx64 "-0x%016" PRIx64 "] %10s, %10s dumped\n", r.start,
		       r.last, tool_format_size(chp_range_size(r), b1),
		       tool_format_size(dumped_in(dumped, r), b2));
	}
}

static void print_json(const char *path, const struct chp_kdump *k)
{
	const struct chp_kdump_info *in = chp_kdump_info(k);
	const struct chp_ranges *ram = chp_kdump_ram(k), *dumped = chp_kdump_dumped(k);
	struct json j;

	json_begin(&j, stdout);
	json_string(&j, "file", path);
	json_string(&j, "kind", "kdump-compressed");
	json_string(&j, "format", in->format);
	json_bool(&j, "flattened", in->flattened);
	json_uint(&j, "header_version", in->header_version);
	json_string(&j, "release", in->release);
	if (in->arch_known)
		json_string(&j, "arch", chp_arch_name(in->arch));
	else
		json_null(&j, "arch");
	json_string(&j, "nodename", in->nodename);
	json_uint(&j, "page_size", in->page_size);
	json_uint(&j, "max_pfn", in->max_pfn);
	json_uint(&j, "dump_level", in->dump_level);
	json_bool(&j, "split", in->split);
	if (in->split) {
		json_uint(&j, "split_start_pfn", in->split_start_pfn);
		json_uint(&j, "split_end_pfn", in->split_end_pfn);
	}
	json_uint(&j, "prstatus_notes", in->cpus);
	json_bool(&j, "vmcoreinfo", in->vmcoreinfo);
	json_uint(&j, "ram_bytes", in->ram_bytes);
	json_uint(&j, "dumped_bytes", in->dumped_bytes);
	json_array_open(&j, "ram");
	for (size_t i = 0; i < chp_ranges_count(ram); i++) {
		struct chp_range r = *chp_ranges_at(ram, i);
		json_object_open(&j, NULL);
		json_hex(&j, "start", r.start);
		json_hex(&j, "last", r.last);
		json_uint(&j, "dumped_bytes", dumped_in(dumped, r));
		json_object_close(&j);
	}
	json_array_close(&j);
	json_end(&j);
}

int inspect_kdump(const char *path, int fd, bool flattened, bool as_json, struct tool_progress *prog)
{
	struct chp_kdump *k;
	struct chp_progress hook = tool_progress_hook(prog);
	int err = chp_kdump_open_fd(&k, fd, path, flattened, &hook);

	tool_progress_end(prog);
	if (err) {
		tool_error("%s", tool_why());
		return tool_input_exit(err);
	}
	if (as_json)
		print_json(path, k);
	else
		print_human(path, k);
	chp_kdump_free(k);
	return EXIT_OK;
}
