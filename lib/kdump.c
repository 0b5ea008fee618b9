/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * makedumpfile's dumps through libkdumpfile.  libkdumpfile decodes; before it
 * sees a file, its header is checked here against the file's size (a dump cut
 * short by a full disk is the common hostile input), and a flattened stream
 * is rearranged record by record with every record bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>

#include "crashhp/error.h"
#include "crashhp/kdump.h"
#include "crashhp/note.h"
#include "internal.h"

/* The 64-bit disk_dump_header (diskdump_mod.h): the fields checked here. */
#define DH_VERSION 8
#define DH_UTS_NODENAME (12 + 65)
#define DH_UTS_RELEASE (12 + 2 * 65)
#define DH_UTS_MACHINE (12 + 4 * 65)
#define DH_BLOCK_SIZE 428
#define DH_SUB_HDR_SIZE 432
#define DH_BITMAP_BLOCKS 436
#define DH_MAX_MAPNR 440
#define DH_NR_CPUS 460
#define DH_SIZE 464
/* kdump_sub_header, one block after the header. */
#define SH_DUMP_LEVEL 8
#define SH_SPLIT 12
#define SH_START_PFN 16
#define SH_END_PFN 24
#define SH_START_PFN_64 80
#define SH_END_PFN_64 88
#define SH_OFFSET_VMCOREINFO 32
#define SH_OFFSET_NOTE 48
#define SH_MAX_MAPNR_64 96
#define SH_SIZE 104

struct chp_kdump {
	kdump_ctx_t *ctx;
	int fd;
	struct chp_kdump_info info;
	struct chp_ranges *ram, *dumped;
	char *vmcoreinfo;
	uint64_t file_size, descriptors; /* where the page descriptors start */
	uint64_t vmcoreinfo_off, vmcoreinfo_size, note_off, note_size;
	uint64_t bitmaps, bitmap_bytes;  /* where the two bitmaps start, their size */
	uint64_t run_start;
	bool big;
};

static void tell(const struct chp_progress *p, uint64_t done, uint64_t total)
{
	if (p && p->fn)
		p->fn(p->ctx, done, total);
}

static uint32_t get32(const uint8_t *p, bool big)
{
	return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		   : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t get64(const uint8_t *p, bool big)
{
	return big ? (uint64_t)get32(p, true) << 32 | get32(p + 4, true)
		   : (uint64_t)get32(p + 4, false) << 32 | get32(p, false);
}

static void copy_field(char *dst, const uint8_t *src)
{
	memcpy(dst, src, 64);
	dst[64] = '\0';
}

/* A [offset, offset + size) the sub-header names must lie in the file. */
static int check_span(const uint8_t *sh, unsigned at, bool big, uint64_t file_size,
		      const char *name)
{
	uint64_t off = get64(sh + at, big), size = get64(sh + at + 8, big);

	if (size && (off > file_size || size > file_size - off))
		return chp_fail(-EINVAL, "kdump sub-header %s: [%" PRIu64 ", +%" PRIu64
				") lies past the end of the file (%" PRIu64 " bytes; truncated?)",
				name, off, size, file_size);
	return 0;
}

/* The disk_dump_header and kdump_sub_header, against each other and the file's size. */
static int check_header(struct chp_kdump *k, int fd, uint64_t file_size)
{
	struct chp_kdump_info *info = &k->info;
	uint8_t h[DH_SIZE], sh[SH_SIZE];
	int err = chp_pread_exact(fd, h, sizeof(h), 0, "kdump header");

	if (err)
		return err;
	/* Written in the crashed machine's byte order: the version is a small number. */
	bool big = get32(h + DH_VERSION, false) > 0xffff;
	uint32_t version = get32(h + DH_VERSION, big);
	uint32_t block = get32(h + DH_BLOCK_SIZE, big), sub = get32(h + DH_SUB_HDR_SIZE, big);
	uint32_t bitmap = get32(h + DH_BITMAP_BLOCKS, big);
	uint64_t mapnr = get32(h + DH_MAX_MAPNR, big);
	char machine[65];

	if (version == 0 || version > 64)
		return chp_fail(-EINVAL, "kdump header_version: %u (makedumpfile writes 1 to 6 or so)",
				version);
	if (block < 4096 || block > 65536 || (block & (block - 1)))
		return chp_fail(-EINVAL, "kdump header block_size: %u is not a page size", block);
	if (sub == 0 || sub > 1024)
		return chp_fail(-EINVAL, "kdump header sub_hdr_size: %u blocks", sub);
	if (bitmap == 0 || bitmap % 2)
		return chp_fail(-EINVAL, "kdump header bitmap_blocks: %u (two bitmaps of equal size)",
				bitmap);
	uint64_t bitmaps_end = (1ull + sub + bitmap) * block;
	if (bitmaps_end > file_size)
		return chp_fail(-EINVAL, "kdump header bitmap_blocks: the bitmaps end at offset %"
				PRIu64 ", past the end of the file (%" PRIu64 " bytes; truncated)",
				bitmaps_end, file_size);
	if ((err = chp_pread_exact(fd, sh, sizeof(sh), block, "kdump sub-header")))
		return err;
	if (version >= 6) {
		/* makedumpfile writes the 32-bit field as min(max_mapnr_64, UINT_MAX). */
		uint64_t mapnr64 = get64(sh + SH_MAX_MAPNR_64, big);
		if (mapnr != (mapnr64 > 0xffffffffu ? 0xffffffffu : mapnr64))
			return chp_fail(-EINVAL, "kdump header max_mapnr: %" PRIu64 ", but the "
					"sub-header's max_mapnr_64 is %" PRIu64, mapnr, mapnr64);
		mapnr = mapnr64;
	}
	if (mapnr == 0 || mapnr > (1ull << 52) || (mapnr + 7) / 8 > (uint64_t)bitmap * block / 2)
		return chp_fail(-EINVAL, "kdump max_mapnr: %" PRIu64 " pages do not fit %u bitmap "
				"blocks of %u bytes", mapnr, bitmap, block);
	if (version >= 3 && ((err = check_span(sh, SH_OFFSET_VMCOREINFO, big, file_size,
					       "offset_vmcoreinfo")) ||
			     (err = check_span(sh, SH_OFFSET_NOTE, big, file_size, "offset_note"))))
		return err;
	copy_field(machine, h + DH_UTS_MACHINE);
	info->arch_known = true;
	if (!strcmp(machine, "x86_64"))
		info->arch = CHP_ARCH_X86_64;
	else if (!strcmp(machine, "ppc64le"))
		info->arch = CHP_ARCH_PPC64LE;
	else if (!strcmp(machine, "ppc64"))
		info->arch = big ? CHP_ARCH_PPC64 : CHP_ARCH_PPC64LE;
	else if (!machine[0])
		info->arch_known = false; /* makedumpfile without VMCOREINFO: no utsname at all */
	else
		return chp_fail(-EINVAL, "kdump header utsname.machine: '%.64s' is not an "
				"architecture crashhp reads", machine);
	k->descriptors = bitmaps_end;
	k->bitmaps = (1ull + sub) * block;
	k->bitmap_bytes = (uint64_t)bitmap * block;
	k->big = big;
	if (version >= 3) {
		k->vmcoreinfo_off = get64(sh + SH_OFFSET_VMCOREINFO, big);
		k->vmcoreinfo_size = get64(sh + SH_OFFSET_VMCOREINFO + 8, big);
	}
	if (version >= 4) {
		k->note_off = get64(sh + SH_OFFSET_NOTE, big);
		k->note_size = get64(sh + SH_OFFSET_NOTE + 8, big);
	}
	/* --split: one file of several, with the pages of [start_pfn, end_pfn) only. */
	if (version >= 2 && get32(sh + SH_SPLIT, big)) {
		info->split = true;
		info->split_start_pfn = version >= 6 ? get64(sh + SH_START_PFN_64, big)
						     : get64(sh + SH_START_PFN, big);
		info->split_end_pfn = version >= 6 ? get64(sh + SH_END_PFN_64, big)
						   : get64(sh + SH_END_PFN, big);
		if (info->split_start_pfn > info->split_end_pfn || info->split_end_pfn > mapnr)
			return chp_fail(-EINVAL, "kdump sub-header start_pfn/end_pfn: [%" PRIu64
					", %" PRIu64 ") outside the %" PRIu64 " pages", info->split_start_pfn,
					info->split_end_pfn, mapnr);
	}
	info->header_version = version;
	info->page_size = block;
	info->max_pfn = mapnr;
	info->dump_level = version >= 1 ? get32(sh + SH_DUMP_LEVEL, big) : 0;
	copy_field(info->release, h + DH_UTS_RELEASE);
	copy_field(info->nodename, h + DH_UTS_NODENAME);
	return 0;
}

static int kfail(kdump_ctx_t *ctx, const char *what)
{
	return chp_fail(-EINVAL, "%s: %s", what, kdump_get_err(ctx));
}

/* A libkdumpfile page bitmap as ranges of physical memory. */
static int bitmap_ranges(struct chp_kdump *k, const char *key, struct chp_ranges *out,
			 uint64_t *bytes)
{
	kdump_attr_t attr = { .type = KDUMP_BITMAP };
	uint64_t page = k->info.page_size;
	kdump_addr_t idx = 0, end;
	int err = 0;

	if (kdump_get_typed_attr(k->ctx, key, &attr) != KDUMP_OK)
		return kfail(k->ctx, key);
	kdump_bmp_t *bmp = attr.val.bitmap;
	kdump_bmp_incref(bmp);
	*bytes = 0;
	while (!err && idx < k->info.max_pfn && kdump_bmp_find_set(bmp, &idx) == KDUMP_OK &&
	       idx < k->info.max_pfn) {
		end = idx;
		if (kdump_bmp_find_clear(bmp, &end) != KDUMP_OK || end > k->info.max_pfn)
			end = k->info.max_pfn;
		err = chp_ranges_add(out, (struct chp_range){ idx * page, end * page - 1 });
		*bytes += (end - idx) * page;
		idx = end;
	}
	kdump_bmp_decref(bmp);
	return err;
}

/*
 * The pages in this file: the second bitmap, read here (libkdumpfile 0.5.1
 * does not know --split files, whose bitmaps are the whole dump's), within
 * the file's own pfn range.
 */
static int read_dumped(struct chp_kdump *k, const struct chp_progress *progress)
{
	uint64_t half = k->bitmap_bytes / 2, first = 0, last = k->info.max_pfn;
	uint64_t page = k->info.page_size, run = 0, pfn;
	uint8_t *bits = malloc(1u << 16);
	int err = 0;

	if (!bits)
		return chp_fail(-ENOMEM, "out of memory");
	if (k->info.split) {
		first = k->info.split_start_pfn;
		last = k->info.split_end_pfn;
	}
	k->info.dumped_bytes = 0;
	for (pfn = first & ~7ull; pfn < last && !err;) {
		uint64_t byte = pfn / 8, n = (last + 7) / 8 - byte;
		n = n > (1u << 16) ? 1u << 16 : n;
		err = chp_pread_exact(k->fd, bits, (size_t)n, k->bitmaps + half + byte, "second bitmap");
		tell(progress, byte - first / 8 + n, (last + 7) / 8 - first / 8);
		for (uint64_t b = 0; !err && b < n * 8 && pfn < last; b++, pfn++) {
			bool set = pfn >= first && (bits[b / 8] >> (b % 8) & 1);
			if (set && !run++)
				k->run_start = pfn;
			if ((!set || pfn + 1 == last) && run) {
				uint64_t end = set ? pfn + 1 : pfn;
				err = chp_ranges_add(k->dumped, (struct chp_range){ k->run_start * page,
									end * page - 1 });
				k->info.dumped_bytes += (end - k->run_start) * page;
				run = 0;
			}
		}
	}
	free(bits);
	return err;
}

/*
 * Each dumped page has a 24-byte descriptor (offset, size, flags, page
 * flags) right after the bitmaps; the table, and the data the first and the
 * last descriptor name, must lie in the file: a dump cut short is refused.
 */
static int check_page_data(struct chp_kdump *k)
{
	uint64_t pages = k->info.dumped_bytes / k->info.page_size;
	uint8_t pd[24];
	int err = 0;

	if (pages * 24 > k->file_size || k->descriptors > k->file_size - pages * 24)
		return chp_fail(-EINVAL, "page descriptors: %" PRIu64 " pages dumped need %" PRIu64
				" bytes from offset %" PRIu64 ", past the end of the file (%" PRIu64
				" bytes; truncated)", pages, pages * 24, k->descriptors, k->file_size);
	for (uint64_t i = 0; i < pages && !err; i += pages - 1 ? pages - 1 : 1) {
		err = chp_pread_exact(k->fd, pd, sizeof(pd), k->descriptors + i * 24, "page descriptor");
		uint64_t off = get64(pd, k->big);
		uint32_t size = get32(pd + 8, k->big);
		if (!err && (size == 0 || size > k->info.page_size || off > k->file_size ||
			     size > k->file_size - off))
			err = chp_fail(-EINVAL, "page descriptor %" PRIu64 ": %u bytes at offset %"
				       PRIu64 ", the file has %" PRIu64 " (truncated)", i, size, off,
				       k->file_size);
	}
	return err;
}

/*
 * The notes and VMCOREINFO, read from the spans the sub-header names (checked
 * to lie in the file): NT_PRSTATUS counted, VMCOREINFO kept as text.
 */
static int read_notes(struct chp_kdump *k)
{
	struct chp_note_cursor c;
	struct chp_note n;
	uint8_t *buf;
	int got, err;

	if (k->vmcoreinfo_size) {
		if (k->vmcoreinfo_size > (1u << 20))
			return chp_fail(-EINVAL, "kdump sub-header size_vmcoreinfo: %" PRIu64
					" bytes", k->vmcoreinfo_size);
		k->vmcoreinfo = calloc(1, (size_t)k->vmcoreinfo_size + 1);
		if (!k->vmcoreinfo)
			return chp_fail(-ENOMEM, "out of memory");
		err = chp_pread_exact(k->fd, k->vmcoreinfo, (size_t)k->vmcoreinfo_size,
				 k->vmcoreinfo_off, "VMCOREINFO");
		if (err)
			return err;
		k->info.vmcoreinfo = true;
	}
	if (!k->note_size)
		return 0;
	if (k->note_size > (16u << 20))
		return chp_fail(-EINVAL, "kdump sub-header size_note: %" PRIu64 " bytes", k->note_size);
	buf = malloc((size_t)k->note_size);
	if (!buf)
		return chp_fail(-ENOMEM, "out of memory");
	err = chp_pread_exact(k->fd, buf, (size_t)k->note_size, k->note_off, "notes");
	chp_note_cursor_init(&c, buf, (size_t)k->note_size, k->big);
	while (!err && (got = chp_note_next(&c, &n)) == 1) {
		if (n.type == CHP_NT_PRSTATUS && !strcmp(n.name, "CORE"))
			k->info.cpus++;
		else if (!strcmp(n.name, "VMCOREINFO"))
			k->info.vmcoreinfo = true;
	}
	if (!err && got < 0)
		err = chp_fail(-EINVAL, "kdump notes (offset_note %" PRIu64 "): %s", k->note_off,
			       chp_last_error());
	free(buf);
	return err;
}

/* What libkdumpfile is asked: its name for the format, the page size, the RAM bitmap. */
static int read_with_libkdumpfile(struct chp_kdump *k)
{
	const char *s;
	kdump_num_t num;

	if (!(k->ctx = kdump_new()))
		return chp_fail(-ENOMEM, "out of memory");
	if (kdump_open_fd(k->ctx, k->fd) != KDUMP_OK)
		return kfail(k->ctx, "libkdumpfile");
	if (kdump_get_string_attr(k->ctx, KDUMP_ATTR_FILE_FORMAT, &s) == KDUMP_OK)
		snprintf(k->info.format, sizeof(k->info.format), "%s", s);
	if (kdump_get_number_attr(k->ctx, KDUMP_ATTR_PAGE_SIZE, &num) != KDUMP_OK)
		return kfail(k->ctx, "page size");
	if (num != k->info.page_size)
		return chp_fail(-EINVAL, "kdump header block_size: %u, but pages of %" PRIu64
				" bytes", k->info.page_size, (uint64_t)num);
	return bitmap_ranges(k, KDUMP_ATTR_MEMORY_PAGEMAP, k->ram, &k->info.ram_bytes);
}

static bool write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* The child's side: 'E' and the message, or 'O', the format name, the RAM ranges. */
static void child_report(struct chp_kdump *k, int fd)
{
	int err = read_with_libkdumpfile(k);

	if (err) {
		const char *why = chp_last_error();
		_exit(write_all(fd, "E", 1) && write_all(fd, why, strlen(why)) ? 1 : 2);
	}
	uint64_t n = chp_ranges_count(k->ram);
	bool ok = write_all(fd, "O", 1) && write_all(fd, k->info.format, sizeof(k->info.format)) &&
		  write_all(fd, &n, sizeof(n));
	for (uint64_t i = 0; ok && i < n; i++)
		ok = write_all(fd, chp_ranges_at(k->ram, (size_t)i), sizeof(struct chp_range));
	_exit(ok ? 0 : 2);
}

/*
 * libkdumpfile 0.5.1 (Debian 12) crashes in kdump_free(), after a failed open
 * (a fuzzed header) and after a good one (under MALLOC_PERTURB_).  So it
 * runs in a child, which sends back what it found and leaves without
 * cleaning up; a child killed by a signal is a file libkdumpfile cannot read.
 *
 * Its time is reading both bitmaps in (strace -tt of made-up dumps: 0.1 s
 * for 1 TiB, 0.37 to 1.14 s for 4 TiB: seconds for tens of TiB), and libkdumpfile
 * 0.5.1 has no hook to say how far it has got; the walk over the RAM
 * bitmap's runs after it is short.  So while it runs, `progress` is
 * told (0, 0), "working, how far unknown", at once and every 100 ms.
 */
static int libkdumpfile_in_child(struct chp_kdump *k, const struct chp_progress *progress)
{
	uint8_t *msg = NULL;
	size_t len = 0, cap = 0;
	int pipefd[2], status, err = 0;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return chp_fail(-errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return chp_fail(-e, "fork: %s", strerror(e));
	}
	if (pid == 0) {
		close(pipefd[0]);
		child_report(k, pipefd[1]);
	}
	close(pipefd[1]);
	for (;;) {
		if (len == cap) {
			uint8_t *grown = cap < (64u << 20) ? realloc(msg, cap ? 2 * cap : 4096) : NULL;
			if (!grown) {
				err = chp_fail(-ENOMEM, "out of memory");
				break;
			}
			msg = grown;
			cap = cap ? 2 * cap : 4096;
		}
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		tell(progress, 0, 0);
		int ready = poll(&pfd, 1, 100);
		if (ready < 0 && errno != EINTR) {
			err = chp_fail(-errno, "poll: %s", strerror(errno));
			break;
		}
		if (ready <= 0)
			continue;
		ssize_t n = read(pipefd[0], msg + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			free(msg);
			return chp_fail(-errno, "waitpid: %s", strerror(errno));
		}
	if (!err && WIFSIGNALED(status))
		err = chp_fail(-EINVAL, "libkdumpfile cannot read it (signal %d reading it)",
			       WTERMSIG(status));
	else if (!err && (!WIFEXITED(status) || WEXITSTATUS(status) || !len || msg[0] != 'O'))
		err = chp_fail(-EINVAL, "%.*s", len > 1 && msg[0] == 'E' ? (int)(len - 1) : 32,
			       len > 1 && msg[0] == 'E' ? (const char *)msg + 1
							: "libkdumpfile cannot read it");
	size_t head = 1 + sizeof(k->info.format) + sizeof(uint64_t);
	if (!err && len < head)
		err = chp_fail(-EIO, "libkdumpfile's reader said too little");
	if (!err) {
		uint64_t n;
		memcpy(k->info.format, msg + 1, sizeof(k->info.format));
		k->info.format[sizeof(k->info.format) - 1] = '\0';
		memcpy(&n, msg + 1 + sizeof(k->info.format), sizeof(n));
		if (n > (len - head) / sizeof(struct chp_range))
			err = chp_fail(-EIO, "libkdumpfile's reader said too little");
		k->info.ram_bytes = 0;
		for (uint64_t i = 0; !err && i < n; i++) {
			struct chp_range r;
			memcpy(&r, msg + head + i * sizeof(r), sizeof(r));
			err = chp_ranges_add(k->ram, r);
			k->info.ram_bytes += chp_range_size(r);
		}
	}
	free(msg);
	return err;
}

int chp_kdump_open(struct chp_kdump **out, const char *path, const char *tmpdir)
{
	return chp_kdump_open_progress(out, path, tmpdir, NULL);
}

int chp_kdump_open_progress(struct chp_kdump **out, const char *path, const char *tmpdir,
			    const struct chp_progress *progress)
{
	enum chp_dump_format fmt;
	bool flattened;
	int fd, err = chp_dump_open(&fd, &fmt, &flattened, path, tmpdir, progress);

	*out = NULL;
	if (err)
		return err;
	if (fmt == CHP_DUMP_KDUMP)
		err = chp_kdump_open_fd(out, fd, path, flattened, progress);
	else
		err = chp_fail(-EINVAL, "%s: not a kdump-compressed dump%s", path,
			       flattened ? " (a flattened ELF one, makedumpfile -E -F)" : "");
	close(fd);
	return err;
}

int chp_kdump_open_fd(struct chp_kdump **out, int fd, const char *name, bool flattened,
		      const struct chp_progress *progress)
{
	struct chp_kdump *k = calloc(1, sizeof(*k));
	struct stat st;
	int err = 0;

	*out = NULL;
	if (!k)
		return chp_fail(-ENOMEM, "out of memory");
	k->info.flattened = flattened;
	k->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (k->fd < 0 || fstat(k->fd, &st))
		err = chp_fail(-errno, "%s", strerror(errno));
	if (!err) {
		k->file_size = (uint64_t)st.st_size;
		err = check_header(k, k->fd, k->file_size);
	}
	if (!err && (chp_ranges_new(&k->ram) || chp_ranges_new(&k->dumped)))
		err = chp_fail(-ENOMEM, "out of memory");
	if (!err)
		err = libkdumpfile_in_child(k, progress);
	if (!err)
		err = read_notes(k);
	if (!err)
		err = read_dumped(k, progress);
	if (!err)
		err = check_page_data(k);
	if (err) {
		chp_fail_prefix(err, "%s: ", name);
		chp_kdump_free(k);
		return err;
	}
	*out = k;
	return 0;
}

void chp_kdump_free(struct chp_kdump *k)
{
	if (!k)
		return;
	if (k->ctx)
		kdump_free(k->ctx);
	if (k->fd >= 0)
		close(k->fd);
	chp_ranges_free(k->ram);
	chp_ranges_free(k->dumped);
	free(k->vmcoreinfo);
	free(k);
}

const struct chp_kdump_info *chp_kdump_info(const struct chp_kdump *k)
{
	return &k->info;
}

const struct chp_ranges *chp_kdump_ram(const struct chp_kdump *k)
{
	return k->ram;
}

const struct chp_ranges *chp_kdump_dumped(const struct chp_kdump *k)
{
	return k->dumped;
}

const char *chp_kdump_vmcoreinfo(const struct chp_kdump *k)
{
	return k->vmcoreinfo;
}
