#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""One source of truth: the slot core the kernel runs is the lab's.

The kernel series creates kernel/crash_slots.c and include/linux/crash_slots.h;
each must be, byte for byte, the lab's lib/kernel/crash_slots.c and
lib/kernel/include/linux/crash_slots.h (which the lab builds, crashes after
every store and mutates).  No later patch of the series may change them.
scripts/kernel-core-sync writes the lab's files into the patch.

usage: same_source.py REPO_ROOT
"""
import difflib
import os
import re
import sys

PAIRS = {
    "kernel/crash_slots.c": "lib/kernel/crash_slots.c",
    "include/linux/crash_slots.h": "lib/kernel/include/linux/crash_slots.h",
}


def patch_files(text):
    """{path: (created, [lines of a created file])} for one patch."""
    out = {}
    sections = re.split(r"^diff --git ", text, flags=re.M)[1:]
    for sec in sections:
        m = re.match(r"a/(\S+) b/(\S+)\n", sec)
        if not m:
            continue
        path = m.group(2)
        lines = sec.split("\n")
        created = any(l.startswith("new file mode") for l in lines[:4])
        body = []
        in_hunk = False
        for l in lines[1:]:
            if l.startswith("@@"):
                in_hunk = True
                continue
            if not in_hunk:
                continue
            if l.startswith("+"):
                body.append(l[1:])
            elif l.startswith("-- ") or l == "--":
                break  # the signature line ending a git format-patch mail
        out[path] = (created, body)
    return out


def main():
    root = sys.argv[1]
    series = [l.split()[0] for l in open(os.path.join(root, "kernel/series"))
              if l.strip() and not l.startswith("#")]
    found = {}
    failures = 0
    for p in series:
        for path, (created, body) in patch_files(open(os.path.join(root, "kernel", p)).read()).items():
            if path not in PAIRS:
                continue
            if path in found or not created:
                print(f"FAIL: {p} changes {path} again: the lab's file is the only source")
                failures += 1
                continue
            found[path] = (p, body)
    for kpath, lpath in PAIRS.items():
        if kpath not in found:
            print(f"FAIL: no patch of kernel/series creates {kpath}")
            failures += 1
            continue
        p, body = found[kpath]
        lab = open(os.path.join(root, lpath)).read().split("\n")
        if lab and lab[-1] == "":
            lab.pop()
        if body != lab:
            print(f"FAIL: {p}'s {kpath} differs from {lpath} (scripts/kernel-core-sync):")
            sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(
                lab, body, lpath, f"{p}: {kpath}", lineterm="", n=1))
            failures += 1
        else:
            print(f"{p}: {kpath} is {lpath}, {len(body)} lines: same")
    print(f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
