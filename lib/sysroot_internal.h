/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_SYSROOT_INTERNAL_H
#define CRASHHP_SYSROOT_INTERNAL_H

#include <dirent.h>

#include "crashhp/sysroot.h"

/* x86_64's MAX_PHYSMEM_BITS (5-level paging): no physical address reaches it. */
#define CHP_PHYS_LIMIT (1ull << 52)
/* The kernel's smallest memory block: a section, 16 MiB on ppc64. */
#define CHP_MIN_BLOCK_SIZE (16ull << 20)
/* No kernel's memory blocks are this large (x86_64's are at most 2 GiB). */
#define CHP_MAX_BLOCK_SIZE (1ull << 40)
/* A crash_notes buffer (note_buf_t) is a few hundred bytes; vmcoreinfo one page. */
#define CHP_MAX_NOTE_BUF (1u << 20)
/* Characters of a file's text an error message may quote. */
#define CHP_EXCERPT_CHARS 40

struct chp_sysroot {
	char *prefix;
	int root_fd;                  /* the prefix, -1 for "/" */
	char *root_real;              /* its real path */
	bool no_openat2;              /* resolve by hand (tests set it) */
	char release[128];
	char *cmdline;
	char *absent;
	size_t absent_len, absent_cap; /* s->absent has room for absent_cap bytes */

	struct chp_ranges *possible, *present, *online;
	long kernel_max;
	struct chp_live_cpu *cpus;
	size_t ncpus;
	int cpu_crash_hotplug, mem_crash_hotplug;

	uint64_t block_size;
	struct chp_live_block *blocks;
	size_t nblocks;
	char auto_online[32];

	struct chp_iomem_entry *iomem;
	size_t niomem;
	bool iomem_readable, iomem_zeroed;
	struct chp_ranges *system_ram, *crashkernel, *kmem;
	bool has_kernel_image;
	struct chp_range kernel_image;

	int kexec_loaded, kexec_crash_loaded;
	int64_t kexec_crash_size, elfcorehdr_size;
	bool has_direct_map;
	uint64_t direct_map;
	bool has_text_vaddr;
	uint64_t text_vaddr;
	uint64_t end_vaddr;           /* _end, 0 when unknown */
	bool has_vmcoreinfo;
	uint64_t vmcoreinfo_paddr, vmcoreinfo_size;
	uint16_t kcore_machine;       /* /proc/kcore's e_machine, 0 unread */
	char arch[32];                /* uname -m's name, "" unknown */
	const char *arch_from;        /* the file that told it */
};

/*
 * A short excerpt of untrusted text for a message: at most
 * CHP_EXCERPT_CHARS bytes as they are, "..." when cut; the message's reader
 * escapes it (chp_last_error() holds the bytes read, as it holds file names).
 * Returns `out`.
 */
const char *chp_excerpt(const char *text, char *out, size_t cap);
#define CHP_EXCERPT(text) chp_excerpt((text), (char[4 * CHP_EXCERPT_CHARS + 8]){ 0 }, \
				      4 * CHP_EXCERPT_CHARS + 8)

void chp_sysroot_note_absent(struct chp_sysroot *s, const char *path, const char *meaning);
/* Open the prefix (sets root_fd and root_real). */
int chp_sysroot_root_open(struct chp_sysroot *s);
/*
 * open(2) of PATH (absolute, as on the machine) under the prefix, following
 * links only while they stay under it: an fd, or -errno (-EXDEV for a link
 * that leads out).
 */
int chp_sysroot_openat(const struct chp_sysroot *s, const char *path, int flags);
/* 1 when PATH exists under the prefix. */
int chp_sysroot_exists(const struct chp_sysroot *s, const char *path);
/*
 * Open a file to read: 1 with *fd of a regular file, 0 absent or unreadable
 * (noted with `meaning` when not NULL), <0 refused or failed, file named.
 */
int chp_sysroot_open_regular(struct chp_sysroot *s, const char *path, const char *meaning, int *fd);
/* A directory under the prefix: 1 with *dir, 0 absent, <0 refused. */
int chp_sysroot_opendir(struct chp_sysroot *s, const char *path, DIR **dir);

/*
 * Read a small file under the prefix.  1 with its text (trailing newline
 * removed), 0 when absent (recorded with `meaning`), <0 on another error.
 */
int chp_sysroot_read(struct chp_sysroot *s, const char *path, char *buf, size_t cap,
		     const char *meaning);
/* The whole of a file that may be large (/proc/iomem); *text malloc'd. */
int chp_sysroot_read_all(struct chp_sysroot *s, const char *path, char **text, const char *meaning);
int chp_sysroot_parse_iomem(struct chp_sysroot *s, const char *text, const char *path);
/*
 * KASLR facts (sysroot_kmap.c); a file absent or unreadable leaves them
 * unknown; <0 only for a file refused (not regular, a link out).
 */
int chp_sysroot_read_kallsyms(struct chp_sysroot *s);
int chp_sysroot_read_kcore(struct chp_sysroot *s);
/* _text and _end inside x86_64's kernel map (once the architecture is known). */
int chp_sysroot_check_kmap(const struct chp_sysroot *s);
/* The architecture (sysroot_arch.c), after the release and kcore are read. */
int chp_sysroot_read_arch(struct chp_sysroot *s);

#endif
