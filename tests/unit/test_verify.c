/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <cmocka.h>

#include "labfile.h"
#include "crashhp/elfcore.h"
#include "crashhp/error.h"
#include "crashhp/verify.h"

static struct chp_verify_report *verify(const struct chp_machine *m, const char *path,
					const struct chp_verify_options *opt)
{
	struct chp_verify_report *r = NULL;

	if (chp_verify_file(&r, m, path, opt))
		fail_msg("%s", chp_last_error());
	return r;
}

static size_t count_kind(const struct chp_verify_report *r, enum chp_finding_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < chp_verify_report_count(r); i++)
		n += chp_verify_report_at(r, i)->kind == kind;
	return n;
}

static const struct chp_finding *first_of(const struct chp_verify_report *r,
					  enum chp_finding_kind kind)
{
	for (size_t i = 0; i < chp_verify_report_count(r); i++)
		if (chp_verify_report_at(r, i)->kind == kind)
			return chp_verify_report_at(r, i);
	fail_msg("no %s finding", chp_finding_kind_name(kind));
	return NULL;
}

static void patch_file(const char *path, uint64_t off, uint8_t xor_with)
{
	int fd = open(path, O_RDWR);
	uint8_t b;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
	b ^= xor_with;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
	close(fd);
}

/* Write the loaded elfcorehdr into the lab's directory; its path into `path`. */
static void write_header(struct lab *l, char path[160])
{
	struct chp_segment_info s;
	size_t i;
	uint8_t *b;
	FILE *f;

	snprintf(path, 160, "%s/elfcorehdr", l->dir);
	assert_int_equal(chp_kimage_elfcorehdr_index(l->img, &i), 0);
	assert_int_equal(chp_kimage_segment(l->img, i, &s), 0);
	b = malloc(s.bufsz);
	assert_int_equal(chp_kimage_read(l->img, s.paddr, b, s.bufsz), 0);
	f = fopen(path, "wb");
	assert_int_equal(fwrite(b, 1, s.bufsz, f), s.bufsz);
	fclose(f);
	free(b);
}

static void test_verify__complete_dump_has_no_findings(void **state)
{
	enum chp_arch arches[] = { CHP_ARCH_X86_64, CHP_ARCH_PPC64LE, CHP_ARCH_PPC64 };

	for (size_t a = 0; a < 3; a++) {
		struct lab l;
		struct chp_capture_info info;

		lab_up(&l, arches[a], 512 * MiB, 4, 3);
		lab_crash(&l, &info);
		struct chp_verify_report *r = verify(l.m, l.path, NULL);
		const struct chp_verify_summary *s = chp_verify_report_summary(r);
		assert_true(chp_verify_report_complete(r));
		assert_int_equal(s->kind, CHP_ELFCORE_VMCORE);
		assert_int_equal(s->cpu_notes_found, 3);
		assert_int_equal(s->expected_bytes, s->covered_bytes);
		assert_false(s->sampled);
		/* Every byte of every LOAD compared, the kernel text too on x86_64. */
		assert_int_equal(s->bytes_checked, info.load_bytes);
		chp_verify_report_free(r);
		lab_down(&l);
	}
}

static void test_verify__header_checked_for_coverage_and_notes(void **state)
{
	struct lab l;
	char hdr[160];

	lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 4, 3);
	write_header(&l, hdr);
	struct chp_verify_report *r = verify(l.m, hdr, NULL);
	assert_true(chp_verify_report_complete(r));
	assert_int_equal(chp_verify_report_summary(r)->kind, CHP_ELFCORE_HEADER);
	assert_int_equal(chp_verify_report_summary(r)->cpu_notes_found, 3);
	chp_verify_report_free(r);
	lab_down(&l);
}

static struct chp_machine *machine_with(uint64_t ram, unsigned online)
{
	struct chp_lab_spec s;
	struct chp_machine *m;

	chp_lab_spec_init(&s, CHP_ARCH_X86_64);
	s.boot_ram = ram;
	s.crashkernel_size = 128 * MiB;
	s.cpus_possible = 4;
	s.cpus_present = online;
	s.cpus_online = online;
	assert_int_equal(chp_machine_new_lab(&m, &s), 0);
	return m;
}

/*
 * A header for 4 GiB judged against a 6 GiB machine: the 2 GiB above it are
 * missing.  Judged the other way: 2 GiB of absent memory included.
 *   4 GiB machine: [1M .. 2G) + [4G .. 6G)
 *   6 GiB machine: [1M .. 2G) + [4G .. 8G)
 */
static void test_verify__stale_header_missing_and_absent(void **state)
{
	struct lab l;
	char hdr[160];

	lab_up(&l, CHP_ARCH_X86_64, 4 * GiB, 4, 2);
	write_header(&l, hdr);
	struct chp_machine *bigger = machine_with(6 * GiB, 2);
	struct chp_verify_report *r = verify(bigger, hdr, NULL);
	assert_int_equal(chp_verify_report_count(r), 1);
	const struct chp_finding *f = first_of(r, CHP_FINDING_MISSING_MEMORY);
	assert_int_equal(f->range.start, 6 * GiB);
	assert_int_equal(f->range.last, 8 * GiB - 1);
	assert_int_equal(chp_verify_report_summary(r)->missing_bytes, 2 * GiB);
	chp_verify_report_free(r);
	chp_machine_free(bigger);
	lab_down(&l);

	lab_up(&l, CHP_ARCH_X86_64, 6 * GiB, 4, 2);
	write_header(&l, hdr);
	struct chp_machine *smaller = machine_with(4 * GiB, 2);
	r = verify(smaller, hdr, NULL);
	assert_int_equal(chp_verify_report_count(r), 1);
	f = first_of(r, CHP_FINDING_ABSENT_MEMORY);
	assert_int_equal(f->range.start, 6 * GiB);
	assert_int_equal(chp_verify_report_summary(r)->absent_bytes, 2 * GiB);
	chp_verify_report_free(r);
	chp_machine_free(smaller);
	lab_down(&l);
}

/* An offline block still listed is reported as offline, not as absent. */
static void test_verify__offline_block_included(void **state)
{
	struct lab l;
	char hdr[160];

	lab_up(&l, CHP_ARCH_X86_64, 4 * GiB, 2, 2);
	write_header(&l, hdr);
	/* Block 40 is [5 GiB, 5 GiB + 128 MiB). */
	assert_int_equal(chp_machine_set_block_online(l.m, 40, false), 0);
	assert_int_equal(chp_machine_set_block_online(l.m, 16, false), -EINVAL); /* PCI hole */
	struct chp_verify_report *r = verify(l.m, hdr, NULL);
	assert_int_equal(chp_verify_report_count(r), 1);
	const struct chp_finding *f = first_of(r, CHP_FINDING_OFFLINE_MEMORY);
	assert_int_equal(f->range.start, 5 * GiB);
	assert_int_equal(f->range.last, 5 * GiB + 128 * MiB - 1);
	/* The kernel's own rule keeps it (still System RAM): a note, and complete. */
	assert_int_equal(chp_finding_class_of(f->kind), CHP_FINDING_NOTE);
	assert_true(chp_verify_report_complete(r));
	chp_verify_report_free(r);
	lab_down(&l);
}

/* A vmcore taken with 2 CPUs online, judged against 4 online: 2 notes missing. */
static void test_verify__cpu_notes_missing(void **state)
{
	struct lab l;
	struct chp_capture_info info;

	lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 4, 2);
	lab_crash(&l, &info);
	struct chp_machine *more = machine_with(512 * MiB, 4);
	struct chp_verify_report *r = verify(more, l.path, NULL);
	/* Data differs too: the other machine's notes buffers are empty. */
	assert_int_equal(count_kind(r, CHP_FINDING_CPU_NOTE_MISSING), 2);
	assert_int_equal(first_of(r, CHP_FINDING_CPU_NOTE_MISSING)->cpu, 2);
	chp_verify_report_free(r);
	chp_machine_free(more);
	lab_down(&l);
}

/* One flipped byte of memory, one flipped register: each is found and placed. */
static void test_verify__wrong_contents_found(void **state)
{
	struct lab l;
	struct chp_capture_info info;
	struct chp_elfcore *core;
	uint8_t head[8192];
	FILE *f;

	lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 2, 2);
	lab_crash(&l, &info);
	f = fopen(l.path, "rb");
	assert_int_equal(fread(head, 1, sizeof(head), f), sizeof(head));
	fclose(f);
	assert_int_equal(chp_elfcore_open_buffer(&core, head, sizeof(head), CHP_ELFCORE_HEADER), 0);
	const struct chp_elf_phdr *ram = chp_elfcore_phdr(core, 2);
	uint64_t target = ram->paddr + 0x123456;
	patch_file(l.path, ram->offset + 0x123456, 0x40);
	/* pr_reg[3] of the first NT_PRSTATUS: note header 12 + "CORE" 8 + 112 + 24. */
	patch_file(l.path, chp_elfcore_phdr(core, 0)->offset + 12 + 8 + 112 + 24, 0x01);
	chp_elfcore_free(core);

	struct chp_verify_report *r = verify(l.m, l.path, NULL);
	assert_int_equal(chp_verify_report_count(r), 2);
	const struct chp_finding *d = first_of(r, CHP_FINDING_DATA_WRONG);
	assert_int_equal(d->range.start, target & ~0xfffull);
	assert_int_equal(d->range.last, (target & ~0xfffull) + 0xfff);
	const struct chp_finding *n = first_of(r, CHP_FINDING_CPU_NOTE_WRONG);
	assert_int_equal(n->cpu, 0);
	assert_non_null(strstr(n->detail, "register 3"));
	chp_verify_report_free(r);
	lab_down(&l);
}

/* Over the limit, a sample is compared; each LOAD's first and last page always. */
static void test_verify__sample_covers_load_ends(void **state)
{
	struct lab l;
	struct chp_capture_info info;
	struct chp_verify_options opt;

	lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 2, 2);
	lab_crash(&l, &info);
	chp_verify_options_init(&opt);
	opt.exhaustive_limit = MiB;
	opt.sample_pages = 64;
	struct chp_verify_report *r = verify(l.m, l.path, &opt);
	assert_true(chp_verify_report_complete(r));
	assert_true(chp_verify_report_summary(r)->sampled);
	assert_true(chp_verify_report_summary(r)->bytes_checked < 128 * 4096);
	chp_verify_report_free(r);

	/* Last byte of the file is the last page of the last LOAD. */
	patch_file(l.path, info.file_size - 1, 0xff);
	r = verify(l.m, l.path, &opt);
	assert_int_equal(count_kind(r, CHP_FINDING_DATA_WRONG), 1);
	chp_verify_report_free(r);
	lab_down(&l);
}

static void test_verify__wrong_arch_or_garbage_is_an_error(void **state)
{
	struct lab l;
	struct chp_capture_info info;
	struct chp_verify_report *r = NULL;
	char junk[160];

	lab_up(&l, CHP_ARCH_PPC64LE, 512 * MiB, 2, 2);
	lab_crash(&l, &info);
	struct chp_machine *x86 = machine_with(512 * MiB, 2);
	assert_int_equal(chp_verify_file(&r, x86, l.path, NULL), -EINVAL);
	assert_null(r);
	snprintf(junk, sizeof(junk), "%s/junk", l.dir);
	FILE *f = fopen(junk, "wb");
	fputs("not an ELF file at all, certainly not a core of any kind", f);
	fclose(f);
	assert_int_equal(chp_verify_file(&r, x86, junk, NULL), -EINVAL);
	assert_int_equal(chp_verify_file(&r, x86, "/nonexistent/vmcore", NULL), -ENOENT);
	chp_machine_free(x86);
	lab_down(&l);
}

/*
 * A real kernel randomizes its direct map (KASLR): RAM LOADs at another
 * vaddr - paddr than 0xffff888000000000 are still RAM, the kernel text
 * stays recognised by its place in the image map.
 */
static void test_verify__kaslr_direct_map(void **state)
{
	struct lab l;
	char hdr[160];
	uint8_t *b;
	FILE *f;
	long len;

	lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 2, 2);
	write_header(&l, hdr);
	f = fopen(hdr, "r+b");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	b = malloc((size_t)len);
	fseek(f, 0, SEEK_SET);
	assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
	uint16_t phnum = (uint16_t)(b[56] | b[57] << 8);
	for (unsigned i = 0; i < phnum; i++) {
		uint8_t *ph = b + 64 + 56 * i;
		uint64_t va = 0;
		for (int k = 0; k < 8; k++)
			va |= (uint64_t)ph[16 + k] << 8 * k;
		if (ph[0] == 1 && va < 0xffffffff80000000ull) {
			va += 0x1234000000ull; /* page_offset_base moved */
			for (int k = 0; k < 8; k++)
				ph[16 + k] = (uint8_t)(va >> 8 * k);
		}
	}
	fseek(f, 0, SEEK_SET);
	assert_int_equal(fwrite(b, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	free(b);
	struct chp_verify_report *r = verify(l.m, hdr, NULL);
	if (!chp_verify_report_complete(r))
		fail_msg("%s", chp_verify_report_at(r, 0)->detail);
	chp_verify_report_free(r);
	lab_down(&l);
}

/*
 * kexec-tools' x86 backup LOAD, as `kexec -p` (kexec_load) writes it: the
 * first System RAM range ending at or below 640 KiB (get_backup_area(),
 * kexec/arch/i386/crashdump-x86.c), p_filesz = p_memsz its size, p_offset
 * the page-aligned backup segment in the crashkernel (add_buffer() places
 * it top-down: the reservation's end less its size in pages).
 */
static struct chp_elf_phdr kexec_tools_backup(const struct chp_machine *m)
{
	const struct chp_ranges *ram = chp_machine_system_ram(m);
	const struct chp_range *ck = chp_ranges_at(chp_machine_crashkernel(m), 0);
	const struct chp_range *low = chp_ranges_at(ram, 0);
	uint64_t size = chp_range_size(*low);

	assert_true(low->last <= 0xa0000);
	return (struct chp_elf_phdr){ .type = CHP_PT_LOAD, .flags = CHP_PF_R | CHP_PF_W | CHP_PF_X,
				      .offset = ck->last + 1 - (size + 4095) / 4096 * 4096,
				      .vaddr = chp_machine_direct_map(m) + low->start,
				      .paddr = low->start, .filesz = size, .memsz = size };
}

/*
 * Insert `ph` into the file's program headers before its first RAM LOAD
 * (kexec-tools sorts them by address); `data`: its bytes, appended at the
 * file's end, page-aligned, p_offset set there (a vmcore).  In a vmcore the
 * table must have room before the first data.
 */
static void insert_phdr(const char *path, struct chp_elf_phdr ph, const void *data)
{
	int fd = open(path, O_RDWR);
	uint8_t head[64 + 56 * 64], *t;
	uint64_t phoff = 0, first_data = UINT64_MAX;
	unsigned phnum, at;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, head, 64, 0), 64);
	for (int k = 0; k < 8; k++)
		phoff |= (uint64_t)head[32 + k] << 8 * k;
	phnum = (unsigned)(head[56] | head[57] << 8);
	assert_int_equal(phoff, 64);
	assert_true(phnum < 63);
	t = head + 64;
	assert_int_equal(pread(fd, t, 56 * phnum, 64), (ssize_t)(56 * phnum));
	for (at = 0; at < phnum; at++) {
		uint64_t off = 0, filesz = 0;
		for (int k = 0; k < 8; k++) {
			off |= (uint64_t)t[56 * at + 8 + k] << 8 * k;
			filesz |= (uint64_t)t[56 * at + 32 + k] << 8 * k;
		}
		if (data && filesz && off < first_data)
			first_data = off;
	}
	for (at = 0; at < phnum; at++) {
		uint64_t va = 0;
		for (int k = 0; k < 8; k++)
			va |= (uint64_t)t[56 * at + 16 + k] << 8 * k;
		if (t[56 * at] == CHP_PT_LOAD && va < 0xffffffff80000000ull)
			break;
	}
	if (data) {
		off_t end = lseek(fd, 0, SEEK_END);
		assert_true(64 + 56 * (phnum + 1) <= first_data);
		ph.offset = ((uint64_t)end + 4095) / 4096 * 4096;
		assert_int_equal(pwrite(fd, data, ph.filesz, (off_t)ph.offset), (ssize_t)ph.filesz);
	}
	memmove(t + 56 * (at + 1), t + 56 * at, 56 * (phnum - at));
	uint64_t w[7] = { (uint64_t)ph.flags << 32 | ph.type, ph.offset, ph.vaddr, ph.paddr,
			  ph.filesz, ph.memsz, 0 };
	for (int f = 0; f < 7; f++)
		for (int k = 0; k < 8; k++)
			t[56 * at + 8 * f + k] = (uint8_t)(w[f] >> 8 * k);
	head[56] = (uint8_t)(phnum + 1);
	head[57] = (uint8_t)((phnum + 1) >> 8);
	size_t len = 64 + 56 * (phnum + 1);
	assert_int_equal(pwrite(fd, head, len, 0), (ssize_t)len);
	close(fd);
}

/* The exact shape: a note, the file complete, its range not excluded memory. */
static void test_verify__kexec_tools_backup_is_a_note(void **state)
{
	struct lab l;
	char hdr[160];

	lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 4, 3);
	write_header(&l, hdr);
	struct chp_elf_phdr b = kexec_tools_backup(l.m);
	assert_int_equal(b.paddr, 0x1000); /* the lab's first page is not System RAM */
	assert_int_equal(b.memsz, 0x9f000);
	insert_phdr(hdr, b, NULL);
	struct chp_verify_report *r = verify(l.m, hdr, NULL);
	/* Read as an elfcorehdr though one LOAD's p_offset is not its p_paddr. */
	assert_int_equal(chp_verify_report_summary(r)->kind, CHP_ELFCORE_HEADER);
	assert_int_equal(chp_verify_report_count(r), 1);
	const struct chp_finding *f = first_of(r, CHP_FINDING_KEXEC_TOOLS_BACKUP);
	assert_int_equal(chp_finding_class_of(f->kind), CHP_FINDING_NOTE);
	assert_int_equal(f->range.start, 0x1000);
	assert_int_equal(f->range.last, 0x9ffff);
	if (!strstr(f->detail, "program header 6:"))
		fail_msg("%s", f->detail);
	assert_true(chp_verify_report_complete(r));
	/* The low 1 MiB is no memory a header must hold: not counted as covered. */
	assert_int_equal(chp_verify_report_summary(r)->covered_bytes,
			 chp_verify_report_summary(r)->expected_bytes);
	chp_verify_report_free(r);
	lab_down(&l);
}

/* In a vmcore the capture kernel read it from the copy: the machine's bytes. */
static void test_verify__kexec_tools_backup_in_vmcore(void **state)
{
	struct lab l;
	struct chp_capture_info info;

	lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 2, 2);
	lab_crash(&l, &info);
	struct chp_elf_phdr b = kexec_tools_backup(l.m);
	uint8_t *low = malloc(b.memsz);
	assert_int_equal(chp_machine_read_phys(l.m, b.paddr, low, b.memsz), 0);
	insert_phdr(l.path, b, low);
	struct chp_verify_report *r = verify(l.m, l.path, NULL);
	assert_int_equal(chp_verify_report_summary(r)->kind, CHP_ELFCORE_VMCORE);
	assert_int_equal(chp_verify_report_count(r), 1);
	assert_int_equal(first_of(r, CHP_FINDING_KEXEC_TOOLS_BACKUP)->range.start, b.paddr);
	assert_true(chp_verify_report_complete(r));
	/* Its bytes compared with the machine's too. */
	assert_int_equal(chp_verify_report_summary(r)->bytes_checked, info.load_bytes + b.memsz);
	chp_verify_report_free(r);
	free(low);

	/* A page short: low memory some reader takes for RAM, excluded. */
	lab_down(&l);
	lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 2, 2);
	lab_crash(&l, &info);
	b = kexec_tools_backup(l.m);
	b.filesz = b.memsz -= 4096;
	low = malloc(b.memsz);
	assert_int_equal(chp_machine_read_phys(l.m, b.paddr, low, b.memsz), 0);
	insert_phdr(l.path, b, low);
	r = verify(l.m, l.path, NULL);
	assert_int_equal(count_kind(r, CHP_FINDING_KEXEC_TOOLS_BACKUP), 0);
	assert_int_equal(count_kind(r, CHP_FINDING_EXCLUDED_MEMORY), 1);
	assert_false(chp_verify_report_complete(r));
	chp_verify_report_free(r);
	free(low);
	lab_down(&l);
}

/*
 * Each near miss of that shape is what it claims, memory a header must not
 * list (read from the capture kernel's own low memory, or from elsewhere
 * than the copy): excluded memory, a discrepancy, and no note.
 */
static void test_verify__kexec_tools_backup_near_miss(void **state)
{
	static const char *const what[] = {
		"a page short", "a page higher", "p_paddr in the crashkernel",
		"p_offset = p_paddr", "its segment past the crashkernel's end",
		"p_offset not page-aligned", "p_filesz short of p_memsz", "a second one",
	};

	for (size_t v = 0; v < sizeof(what) / sizeof(what[0]); v++) {
		struct lab l;
		char hdr[160];

		lab_up(&l, CHP_ARCH_X86_64, 512 * MiB, 4, 3);
		write_header(&l, hdr);
		const struct chp_range *ck = chp_ranges_at(chp_machine_crashkernel(l.m), 0);
		struct chp_elf_phdr b = kexec_tools_backup(l.m);
		switch (v) {
		case 0: b.filesz = b.memsz -= 4096; break;
		case 1: b.paddr += 4096; b.vaddr += 4096; b.filesz = b.memsz -= 4096; break;
		case 2: /* (p_offset elsewhere than p_paddr would make it a vmcore's) */
			b.offset = b.paddr = ck->start;
			b.vaddr = chp_machine_direct_map(l.m) + ck->start;
			break;
		case 3: b.offset = b.paddr; break;
		case 4: b.offset += 4096; break;
		case 5: b.offset -= 1024; break;
		case 6: b.filesz -= 4096; break;
		case 7: insert_phdr(hdr, b, NULL); break;
		}
		insert_phdr(hdr, b, NULL);
		struct chp_verify_report *r = verify(l.m, hdr, NULL);
		if (count_kind(r, CHP_FINDING_EXCLUDED_MEMORY) != 1 ||
		    count_kind(r, CHP_FINDING_KEXEC_TOOLS_BACKUP) != (v == 7) ||
		    chp_verify_report_complete(r))
			fail_msg("%s: %zu excluded-memory, %zu kexec-tools-backup, %s", what[v],
				 count_kind(r, CHP_FINDING_EXCLUDED_MEMORY),
				 count_kind(r, CHP_FINDING_KEXEC_TOOLS_BACKUP),
				 chp_verify_report_complete(r) ? "complete" : "incomplete");
		chp_verify_report_free(r);
		lab_down(&l);
	}
}

/*
 * Only offline memory and kexec-tools' backup LOAD are notes; only an
 * unknown crash_notes and a dump naming no architecture cannot be checked.
 */
static void test_verify__finding_classes(void **state)
{
	for (int k = CHP_FINDING_MISSING_MEMORY; k <= CHP_FINDING_KEXEC_TOOLS_BACKUP; k++) {
		enum chp_finding_class c = chp_finding_class_of((enum chp_finding_kind)k);
		assert_int_equal(c, k == CHP_FINDING_OFFLINE_MEMORY ||
					    k == CHP_FINDING_KEXEC_TOOLS_BACKUP ? CHP_FINDING_NOTE
				    : k == CHP_FINDING_CPU_NOTE_UNKNOWN || k == CHP_FINDING_ARCH_UNKNOWN
					    ? CHP_FINDING_UNCHECKED
					    : CHP_FINDING_DISCREPANCY);
		assert_string_not_equal(chp_finding_kind_name((enum chp_finding_kind)k), "unknown");
	}
	assert_string_equal(chp_finding_class_name(CHP_FINDING_UNCHECKED), "cannot-check");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify__complete_dump_has_no_findings),
		cmocka_unit_test(test_verify__header_checked_for_coverage_and_notes),
		cmocka_unit_test(test_verify__stale_header_missing_and_absent),
		cmocka_unit_test(test_verify__offline_block_included),
		cmocka_unit_test(test_verify__finding_classes),
		cmocka_unit_test(test_verify__cpu_notes_missing),
		cmocka_unit_test(test_verify__wrong_contents_found),
		cmocka_unit_test(test_verify__sample_covers_load_ends),
		cmocka_unit_test(test_verify__wrong_arch_or_garbage_is_an_error),
		cmocka_unit_test(test_verify__kaslr_direct_map),
		cmocka_unit_test(test_verify__kexec_tools_backup_is_a_note),
		cmocka_unit_test(test_verify__kexec_tools_backup_in_vmcore),
		cmocka_unit_test(test_verify__kexec_tools_backup_near_miss),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
