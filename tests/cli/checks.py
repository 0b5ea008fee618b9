# SPDX-License-Identifier: GPL-2.0-or-later
"""What the Python CLI tests share: a check that prints one line and keeps
going (so one run shows every failure, not just the first), a subprocess
runner that never raises on a non-zero exit, and the closing summary."""
import subprocess

FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def run(*args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)


def summary(label="failures"):
    """Print the count and return the test's exit status."""
    print(f"{len(FAILURES)} {label}")
    return 1 if FAILURES else 0
