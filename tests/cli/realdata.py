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

CRASHHP = os.path.abspath(sys.argv[1])
DATA = os.path.join(os.path.abspath(sys.argv[2]), "..", "shared", "data", "real")
FAILURES = []

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


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def run(*args):
    return subprocess.run(args, capture_output=True, text=True, check=False)


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


def main():
    if not os.path.isdir(DATA):
        print(f"SKIP: {DATA} is absent; the project's own fixtures cover the readers")
        return 77
    work = tempfile.mkdtemp(prefix="crashhp-real-")
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
            check(res.returncode == 0, f"{name}: status exits 0 ({res.stderr.strip()})")
            if res.returncode:
                continue
            doc = json.loads(res.stdout)
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
            check(human.returncode == 0 and "Findings:" in human.stdout,
                  f"{name}: status prints findings")
            live_commands(name, top, work)
        iomem = os.path.join(DATA, "iomem-x86_64-amd-epyc7302p-128g.txt")
        if os.path.exists(iomem):
            root = os.path.join(work, "epyc-iomem")
            os.makedirs(os.path.join(root, "proc"))
            shutil.copy(iomem, os.path.join(root, "proc", "iomem"))
            res = run(CRASHHP, "status", "--json", "--sysroot", root)
            check(res.returncode == 0, f"real /proc/iomem: status exits 0 ({res.stderr.strip()})")
            if res.returncode == 0:
                doc = json.loads(res.stdout)
                gib = doc["system_ram_bytes"] / 2**30
                check(120 <= gib <= 128, f"real /proc/iomem: {gib:.1f} GiB of System RAM (a 128 GiB server)")
                check(doc["system_ram_ranges"] >= 5, f"real /proc/iomem: {doc['system_ram_ranges']} RAM ranges")
        live_commands("this machine", "/", work)
    finally:
        shutil.rmtree(work)
    print(f"{len(FAILURES)} failures")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
