// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An LD_PRELOAD shim for kernel_e2e.py's gap part (built on the host with
 * gcc -shared -fPIC): it holds kexec-tools in the gap of its kexec_load
 * path, after its read of /proc/iomem and before the kexec_load syscall.
 * kexec-tools makes the call through libc's syscall() (kexec_load() in
 * kexec/kexec-syscall.h), so this syscall() stands in for libc's: at
 * __NR_kexec_load it creates GAP_READY, then reads the FIFO GAP_GO to its
 * end (the guest's init writes it once the hot-added DIMM is online), then
 * makes the call.  Every other number goes straight to the kernel, unheld.
 * Each kexec_load and kexec_file_load it passes on is logged in GAP_CALLS
 * ("kexec_load 0": the name and the kernel's return), so the guest can say
 * which syscall made the load.  x86_64 only: the call is inline asm, so no
 * dlsym() of libc's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __x86_64__
#error "gap-shim.c makes x86_64 system calls"
#endif

/* -DGAP_DIR=... moves the files (a test on the host). */
#ifndef GAP_DIR
#define GAP_DIR "/tmp"
#endif
#define GAP_READY GAP_DIR "/gap-ready"
#define GAP_GO GAP_DIR "/gap-go"
#define GAP_CALLS GAP_DIR "/gap-calls"

/* The kernel's return: -errno on failure. */
static long raw_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Waits for the go; 0, or -errno when the hold could not be set up (the
 * load then fails with it rather than run unheld: a test that did not
 * hold the gap has not shown it). */
static long hold(void)
{
	const char *at = GAP_READY;
	char buf[64];
	ssize_t n;
	int fd, err;

	fd = open(GAP_READY, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	close(fd);
	/* Blocks until the writer opens the FIFO; its close ends the read. */
	at = GAP_GO;
	fd = open(GAP_GO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
	close(fd);
	return 0;
fail:
	err = errno;
	fprintf(stderr, "gap-shim: %s: %s\n", at, strerror(err));
	return -err;
}

static void note(const char *call, long ret)
{
	FILE *f = fopen(GAP_CALLS, "ae");

	if (!f)
		return;
	fprintf(f, "%s %ld\n", call, ret);
	fclose(f);
}

long syscall(long nr, ...)
{
	long a[6], ret = 0;
	int saved = errno;
	va_list ap;

	/* As libc's: six arguments taken whatever the call uses. */
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_kexec_load)
		ret = hold();
	if (ret == 0)
		ret = raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (nr == SYS_kexec_load || nr == SYS_kexec_file_load)
		note(nr == SYS_kexec_load ? "kexec_load" : "kexec_file_load", ret);
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	errno = saved;
	return ret;
}
