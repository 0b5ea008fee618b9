/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What mainline's x86 handler pays on every memory event: a full rebuild of
 * the elfcorehdr (crash_prepare_elf64_headers) and the copy over the old one,
 * for 64 / 1024 / 8192 memory ranges and 64 / 8192 possible CPUs.  Also the
 * cost of reading and validating such a header.  This is the anchor the
 * robust policy's per-event cost will be set against (issue 3): until that
 * policy exists this table has no ratio column.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "crashhp/elfcore.h"

#define ROUNDS 201


int main(void)
{
	static const unsigned ranges[] = { 64, 1024, 8192 };
	static const unsigned cpus[] = { 64, 8192 };
	static uint64_t t_build[ROUNDS], t_parse[ROUNDS];

	printf("mainline x86 per-event cost: rebuild + copy of the whole elfcorehdr\n");
	printf("%7s %6s %9s | %12s %12s | %12s %12s\n", "ranges", "cpus", "hdr KiB",
	       "rebuild med", "rebuild p99", "parse med", "parse p99");
	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		for (size_t c = 0; c < sizeof(cpus) / sizeof(cpus[0]); c++) {
			size_t size = chp_elfcore_segment_size(cpus[c], 8192), len = 0;
			uint8_t *scratch = malloc(size), *segment = calloc(1, size);
			struct chp_note_loc *notes = calloc(cpus[c], sizeof(*notes));
			struct chp_ranges *mem;

			chp_ranges_new(&mem);
			for (unsigned i = 0; i < ranges[r]; i++)
				chp_ranges_add(mem, (struct chp_range){ 0x100000000ull + i * 0x10000000ull,
					0x100000000ull + i * 0x10000000ull + 0x7ffffffull });
			for (unsigned i = 0; i < cpus[c]; i++)
				notes[i] = (struct chp_note_loc){ 0x4000000 + i * 384ull, 368 };
			struct chp_elfcore_desc d = { CHP_ARCH_X86_64, notes, cpus[c],
				{ 0x2c00000, 4132 }, NULL, mem, 0, false, 0, NULL };
			for (int k = 0; k < ROUNDS; k++) {
				uint64_t t0 = now_ns();
				if (chp_elfcore_build(scratch, size, &d, &len))
					return 1;
				memcpy(segment, scratch, len);
				uint64_t t1 = now_ns();
				struct chp_elfcore *core;
				if (chp_elfcore_open_buffer(&core, segment, len, CHP_ELFCORE_HEADER))
					return 1;
				chp_elfcore_free(core);
				t_build[k] = t1 - t0;
				t_parse[k] = now_ns() - t1;
			}
			qsort(t_build, ROUNDS, sizeof(uint64_t), cmp_u64);
			qsort(t_parse, ROUNDS, sizeof(uint64_t), cmp_u64);
			printf("%7u %6u %9zu | %10.1f us %10.1f us | %10.1f us %10.1f us\n", ranges[r],
			       cpus[c], size / 1024, t_build[ROUNDS / 2] / 1e3,
			       t_build[ROUNDS * 99 / 100] / 1e3, t_parse[ROUNDS / 2] / 1e3,
			       t_parse[ROUNDS * 99 / 100] / 1e3);
			chp_ranges_free(mem);
			free(notes);
			free(scratch);
			free(segment);
		}
	}
	return 0;
}
