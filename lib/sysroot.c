/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashhp/elfcore.h"
#include "internal.h"
#include "sysroot_internal.h"

#define MAX_FILE (8u << 20)

static void note_absent(struct chp_sysroot *s, const char *path, const char *meaning)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s: %s\n", path, meaning);
	char *grown;

	if (n <= 0)
		return;
	grown = realloc(s->absent, s->absent_len + (size_t)n + 1);
	if (!grown)
		return;
	s->absent = grown;
	memcpy(s->absent + s->absent_len, line, (size_t)n + 1);
	s->absent_len += (size_t)n;
}

static int open_under(const struct chp_sysroot *s, const char *path)
{
	char full[4096];

	if (snprintf(full, sizeof(full), "%s%s", s->prefix, path) >= (int)sizeof(full))
		return -ENAMETOOLONG;
	return open(full, O_RDONLY | O_CLOEXEC);
}

static bool access_under_ok(const struct chp_sysroot *s, const char *path)
{
	char full[4096];
	struct stat st;

	return snprintf(full, sizeof(full), "%s%s", s->prefix, path) < (int)sizeof(full) &&
	       stat(full, &st) == 0;
}

int chp_sysroot_read_all(struct chp_sysroot *s, const char *path, char **text, const char *meaning)
{
	int fd = open_under(s, path);
	size_t len = 0, cap = 4096;
	char *buf;

	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EACCES || errno == EPERM) {
			if (meaning)
				note_absent(s, path, errno == ENOENT || errno == ENOTDIR ? meaning
											: "not readable here");
			return 0;
		}
		return chp_fail(-errno, "%s%s: %s", s->prefix, path, strerror(errno));
	}
	buf = malloc(cap);
	for (;;) {
		ssize_t n;
		if (!buf) {
			close(fd);
			return chp_fail(-ENOMEM, "out of memory reading %s", path);
		}
		if (len + 1 == cap) {
			if (cap >= MAX_FILE) {
				free(buf);
				close(fd);
				return chp_fail(-EFBIG, "%s%s: larger than %u bytes", s->prefix, path,
						MAX_FILE);
			}
			char *grown = realloc(buf, cap * 2);
			if (!grown)
				free(buf);
			buf = grown;
			cap *= 2;
			continue;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			close(fd);
			if (e == EACCES || e == EPERM || e == EIO) {
				if (meaning)
					note_absent(s, path, "not readable here");
				return 0;
			}
			return chp_fail(-e, "%s%s: %s", s->prefix, path, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		free(buf);
		return chp_fail(-EINVAL, "%s%s: holds a NUL byte", s->prefix, path);
	}
	*text = buf;
	return 1;
}

int chp_sysroot_read(struct chp_sysroot *s, const char *path, char *buf, size_t cap,
		     const char *meaning)
{
	char *text = NULL;
	size_t len;
	int r = chp_sysroot_read_all(s, path, &text, meaning);

	if (r <= 0)
		return r;
	len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	if (len >= cap) {
		free(text);
		return chp_fail(-EINVAL, "%s%s: %zu bytes, more than this file ever holds", s->prefix,
				path, len);
	}
	memcpy(buf, text, len + 1);
	free(text);
	return 1;
}

int chp_parse_cpulist(const char *text, struct chp_ranges *out)
{
	const char *p = text;

	chp_ranges_clear(out);
	while (*p == ' ')
		p++;
	if (!*p)
		return 0; /* an empty list: no CPUs */
	for (;;) {
		char *end;
		unsigned long long a, b;

		if (!isdigit((unsigned char)*p))
			return chp_fail(-EINVAL, "CPU list '%s': expected a number at '%s'", text, p);
		a = b = strtoull(p, &end, 10);
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)p[1]))
				return chp_fail(-EINVAL, "CPU list '%s': bad range", text);
			b = strtoull(p + 1, &end, 10);
			p = end;
		}
		if (a > b || b > 1u << 20)
			return chp_fail(-EINVAL, "CPU list '%s': range %llu-%llu", text, a, b);
		int err = chp_ranges_add(out, (struct chp_range){ a, b });
		if (err)
			return err;
		if (*p == '\0' || *p == '\n')
			return 0;
		if (*p != ',')
			return chp_fail(-EINVAL, "CPU list '%s': unexpected '%c'", text, *p);
		p++;
	}
}

static int parse_u64_text(const char *path, const char *text, int base, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(text, &end, base);
	if (errno || end == text || *end || text[0] == '-')
		return chp_fail(-EINVAL, "%s: '%s' is not a %s number", path, text,
				base == 16 ? "hexadecimal" : "decimal");
	return 0;
}

static int read_flag(struct chp_sysroot *s, const char *path, int *out, const char *meaning)
{
	char buf[32];
	int r = chp_sysroot_read(s, path, buf, sizeof(buf), meaning);

	*out = -1;
	if (r <= 0)
		return r;
	if (strcmp(buf, "0") && strcmp(buf, "1"))
		return chp_fail(-EINVAL, "%s%s: '%s' is neither 0 nor 1", s->prefix, path, buf);
	*out = buf[0] == '1';
	return 0;
}

static int read_cpulist(struct chp_sysroot *s, const char *path, struct chp_ranges *out)
{
	char buf[4096];
	int r = chp_sysroot_read(s, path, buf, sizeof(buf), "no CPU sysfs");

	if (r <= 0)
		return r;
	r = chp_parse_cpulist(buf, out);
	return r ? chp_fail_prefix(r, "%s%s: ", s->prefix, path) : 0;
}

static int read_cpus(struct chp_sysroot *s)
{
	char path[256], buf[64];
	int err = read_cpulist(s, "/sys/devices/system/cpu/possible", s->possible);

	if (!err)
		err = read_cpulist(s, "/sys/devices/system/cpu/present", s->present);
	if (!err)
		err = read_cpulist(s, "/sys/devices/system/cpu/online", s->online);
	if (!err && chp_sysroot_read(s, "/sys/devices/system/cpu/kernel_max", buf, sizeof(buf),
				     "kernel_max unknown") > 0) {
		uint64_t v;
		err = parse_u64_text("/sys/devices/system/cpu/kernel_max", buf, 10, &v);
		s->kernel_max = err ? -1 : (long)v;
	}
	if (!err)
		err = read_flag(s, "/sys/devices/system/cpu/crash_hotplug", &s->cpu_crash_hotplug,
				"the kernel has no crash hotplug for CPUs (before 6.6, or no CONFIG_CRASH_HOTPLUG)");
	if (err)
		return err;
	/* One entry per possible CPU (present when "possible" is absent). */
	const struct chp_ranges *set = chp_ranges_count(s->possible) ? s->possible : s->present;
	unsigned no_notes = 0;
	uint64_t n = 0;
	chp_ranges_total_bytes(set, &n);
	s->cpus = calloc(n ? (size_t)n : 1, sizeof(*s->cpus));
	if (!s->cpus)
		return chp_fail(-ENOMEM, "out of memory for %" PRIu64 " CPUs", n);
	for (size_t k = 0; k < chp_ranges_count(set); k++) {
		const struct chp_range *r = chp_ranges_at(set, k);
		for (uint64_t cpu = r->start; cpu <= r->last; cpu++) {
			struct chp_live_cpu *c = &s->cpus[s->ncpus++];
			struct chp_range one = { cpu, cpu };
			c->cpu = (unsigned)cpu;
			c->present = chp_ranges_covers(s->present, one);
			c->online = chp_ranges_covers(s->online, one);
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online", c->cpu);
			c->has_online_file = access_under_ok(s, path);
			if (!c->present)
				continue;
			/* Per-CPU absences are summed up in one line below. */
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/crash_notes", c->cpu);
			int got = chp_sysroot_read(s, path, buf, sizeof(buf), NULL);
			if (got > 0 && (err = parse_u64_text(path, buf, 16, &c->crash_notes)))
				return err;
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/crash_notes_size", c->cpu);
			if (chp_sysroot_read(s, path, buf, sizeof(buf), NULL) > 0 &&
			    (err = parse_u64_text(path, buf, 10, &c->crash_notes_size)))
				return err;
			no_notes += got <= 0 || !c->crash_notes;
		}
	}
	if (no_notes) {
		char what[96];
		snprintf(what, sizeof(what), "unknown for %u present CPUs (no CRASH_DUMP, or no privilege)",
			 no_notes);
		note_absent(s, "/sys/devices/system/cpu/cpuN/crash_notes", what);
	}
	return 0;
}

static int cmp_block(const void *a, const void *b)
{
	const struct chp_live_block *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

static int read_block(struct chp_sysroot *s, struct chp_live_block *b)
{
	char path[256], buf[64];
	int err = 0;

	b->state = CHP_LIVE_BLOCK_UNKNOWN;
	b->removable = -1;
	b->phys_index = b->index;
	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%" PRIu64 "/state", b->index);
	if (chp_sysroot_read(s, path, buf, sizeof(buf), "block state unknown") > 0) {
		if (!strcmp(buf, "online"))
			b->state = CHP_LIVE_BLOCK_ONLINE;
		else if (!strcmp(buf, "offline"))
			b->state = CHP_LIVE_BLOCK_OFFLINE;
		else if (!strcmp(buf, "going-offline"))
			b->state = CHP_LIVE_BLOCK_GOING_OFFLINE;
		else
			return chp_fail(-EINVAL, "%s%s: unknown state '%s'", s->prefix, path, buf);
	}
	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%" PRIu64 "/phys_index", b->index);
	if (chp_sysroot_read(s, path, buf, sizeof(buf), "phys_index unknown") > 0)
		err = parse_u64_text(path, buf, 16, &b->phys_index);
	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%" PRIu64 "/removable", b->index);
	if (!err && chp_sysroot_read(s, path, buf, sizeof(buf), "removable unknown") > 0)
		b->removable = buf[0] == '1';
	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%" PRIu64 "/valid_zones", b->index);
	if (!err && chp_sysroot_read(s, path, buf, sizeof(buf), "valid_zones unknown") > 0)
		snprintf(b->valid_zones, sizeof(b->valid_zones), "%s", buf);
	return err;
}

static int read_memory(struct chp_sysroot *s)
{
	char buf[64], full[4096];
	DIR *d;
	struct dirent *e;
	int err = 0;

	if (chp_sysroot_read(s, "/sys/devices/system/memory/block_size_bytes", buf, sizeof(buf),
			     "no memory block sysfs (no MEMORY_HOTPLUG)") > 0 &&
	    (err = parse_u64_text("/sys/devices/system/memory/block_size_bytes", buf, 16, &s->block_size)))
		return err;
	if (s->block_size && (s->block_size & (s->block_size - 1)))
		return chp_fail(-EINVAL, "%s/sys/devices/system/memory/block_size_bytes: %#" PRIx64
				" is not a power of two", s->prefix, s->block_size);
	chp_sysroot_read(s, "/sys/devices/system/memory/auto_online_blocks", s->auto_online,
			 sizeof(s->auto_online), "auto-online policy unknown");
	err = read_flag(s, "/sys/devices/system/memory/crash_hotplug", &s->mem_crash_hotplug,
			"the kernel has no crash hotplug for memory (before 6.6, or no CONFIG_CRASH_HOTPLUG)");
	if (err)
		return err;
	snprintf(full, sizeof(full), "%s/sys/devices/system/memory", s->prefix);
	d = opendir(full);
	if (!d)
		return 0;
	while (!err && (e = readdir(d))) {
		uint64_t index;
		if (strncmp(e->d_name, "memory", 6) || !isdigit((unsigned char)e->d_name[6]))
			continue;
		if (parse_u64_text(e->d_name, e->d_name + 6, 10, &index))
			continue;
		struct chp_live_block *grown = realloc(s->blocks, (s->nblocks + 1) * sizeof(*grown));
		if (!grown) {
			err = chp_fail(-ENOMEM, "out of memory for memory blocks");
			break;
		}
		s->blocks = grown;
		memset(&s->blocks[s->nblocks], 0, sizeof(*s->blocks));
		s->blocks[s->nblocks].index = index;
		err = read_block(s, &s->blocks[s->nblocks]);
		s->nblocks++;
	}
	closedir(d);
	if (!err && s->nblocks) /* qsort(NULL, 0) is undefined */
		qsort(s->blocks, s->nblocks, sizeof(*s->blocks), cmp_block);
	return err;
}

static int read_kernel(struct chp_sysroot *s)
{
	char buf[256], *text = NULL;
	uint64_t v;
	int err = 0;

	if (chp_sysroot_read(s, "/proc/sys/kernel/osrelease", s->release, sizeof(s->release),
			     "kernel release unknown") <= 0)
		s->release[0] = '\0';
	if (chp_sysroot_read_all(s, "/proc/cmdline", &text, "kernel command line unknown") > 0) {
		size_t len = strlen(text);
		while (len && text[len - 1] == '\n')
			text[--len] = '\0';
		s->cmdline = text;
	}
	err = read_flag(s, "/sys/kernel/kexec_loaded", &s->kexec_loaded, "no kexec support shown");
	if (!err)
		err = read_flag(s, "/sys/kernel/kexec_crash_loaded", &s->kexec_crash_loaded,
				"no kdump support shown");
	s->kexec_crash_size = s->elfcorehdr_size = -1;
	if (!err && chp_sysroot_read(s, "/sys/kernel/kexec_crash_size", buf, sizeof(buf),
				     "crashkernel size unknown") > 0 &&
	    !(err = parse_u64_text("/sys/kernel/kexec_crash_size", buf, 10, &v)))
		s->kexec_crash_size = (int64_t)v;
	if (!err && chp_sysroot_read(s, "/sys/kernel/crash_elfcorehdr_size", buf, sizeof(buf),
				     "no crash hotplug header size (before 6.6)") > 0 &&
	    !(err = parse_u64_text("/sys/kernel/crash_elfcorehdr_size", buf, 10, &v)))
		s->elfcorehdr_size = (int64_t)v;
	if (!err && chp_sysroot_read(s, "/sys/kernel/vmcoreinfo", buf, sizeof(buf),
				     "vmcoreinfo location unknown") > 0) {
		unsigned long long a, n;
		char extra;
		if (sscanf(buf, "%llx %llx %c", &a, &n, &extra) != 2)
			return chp_fail(-EINVAL, "%s/sys/kernel/vmcoreinfo: '%s' is not 'ADDRESS SIZE' in hex",
					s->prefix, buf);
		s->has_vmcoreinfo = a != 0;
		s->vmcoreinfo_paddr = a;
		s->vmcoreinfo_size = n;
		if (!a)
			note_absent(s, "/sys/kernel/vmcoreinfo", "reads 0 here (no privilege)");
	}
	return err;
}

int chp_sysroot_cpu_notes_now(struct chp_sysroot *s, unsigned cpu, uint64_t *paddr, uint64_t *size)
{
	char path[96], buf[64];
	int got;

	*paddr = 0;
	*size = 0;
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/crash_notes", cpu);
	got = chp_sysroot_read(s, path, buf, sizeof(buf), NULL);
	if (got <= 0 || (got = parse_u64_text(path, buf, 16, paddr)))
		return got < 0 ? got : chp_fail(-ENOENT, "CPU %u: crash_notes unknown", cpu);
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/crash_notes_size", cpu);
	if (chp_sysroot_read(s, path, buf, sizeof(buf), NULL) > 0)
		return parse_u64_text(path, buf, 10, size);
	*size = 368; /* note_buf_t on x86_64, before crash_notes_size existed */
	return 0;
}

int chp_sysroot_open(struct chp_sysroot **out, const char *prefix)
{
	struct chp_sysroot *s = calloc(1, sizeof(*s));
	char *text = NULL;
	int err;

	if (!s)
		return chp_fail(-ENOMEM, "out of memory");
	/* "/" reads this machine; any other prefix a dump of one. */
	s->prefix = strdup(strcmp(prefix, "/") ? prefix : "");
	s->kernel_max = -1;
	s->cpu_crash_hotplug = s->mem_crash_hotplug = -1;
	err = s->prefix ? 0 : chp_fail(-ENOMEM, "out of memory");
	if (!err && s->prefix[0]) {
		struct stat st;
		if (stat(s->prefix, &st) || !S_ISDIR(st.st_mode))
			err = chp_fail(-ENOENT, "%s: not a directory", s->prefix);
	}
	if (!err) {
		chp_ranges_new(&s->possible);
		chp_ranges_new(&s->present);
		chp_ranges_new(&s->online);
		chp_ranges_new_list(&s->system_ram); /* one entry per iomem resource */
		chp_ranges_new(&s->crashkernel);
		chp_ranges_new(&s->kmem);
		if (!s->possible || !s->present || !s->online || !s->system_ram || !s->crashkernel || !s->kmem)
			err = chp_fail(-ENOMEM, "out of memory");
	}
	if (!err)
		err = read_cpus(s);
	if (!err)
		err = read_memory(s);
	if (!err)
		err = read_kernel(s);
	if (!err)
		chp_sysroot_read_kallsyms(s);
	if (!err && (err = chp_sysroot_read_all(s, "/proc/iomem", &text, "no /proc/iomem")) > 0) {
		err = chp_sysroot_parse_iomem(s, text, "/proc/iomem");
		free(text);
	}
	if (err >= 0 && !s->iomem_zeroed)
		chp_sysroot_read_kcore(s); /* needs System RAM to tell RAM segments apart */
	if (err < 0) {
		chp_sysroot_free(s);
		return err;
	}
	*out = s;
	return 0;
}

void chp_sysroot_free(struct chp_sysroot *s)
{
	if (!s)
		return;
	free(s->prefix);
	free(s->cmdline);
	free(s->absent);
	free(s->cpus);
	free(s->blocks);
	free(s->iomem);
	chp_ranges_free(s->possible);
	chp_ranges_free(s->present);
	chp_ranges_free(s->online);
	chp_ranges_free(s->system_ram);
	chp_ranges_free(s->crashkernel);
	chp_ranges_free(s->kmem);
	free(s);
}

const char *chp_sysroot_prefix(const struct chp_sysroot *s) { return s->prefix[0] ? s->prefix : "/"; }
const char *chp_sysroot_release(const struct chp_sysroot *s) { return s->release; }
const char *chp_sysroot_cmdline(const struct chp_sysroot *s) { return s->cmdline ? s->cmdline : ""; }
const char *chp_sysroot_absent(const struct chp_sysroot *s) { return s->absent ? s->absent : ""; }
const struct chp_ranges *chp_sysroot_cpus_possible(const struct chp_sysroot *s) { return s->possible; }
const struct chp_ranges *chp_sysroot_cpus_present(const struct chp_sysroot *s) { return s->present; }
const struct chp_ranges *chp_sysroot_cpus_online(const struct chp_sysroot *s) { return s->online; }
long chp_sysroot_cpu_kernel_max(const struct chp_sysroot *s) { return s->kernel_max; }
size_t chp_sysroot_nr_cpus(const struct chp_sysroot *s) { return s->ncpus; }
const struct chp_live_cpu *chp_sysroot_cpu(const struct chp_sysroot *s, size_t i) { return i < s->ncpus ? &s->cpus[i] : NULL; }
int chp_sysroot_cpu_crash_hotplug(const struct chp_sysroot *s) { return s->cpu_crash_hotplug; }
int chp_sysroot_memory_crash_hotplug(const struct chp_sysroot *s) { return s->mem_crash_hotplug; }
uint64_t chp_sysroot_block_size(const struct chp_sysroot *s) { return s->block_size; }
size_t chp_sysroot_nr_blocks(const struct chp_sysroot *s) { return s->nblocks; }
const struct chp_live_block *chp_sysroot_block(const struct chp_sysroot *s, size_t i) { return i < s->nblocks ? &s->blocks[i] : NULL; }
const char *chp_sysroot_auto_online(const struct chp_sysroot *s) { return s->auto_online; }
size_t chp_sysroot_nr_iomem(const struct chp_sysroot *s) { return s->niomem; }
const struct chp_iomem_entry *chp_sysroot_iomem(const struct chp_sysroot *s, size_t i) { return i < s->niomem ? &s->iomem[i] : NULL; }
bool chp_sysroot_iomem_readable(const struct chp_sysroot *s) { return s->iomem_readable; }
bool chp_sysroot_iomem_zeroed(const struct chp_sysroot *s) { return s->iomem_zeroed; }
const struct chp_ranges *chp_sysroot_system_ram(const struct chp_sysroot *s) { return s->system_ram; }
const struct chp_ranges *chp_sysroot_crashkernel(const struct chp_sysroot *s) { return s->crashkernel; }
const struct chp_ranges *chp_sysroot_kmem(const struct chp_sysroot *s) { return s->kmem; }
int chp_sysroot_kexec_loaded(const struct chp_sysroot *s) { return s->kexec_loaded; }
int chp_sysroot_kexec_crash_loaded(const struct chp_sysroot *s) { return s->kexec_crash_loaded; }
int64_t chp_sysroot_kexec_crash_size(const struct chp_sysroot *s) { return s->kexec_crash_size; }
int64_t chp_sysroot_elfcorehdr_size(const struct chp_sysroot *s) { return s->elfcorehdr_size; }

bool chp_sysroot_kernel_image(const struct chp_sysroot *s, struct chp_range *out)
{
	if (s->has_kernel_image)
		*out = s->kernel_image;
	return s->has_kernel_image;
}

bool chp_sysroot_vmcoreinfo(const struct chp_sysroot *s, uint64_t *paddr, uint64_t *size)
{
	*paddr = s->vmcoreinfo_paddr;
	*size = s->vmcoreinfo_size;
	return s->has_vmcoreinfo;
}
