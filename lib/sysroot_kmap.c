/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the running kernel put itself: _text and _end from /proc/kallsyms,
 * the direct map's base from /proc/kcore.  Both move with KASLR and both
 * show only to root; without them a live header assumes no randomization
 * (said by the commands that build one).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crashhp/elfcore.h"
#include "internal.h"
#include "sysroot_internal.h"

/* _text from /proc/kallsyms: shown only to root with kptr_restrict off. */
void chp_sysroot_read_kallsyms(struct chp_sysroot *s)
{
	char *text = NULL;

	if (chp_sysroot_read_all(s, "/proc/kallsyms", &text, NULL) <= 0)
		return;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		unsigned long long a;
		char type, name[64];
		if (nl)
			*nl = '\0';
		if (sscanf(line, "%llx %c %63s", &a, &type, name) == 3) {
			if (!strcmp(name, "_text")) {
				s->has_text_vaddr = a != 0;
				s->text_vaddr = a;
			} else if (!strcmp(name, "_end")) {
				s->end_vaddr = a;
			}
			if (s->text_vaddr && s->end_vaddr)
				break;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
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
void chp_sysroot_read_kcore(struct chp_sysroot *s)
{
	char full[4096];
	uint8_t head[65536];
	ssize_t n;
	int fd;

	snprintf(full, sizeof(full), "%s/proc/kcore", s->prefix);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, head, sizeof(head));
	close(fd);
	/*
	 * kcore's segments overlap and their file offsets, derived from virtual
	 * addresses, may wrap: only what is needed here is checked, by hand.
	 */
	if (n < 64 || memcmp(head, "\x7f" "ELF", 4) || head[4] != 2 || head[5] != 1)
		return;
	uint64_t phoff = chp_get64(head + 32, false);
	uint16_t phentsize = chp_get16(head + 54, false), phnum = chp_get16(head + 56, false);
	if (phentsize != 56 || phoff < 64 || phoff > (uint64_t)n ||
	    (uint64_t)phnum * 56 > (uint64_t)n - phoff)
		return;
	for (uint16_t i = 0; i < phnum; i++) {
		const uint8_t *ph = head + phoff + 56u * i;
		uint64_t vaddr = chp_get64(ph + 16, false), paddr = chp_get64(ph + 24, false);
		/* The RAM segment starting where a System RAM resource starts. */
		if (chp_get32(ph, false) == CHP_PT_LOAD && vaddr > paddr &&
		    vaddr < 0xffffffff80000000ull && is_ram_start(s, paddr)) {
			s->direct_map = vaddr - paddr;
			s->has_direct_map = true;
			return;
		}
	}
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
