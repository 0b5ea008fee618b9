/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_KDUMP_H
#define CRASHHP_KDUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "crashhp/arch.h"
#include "crashhp/progress.h"
#include "crashhp/ranges.h"

/*
 * The dumps admins keep: makedumpfile's kdump-compressed format (what
 * Debian's kdump-tools and Fedora's kdump-utils write), and its flattened
 * form (-F, a stream of (offset, data) records), read through libkdumpfile.
 * The file's own header is validated first, field by field, so that a
 * truncated or hostile file is refused with the field named before any
 * reader trusts it.
 */

enum chp_dump_format {
	CHP_DUMP_ELF,         /* an ELF core: an elfcorehdr or /proc/vmcore's layout */
	CHP_DUMP_KDUMP,       /* kdump-compressed ("KDUMP   ") or diskdump ("DISKDUMP") */
	CHP_DUMP_FLATTENED,   /* makedumpfile -F */
	CHP_DUMP_UNKNOWN,
};

/* What the first bytes of `path` say it is; -errno when it cannot be read. */
int chp_dump_format_of(const char *path, enum chp_dump_format *out);

/*
 * Open `path` to read the dump in it.  A flattened file (makedumpfile -F,
 * with or without -E) is rearranged first, as makedumpfile -R would, into an
 * unlinked temporary file in `tmpdir` (NULL: /tmp), `progress` (may be NULL)
 * told the bytes of it read.  *fd: the file to read, for the caller to
 * close; *format: what it holds (CHP_DUMP_ELF or CHP_DUMP_KDUMP from a
 * flattened file, anything refused there; any from another file);
 * *flattened: it was rearranged.  -EINVAL with the record or field named.
 */
int chp_dump_open(int *fd, enum chp_dump_format *format, bool *flattened, const char *path,
		  const char *tmpdir, const struct chp_progress *progress);

struct chp_kdump_info {
	bool flattened;            /* read from makedumpfile -F output */
	char format[32];           /* libkdumpfile's name for it ("diskdump") */
	enum chp_arch arch;        /* when arch_known */
	bool arch_known;           /* utsname.machine names one (empty without VMCOREINFO) */
	uint32_t header_version;
	uint32_t page_size;
	uint32_t dump_level;       /* makedumpfile -d: what it filtered out (header v1+) */
	uint64_t max_pfn;          /* pages the bitmaps describe */
	unsigned cpus;             /* NT_PRSTATUS notes */
	char release[65];          /* the crashed kernel's uname -r ("": not recorded) */
	char nodename[65];
	uint64_t ram_bytes;        /* RAM the capture kernel's /proc/vmcore listed */
	uint64_t dumped_bytes;     /* of it, the pages written to the file */
	bool vmcoreinfo;           /* a VMCOREINFO note is present */
	bool split;                /* one file of makedumpfile --split's */
	uint64_t split_start_pfn, split_end_pfn; /* its pages: [start, end) */
};

struct chp_kdump;

/*
 * Open and validate.  A flattened file is rearranged into an unlinked
 * temporary file in `tmpdir` (NULL: /tmp) first, as makedumpfile -R would.
 * -EINVAL with the field named for a malformed file, -errno for I/O.
 */
int chp_kdump_open(struct chp_kdump **out, const char *path, const char *tmpdir);
/*
 * The same, telling `progress` (may be NULL) how far it has got: the bytes
 * of a flattened file rearranged, then the bytes of the second bitmap read
 * (each with its own total; a dump of a large machine takes seconds to
 * minutes for the first, a second for the other).
 */
int chp_kdump_open_progress(struct chp_kdump **out, const char *path, const char *tmpdir,
			    const struct chp_progress *progress);
/*
 * The same on a file chp_dump_open() gave as CHP_DUMP_KDUMP (`fd` is not
 * taken; `name` is what messages call it).
 */
int chp_kdump_open_fd(struct chp_kdump **out, int fd, const char *name, bool flattened,
		      const struct chp_progress *progress);
void chp_kdump_free(struct chp_kdump *k);

const struct chp_kdump_info *chp_kdump_info(const struct chp_kdump *k);
/* RAM the original dump had (the first bitmap), physical, inclusive ends. */
const struct chp_ranges *chp_kdump_ram(const struct chp_kdump *k);
/* The pages in the file (the second bitmap): RAM less what -d filtered out. */
const struct chp_ranges *chp_kdump_dumped(const struct chp_kdump *k);
/* The VMCOREINFO text, or NULL. */
const char *chp_kdump_vmcoreinfo(const struct chp_kdump *k);

#endif
