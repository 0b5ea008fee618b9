/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_UNITS_H
#define CRASHHP_UNITS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A size as people write it: a number (decimal, or 0x hexadecimal) with an
 * optional K, M, G, T (or KiB, MiB, GiB, TiB) suffix, powers of 1024.  False
 * for anything else, or past 2^64.
 */
bool chp_parse_size(const char *s, uint64_t *out);

#endif
