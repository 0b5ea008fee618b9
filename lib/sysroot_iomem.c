/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /proc/iomem as a tree: "START-END : NAME", two spaces of indentation per
 * level, END inclusive.  Read without privilege, every address is 0.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sysroot_internal.h"

/*
 * An address as the kernel prints it (%0*llx): hex digits only, at most 16;
 * no sign, no "0x", no space (strtoull would take them).
 */
static const char *parse_hex(const char *p, uint64_t *out)
{
	const char *start = p;
	uint64_t v = 0;

	while (isxdigit((unsigned char)*p) && p - start < 16) {
		int c = tolower((unsigned char)*p++);
		v = v << 4 | (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	if (p == start || isxdigit((unsigned char)*p) || (p - start == 1 && *start == '0' && *p == 'x'))
		return NULL;
	*out = v;
	return p;
}

static int parse_line(const char *path, unsigned lineno, const char *line,
		      struct chp_iomem_entry *e)
{
	const char *p = line;
	const char *end;
	unsigned spaces = 0;

	while (*p == ' ') {
		spaces++;
		p++;
	}
	if (spaces % 2)
		return chp_fail(-EINVAL, "%s:%u: odd indentation (%u spaces)", path, lineno, spaces);
	e->depth = spaces / 2;
	if (!isxdigit((unsigned char)*p))
		return chp_fail(-EINVAL, "%s:%u: expected START-END : NAME", path, lineno);
	end = parse_hex(p, &e->start);
	if (!end || *end != '-')
		return chp_fail(-EINVAL, "%s:%u: bad start address", path, lineno);
	p = end + 1;
	end = parse_hex(p, &e->last);
	if (!end || strncmp(end, " : ", 3))
		return chp_fail(-EINVAL, "%s:%u: bad end address or missing ' : '", path, lineno);
	if (e->last < e->start)
		return chp_fail(-EINVAL, "%s:%u: end before start", path, lineno);
	snprintf(e->name, sizeof(e->name), "%s", end + 3);
	return 0;
}

/*
 * "System RAM" and the driver-managed "System RAM (DRIVER)" that
 * add_memory_driver_managed() names (kmem, virtio_mem, ...): the resources
 * with IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY, which /proc/iomem shows only
 * by name.  The parents kmem requests ("dax0.0") lack BUSY: not matched.
 */
static bool is_system_ram(const char *name)
{
	size_t len = strlen(name);

	return !strcmp(name, "System RAM") ||
	       (!strncmp(name, "System RAM (", 12) && len > 13 && name[len - 1] == ')');
}

/* Where the entry before sits at each depth: the kernel's resource tree. */
#define IOMEM_MAX_DEPTH 32
struct iomem_tree {
	unsigned depth;                       /* of the last entry; 0 before any */
	bool any;
	struct chp_range at[IOMEM_MAX_DEPTH]; /* the last entry at each depth up to `depth` */
};

/*
 * A resource lies inside its parent, and siblings are in address order
 * without overlap (__request_resource() refuses a conflict).  Unprivileged,
 * every address reads 0: nothing to check then.
 */
static int check_place(const char *path, unsigned lineno, const struct chp_iomem_entry *e,
		       struct iomem_tree *t)
{
	bool zero = !e->start && !e->last;

	if (e->depth >= IOMEM_MAX_DEPTH || (e->depth && (!t->any || e->depth > t->depth + 1)))
		return chp_fail(-EINVAL, "%s:%u: indented %u levels below the line before", path,
				lineno, e->depth - (t->any ? t->depth : 0));
	if (!zero && e->depth) {
		const struct chp_range *parent = &t->at[e->depth - 1];
		if ((parent->start || parent->last) && (e->start < parent->start || e->last > parent->last))
			return chp_fail(-EINVAL, "%s:%u: %#" PRIx64 "-%#" PRIx64 " is not inside its parent "
					"%#" PRIx64 "-%#" PRIx64, path, lineno, e->start, e->last,
					parent->start, parent->last);
	}
	if (!zero && t->any && e->depth <= t->depth) {
		const struct chp_range *before = &t->at[e->depth];
		if ((before->start || before->last) && e->start <= before->last)
			return chp_fail(-EINVAL, "%s:%u: %#" PRIx64 "-%#" PRIx64 " overlaps or precedes the "
					"entry before it at its level (%#" PRIx64 "-%#" PRIx64 ")", path,
					lineno, e->start, e->last, before->start, before->last);
	}
	t->at[e->depth] = (struct chp_range){ e->start, e->last };
	t->depth = e->depth;
	t->any = true;
	return 0;
}

int chp_sysroot_parse_iomem(struct chp_sysroot *s, const char *text, const char *path)
{
	const char *p = text;
	unsigned lineno = 0;
	bool any_nonzero = false;
	size_t iomem_cap = s->niomem; /* s->iomem holds exactly that many */
	int err = 0;
	struct chp_range kimg = { 0, 0 };
	bool have_kimg = false;
	unsigned parent_depth_ram = 0;
	bool in_ram = false;
	/*
	 * walk_system_ram_res() (kernel/resource.c find_next_iomem_res()) visits
	 * the whole tree, children too, in address order, and resumes past the
	 * end of each match: nested System RAM counts unless an enclosing match
	 * already covered it.
	 */
	uint64_t walk_next = 0;
	struct iomem_tree tree = { 0 };

	while (*p && !err) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[256];
		struct chp_iomem_entry e;

		lineno++;
		if (len >= sizeof(line)) {
			err = chp_fail(-EINVAL, "%s:%u: line too long", path, lineno);
			break;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p = nl ? nl + 1 : p + len;
		if (!len)
			continue;
		if (strchr(line, '\r')) {
			err = chp_fail(-EINVAL, "%s:%u: a carriage return (CR line ends are not the "
				       "kernel's)", path, lineno);
			break;
		}
		err = parse_line(path, lineno, line, &e);
		if (!err)
			err = check_place(path, lineno, &e, &tree);
		if (err)
			break;
		/* Doubling: a /proc/iomem of 66000 lines took 287 s under ASan grown by one. */
		if (chp_grow(&s->iomem, &iomem_cap, s->niomem + 1, sizeof(*s->iomem), 64)) {
			err = chp_fail(-ENOMEM, "out of memory");
			break;
		}
		s->iomem[s->niomem++] = e;
		any_nonzero |= e.start || e.last;
		struct chp_range r = { e.start, e.last };
		bool ram = is_system_ram(e.name);
		bool used = ram || !strncmp(e.name, "Crash kernel", 12) || !strncmp(e.name, "Kernel ", 7);
		if (used && e.last >= CHP_PHYS_LIMIT) {
			/* The model is sized by these: no address past what any machine has. */
			err = chp_fail(-EINVAL, "%s:%u: %s ends at %#" PRIx64 ", beyond any physical "
				       "address (2^52)", path, lineno, e.name, e.last);
			break;
		}
		if (e.depth == 0)
			in_ram = !strcmp(e.name, "System RAM");
		if (!strcmp(e.name, "System RAM (kmem)") && (err = chp_ranges_add(s->kmem, r)))
			break;
		if (ram && e.last >= walk_next) {
			/* below 2^52 (checked above): walk_next cannot wrap */
			err = chp_ranges_add(s->system_ram, (struct chp_range){
				r.start > walk_next ? r.start : walk_next, r.last });
			walk_next = r.last + 1;
		} else if (!strcmp(e.name, "Crash kernel") || !strcmp(e.name, "Crash kernel (low)"))
			err = chp_ranges_add(s->crashkernel, r);
		else if (in_ram && e.depth > parent_depth_ram && !strncmp(e.name, "Kernel ", 7)) {
			/* Kernel code, rodata, data, bss: the image from the first to the last. */
			if (!have_kimg)
				kimg = r;
			kimg.last = r.last > kimg.last ? r.last : kimg.last;
			kimg.start = r.start < kimg.start ? r.start : kimg.start;
			have_kimg = true;
		}
	}
	if (err)
		return err;
	s->iomem_readable = true;
	s->iomem_zeroed = s->niomem > 0 && !any_nonzero;
	if (s->iomem_zeroed) {
		/* Unprivileged: names without addresses; nothing to build on. */
		chp_ranges_clear(s->system_ram);
		chp_ranges_clear(s->crashkernel);
		chp_ranges_clear(s->kmem);
		have_kimg = false;
	}
	s->has_kernel_image = have_kimg;
	s->kernel_image = kimg;
	return 0;
}
