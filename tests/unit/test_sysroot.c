/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "crashhp/crashmem.h"
#include "crashhp/error.h"
#include "crashhp/machine.h"
#include "crashhp/sysroot.h"
#include "sysroot_internal.h"

#define SCRATCH_TREE_NAME "sysroot"
#include "scratch_tree.h"

/*
 * read(2) as the kernel answers it while its kexec lock is held: a file
 * whose name ends in busy_name fails with EBUSY (crash_get_memory_size()
 * behind /sys/kernel/kexec_crash_size only tries the lock).
 */
static const char *busy_name;
ssize_t __real_read(int fd, void *buf, size_t count);
ssize_t __wrap_read(int fd, void *buf, size_t count)
{
	char link[64], target[512];
	ssize_t n;

	if (busy_name) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			size_t len = (size_t)n, want = strlen(busy_name);
			target[len] = '\0';
			if (len >= want && !strcmp(target + len - want, busy_name)) {
				errno = EBUSY;
				return -1;
			}
		}
	}
	return __real_read(fd, buf, count);
}

/* Replace PATH by a FIFO, a symbolic link to TARGET, or nothing. */
static void make_fifo(const char *path)
{
	char full[256];

	snprintf(full, sizeof(full), "%s%s", root, path);
	unlink(full);
	assert_int_equal(mkfifo(full, 0600), 0);
}

static void make_link(const char *path, const char *target)
{
	char full[256];

	snprintf(full, sizeof(full), "%s%s", root, path);
	unlink(full);
	assert_int_equal(symlink(target, full), 0);
}

static void drop(const char *path)
{
	char full[256];

	snprintf(full, sizeof(full), "%s%s", root, path);
	unlink(full);
}

/* A small machine that opens cleanly: the hostile tests change one file each. */
static void put_machine(void)
{
	put("/sys/devices/system/cpu/possible", "0-3\n");
	put("/sys/devices/system/cpu/present", "0-1\n");
	put("/sys/devices/system/cpu/online", "0-1\n");
	put("/sys/devices/system/cpu/kernel_max", "8191\n");
	put("/sys/devices/system/cpu/cpu0/crash_notes", "7ffd1e00\n");
	put("/sys/devices/system/cpu/cpu0/crash_notes_size", "368\n");
	put("/sys/devices/system/cpu/cpu1/crash_notes", "7ffe9e00\n");
	put("/sys/devices/system/memory/block_size_bytes", "8000000\n");
	put("/sys/devices/system/memory/memory0/state", "online\n");
	put("/sys/devices/system/memory/memory0/phys_index", "00000000\n");
	put("/sys/devices/system/memory/memory9/state", "online\n");
	put("/sys/devices/system/memory/memory9/phys_index", "00000009\n");
	put("/sys/kernel/vmcoreinfo", "2c0a000 1024\n");
	put("/proc/iomem", "00001000-0009ffff : System RAM\n00100000-4fffffff : System RAM\n"
			   "  01000000-01ffffff : Kernel code\n  2e000000-3dffffff : Crash kernel\n");
}

static void open_ok(void)
{
	struct chp_sysroot *s = NULL;
	struct chp_machine *m = NULL;

	if (chp_sysroot_open(&s, root) || chp_machine_new_from_sysroot(&m, s))
		fail_msg("%s", chp_last_error());
	chp_machine_free(m);
	chp_sysroot_free(s);
}

/* Opening fails with -EINVAL and a message holding `what`. */
static void open_refused(const char *what)
{
	struct chp_sysroot *s = NULL;

	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_null(s);
	if (!strstr(chp_last_error(), what))
		fail_msg("message '%s' lacks '%s'", chp_last_error(), what);
}

static void test_sysroot__cpulist(void **state)
{
	struct chp_ranges *r;

	assert_int_equal(chp_ranges_new(&r), 0);
	assert_int_equal(chp_parse_cpulist("0-3,8,10-11\n", r), 0);
	assert_int_equal(chp_ranges_count(r), 3);
	assert_int_equal(chp_ranges_at(r, 2)->last, 11);
	assert_int_equal(chp_parse_cpulist("", r), 0);
	assert_int_equal(chp_ranges_count(r), 0);
	assert_int_equal(chp_parse_cpulist("3-1", r), -EINVAL);
	assert_int_equal(chp_parse_cpulist("0-", r), -EINVAL);
	assert_int_equal(chp_parse_cpulist("0;1", r), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "'0;1'"));
	chp_ranges_free(r);
}

/* Nesting by indentation; "Crash kernel (low)"; kmem; the kernel image. */
static void test_sysroot__iomem_tree(void **state)
{
	struct chp_sysroot *s;
	struct chp_range k;

	put("/proc/iomem",
	    "00001000-0009ffff : System RAM\n"
	    "00100000-7fffffff : System RAM\n"
	    "  01000000-01ffffff : Kernel code\n"
	    "  02000000-027fffff : Kernel rodata\n"
	    "  02c00000-02ffffff : Kernel bss\n"
	    "  30000000-37ffffff : Crash kernel (low)\n"
	    "80000000-fdffffff : PCI Bus 0000:00\n"
	    "100000000-13fffffff : dax0.0\n"
	    "  100000000-13fffffff : System RAM (kmem)\n"
	    "180000000-1bfffffff : System RAM\n"
	    "  1a0000000-1afffffff : Crash kernel\n");
	assert_int_equal(chp_sysroot_open(&s, root), 0);
	assert_int_equal(chp_sysroot_nr_iomem(s), 11);
	assert_int_equal(chp_sysroot_iomem(s, 8)->depth, 1);
	assert_int_equal(chp_ranges_count(chp_sysroot_system_ram(s)), 4); /* kmem nested: counted */
	assert_int_equal(chp_ranges_count(chp_sysroot_crashkernel(s)), 2);
	assert_int_equal(chp_ranges_count(chp_sysroot_kmem(s)), 1);
	assert_true(chp_sysroot_kernel_image(s, &k));
	assert_int_equal(k.start, 0x1000000);
	assert_int_equal(k.last, 0x2ffffff);
	assert_false(chp_sysroot_iomem_zeroed(s));
	/* Absent everything else: listed, not failed. */
	assert_non_null(strstr(chp_sysroot_absent(s), "/sys/devices/system/cpu/possible"));
	chp_sysroot_free(s);
}

/*
 * walk_system_ram_res() (kernel/resource.c, find_next_iomem_res() walking
 * children too) visits nested System RAM: kmem under a dax device,
 * virtio_mem under its device, in address order; a match nested in one
 * already visited is skipped (the walk resumes past its end); the dax
 * device itself (IORESOURCE_SYSTEM_RAM without BUSY) is not a match.
 *
 *   [1 MiB ........ 2 GiB)  [4G ... 5G) kmem   [6G 6.5G) [7G 7.5G) virtio_mem
 */
static void test_sysroot__iomem_nested_system_ram(void **state)
{
	static const struct chp_range want[] = {
		{ 0x100000, 0x7fffffff }, { 0x100000000, 0x13fffffff },
		{ 0x180000000, 0x19fffffff }, { 0x1c0000000, 0x1dfffffff },
	};
	struct chp_sysroot *s;
	const struct chp_ranges *ram;

	put("/proc/iomem",
	    "00100000-7fffffff : System RAM\n"
	    "  01000000-01ffffff : Kernel code\n"
	    "  10000000-1fffffff : System RAM\n"
	    "100000000-13fffffff : Persistent Memory\n"
	    "  100000000-13fffffff : namespace0.0\n"
	    "    100000000-13fffffff : dax0.0\n"
	    "      100000000-13fffffff : System RAM (kmem)\n"
	    "180000000-1ffffffff : virtio0\n"
	    "  180000000-19fffffff : System RAM (virtio_mem)\n"
	    "  1c0000000-1dfffffff : System RAM (virtio_mem)\n"
	    "200000000-2ffffffff : Persistent Memory\n"
	    "  200000000-2ffffffff : namespace1.0\n"
	    "300000000-30fffffff : System RAM (kmem\n"); /* not a name the kernel accepts */
	assert_int_equal(chp_sysroot_open(&s, root), 0);
	ram = chp_sysroot_system_ram(s);
	assert_int_equal(chp_ranges_count(ram), 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(chp_ranges_at(ram, i)->start, want[i].start);
		assert_int_equal(chp_ranges_at(ram, i)->last, want[i].last);
	}
	chp_sysroot_free(s);
}

/*
 * Without kallsyms, x86_64's kernel-text LOAD takes the non-randomized _text,
 * __START_KERNEL_map + LOAD_PHYSICAL_ADDR, wherever the kernel sits: here at
 * 0xddd800000 as on a real 128 GiB EPYC server (+ the physical address would
 * wrap past 2^64).
 */
static void test_sysroot__kernel_text_without_kallsyms(void **state)
{
	struct chp_sysroot *s;
	struct chp_machine *m;
	const struct chp_kernel_text *t;

	put_machine();
	put("/proc/iomem", "00001000-0009ffff : System RAM\n00100000-4fffffff : System RAM\n"
			   "  2e000000-3dffffff : Crash kernel\n100000000-204f1fffff : System RAM\n"
			   "  ddd800000-dde401e76 : Kernel code\n  ddf470000-ddf9fffff : Kernel bss\n");
	assert_int_equal(chp_sysroot_open(&s, root), 0);
	assert_int_equal(chp_machine_new_from_sysroot(&m, s), 0);
	t = chp_machine_kernel_text(m);
	assert_non_null(t);
	assert_int_equal(t->paddr, 0xddd800000ull);
	assert_int_equal(t->vaddr, 0xffffffff81000000ull);
	assert_int_equal(t->size, 0xddfa00000ull - 0xddd800000ull);
	chp_machine_free(m);
	chp_sysroot_free(s);
}

/* /sys/kernel/kexec/ (newer kernels) first; the old /sys/kernel names otherwise. */
static void test_sysroot__kexec_dir_layout(void **state)
{
	struct chp_sysroot *s;

	put_machine();
	put("/sys/kernel/kexec/loaded", "0\n");
	put("/sys/kernel/kexec/crash_loaded", "1\n");
	put("/sys/kernel/kexec/crash_size", "268435456\n");
	put("/sys/kernel/kexec/crash_elfcorehdr_size", "462560\n");
	put("/sys/kernel/kexec_crash_size", "1\n"); /* deprecated, stale: the new one wins */
	assert_int_equal(chp_sysroot_open(&s, root), 0);
	assert_int_equal(chp_sysroot_kexec_loaded(s), 0);
	assert_int_equal(chp_sysroot_kexec_crash_loaded(s), 1);
	assert_int_equal(chp_sysroot_kexec_crash_size(s), 268435456);
	assert_int_equal(chp_sysroot_elfcorehdr_size(s), 462560);
	chp_sysroot_free(s);
	drop("/sys/kernel/kexec/crash_size");
	drop("/sys/kernel/kexec/crash_elfcorehdr_size");
	put("/sys/kernel/crash_elfcorehdr_size", "917616\n");
	assert_int_equal(chp_sysroot_open(&s, root), 0);
	assert_int_equal(chp_sysroot_kexec_crash_size(s), 1);
	assert_int_equal(chp_sysroot_elfcorehdr_size(s), 917616);
	chp_sysroot_free(s);
}

/*
 * The live header's room: the kernel's own crash_elfcorehdr_size where shown
 * (x86 arch_crash_get_elfcorehdr_size(): program headers only) + the ELF
 * header, page-rounded; else from kernel_max, NR_CPUS 8192 being MAXSMP's.
 */
static void test_sysroot__segment_from_live_elfcorehdr_size(void **state)
{
	struct chp_sysroot *s;
	struct chp_machine *m;

	put_machine();
	put("/sys/kernel/crash_elfcorehdr_size", "462448\n"); /* (2 + 64 + 8192) * 56 */
	assert_int_equal(chp_sysroot_open(&s, root), 0);
	assert_int_equal(chp_machine_new_from_sysroot(&m, s), 0);
	assert_int_equal(chp_crashmem_segment_size(m), 113 * 4096);
	chp_machine_free(m);
	chp_sysroot_free(s);
	drop("/sys/kernel/crash_elfcorehdr_size");
	assert_int_equal(chp_sysroot_open(&s, root), 0);
	assert_int_equal(chp_machine_new_from_sysroot(&m, s), 0);
	assert_int_equal(chp_crashmem_segment_size(m), 225 * 4096); /* kernel_max 8191 */
	chp_machine_free(m);
	chp_sysroot_free(s);
}

static void test_sysroot__iomem_errors_name_line(void **state)
{
	struct chp_sysroot *s = NULL;

	put("/proc/iomem", "00001000-0009ffff : System RAM\n   00100000-7fffffff : odd\n");
	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "/proc/iomem:2: odd indentation"));
	put("/proc/iomem", "00001000-0009ffff System RAM\n");
	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "/proc/iomem:1:"));
	put("/proc/iomem", "00002000-00001fff : System RAM\n");
	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "end before start"));
	assert_null(s);
}

/* Read without privilege: every address 0; detected, and nothing built on it. */
static void test_sysroot__iomem_zeroed(void **state)
{
	struct chp_sysroot *s;

	put("/proc/iomem", "00000000-00000000 : System RAM\n  00000000-00000000 : Crash kernel\n");
	assert_int_equal(chp_sysroot_open(&s, root), 0);
	assert_true(chp_sysroot_iomem_zeroed(s));
	assert_int_equal(chp_ranges_count(chp_sysroot_system_ram(s)), 0);
	assert_int_equal(chp_ranges_count(chp_sysroot_crashkernel(s)), 0);
	chp_sysroot_free(s);
}

static void test_sysroot__malformed_sysfs_named(void **state)
{
	struct chp_sysroot *s = NULL;

	put("/proc/iomem", "");
	put("/sys/devices/system/memory/block_size_bytes", "zz\n");
	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "block_size_bytes: 'zz' is not a hexadecimal number"));
	put("/sys/devices/system/memory/block_size_bytes", "6000000\n");
	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "not a power of two"));
	put("/sys/devices/system/memory/block_size_bytes", "8000000\n");
	put("/sys/devices/system/memory/crash_hotplug", "2\n");
	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "crash_hotplug: '2' is neither 0 nor 1"));
	put("/sys/devices/system/memory/crash_hotplug", "1\n");
	put("/sys/kernel/vmcoreinfo", "garbage\n");
	assert_int_equal(chp_sysroot_open(&s, root), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "vmcoreinfo"));
	assert_int_equal(chp_sysroot_open(&s, "/nonexistent/sysroot"), -ENOENT);
}

/* 2^64-1 once wrote one byte before the model's block array. */
static void test_sysroot__phys_index_bounded(void **state)
{
	struct chp_sysroot *s;
	struct chp_machine *m;

	put_machine();
	open_ok();
	put("/sys/devices/system/memory/memory9/phys_index", "ffffffffffffffff\n");
	open_refused("memory9/phys_index: 0xffffffffffffffff is beyond");
	put("/sys/devices/system/memory/memory9/phys_index", "2000000\n"); /* 2^52 at 128 MiB */
	open_refused("memory9/phys_index");
	put("/sys/devices/system/memory/memory9/phys_index", "1ffffff\n");
	assert_int_equal(chp_sysroot_open(&s, root), 0); /* the last block below 2^52 */
	/* ...more blocks than the model holds (16 Mi): refused, not allocated. */
	assert_int_equal(chp_machine_new_from_sysroot(&m, s), -E2BIG);
	chp_sysroot_free(s);
	put("/sys/devices/system/memory/memory9/phys_index", "ffffff\n");
	open_ok(); /* the last block the model holds */
	put("/sys/devices/system/memory/memory9/phys_index", "9\n");
	put("/sys/devices/system/memory/memory33554432/state", "online\n");
	open_refused("memory33554432: block number beyond");
	drop("/sys/devices/system/memory/memory33554432/state");
	rmdir(strcat(strcpy((char[256]){ 0 }, root), "/sys/devices/system/memory/memory33554432"));
	put("/sys/devices/system/memory/block_size_bytes", "1000\n");
	open_refused("block_size_bytes: 0x1000 is not between");
	put("/sys/devices/system/memory/block_size_bytes", "8000000\n");
	put("/proc/iomem", "00001000-0009ffff : System RAM\nfffffffffffff000-ffffffffffffffff : System RAM\n");
	open_refused("/proc/iomem:2: System RAM ends at 0xffffffffffffffff");
}

/* NR_CPUS sizes the header: a huge kernel_max, or a CPU past it, is refused, not allocated. */
static void test_sysroot__cpu_bounds(void **state)
{
	put_machine();
	put("/sys/devices/system/cpu/kernel_max", "4294967294\n");
	open_refused("kernel_max: 4294967294 is beyond NR_CPUS of any kernel (32767)");
	put("/sys/devices/system/cpu/kernel_max", "9223372036854775807\n");
	open_refused("kernel_max");
	put("/sys/devices/system/cpu/kernel_max", "7\n");
	put("/sys/devices/system/cpu/possible", "0-8\n");
	open_refused("cpu/possible: CPU 8 is beyond kernel_max (7)");
	drop("/sys/devices/system/cpu/kernel_max");
	put("/sys/devices/system/cpu/possible", "0-3,1048575\n");
	open_refused("cpu/possible: CPU 1048575 is beyond the largest NR_CPUS");
	put("/sys/devices/system/cpu/possible", "0-3\n");
	open_ok();
}

/* Addresses and sizes the header will hold stay below 2^52 and add up without wrapping. */
static void test_sysroot__notes_bounded(void **state)
{
	put_machine();
	put("/sys/devices/system/cpu/cpu1/crash_notes", "ffffffffffffffff\n");
	open_refused("cpu1/crash_notes: 0xffffffffffffffff is beyond any physical address");
	put("/sys/devices/system/cpu/cpu1/crash_notes", "10000000000000\n"); /* 2^52 */
	open_refused("cpu1/crash_notes: 0x10000000000000 is beyond any physical address");
	put("/sys/devices/system/cpu/cpu1/crash_notes", "7ffe9e00\n");
	put("/sys/devices/system/cpu/cpu0/crash_notes_size", "18446744073709551615\n");
	open_refused("cpu0/crash_notes_size");
	put("/sys/devices/system/cpu/cpu0/crash_notes_size", "368\n");
	put("/sys/kernel/vmcoreinfo", "fffffffffffff000 ffffffff\n");
	open_refused("/sys/kernel/vmcoreinfo: 0xffffffff bytes at 0xfffffffffffff000");
	put("/sys/kernel/vmcoreinfo", "-1 1024\n");
	open_refused("vmcoreinfo: '-1 1024' is not");
	put("/sys/kernel/vmcoreinfo", "2c0a000 1024\n");
	put("/sys/kernel/kexec_crash_size", "18446744073709551615\n");
	open_refused("kexec_crash_size");
	put("/sys/kernel/kexec_crash_size", "268435456\n");
	open_ok();
}

/* A FIFO or a device where a file belongs: refused at once, never a hang. */
static void test_sysroot__special_files_refused(void **state)
{
	static const char *const files[] = {
		"/sys/devices/system/cpu/possible", "/sys/devices/system/cpu/cpu1/crash_notes",
		"/sys/devices/system/memory/memory9/state", "/proc/iomem", "/proc/kallsyms",
		"/proc/kcore", "/proc/cmdline",
	};
	char full[256];

	put_machine();
	alarm(60); /* a blocking open of a FIFO would wait here forever */
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		make_fifo(files[i]);
		open_refused("not a regular file");
		assert_non_null(strstr(chp_last_error(), files[i]));
		drop(files[i]);
	}
	/*
	 * /dev/zero's numbers (root only): refused without being opened at all,
	 * since opening some devices acts (a watchdog starts).  inotify sees
	 * every open that could read.
	 */
	snprintf(full, sizeof(full), "%s/proc/iomem", root);
	if (mknod(full, S_IFCHR | 0600, makedev(1, 5)) == 0) {
		int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		char ev[256];
		assert_true(in >= 0);
		assert_true(inotify_add_watch(in, full, IN_OPEN) >= 0);
		open_refused("/proc/iomem: not a regular file");
		assert_int_equal(read(in, ev, sizeof(ev)), -1); /* no event: never opened */
		assert_int_equal(errno, EAGAIN);
		close(in);
		drop("/proc/iomem");
	}
	/* A directory in place of a file, and a file in place of memory/. */
	snprintf(full, sizeof(full), "%s/proc/iomem", root);
	assert_int_equal(mkdir(full, 0700), 0);
	open_refused("/proc/iomem: not a regular file");
	rmdir(full);
	alarm(0);
}

/* Links inside the sysroot are followed (real /sys is made of them); out of it, refused. */
static void test_sysroot__links_stay_inside(void **state)
{
	struct chp_sysroot *s;
	char full[256];
	int fd;

	put_machine();
	put("/sys/devices/system/cpu/possible.real", "0-3\n");
	make_link("/sys/devices/system/cpu/possible", "possible.real");
	put("/elsewhere/iomem", "00001000-0009ffff : System RAM\n00100000-4fffffff : System RAM\n"
				"  2e000000-3dffffff : Crash kernel\n");
	make_link("/proc/iomem", "../elsewhere/iomem");
	open_ok();
	make_link("/proc/iomem", "/etc/passwd");
	open_refused("/proc/iomem: a symbolic link that leads out of the sysroot");
	make_link("/proc/iomem", "../../../../../../../../etc/passwd");
	open_refused("/proc/iomem: a symbolic link that leads out of the sysroot");
	make_link("/proc/iomem", "../elsewhere/iomem");
	/* A directory on the way out: memory/ itself a link to the host's. */
	snprintf(full, sizeof(full), "%s/sys/devices/system/memory", root);
	assert_int_equal(rename(full, strcat(strcpy((char[256]){ 0 }, full), ".real")), 0);
	make_link("/sys/devices/system/memory", "/sys/devices/system/memory");
	open_refused("/sys/devices/system/memory");
	make_link("/sys/devices/system/memory", "memory.real");
	open_ok();

	/* The same without openat2 (kernels before 5.6, seccomp filters). */
	assert_int_equal(chp_sysroot_open(&s, root), 0);
	s->no_openat2 = true;
	fd = chp_sysroot_openat(s, "/proc/iomem", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	fd = chp_sysroot_openat(s, "/sys/devices/system/memory/memory9/state", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	make_link("/proc/iomem", "/etc/passwd");
	assert_int_equal(chp_sysroot_openat(s, "/proc/iomem", O_RDONLY), -EXDEV);
	make_link("/proc/iomem", "../../..");
	assert_int_equal(chp_sysroot_openat(s, "/proc/iomem", O_RDONLY), -EXDEV);
	chp_sysroot_free(s);
}

/*
 * An error quotes a short excerpt of what it read, never the file: its bytes
 * as they are, 40 at most; the tool escapes the message as it prints it,
 * once (test_text_out, hostile_text.py), as it escapes the file names in it.
 */
static void test_sysroot__messages_quote_excerpts(void **state)
{
	char text[3000];

	put_machine();
	memset(text, 'A', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(text, "\x1b]0;owned\x07", 10);
	put("/sys/devices/system/cpu/online", text);
	open_refused("cpu/online: CPU list '\x1b]0;owned\x07" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...'");
	assert_true(strlen(chp_last_error()) < 300);
	put("/sys/devices/system/cpu/online", "0-1\n");
	/* A file longer than its kind ever is: refused by its size, nothing quoted. */
	put("/sys/devices/system/memory/block_size_bytes", text);
	open_refused("block_size_bytes: more than 128 bytes, more than this file ever holds");
	put("/sys/devices/system/memory/block_size_bytes", "8000000\x1b\n");
	open_refused("block_size_bytes: '8000000\x1b' is not a hexadecimal number");
	put("/sys/devices/system/memory/block_size_bytes", "8000000\n");
	put("/sys/devices/system/cpu/possible", "0-3,\x1b[2J\n");
	open_refused("possible: CPU list '0-3,\x1b[2J': expected a number at '\x1b[2J'");
	put("/sys/devices/system/cpu/possible", "0-3\n");
	put("/sys/devices/system/memory/memory9/state", "\x1b[31mred\n");
	open_refused("memory9/state: unknown state '\x1b[31mred'");
}

/* _text past 8 MiB of kallsyms is found: KASLR is not silently lost. */
static void test_sysroot__kallsyms_streamed(void **state)
{
	struct chp_sysroot *s;
	char full[256];
	uint64_t vaddr, size;
	FILE *f;

	put_machine();
	snprintf(full, sizeof(full), "%s/proc/kallsyms", root);
	f = fopen(full, "w");
	assert_non_null(f);
	for (unsigned i = 0; i < 300000; i++) /* 300000 * 36 bytes: over 10 MiB */
		fprintf(f, "0000000000000000 A fixed_percpu_%06u\n", i);
	fprintf(f, "ffffffff9a000000 T _text\n");
	fprintf(f, "ffffffff9a000000 T %05000d\n", 0); /* a line longer than any symbol */
	fprintf(f, "ffffffff9d400000 B _end");       /* the last line, without a newline */
	fclose(f);
	assert_int_equal(chp_sysroot_open(&s, root), 0);
	assert_true(chp_sysroot_text_vaddr(s, &vaddr, &size));
	assert_int_equal(vaddr, 0xffffffff9a000000ull);
	assert_int_equal(size, 0x3400000);
	chp_sysroot_free(s);
}

/*
 * A DIMM onlined while the machine is read: the kernel's crash hotplug
 * update holds the kexec lock and kexec_crash_size answers EBUSY.  The
 * size is unknown now and said so; the machine still opens (watch, which
 * starts as the DIMM comes, no longer exits).
 */
static void test_sysroot__kexec_lock_busy(void **state)
{
	struct chp_sysroot *s;

	put_machine();
	put("/sys/kernel/kexec_crash_size", "268435456\n");
	assert_int_equal(chp_sysroot_open(&s, root), 0);
	assert_int_equal(chp_sysroot_kexec_crash_size(s), 268435456);
	chp_sysroot_free(s);

	busy_name = "/sys/kernel/kexec_crash_size";
	int err = chp_sysroot_open(&s, root);
	busy_name = NULL;
	assert_int_equal(err, 0);
	assert_int_equal(chp_sysroot_kexec_crash_size(s), -1);
	assert_non_null(strstr(chp_sysroot_absent(s), "/sys/kernel/kexec_crash_size: busy (the kernel's kexec lock"));
	chp_sysroot_free(s);

	/* A file read without a meaning for its absence still fails, naming it. */
	busy_name = "/sys/devices/system/cpu/cpu0/crash_notes";
	err = chp_sysroot_open(&s, root);
	busy_name = NULL;
	assert_int_equal(err, -EBUSY);
	assert_non_null(strstr(chp_last_error(), "cpu0/crash_notes: Device or resource busy"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysroot__cpulist),
		cmocka_unit_test_setup_teardown(test_sysroot__iomem_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__iomem_nested_system_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__kernel_text_without_kallsyms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__kexec_dir_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__segment_from_live_elfcorehdr_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__iomem_errors_name_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__iomem_zeroed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__malformed_sysfs_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__phys_index_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__cpu_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__notes_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__special_files_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__links_stay_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__messages_quote_excerpts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__kallsyms_streamed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot__kexec_lock_busy, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
