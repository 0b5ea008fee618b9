/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz whole sysroots: the bytes become a tree of files in a temporary
 * directory, which is read as a machine (chp_sysroot_open, then the model),
 * from which a header is built and verified against the model, the way
 * `crashhp elfcorehdr` and `crashhp verify --against` use a dump someone
 * handed over.  Nothing may crash, hang, leak, read outside the tree or
 * allocate without bound, whatever the tree holds; an error is an answer.
 *
 * The input is a list of entries, each two NUL-terminated strings: a path
 * (relative to the tree) and what it holds.  A path starting with '@' is a
 * symbolic link whose target is the second string; with '|' a FIFO; with '%'
 * a regular file whose bytes are the second string in hex (binary files:
 * /proc/kcore, or a NUL where text belongs); else a regular file with the
 * second string as its text.  fuzz/seed-sysroot.py writes real trees in this
 * form.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashhp/crashmem.h"
#include "crashhp/elfcore.h"
#include "crashhp/machine.h"
#include "crashhp/ranges.h"
#include "crashhp/sysroot.h"
#include "crashhp/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Enough for any real tree the seeds hold, few enough to stay fast. */
#define MAX_ENTRIES 2048
#define MAX_PATH_LEN 200

/* Paths stay inside the tree: no "..", nothing absolute, no empty parts. */
static bool path_ok(const char *p)
{
	size_t len = strlen(p);

	if (!len || len > MAX_PATH_LEN || p[0] == '/' || p[len - 1] == '/' || strstr(p, "//"))
		return false;
	for (const char *c = p; c; c = strchr(c, '/')) {
		if (*c == '/')
			c++;
		if (!strncmp(c, "..", 2) && (c[2] == '/' || !c[2]))
			return false;
		if (c[0] == '.' && (c[1] == '/' || !c[1]))
			return false;
	}
	return true;
}

/* mkdir -p of the directories above `path` (relative to dirfd). */
static bool make_parents(int dirfd, char *path)
{
	for (char *slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		int r = mkdirat(dirfd, path, 0700);
		*slash = '/';
		if (r && errno != EEXIST)
			return false;
	}
	return true;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex pairs to bytes, in place; stops at the first character that is not one. */
static size_t unhex(char *text)
{
	size_t n = 0;

	for (const char *p = text; hex_digit(p[0]) >= 0 && hex_digit(p[1]) >= 0; p += 2)
		text[n++] = (char)(hex_digit(p[0]) << 4 | hex_digit(p[1]));
	return n;
}

static void make_entry(int dirfd, char *path, char *text)
{
	char kind = path[0] == '@' || path[0] == '|' || path[0] == '%' ? path[0] : 'f';
	char *rel = kind == 'f' ? path : path + 1;

	if (!path_ok(rel) || !make_parents(dirfd, rel))
		return;
	if (kind == '@') {
		symlinkat(text, dirfd, rel);
	} else if (kind == '|') {
		mkfifoat(dirfd, rel, 0600);
	} else {
		int fd = openat(dirfd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			size_t len = kind == '%' ? unhex(text) : strlen(text);
			if (write(fd, text, len) != (ssize_t)len)
				(void)0; /* a short tree is still a tree */
			close(fd);
		}
	}
}

static void make_tree(const char *root, const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 2);
	int dirfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t off = 0;

	if (!copy || dirfd < 0)
		goto out;
	memcpy(copy, data, size);
	copy[size] = copy[size + 1] = '\0';
	for (unsigned n = 0; off < size && n < MAX_ENTRIES; n++) {
		char *path = copy + off;
		off += strlen(path) + 1;
		char *text = off <= size ? copy + off : copy + size + 1;
		off += strlen(text) + 1;
		make_entry(dirfd, path, text);
	}
out:
	if (dirfd >= 0)
		close(dirfd);
	free(copy);
}

static char base[64];

static void remove_base(void)
{
	rmdir(base);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* What `crashhp elfcorehdr` then `crashhp verify --against` do with a tree. */
static void use_machine(const struct chp_sysroot *s, const struct chp_machine *m, const char *hdr_path)
{
	size_t room = chp_crashmem_segment_size(m), len = 0;
	uint8_t *buf = calloc(1, room);
	struct chp_ranges *ranges = NULL;
	struct chp_verify_report *r;
	FILE *f;

	if (!buf || chp_ranges_new(&ranges) || chp_crashmem_header_ranges(m, ranges) ||
	    chp_crashmem_build_header_from(m, ranges, buf, room, &len))
		goto out;
	f = fopen(hdr_path, "wb");
	if (!f)
		goto out;
	fwrite(buf, 1, len, f);
	fclose(f);
	if (chp_verify_file(&r, m, hdr_path, NULL) == 0) {
		chp_verify_report_complete(r);
		chp_verify_report_free(r);
	}
out:
	chp_ranges_free(ranges);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char root[96], hdr[96];
	struct chp_sysroot *s;
	struct chp_machine *m;

	if (!base[0]) {
		/* tmpfs when there is one: thousands of small files a second. */
		const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(base, sizeof(base), "%s/chp-fuzz-sysroot-XXXXXX", tmp);
		if (!mkdtemp(base))
			abort();
		atexit(remove_base);
	}
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(hdr, sizeof(hdr), "%s/elfcorehdr", base);
	if (mkdir(root, 0700))
		abort();
	make_tree(root, data, size);
	if (chp_sysroot_open(&s, root) == 0) {
		uint64_t paddr, bytes;
		/* What watch reads again on a CPU event. */
		for (size_t i = 0; i < chp_sysroot_nr_cpus(s); i++)
			chp_sysroot_cpu_notes_now(s, chp_sysroot_cpu(s, i)->cpu, &paddr, &bytes);
		if (chp_machine_new_from_sysroot(&m, s) == 0) {
			use_machine(s, m, hdr);
			chp_machine_free(m);
		}
		chp_sysroot_free(s);
	}
	nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	unlink(hdr);
	return 0;
}
