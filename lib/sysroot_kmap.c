/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the running kernel put itself: _text and _end from /proc/kallsyms,
 * the direct map's base from /proc/kcore.  Both move with KASLR and both
 * show only to root; without them a live header assumes no randomization
 * (said by the commands that build one).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crashhp/elfcore.h"
#include "internal.h"
#include "sysroot_internal.h"

/* Past this much, kallsyms is not a real one: give up, and say so. */
#define MAX_KALLSYMS (1ull << 30)

static void kallsyms_line(struct chp_sysroot *s, const char *line)
{
	unsigned long long a;
	char type, name[64];

	if (sscanf(line, "%llx %c %63s", &a, &type, name) != 3)
		return;
	if (!strcmp(name, "_text")) {
		s->has_text_vaddr = a != 0;
		s->text_vaddr = a;
	} else if (!strcmp(name, "_end")) {
		s->end_vaddr = a;
	}
}

/*
 * _text and _end from /proc/kallsyms: shown only to root with kptr_restrict
 * off.  Read as a stream, line by line: a real one holds tens of megabytes
 * with modules loaded, and _end may come late.
 */
int chp_sysroot_read_kallsyms(struct chp_sysroot *s)
{
	static const char path[] = "/proc/kallsyms";
	char buf[65536];
	size_t have = 0;
	uint64_t total = 0;
	bool skipping = false; /* inside a line longer than any symbol's */
	int fd, r = chp_sysroot_open_regular(s, path, NULL, &fd);

	if (r <= 0)
		return r;
	while (!(s->text_vaddr && s->end_vaddr)) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (total += (uint64_t)n) > MAX_KALLSYMS) {
			if (n > 0 || (n < 0 && errno != EACCES && errno != EPERM))
				chp_sysroot_note_absent(s, path, n > 0 ? "larger than 1 GiB: not read to its end, "
								   "KASLR may be unknown"
								 : "not read to its end: KASLR may be unknown");
			else if (have && !skipping) {
				buf[have] = '\0';
				kallsyms_line(s, buf);
			}
			break;
		}
		have += (size_t)n;
		buf[have] = '\0';
		char *line = buf, *nl;
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			*nl = '\0';
			if (!skipping)
				kallsyms_line(s, line);
			skipping = false;
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1) {
			skipping = true;
			have = 0;
		}
	}
	close(fd);
	return 0;
}

/*
 * x86_64's kernel map: __START_KERNEL_map and KERNEL_IMAGE_SIZE (1 GiB with
 * KASLR, 512 MiB without): _text and _end lie in it, whatever KASLR chose.
 */
#define KERNEL_MAP_START 0xffffffff80000000ull
#define KERNEL_MAP_END (KERNEL_MAP_START + (1ull << 30))

int chp_sysroot_check_kmap(const struct chp_sysroot *s)
{
	static const char path[] = "/proc/kallsyms";

	if (s->arch[0] && strcmp(s->arch, "x86_64"))
		return 0; /* the live builder refuses it; status does not use them */
	if (s->has_text_vaddr && (s->text_vaddr < KERNEL_MAP_START || s->text_vaddr >= KERNEL_MAP_END))
		return chp_fail(-EINVAL, "%s%s: _text %#" PRIx64 " is outside x86_64's kernel map "
				"[%#llx, %#llx)", s->prefix, path, s->text_vaddr, KERNEL_MAP_START,
				KERNEL_MAP_END);
	if (s->has_text_vaddr && s->end_vaddr &&
	    (s->end_vaddr <= s->text_vaddr || s->end_vaddr > KERNEL_MAP_END))
		return chp_fail(-EINVAL, "%s%s: _end %#" PRIx64 " is %s: the image _text.._end "
				"must lie in x86_64's kernel map, at most KERNEL_IMAGE_SIZE (1 GiB)",
				s->prefix, path, s->end_vaddr,
				s->end_vaddr <= s->text_vaddr ? "not past _text" : "past the kernel map's end");
	return 0;
}

static bool is_ram_start(const struct chp_sysroot *s, uint64_t paddr)
{
	for (size_t i = 0; i < chp_ranges_count(s->system_ram); i++)
		if (chp_ranges_at(s->system_ram, i)->start == paddr)
			return true;
	return false;
}

/*
 * /proc/kcore describes the running kernel as an ELF core: its RAM segments
 * carry the direct map's addresses, so vaddr - paddr is page_offset_base.
 * Only its head is read; a dump without it just lacks the fact.
 */
int chp_sysroot_read_kcore(struct chp_sysroot *s)
{
	uint8_t head[65536];
	ssize_t n;
	int fd, r = chp_sysroot_open_regular(s, "/proc/kcore", NULL, &fd);

	if (r <= 0)
		return r;
	do
		n = read(fd, head, sizeof(head));
	while (n < 0 && errno == EINTR);
	close(fd);
	/*
	 * kcore's segments overlap and their file offsets, derived from virtual
	 * addresses, may wrap: only what is needed here is checked, by hand.
	 */
	if (n < 64 || memcmp(head, "\x7f" "ELF", 4) || head[4] != 2 || head[5] != 1)
		return 0;
	s->kcore_machine = chp_get16(head + 18, false); /* the running kernel's ELF_ARCH */
	uint64_t phoff = chp_get64(head + 32, false);
	uint16_t phentsize = chp_get16(head + 54, false), phnum = chp_get16(head + 56, false);
	if (phentsize != 56 || phoff < 64 || phoff > (uint64_t)n ||
	    (uint64_t)phnum * 56 > (uint64_t)n - phoff)
		return 0;
	for (uint16_t i = 0; i < phnum; i++) {
		const uint8_t *ph = head + phoff + 56u * i;
		uint64_t vaddr = chp_get64(ph + 16, false), paddr = chp_get64(ph + 24, false);
		/* The RAM segment starting where a System RAM resource starts. */
		if (chp_get32(ph, false) == CHP_PT_LOAD && vaddr > paddr &&
		    vaddr < 0xffffffff80000000ull && is_ram_start(s, paddr)) {
			s->direct_map = vaddr - paddr;
			s->has_direct_map = true;
			return 0;
		}
	}
	return 0;
}

bool chp_sysroot_direct_map(const struct chp_sysroot *s, uint64_t *base)
{
	*base = s->direct_map;
	return s->has_direct_map;
}

bool chp_sysroot_text_vaddr(const struct chp_sysroot *s, uint64_t *vaddr, uint64_t *size)
{
	*vaddr = s->text_vaddr;
	*size = s->has_text_vaddr && s->end_vaddr > s->text_vaddr ? s->end_vaddr - s->text_vaddr : 0;
	return s->has_text_vaddr;
}
