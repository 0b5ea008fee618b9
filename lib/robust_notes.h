/* SPDX-License-Identifier: GPL-2.0-or-later */
/* robust's rebuild of kexec-tools' x86_64 header (robust_notes.c). */
#ifndef CRASHHP_ROBUST_NOTES_H
#define CRASHHP_ROBUST_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chp_hotplug;

/* The PT_NOTEs among the e_phnum program headers of hdr[0, len). */
size_t chp_robust_count_notes(const uint8_t *hdr, size_t len, bool big);

/*
 * An x86_64 kexec_load image whose header has fewer than the kernel's build
 * (`notes` PT_NOTEs, `old_len` bytes of header): that build copied over it,
 * the image hidden meanwhile (*copied true).  0 or -errno.
 */
int chp_robust_give_notes(struct chp_hotplug *hp, size_t notes, size_t old_len, bool *copied);

#endif
