/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "crashhp/note.h"

/* Sizes the kernel's structures have: sysfs crash_notes_size reads 368 on x86_64. */
static void test_note__kernel_sizes(void **state)
{
	assert_int_equal(chp_prstatus_size(CHP_ARCH_X86_64), 336);
	assert_int_equal(chp_prstatus_size(CHP_ARCH_PPC64), 504);
	assert_int_equal(chp_prstatus_size(CHP_ARCH_PPC64LE), 504);
	assert_int_equal(chp_crash_notes_size(CHP_ARCH_X86_64), 368);
	assert_int_equal(chp_crash_notes_size(CHP_ARCH_PPC64), 536);
	assert_int_equal(chp_note_size(5, 336), 12 + 8 + 336);
	assert_int_equal(chp_note_size(11, 3), 12 + 12 + 4);
}

/* Two notes, then the kernel's terminator: the walk stops there. */
static void test_note__walk_stops_at_terminator(void **state)
{
	uint8_t buf[256];
	size_t a, b;
	struct chp_note_cursor c;
	struct chp_note n;

	memset(buf, 0, sizeof(buf));
	assert_int_equal(chp_note_put(buf, sizeof(buf), true, "CORE", 1, "abcdef", 6, &a), 0);
	assert_int_equal(chp_note_put(buf + a, sizeof(buf) - a, true, "VMCOREINFO", 0, "X=1\n", 4, &b), 0);
	assert_int_equal(a, 12 + 8 + 8);
	chp_note_cursor_init(&c, buf, sizeof(buf), true);
	assert_int_equal(chp_note_next(&c, &n), 1);
	assert_string_equal(n.name, "CORE");
	assert_int_equal(n.type, 1);
	assert_int_equal(n.descsz, 6);
	assert_memory_equal(n.desc, "abcdef", 6);
	assert_int_equal(chp_note_next(&c, &n), 1);
	assert_string_equal(n.name, "VMCOREINFO");
	assert_int_equal(n.offset, a);
	assert_int_equal(chp_note_next(&c, &n), 0);
	assert_int_equal(c.off, a + b); /* the real size Linux would compute */
}

static void test_note__malformed_rejected(void **state)
{
	uint8_t buf[64];
	size_t len;
	struct chp_note_cursor c;
	struct chp_note n;

	memset(buf, 0, sizeof(buf));
	assert_int_equal(chp_note_put(buf, sizeof(buf), false, "CORE", 1, "abcd", 4, &len), 0);
	buf[0] = 200; /* n_namesz larger than the buffer */
	chp_note_cursor_init(&c, buf, sizeof(buf), false);
	assert_int_equal(chp_note_next(&c, &n), -EINVAL);

	memset(buf, 0, sizeof(buf));
	assert_int_equal(chp_note_put(buf, sizeof(buf), false, "CORE", 1, "abcd", 4, &len), 0);
	buf[12 + 4] = 'X'; /* overwrite the name's NUL */
	chp_note_cursor_init(&c, buf, sizeof(buf), false);
	assert_int_equal(chp_note_next(&c, &n), -EINVAL);

	assert_int_equal(chp_note_put(buf, 20, false, "CORE", 1, "abcd", 4, &len), -ENOSPC);
}

static void test_note__prstatus_roundtrip_both_orders(void **state)
{
	enum chp_arch arches[] = { CHP_ARCH_X86_64, CHP_ARCH_PPC64, CHP_ARCH_PPC64LE };

	for (size_t a = 0; a < 3; a++) {
		uint8_t desc[512];
		uint64_t regs[48], back[48];
		uint32_t pid = 0;
		size_t nregs = chp_prstatus_nregs(arches[a]);

		for (size_t i = 0; i < nregs; i++)
			regs[i] = 0x1122334455667700ull + i;
		assert_int_equal(chp_prstatus_encode(desc, sizeof(desc), arches[a], 42, regs, nregs), 0);
		assert_int_equal(chp_prstatus_decode(desc, chp_prstatus_size(arches[a]), arches[a], &pid,
						     back, nregs), 0);
		assert_int_equal(pid, 42);
		assert_memory_equal(regs, back, nregs * 8);
		/* pr_pid sits at offset 32 in the architecture's byte order. */
		assert_int_equal(desc[arches[a] == CHP_ARCH_PPC64 ? 35 : 32], 42);
	}
	uint32_t pid;
	assert_int_equal(chp_prstatus_decode("x", 1, CHP_ARCH_X86_64, &pid, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_note__kernel_sizes),
		cmocka_unit_test(test_note__walk_stops_at_terminator),
		cmocka_unit_test(test_note__malformed_rejected),
		cmocka_unit_test(test_note__prstatus_roundtrip_both_orders),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
