/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "crashhp/error.h"
#include "crashhp/lab.h"
#include "crashhp/note.h"
#include "crashhp/scenario.h"

static void expect_error(const char *text, const char *where_and_what)
{
	struct chp_scenario *sc = NULL;

	assert_int_equal(chp_scenario_parse(&sc, text, "t.scn"), -EINVAL);
	if (!strstr(chp_last_error(), where_and_what))
		fail_msg("error '%s' lacks '%s'", chp_last_error(), where_and_what);
	assert_null(sc);
}

/* Every error names the file, the line and the column of the bad word. */
static void test_scenario__errors_name_line_and_column(void **state)
{
	expect_error("arch x86_64\nfrobnicate 3\n", "t.scn:2:1: unknown directive 'frobnicate'");
	expect_error("ram 4X\n", "t.scn:1:5: ram takes a size, not '4X'");
	expect_error("  cpus 4:y\n", "t.scn:1:8: cpus takes POSSIBLE");
	/* every field read, none left over or empty */
	expect_error("cpus 8::4\n", "t.scn:1:6: cpus takes POSSIBLE[:PRESENT[:ONLINE]], not '8::4'");
	expect_error("cpus 8:4:4:9\n", "t.scn:1:6: cpus takes POSSIBLE");
	expect_error("cpus 8:\n", "t.scn:1:6: cpus takes POSSIBLE");
	expect_error("add-dimm 1G\nram 8G\n", "t.scn:2:1: 'ram' must come before the first action");
	expect_error("policies mainline fast\n", "t.scn:1:19: unknown policy 'fast'");
	expect_error("crash 0 1\n", "t.scn:1:9: crash takes 0 to 1 arguments");
	expect_error("reload-read now\n", "t.scn:1:13: reload-read takes no arguments");
	expect_error("online-cpu\n", "t.scn:1:1: online-cpu takes 1 argument");
	expect_error("crash now\n", "t.scn:1:7: expected a number, not 'now'");
	expect_error("cpus 2\ncrash 2\n", "t.scn:2:7: crash: CPU 2 is not a possible CPU (cpus 2)");
	expect_error("load kexec\n", "t.scn:1:6: load takes file, segments, segments-hotplug or segments-update-elfcorehdr");
	expect_error("add-dimm 0\n", "t.scn:1:10: a size must be more than 0");
	expect_error("online-block x\n", "t.scn:1:14: expected a number, not 'x'");
	expect_error("arch sparc\n", "t.scn:1:6: unknown architecture 'sparc'");
	/* arch sets the machine's defaults: after ram or block it would drop them unsaid */
	expect_error("block 128M\nram 1G\narch ppc64\n",
		     "t.scn:3:1: 'arch' must come before the machine's settings (line 1)");
	expect_error("cpus 64:4:4\narch x86_64\n", "t.scn:2:1: 'arch' must come before");
	/* The sweep: every other error path of the parser (lib/scenario.c). */
	expect_error("\ncrash 1 2 3 4 5 6 7 8\n", "t.scn:2:");
	expect_error("seed 1\nnr-cpus 70000\n", "t.scn:2:9: nr-cpus: 70000 is too large");
	expect_error("concurrent 0 1 1\n", "t.scn:1:12: concurrent takes THREADS");
	expect_error("crash-at 0\n", "t.scn:1:10: an event number must be more than 0");
	expect_error("storm 0\n", "t.scn:1:7: a storm must be more than 0");
	expect_error("ram 1G\nreload-syscall\n", "t.scn:2:1: reload-syscall: no reload-read before it");
	expect_error("reload-read\nreload\n", "t.scn:2:1: reload: the reload-read on line 1");
	expect_error("ram 1G\nreload-read\n", "t.scn:2: reload-read: no reload-syscall follows");
	char long_line[1100];
	memset(long_line, '#', sizeof(long_line) - 2);
	memcpy(long_line, "\n\n", 2);
	long_line[sizeof(long_line) - 2] = '\n';
	long_line[sizeof(long_line) - 1] = '\0';
	expect_error(long_line, "t.scn:3:1: line longer than 1024 characters");
}

/* TEXT parses, but its machine or load cannot be built: the error names WHERE (NAME:LINE:). */
static void expect_machine_error(const char *text, const char *where_and_what)
{
	struct chp_scenario *sc = NULL;
	uint64_t events;

	assert_int_equal(chp_scenario_parse(&sc, text, "t.scn"), 0);
	assert_int_equal(chp_lab_count_events(sc, &events), -EINVAL);
	if (!strstr(chp_last_error(), where_and_what))
		fail_msg("error '%s' lacks '%s'", chp_last_error(), where_and_what);
	chp_scenario_free(sc);
}

/*
 * A machine the settings cannot build names the line of the setting at
 * fault, the latest of those its field depends on: "cpus 4:8:8" is line 3
 * whatever comes after it, a RAM not a multiple of the block size is the
 * later of ram and block.
 */
static void test_scenario__machine_errors_name_the_setting_line(void **state)
{
	expect_machine_error("# c\nram 2G\ncpus 4:8:8\nblock 128M\n",
			     "t.scn:3: machine: cpus_present: 8, must be 1..4 (possible)");
	expect_machine_error("cpus 4:4:8\n", "t.scn:1: machine: cpus_online: 8");
	expect_machine_error("cpus 8\nnr-cpus 4\n", "t.scn:2: machine: cpus_possible: 8");
	expect_machine_error("ram 100M\n", "t.scn:1: machine: boot_ram: 100 MiB");
	expect_machine_error("block 256M\nram 384M\ncpus 2\n", "t.scn:2: machine: boot_ram: 384 MiB");
	expect_machine_error("ram 2G\nblock 100M\n", "t.scn:2: machine: block_size:");
	expect_machine_error("block 128M\ncrashkernel 1000K\nram 2G\n",
			     "t.scn:2: machine: crashkernel_size:");
	expect_machine_error("arch ppc64\nram 1G\ncrashkernel 1G\n", "t.scn:3: machine: boot_ram:");
	expect_machine_error("nr-cpus 60000\nmax-ranges 60000\n", "t.scn:2: machine: nr_cpus_config");
	(void)state;
}

/* A setting given twice is an error naming both lines, for every setting: none silently wins. */
static void test_scenario__settings_given_once(void **state)
{
	static const char *const settings[] = {
		"arch x86_64", "cpus 4", "nr-cpus 64", "max-ranges 64", "ram 1G", "block 128M",
		"crashkernel 256M", "load file", "policies robust", "seed 1", "crash-every 2",
		"crash-during 1", "concurrent 2 3 4",
	};
	char text[128], want[96];

	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		const char *word_end = strchr(settings[i], ' ');
		int len = (int)(word_end - settings[i]);
		snprintf(text, sizeof(text), "%s\n# between\n%s\n", settings[i], settings[i]);
		snprintf(want, sizeof(want), "t.scn:3:1: '%.*s' is already set on line 1; a setting is "
			 "given once", len, settings[i]);
		expect_error(text, want);
	}
	/* The reviewer's case: two values, the first one a line of its own. */
	expect_error("cpus 4\nram 1G\nram 2G\n", "t.scn:3:1: 'ram' is already set on line 2");
	(void)state;
}

static void test_scenario__settings_and_actions(void **state)
{
	struct chp_scenario *sc;
	const char *text =
		"# comment line\n"
		"arch ppc64   # trailing comment\n"
		"cpus 8:4:2\n"
		"ram 2G\n"
		"block 256M\n"
		"policies robust\n"
		"seed 7\n"
		"crash-every 4\n"
		"\n"
		"add-dimm 1G 0x100000000\n"
		"remove-dimm\n"
		"grow-memory 16G\n"
		"crash\n";

	assert_int_equal(chp_scenario_parse(&sc, text, "t.scn"), 0);
	assert_int_equal(sc->spec.arch, CHP_ARCH_PPC64);
	assert_int_equal(sc->spec.cpus_possible, 8);
	assert_int_equal(sc->spec.cpus_online, 2);
	assert_int_equal(sc->spec.boot_ram, 2ull << 30);
	assert_false(sc->run_policy[CHP_POLICY_MAINLINE]);
	assert_true(sc->run_policy[CHP_POLICY_ROBUST]);
	assert_int_equal(sc->seed, 7);
	assert_int_equal(sc->crash_every, 4);
	assert_int_equal(sc->nactions, 4);
	assert_int_equal(sc->actions[0].op, CHP_SC_ADD_DIMM);
	assert_int_equal(sc->actions[0].b, 0x100000000ull);
	assert_int_equal(sc->actions[0].line, 10);
	assert_int_equal(sc->actions[2].b, 1ull << 30); /* grow-memory's default DIMM */
	chp_scenario_free(sc);
	/* Numbers and sizes are decimal or 0x hexadecimal: a leading zero is no octal. */
	assert_int_equal(chp_scenario_parse(&sc, "cpus 16:16:16\nram 010G\ncrash 010\ncrash 0xa\n",
					    "t.scn"), 0);
	assert_int_equal(sc->spec.boot_ram, 10ull << 30);
	assert_int_equal(sc->actions[0].a, 11); /* crash's CPU, plus one */
	assert_int_equal(sc->actions[1].a, 11);
	chp_scenario_free(sc);
	assert_int_equal(chp_scenario_parse(&sc, "cpus 16:16:16\ncrash 09\n", "t.scn"), 0);
	assert_int_equal(sc->actions[0].a, 10);
	chp_scenario_free(sc);
}

/* The built-in scenario parses and makes the events it promises. */
static void test_scenario__default_counts(void **state)
{
	struct chp_scenario *sc;
	uint64_t events;

	assert_int_equal(chp_scenario_parse(&sc, chp_scenario_default_text(), "built-in"), 0);
	assert_int_equal(chp_lab_count_events(sc, &events), 0);
	/*
	 * 60 CPUs onlined and 32 offlined; 4 GiB to 1 TiB in 128 MiB blocks
	 * (8160 MEM_ONLINE) and back to 512 GiB (about 4100 MEM_OFFLINE).  Boot
	 * RAM on x86 misses the first page and 640 KiB-1 MiB, so growing to a
	 * round total takes a few blocks more than the arithmetic says.
	 */
	assert_true(events >= 60 + 8160 + 4096 + 32);
	assert_true(events <= 60 + 8160 + 16 + 4096 + 16 + 32);
	struct chp_run_result *r;
	assert_int_equal(chp_lab_run(&r, sc, CHP_POLICY_ROBUST, NULL, NULL), 0);
	assert_int_equal(r->events, events);        /* the dry run counts right */
	assert_int_equal(r->complete, r->crashes);  /* robust: every dump complete */
	assert_int_equal(r->dropped, 0);
	assert_true(r->deferred > 0);
	chp_run_result_free(r);
	chp_scenario_free(sc);
}

/* A run error names the scenario line. */
static void test_scenario__runtime_error_names_line(void **state)
{
	struct chp_scenario *sc;
	struct chp_run_result *res = NULL;

	assert_int_equal(chp_scenario_parse(&sc, "ram 1G\ncrashkernel 128M\noffline-block 300\n", "t.scn"), 0);
	assert_int_equal(chp_lab_run(&res, sc, CHP_POLICY_ROBUST, NULL, NULL), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "t.scn:3: memory block 300 is not present"));
	assert_null(res);
	chp_scenario_free(sc);
}

/* NT_PRSTATUS notes in a little-endian ELF64 vmcore's PT_NOTEs, read as vmcore.c leaves them. */
static unsigned prstatus_notes(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t ehdr[64], ph[56];
	unsigned count = 0;

	assert_non_null(f);
	assert_int_equal(fread(ehdr, 1, sizeof(ehdr), f), sizeof(ehdr));
	uint64_t phoff = 0;
	for (int i = 7; i >= 0; i--)
		phoff = phoff << 8 | ehdr[32 + i];
	unsigned phnum = (unsigned)(ehdr[56] | ehdr[57] << 8);
	for (unsigned k = 0; k < phnum; k++) {
		uint64_t off = 0, size = 0;
		assert_int_equal(fseek(f, (long)(phoff + 56u * k), SEEK_SET), 0);
		assert_int_equal(fread(ph, 1, sizeof(ph), f), sizeof(ph));
		if (ph[0] != 4 /* PT_NOTE */)
			continue;
		for (int i = 7; i >= 0; i--) {
			off = off << 8 | ph[8 + i];
			size = size << 8 | ph[32 + i];
		}
		uint8_t *buf = malloc((size_t)size);
		assert_non_null(buf);
		assert_int_equal(fseek(f, (long)off, SEEK_SET), 0);
		assert_int_equal(fread(buf, 1, (size_t)size, f), size);
		struct chp_note_cursor c;
		struct chp_note n;
		chp_note_cursor_init(&c, buf, (size_t)size, false);
		while (chp_note_next(&c, &n) == 1)
			count += n.type == 1 && !strcmp(n.name, "CORE");
		free(buf);
	}
	fclose(f);
	return count;
}

/*
 * crash CPU and the run's vmcore: the machine of the ppc64 e2e run.  A
 * kexec_load image without the hotplug flag is never updated (ppc64's
 * arch_crash_hotplug_support()), yet kexec-tools gave it a PT_NOTE per
 * possible CPU, and crash_save_cpu() fills the note of every online CPU
 * (crash_kexec_prepare_cpus(): the others are stopped by IPI and save
 * theirs): a crash on CPU 0 after CPU 1 came online has 2 NT_PRSTATUS, as
 * the real 6.12.113 dump has.  On CPU 1 the capture kernel cannot start (the
 * FDT of the load has no CPU 1): no dump, and no file.  An offline CPU is an
 * error naming the line.
 */
/* `head` then `tail` parsed and run under mainline, its dumps written to `vmcore` (NULL: none). */
static int run_head_tail(const char *head, const char *tail, const char *vmcore,
			 struct chp_run_result **res)
{
	char text[512];
	struct chp_scenario *sc;
	int err;

	snprintf(text, sizeof(text), "%s%s", head, tail);
	assert_int_equal(chp_scenario_parse(&sc, text, "t.scn"), 0);
	sc->vmcore_out = vmcore;
	*res = NULL;
	err = chp_lab_run(res, sc, CHP_POLICY_MAINLINE, NULL, NULL);
	chp_scenario_free(sc);
	return err;
}

static void test_scenario__crash_cpu_vmcore_has_every_online_cpu(void **state)
{
	char path[] = "/tmp/test_scenario_vmcoreXXXXXX";
	int fd = mkstemp(path);
	const char *head = "arch ppc64le\ncpus 2:1:1\nram 2G\ncrashkernel 512M\nload segments\n"
			   "policies mainline\nadd-dimm 1G 0x80000000\nadd-cpu 1\nonline-cpu 1\n";
	struct chp_run_result *res;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(run_head_tail(head, "crash 0\n", path, &res), 0);
	assert_int_equal(res->dumps, 1);
	assert_int_equal(prstatus_notes(path), 2);
	chp_run_result_free(res);
	unlink(path);

	assert_int_equal(run_head_tail(head, "crash 1\n", path, &res), 0);
	assert_int_equal(res->no_dump, 1);
	assert_int_equal(access(path, F_OK), -1);
	chp_run_result_free(res);

	assert_int_equal(run_head_tail(head, "offline-cpu 1\ncrash 1\n", NULL, &res), -EINVAL);
	assert_non_null(strstr(chp_last_error(), "t.scn:11: crash on CPU 1, which is not online"));
	chp_run_result_free(res);
}

/*
 * The kept dump of a crash whose header lists absent memory (ppc64's split
 * one byte past, 7afe2383eff0): written, that byte's page zeros, where
 * chp_capture_vmcore() refuses it (a real read would machine-check); the
 * verdict counts it as absent memory.
 */
static void test_scenario__vmcore_kept_over_absent_memory(void **state)
{
	char path[] = "/tmp/test_scenario_vmcoreXXXXXX";
	int fd = mkstemp(path);
	const char *text = "arch ppc64le\ncpus 2\nram 2G\ncrashkernel 512M\nload segments-hotplug\n"
			   "policies mainline\nadd-dimm 1G 0x80000000\nadd-dimm 1G 0x100000000\n"
			   "offline-block 9\ncrash 0\n";
	struct chp_scenario *sc;
	struct chp_run_result *res = NULL;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chp_scenario_parse(&sc, text, "t.scn"), 0);
	sc->vmcore_out = path;
	assert_int_equal(chp_lab_run(&res, sc, CHP_POLICY_MAINLINE, NULL, NULL), 0);
	assert_int_equal(res->dumps, 1);
	assert_int_equal(res->absent_dumps, 1);
	assert_int_equal(res->absent_bytes, 1);
	assert_int_equal(prstatus_notes(path), 2);
	chp_run_result_free(res);
	chp_scenario_free(sc);
	unlink(path);
}

/* A small run: robust complete at every crash, mainline not after a hot-remove. */
static void test_scenario__small_run_side_by_side(void **state)
{
	struct chp_scenario *sc;
	struct chp_run_result *m, *r;
	const char *text = "ram 2G\ncrashkernel 128M\ncrash-every 2\ncrash-during 4\n"
			   "add-dimm 512M\nadd-dimm 512M\ncrash-exhaustive\noffline-block 34\n"
			   "remove-dimm\ncrash\n";

	assert_int_equal(chp_scenario_parse(&sc, text, "t.scn"), 0);
	assert_int_equal(chp_lab_run(&m, sc, CHP_POLICY_MAINLINE, NULL, NULL), 0);
	assert_int_equal(chp_lab_run(&r, sc, CHP_POLICY_ROBUST, NULL, NULL), 0);
	assert_int_equal(m->events, r->events);
	assert_int_equal(r->events, 4 + 4 + 1 + 4);
	assert_int_equal(r->complete, r->crashes);
	assert_true(r->crashes >= 6 + 4 + 1);
	assert_true(r->exhaustive_steps > 0);
	assert_int_equal(r->exhaustive_complete, r->exhaustive_steps);
	assert_true(m->absent_dumps >= 1);    /* the removed DIMM, still listed */
	assert_true(m->no_dump >= 4);         /* crashes inside updates */
	assert_true(r->ntimeline >= 2);
	assert_int_equal(r->timeline[r->ntimeline - 1].covered, r->timeline[r->ntimeline - 1].expected);
	chp_run_result_free(m);
	chp_run_result_free(r);
	chp_scenario_free(sc);
}

/* A storm of N events, a crash at event k, exhaustive crashes during event k. */
static void test_scenario__storm_crash_at_exhaustive_k(void **state)
{
	struct chp_scenario *sc;
	struct chp_run_result *r;
	const char *text = "ram 2G\ncrashkernel 128M\ncrash-at 5\ncrash-at 40\n"
			   "crash-exhaustive 17\nstorm 40\n";
	uint64_t events;

	assert_int_equal(chp_scenario_parse(&sc, text, "t.scn"), 0);
	assert_int_equal(chp_lab_count_events(sc, &events), 0);
	assert_int_equal(events, 40);
	assert_int_equal(chp_lab_run(&r, sc, CHP_POLICY_ROBUST, NULL, NULL), 0);
	/* Two crash-at crashes; one per step of event 17's update counted apart. */
	assert_true(r->exhaustive_steps >= 1);
	assert_int_equal(r->crashes, 2);
	assert_int_equal(r->complete, r->crashes);
	assert_int_equal(r->exhaustive_complete, r->exhaustive_steps);
	assert_int_equal(r->exhaustive_events, 1);
	assert_int_equal(r->exhaustive_silent, 0);
	chp_run_result_free(r);
	chp_scenario_free(sc);
	expect_error("storm 0\n", "t.scn:1:7: a storm must be more than 0");
}

/*
 * A load holds the kexec lock over events 1-3 (one 128 MiB block each of a
 * DIMM); exhaustive on event 3.  robust: event 3 is deferred, and its work
 * is the drain the loader runs as it lets go in event 3's hook: those
 * stores are event 3's, each crash judged against what the drain applies.
 * mainline dropped event 3: no store, and the report says so.
 */
static void test_scenario__kexec_busy_exhaustive_judges_the_drain(void **state)
{
	struct chp_scenario *sc;
	struct chp_run_result *m, *r;
	const char *text = "ram 4G\nkexec-busy 3\ncrash-exhaustive 3\nadd-dimm 512M\ncrash\n";

	assert_int_equal(chp_scenario_parse(&sc, text, "t.scn"), 0);
	assert_int_equal(chp_lab_run(&r, sc, CHP_POLICY_ROBUST, NULL, NULL), 0);
	assert_int_equal(chp_lab_run(&m, sc, CHP_POLICY_MAINLINE, NULL, NULL), 0);
	assert_int_equal(r->deferred, 3);
	assert_int_equal(r->exhaustive_silent, 0);
	assert_true(r->exhaustive_steps >= 2);
	if (r->exhaustive_complete != r->exhaustive_steps)
		fail_msg("%" PRIu64 " of %" PRIu64 " complete: %s", r->exhaustive_complete,
			 r->exhaustive_steps, r->first_problem);
	assert_int_equal(r->complete, r->crashes);
	assert_int_equal(m->dropped, 3);
	assert_int_equal(m->exhaustive_steps, 0);
	assert_int_equal(m->exhaustive_silent, 1);
	assert_int_equal(m->exhaustive_silent_event, 3);
	chp_run_result_free(m);
	chp_run_result_free(r);
	chp_scenario_free(sc);
}

/*
 * Each kexec-busy stretch counts the events the policy dropped in it, not
 * the run's: the picture labels each of mainline's dips with its own.  A
 * 512 MiB DIMM is four events; robust defers, so drops none.
 */
static void test_scenario__kexec_busy_window_counts_its_dropped_events(void **state)
{
	struct chp_scenario *sc;
	struct chp_run_result *m, *r;
	const char *text = "ram 4G\nkexec-busy 2\nadd-dimm 512M\nkexec-busy 3\n"
			   "add-dimm 512M\nadd-dimm 512M\n";

	(void)state;
	assert_int_equal(chp_scenario_parse(&sc, text, "t.scn"), 0);
	assert_int_equal(chp_lab_run(&m, sc, CHP_POLICY_MAINLINE, NULL, NULL), 0);
	assert_int_equal(chp_lab_run(&r, sc, CHP_POLICY_ROBUST, NULL, NULL), 0);
	assert_int_equal(m->dropped, 5);
	assert_int_equal(m->nbusy, 2);
	assert_int_equal(m->busy[0].first, 1);
	assert_int_equal(m->busy[0].last, 2);
	assert_int_equal(m->busy[0].dropped, 2);
	assert_int_equal(m->busy[1].first, 5);
	assert_int_equal(m->busy[1].last, 7);
	assert_int_equal(m->busy[1].dropped, 3);
	assert_int_equal(r->nbusy, 2);
	assert_int_equal(r->busy[0].dropped + r->busy[1].dropped, 0);
	chp_run_result_free(m);
	chp_run_result_free(r);
	chp_scenario_free(sc);
}

/*
 * A load holds the kexec lock over a DIMM removal and one event more.  x86
 * offlines the DIMM's eight blocks (events 9-16), then the memory bus tells
 * that it goes, then it is gone; ppc64 offlines and removes one LMB at a time.
 * Robust owes the offline events' cuts, but its removal waits for the holder
 * at the bus's notice, the memory still there: the holder lets go then, its
 * stretch cut short (after event 16 on x86, after the first LMB's event 9 on
 * ppc64), its drain cuts what it owes, and only then does the memory go.  A
 * crash after every step of every event, the drain's included (judged with
 * the last event the holder saw), never reads removed memory.  Mainline drops
 * the nine events (it hears no such notice and waits for nothing) and lists
 * the DIMM for good.
 */
static void removal_under_a_held_lock(enum chp_arch arch, unsigned boot_block, uint64_t deferred,
				      uint64_t stretch_last)
{
	struct chp_scenario *sc;
	struct chp_run_result *m, *r;
	uint64_t steps = 0, absent = 0, missing = 0, no_dump = 0, drain_steps = 0;
	bool model = true;
	char text[256];

	for (unsigned k = 1; k <= 17; k++) {
		snprintf(text, sizeof(text), "arch %s\nram 4G\nblock 128M\ncrash-exhaustive %u\n"
			 "add-dimm 1G\nkexec-busy 9\nremove-dimm\noffline-block %u\ncrash\n",
			 chp_arch_name(arch), k, boot_block);
		assert_int_equal(chp_scenario_parse(&sc, text, "t.scn"), 0);
		assert_int_equal(chp_lab_run(&r, sc, CHP_POLICY_ROBUST, NULL, NULL), 0);
		steps += r->exhaustive_steps;
		absent += r->exhaustive_absent_dumps;
		missing += r->exhaustive_missing_dumps;
		no_dump += r->exhaustive_no_dump;
		if (k == stretch_last)
			drain_steps = r->exhaustive_steps;
		if (r->absent_dumps != 0 || r->complete != r->crashes)
			fail_msg("%s, crash-exhaustive %u, the final crash: %s", chp_arch_name(arch), k,
				 r->first_problem);
		/* The model, after what a reader sees: the offline events owed, then the wait. */
		if (r->deferred != deferred || r->removal_waits != 1 || r->nbusy != 1 ||
		    r->busy[0].first != 9 || r->busy[0].last != stretch_last)
			model = false;
		if (k == 17) {
			assert_int_equal(chp_lab_run(&m, sc, CHP_POLICY_MAINLINE, NULL, NULL), 0);
			assert_int_equal(m->dropped, 9);
			assert_int_equal(m->removal_waits, 0);
			assert_int_equal(m->absent_dumps, 1);
			chp_run_result_free(m);
		}
		chp_run_result_free(r);
		chp_scenario_free(sc);
	}
	if (absent || missing || no_dump)
		fail_msg("%s: of %" PRIu64 " exhaustive crashes, %" PRIu64 " read absent memory, %" PRIu64
			 " lacked online memory, %" PRIu64 " took no dump", chp_arch_name(arch), steps,
			 absent, missing, no_dump);
	assert_true(drain_steps >= 2); /* the drain's cut, crashed into step by step */
	if (!model)
		fail_msg("%s: not %" PRIu64 " events deferred, then 1 removal waiting, the holder's "
			 "stretch events 9-%" PRIu64, chp_arch_name(arch), deferred, stretch_last);
}

static void test_scenario__removal_under_a_held_lock_waits_and_is_never_read(void **state)
{
	removal_under_a_held_lock(CHP_ARCH_X86_64, 40, 8, 16);
	removal_under_a_held_lock(CHP_ARCH_PPC64, 20, 1, 9);
}

/*
 * x86 mainline keeps an offlined block in the header (still System RAM):
 * the kernel's rule, its own row, and the dump still complete.
 */
static void test_scenario__offline_memory_is_not_a_failure(void **state)
{
	struct chp_scenario *sc;
	struct chp_run_result *m;

	assert_int_equal(chp_scenario_parse(&sc, "ram 2G\noffline-block 3\ncrash\n", "t.scn"), 0);
	assert_int_equal(chp_lab_run(&m, sc, CHP_POLICY_MAINLINE, NULL, NULL), 0);
	assert_int_equal(m->crashes, 1);
	assert_int_equal(m->offline_dumps, 1);
	assert_int_equal(m->offline_bytes, 128 << 20);
	assert_int_equal(m->complete, 1);
	chp_run_result_free(m);
	chp_scenario_free(sc);
}

/* A block already online is the scenario's error, named by its line. */
static void test_scenario__refused_action_names_line(void **state)
{
	struct chp_scenario *sc;
	uint64_t events;

	assert_int_equal(chp_scenario_parse(&sc, "ram 2G\nonline-block 1\n", "t.scn"), 0);
	assert_int_equal(chp_lab_count_events(sc, &events), -EALREADY);
	assert_non_null(strstr(chp_last_error(), "t.scn:2: memory block 1 is already online"));
	chp_scenario_free(sc);
}

/* Crash points the run never reaches are refused, not run as no crashes. */
static void expect_run_refused(const char *text, const char *why)
{
	struct chp_scenario *sc;
	struct chp_run_result *res = NULL;
	uint64_t events;

	assert_int_equal(chp_scenario_parse(&sc, text, "t.scn"), 0);
	assert_int_equal(chp_lab_count_events(sc, &events), -EINVAL);
	if (!strstr(chp_last_error(), why))
		fail_msg("error '%s' lacks '%s'", chp_last_error(), why);
	assert_int_equal(chp_lab_run(&res, sc, CHP_POLICY_ROBUST, NULL, NULL), -EINVAL);
	assert_null(res);
	chp_scenario_free(sc);
}

static void test_scenario__crash_points_outside_the_run(void **state)
{
	/* A 512 MiB DIMM in 128 MiB blocks: 4 events, each block added online. */
	expect_run_refused("ram 2G\nadd-dimm 512M\ncrash-exhaustive 4\nadd-dimm 512M\n",
			   "t.scn:3: crash-exhaustive 4: event 4 comes before this line (4 events by here)");
	expect_run_refused("ram 2G\nadd-dimm 512M\ncrash-exhaustive 9\nadd-dimm 512M\n",
			   "t.scn:3: crash-exhaustive 9: the run has 8 events");
	expect_run_refused("ram 2G\nadd-dimm 512M\ncrash-exhaustive\n",
			   "t.scn:3: crash-exhaustive: no event follows this line");
	expect_run_refused("ram 2G\ncrash-at 5\nadd-dimm 512M\n",
			   "t.scn:2: crash-at 5: the run has 4 events");
}

/*
 * reload-read .. reload-syscall: a kexec_load image is read before the
 * syscall, so a DIMM added in between is missing from it (mainline: a crash
 * then lacks it); robust's load resync applies it to an image with a hotplug
 * flag; kexec_file_load reads in the syscall and has no gap.
 */
static void test_scenario__reload_gap_stale_for_kexec_load_only(void **state)
{
	static const char *const load[] = { "segments-hotplug", "file" };

	for (int k = 0; k < 2; k++) {
		struct chp_scenario *sc;
		struct chp_run_result *m, *r;
		char text[256];

		snprintf(text, sizeof(text), "ram 4G\ncrashkernel 256M\nload %s\nreload-read\n"
			 "add-dimm 1G\nreload-syscall\ncrash\n", load[k]);
		assert_int_equal(chp_scenario_parse(&sc, text, "t.scn"), 0);
		assert_int_equal(chp_lab_run(&m, sc, CHP_POLICY_MAINLINE, NULL, NULL), 0);
		assert_int_equal(chp_lab_run(&r, sc, CHP_POLICY_ROBUST, NULL, NULL), 0);
		assert_int_equal(m->crashes, 1);
		assert_int_equal(r->complete, 1);
		assert_int_equal(m->gap_loads, k == 0);
		assert_int_equal(m->gap_events, k == 0 ? 8 : 0);
		if (k == 0 && (m->missing_dumps != 1 || m->missing_bytes != (1ull << 30)))
			fail_msg("mainline, kexec_load, a DIMM added after the read: %" PRIu64
				 " dumps lack %" PRIu64 " bytes, not one 1 GiB", m->missing_dumps,
				 m->missing_bytes);
		if (k == 1)
			assert_int_equal(m->complete, 1);
		chp_run_result_free(m);
		chp_run_result_free(r);
		chp_scenario_free(sc);
	}
	/*
	 * kexec-tools' header does not fit the segment (75 ranges, 6 slots for
	 * them): kexec-tools fails before any syscall, the loaded image stays.
	 */
	char many[4096] = "arch x86_64\ncpus 2:2:2\nnr-cpus 2\nmax-ranges 6\nram 8G\nblock 32M\n"
			  "crashkernel 128M\nload segments-hotplug\n";
	for (int k = 1; k <= 75; k++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "add-dimm 32M %dM\n",
			 16 * 1024 + k * 64);
	strcat(many, "reload-read\nreload-syscall\ncrash\n");
	struct chp_scenario *sc;
	struct chp_run_result *m;
	assert_int_equal(chp_scenario_parse(&sc, many, "t.scn"), 0);
	assert_int_equal(chp_lab_run(&m, sc, CHP_POLICY_MAINLINE, NULL, NULL), 0);
	assert_int_equal(m->failed_loads, 1);
	assert_int_equal(m->dumps, 1);
	chp_run_result_free(m);
	chp_scenario_free(sc);

	expect_error("ram 2G\nreload-syscall\n", "t.scn:2:1: reload-syscall: no reload-read before it");
	expect_error("ram 2G\nreload-read\nreload\n",
		     "t.scn:3:1: reload: the reload-read on line 2 has not had its reload-syscall");
	expect_error("ram 2G\nreload-read\nadd-dimm 1G\n", "t.scn:2: reload-read: no reload-syscall follows");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenario__errors_name_line_and_column),
		cmocka_unit_test(test_scenario__machine_errors_name_the_setting_line),
		cmocka_unit_test(test_scenario__settings_given_once),
		cmocka_unit_test(test_scenario__settings_and_actions),
		cmocka_unit_test(test_scenario__default_counts),
		cmocka_unit_test(test_scenario__crash_cpu_vmcore_has_every_online_cpu),
		cmocka_unit_test(test_scenario__vmcore_kept_over_absent_memory),
		cmocka_unit_test(test_scenario__runtime_error_names_line),
		cmocka_unit_test(test_scenario__small_run_side_by_side),
		cmocka_unit_test(test_scenario__storm_crash_at_exhaustive_k),
		cmocka_unit_test(test_scenario__kexec_busy_exhaustive_judges_the_drain),
		cmocka_unit_test(test_scenario__kexec_busy_window_counts_its_dropped_events),
		cmocka_unit_test(test_scenario__removal_under_a_held_lock_waits_and_is_never_read),
		cmocka_unit_test(test_scenario__refused_action_names_line),
		cmocka_unit_test(test_scenario__offline_memory_is_not_a_failure),
		cmocka_unit_test(test_scenario__crash_points_outside_the_run),
		cmocka_unit_test(test_scenario__reload_gap_stale_for_kexec_load_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
