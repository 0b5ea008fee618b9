/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crashhp/elfcore.h"
#include "crashhp/kimage.h"
#include "internal.h"

#define MAX_SEGMENTS 8
/* x86's COMMAND_LINE_SIZE. */
#define MAX_CMDLINE 2048
/* Purgatory: magic, then the digest it checks at crash time. */
#define PURGATORY_MAGIC "CHPPURG"
#define PURGATORY_DIGEST_OFFSET 8
/* Boot parameters: magic, u32 little-endian length, the command line. */
#define BOOT_MAGIC "CHPBOOT"
#define BOOT_CMDLINE_OFFSET 12

struct chp_kimage {
	struct chp_range region;
	uint8_t *map;      /* the region as everyone sees it: never writable */
	uint8_t *wmap;     /* the same memory, written only by chp_kimage_store() */
	size_t map_size;
	bool writable;

	bool loaded;
	enum chp_load_mode mode;
	bool hotplug_flag;
	struct chp_segment_info seg[MAX_SEGMENTS];
	size_t nseg;
	bool elfcorehdr_index_valid;
	size_t elfcorehdr_index;
	size_t elfcorehdr_reserved;   /* 0: the whole segment */
};

int chp_kimage_new(struct chp_kimage **out, struct chp_range region)
{
	uint64_t size = region.last - region.start + 1;
	struct chp_kimage *img;

	if (region.start > region.last || region.start % CHP_PAGE_SIZE || size % CHP_PAGE_SIZE ||
	    size > SIZE_MAX)
		return chp_fail(-EINVAL, "crash region [%#" PRIx64 ", %#" PRIx64 "] is not whole pages",
				region.start, region.last);
	img = calloc(1, sizeof(*img));
	if (!img)
		return chp_fail(-ENOMEM, "out of memory for a crash image");
	img->region = region;
	img->map_size = (size_t)size;
	/*
	 * One memory object, mapped twice: read-only for every reader (a stray
	 * write faults, at any time), and writable for the store API alone.
	 * Protecting then costs no system call per update; the region is only
	 * writable through chp_kimage_store() between unprotect and protect.
	 */
	int fd = memfd_create("crashhp-crash-region", MFD_CLOEXEC);
	int e = 0;
	if (fd < 0 || ftruncate(fd, (off_t)size))
		e = errno;
	img->map = e ? MAP_FAILED : mmap(NULL, img->map_size, PROT_READ, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (!e && img->map == MAP_FAILED)
		e = errno;
	img->wmap = e ? MAP_FAILED
		      : mmap(NULL, img->map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (!e && img->wmap == MAP_FAILED)
		e = errno;
	if (fd >= 0)
		close(fd);
	if (e) {
		if (img->map != MAP_FAILED && img->map)
			munmap(img->map, img->map_size);
		free(img);
		/* A memfd is a file: the file-size limit (ulimit -f) bounds it. */
		return chp_fail(-e, "mapping a %zu-byte crash region: %s%s", (size_t)size, strerror(e),
				e == EFBIG ? " (the memory file is above the file-size limit, ulimit -f)"
					   : "");
	}
	*out = img;
	return 0;
}

void chp_kimage_free(struct chp_kimage *img)
{
	if (!img)
		return;
	munmap(img->map, img->map_size);
	munmap(img->wmap, img->map_size);
	free(img);
}

int chp_kimage_unprotect(struct chp_kimage *img)
{
	img->writable = true;
	return 0;
}

int chp_kimage_protect(struct chp_kimage *img)
{
	img->writable = false;
	return 0;
}

static bool in_region(const struct chp_kimage *img, uint64_t paddr, size_t len)
{
	return paddr >= img->region.start && len <= img->map_size &&
	       paddr - img->region.start <= img->map_size - len;
}

bool chp_store_is_atomic(uint64_t paddr, size_t len)
{
	return (len == 1 || len == 2 || len == 4 || len == 8) && paddr % len == 0;
}

int chp_kimage_store(struct chp_kimage *img, uint64_t paddr, const void *src, size_t len)
{
	/* A reader (the panic path) sees a store whole only if the CPU makes it one. */
	if (!chp_store_is_atomic(paddr, len))
		return chp_fail(-EINVAL, "store at %#" PRIx64 "+%zu: only an aligned store of 1, 2, 4 "
				"or 8 bytes is one step; split it", paddr, len);
	if (!in_region(img, paddr, len))
		return chp_fail(-EFAULT, "store at %#" PRIx64 "+%zu is outside the crash region",
				paddr, len);
	if (!img->writable)
		return chp_fail(-EPERM, "store at %#" PRIx64 ": the crash region is protected",
				paddr);
	memcpy(img->wmap + (paddr - img->region.start), src, len);
	return 0;
}

int chp_kimage_read(const struct chp_kimage *img, uint64_t paddr, void *buf, size_t len)
{
	if (!in_region(img, paddr, len))
		return chp_fail(-EFAULT, "read at %#" PRIx64 "+%zu is outside the crash region",
				paddr, len);
	memcpy(buf, img->map + (paddr - img->region.start), len);
	return 0;
}

static int read_from(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct chp_region_reader *rr = ctx;

	return chp_kimage_read(rr->img, rr->base + off, buf, len);
}

void chp_region_reader_init(struct chp_region_reader *rr, const struct chp_kimage *img,
			    uint64_t base)
{
	rr->img = img;
	rr->base = base;
	rr->reader = (struct chp_reader){ read_from, rr,
		base >= img->region.start && base <= img->region.last ? img->region.last - base + 1 : 0 };
}

const void *chp_kimage_mapping(const struct chp_kimage *img)
{
	return img->map;
}

struct chp_range chp_kimage_region(const struct chp_kimage *img)
{
	return img->region;
}

bool chp_kimage_loaded(const struct chp_kimage *img)
{
	return img->loaded;
}

enum chp_load_mode chp_kimage_mode(const struct chp_kimage *img)
{
	return img->mode;
}

bool chp_kimage_hotplug_capable(const struct chp_kimage *img)
{
	return img->loaded && (img->mode == CHP_LOAD_FILE || img->hotplug_flag);
}

size_t chp_kimage_nr_segments(const struct chp_kimage *img)
{
	return img->loaded ? img->nseg : 0;
}

int chp_kimage_segment(const struct chp_kimage *img, size_t i, struct chp_segment_info *out)
{
	if (!img->loaded || i >= img->nseg)
		return chp_fail(-ENOENT, "no segment %zu", i);
	*out = img->seg[i];
	return 0;
}

const char *chp_segment_kind_name(enum chp_segment_kind kind)
{
	switch (kind) {
	case CHP_SEG_ELFCOREHDR:
		return "elfcorehdr";
	case CHP_SEG_PURGATORY:
		return "purgatory";
	case CHP_SEG_BOOT_PARAMS:
		return "boot-params";
	case CHP_SEG_KERNEL:
		return "kernel";
	case CHP_SEG_INITRD:
		return "initrd";
	case CHP_SEG_FDT:
		return "fdt";
	case CHP_SEG_BACKUP:
		return "backup";
	}
	return "unknown";
}

static const struct chp_segment_info *find_kind(const struct chp_kimage *img,
						enum chp_segment_kind kind)
{
	for (size_t i = 0; i < img->nseg; i++)
		if (img->seg[i].kind == kind)
			return &img->seg[i];
	return NULL;
}

static void compute_digest(const struct chp_kimage *img, uint8_t digest[SHA256_DIGEST_SIZE])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	for (size_t i = 0; i < img->nseg; i++) {
		const struct chp_segment_info *s = &img->seg[i];
		if (s->in_digest)
			sha256_update(&ctx, (size_t)s->memsz, img->map + (s->paddr - img->region.start));
	}
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
}

int chp_kimage_purgatory_check(const struct chp_kimage *img)
{
	const struct chp_segment_info *p;
	uint8_t want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE];

	if (!img->loaded)
		return chp_fail(-ENOENT, "purgatory: no crash image is loaded");
	p = find_kind(img, CHP_SEG_PURGATORY);
	memcpy(want, img->map + (p->paddr - img->region.start) + PURGATORY_DIGEST_OFFSET,
	       sizeof(want));
	compute_digest(img, got);
	if (memcmp(want, got, sizeof(want)))
		return chp_fail(-EBADMSG, "purgatory: SHA-256 of the segments does not match the "
				"digest stored at load; a digested segment changed");
	return 0;
}

int chp_kimage_cmdline(const struct chp_kimage *img, char *buf, size_t cap)
{
	const struct chp_segment_info *b;
	const uint8_t *p;
	uint32_t len;

	if (!img->loaded)
		return chp_fail(-ENOENT, "boot parameters: no crash image is loaded");
	b = find_kind(img, CHP_SEG_BOOT_PARAMS);
	p = img->map + (b->paddr - img->region.start);
	len = chp_get32(p + 8, false);
	if (memcmp(p, BOOT_MAGIC, 8) || len >= MAX_CMDLINE || p[BOOT_CMDLINE_OFFSET + len] != '\0')
		return chp_fail(-EINVAL, "boot parameters at %#" PRIx64 " are corrupt", b->paddr);
	if (len >= cap)
		return chp_fail(-ENOSPC, "command line of %u bytes does not fit %zu", len, cap);
	memcpy(buf, p + BOOT_CMDLINE_OFFSET, len + 1);
	return 0;
}

int chp_kimage_fdt_index(const struct chp_kimage *img, size_t *index)
{
	static const uint8_t magic[4] = { 0xd0, 0x0d, 0xfe, 0xed };

	for (size_t i = 0; img->loaded && i < img->nseg; i++) {
		const uint8_t *p = img->map + (img->seg[i].paddr - img->region.start);
		if (img->seg[i].bufsz >= 4 && !memcmp(p, magic, 4)) {
			*index = i;
			return 0;
		}
	}
	return chp_fail(-ENOENT, "no FDT segment in the crash image");
}

int chp_kimage_elfcorehdr_index(struct chp_kimage *img, size_t *index)
{
	if (!img->loaded)
		return chp_fail(-ENOENT, "no crash image is loaded");
	if (!img->elfcorehdr_index_valid) {
		for (size_t i = 0; i < img->nseg; i++) {
			const uint8_t *p = img->map + (img->seg[i].paddr - img->region.start);
			/* crash_handle_hotplug_event() does not stop: the last match wins. */
			if (img->seg[i].bufsz >= 4 && !memcmp(p, "\x7f" "ELF", 4)) {
				img->elfcorehdr_index = i;
				img->elfcorehdr_index_valid = true;
			}
		}
	}
	if (!img->elfcorehdr_index_valid)
		return chp_fail(-ENOENT, "no segment starts with the ELF magic");
	*index = img->elfcorehdr_index;
	return 0;
}

void chp_kimage_unload(struct chp_kimage *img)
{
	if (!img->loaded)
		return;
	/* Leave the region as a fresh reservation: zero what the image used. */
	if (!chp_kimage_unprotect(img)) {
		for (size_t i = 0; i < img->nseg; i++)
			memset(img->wmap + (img->seg[i].paddr - img->region.start), 0,
			       (size_t)img->seg[i].memsz);
		chp_kimage_protect(img);
	}
	img->loaded = false;
	img->nseg = 0;
	img->elfcorehdr_index_valid = false;
}

size_t chp_kimage_elfcorehdr_reserved(struct chp_kimage *img)
{
	struct chp_segment_info seg;
	size_t index;

	if (!img->loaded || chp_kimage_elfcorehdr_index(img, &index) ||
	    chp_kimage_segment(img, index, &seg))
		return 0;
	uint64_t kept = chp_round_up(seg.paddr + img->elfcorehdr_reserved, CHP_PAGE_SIZE) - seg.paddr;
	return img->elfcorehdr_reserved && kept < seg.memsz ? (size_t)kept : (size_t)seg.memsz;
}

int chp_kimage_backup_start(const struct chp_kimage *img, uint64_t *out)
{
	for (size_t i = 0; img->loaded && i < img->nseg; i++)
		if (img->seg[i].kind == CHP_SEG_BACKUP) {
			*out = img->seg[i].paddr;
			return 0;
		}
	return -ENOENT;
}

/* Opaque stand-in bytes for the kernel and initrd, distinct per kind. */
static void fill_pattern(uint8_t *p, uint64_t len, enum chp_segment_kind kind)
{
	for (uint64_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 0x9d + (unsigned)kind * 0x31 + 0x4b);
}

/* Place a segment at the next page boundary; bytes == NULL means the pattern. */
static int place(struct chp_kimage *img, uint64_t *cursor, enum chp_segment_kind kind,
		 const void *bytes, uint64_t bufsz, uint64_t memsz, bool in_digest)
{
	uint64_t paddr = chp_round_up(*cursor, CHP_PAGE_SIZE);
	uint8_t *dst;

	memsz = chp_round_up(memsz < bufsz ? bufsz : memsz, CHP_PAGE_SIZE);
	if (paddr < *cursor || !in_region(img, paddr, (size_t)memsz) || memsz > SIZE_MAX)
		return chp_fail(-ENOSPC, "crash region [%#" PRIx64 ", %#" PRIx64 "] too small: the "
				"%s segment needs %" PRIu64 " bytes at %#" PRIx64, img->region.start,
				img->region.last, chp_segment_kind_name(kind), memsz, paddr);
	dst = img->wmap + (paddr - img->region.start);
	if (bytes)
		memcpy(dst, bytes, (size_t)bufsz);
	else
		fill_pattern(dst, bufsz, kind);
	img->seg[img->nseg++] = (struct chp_segment_info){ kind, paddr, bufsz, memsz, in_digest };
	*cursor = paddr + memsz;
	return 0;
}

static int place_all(struct chp_kimage *img, const struct chp_load_request *req)
{
	bool capable = req->mode == CHP_LOAD_FILE || req->hotplug_flag;
	uint64_t cursor = img->region.start;
	uint8_t page[CHP_PAGE_SIZE];
	uint8_t digest[SHA256_DIGEST_SIZE];
	const struct chp_segment_info *hdr, *purgatory;
	int n, err = 0;

	/*
	 * ppc64: load_backup_segment() runs before the header is built (its
	 * address is the header's backup p_offset); zeros until purgatory
	 * copies [0, 64 KiB) there at crash time.
	 */
	if (req->backup) {
		uint8_t *zeros = calloc(1, CHP_PPC64_BACKUP_SIZE);
		err = zeros ? place(img, &cursor, CHP_SEG_BACKUP, zeros, CHP_PPC64_BACKUP_SIZE,
				    CHP_PPC64_BACKUP_SIZE, true)
			    : chp_fail(-ENOMEM, "out of memory for the backup segment");
		free(zeros);
	}
	/* kexec_file_load's order on x86: the header first, then purgatory, ... */
	if (!err)
		err = place(img, &cursor, CHP_SEG_ELFCOREHDR, req->elfcorehdr, req->elfcorehdr_len,
			    req->elfcorehdr_memsz, !capable);
	if (err)
		return err;
	hdr = &img->seg[img->nseg - 1];
	purgatory = hdr + 1;

	memset(page, 0, sizeof(page));
	memcpy(page, PURGATORY_MAGIC, 8);
	err = place(img, &cursor, CHP_SEG_PURGATORY, page, sizeof(page), sizeof(page), false);
	if (err)
		return err;

	/* The kernel prepends "elfcorehdr=0x..."; kexec-tools appends "...K". */
	memset(page, 0, sizeof(page));
	memcpy(page, BOOT_MAGIC, 8);
	if (req->mode == CHP_LOAD_FILE)
		n = snprintf((char *)page + BOOT_CMDLINE_OFFSET, MAX_CMDLINE, "elfcorehdr=0x%" PRIx64
			     " %s", hdr->paddr, req->cmdline ? req->cmdline : "");
	else
		n = snprintf((char *)page + BOOT_CMDLINE_OFFSET, MAX_CMDLINE, "%s elfcorehdr=%" PRIu64
			     "K", req->cmdline ? req->cmdline : "", hdr->paddr >> 10);
	if (n < 0 || n >= MAX_CMDLINE)
		return chp_fail(-E2BIG, "capture command line longer than %d bytes", MAX_CMDLINE - 1);
	chp_put32(page + 8, (uint32_t)n, false);
	err = place(img, &cursor, CHP_SEG_BOOT_PARAMS, page, sizeof(page), sizeof(page), true);
	/* Rewritten in place on CPU hotplug, so left out of the digest like the header. */
	if (!err && req->fdt)
		err = place(img, &cursor, CHP_SEG_FDT, req->fdt, req->fdt_len, req->fdt_memsz, !capable);
	if (!err)
		err = place(img, &cursor, CHP_SEG_KERNEL, NULL, req->kernel_size, req->kernel_size,
			    true);
	if (!err && req->initrd_size)
		err = place(img, &cursor, CHP_SEG_INITRD, NULL, req->initrd_size, req->initrd_size,
			    true);
	if (err)
		return err;

	compute_digest(img, digest);
	memcpy(img->wmap + (purgatory->paddr - img->region.start) + PURGATORY_DIGEST_OFFSET, digest,
	       sizeof(digest));
	return 0;
}

int chp_kimage_load(struct chp_kimage *img, const struct chp_load_request *req)
{
	int err;

	if (!req->elfcorehdr || req->elfcorehdr_len < 4 ||
	    memcmp(req->elfcorehdr, "\x7f" "ELF", 4))
		return chp_fail(-EINVAL, "load: the elfcorehdr does not start with the ELF magic");
	if (req->kernel_size == 0)
		return chp_fail(-EINVAL, "load: a crash image needs a kernel");
	/* Loading over a loaded image replaces it, as kexec -p does. */
	chp_kimage_unload(img);
	err = chp_kimage_unprotect(img);
	if (err)
		return err;
	img->nseg = 0;
	err = place_all(img, req);
	if (err) {
		for (size_t i = 0; i < img->nseg; i++)
			memset(img->wmap + (img->seg[i].paddr - img->region.start), 0,
			       (size_t)img->seg[i].memsz);
		img->nseg = 0;
	} else {
		img->loaded = true;
		img->mode = req->mode;
		img->hotplug_flag = req->hotplug_flag;
		/* kexec_file_load knows its header segment; kexec_load must search. */
		img->elfcorehdr_index_valid = req->mode == CHP_LOAD_FILE;
		img->elfcorehdr_index = req->backup ? 1 : 0;
		img->elfcorehdr_reserved = req->elfcorehdr_reserved;
	}
	chp_kimage_protect(img);
	return err;
}
