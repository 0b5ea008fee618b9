/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * chp_dump_open(): makedumpfile's flattened form (makedumpfile.h: a 4 KiB
 * header "makedumpfile", type 1, version 1; records of a big-endian
 * (offset, size) and the data; an offset of -1 to end) put back together as
 * makedumpfile -R does, and what it holds told; every record bounded first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "crashhp/error.h"
#include "crashhp/kdump.h"

#define SCRATCH_TREE_NAME "dumpfile"
#include "scratch_tree.h"

struct flat {
	uint8_t *buf;
	size_t len;
};

static void append(struct flat *f, const void *p, size_t n)
{
	f->buf = realloc(f->buf, f->len + n);
	assert_non_null(f->buf);
	memcpy(f->buf + f->len, p, n);
	f->len += n;
}

static void be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static struct flat flat_header(void)
{
	struct flat f = { NULL, 0 };
	uint8_t head[4096] = "makedumpfile";

	be64(head + 16, 1);
	be64(head + 24, 1);
	append(&f, head, sizeof(head));
	return f;
}

static void record(struct flat *f, uint64_t off, uint64_t size, const void *data, size_t len)
{
	uint8_t h[16];

	be64(h, off);
	be64(h + 8, size);
	append(f, h, sizeof(h));
	append(f, data, len);
}

/* Write `f` to ROOT/name and open it as a dump: the error, the fd and what it holds. */
static int open_flat(struct flat *f, int *fd, enum chp_dump_format *fmt, bool *flattened)
{
	char path[128];
	FILE *out;

	snprintf(path, sizeof(path), "%s/dump.flat", root);
	out = fopen(path, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(f->buf, 1, f->len, out), f->len);
	fclose(out);
	free(f->buf);
	*fd = -1;
	return chp_dump_open(fd, fmt, flattened, path, root, NULL);
}

/* Records out of order and overlapping: each written at its offset, the last one winning. */
static void test_dumpfile__records_rearranged(void **state)
{
	struct flat f = flat_header();
	enum chp_dump_format fmt;
	bool flattened;
	uint8_t got[24];
	int fd;

	record(&f, 8, 8, "AAAAAAAA", 8);
	record(&f, 0, 8, "\177ELF\2\1\1\0", 8);
	record(&f, 12, 12, "BBBBCCCCDDDD", 12);
	record(&f, UINT64_MAX, UINT64_MAX, "", 0);
	assert_int_equal(open_flat(&f, &fd, &fmt, &flattened), 0);
	assert_int_equal(fmt, CHP_DUMP_ELF);
	assert_true(flattened);
	assert_int_equal(pread(fd, got, sizeof(got), 0), 24);
	assert_memory_equal(got, "\177ELF\2\1\1\0AAAABBBBCCCCDDDD", 24);
	close(fd);
}

/* An offset past 2^63 is a negative off_t to makedumpfile: named, unsigned, refused. */
static void test_dumpfile__offset_past_2_63_named_unsigned(void **state)
{
	struct flat f = flat_header();
	enum chp_dump_format fmt;
	bool flattened;
	int fd;

	record(&f, 0, 8, "KDUMP   ", 8);
	record(&f, 1ull << 63, 4, "late", 4);
	record(&f, UINT64_MAX, 0, "", 0);
	assert_int_equal(open_flat(&f, &fd, &fmt, &flattened), -EINVAL);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(chp_last_error(), "flattened record 1 at offset 4120: its offset "
				"field is 9223372036854775808 (0x8000000000000000)"));
	assert_null(strstr(chp_last_error(), "-9223372036854775808"));
}

/* 2^52 is the last offset taken; one byte more is refused. */
static void test_dumpfile__offset_bound(void **state)
{
	struct flat f = flat_header();
	enum chp_dump_format fmt;
	bool flattened;
	int fd;

	record(&f, 0, 8, "KDUMP   ", 8);
	record(&f, (1ull << 52) + 1, 1, "x", 1);
	record(&f, UINT64_MAX, 0, "", 0);
	assert_int_equal(open_flat(&f, &fd, &fmt, &flattened), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "its offset field is 4503599627370497"));
}

static void test_dumpfile__size_zero_and_huge(void **state)
{
	static const uint64_t sizes[] = { 0, (1ull << 30) + 1, UINT64_MAX - 1 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct flat f = flat_header();
		enum chp_dump_format fmt;
		bool flattened;
		char want[64];
		int fd;

		record(&f, 0, sizes[i], "", 0);
		assert_int_equal(open_flat(&f, &fd, &fmt, &flattened), -EINVAL);
		snprintf(want, sizeof(want), "its size field is %llu ", (unsigned long long)sizes[i]);
		assert_non_null(strstr(chp_last_error(), want));
	}
}

/* Data the file does not hold, and a stream without its end record: truncated. */
static void test_dumpfile__truncated(void **state)
{
	struct flat f = flat_header();
	enum chp_dump_format fmt;
	bool flattened;
	int fd;

	record(&f, 0, 100, "KDUMP   ", 8);
	assert_int_equal(open_flat(&f, &fd, &fmt, &flattened), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "flattened record 0 at offset 4096: 100 bytes of "
				"data, the file ends first (truncated)"));

	f = flat_header();
	record(&f, 0, 8, "KDUMP   ", 8);
	assert_int_equal(open_flat(&f, &fd, &fmt, &flattened), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "flattened record header: the file ends at offset 4120"));
}

/* What the records make must be a dump crashhp reads: ELF or kdump-compressed. */
static void test_dumpfile__holds_neither(void **state)
{
	struct flat f = flat_header();
	enum chp_dump_format fmt;
	bool flattened;
	int fd;

	record(&f, 0, 8, "NOTADUMP", 8);
	record(&f, UINT64_MAX, 0, "", 0);
	assert_int_equal(open_flat(&f, &fd, &fmt, &flattened), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "holds neither a kdump-compressed dump"));
}

/* Any other file is opened as it is, its first bytes told. */
static void test_dumpfile__plain_file_as_is(void **state)
{
	enum chp_dump_format fmt;
	bool flattened = true;
	char path[128];
	int fd;

	put("/dump.kdump", "KDUMP   \6");
	snprintf(path, sizeof(path), "%s/dump.kdump", root);
	assert_int_equal(chp_dump_open(&fd, &fmt, &flattened, path, root, NULL), 0);
	assert_int_equal(fmt, CHP_DUMP_KDUMP);
	assert_false(flattened);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dumpfile__records_rearranged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dumpfile__offset_past_2_63_named_unsigned, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dumpfile__offset_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dumpfile__size_zero_and_huge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dumpfile__truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dumpfile__holds_neither, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dumpfile__plain_file_as_is, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
