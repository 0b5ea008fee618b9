/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_TEST_CORPUS_H
#define CRASHHP_TEST_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One malformed core header, made by mutating a valid x86_64 elfcorehdr. */
struct corpus_case {
	const char *name;
	const char *expect;     /* a fragment the error message must contain */
	bool structural_ok;     /* the ELF is sound; only its notes are malformed */
};

size_t corpus_count(void);
const struct corpus_case *corpus_case(size_t i);
/* Make case i into a malloc'd buffer. */
int corpus_make(size_t i, uint8_t **buf, size_t *len);

/* A valid x86_64 elfcorehdr: 2 CPU notes, vmcoreinfo, kernel text, 2 RAM ranges. */
int corpus_make_valid(uint8_t **buf, size_t *len);
/* A valid core with `nloads` PT_LOADs and e_phnum == PN_XNUM (section 0 holds the count). */
int corpus_make_pn_xnum(size_t nloads, uint8_t **buf, size_t *len);

#endif
