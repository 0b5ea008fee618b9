/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_INTERNAL_H
#define CRASHHP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Record why a call failed and return `err` (a negative errno) so that a
 * failure reads `return chp_fail(-EINVAL, "e_phnum: %u ...", n);`.
 */
int chp_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefix the current message with more context: "file.elf: " + message. */
int chp_fail_prefix(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* chp_lab_output_failed()'s answer for the calls that follow (lab_crash.c). */
void chp_lab_set_output_failed(bool failed);

#define CHP_PAGE_SIZE 4096u

/*
 * Room for `need` elements of `size` bytes in the array at *arr, which has
 * room for *cap (grow.c): the capacity doubles, at least to `first`, so n
 * appends copy O(n) bytes in all.  A realloc per element copies the whole
 * array each time (ASan's realloc always does): quadratic, 8 min 26 s for
 * a scenario of 200000 lines.  arr is the address of the array's pointer,
 * of any type.  0, or -ENOMEM with *arr and *cap unchanged (no message set:
 * the caller says what ran out).
 */
int chp_grow(void *arr, size_t *cap, size_t need, size_t size, size_t first);

/* pread() all `len` bytes at `off`; a short file is -EINVAL naming `what` (dumpfile.c). */
int chp_pread_exact(int fd, void *buf, size_t len, uint64_t off, const char *what);

/*
 * CPU numbers below this, whatever a file or message says: 4 times the largest
 * NR_CPUS of any architecture (8192), and few enough that the header's
 * program headers stay below PN_XNUM.
 */
#define CHP_MAX_NR_CPUS 32768u

static inline uint64_t chp_round_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) / align * align;
}

static inline uint64_t chp_round_down(uint64_t v, uint64_t align)
{
	return v / align * align;
}

/* Byte order is always explicit: these read and write either order. */
static inline void chp_put16(uint8_t *p, uint16_t v, bool big)
{
	if (big) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	} else {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
	}
}

static inline void chp_put32(uint8_t *p, uint32_t v, bool big)
{
	for (int i = 0; i < 4; i++)
		p[big ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

static inline void chp_put64(uint8_t *p, uint64_t v, bool big)
{
	for (int i = 0; i < 8; i++)
		p[big ? 7 - i : i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t chp_get16(const uint8_t *p, bool big)
{
	return big ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static inline uint32_t chp_get32(const uint8_t *p, bool big)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)p[big ? 3 - i : i] << (8 * i);
	return v;
}

static inline uint64_t chp_get64(const uint8_t *p, bool big)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[big ? 7 - i : i] << (8 * i);
	return v;
}

#endif
