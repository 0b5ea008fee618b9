/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crashhp/capture.h"
#include "crashhp/elfcore.h"
#include "crashhp/note.h"
#include "crashhp/outfile.h"
#include "internal.h"

#define COPY_CHUNK (1u << 20)

int chp_cmdline_elfcorehdr(const char *cmdline, uint64_t *addr)
{
	const char *p = cmdline, *found = NULL;

	/* The last occurrence wins, as with any early_param. */
	while ((p = strstr(p, "elfcorehdr=")) != NULL) {
		if (p == cmdline || isspace((unsigned char)p[-1]))
			found = p + strlen("elfcorehdr=");
		p++;
	}
	if (!found)
		return chp_fail(-ENOENT, "command line has no elfcorehdr=");
	for (int part = 0; part < 2; part++) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(found, &end, 0);
		if (end == found || errno)
			return chp_fail(-EINVAL, "elfcorehdr=%.32s: not a number", found);
		switch (*end) {
		case 'G': case 'g': v <<= 10; /* fall through */
		case 'M': case 'm': v <<= 10; /* fall through */
		case 'K': case 'k': v <<= 10; end++; break;
		default: break;
		}
		*addr = v;
		/* "size@addr": what follows '@' is the address. */
		if (*end != '@')
			return 0;
		found = end + 1;
	}
	return chp_fail(-EINVAL, "elfcorehdr=: more than one '@'");
}

/* The checks parse_crash_elf64_headers() adds to a well-formed core. */
static int check_linux_rules(const struct chp_elfcore *core, const struct chp_machine *m)
{
	const struct chp_elf_ehdr *h = chp_elfcore_ehdr(core);

	if (h->phoff != CHP_ELF_EHDR_SIZE)
		return chp_fail(-EINVAL, "e_phoff: %#" PRIx64 "; /proc/vmcore reads the program "
				"headers right after the ELF header (64)", h->phoff);
	if (h->phnum == CHP_PN_XNUM)
		return chp_fail(-EINVAL, "e_phnum: PN_XNUM; /proc/vmcore takes e_phnum literally");
	if (chp_elfcore_arch(core) != chp_machine_arch(m))
		return chp_fail(-EINVAL, "e_machine: a %s header on a %s machine",
				chp_arch_name(chp_elfcore_arch(core)),
				chp_arch_name(chp_machine_arch(m)));
	/*
	 * merge_note_headers_elf64(): each PT_NOTE is kmalloc(p_memsz)ed and its
	 * first note header read through the buffer, so one of size 0 reads
	 * through ZERO_SIZE_PTR; and the merged header replaces the nr_ptnote
	 * headers from the first on by count, so a note after another type
	 * leaves a stale header behind.
	 */
	for (size_t i = 0, other = SIZE_MAX; i < chp_elfcore_phnum(core); i++) {
		const struct chp_elf_phdr *ph = chp_elfcore_phdr(core, i);
		char tb[16];

		if (ph->type != CHP_PT_NOTE) {
			other = other == SIZE_MAX ? i : other;
			continue;
		}
		if (ph->memsz == 0)
			return chp_fail(-EINVAL, "program header %zu: a PT_NOTE of size 0; the capture "
					"kernel kmalloc(0)s it and reads a note header through it", i);
		if (other != SIZE_MAX)
			return chp_fail(-EINVAL, "program header %zu: a PT_NOTE after program header %zu "
					"(%s); the capture kernel merges notes it expects first",
					i, other, chp_elf_phdr_type_name(chp_elfcore_phdr(core, other)->type, tb));
	}
	return 0;
}

/* Real size of a PT_NOTE: its notes up to the terminator, as Linux counts. */
static uint64_t real_note_size(const uint8_t *buf, size_t len, bool big, size_t *count,
			       bool *cut)
{
	struct chp_note_cursor c;
	struct chp_note n;
	int r;

	chp_note_cursor_init(&c, buf, len, big);
	while ((r = chp_note_next(&c, &n)) == 1)
		(*count)++;
	*cut = r < 0;
	return c.off;
}

struct notes {
	uint8_t *buf;
	uint64_t len;
};

static int merge_notes(const struct chp_machine *m, const struct chp_elfcore *core,
		       struct notes *out, struct chp_capture_info *info)
{
	bool big = chp_elfcore_big_endian(core);

	for (size_t i = 0; i < chp_elfcore_phnum(core); i++) {
		const struct chp_elf_phdr *ph = chp_elfcore_phdr(core, i);
		uint8_t *grown;
		uint64_t real;
		bool cut;
		int err;

		if (ph->type != CHP_PT_NOTE)
			continue;
		if (ph->memsz > (16u << 20))
			return chp_fail(-EINVAL, "program header %zu (NOTE): p_memsz %#" PRIx64
					" is beyond any crash note", i, ph->memsz);
		grown = realloc(out->buf, (size_t)(out->len + ph->memsz) + 1);
		if (!grown)
			return chp_fail(-ENOMEM, "out of memory merging notes");
		out->buf = grown;
		err = chp_machine_read_phys(m, ph->offset, out->buf + out->len, (size_t)ph->memsz);
		if (err)
			return chp_fail_prefix(err, "program header %zu (NOTE): ", i);
		real = real_note_size(out->buf + out->len, (size_t)ph->memsz, big, &info->nr_notes,
				      &cut);
		info->notes_cut += cut;
		out->len += real;
	}
	info->notes_bytes = out->len;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return chp_fail(-errno, "writing the vmcore: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* LOAD bytes written so far of all of them, for the caller's progress. */
struct write_progress {
	const struct chp_progress *p;
	uint64_t done, total;
};

/*
 * ppc64: the capture kernel runs over [0, 64 KiB) (its exception vectors),
 * so old memory read there is the capture kernel's, not the crashed one's.
 */
static void capture_kernel_low(const struct chp_machine *m, uint64_t paddr, uint8_t *chunk,
			       size_t n)
{
	for (size_t i = 0; chp_machine_arch(m) != CHP_ARCH_X86_64 && i < n &&
	     paddr + i < CHP_PPC64_BACKUP_SIZE; i++)
		chunk[i] = (uint8_t)~chunk[i];
}

/* `holes`: absent pages read as zeros, not -EFAULT. */
static int read_old(const struct chp_machine *m, uint64_t paddr, uint8_t *chunk, size_t n,
		    bool holes)
{
	int err = chp_machine_read_phys(m, paddr, chunk, n);

	if (err != -EFAULT || !holes)
		return err;
	for (size_t at = 0, k; at < n; at += k) {
		k = (size_t)(CHP_PAGE_SIZE - (paddr + at) % CHP_PAGE_SIZE);
		if (k > n - at)
			k = n - at;
		err = chp_machine_read_phys(m, paddr + at, chunk + at, k);
		if (err == -EFAULT)
			memset(chunk + at, 0, k);
		else if (err)
			return err;
	}
	return 0;
}

static int copy_load(const struct chp_machine *m, int fd, uint64_t paddr, bool saved,
		     uint64_t size, uint64_t file_off, uint8_t *chunk, struct write_progress *wp,
		     bool holes)
{
	while (size) {
		size_t n = size < COPY_CHUNK ? (size_t)size : COPY_CHUNK;
		int err = read_old(m, paddr, chunk, n, holes);
		if (!err && !saved)
			capture_kernel_low(m, paddr, chunk, n);
		if (!err)
			err = write_all(fd, chunk, n, file_off);
		if (err)
			return err;
		paddr += n;
		file_off += n;
		size -= n;
		wp->done += n;
		if (wp->p && wp->p->fn)
			wp->p->fn(wp->p->ctx, wp->done, wp->total);
	}
	return 0;
}

/* Lay the dump out as /proc/vmcore does, then write it through `fd`. */
/*
 * ppc64's purgatory copies [0, 64 KiB) into the backup segment before the
 * capture kernel boots over it: old memory read there is that copy (*saved).
 */
static uint64_t old_memory_at(const struct chp_kimage *img, uint64_t offset, uint64_t size,
			      bool *saved)
{
	uint64_t backup;

	*saved = !chp_kimage_backup_start(img, &backup) && offset >= backup &&
		 offset - backup <= CHP_PPC64_BACKUP_SIZE &&
		 size <= CHP_PPC64_BACKUP_SIZE - (offset - backup);
	return *saved ? offset - backup : offset;
}

static int write_vmcore(int fd, const struct chp_machine *m, const struct chp_kimage *img,
			const struct chp_elfcore *core, const struct chp_progress *progress,
			const uint8_t *raw_ehdr, const struct notes *notes,
			struct chp_capture_info *info, bool holes)
{
	bool big = chp_elfcore_big_endian(core);
	size_t phnum = chp_elfcore_phnum(core), nloads = 0, nkept = 0;
	uint8_t *head, *chunk;
	uint64_t elfsz, off;
	struct write_progress wp = { .p = progress };
	int err = 0;

	/*
	 * vmcore.c keeps every header that is not a note where it was (one
	 * merged PT_NOTE replaces the notes, which come first) and rewrites
	 * only the PT_LOADs' p_offset; a PT_NULL stays as it is.
	 */
	for (size_t i = 0; i < phnum; i++) {
		const struct chp_elf_phdr *p = chp_elfcore_phdr(core, i);
		nloads += p->type == CHP_PT_LOAD;
		nkept += p->type != CHP_PT_NOTE;
		wp.total += p->type == CHP_PT_LOAD ? p->memsz : 0;
	}
	info->nr_loads = nloads;
	info->skipped_phdrs = nkept - nloads;
	elfsz = chp_round_up(CHP_ELF_EHDR_SIZE + (1 + nkept) * CHP_ELF_PHDR_SIZE, CHP_PAGE_SIZE);
	head = calloc(1, (size_t)elfsz + (size_t)chp_round_up(notes->len, CHP_PAGE_SIZE));
	chunk = malloc(COPY_CHUNK);
	if (!head || !chunk) {
		free(head);
		free(chunk);
		return chp_fail(-ENOMEM, "out of memory laying out the vmcore");
	}
	memcpy(head, raw_ehdr, CHP_ELF_EHDR_SIZE);
	chp_put16(head + 56, (uint16_t)(1 + nkept), big);
	/* The merged note: right after the page-rounded headers, align 4. */
	uint8_t *ph = head + CHP_ELF_EHDR_SIZE;
	chp_put32(ph, CHP_PT_NOTE, big);
	chp_put64(ph + 8, elfsz, big);
	chp_put64(ph + 32, notes->len, big);
	chp_put64(ph + 40, notes->len, big);
	chp_put64(ph + 48, 4, big);
	memcpy(head + elfsz, notes->buf, (size_t)notes->len);

	off = elfsz + chp_round_up(notes->len, CHP_PAGE_SIZE);
	for (size_t i = 0; i < phnum && !err; i++) {
		const struct chp_elf_phdr *p = chp_elfcore_phdr(core, i);
		uint64_t start = chp_round_down(p->offset, CHP_PAGE_SIZE);
		uint64_t end = chp_round_up(p->offset + p->memsz, CHP_PAGE_SIZE);

		if (p->type == CHP_PT_NOTE)
			continue;
		ph += CHP_ELF_PHDR_SIZE;
		chp_put32(ph, p->type, big);
		chp_put32(ph + 4, p->flags, big);
		chp_put64(ph + 8, p->type == CHP_PT_LOAD ? off + (p->offset - start) : p->offset, big);
		chp_put64(ph + 16, p->vaddr, big);
		chp_put64(ph + 24, p->paddr, big);
		chp_put64(ph + 32, p->filesz, big);
		chp_put64(ph + 40, p->memsz, big);
		chp_put64(ph + 48, p->align, big);
		if (p->type != CHP_PT_LOAD)
			continue;
		bool saved;
		uint64_t from = old_memory_at(img, p->offset, p->memsz, &saved);
		err = copy_load(m, fd, from, saved, p->memsz, off + (p->offset - start), chunk, &wp,
				holes);
		if (err)
			chp_fail_prefix(err, "program header %zu (LOAD): ", i);
		info->load_bytes += p->memsz;
		off += end - start;
	}
	if (!err)
		err = write_all(fd, head, (size_t)(elfsz + chp_round_up(notes->len, CHP_PAGE_SIZE)), 0);
	if (!err && ftruncate(fd, (off_t)off))
		err = chp_fail(-errno, "sizing the vmcore: %s", strerror(errno));
	info->file_size = off;
	free(head);
	free(chunk);
	return err;
}

static int open_header(const struct chp_machine *m, const struct chp_kimage *img,
		       struct chp_elfcore **core, uint8_t raw_ehdr[CHP_ELF_EHDR_SIZE],
		       struct chp_capture_info *info)
{
	char cmdline[2048];
	struct chp_range region = chp_kimage_region(img);
	struct chp_region_reader rr;
	int err = chp_kimage_cmdline(img, cmdline, sizeof(cmdline));

	if (!err)
		err = chp_cmdline_elfcorehdr(cmdline, &info->elfcorehdr_addr);
	if (err)
		return err;
	if (info->elfcorehdr_addr < region.start || info->elfcorehdr_addr > region.last)
		return chp_fail(-EINVAL, "elfcorehdr=%#" PRIx64 " is outside the crash region",
				info->elfcorehdr_addr);
	chp_region_reader_init(&rr, img, info->elfcorehdr_addr);
	/* Linux accepts two loads describing the same memory; so do we here. */
	err = chp_elfcore_open_flags(core, &rr.reader, CHP_ELFCORE_HEADER,
				     CHP_ELFCORE_ALLOW_DUPLICATE_LOADS);
	if (!err)
		err = check_linux_rules(*core, m);
	if (!err)
		err = chp_kimage_read(img, rr.base, raw_ehdr, CHP_ELF_EHDR_SIZE);
	if (err)
		return chp_fail_prefix(err, "elfcorehdr at %#" PRIx64 ": ", rr.base);
	info->header_phnum = chp_elfcore_phnum(*core);
	return 0;
}

struct chp_capture_view {
	struct chp_elfcore *core;
	uint8_t raw_ehdr[CHP_ELF_EHDR_SIZE];
	struct notes notes;
};

int chp_capture_view_new(struct chp_capture_view **out, const struct chp_machine *m,
			 const struct chp_kimage *img, struct chp_capture_info *info)
{
	struct chp_capture_view *v;
	int err;

	memset(info, 0, sizeof(*info));
	if (!chp_kimage_loaded(img))
		return chp_fail(-ENODATA, "no crash image is loaded: the kernel takes no dump");
	v = calloc(1, sizeof(*v));
	if (!v)
		return chp_fail(-ENOMEM, "out of memory");
	err = chp_kimage_purgatory_check(img);
	if (!err)
		err = open_header(m, img, &v->core, v->raw_ehdr, info);
	if (!err)
		err = merge_notes(m, v->core, &v->notes, info);
	if (err) {
		chp_capture_view_free(v);
		return err;
	}
	*out = v;
	return 0;
}

void chp_capture_view_free(struct chp_capture_view *v)
{
	if (!v)
		return;
	chp_elfcore_free(v->core);
	free(v->notes.buf);
	free(v);
}

const struct chp_elfcore *chp_capture_view_header(const struct chp_capture_view *v)
{
	return v->core;
}

const uint8_t *chp_capture_view_notes(const struct chp_capture_view *v, size_t *len)
{
	*len = (size_t)v->notes.len;
	return v->notes.buf;
}

int chp_capture_vmcore(const struct chp_machine *m, const struct chp_kimage *img,
		       const char *path, struct chp_capture_info *info)
{
	return chp_capture_vmcore_progress(m, img, path, info, NULL);
}

static int capture_to(const struct chp_machine *m, const struct chp_kimage *img,
		      const char *path, struct chp_capture_info *info,
		      const struct chp_progress *progress, bool holes);

int chp_capture_vmcore_progress(const struct chp_machine *m, const struct chp_kimage *img,
				const char *path, struct chp_capture_info *info,
				const struct chp_progress *progress)
{
	return capture_to(m, img, path, info, progress, false);
}

int chp_capture_vmcore_holes(const struct chp_machine *m, const struct chp_kimage *img,
			     const char *path, struct chp_capture_info *info)
{
	return capture_to(m, img, path, info, NULL, true);
}

/* The file write_vmcore() lays out: page-rounded headers and notes, then each LOAD's pages. */
static uint64_t vmcore_file_size(const struct chp_elfcore *core, const struct notes *notes)
{
	size_t phnum = chp_elfcore_phnum(core), nkept = 0;
	uint64_t size = 0;

	for (size_t i = 0; i < phnum; i++) {
		const struct chp_elf_phdr *p = chp_elfcore_phdr(core, i);
		nkept += p->type != CHP_PT_NOTE;
		if (p->type == CHP_PT_LOAD)
			size += chp_round_up(p->offset + p->memsz, CHP_PAGE_SIZE) -
				chp_round_down(p->offset, CHP_PAGE_SIZE);
	}
	return size + chp_round_up(CHP_ELF_EHDR_SIZE + (1 + nkept) * CHP_ELF_PHDR_SIZE, CHP_PAGE_SIZE) +
	       chp_round_up(notes->len, CHP_PAGE_SIZE);
}

/*
 * Every page is written (verify compares each byte), so the file takes its
 * whole size on disk: refused before the first byte rather than failing with
 * ENOSPC hours into a TiB, the disk full for everyone meanwhile.
 */
static int check_room(const char *path, uint64_t need)
{
	uint64_t avail;
	int err = chp_outfile_room(path, &avail);

	if (err)
		return chp_fail(err, "%s: looking at its file system's free space: %s", path,
				strerror(-err));
	if (avail >= need)
		return 0;
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (slash == path ? 1 : (int)(slash - path)) : 1;
	return chp_fail(-ENOSPC, "%.*s has %" PRIu64 " MiB free, the vmcore takes %" PRIu64
			" MiB (%" PRIu64 " bytes): not written", dirlen, slash ? path : ".",
			avail >> 20, (need + (1u << 20) - 1) >> 20, need);
}

static int capture_to(const struct chp_machine *m, const struct chp_kimage *img,
		      const char *path, struct chp_capture_info *info,
		      const struct chp_progress *progress, bool holes)
{
	struct chp_capture_view *v;
	char *tmp;
	int fd, err = chp_outfile_check(path);

	if (err)
		return chp_fail(err, "%s: %s", path, err == -EINVAL ? "not a regular file (it would be "
				"replaced by one)" : strerror(-err));
	err = chp_capture_view_new(&v, m, img, info);
	if (err)
		return err;
	err = check_room(path, vmcore_file_size(v->core, &v->notes));
	if (err) {
		chp_capture_view_free(v);
		return err;
	}
	/* Written whole under a temporary name beside the target, or not at all. */
	fd = chp_outfile_create(path, &tmp);
	if (fd < 0) {
		chp_capture_view_free(v);
		return chp_fail(fd, "%s: %s", path, strerror(-fd));
	}
	err = write_vmcore(fd, m, img, v->core, progress, v->raw_ehdr, &v->notes, info, holes);
	if (err)
		chp_fail_prefix(err, "%s: ", path); /* the file that could not be written */
	int done = chp_outfile_commit(fd, tmp, path, err);
	if (done && !err)
		err = chp_fail(done, "writing %s: %s", path, strerror(-done));
	chp_capture_view_free(v);
	return err;
}
