/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The judge reads a header as the real readers do (lib/verify_phdr.c): each
 * test breaks one rule in the loaded elfcorehdr, in place, and crashes the
 * lab machine; the capture (no dump) or the judge (an incomplete dump) must
 * say so.  The tests of robust (test_robust) show robust's own headers pass
 * the same judge after every store.
 *
 *   x86_64, 4 possible CPUs, 2 online, 4 GiB:
 *   [0] [1] [2] [3] NOTE per CPU   [4] NOTE vmcoreinfo   [5] LOAD kernel text
 *   [6] LOAD [1M, 2G-crashkernel...)   [7] LOAD [4G, 6G)  ...
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "hplab.h"
#include "crashhp/capture.h"
#include "crashhp/elfcore.h"
#include "crashhp/verify.h"

#define P_TYPE 0
#define P_OFFSET 8
#define P_VADDR 16
#define P_PADDR 24
#define P_FILESZ 32
#define P_MEMSZ 40

static uint64_t header_base(struct hplab *l)
{
	struct chp_segment_info s;
	size_t i;

	assert_int_equal(chp_kimage_elfcorehdr_index(l->img, &i), 0);
	assert_int_equal(chp_kimage_segment(l->img, i, &s), 0);
	return s.paddr;
}

static bool big(struct hplab *l)
{
	return chp_arch_big_endian(chp_machine_arch(l->m));
}

static uint64_t get64(struct hplab *l, uint64_t paddr)
{
	uint8_t b[8];
	uint64_t v = 0;

	assert_int_equal(chp_kimage_read(l->img, paddr, b, 8), 0);
	for (int k = 0; k < 8; k++)
		v |= (uint64_t)b[big(l) ? k : 7 - k] << (56 - 8 * k);
	return v;
}

static void put64(struct hplab *l, uint64_t paddr, uint64_t v)
{
	uint8_t b[8];

	for (int k = 0; k < 8; k++)
		b[big(l) ? 7 - k : k] = (uint8_t)(v >> 8 * k);
	assert_int_equal(chp_kimage_unprotect(l->img), 0);
	assert_int_equal(chp_kimage_store(l->img, paddr, b, 8), 0);
	assert_int_equal(chp_kimage_protect(l->img), 0);
}

/* (p_type, p_flags) as one 8-byte word, in the header's byte order. */
static void put_type(struct hplab *l, uint64_t ph, uint32_t type, uint32_t flags)
{
	put64(l, ph, big(l) ? (uint64_t)type << 32 | flags : (uint64_t)flags << 32 | type);
}

static uint32_t get_type(struct hplab *l, uint64_t ph)
{
	uint64_t w = get64(l, ph);

	return big(l) ? (uint32_t)(w >> 32) : (uint32_t)w;
}

static unsigned phnum(struct hplab *l)
{
	uint8_t b[2];

	assert_int_equal(chp_kimage_read(l->img, header_base(l) + 56, b, 2), 0);
	return big(l) ? (unsigned)(b[0] << 8 | b[1]) : (unsigned)(b[1] << 8 | b[0]);
}

static uint64_t phdr(struct hplab *l, unsigned i)
{
	return header_base(l) + 64 + 56ull * i;
}

/* The n-th program header of `type` (RAM LOADs: vaddr below the kernel map). */
static uint64_t nth(struct hplab *l, uint32_t type, unsigned n, bool ram)
{
	for (unsigned i = 0; i < phnum(l); i++) {
		uint64_t ph = phdr(l, i);
		bool is_ram = get64(l, ph + P_VADDR) < 0xffffffff80000000ull ||
			      chp_machine_arch(l->m) != CHP_ARCH_X86_64;
		if (get_type(l, ph) == type && (type != CHP_PT_LOAD || is_ram == ram) && n-- == 0)
			return ph;
	}
	fail_msg("no such program header");
	return 0;
}

/* The RAM LOAD highest in memory (nothing above it but absent memory). */
static uint64_t top_ram(struct hplab *l)
{
	uint64_t best = 0;

	for (unsigned n = 0;; n++) {
		uint64_t ph = 0;
		for (unsigned i = 0, k = n; i < phnum(l) && !ph; i++) {
			uint64_t p = phdr(l, i);
			if (get_type(l, p) == CHP_PT_LOAD && get64(l, p + P_VADDR) < 0xffffffff80000000ull &&
			    k-- == 0)
				ph = p;
		}
		if (!ph)
			return best;
		if (!best || get64(l, ph + P_PADDR) > get64(l, best + P_PADDR))
			best = ph;
	}
}

static struct hplab robust_x86(void)
{
	struct hplab l;

	hplab_up(&l, CHP_ARCH_X86_64, 4 * GiB, CHP_POLICY_ROBUST);
	return l;
}

static struct chp_dump_result expect_incomplete(struct hplab *l, const char *why)
{
	struct chp_dump_result d = hplab_crash(l);

	if (!d.taken || d.complete || !strstr(d.why, why))
		fail_msg("taken %d complete %d, why '%s'; expected a dump failing with '%s'", d.taken,
			 d.complete, d.why, why);
	return d;
}

static void expect_no_dump(struct hplab *l, const char *why)
{
	struct chp_dump_result d = hplab_crash(l);

	if (d.taken || !strstr(d.why, why))
		fail_msg("taken %d, why '%s'; expected no dump with '%s'", d.taken, d.why, why);
}

/*
 * The header as a file, judged by chp_verify_file(): a finding of `kind`, or
 * (when `or_refused`) the file refused whole.
 */
static void expect_file_rejected(struct hplab *l, enum chp_finding_kind kind, bool or_refused)
{
	char dir[] = "/tmp/crashhp-phdr-XXXXXX", path[64];
	struct chp_segment_info s;
	struct chp_verify_report *r;
	size_t i, n = 0;
	uint8_t *b;
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/elfcorehdr", dir);
	assert_int_equal(chp_kimage_elfcorehdr_index(l->img, &i), 0);
	assert_int_equal(chp_kimage_segment(l->img, i, &s), 0);
	b = malloc(s.bufsz);
	assert_int_equal(chp_kimage_read(l->img, s.paddr, b, s.bufsz), 0);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_int_equal(write(fd, b, s.bufsz), (ssize_t)s.bufsz);
	close(fd);
	free(b);
	int err = chp_verify_file(&r, l->m, path, NULL);
	unlink(path);
	rmdir(dir);
	if (err && or_refused)
		return;
	assert_int_equal(err, 0);
	for (size_t k = 0; k < chp_verify_report_count(r); k++)
		n += chp_verify_report_at(r, k)->kind == kind;
	if (!n)
		fail_msg("no %s finding in the header file", chp_finding_kind_name(kind));
	chp_verify_report_free(r);
	rmdir(dir);
}

/* vmcore.c reads old memory at p_offset: another range there is other memory. */
static void test_verify_phdr__ram_offset_is_paddr(void **state)
{
	struct hplab l = robust_x86();
	uint64_t ph = nth(&l, CHP_PT_LOAD, 1, true);

	assert_true(hplab_crash(&l).complete);
	put64(&l, ph + P_OFFSET, get64(&l, ph + P_PADDR) + 128 * MiB);
	expect_incomplete(&l, "p_offset differs from p_paddr");
	/* as a file it no longer reads as an elfcorehdr: refused whole */
	expect_file_rejected(&l, CHP_FINDING_MISREAD, true);
	hplab_down(&l);
}

/*
 * ppc64's backup LOAD with p_offset 0, as crash_prepare_elf64_headers() writes
 * it before sync_backup_region_phdr() (an update without the 2026-03 fix
 * "crash: Update backup region offset in elfcorehdr on memory hotplug"):
 * vmcore.c reads [0, 64 KiB) where the capture kernel now runs.  The header
 * judge says so; a vmcore written from it holds the capture kernel's bytes
 * there, which the file's own comparison finds.
 */
static void test_verify_phdr__ppc64_backup_offset_zero_reads_capture_kernel(void **state)
{
	char dir[] = "/tmp/crashhp-backup-XXXXXX", path[64];
	struct chp_capture_info info;
	struct chp_verify_report *r;
	struct hplab l;
	size_t wrong = 0;

	hplab_up(&l, CHP_ARCH_PPC64, 1 * GiB, CHP_POLICY_MAINLINE);
	uint64_t ph = nth(&l, CHP_PT_LOAD, 0, true);
	assert_int_equal(get64(&l, ph + P_PADDR), 0);
	assert_int_equal(get64(&l, ph + P_MEMSZ), 0x10000);
	assert_true(hplab_crash(&l).complete);
	put64(&l, ph + P_OFFSET, 0);
	expect_incomplete(&l, "p_offset in [0, 64 KiB)");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vmcore", dir);
	assert_int_equal(chp_capture_vmcore(l.m, l.img, path, &info), 0);
	assert_int_equal(chp_verify_file(&r, l.m, path, NULL), 0);
	for (size_t k = 0; k < chp_verify_report_count(r); k++) {
		const struct chp_finding *f = chp_verify_report_at(r, k);
		if (f->kind == CHP_FINDING_DATA_WRONG && f->range.start == 0)
			wrong++;
	}
	assert_int_equal(wrong, 1);
	chp_verify_report_free(r);
	unlink(path);
	rmdir(dir);
	hplab_down(&l);
}

/* makedumpfile and crash read zeros past p_filesz: the tail is missing. */
static void test_verify_phdr__ram_filesz_short(void **state)
{
	struct hplab l = robust_x86();
	uint64_t ph = top_ram(&l);

	put64(&l, ph + P_FILESZ, get64(&l, ph + P_MEMSZ) - 128 * MiB);
	struct chp_dump_result d = expect_incomplete(&l, "online memory missing");
	assert_int_equal(d.missing_bytes, 128 * MiB);
	expect_file_rejected(&l, CHP_FINDING_MISSING_MEMORY, false);
	hplab_down(&l);
}

/* vmcore.c reads all of p_memsz: past the machine's memory it reads absent memory. */
static void test_verify_phdr__ram_memsz_reads_absent(void **state)
{
	struct hplab l = robust_x86();
	uint64_t ph = top_ram(&l);

	put64(&l, ph + P_MEMSZ, get64(&l, ph + P_MEMSZ) + GiB);
	struct chp_dump_result d = expect_incomplete(&l, "absent memory included");
	assert_int_equal(d.absent_bytes, GiB);
	hplab_down(&l);
}

/* crash and makedumpfile translate the kernel's addresses through p_vaddr. */
static void test_verify_phdr__ram_vaddr_is_direct_map(void **state)
{
	enum chp_arch arches[] = { CHP_ARCH_X86_64, CHP_ARCH_PPC64 };

	for (size_t a = 0; a < 2; a++) {
		struct hplab l;
		hplab_up(&l, arches[a], 4 * GiB, CHP_POLICY_ROBUST);
		/* the robust mutant: p_vaddr = p_paddr in a RAM LOAD (ppc64: past the backup's) */
		uint64_t ph = nth(&l, CHP_PT_LOAD, 1, true);
		put64(&l, ph + P_VADDR, get64(&l, ph + P_PADDR));
		expect_incomplete(&l, "p_vaddr is not the direct map's address");
		expect_file_rejected(&l, CHP_FINDING_MISREAD, false);
		hplab_down(&l);
	}
}

static void test_verify_phdr__ram_flags_rwx(void **state)
{
	struct hplab l = robust_x86();
	uint64_t ph = nth(&l, CHP_PT_LOAD, 0, true);

	put_type(&l, ph, CHP_PT_LOAD, CHP_PF_R);
	expect_incomplete(&l, "p_flags is not RWX");
	hplab_down(&l);
}

/* The kernel-text LOAD is judged by the same fields. */
static void test_verify_phdr__text_offset_and_filesz(void **state)
{
	for (int field = 0; field < 2; field++) {
		struct hplab l = robust_x86();
		uint64_t ph = nth(&l, CHP_PT_LOAD, 0, false);
		if (field == 0)
			put64(&l, ph + P_OFFSET, get64(&l, ph + P_OFFSET) + 4096);
		else
			put64(&l, ph + P_FILESZ, get64(&l, ph + P_FILESZ) - 4096);
		expect_incomplete(&l, "kernel-text");
		hplab_down(&l);
	}
}

/*
 * crash(8) reads every header after the first as a load: a PT_NULL that kept
 * its old range is read at its p_offset.  One with every field 0 spans
 * nothing and passes.
 */
static void test_verify_phdr__free_slot_spans_nothing(void **state)
{
	struct hplab l = robust_x86();
	unsigned count = phnum(&l);
	uint64_t slot = phdr(&l, count), ph = nth(&l, CHP_PT_LOAD, 1, true);
	uint8_t e[2] = { (uint8_t)(count + 1), (uint8_t)((count + 1) >> 8) }; /* little-endian */

	/* One more slot past the last, all zeros: a free slot as robust leaves one. */
	assert_int_equal(chp_kimage_unprotect(l.img), 0);
	assert_int_equal(chp_kimage_store(l.img, header_base(&l) + 56, e, 2), 0);
	assert_int_equal(chp_kimage_protect(l.img), 0);
	assert_int_equal(phnum(&l), count + 1);
	assert_true(hplab_crash(&l).complete);
	/* The same slot still holding a range it once described. */
	put64(&l, slot + P_OFFSET, get64(&l, ph + P_PADDR));
	put64(&l, slot + P_PADDR, get64(&l, ph + P_PADDR));
	put64(&l, slot + P_MEMSZ, get64(&l, ph + P_MEMSZ));
	expect_incomplete(&l, "not a LOAD, yet it spans memory");
	expect_file_rejected(&l, CHP_FINDING_MISREAD, false);
	hplab_down(&l);
}

/* A PT_NOTE of size 0: the capture kernel kmalloc(0)s and reads through it. */
static void test_verify_phdr__note_of_size_zero(void **state)
{
	struct hplab l = robust_x86();
	uint64_t ph = nth(&l, CHP_PT_NOTE, 3, false); /* CPU 3: possible, not present */

	put64(&l, ph + P_FILESZ, 0);
	put64(&l, ph + P_MEMSZ, 0);
	expect_no_dump(&l, "a PT_NOTE of size 0");
	expect_file_rejected(&l, CHP_FINDING_MISREAD, false);
	hplab_down(&l);
}

/* A PT_NULL among the notes: vmcore.c drops headers after the first note by count. */
static void test_verify_phdr__null_among_notes(void **state)
{
	struct hplab l = robust_x86();
	uint64_t ph = nth(&l, CHP_PT_NOTE, 3, false);

	for (unsigned off = P_OFFSET; off <= P_MEMSZ; off += 8)
		put64(&l, ph + off, 0);
	put_type(&l, ph, 0 /* PT_NULL */, 0);
	expect_no_dump(&l, "a PT_NOTE after program header 3");
	expect_file_rejected(&l, CHP_FINDING_MISREAD, false);
	hplab_down(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_phdr__ram_offset_is_paddr),
		cmocka_unit_test(test_verify_phdr__ram_filesz_short),
		cmocka_unit_test(test_verify_phdr__ram_memsz_reads_absent),
		cmocka_unit_test(test_verify_phdr__ram_vaddr_is_direct_map),
		cmocka_unit_test(test_verify_phdr__ram_flags_rwx),
		cmocka_unit_test(test_verify_phdr__text_offset_and_filesz),
		cmocka_unit_test(test_verify_phdr__free_slot_spans_nothing),
		cmocka_unit_test(test_verify_phdr__note_of_size_zero),
		cmocka_unit_test(test_verify_phdr__ppc64_backup_offset_zero_reads_capture_kernel),
		cmocka_unit_test(test_verify_phdr__null_among_notes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
