/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "crashhp/error.h"
#include "crashhp/uevent.h"

#define MSG(s) s, sizeof(s)   /* with the final NUL, as the kernel sends it */

static const struct chp_uevent_origin kernel = { .sender_pid = 0, .has_credentials = true, .uid = 0 };

/* Canned messages the way the kernel words them. */
static const char mem_online[] = "online@/devices/system/memory/memory42\0ACTION=online\0"
	"DEVPATH=/devices/system/memory/memory42\0SUBSYSTEM=memory\0SEQNUM=4711";
static const char cpu_offline[] = "offline@/devices/system/cpu/cpu1\0ACTION=offline\0"
	"DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0SEQNUM=5";

static void test_uevent__parse_kernel_messages(void **state)
{
	struct chp_uevent ev;
	uint64_t n = 0;

	assert_int_equal(chp_uevent_accept(&ev, &kernel, MSG(mem_online)), 0);
	assert_string_equal(ev.action, "online");
	assert_string_equal(ev.devpath, "/devices/system/memory/memory42");
	assert_string_equal(ev.subsystem, "memory");
	assert_int_equal(ev.seqnum, 4711);
	assert_int_equal(chp_uevent_classify(&ev, &n), CHP_UEV_MEMORY_ONLINE);
	assert_int_equal(n, 42);
	assert_int_equal(chp_uevent_accept(&ev, &kernel, MSG(cpu_offline)), 0);
	assert_int_equal(chp_uevent_classify(&ev, &n), CHP_UEV_CPU_OFFLINE);
	assert_int_equal(n, 1);
	/* As captured from a real kernel: the CPU MODALIAS ends with a newline. */
	static const char real_cpu[] = "online@/devices/system/cpu/cpu1\0ACTION=online\0"
		"DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0MODALIAS=cpu:type:x86,"
		"ven0002fam001Amod0002:feature:,0000,0001,0002,02AB,02AC\n\0SEQNUM=822";
	assert_int_equal(chp_uevent_accept(&ev, &kernel, MSG(real_cpu)), 0);
	assert_int_equal(chp_uevent_classify(&ev, &n), CHP_UEV_CPU_ONLINE);
	assert_int_equal(ev.seqnum, 822);
	/* ...but not in the header or a key. */
	static const char nl_key[] = "online@/d\0ACTION=online\0DEVPATH=/d\0K\nEY=v";
	assert_int_equal(chp_uevent_accept(&ev, &kernel, MSG(nl_key)), -EINVAL);
	/* Something else: parsed, ignored. */
	static const char other[] = "change@/devices/virtual/net/lo\0ACTION=change\0"
		"DEVPATH=/devices/virtual/net/lo\0SUBSYSTEM=net\0SEQNUM=9";
	assert_int_equal(chp_uevent_accept(&ev, &kernel, MSG(other)), 0);
	assert_int_equal(chp_uevent_classify(&ev, &n), CHP_UEV_NONE);
}

/*
 * An index no kernel sends is still the kernel's event, classified with N
 * as sent for the caller to refuse by name: cpu4294967297 is not CPU 1 (an
 * unsigned's wrap), memory2^60 and one past 64 bits are not dropped.
 */
static void test_uevent__index_range(void **state)
{
	static const char cpu_wraps[] = "online@/devices/system/cpu/cpu4294967297\0ACTION=online\0"
		"DEVPATH=/devices/system/cpu/cpu4294967297\0SUBSYSTEM=cpu\0SEQNUM=6";
	static const char cpu_last[] = "online@/devices/system/cpu/cpu32767\0ACTION=online\0"
		"DEVPATH=/devices/system/cpu/cpu32767\0SUBSYSTEM=cpu\0SEQNUM=7";
	static const char mem_huge[] = "online@/devices/system/memory/memory1152921504606846976\0"
		"ACTION=online\0DEVPATH=/devices/system/memory/memory1152921504606846976\0"
		"SUBSYSTEM=memory\0SEQNUM=8";
	static const char mem_past64[] = "offline@/devices/system/memory/memory18446744073709551616\0"
		"ACTION=offline\0DEVPATH=/devices/system/memory/memory18446744073709551616\0"
		"SUBSYSTEM=memory\0SEQNUM=9";
	/* Not a number after the prefix: no block, something else. */
	static const char mem_word[] = "online@/devices/system/memory/memory1x\0ACTION=online\0"
		"DEVPATH=/devices/system/memory/memory1x\0SUBSYSTEM=memory\0SEQNUM=10";
	struct chp_uevent ev;
	uint64_t n = 0;

	assert_int_equal(chp_uevent_accept(&ev, &kernel, MSG(cpu_wraps)), 0);
	assert_int_equal(chp_uevent_classify(&ev, &n), CHP_UEV_CPU_ONLINE);
	assert_true(n == 4294967297ull);
	assert_int_equal(chp_uevent_accept(&ev, &kernel, MSG(cpu_last)), 0);
	assert_int_equal(chp_uevent_classify(&ev, &n), CHP_UEV_CPU_ONLINE);
	assert_int_equal(n, 32767);
	assert_int_equal(chp_uevent_accept(&ev, &kernel, MSG(mem_huge)), 0);
	assert_int_equal(chp_uevent_classify(&ev, &n), CHP_UEV_MEMORY_ONLINE);
	assert_true(n == 1ull << 60);
	assert_int_equal(chp_uevent_accept(&ev, &kernel, MSG(mem_past64)), 0);
	assert_int_equal(chp_uevent_classify(&ev, &n), CHP_UEV_MEMORY_OFFLINE);
	assert_true(n == UINT64_MAX);
	assert_int_equal(chp_uevent_accept(&ev, &kernel, MSG(mem_word)), 0);
	assert_int_equal(chp_uevent_classify(&ev, &n), CHP_UEV_NONE);
}

/* Every malformed message is refused, each with its own reason. */
static void test_uevent__malformed_rejected(void **state)
{
	static const struct { const char *msg; size_t len; const char *why; } bad[] = {
		{ "", 0, "empty" },
		{ MSG("online/devices/system/memory/memory1\0ACTION=online"), "ACTION@/DEVPATH" },
		{ MSG("@/devices/system/memory/memory1\0ACTION="), "ACTION@/DEVPATH" },
		{ MSG("online@devices\0ACTION=online"), "ACTION@/DEVPATH" },
		{ "online@/d\0ACTION=online", 23, "NUL-terminated" },
		{ MSG("online@/devices/x\0ACTION=offline\0DEVPATH=/devices/x"), "does not match" },
		{ MSG("online@/devices/x\0ACTION=online\0DEVPATH=/devices/y"), "does not match" },
		{ MSG("online@/devices/x\0ACTION=online\0DEVPATH=/devices/x\0NOVALUE"), "KEY=VALUE" },
		{ MSG("online@/devices/x\0ACTION=online\0DEVPATH=/devices/x\0=v"), "KEY=VALUE" },
		{ MSG("on\x01ine@/devices/x\0ACTION=on\x01ine"), "control byte" },
		{ MSG("ONLINE@/devices/x\0ACTION=ONLINE\0DEVPATH=/devices/x"), "not a word" },
		{ MSG("online@/devices/x\0ACTION=online\0DEVPATH=/devices/x\0SEQNUM=12x"), "SEQNUM" },
		{ MSG("libudev\0\xfe\xed\xca\xfe"), "libudev" },
	};
	struct chp_uevent ev;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = chp_uevent_accept(&ev, &kernel, bad[i].msg, bad[i].len);
		if (err != -EINVAL || !strstr(chp_last_error(), bad[i].why))
			fail_msg("case %zu: %d '%s', wanted '%s'", i, err, chp_last_error(), bad[i].why);
	}
	/* Oversized, and too many fields. */
	static char big[CHP_UEVENT_MAX + 16];
	memset(big, 'a', sizeof(big));
	assert_int_equal(chp_uevent_accept(&ev, &kernel, big, sizeof(big)), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "more than"));
	char many[4096];
	size_t len = (size_t)snprintf(many, sizeof(many), "add@/d") + 1;
	len += (size_t)snprintf(many + len, sizeof(many) - len, "ACTION=add") + 1;
	len += (size_t)snprintf(many + len, sizeof(many) - len, "DEVPATH=/d") + 1;
	for (int k = 0; k < 70; k++)
		len += (size_t)snprintf(many + len, sizeof(many) - len, "K%d=v", k) + 1;
	assert_int_equal(chp_uevent_accept(&ev, &kernel, many, len), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "fields"));
}

/* Spoofed: a user-space sender, a non-root uid, no credentials, truncated. */
static void test_uevent__spoofed_rejected(void **state)
{
	static const struct { struct chp_uevent_origin from; const char *why; } spoof[] = {
		{ { .sender_pid = 1234, .has_credentials = true, .uid = 0 }, "port 1234" },
		{ { .sender_pid = 0, .has_credentials = true, .uid = 1000 }, "uid 1000" },
		{ { .sender_pid = 0, .has_credentials = false }, "no sender credentials" },
		{ { .sender_pid = 0, .has_credentials = true, .truncated = true, .length = 9000 }, "truncated" },
	};
	struct chp_uevent ev;

	for (size_t i = 0; i < sizeof(spoof) / sizeof(spoof[0]); i++) {
		int err = chp_uevent_accept(&ev, &spoof[i].from, MSG(mem_online));
		if (err != -EPERM || !strstr(chp_last_error(), spoof[i].why))
			fail_msg("spoof %zu: %d '%s'", i, err, chp_last_error());
	}
}

/* Through a socketpair, framed: the same checks on what arrives. */
static void test_uevent__framed_transport(void **state)
{
	int sv[2];
	struct chp_uevent ev;
	struct chp_uevent_origin user = { .sender_pid = 77, .has_credentials = true };
	uint64_t n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(chp_uevent_send_framed(sv[0], &kernel, MSG(mem_online)), 0);
	assert_int_equal(chp_uevent_send_framed(sv[0], &user, MSG(mem_online)), 0);
	assert_int_equal(chp_uevent_receive_framed(sv[1], &ev), 0);
	assert_int_equal(chp_uevent_classify(&ev, &n), CHP_UEV_MEMORY_ONLINE);
	assert_int_equal(chp_uevent_receive_framed(sv[1], &ev), -EPERM);
	/* A datagram without the frame header. */
	assert_int_equal(write(sv[0], "junk", 4), 4);
	assert_int_equal(chp_uevent_receive_framed(sv[1], &ev), -EINVAL);
	close(sv[0]);
	assert_int_equal(chp_uevent_receive_framed(sv[1], &ev), -ENOTCONN);
	close(sv[1]);
}

/* A frame whose flags say messages were lost: -ENOBUFS, as the kernel's socket gives. */
static void test_uevent__framed_lost_messages(void **state)
{
	static const uint8_t lost[24] = { 'C', 'H', 'P', 'U', 'E', 'V', '1', 0,
					  0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	struct chp_uevent ev;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(write(sv[0], lost, sizeof(lost)), (ssize_t)sizeof(lost));
	assert_int_equal(chp_uevent_send_framed(sv[0], &kernel, MSG(mem_online)), 0);
	assert_int_equal(chp_uevent_receive_framed(sv[1], &ev), -ENOBUFS);
	assert_non_null(strstr(chp_last_error(), "lost"));
	/* The next message is read as usual. */
	assert_int_equal(chp_uevent_receive_framed(sv[1], &ev), 0);
	close(sv[0]);
	close(sv[1]);
}

/* The kernel's socket opens where the sandbox allows it, with a large buffer. */
static void test_uevent__netlink_socket_opens(void **state)
{
	int fd;
	int err = chp_uevent_open_netlink(&fd);

	if (err == -EPERM || err == -EACCES || err == -EPROTONOSUPPORT || err == -EAFNOSUPPORT)
		skip();
	assert_int_equal(err, 0);
	size_t bytes = 0;
	assert_int_equal(chp_uevent_receive_buffer(fd, &bytes), 0);
	/* The kernel's default is rmem_default (about 208 KiB); FORCE or rmem_max may cap ours. */
	assert_true(bytes >= 4096);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uevent__parse_kernel_messages),
		cmocka_unit_test(test_uevent__index_range),
		cmocka_unit_test(test_uevent__malformed_rejected),
		cmocka_unit_test(test_uevent__spoofed_rejected),
		cmocka_unit_test(test_uevent__framed_transport),
		cmocka_unit_test(test_uevent__framed_lost_messages),
		cmocka_unit_test(test_uevent__netlink_socket_opens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
