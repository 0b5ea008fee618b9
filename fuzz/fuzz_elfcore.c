/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the readers of untrusted cores: the ELF header and program header
 * validation under each kind, then the notes of every PT_NOTE that lies in
 * the input and the NT_PRSTATUS of each "CORE" note.  Nothing may crash,
 * read out of bounds or leak, whatever the bytes.
 */
#include <stddef.h>
#include <stdint.h>

#include "crashhp/elfcore.h"
#include "crashhp/note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk_notes(const struct chp_elfcore *core, const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < chp_elfcore_phnum(core); i++) {
		const struct chp_elf_phdr *ph = chp_elfcore_phdr(core, i);
		struct chp_note_cursor c;
		struct chp_note n;

		if (ph->type != CHP_PT_NOTE || ph->offset > size || ph->filesz > size - ph->offset)
			continue;
		chp_note_cursor_init(&c, data + ph->offset, (size_t)ph->filesz,
				     chp_elfcore_big_endian(core));
		while (chp_note_next(&c, &n) == 1) {
			uint64_t regs[48];
			uint32_t pid;
			if (n.type == CHP_NT_PRSTATUS)
				chp_prstatus_decode(n.desc, n.descsz, chp_elfcore_arch(core), &pid,
						    regs, 48);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum chp_elfcore_kind kinds[] = { CHP_ELFCORE_AUTO, CHP_ELFCORE_HEADER,
						       CHP_ELFCORE_VMCORE };

	for (size_t k = 0; k < 3; k++) {
		struct chp_elfcore *core;
		if (chp_elfcore_open_buffer(&core, data, size, kinds[k]) == 0) {
			walk_notes(core, data, size);
			chp_elfcore_free(core);
		}
	}
	return 0;
}
