/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_NOTE_H
#define CRASHHP_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crashhp/arch.h"

#define CHP_NT_PRSTATUS 1u
#define CHP_NT_VMCOREINFO 0u /* type of the "VMCOREINFO" note */

/*
 * Bytes of one PT_NOTE segment the readers decode (inspect, verify): the
 * notes of 8192 CPUs and vmcoreinfo take about 3 MiB; more is not a dump.
 */
#define CHP_NOTES_MAX_BYTES (64u << 20)

/* One ELF note, pointing into the buffer it was read from. */
struct chp_note {
	uint32_t type;
	const char *name; /* NUL-terminated within namesz */
	uint32_t namesz;  /* including the NUL */
	const uint8_t *desc;
	uint32_t descsz;
	size_t offset;    /* of the note header in the buffer */
};

struct chp_note_cursor {
	const uint8_t *buf;
	size_t len;
	size_t off;
	bool big_endian;
};

void chp_note_cursor_init(struct chp_note_cursor *c, const void *buf, size_t len,
			  bool big_endian);
/*
 * The next note: 1 with *out filled, 0 at the end (the buffer's end, or a
 * header with n_namesz == 0, the terminator the kernel writes after its
 * notes), -EINVAL for a note that does not fit or has an unterminated name.
 */
int chp_note_next(struct chp_note_cursor *c, struct chp_note *out);

/* Bytes a note takes: header, name and desc each padded to 4. */
size_t chp_note_size(size_t namesz, size_t descsz);

/* Write one note; -ENOSPC when it does not fit in `cap`. */
int chp_note_put(void *buf, size_t cap, bool big_endian, const char *name, uint32_t type,
		 const void *desc, size_t descsz, size_t *written);

/*
 * NT_PRSTATUS: the struct elf_prstatus a crashing kernel saves per CPU.
 * 336 bytes on x86_64 (27 registers), 504 on ppc64 (48 registers); pr_pid at
 * offset 32, pr_reg at 112 on both.
 */
size_t chp_prstatus_size(enum chp_arch arch);
size_t chp_prstatus_nregs(enum chp_arch arch);
int chp_prstatus_encode(void *desc, size_t len, enum chp_arch arch, uint32_t pid,
			const uint64_t *regs, size_t nregs);
int chp_prstatus_decode(const void *desc, size_t len, enum chp_arch arch, uint32_t *pid,
			uint64_t *regs, size_t nregs);

/* sizeof(note_buf_t): a "CORE" NT_PRSTATUS note plus an empty terminator. */
size_t chp_crash_notes_size(enum chp_arch arch);

#endif
