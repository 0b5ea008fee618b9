/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "verify_internal.h"

#define CHUNK (1u << 20)

struct data_check {
	struct chp_verify_report *r;
	const struct chp_machine *m;
	const struct chp_verify_file *f;
	uint8_t *want;
	uint8_t *got;
	const struct chp_progress *progress;
	uint64_t planned;        /* bytes the comparison will read, for the progress */
	/* Wrong bytes found so far and not yet reported, coalesced. */
	bool pending;
	struct chp_range wrong;
	size_t wrong_phdr;
};

static int flush_wrong(struct data_check *dc)
{
	if (!dc->pending)
		return 0;
	dc->pending = false;
	return chp_report_add(dc->r, CHP_FINDING_DATA_WRONG, dc->wrong, 0,
			      "program header %zu (LOAD): contents of [%#" PRIx64 ", %#" PRIx64
			      "] differ from the machine's memory", dc->wrong_phdr, dc->wrong.start,
			      dc->wrong.last);
}

static int note_wrong(struct data_check *dc, size_t phdr, uint64_t start, uint64_t len)
{
	if (dc->pending && dc->wrong_phdr == phdr && dc->wrong.last + 1 == start) {
		dc->wrong.last += len;
		return 0;
	}
	int err = flush_wrong(dc);
	dc->pending = true;
	dc->wrong = (struct chp_range){ start, start + len - 1 };
	dc->wrong_phdr = phdr;
	return err;
}

/* Compare [paddr, paddr+len) of memory with the file, len <= CHUNK. */
static int compare(struct data_check *dc, size_t phdr, const struct chp_elf_phdr *ph,
		   uint64_t paddr, size_t len)
{
	int err = chp_verify_file_read(dc->f, ph->offset + (paddr - ph->paddr), dc->got, len);

	if (!err)
		err = chp_machine_read_phys(dc->m, paddr, dc->want, len);
	if (err)
		return err;
	dc->r->sum.bytes_checked += len;
	if (dc->progress->fn)
		dc->progress->fn(dc->progress->ctx, dc->r->sum.bytes_checked, dc->planned);
	if (!memcmp(dc->want, dc->got, len))
		return 0;
	/* Narrow the difference down to pages. */
	for (size_t off = 0; off < len && !err;) {
		size_t n = (size_t)(CHP_PAGE_SIZE - (paddr + off) % CHP_PAGE_SIZE);
		if (n > len - off)
			n = len - off;
		if (memcmp(dc->want + off, dc->got + off, n))
			err = note_wrong(dc, phdr, paddr + off, n);
		off += n;
	}
	return err;
}

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int check_piece(struct data_check *dc, size_t phdr, const struct chp_elf_phdr *ph,
		       struct chp_range piece, uint64_t budget_pages, uint64_t total_pages,
		       const struct chp_verify_options *opt)
{
	uint64_t len = chp_range_size(piece);
	uint64_t pages = (len + CHP_PAGE_SIZE - 1) / CHP_PAGE_SIZE;
	uint64_t want;
	int err = 0;

	if (!budget_pages) {
		for (uint64_t off = 0; off < len && !err; off += CHUNK)
			err = compare(dc, phdr, ph, piece.start + off,
				      (size_t)(len - off < CHUNK ? len - off : CHUNK));
		return err;
	}
	/* A share of the sample proportional to size, and always both ends. */
	want = (uint64_t)((long double)pages * budget_pages / total_pages) + 2;
	if (want >= pages) {
		for (uint64_t off = 0; off < len && !err; off += CHUNK)
			err = compare(dc, phdr, ph, piece.start + off,
				      (size_t)(len - off < CHUNK ? len - off : CHUNK));
		return err;
	}
	for (uint64_t j = 0; j < want && !err; j++) {
		uint64_t page = j == 0 ? 0 : j == 1 ? pages - 1
			       : mix(opt->seed ^ piece.start ^ (j * 0x9e3779b97f4a7c15ull)) % pages;
		uint64_t start = piece.start + page * CHP_PAGE_SIZE;
		uint64_t n = piece.last - start + 1 < CHP_PAGE_SIZE ? piece.last - start + 1
								    : CHP_PAGE_SIZE;
		err = compare(dc, phdr, ph, start, (size_t)n);
	}
	return err;
}

int chp_verify_data(struct chp_verify_report *r, const struct chp_machine *m,
		    const struct chp_elfcore *core, const struct chp_verify_file *f,
		    const struct chp_verify_options *opt)
{
	struct data_check dc = { .r = r, .m = m, .f = f, .progress = &opt->progress };
	struct chp_ranges *load = NULL, *piece = NULL;
	uint64_t total = 0;
	int err = chp_ranges_new(&load);

	if (!err)
		err = chp_ranges_new(&piece);
	dc.want = malloc(CHUNK);
	dc.got = malloc(CHUNK);
	if (!err && (!dc.want || !dc.got))
		err = chp_fail(-ENOMEM, "out of memory comparing contents");
	/* Only present memory can be compared: absent memory is reported already. */
	for (int pass = 0; pass < 2 && !err; pass++) {
		uint64_t budget = 0, total_pages = total / CHP_PAGE_SIZE + 1;

		if (pass == 1 && total > opt->exhaustive_limit) {
			budget = opt->sample_pages ? opt->sample_pages : 1;
			r->sum.sampled = true;
		}
		/* The sample, about: its pages and both ends of each piece. */
		dc.planned = budget ? (budget + 2 * chp_elfcore_phnum(core)) * CHP_PAGE_SIZE : total;
		if (dc.planned > total)
			dc.planned = total;
		for (size_t i = 0; i < chp_elfcore_phnum(core) && !err; i++) {
			const struct chp_elf_phdr *ph = chp_elfcore_phdr(core, i);

			if (ph->type != CHP_PT_LOAD || ph->filesz == 0)
				continue;
			chp_ranges_clear(load);
			err = chp_ranges_add(load, (struct chp_range){ ph->paddr,
							ph->paddr + ph->filesz - 1 });
			if (!err)
				err = chp_ranges_intersect(piece, load, chp_machine_present_memory(m));
			for (size_t k = 0; !err && k < chp_ranges_count(piece); k++) {
				struct chp_range p = *chp_ranges_at(piece, k);
				if (pass == 0)
					total += chp_range_size(p);
				else
					err = check_piece(&dc, i, ph, p, budget, total_pages, opt);
			}
		}
	}
	if (!err)
		err = flush_wrong(&dc);
	free(dc.want);
	free(dc.got);
	chp_ranges_free(load);
	chp_ranges_free(piece);
	return err;
}
