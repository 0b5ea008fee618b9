/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "crashhp/error.h"
#include "crashhp/lab.h"

/*
 * 4 threads x 700 events x 4 rounds = 11,200 events, a loader unloading and
 * loading throughout, a crash at a random moment each round.  Run under
 * ThreadSanitizer in CI (make check's third build).
 */
static void run(enum chp_policy policy, struct chp_concurrent_result *res)
{
	struct chp_concurrent_spec spec = {
		.arch = CHP_ARCH_X86_64, .policy = policy, .threads = 4, .events = 700,
		.rounds = 4, .seed = 12345,
	};
	const char *seed = getenv("CRASHHP_SEED");

	if (seed)
		spec.seed = strtoull(seed, NULL, 0);
	if (chp_lab_concurrent(&spec, res))
		fail_msg("%s", chp_last_error());
	print_message("%s: %llu events, %llu loads, %llu crashes, %llu dumps, %llu complete, "
		      "%llu dropped, %llu deferred\n", chp_policy_name(policy),
		      (unsigned long long)res->events, (unsigned long long)res->loads,
		      (unsigned long long)res->crashes, (unsigned long long)res->dumps,
		      (unsigned long long)res->complete, (unsigned long long)res->dropped,
		      (unsigned long long)res->deferred);
}

/* Robust: nothing lost, every dump taken complete, the header settles exact. */
static void test_concurrent__robust_loses_nothing(void **state)
{
	struct chp_concurrent_result res;

	run(CHP_POLICY_ROBUST, &res);
	assert_true(res.events >= 10000);
	assert_true(res.loads > 0);
	assert_int_equal(res.crashes, 8);        /* a random moment and settled, per round */
	assert_int_equal(res.dropped, 0);
	assert_int_equal(res.final_incomplete, 0);
	if (res.complete != res.dumps)
		fail_msg("%llu of %llu dumps incomplete: %s",
			 (unsigned long long)(res.dumps - res.complete),
			 (unsigned long long)res.dumps, res.first_problem);
	/* No dump only in the loader's window (no image, or a load under way). */
	assert_int_equal(res.no_dump, res.no_dump_unloaded);
}

/* Mainline under the same load: it runs clean; what it loses is reported. */
static void test_concurrent__mainline_runs_clean(void **state)
{
	struct chp_concurrent_result res;

	run(CHP_POLICY_MAINLINE, &res);
	assert_true(res.events >= 10000);
	assert_int_equal(res.crashes, 8);
	assert_int_equal(res.deferred, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent__robust_loses_nothing),
		cmocka_unit_test(test_concurrent__mainline_runs_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
