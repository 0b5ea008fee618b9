/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_KIMAGE_H
#define CRASHHP_KIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crashhp/elfcore.h"
#include "crashhp/ranges.h"

/*
 * The crash image in its reserved region.  The region is a real memory
 * mapping the size of the reservation, mapped read-only, so a stray write
 * faults as the kernel's protected crash region would.  The only writer is
 * chp_kimage_store() (through a second, private mapping of the same memory),
 * and only between chp_kimage_unprotect() and chp_kimage_protect(); that way
 * protecting costs no system call per update.
 */
struct chp_kimage;

enum chp_load_mode {
	CHP_LOAD_FILE,     /* kexec_file_load (kexec -s) */
	CHP_LOAD_SEGMENTS, /* kexec_load (kexec -c), hotplug only with the flag */
};

enum chp_segment_kind {
	CHP_SEG_ELFCOREHDR,
	CHP_SEG_PURGATORY,
	CHP_SEG_BOOT_PARAMS,
	CHP_SEG_KERNEL,
	CHP_SEG_INITRD,
	CHP_SEG_FDT,        /* ppc64: the capture kernel's device tree */
	CHP_SEG_BACKUP,     /* ppc64: where purgatory copies [0, 64 KiB) at crash time */
};

struct chp_segment_info {
	enum chp_segment_kind kind;
	uint64_t paddr;
	uint64_t bufsz; /* bytes written */
	uint64_t memsz; /* bytes reserved, page-rounded */
	bool in_digest;
};

struct chp_load_request {
	enum chp_load_mode mode;
	bool hotplug_flag;          /* kexec_load's KEXEC_CRASH_HOTPLUG_SUPPORT */
	uint64_t kernel_size;       /* opaque bytes standing for the capture kernel */
	uint64_t initrd_size;
	const char *cmdline;        /* the capture kernel's; elfcorehdr= is prepended */
	const void *elfcorehdr;
	size_t elfcorehdr_len;
	size_t elfcorehdr_memsz;    /* room the segment keeps for later updates */
	/*
	 * Bytes from the segment's start the capture kernel keeps from its
	 * allocator (the FDT's reserve map on ppc64); 0: the whole segment.
	 */
	size_t elfcorehdr_reserved;
	const void *fdt;            /* ppc64; NULL elsewhere */
	size_t fdt_len;
	size_t fdt_memsz;
	bool backup;                /* ppc64: a 64 KiB backup segment, placed first */
};

/* Map a region for the reservation [start, last]; page-aligned. */
int chp_kimage_new(struct chp_kimage **out, struct chp_range region);
void chp_kimage_free(struct chp_kimage *img);

/* Place the segments, write the boot command line, store the digest. */
int chp_kimage_load(struct chp_kimage *img, const struct chp_load_request *req);
void chp_kimage_unload(struct chp_kimage *img);

bool chp_kimage_loaded(const struct chp_kimage *img);
/*
 * Bytes of the elfcorehdr segment, from its start, the capture kernel
 * keeps from its page allocator until vmcore_init() (an fs_initcall) reads
 * the header: the reservation to the end of its last page, as memblock
 * frees only whole free pages (memblock_free_all()).  A header longer than
 * that may be overwritten first.  0 when nothing is loaded.
 */
size_t chp_kimage_elfcorehdr_reserved(struct chp_kimage *img);
enum chp_load_mode chp_kimage_mode(const struct chp_kimage *img);
/* kexec_file_load, or kexec_load with the hotplug flag: the kernel may update it. */
bool chp_kimage_hotplug_capable(const struct chp_kimage *img);
struct chp_range chp_kimage_region(const struct chp_kimage *img);
size_t chp_kimage_nr_segments(const struct chp_kimage *img);
int chp_kimage_segment(const struct chp_kimage *img, size_t i, struct chp_segment_info *out);
const char *chp_segment_kind_name(enum chp_segment_kind kind);
/* ppc64: image->arch.backup_start, the backup segment's address; -ENOENT without one. */
int chp_kimage_backup_start(const struct chp_kimage *img, uint64_t *out);

/*
 * The index of the elfcorehdr segment.  kexec_file_load records it at load;
 * for kexec_load it is found by the ELF magic at a segment's start, once, and
 * cached, as crash_handle_hotplug_event() does.  -ENOENT when none is found.
 */
int chp_kimage_elfcorehdr_index(struct chp_kimage *img, size_t *index);

/* The FDT segment, found by its magic as get_fdt_index() does; -ENOENT if none. */
int chp_kimage_fdt_index(const struct chp_kimage *img, size_t *index);

/* Purgatory's check: SHA-256 over the digested segments; -EBADMSG on mismatch. */
int chp_kimage_purgatory_check(const struct chp_kimage *img);
/* The capture kernel's command line, read back from the boot parameters. */
int chp_kimage_cmdline(const struct chp_kimage *img, char *buf, size_t cap);

/* Read region bytes by physical address; -EFAULT outside the region. */
int chp_kimage_read(const struct chp_kimage *img, uint64_t paddr, void *buf, size_t len);

/*
 * A chp_reader over the region from physical address `base` to its end, as
 * a capture kernel reads the header it was pointed at.
 */
struct chp_region_reader {
	const struct chp_kimage *img;
	uint64_t base;
	struct chp_reader reader;
};
void chp_region_reader_init(struct chp_region_reader *rr, const struct chp_kimage *img,
			    uint64_t base);

/* Make the region writable for an update, and read-only again. */
int chp_kimage_unprotect(struct chp_kimage *img);
int chp_kimage_protect(struct chp_kimage *img);
/*
 * The one way to write the region; -EPERM while it is protected.  One call
 * is one store a crash sees whole or not at all, so only what a CPU stores
 * atomically is taken: 1, 2, 4 or 8 bytes at an address aligned to its size
 * (-EINVAL otherwise; split wider writes, each part a crash point).
 */
bool chp_store_is_atomic(uint64_t paddr, size_t len);
int chp_kimage_store(struct chp_kimage *img, uint64_t paddr, const void *src, size_t len);

/* The mapping's address, for tests that check a stray write faults. */
const void *chp_kimage_mapping(const struct chp_kimage *img);

#endif
