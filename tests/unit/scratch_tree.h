/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A scratch directory tree for tests that read a sysroot: made fresh for
 * each case (setup/teardown), files put into it by path.  Include after
 * cmocka.h; define SCRATCH_TREE_NAME (e.g. "sysroot") first.
 */
#ifndef CRASHHP_TESTS_SCRATCH_TREE_H
#define CRASHHP_TESTS_SCRATCH_TREE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char root[64];

/* Write TEXT to ROOT/PATH, making its directories. */
static void put(const char *path, const char *text)
{
	char full[256], cmd[300];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", full);
	assert_int_equal(system(cmd), 0);
	f = fopen(full, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	strcpy(root, "/tmp/crashhp-" SCRATCH_TREE_NAME "-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

#endif
