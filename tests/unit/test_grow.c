/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Arrays an input can make long grow by doubling (internal.h, chp_grow()):
 * a realloc per appended element copies the whole array each time (ASan's
 * realloc always does), quadratic: a scenario of 200000 lines took 8 min
 * 26 s under ASan.  Linked with -Wl,--wrap=realloc, so each case counts the
 * library's reallocs while it reads a long input: a few dozen, not one per
 * element.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "crashhp/error.h"
#include "crashhp/hotplug.h"
#include "crashhp/lab.h"
#include "crashhp/scenario.h"
#include "crashhp/sysroot.h"
#include "internal.h"

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

/* Reallocs of an array already there (realloc(NULL) is a first malloc). */
static unsigned long reallocs;

void *__wrap_realloc(void *p, size_t n)
{
	reallocs += p != NULL;
	return __real_realloc(p, n);
}

/* The helper: n appends, a realloc each time the capacity doubles. */
static void test_grow__doubles(void **state)
{
	uint32_t *a = NULL;
	size_t cap = 0;

	(void)state;
	reallocs = 0;
	for (size_t n = 0; n < 100000; n++) {
		assert_int_equal(chp_grow(&a, &cap, n + 1, sizeof(*a), 16), 0);
		assert_true(cap >= n + 1);
		a[n] = (uint32_t)n;
	}
	/* 16 (from NULL: not counted), 32, ... 131072: 13 that grow an array */
	assert_int_equal(reallocs, 13);
	assert_int_equal(cap, 131072);
	for (size_t n = 0; n < 100000; n++)
		assert_int_equal(a[n], n);
	/* A need past the doubling is met at once; one that overflows is refused, unchanged. */
	assert_int_equal(chp_grow(&a, &cap, 1000000, sizeof(*a), 16), 0);
	assert_int_equal(cap, 1000000);
	uint32_t *before = a;
	assert_int_equal(chp_grow(&a, &cap, SIZE_MAX / 2, sizeof(*a), 16), -ENOMEM);
	assert_ptr_equal(a, before);
	assert_int_equal(cap, 1000000);
	free(a);
}

/* A line an action: 20000 of them parsed with a few dozen reallocs. */
static void test_grow__scenario_actions(void **state)
{
	const unsigned n = 20000;
	char *text = malloc(16 + (size_t)n * 11 + 1), *p = text;
	struct chp_scenario *sc = NULL;

	(void)state;
	assert_non_null(text);
	p += sprintf(p, "ram 4G\n");
	for (unsigned i = 0; i < n; i++)
		p += sprintf(p, "crash-at 1\n");
	reallocs = 0;
	assert_int_equal(chp_scenario_parse(&sc, text, "long.scn"), 0);
	assert_int_equal(sc->nactions, n);
	if (reallocs > 40)
		fail_msg("%lu reallocs for %u actions", reallocs, n);
	chp_scenario_free(sc);
	free(text);
}

/*
 * A storm of 5000 DIMMs inside a kexec-busy stretch as long: a DIMM kept
 * per event, a timeline sample per event (every event of a stretch is
 * sampled), and under mainline a log line per dropped event.
 */
static void test_grow__lab_storm(void **state)
{
	struct chp_scenario *sc = NULL;
	struct chp_run_result *res = NULL;

	(void)state;
	assert_int_equal(chp_scenario_parse(&sc, "ram 4G\npolicies mainline\nkexec-busy 5000\n"
					    "storm 5000\n", "storm.scn"), 0);
	reallocs = 0;
	assert_int_equal(chp_lab_run(&res, sc, CHP_POLICY_MAINLINE, NULL, NULL), 0);
	assert_int_equal(res->dropped, 5000);
	assert_true(res->ntimeline >= 5000);
	if (reallocs > 500)
		fail_msg("%lu reallocs for a storm of 5000 events", reallocs);
	chp_run_result_free(res);
	chp_scenario_free(sc);
}

static char root[64];

static void put(const char *path, const char *text)
{
	char full[256];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	f = fopen(full, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void dir(const char *path)
{
	char full[256];

	snprintf(full, sizeof(full), "%s%s", root, path);
	assert_int_equal(mkdir(full, 0755), 0);
}

/* A block a directory: a sysroot of 5000 memory blocks. */
static void test_grow__sysroot_blocks(void **state)
{
	static const char *const dirs[] = { "/sys", "/sys/devices", "/sys/devices/system",
		"/sys/devices/system/cpu", "/sys/devices/system/cpu/cpu0",
		"/sys/devices/system/memory", "/sys/kernel", "/proc" };
	struct chp_sysroot *s = NULL;
	char path[128];

	(void)state;
	strcpy(root, "/tmp/crashhp-grow-XXXXXX");
	assert_non_null(mkdtemp(root));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		dir(dirs[i]);
	put("/sys/devices/system/cpu/possible", "0\n");
	put("/sys/devices/system/cpu/present", "0\n");
	put("/sys/devices/system/cpu/online", "0\n");
	put("/sys/devices/system/cpu/cpu0/crash_notes", "7ffd1e00\n");
	put("/sys/devices/system/memory/block_size_bytes", "8000000\n");
	for (unsigned i = 0; i < 5000; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%u", i);
		dir(path);
		strcat(path, "/state");
		put(path, "online\n");
	}
	put("/sys/kernel/vmcoreinfo", "2c0a000 1024\n");
	put("/proc/iomem", "00000000-9c3fffffff : System RAM\n"
			   "  2e000000-3dffffff : Crash kernel\n");
	reallocs = 0;
	if (chp_sysroot_open(&s, root))
		fail_msg("%s", chp_last_error());
	unsigned long n = reallocs;
	chp_sysroot_free(s);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	assert_int_equal(system(path), 0);
	if (n > 100)
		fail_msg("%lu reallocs for 5000 blocks", n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow__doubles),
		cmocka_unit_test(test_grow__scenario_actions),
		cmocka_unit_test(test_grow__lab_storm),
		cmocka_unit_test(test_grow__sysroot_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
