/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which architecture the sysroot's machine is, as uname -m names it, and the
 * file that told it.  The evidence, most reliable first:
 *  1. /proc/sys/kernel/arch (Linux 6.1+, 0444): uname -m itself, the
 *     kernel's own build-time name;
 *  2. /proc/kcore's e_machine: the running kernel's ELF_ARCH (root only);
 *  3. /proc/cpuinfo's shape: each architecture's show_cpuinfo() prints its
 *     own fields (x86 "vendor_id" and "flags", POWER "cpu : POWERn", arm64
 *     "CPU implementer", s390 "vendor_id : IBM/S390"); any user reads it;
 *  4. the release's suffix (-amd64, -powerpc64le, .aarch64): a distribution's
 *     naming convention, which a self-built kernel need not follow: last.
 * Nothing that says: "" (the live builder then assumes x86_64, as before).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sysroot_internal.h"

#define EM_S390 22
#define EM_PPC64 21
#define EM_X86_64 62
#define EM_AARCH64 183
#define EM_RISCV 243

static void set_arch(struct chp_sysroot *s, const char *name, const char *from)
{
	snprintf(s->arch, sizeof(s->arch), "%s", name);
	s->arch_from = from;
}

static int from_sysctl(struct chp_sysroot *s)
{
	static const char path[] = "/proc/sys/kernel/arch";
	char buf[sizeof(s->arch)];
	int r = chp_sysroot_read(s, path, buf, sizeof(buf), NULL);

	if (r <= 0)
		return r;
	if (!buf[0] || strspn(buf, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(buf))
		return chp_fail(-EINVAL, "%s%s: \"%s\" is not an architecture's name", s->prefix, path,
				CHP_EXCERPT(buf));
	set_arch(s, buf, path);
	return 1;
}

static bool from_kcore(struct chp_sysroot *s)
{
	static const struct { uint16_t machine; const char *name; } names[] = {
		{ EM_X86_64, "x86_64" }, { EM_PPC64, "ppc64le" }, { EM_AARCH64, "aarch64" },
		{ EM_S390, "s390x" }, { EM_RISCV, "riscv64" },
	};

	for (size_t i = 0; s->kcore_machine && i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].machine == s->kcore_machine) {
			set_arch(s, names[i].name, "/proc/kcore");
			return true;
		}
	return false;
}

/* A line "FIELD<tabs or spaces>: VALUE" whose VALUE starts with `value`. */
static bool has_field(const char *text, const char *field, const char *value)
{
	size_t flen = strlen(field);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, field, flen))
			continue;
		const char *p = l + flen + strspn(l + flen, " \t");
		if (*p != ':')
			continue;
		p++;
		p += strspn(p, " \t");
		if (!strncmp(p, value, strlen(value)))
			return true;
	}
	return false;
}

static int from_cpuinfo(struct chp_sysroot *s)
{
	static const char path[] = "/proc/cpuinfo";
	char *text = NULL;
	int r = chp_sysroot_read_all(s, path, &text, NULL);

	if (r <= 0)
		return r;
	r = 1;
	if (has_field(text, "vendor_id", "IBM/S390"))
		set_arch(s, "s390x", path);
	else if (has_field(text, "vendor_id", "") && has_field(text, "flags", ""))
		set_arch(s, "x86_64", path);
	else if (has_field(text, "cpu", "POWER") || has_field(text, "cpu", "PPC"))
		set_arch(s, "ppc64", path); /* endianness is not shown */
	else if (has_field(text, "CPU implementer", ""))
		set_arch(s, "aarch64", path);
	else
		r = 0;
	free(text);
	return r;
}

static bool from_release(struct chp_sysroot *s)
{
	static const struct { const char *suffix, *name; } names[] = {
		{ "amd64", "x86_64" }, { "x86_64", "x86_64" }, { "powerpc64le", "ppc64le" },
		{ "ppc64el", "ppc64le" }, { "ppc64le", "ppc64le" }, { "ppc64", "ppc64" },
		{ "arm64", "aarch64" }, { "aarch64", "aarch64" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" },
	};
	const char *tail = s->release + strcspn(s->release, "");

	while (tail > s->release && tail[-1] != '-' && tail[-1] != '.')
		tail--;
	for (size_t i = 0; tail > s->release && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(tail, names[i].suffix)) {
			set_arch(s, names[i].name, "/proc/sys/kernel/osrelease");
			return true;
		}
	return false;
}

int chp_sysroot_read_arch(struct chp_sysroot *s)
{
	int r = from_sysctl(s);

	if (r || from_kcore(s))
		return r < 0 ? r : 0;
	r = from_cpuinfo(s);
	if (!r)
		from_release(s);
	return r < 0 ? r : 0;
}

const char *chp_sysroot_arch(const struct chp_sysroot *s, const char **from)
{
	if (from)
		*from = s->arch_from;
	return s->arch;
}
