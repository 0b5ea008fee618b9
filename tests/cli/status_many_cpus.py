# SPDX-License-Identifier: GPL-2.0-or-later
"""status's many-cpus finding follows the header's real room, the live
kernel's crash_elfcorehdr_size (arch_crash_get_elfcorehdr_size(): on x86_64
2 + CONFIG_NR_CPUS_DEFAULT + CRASH_MAX_MEMORY_RANGES program headers of 56
bytes), not NR_CPUS: a kernel without MAXSMP keeps notes for 64 CPUs, so 65
possible CPUs are past its CPU part, and 8192 are not past MAXSMP's.
usage: status_many_cpus.py CRASHHP SOURCE_ROOT
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, run, summary  # noqa: E402

CRASHHP = os.path.abspath(sys.argv[1])
MKSYSROOT = os.path.join(os.path.abspath(sys.argv[2]), "tests", "fixtures", "mksysroot.sh")
PHDR = 56


def finding(root, possible, nr_cpus_default):
    """status --json on vm-dimms with POSSIBLE CPUs and a header sized for NR_CPUS_DEFAULT."""
    with open(os.path.join(root, "sys/devices/system/cpu/possible"), "w") as f:
        f.write(f"0-{possible - 1}\n")
    with open(os.path.join(root, "sys/kernel/crash_elfcorehdr_size"), "w") as f:
        f.write(f"{(2 + nr_cpus_default + 8192) * PHDR}\n")
    res = run(CRASHHP, "status", "--json", "--sysroot", root)
    try:
        doc = json.loads(res.stdout)
    except ValueError:
        check(False, f"status --json parses (exit {res.returncode}: {res.stderr.strip()[:200]})")
        return None
    return next((x for x in doc["findings"] if x["kind"] == "many-cpus"), None)


def main():
    work = tempfile.mkdtemp(prefix="crashhp-many-cpus-")
    try:
        root = os.path.join(work, "root")
        subprocess.run(["sh", MKSYSROOT, "vm-dimms", root], check=True)
        for possible, default, want in ((64, 64, False), (65, 64, True), (128, 64, True),
                                        (8192, 8192, False), (8192, 512, True)):
            x = finding(root, possible, default)
            check((x is not None) == want,
                  f"{possible} possible CPUs, a header for NR_CPUS_DEFAULT {default}: many-cpus "
                  f"{'reported' if want else 'absent'} ({x and x['message']})")
            if want and x:
                fit = 8192 - (possible - default)
                check(f"keeps notes for {default} " in x["message"] and
                      f"{fit} ranges fit" in x["message"],
                      f"the message names the {default} CPU notes and the {fit} ranges that fit")
    finally:
        shutil.rmtree(work)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
