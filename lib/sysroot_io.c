/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading files under a sysroot that may be hostile: a dump handed over by
 * someone else, or a tree a fuzzer made.  Every file is opened without
 * following a link out of the sysroot, without blocking (a FIFO in place of
 * a file would hang a blocking open or read), and used only when it is a
 * regular file, which every sysfs and procfs attribute is.  Reads are bounded.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "sysroot_internal.h"

/* Large enough for /proc/iomem and /proc/cmdline of any real machine. */
#define MAX_FILE (8u << 20)

/*
 * The bytes as they are: whoever shows the message escapes it, once, by one
 * rule (crashhp(1) TEXT OUTPUT on a terminal, json-c in JSON).  An excerpt
 * escaped here was escaped twice on stderr, where a backslash before an x is
 * \x5c so that a file name holding the text "\x1b" is not read as ESC: a
 * file's ESC came out as the text "\x5cx1b".
 */
const char *chp_excerpt(const char *text, char *out, size_t cap)
{
	size_t o = 0;
	size_t i = 0;

	/* At most CHP_EXCERPT_CHARS bytes of the text, whatever `cap` allows. */
	for (; text[i] && i < CHP_EXCERPT_CHARS && o + 4 < cap; i++)
		out[o++] = text[i];
	if (text[i] && o + 4 <= cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o < cap ? o : cap - 1] = '\0';
	return out;
}

void chp_sysroot_note_absent(struct chp_sysroot *s, const char *path, const char *meaning)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s: %s\n", path, meaning);

	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	/* Doubling: a line a file absent, several a memory block on a sysroot without them. */
	if (chp_grow(&s->absent, &s->absent_cap, s->absent_len + (size_t)n + 1, 1, 4096))
		return;
	memcpy(s->absent + s->absent_len, line, (size_t)n + 1);
	s->absent_len += (size_t)n;
}

int chp_sysroot_root_open(struct chp_sysroot *s)
{
	char real[PATH_MAX];

	s->root_fd = -1;
	if (!s->prefix[0])
		return 0; /* "/": nothing to stay under */
	s->root_fd = open(s->prefix, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd >= 0 && realpath(s->prefix, real) && (s->root_real = strdup(real)))
		return 0;
	if (s->root_fd >= 0)
		close(s->root_fd);
	s->root_fd = -1;
	return chp_fail(-ENOENT, "%s: not a directory", s->prefix);
}

/*
 * Without openat2 (before Linux 5.6, or a seccomp filter that hides it):
 * resolve every link by hand, check the result, then open it without
 * following a link.
 */
static int open_resolved(const struct chp_sysroot *s, const char *rel, int flags)
{
	char full[PATH_MAX], real[PATH_MAX];
	size_t n = strlen(s->root_real);
	int fd;

	if (snprintf(full, sizeof(full), "%s/%s", s->root_real, rel) >= (int)sizeof(full))
		return -ENAMETOOLONG;
	if (!realpath(full, real))
		return -errno;
	if (strncmp(real, s->root_real, n) || (real[n] != '/' && real[n] != '\0' && n > 1))
		return -EXDEV;
	fd = open(real, flags | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

int chp_sysroot_openat(const struct chp_sysroot *s, const char *path, int flags)
{
	const char *rel = path + strspn(path, "/");
	int fd;

	flags |= O_CLOEXEC;
	if (s->root_fd < 0) {
		fd = open(path, flags);
		return fd < 0 ? -errno : fd;
	}
	if (!*rel)
		rel = ".";
	if (!s->no_openat2) {
		/* Links inside the sysroot are fine (real /sys is full of them). */
		struct open_how how = { .flags = (uint64_t)flags,
					.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
		long r = syscall(SYS_openat2, s->root_fd, rel, &how, sizeof(how));
		if (r >= 0)
			return (int)r;
		if (errno != ENOSYS && errno != EPERM)
			return -errno;
	}
	return open_resolved(s, rel, flags);
}

/* -EXDEV: a link out of the sysroot; -ELOOP: links that never end (a loop, or over 40). */
static int refuse_link(const struct chp_sysroot *s, const char *path, int why)
{
	return chp_fail(-EINVAL, "%s%s: %s: refused", s->prefix, path,
			why == -ELOOP ? "a symbolic link loop (or more than 40 links in a row)"
				      : "a symbolic link that leads out of the sysroot");
}

int chp_sysroot_exists(const struct chp_sysroot *s, const char *path)
{
	int fd = chp_sysroot_openat(s, path, O_PATH);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int chp_sysroot_open_regular(struct chp_sysroot *s, const char *path, const char *meaning, int *out)
{
	struct stat st, again;
	/*
	 * Look before opening: opening a device has effects (a watchdog starts,
	 * a tape rewinds), so only a regular file is opened to be read.
	 */
	int fd = chp_sysroot_openat(s, path, O_PATH);

	*out = -1;
	if (fd == -EXDEV || fd == -ELOOP)
		return refuse_link(s, path, fd);
	if (fd == -ENOENT || fd == -ENOTDIR || fd == -EACCES || fd == -EPERM) {
		if (meaning)
			chp_sysroot_note_absent(s, path, fd == -ENOENT || fd == -ENOTDIR
							 ? meaning : "not readable here");
		return 0;
	}
	if (fd < 0)
		return chp_fail(fd, "%s%s: %s", s->prefix, path, strerror(-fd));
	int looked = fstat(fd, &st);
	close(fd);
	if (looked || !S_ISREG(st.st_mode))
		return chp_fail(-EINVAL, "%s%s: not a regular file (as every sysfs and procfs "
				"attribute is): refused", s->prefix, path);
	/* Non-blocking all the same, should a FIFO take the file's place meanwhile. */
	fd = chp_sysroot_openat(s, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd == -EACCES || fd == -EPERM) {
		if (meaning)
			chp_sysroot_note_absent(s, path, "not readable here");
		return 0;
	}
	if (fd < 0)
		return chp_fail(fd == -EXDEV || fd == -ELOOP ? -EINVAL : fd, "%s%s: %s", s->prefix,
				path, strerror(-fd));
	if (fstat(fd, &again) || again.st_dev != st.st_dev || again.st_ino != st.st_ino) {
		close(fd);
		return chp_fail(-EINVAL, "%s%s: changed while it was opened: refused", s->prefix, path);
	}
	*out = fd;
	return 1;
}

/*
 * Read all of fd into *buf (grown as needed, NUL-terminated): 0, 1 when the
 * file holds more than `limit` bytes, or -errno.
 */
static int read_bounded(int fd, char **buf, size_t limit, size_t *len)
{
	size_t cap = 0;

	*len = 0;
	for (;;) {
		if (*len == cap) {
			/* One byte past the limit tells a file that is too large. */
			size_t grown_cap = cap ? 2 * cap : 4096;
			if (grown_cap > limit + 1)
				grown_cap = limit + 1;
			if (grown_cap <= cap)
				return 1;
			char *grown = realloc(*buf, grown_cap + 1);
			if (!grown)
				return -ENOMEM;
			*buf = grown;
			cap = grown_cap;
		}
		ssize_t n = read(fd, *buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	(*buf)[*len] = '\0';
	return *len > limit;
}

/*
 * The text of a file of at most `limit` bytes: 1 with *text malloc'd, 0
 * absent (noted with `meaning`), <0 an error with the file named.
 */
static int read_text(struct chp_sysroot *s, const char *path, size_t limit, char **text,
		     const char *meaning)
{
	int fd, r = chp_sysroot_open_regular(s, path, meaning, &fd);
	size_t len = 0;
	char *buf = NULL;

	if (r <= 0)
		return r;
	/* procfs files show size 0: the limit, not st_size, bounds the read. */
	r = read_bounded(fd, &buf, limit, &len);
	close(fd);
	if (r < 0) {
		free(buf);
		if (r == -EACCES || r == -EPERM || r == -EIO) {
			if (meaning)
				chp_sysroot_note_absent(s, path, "not readable here");
			return 0;
		}
		/*
		 * /sys/kernel/kexec_crash_size answers EBUSY while the kernel's
		 * kexec lock is held (crash_get_memory_size() only tries it): a
		 * kdump load or a crash hotplug update is running, as when a
		 * DIMM comes online while watch starts.  Unknown now, not a
		 * broken machine.
		 */
		if (r == -EBUSY && meaning) {
			chp_sysroot_note_absent(s, path, "busy (the kernel's kexec lock was held: "
						"a kdump load or a crash hotplug update)");
			return 0;
		}
		return chp_fail(r, "%s%s: %s", s->prefix, path, strerror(-r));
	}
	if (r == 1) {
		free(buf);
		return chp_fail(-EINVAL, "%s%s: more than %zu bytes, more than this file ever holds",
				s->prefix, path, limit);
	}
	if (strlen(buf) != len) {
		free(buf);
		return chp_fail(-EINVAL, "%s%s: holds a NUL byte", s->prefix, path);
	}
	*text = buf;
	return 1;
}

int chp_sysroot_read_all(struct chp_sysroot *s, const char *path, char **text, const char *meaning)
{
	return read_text(s, path, MAX_FILE, text, meaning);
}

int chp_sysroot_read(struct chp_sysroot *s, const char *path, char *buf, size_t cap,
		     const char *meaning)
{
	char *text = NULL;
	size_t len;
	/* Trailing newline and padding included: twice the room is plenty. */
	int r = read_text(s, path, 2 * cap, &text, meaning);

	if (r <= 0)
		return r;
	len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	if (len >= cap) {
		free(text);
		return chp_fail(-EINVAL, "%s%s: %zu bytes, more than this file ever holds", s->prefix,
				path, len);
	}
	memcpy(buf, text, len + 1);
	free(text);
	return 1;
}

int chp_sysroot_opendir(struct chp_sysroot *s, const char *path, DIR **dir)
{
	int fd = chp_sysroot_openat(s, path, O_RDONLY | O_DIRECTORY);

	*dir = NULL;
	if (fd == -EXDEV || fd == -ELOOP)
		return refuse_link(s, path, fd);
	if (fd == -ENOTDIR && chp_sysroot_exists(s, path))
		return chp_fail(-EINVAL, "%s%s: not a directory", s->prefix, path);
	if (fd < 0)
		return 0;
	*dir = fdopendir(fd);
	if (!*dir) {
		int e = errno;
		close(fd);
		return chp_fail(-e, "%s%s: %s", s->prefix, path, strerror(e));
	}
	return 1;
}
