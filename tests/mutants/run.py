#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The mutation harness: does the suite notice when the policy code is wrong?

Each mutant in tests/mutants/mutants.py replaces one exact, unique snippet of
one source file.  The harness copies the tree into WORK/src (never touching
the working tree), builds it once in WORK/build, then for each mutant: applies
it, rebuilds incrementally, runs the tests in a fixed order (fast ones first)
until one fails, and restores the file.  It prints a table: mutant, category,
the first test that failed (for cmocka, binary:case) and what it said, or
SURVIVED.

Only behaviour may kill: the tests run with CRASHHP_BEHAVIOUR_ONLY=1, which
turns off their store and step counts (tests/unit/hplab.h), and a mutant that
only the golden transcript notices counts as a survivor.

A snippet that is not in its file, or is there more than once, makes the
mutant STALE (the code moved under it: update the table); a mutant that does
not compile is BROKEN.  Both fail the run, like a non-equivalent survivor.
A mutant marked equivalent is run too: if a test kills it, the reason given
for its equivalence is wrong, and the run fails.

usage: run.py [--work DIR] [--only NAME,...] [--list] [--skip-baseline]
Exit status: 0 all non-equivalent mutants killed, 1 otherwise, 2 bad usage or
the unmutated tree fails its own tests.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import mutants as table  # noqa: E402

# The tests that can see the policies' work, fastest first so a killed mutant
# costs little.  Left out: the fuzz replays, the header and man page checks
# and the packaging tests (pkg_*: what is installed, no policy code runs), real_cpu1_watch (it changes this machine's CPUs) and
# cli_realdata (it reads ../shared/data beside the tree, absent from the copy,
# and checks what `status` reads from real machines' /sys, not a policy), and
# kernel_checkpatch (the kernel series' style; it runs none of this code) and
# kernel_same_source (it compares the slot core with the patch's copy, so it
# "kills" every mutant of lib/kernel/crash_slots.c without running it);
# cli_durable (the output writer's fsync order), cli_hostile_json (escaping
# of names in output), cli_kdump (reading makedumpfile's formats) run no
# policy code, and cli_progress and cli_svg draw sim's outcomes, whose counts
# cli_golden and cli_capacity judge already; cli_hostile_text (escaping of
# names in text output), cli_vmcore_file (the vmcore file's mode and
# atomicity) and cli_status_many_cpus (a status finding from sysfs) neither;
# nor unit_text_out (the tool's escaping of text output) and cli_makedumpfile,
# cli_makedumpfile_d31 and unit_dumpfile (reading makedumpfile's own output
# files and its flattened form, as cli_kdump), nor cli_fifo_input (inspect
# and verify refusing a FIFO as FILE), cli_live_hostile (live's refusal of
# an edited sysroot, before any policy runs) and cli_sim_disk (the vmcore
# file's free-space check and a killed writer's cleanup, as cli_vmcore_file),
# nor unit_grow (lib/grow.c's array doubling, which no mutant touches).
TEST_ORDER = [
    "unit_robust", "unit_slot_index", "unit_hotplug", "unit_deferral", "unit_kexec_tools", "unit_fdt", "unit_concurrent", "unit_scenario",
    "unit_kimage", "unit_machine", "unit_ranges", "unit_elfcore", "unit_note",
    "unit_uevent", "unit_sysroot", "unit_dumpconf", "unit_capture", "unit_verify_phdr", "cli_capacity",
    "cli_malformed",
    "cli_watch", "cli_live", "cli_crosscheck", "unit_verify", "cli_verify_backup", "cli_golden",
]
LEFT_OUT = {"fuzz_replay", "fuzz_text_replay", "fuzz_sysroot_replay", "public_headers",
            "man_pages", "real_cpu1_watch", "cli_realdata", "pkg_completion", "pkg_install",
            "pkg_install_deps", "pkg_udev", "pkg_unit_verify", "kernel_checkpatch",
            "kernel_same_source", "cli_durable", "cli_hostile_json", "cli_kdump",
            "cli_progress", "cli_svg", "cli_hostile_text", "cli_vmcore_file",
            "cli_status_many_cpus", "policy_deps", "unit_text_out", "cli_makedumpfile",
            "cli_makedumpfile_d31", "unit_dumpfile", "cli_fifo_input", "cli_live_hostile",
            "cli_sim_disk", "unit_grow",
            # a thread that cannot start under RLIMIT_AS: before any policy code runs
            "cli_sim_threads",
            # the table itself: its snippets against the unmutated sources
            "mutants_snippets"}
# A golden transcript differs for almost any change: a mutant only it kills
# counts as a survivor (no test of behaviour saw it).
TRANSCRIPT_ONLY = {"cli_golden"}
# A mutant that loops forever is killed by the timeout.  Unmutated, the
# slowest test takes well under a minute at a load average of 13 (the whole
# baseline, build included, 92 s), so 300 s is ample; it is what a hanging
# mutant (phnum-store-dropped: a slot indexed twice loops the treap) costs.
TIMEOUT_S = 300

CMOCKA_FAIL = re.compile(r"^\[\s*(?:FAILED|ERROR)\s*\] (test_\w+)$", re.M)
CMOCKA_MSG = re.compile(r"^(?:ERROR: |\[  ERROR   \] --- (?!\[))(.*)$", re.M)
CMOCKA_LINE = re.compile(r"\[   LINE   \] --- (?:.*/)?([\w.]+:\d+): error", re.M)


def cmocka_failure(out, case):
    """What cmocka said about `case`: its message and the test's line."""
    start = out.find(f"[ RUN      ] {case}\n")
    block = out[start:out.find(f"[  FAILED  ] {case}\n", start)] if start >= 0 else out
    msg, line = CMOCKA_MSG.search(block), CMOCKA_LINE.search(block)
    return ((msg.group(1) if msg else "failed") + (f" ({line.group(1)})" if line else "")).strip()


def tracked_files(root):
    """The files a fresh clone would have, plus new ones not yet committed."""
    out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                          "--exclude-standard"], check=True, capture_output=True).stdout
    return [p for p in out.decode().split("\0") if p and os.path.isfile(os.path.join(root, p))]


def sync_tree(root, dst):
    """Copy the tree into dst, rewriting only files whose bytes differ, so the
    build in WORK stays incremental from one run to the next."""
    for rel in tracked_files(root):
        src, out = os.path.join(root, rel), os.path.join(dst, rel)
        with open(src, "rb") as f:
            data = f.read()
        try:
            with open(out, "rb") as f:
                if f.read() == data:
                    continue
        except FileNotFoundError:
            os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "wb") as f:
            f.write(data)
        shutil.copymode(src, out)


def check_snippet(src, m):
    """None when the mutant applies, else why it is STALE."""
    try:
        with open(os.path.join(src, m.file)) as f:
            text = f.read()
    except FileNotFoundError:
        return f"{m.file} does not exist"
    n = text.count(m.find)
    if n == 1:
        return None
    return f"snippet found {n} times in {m.file}" if n else f"snippet not found in {m.file}"


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def build(bdir):
    return run(["nice", "ninja", "-C", bdir])


def meson_tests(bdir):
    info = json.loads(run(["meson", "introspect", "--tests", bdir]).stdout)
    return {t["name"]: t for t in info}


def run_test(t, bdir):
    """None if the test passes, else (what failed, the first message it gave)."""
    env = dict(os.environ)
    env.update(t.get("env") or {})
    # Store and step counts are not checked: only behaviour kills (hplab.h).
    env["CRASHHP_BEHAVIOUR_ONLY"] = "1"
    try:
        p = subprocess.run(["nice"] + t["cmd"], cwd=t.get("workdir") or bdir, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return t["name"], f"timeout {TIMEOUT_S} s"
    if p.returncode == 0:
        return None
    out = p.stdout.decode(errors="replace")
    cases = CMOCKA_FAIL.findall(out)
    if cases:
        return f"{t['name']}:{cases[0]}", cmocka_failure(out, cases[0])
    lines = [ln for ln in out.splitlines() if ln.strip()]
    return t["name"], (lines[-1].strip() if lines else f"exit status {p.returncode}")


def first_failure(tests, bdir):
    for name in TEST_ORDER:
        why = run_test(tests[name], bdir)
        if why:
            return why
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "mutants"))
    ap.add_argument("--only", help="comma-separated mutant names")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--check", action="store_true",
                    help="only check that every snippet occurs once in its file (no build), and exit")
    ap.add_argument("--skip-baseline", action="store_true",
                    help="do not first run the suite on the unmutated copy (when iterating)")
    args = ap.parse_args()

    chosen = table.MUTANTS
    names = [m.name for m in chosen]
    if len(set(names)) != len(names):
        sys.exit("mutants.py: duplicate mutant names")
    if args.only:
        want = args.only.split(",")
        unknown = set(want) - set(names)
        if unknown:
            print(f"run.py: unknown mutants: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        chosen = [m for m in chosen if m.name in want]
    if args.list:
        for m in chosen:
            print(f"{m.name:32} {m.category:12} {m.file}: {m.description}")
        return 0
    if args.check:
        # Cheap enough for every meson test run: a snippet the code moved
        # under is found at once, not at the next whole make mutants.
        stale = [(m.name, check_snippet(ROOT, m)) for m in chosen]
        stale = [(name, why) for name, why in stale if why]
        for name, why in stale:
            print(f"{name}: STALE: {why} (fix its snippet in tests/mutants/mutants.py)")
        print(f"{len(chosen)} mutants, {len(stale)} stale")
        return 1 if stale else 0

    src, bdir = os.path.join(args.work, "src"), os.path.join(args.work, "build")
    t0 = time.monotonic()
    sync_tree(ROOT, src)
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        # Mutants may leave a variable unused: -Werror off here only.
        p = run(["meson", "setup", bdir, src, "-Dwerror=false"])
        if p.returncode:
            print(p.stdout)
            return 2
    p = build(bdir)
    if p.returncode:
        print(p.stdout[-4000:])
        print("run.py: the unmutated tree does not build", file=sys.stderr)
        return 2
    tests = meson_tests(bdir)
    missing = [n for n in TEST_ORDER if n not in tests]
    if missing:
        print(f"run.py: no such tests: {', '.join(missing)}", file=sys.stderr)
        return 2
    unplaced = sorted(set(tests) - set(TEST_ORDER) - LEFT_OUT)
    if unplaced:
        print(f"run.py: tests neither in TEST_ORDER nor LEFT_OUT: {', '.join(unplaced)}",
              file=sys.stderr)
        return 2
    failure = None if args.skip_baseline else first_failure(tests, bdir)
    if failure:
        print(f"run.py: the unmutated tree fails {failure[0]} ({failure[1]}): fix that first",
              file=sys.stderr)
        return 2
    print(f"baseline: built and passed in {time.monotonic() - t0:.0f} s", flush=True)

    rows = []
    for m in chosen:
        t1 = time.monotonic()
        outcome, saw, ok = judge(m, src, bdir, tests)
        rows.append((m, outcome, saw, ok))
        print(f"{m.name:30} {m.category:9} {outcome}   [{time.monotonic() - t1:.0f} s]",
              flush=True)
    build(bdir)
    print_table(rows, time.monotonic() - t0)
    return 0 if all(ok for _, _, _, ok in rows) else 1


def judge(m, src, bdir, tests):
    """(outcome, what the killing test said, whether that is as it should be)."""
    stale = check_snippet(src, m)
    if stale:
        return f"STALE: {stale}", "", False
    path = os.path.join(src, m.file)
    with open(path) as f:
        orig = f.read()
    try:
        with open(path, "w") as f:
            f.write(orig.replace(m.find, m.replace, 1))
        if build(bdir).returncode:
            return "BROKEN: does not compile", "", False
        killer, saw = first_failure(tests, bdir) or (None, "")
    finally:
        with open(path, "w") as f:
            f.write(orig)
    if killer in TRANSCRIPT_ONLY:
        killer, saw = None, f"only {killer} differs"
    if m.equivalent:
        if killer:
            return f"KILLED by {killer}, yet marked equivalent", saw, False
        return "equivalent (survives)", "", True
    if killer:
        return killer, saw, True
    return "SURVIVED" + (f" ({saw})" if saw else ""), "", False


def print_table(rows, seconds):
    print()
    print(f"{'mutant':30} {'category':9} {'killed by (first failing test)':66} what it saw")
    print(f"{'-' * 30} {'-' * 9} {'-' * 66} {'-' * 30}")
    for m, outcome, saw, _ in rows:
        saw = saw if len(saw) <= 90 else saw[:87] + "..."
        print(f"{m.name:30} {m.category:9} {outcome:66} {saw}".rstrip())
    equiv = [m for m, *_ in rows if m.equivalent]
    if equiv:
        print("\nequivalent mutants (why no reader can tell them apart):")
        for m in equiv:
            print(f"  {m.name}: {m.equivalent}")
    bad = sum(1 for *_, ok in rows if not ok)
    killed = sum(1 for m, *_, ok in rows if ok and not m.equivalent)
    print(f"\n{len(rows)} mutants: {killed} killed, {len(equiv)} equivalent, {bad} bad "
          f"(survived, stale, broken or wrongly marked equivalent); {seconds:.0f} s")

if __name__ == "__main__":
    sys.exit(main())
