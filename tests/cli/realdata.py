#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""crashhp status and elfcorehdr on the dumps of real machines in
../shared/data (tarballs of /sys and /proc made by util-linux's tests, a real
/proc/iomem): what they read must match what those machines are known to have.
Skipped, saying so, when the data is not beside the project.

usage: realdata.py CRASHHP SOURCE_ROOT
"""
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

from checks import FAILURES, check, run, summary

CRASHHP = os.path.abspath(sys.argv[1])
DATA = os.path.join(os.path.abspath(sys.argv[2]), "..", "shared", "data", "real")
# status exits 0 ready, 6 ready but stale after hotplug, 7 not ready: each an answer.
VERDICTS = (0, 6, 7)

# name -> facts from ../shared/data/README.md and the dumps themselves
EXPECT = {
    "lsmem-x86_64-16g": dict(memory_block_size=0x8000000, blocks=128, offline=0),
    "lsmem-s390-zvm-6g": dict(memory_block_size=0x10000000, offline=5),
    "chmem-x86_64_16g": dict(memory_block_size=0x8000000, crash_hotplug_memory=False),
    "lscpu-x86_64-epyc_7451": dict(cpus_possible=96),
    "lscpu-vmware_fpe": dict(cpus_possible=32, cpus_present=16),
    "lscpu-s390-lpar": dict(cpus_possible=64, cpus_present=20),
    "lscpu-ppc64-POWER7": dict(cpus_online=16),
}




def lsmem_agrees(name, top, doc):
    """util-linux's lsmem, which nobody here wrote, reads the same blocks the
    same way, and status -J's "memory" is lsmem -J's "memory" member exactly:
    the same ranges, sizes (lsmem's "2.3G" strings; numbers with -b),
    states, removability and block numbers, the same keys and JSON types."""
    if not doc["memory"] or not shutil.which("lsmem"):
        return
    for extra in ([], ["-b"]):
        cols = ["-o", "RANGE,SIZE,STATE,REMOVABLE,BLOCK"]
        res = run("lsmem", "--sysroot", top, "-J", *cols, *extra)
        if res.returncode:
            check(False, f"{name}: lsmem failed: {res.stderr.strip()}")
            return
        theirs = json.loads(res.stdout)["memory"]
        ours = json.loads(run(CRASHHP, "status", "--sysroot", top, "-J", *cols, *extra).stdout)
        check(ours["memory"] == theirs,
              f"{name}: status -J {' '.join(extra)}: lsmem -J's {len(theirs)} memory rows, key for key"
              + ("" if ours["memory"] == theirs else f" (ours {ours['memory'][:2]}..., lsmem {theirs[:2]}...)"))
    # The default columns are lsmem's too.
    theirs = json.loads(run("lsmem", "--sysroot", top, "-J").stdout)["memory"]
    check([list(r) for r in doc["memory"]] == [list(r) for r in theirs],
          f"{name}: status --json's memory rows have lsmem -J's default keys")


def verdict_agrees(name, code, doc):
    """The JSON says what the exit status says, and each finding has its id,
    severity and fix; the worst severity is the verdict."""
    verdict = {0: "ready", 6: "stale-after-hotplug", 7: "not-ready"}[code]
    check(doc["verdict"] == verdict, f"{name}: JSON verdict {doc['verdict']} for exit {code}")
    severities = [f["severity"] for f in doc["findings"]]
    ok = all(f["kind"] and f["fix"] and f["message"] for f in doc["findings"])
    worst = next((v for v in ("not-ready", "stale-after-hotplug") if v in severities), "ready")
    check(ok and worst == verdict, f"{name}: {len(severities)} findings with id and fix, worst {worst}")


def live_commands(name, top, work):
    """elfcorehdr builds a header or refuses with exit 3 and a reason; verify
    of a lab header against the machine answers 0, 1 or 3 (never crashes)."""
    hdr = os.path.join(work, "lab.hdr")
    if not os.path.exists(hdr):
        run(CRASHHP, "sim", "--ram", "256M", "--crashkernel", "64M", "--elfcorehdr", hdr)
    res = run(CRASHHP, "elfcorehdr", "--sysroot", top)
    check(res.returncode == 0 or (res.returncode == 3 and res.stderr.startswith("crashhp: ")),
          f"{name}: elfcorehdr exits {res.returncode}: {(res.stderr or res.stdout).splitlines()[0]}")
    res = run(CRASHHP, "verify", "--against", top, hdr)
    check(res.returncode in (0, 1, 3), f"{name}: verify exits {res.returncode}")


def fixtures(work):
    """The project's own fixtures, read by lsmem too, data or no data."""
    source = os.path.abspath(sys.argv[2])
    want = {"vm-dimms": 0, "holes-no-hotplug": 6, "unprivileged": 0, "no-online-files": 7,
            "kexec-load-debian": 6, "kexec-load-fedora": 6, "fadump-ppc64": 6, "fadump-hotplug": 0}
    for name, code in want.items():
        top = os.path.join(work, "fixture-" + name)
        subprocess.run(["sh", os.path.join(source, "tests", "fixtures", "mksysroot.sh"), name, top],
                       check=True)
        res = run(CRASHHP, "status", "--json", "--sysroot", top)
        check(res.returncode == code, f"fixture {name}: status exits {res.returncode}, expected {code}")
        if res.returncode in VERDICTS:
            doc = json.loads(res.stdout)
            verdict_agrees(f"fixture {name}", res.returncode, doc)
            lsmem_agrees(f"fixture {name}", top, doc)


def main():
    work = tempfile.mkdtemp(prefix="crashhp-real-")
    fixtures(work)
    if not os.path.isdir(DATA):
        shutil.rmtree(work)
        print(f"SKIP: {DATA} is absent; only the project's own fixtures were read "
              f"({len(FAILURES)} failures)")
        return 1 if FAILURES else 77
    try:
        for tarball in sorted(os.listdir(DATA)):
            if ".tar" not in tarball:
                continue
            name = tarball.split(".tar")[0]
            dest = os.path.join(work, name)
            with tarfile.open(os.path.join(DATA, tarball)) as t:
                t.extractall(dest)
            top = os.path.join(dest, os.listdir(dest)[0])
            res = run(CRASHHP, "status", "--json", "--sysroot", top)
            check(res.returncode in VERDICTS, f"{name}: status answers with a verdict ({res.stderr.strip()})")
            if res.returncode not in VERDICTS:
                continue
            doc = json.loads(res.stdout)
            verdict_agrees(name, res.returncode, doc)
            facts = EXPECT.get(name, {})
            for key, want in facts.items():
                if key == "blocks":
                    got = doc["memory_blocks_online"] + doc["memory_blocks_offline"]
                elif key == "offline":
                    got = doc["memory_blocks_offline"]
                else:
                    got = doc[key]
                check(got == want, f"{name}: {key} is {got}, expected {want}")
            human = run(CRASHHP, "status", "--sysroot", top)
            check(human.returncode == res.returncode and "Findings:" in human.stdout,
                  f"{name}: status prints findings")
            live_commands(name, top, work)
            lsmem_agrees(name, top, doc)
        iomem = os.path.join(DATA, "iomem-x86_64-amd-epyc7302p-128g.txt")
        if os.path.exists(iomem):
            root = os.path.join(work, "epyc-iomem")
            os.makedirs(os.path.join(root, "proc"))
            shutil.copy(iomem, os.path.join(root, "proc", "iomem"))
            res = run(CRASHHP, "status", "--json", "--sysroot", root)
            check(res.returncode in VERDICTS, f"real /proc/iomem: status answers ({res.stderr.strip()})")
            if res.returncode in VERDICTS:
                doc = json.loads(res.stdout)
                gib = doc["system_ram_bytes"] / 2**30
                check(120 <= gib <= 128, f"real /proc/iomem: {gib:.1f} GiB of System RAM (a 128 GiB server)")
                check(doc["system_ram_ranges"] >= 5, f"real /proc/iomem: {doc['system_ram_ranges']} RAM ranges")
        live_commands("this machine", "/", work)
    finally:
        shutil.rmtree(work)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
