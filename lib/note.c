/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "crashhp/note.h"
#include "internal.h"

#define NOTE_HEADER_SIZE 12u
#define PRSTATUS_PID_OFFSET 32u
#define PRSTATUS_REG_OFFSET 112u

static size_t align4(size_t v)
{
	return (v + 3) & ~(size_t)3;
}

size_t chp_note_size(size_t namesz, size_t descsz)
{
	return NOTE_HEADER_SIZE + align4(namesz) + align4(descsz);
}

void chp_note_cursor_init(struct chp_note_cursor *c, const void *buf, size_t len,
			  bool big_endian)
{
	c->buf = buf;
	c->len = len;
	c->off = 0;
	c->big_endian = big_endian;
}

int chp_note_next(struct chp_note_cursor *c, struct chp_note *out)
{
	const uint8_t *h = c->buf + c->off;
	size_t left = c->len - c->off;
	uint32_t namesz, descsz;
	uint64_t need;

	if (left < NOTE_HEADER_SIZE)
		return 0;
	namesz = chp_get32(h, c->big_endian);
	descsz = chp_get32(h + 4, c->big_endian);
	if (namesz == 0)
		return 0;
	/* 64-bit arithmetic: two 32-bit sizes cannot overflow it. */
	need = NOTE_HEADER_SIZE + align4((uint64_t)namesz) + align4((uint64_t)descsz);
	if (need > left)
		return chp_fail(-EINVAL,
				"note at offset %zu: n_namesz %u + n_descsz %u need %llu bytes, %zu left",
				c->off, namesz, descsz, (unsigned long long)need, left);
	if (h[NOTE_HEADER_SIZE + namesz - 1] != '\0')
		return chp_fail(-EINVAL, "note at offset %zu: name is not NUL-terminated", c->off);
	out->namesz = namesz;
	out->descsz = descsz;
	out->type = chp_get32(h + 8, c->big_endian);
	out->name = (const char *)h + NOTE_HEADER_SIZE;
	out->desc = h + NOTE_HEADER_SIZE + align4(namesz);
	out->offset = c->off;
	c->off += need;
	return 1;
}

int chp_note_put(void *buf, size_t cap, bool big_endian, const char *name, uint32_t type,
		 const void *desc, size_t descsz, size_t *written)
{
	size_t namesz = strlen(name) + 1;
	size_t size = chp_note_size(namesz, descsz);
	uint8_t *p = buf;

	if (size > cap || descsz > UINT32_MAX)
		return chp_fail(-ENOSPC, "note '%s' needs %zu bytes, %zu available", name, size, cap);
	memset(p, 0, size);
	chp_put32(p, (uint32_t)namesz, big_endian);
	chp_put32(p + 4, (uint32_t)descsz, big_endian);
	chp_put32(p + 8, type, big_endian);
	memcpy(p + NOTE_HEADER_SIZE, name, namesz);
	if (descsz)
		memcpy(p + NOTE_HEADER_SIZE + align4(namesz), desc, descsz);
	*written = size;
	return 0;
}

size_t chp_prstatus_nregs(enum chp_arch arch)
{
	/* sizeof(struct user_regs_struct) / 8 on x86_64; ELF_NGREG on powerpc. */
	return arch == CHP_ARCH_X86_64 ? 27 : 48;
}

size_t chp_prstatus_size(enum chp_arch arch)
{
	/* pr_reg, then pr_fpvalid (int), padded to 8. */
	return PRSTATUS_REG_OFFSET + chp_prstatus_nregs(arch) * 8 + 8;
}

size_t chp_crash_notes_size(enum chp_arch arch)
{
	/* CRASH_CORE_NOTE_BYTES: two note headers, "CORE" padded, the desc. */
	return 2 * NOTE_HEADER_SIZE + align4(sizeof("CORE")) + align4(chp_prstatus_size(arch));
}

int chp_prstatus_encode(void *desc, size_t len, enum chp_arch arch, uint32_t pid,
			const uint64_t *regs, size_t nregs)
{
	bool big = chp_arch_big_endian(arch);
	uint8_t *p = desc;

	if (len < chp_prstatus_size(arch) || nregs > chp_prstatus_nregs(arch))
		return chp_fail(-EINVAL, "prstatus: %zu bytes / %zu registers do not fit %s",
				len, nregs, chp_arch_name(arch));
	memset(p, 0, chp_prstatus_size(arch));
	chp_put32(p + PRSTATUS_PID_OFFSET, pid, big);
	for (size_t i = 0; i < nregs; i++)
		chp_put64(p + PRSTATUS_REG_OFFSET + 8 * i, regs[i], big);
	return 0;
}

int chp_prstatus_decode(const void *desc, size_t len, enum chp_arch arch, uint32_t *pid,
			uint64_t *regs, size_t nregs)
{
	bool big = chp_arch_big_endian(arch);
	const uint8_t *p = desc;

	if (len != chp_prstatus_size(arch))
		return chp_fail(-EINVAL, "NT_PRSTATUS: n_descsz %zu, expected %zu on %s", len,
				chp_prstatus_size(arch), chp_arch_name(arch));
	*pid = chp_get32(p + PRSTATUS_PID_OFFSET, big);
	for (size_t i = 0; i < nregs && i < chp_prstatus_nregs(arch); i++)
		regs[i] = chp_get64(p + PRSTATUS_REG_OFFSET + 8 * i, big);
	return 0;
}
