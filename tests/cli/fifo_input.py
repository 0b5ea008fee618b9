#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A FIFO named as the FILE that inspect and verify read (a header or a
vmcore) is invalid input, exit 3, said at once: those read at offsets, which
a FIFO has none of, and opening one without a writer blocks for ever.  Each
run is bounded by a timeout; a hang fails the check.
usage: fifo_input.py CRASHHP SOURCE_ROOT
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, summary  # noqa: E402

CRASHHP = os.path.abspath(sys.argv[1])
MKSYSROOT = os.path.join(os.path.abspath(sys.argv[2]), "tests", "fixtures", "mksysroot.sh")


def bounded(*args):
    try:
        return subprocess.run([CRASHHP, *args], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return None


def main():
    work = tempfile.mkdtemp(prefix="crashhp-fifo-")
    try:
        root = os.path.join(work, "vm")
        subprocess.run(["sh", MKSYSROOT, "vm-dimms", root], check=True)
        fifo = os.path.join(work, "header")
        os.mkfifo(fifo)
        for what, args in (("inspect FIFO", ["inspect", fifo]),
                           ("inspect --json FIFO", ["inspect", "--json", fifo]),
                           ("verify FIFO", ["verify", "--sysroot", root, fifo])):
            res = bounded(*args)
            check(res is not None, f"{what}: returns (no hang on a FIFO without a writer)")
            if res is None:
                continue
            check(res.returncode == 3 and fifo in res.stderr and "not a regular file" in res.stderr,
                  f"{what}: exit 3 naming the file ({res.returncode}: {res.stderr.strip()[:200]})")
            check(res.stdout == "", f"{what}: nothing on stdout ({res.stdout[:100]!r})")
    finally:
        shutil.rmtree(work)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
