/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which kind of dump a file is, and makedumpfile's flattened form (-F)
 * undone: its records written each at its offset, as makedumpfile -R does,
 * into an unlinked temporary file that the ELF or the kdump-compressed
 * reader then reads.  Every record is bounded before its data is copied.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashhp/kdump.h"
#include "internal.h"

/* makedumpfile.h: a 4 KiB header, then (offset, size) records, big endian. */
#define FLAT_HEADER_SIZE 4096u
#define FLAT_SIGNATURE "makedumpfile"
#define FLAT_END UINT64_MAX           /* END_FLAG_FLAT_HEADER: an offset of -1 */
#define FLAT_RECORD_MAX ((uint64_t)1 << 30) /* makedumpfile writes a buffer at a time */
#define FLAT_OFFSET_MAX ((uint64_t)1 << 52) /* 4 PiB: past any dump, short of off_t's end */

static enum chp_dump_format format_of_bytes(const unsigned char *head, ssize_t n)
{
	if (n >= 4 && !memcmp(head, "\177ELF", 4))
		return CHP_DUMP_ELF;
	if (n >= 8 && (!memcmp(head, "KDUMP   ", 8) || !memcmp(head, "DISKDUMP", 8)))
		return CHP_DUMP_KDUMP;
	if (n == 16 && !memcmp(head, FLAT_SIGNATURE, sizeof(FLAT_SIGNATURE) - 1))
		return CHP_DUMP_FLATTENED;
	return CHP_DUMP_UNKNOWN;
}

int chp_dump_format_of(const char *path, enum chp_dump_format *out)
{
	unsigned char head[16] = { 0 };
	/* Non-blocking: a FIFO without a writer would hold a blocking open for ever. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return chp_fail(-errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		/* Not a dump of any kind: the caller's open and fstat say what it is. */
		close(fd);
		*out = CHP_DUMP_UNKNOWN;
		return 0;
	}
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	if (n < 0)
		return chp_fail(-errno, "%s: %s", path, strerror(errno));
	*out = format_of_bytes(head, n);
	return 0;
}

int chp_pread_exact(int fd, void *buf, size_t len, uint64_t off, const char *what)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return chp_fail(-errno, "%s: %s", what, strerror(errno));
		if (n == 0)
			return chp_fail(-EINVAL, "%s: the file ends at offset %" PRIu64
					" (truncated)", what, off);
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static void tell(const struct chp_progress *p, uint64_t done, uint64_t total)
{
	if (p && p->fn)
		p->fn(p->ctx, done, total);
}

/*
 * One record's (offset, size), both unsigned: makedumpfile writes them as
 * off_t, but no offset past 2^52 or size past 1 GiB is one it writes, and
 * an offset past 2^63 is no file position at all.
 */
static int check_record(uint64_t rec, uint64_t pos, uint64_t off, uint64_t size)
{
	if (off > FLAT_OFFSET_MAX)
		return chp_fail(-EINVAL, "flattened record %" PRIu64 " at offset %" PRIu64
				": its offset field is %" PRIu64 " (%#" PRIx64 "), past %" PRIu64
				" (4 PiB)", rec, pos, off, off, FLAT_OFFSET_MAX);
	if (size == 0 || size > FLAT_RECORD_MAX)
		return chp_fail(-EINVAL, "flattened record %" PRIu64 " at offset %" PRIu64
				": its size field is %" PRIu64 " (%#" PRIx64 "), not 1 to %" PRIu64
				" bytes", rec, pos, size, size, FLAT_RECORD_MAX);
	return 0;
}

static int copy_record(int in, int out, uint8_t *buf, uint64_t rec, uint64_t pos,
		       uint64_t off, uint64_t size)
{
	int err = 0;

	for (uint64_t done = 0; done < size && !err;) {
		size_t n = size - done < (1u << 20) ? (size_t)(size - done) : 1u << 20;
		err = chp_pread_exact(in, buf, n, pos + 16 + done, "flattened record data");
		errno = 0;
		if (!err && pwrite(out, buf, n, (off_t)(off + done)) != (ssize_t)n)
			err = chp_fail(errno ? -errno : -EIO, "flattened record %" PRIu64 " at offset %"
				       PRIu64 ": writing its data at offset %" PRIu64 " of the "
				       "rearranged file: %s", rec, pos, off + done,
				       strerror(errno ? errno : EIO));
		done += n;
	}
	return err;
}

static int rearrange(int in, uint64_t in_size, int out, const struct chp_progress *progress)
{
	uint8_t head[32], *buf;
	uint64_t pos = FLAT_HEADER_SIZE;
	int err = chp_pread_exact(in, head, sizeof(head), 0, "flattened header");

	/* signature[16], then type and version */
	if (err)
		return err;
	if (chp_get64(head + 16, true) != 1 || chp_get64(head + 24, true) != 1)
		return chp_fail(-EINVAL, "flattened header: type %" PRIu64 ", version %" PRIu64
				" (makedumpfile writes 1 and 1)", chp_get64(head + 16, true),
				chp_get64(head + 24, true));
	buf = malloc(1u << 20);
	if (!buf)
		return chp_fail(-ENOMEM, "out of memory");
	for (uint64_t rec = 0;; rec++) {
		uint8_t dh[16];
		if ((err = chp_pread_exact(in, dh, 16, pos, "flattened record header")))
			break;
		uint64_t off = chp_get64(dh, true), size = chp_get64(dh + 8, true);
		if (off == FLAT_END)
			break;
		if ((err = check_record(rec, pos, off, size)))
			break;
		if (size > in_size - pos - 16) {
			err = chp_fail(-EINVAL, "flattened record %" PRIu64 " at offset %" PRIu64
				       ": %" PRIu64 " bytes of data, the file ends first (truncated)",
				       rec, pos, size);
			break;
		}
		if ((err = copy_record(in, out, buf, rec, pos, off, size)))
			break;
		pos += 16 + size;
		tell(progress, pos, in_size);
	}
	free(buf);
	return err;
}

static int flattened(int *out, enum chp_dump_format *format, int in, uint64_t in_size,
		     const char *tmpdir, const struct chp_progress *progress)
{
	const char *dir = tmpdir && *tmpdir ? tmpdir : "/tmp";
	unsigned char head[16] = { 0 };
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600), err;

	if (fd < 0)
		return chp_fail(-errno, "a temporary file in %s to rearrange into: %s", dir,
				strerror(errno));
	err = rearrange(in, in_size, fd, progress);
	if (!err) {
		ssize_t n = pread(fd, head, sizeof(head), 0);
		*format = format_of_bytes(head, n);
		if (*format != CHP_DUMP_ELF && *format != CHP_DUMP_KDUMP)
			err = chp_fail(-EINVAL, "the flattened stream holds neither a kdump-compressed "
				       "dump (signature KDUMP) nor an ELF one (makedumpfile -E)");
	}
	if (err) {
		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

int chp_dump_open(int *fd, enum chp_dump_format *format, bool *was_flattened, const char *path,
		  const char *tmpdir, const struct chp_progress *progress)
{
	unsigned char head[16] = { 0 };
	struct stat st;
	/* O_NONBLOCK: a FIFO without a writer is refused below, not waited on in open(). */
	int in = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), err = 0;
	ssize_t n;

	if (in < 0)
		return chp_fail(-errno, "%s: %s", path, strerror(errno));
	if (fstat(in, &st)) {
		err = chp_fail(-errno, "%s: %s", path, strerror(errno));
		close(in);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(in);
		return chp_fail(-EINVAL, "%s: not a regular file", path);
	}
	if ((n = pread(in, head, sizeof(head), 0)) < 0) {
		err = chp_fail(-errno, "%s: %s", path, strerror(errno));
		close(in);
		return err;
	}
	*format = format_of_bytes(head, n);
	*was_flattened = *format == CHP_DUMP_FLATTENED;
	if (!*was_flattened) {
		*fd = in;
		return 0;
	}
	err = flattened(fd, format, in, (uint64_t)st.st_size, tmpdir, progress);
	close(in);
	if (err)
		chp_fail_prefix(err, "%s: ", path);
	return err;
}
