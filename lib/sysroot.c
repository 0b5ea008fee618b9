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
			return chp_fail(-EINVAL, "CPU list '%s': expected a number at '%s'",
					CHP_EXCERPT(text), CHP_EXCERPT(p));
		a = b = strtoull(p, &end, 10);
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)p[1]))
				return chp_fail(-EINVAL, "CPU list '%s': bad range", CHP_EXCERPT(text));
			b = strtoull(p + 1, &end, 10);
			p = end;
		}
		if (a > b || b > 1u << 20)
			return chp_fail(-EINVAL, "CPU list '%s': range %llu-%llu", CHP_EXCERPT(text), a, b);
		int err = chp_ranges_add(out, (struct chp_range){ a, b });
		if (err)
			return err;
		if (*p == '\0' || *p == '\n')
			return 0;
		if (*p != ',')
			return chp_fail(-EINVAL, "CPU list '%s': unexpected '%s'", CHP_EXCERPT(text),
					CHP_EXCERPT((char[2]){ *p }));
		p++;
	}
}

static int parse_u64_text(const struct chp_sysroot *s, const char *path, const char *text, int base,
			  uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(text, &end, base);
	if (errno || end == text || *end || text[0] == '-')
		return chp_fail(-EINVAL, "%s%s: '%s' is not a %s number", s->prefix, path,
				CHP_EXCERPT(text), base == 16 ? "hexadecimal" : "decimal");
	return 0;
}

/* A number that must stay below `limit` (what the kernel can show), so sums cannot wrap. */
static int parse_u64_below(const struct chp_sysroot *s, const char *path, const char *text, int base,
			   uint64_t limit, const char *what, uint64_t *out)
{
	int err = parse_u64_text(s, path, text, base, out);

	if (!err && *out >= limit)
		return chp_fail(-EINVAL, base == 16 ? "%s%s: %#" PRIx64 " is beyond %s (%#" PRIx64 ")"
						    : "%s%s: %" PRIu64 " is beyond %s (%" PRIu64 ")",
				s->prefix, path, *out, what, limit - 1);
	return err;
}

static int read_flag(struct chp_sysroot *s, const char *path, int *out, const char *meaning)
{
	char buf[32];
	int r = chp_sysroot_read(s, path, buf, sizeof(buf), meaning);

	*out = -1;
	if (r <= 0)
		return r;
	if (strcmp(buf, "0") && strcmp(buf, "1"))
		return chp_fail(-EINVAL, "%s%s: '%s' is neither 0 nor 1", s->prefix, path,
				CHP_EXCERPT(buf));
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

/* No CPU number at or above NR_CPUS (kernel_max + 1): the model is sized by them. */
static int check_cpu_bound(const struct chp_sysroot *s, const char *path, const struct chp_ranges *set)
{
	uint64_t limit = s->kernel_max >= 0 ? (uint64_t)s->kernel_max + 1 : CHP_MAX_NR_CPUS;
	size_t n = chp_ranges_count(set);

	if (n && chp_ranges_at(set, n - 1)->last >= limit)
		return chp_fail(-EINVAL, "%s%s: CPU %" PRIu64 " is beyond %s (%" PRIu64 ")", s->prefix,
				path, chp_ranges_at(set, n - 1)->last,
				s->kernel_max >= 0 ? "kernel_max" : "the largest NR_CPUS", limit - 1);
	return 0;
}

/* A CPU's crash_notes: a physical address, and the size of its buffer. */
static int parse_notes(const struct chp_sysroot *s, const char *path, const char *text,
		       uint64_t *paddr)
{
	return parse_u64_below(s, path, text, 16, CHP_PHYS_LIMIT, "any physical address", paddr);
}

static int parse_notes_size(const struct chp_sysroot *s, const char *path, const char *text,
			    uint64_t *size)
{
	return parse_u64_below(s, path, text, 10, CHP_MAX_NOTE_BUF + 1, "any note buffer", size);
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
		err = parse_u64_below(s, "/sys/devices/system/cpu/kernel_max", buf, 10, CHP_MAX_NR_CPUS,
				      "NR_CPUS of any kernel", &v);
		s->kernel_max = err ? -1 : (long)v;
	}
	if (!err)
		err = check_cpu_bound(s, "/sys/devices/system/cpu/possible", s->possible);
	if (!err)
		err = check_cpu_bound(s, "/sys/devices/system/cpu/present", s->present);
	if (!err)
		err = check_cpu_bound(s, "/sys/devices/system/cpu/online", s->online);
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
			c->has_online_file = chp_sysroot_exists(s, path);
			if (!c->present)
				continue;
			/* Per-CPU absences are summed up in one line below. */
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/crash_notes", c->cpu);
			int got = chp_sysroot_read(s, path, buf, sizeof(buf), NULL);
			if (got < 0)
				return got;
			if (got > 0 && (err = parse_notes(s, path, buf, &c->crash_notes)))
				return err;
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/crash_notes_size", c->cpu);
			got = chp_sysroot_read(s, path, buf, sizeof(buf), NULL);
			if (got < 0 || (got > 0 && (err = parse_notes_size(s, path, buf, &c->crash_notes_size))))
				return got < 0 ? got : err;
			no_notes += !c->crash_notes;
		}
	}
	if (no_notes) {
		char what[96];
		snprintf(what, sizeof(what), "unknown for %u present CPUs (no CRASH_DUMP, or no privilege)",
			 no_notes);
		chp_sysroot_note_absent(s, "/sys/devices/system/cpu/cpuN/crash_notes", what);
	}
	return 0;
}

static int cmp_block(const void *a, const void *b)
{
	const struct chp_live_block *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* Block numbers stay below the physical address limit, in blocks (16 MiB when unknown). */
static uint64_t block_limit(const struct chp_sysroot *s)
{
	return CHP_PHYS_LIMIT / (s->block_size ? s->block_size : CHP_MIN_BLOCK_SIZE);
}

static int read_block(struct chp_sysroot *s, struct chp_live_block *b)
{
	char path[256], dir[96], buf[64];
	int got;

	b->state = CHP_LIVE_BLOCK_UNKNOWN;
	b->removable = -1;
	b->phys_index = b->index;
	snprintf(dir, sizeof(dir), "/sys/devices/system/memory/memory%" PRIu64, b->index);
	snprintf(path, sizeof(path), "%s/state", dir);
	if ((got = chp_sysroot_read(s, path, buf, sizeof(buf), "block state unknown")) > 0) {
		if (!strcmp(buf, "online"))
			b->state = CHP_LIVE_BLOCK_ONLINE;
		else if (!strcmp(buf, "offline"))
			b->state = CHP_LIVE_BLOCK_OFFLINE;
		else if (!strcmp(buf, "going-offline"))
			b->state = CHP_LIVE_BLOCK_GOING_OFFLINE;
		else
			return chp_fail(-EINVAL, "%s%s: unknown state '%s'", s->prefix, path,
					CHP_EXCERPT(buf));
	}
	snprintf(path, sizeof(path), "%s/phys_index", dir);
	if (got >= 0 && (got = chp_sysroot_read(s, path, buf, sizeof(buf), "phys_index unknown")) > 0)
		got = parse_u64_below(s, path, buf, 16, block_limit(s), "the last block below 2^52",
				      &b->phys_index);
	snprintf(path, sizeof(path), "%s/removable", dir);
	if (got >= 0 && (got = chp_sysroot_read(s, path, buf, sizeof(buf), "removable unknown")) > 0)
		b->removable = buf[0] == '1';
	snprintf(path, sizeof(path), "%s/valid_zones", dir);
	if (got >= 0 && (got = chp_sysroot_read(s, path, buf, sizeof(buf), "valid_zones unknown")) > 0)
		snprintf(b->valid_zones, sizeof(b->valid_zones), "%s", buf);
	return got < 0 ? got : 0;
}

static int read_block_size(struct chp_sysroot *s)
{
	static const char path[] = "/sys/devices/system/memory/block_size_bytes";
	char buf[64];
	int err = chp_sysroot_read(s, path, buf, sizeof(buf), "no memory block sysfs (no MEMORY_HOTPLUG)");

	if (err <= 0)
		return err;
	if ((err = parse_u64_text(s, path, buf, 16, &s->block_size)))
		return err;
	if (s->block_size & (s->block_size - 1))
		return chp_fail(-EINVAL, "%s%s: %#" PRIx64 " is not a power of two", s->prefix, path,
				s->block_size);
	if (s->block_size < CHP_MIN_BLOCK_SIZE || s->block_size > CHP_MAX_BLOCK_SIZE)
		return chp_fail(-EINVAL, "%s%s: %#" PRIx64 " is not between %#llx (a section) and "
				"%#llx", s->prefix, path, s->block_size, CHP_MIN_BLOCK_SIZE,
				CHP_MAX_BLOCK_SIZE);
	return 0;
}

static int read_memory(struct chp_sysroot *s)
{
	static const char memdir[] = "/sys/devices/system/memory";
	DIR *d;
	struct dirent *e;
	size_t cap = s->nblocks; /* s->blocks holds exactly that many */
	int err = read_block_size(s);

	if (!err)
		err = chp_sysroot_read(s, "/sys/devices/system/memory/auto_online_blocks", s->auto_online,
				       sizeof(s->auto_online), "auto-online policy unknown");
	if (err >= 0)
		err = read_flag(s, "/sys/devices/system/memory/crash_hotplug", &s->mem_crash_hotplug,
				"the kernel has no crash hotplug for memory (before 6.6, or no CONFIG_CRASH_HOTPLUG)");
	if (err)
		return err;
	if ((err = chp_sysroot_opendir(s, memdir, &d)) <= 0)
		return err;
	err = 0;
	while (!err && (e = readdir(d))) {
		uint64_t index;
		if (strncmp(e->d_name, "memory", 6) || !isdigit((unsigned char)e->d_name[6]))
			continue;
		if (parse_u64_text(s, e->d_name, e->d_name + 6, 10, &index))
			continue;
		if (index >= block_limit(s)) {
			err = chp_fail(-EINVAL, "%s%s/%s: block number beyond the last block below 2^52 "
				       "(%#" PRIx64 ")", s->prefix, memdir, e->d_name, block_limit(s) - 1);
			break;
		}
		/* A block a directory: 64 TiB of 128 MiB blocks is half a million. */
		if (chp_grow(&s->blocks, &cap, s->nblocks + 1, sizeof(*s->blocks), 64)) {
			err = chp_fail(-ENOMEM, "out of memory for memory blocks");
			break;
		}
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

/* A decimal size in a file: -1 when absent, else below `limit`. */
static int read_size(struct chp_sysroot *s, const char *path, uint64_t limit, const char *what,
		     const char *meaning, int64_t *out)
{
	char buf[64];
	uint64_t v;
	int err = chp_sysroot_read(s, path, buf, sizeof(buf), meaning);

	*out = -1;
	if (err <= 0)
		return err;
	err = parse_u64_below(s, path, buf, 10, limit, what, &v);
	if (!err)
		*out = (int64_t)v;
	return err;
}

static int read_vmcoreinfo(struct chp_sysroot *s)
{
	static const char path[] = "/sys/kernel/vmcoreinfo";
	char buf[256];
	unsigned long long a, n;
	char extra;
	int err = chp_sysroot_read(s, path, buf, sizeof(buf), "vmcoreinfo location unknown");

	if (err <= 0)
		return err;
	if (sscanf(buf, "%llx %llx %c", &a, &n, &extra) != 2 || buf[0] == '-' || strchr(buf, '-'))
		return chp_fail(-EINVAL, "%s%s: '%s' is not 'ADDRESS SIZE' in hex", s->prefix, path,
				CHP_EXCERPT(buf));
	if (a >= CHP_PHYS_LIMIT || n > CHP_MAX_NOTE_BUF)
		return chp_fail(-EINVAL, "%s%s: %#llx bytes at %#llx: beyond any physical address "
				"or larger than %u bytes", s->prefix, path, n, a, CHP_MAX_NOTE_BUF);
	s->has_vmcoreinfo = a != 0;
	s->vmcoreinfo_paddr = a;
	s->vmcoreinfo_size = n;
	if (!a)
		chp_sysroot_note_absent(s, path, "reads 0 here (no privilege)");
	return 0;
}

/*
 * Newer kernels (ABI sysfs-kernel-kexec-kdump, dated Nov 2025) show the kexec
 * files in /sys/kernel/kexec/ and keep the old /sys/kernel names only as a
 * deprecated option: the new place first, the old one otherwise.
 */
static const char *kexec_file(const struct chp_sysroot *s, const char *name, const char *old)
{
	static _Thread_local char path[64];

	snprintf(path, sizeof(path), "/sys/kernel/kexec/%s", name);
	if (chp_sysroot_exists(s, path) != 1)
		snprintf(path, sizeof(path), "/sys/kernel/%s", old);
	return path;
}

static int read_kernel(struct chp_sysroot *s)
{
	char *text = NULL;
	int err = chp_sysroot_read(s, "/proc/sys/kernel/osrelease", s->release, sizeof(s->release),
				   "kernel release unknown");

	if (err <= 0)
		s->release[0] = '\0';
	if (err >= 0 && (err = chp_sysroot_read_all(s, "/proc/cmdline", &text,
						    "kernel command line unknown")) > 0) {
		size_t len = strlen(text);
		while (len && text[len - 1] == '\n')
			text[--len] = '\0';
		s->cmdline = text;
	}
	if (err >= 0)
		err = read_flag(s, kexec_file(s, "loaded", "kexec_loaded"), &s->kexec_loaded,
				"no kexec support shown");
	if (!err)
		err = read_flag(s, kexec_file(s, "crash_loaded", "kexec_crash_loaded"),
				&s->kexec_crash_loaded, "no kdump support shown");
	if (!err)
		err = read_size(s, kexec_file(s, "crash_size", "kexec_crash_size"), CHP_PHYS_LIMIT,
				"any physical memory size", "crashkernel size unknown", &s->kexec_crash_size);
	if (!err)
		err = read_size(s, kexec_file(s, "crash_elfcorehdr_size", "crash_elfcorehdr_size"),
				CHP_PHYS_LIMIT, "any physical memory size",
				"no crash hotplug header size (before 6.6)", &s->elfcorehdr_size);
	if (!err)
		err = read_vmcoreinfo(s);
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
	if (got <= 0 || (got = parse_notes(s, path, buf, paddr)))
		return got < 0 ? got : chp_fail(-ENOENT, "CPU %u: crash_notes unknown", cpu);
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/crash_notes_size", cpu);
	got = chp_sysroot_read(s, path, buf, sizeof(buf), NULL);
	if (got)
		return got < 0 ? got : parse_notes_size(s, path, buf, size);
	*size = 368; /* note_buf_t on x86_64, before crash_notes_size existed */
	return 0;
}

int chp_sysroot_memory_block_now(struct chp_sysroot *s, uint64_t block)
{
	char dir[96];
	DIR *d;
	int got;

	snprintf(dir, sizeof(dir), "/sys/devices/system/memory/memory%" PRIu64, block);
	if ((got = chp_sysroot_opendir(s, dir, &d)) > 0)
		closedir(d);
	return got;
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
	s->kexec_crash_size = s->elfcorehdr_size = -1;
	s->root_fd = -1;
	err = s->prefix ? chp_sysroot_root_open(s) : chp_fail(-ENOMEM, "out of memory");
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
		err = chp_sysroot_read_kallsyms(s);
	if (!err && (err = chp_sysroot_read_all(s, "/proc/iomem", &text, "no /proc/iomem")) > 0) {
		err = chp_sysroot_parse_iomem(s, text, "/proc/iomem");
		free(text);
	}
	if (err >= 0 && !s->iomem_zeroed)
		err = chp_sysroot_read_kcore(s); /* needs System RAM to tell RAM segments apart */
	if (err >= 0)
		err = chp_sysroot_read_arch(s);
	if (err >= 0)
		err = chp_sysroot_check_kmap(s);
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
	if (s->root_real) /* root_fd is open exactly then */
		close(s->root_fd);
	free(s->prefix);
	free(s->root_real);
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
