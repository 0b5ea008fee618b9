/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the capture and verify tests: lab machines and temp files. */
#ifndef CRASHHP_TEST_LABFILE_H
#define CRASHHP_TEST_LABFILE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crashhp/capture.h"
#include "crashhp/kimage.h"
#include "crashhp/loader.h"
#include "crashhp/machine.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

struct lab {
	struct chp_machine *m;
	struct chp_kimage *img;
	char dir[64];
	char path[128];
};

/* A small lab machine with an image loaded; vmcore path in a fresh directory. */
static inline void lab_up(struct lab *l, enum chp_arch arch, uint64_t ram, unsigned possible,
			  unsigned online)
{
	struct chp_lab_spec s;
	struct chp_load_options o;

	chp_lab_spec_init(&s, arch);
	s.boot_ram = ram;
	s.crashkernel_size = 128 * MiB;
	s.cpus_possible = possible;
	s.cpus_present = online;
	s.cpus_online = online;
	assert_int_equal(chp_machine_new_lab(&l->m, &s), 0);
	assert_int_equal(chp_kimage_new(&l->img, *chp_ranges_at(chp_machine_crashkernel(l->m), 0)), 0);
	chp_load_options_init(&o);
	assert_int_equal(chp_load_crash_image(l->img, l->m, &o), 0);
	strcpy(l->dir, "/tmp/crashhp-test-XXXXXX");
	assert_non_null(mkdtemp(l->dir));
	snprintf(l->path, sizeof(l->path), "%s/vmcore", l->dir);
}

static inline size_t lab_files(const struct lab *l)
{
	DIR *d = opendir(l->dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static inline void lab_down(struct lab *l)
{
	DIR *d = opendir(l->dir);
	struct dirent *e;
	char p[64 + 256 + 2];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", l->dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(l->dir);
	chp_kimage_free(l->img);
	chp_machine_free(l->m);
}

/* Crash on CPU 0 and capture into l->path. */
static inline void lab_crash(struct lab *l, struct chp_capture_info *info)
{
	assert_int_equal(chp_crash_save(l->m, 0, 1234), 0);
	assert_int_equal(chp_capture_vmcore(l->m, l->img, l->path, info), 0);
}

#endif
