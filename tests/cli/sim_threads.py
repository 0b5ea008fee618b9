#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sim's concurrent phase, when a thread cannot start, says so and where.

Under RLIMIT_AS 900 MiB the sequential phase runs (a 256 MiB crash region)
but 256 event threads' stacks (8 MiB each, RLIMIT_STACK set so: 2 GiB) cannot
all fit, whatever the rest takes: the error names the
scenario's concurrent line (FILE:LINE:, as a sequential action's error
does), the round and the thread, and the exit is 4 (a system resource),
never a crash from joining a thread that never started.  A build that
cannot run at all under the limit (a sanitizer's shadow memory) is skipped,
said.

usage: sim_threads.py CRASHHP
"""
import os
import re
import resource
import subprocess
import sys
import tempfile

from checks import check, summary

CRASHHP = os.path.abspath(sys.argv[1])
LIMIT = 900 << 20
STACK = 8 << 20


def limited():
    resource.setrlimit(resource.RLIMIT_STACK, (STACK, STACK))
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def main():
    with tempfile.TemporaryDirectory(prefix="crashhp-threads-") as d:
        scn = os.path.join(d, "threads.scn")
        with open(scn, "w") as f:
            f.write("ram 2G\nseed 3\n\nconcurrent 256 20 1\n")
        probe = subprocess.run([CRASHHP, "sim", "--ram", "256M", "--crashkernel", "64M"],
                               capture_output=True, text=True, preexec_fn=limited)
        if probe.returncode != 0:
            print(f"SKIP: crashhp does not run under RLIMIT_AS {LIMIT >> 20} MiB "
                  f"(exit {probe.returncode}: {probe.stderr.strip()[:200]})")
            return 77
        res = subprocess.run([CRASHHP, "sim", scn], capture_output=True, text=True,
                             preexec_fn=limited, cwd=d)
        err = res.stderr.strip()
        check(res.returncode == 4, f"exit 4 (a system resource), not a crash: {res.returncode}")
        check(re.fullmatch(rf"crashhp: {re.escape(scn)}:4: concurrent round 0: starting event "
                           r"thread \d+ of 256: Resource temporarily unavailable", err) is not None,
              f"the error names FILE:LINE, the round and the thread: {err!r}")
    return summary()


sys.exit(main())
