/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * robust, x86_64, a kexec_load image: kexec-tools noted the CPUs sysfs
 * showed at its read, the present ones (loader.c), and no store in place
 * adds a PT_NOTE (the notes come first, before the kernel text and the
 * slots).  The kernel series rebuilds such an image whole at its first
 * update: kernel/0008 queues the resync after the load, and x86's
 * arch_crash_hotplug_resync() copies a kexec_load image's header
 * (kexec_load images keep the copy, kernel/0006), built by
 * prepare_elf_headers(): a PT_NOTE per possible CPU, the online System RAM
 * less the low 1 MiB and the crashkernel (0002).  So does robust, once per
 * image, when the header lacks a note that build has: the copy hides the
 * image (kexec_crash_image NULL: a panic meanwhile takes no dump, as in the
 * kernel).  A header with every note is made exact in place instead, with a
 * dump at every store (crashhp-sim(1), FIDELITY, "A kexec_load's gap").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "crashhp/crashmem.h"
#include "crashhp/elfcore.h"
#include "crashhp/error.h"
#include "hotplug_internal.h"
#include "internal.h"
#include "robust_notes.h"

size_t chp_robust_count_notes(const uint8_t *hdr, size_t len, bool big)
{
	size_t phnum, n = 0;

	if (len < CHP_ELF_EHDR_SIZE)
		return 0;
	phnum = chp_get16(hdr + 56, big);
	for (size_t i = 0; i < phnum && CHP_ELF_EHDR_SIZE + (i + 1) * CHP_ELF_PHDR_SIZE <= len; i++)
		n += chp_get32(hdr + CHP_ELF_EHDR_SIZE + i * CHP_ELF_PHDR_SIZE, big) == CHP_PT_NOTE;
	return n;
}

int chp_robust_give_notes(struct chp_hotplug *hp, size_t notes, size_t old_len, bool *copied)
{
	struct chp_segment_info seg;
	struct chp_ranges *want = NULL;
	uint8_t *buf = NULL;
	size_t room, len = 0;
	int err;

	*copied = false;
	if (chp_machine_arch(hp->m) != CHP_ARCH_X86_64 || chp_kimage_mode(hp->img) != CHP_LOAD_SEGMENTS)
		return 0;
	err = chp_hp_header_segment(hp, &seg);
	if (!err)
		err = chp_ranges_new(&want);
	if (!err) {
		chp_machine_lock_state(hp->m);
		err = chp_crashmem_expected(hp->m, want);
		chp_machine_unlock_state(hp->m);
	}
	if (err)
		goto out;
	/* (+ 3: vmcoreinfo, the kernel text, a spare, as mainline's.)  Zeros past
	 * the new header up to the old one's end: the slots past e_phnum are
	 * free, all zeros, as the slot core wants them. */
	room = CHP_ELF_EHDR_SIZE + (chp_machine_cpus_possible(hp->m) + 3 + chp_ranges_count(want)) *
	       (size_t)CHP_ELF_PHDR_SIZE;
	if (room < old_len)
		room = old_len;
	buf = calloc(1, room);
	if (!buf) {
		err = chp_fail(-ENOMEM, "out of memory for a header");
		goto out;
	}
	err = chp_crashmem_build_header_from(hp->m, want, buf, room, &len);
	/* x86_64 is little-endian.  Every note there already: nothing to copy. */
	if (err || chp_robust_count_notes(buf, len, false) <= notes)
		goto out;
	if (len > seg.memsz) {
		/* The kernel logs it and leaves the header; robust still makes its
		 * memory exact in place. */
		chp_hp_logf(hp, "crash hp: update elfcorehdr elfsz %zu > memsz %" PRIu64 ": the CPU "
			    "notes stay as loaded", len, seg.memsz);
		goto out;
	}
	err = chp_hp_copy(hp, seg.paddr, buf, len > old_len ? len : old_len);
	*copied = !err;
out:
	free(buf);
	chp_ranges_free(want);
	return err;
}
