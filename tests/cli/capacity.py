#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Robust at capacity, both arches: a 72-slot header (one page, as
kexec_add_buffer() rounds it: x86_64 2 + NR_CPUS_DEFAULT 64 + 6 ranges; ppc64
the header at load alone, kdump_extra_elfcorehdr_size() being 0 once the
ranges at load reach CRASH_MAX_MEMORY_RANGES 1) made full of
offline gaps, then a DIMM added, removed block by block, added again and
removed whole, a crash after every event and after every store of each
action's first update (crash-exhaustive).  Robust may list offline memory
(as Linux's own header does) but never misses online memory nor lists absent
memory; mainline's numbers are printed beside.  Then a reload whose header
cannot fit: refused, the old image stays loaded and the next crash dumps.

usage: capacity.py CRASHHP"""
import json
import os
import sys
import tempfile

from checks import check, run, summary

HEAD = """arch {arch}
cpus 2:2:2
nr-cpus 2
max-ranges {ranges}
ram 8G
block 32M
crashkernel 128M
"""


def full_of_offline_gaps(arch, first, last, dimm_block):
    """The scenario text; the DIMM lands at dimm_block (first free from 4 GiB)."""
    lines = [HEAD.format(arch=arch, ranges=6 if arch == "x86_64" else 1), "crash-every 1"]
    lines += [f"offline-block {b}" for b in range(first, last + 1, 2)]
    lines += ["crash-exhaustive", "add-dimm 256M"]
    for b in range(dimm_block, dimm_block + 8):  # removed block by block
        lines += ["crash-exhaustive", f"offline-block {b}"]
    lines += ["remove-dimm", "crash",
              "crash-exhaustive", "add-dimm 256M",
              "crash-exhaustive", "remove-dimm",  # removed whole
              "reload", "crash"]
    return "\n".join(lines) + "\n"


def too_many_ranges(arch):
    """75 one-block DIMMs with absent memory between: more ranges than slots."""
    lines = [HEAD.format(arch=arch, ranges=6 if arch == "x86_64" else 1)]
    lines += [f"add-dimm 32M {16 * 1024 + k * 64}M" for k in range(1, 76)]
    lines += ["crash", "reload", "crash"]
    return "\n".join(lines) + "\n"


def bridge_uncut_at_removal(crash_between):
    """A cut at removal in a full header (x86_64): a one-block DIMM offline
    between two online ones, bridged by a merge once the header is full and
    every other gap is absent memory (the crashkernel bridged too), is
    removed.  Its cut as it goes (the memory bus's release) is a middle cut,
    which needs a slot, and no two ranges may merge.  An addition never takes
    the last free slot, so the cut has it and no dump lists the removed
    memory.  The cost: the last one-block DIMM added found only that slot and
    no merge, so it is left out (one handler failure) until two one-block
    DIMMs have gone and a slot beyond the reserve is free.  (Before the
    reserve that DIMM took the last slot, and the removed 32 MiB stayed
    listed, read as absent memory, until a slot freed.)  With crash_between,
    a crash between the removal and the first slot freeing."""
    lines = ["arch x86_64", "cpus 2:2:2", "nr-cpus 2", "max-ranges 6", "ram 7G", "block 32M",
             "crashkernel 128M"]
    lines += [f"add-dimm 32M {a}M" for a in (12288, 12320, 12352)]  # one range, three DIMMs
    lines += [f"add-dimm 32M {16384 + 64 * k}M" for k in range(1, 64)]  # one slot left
    lines += ["offline-block 385"]  # 12320M: the range split, the last slot
    lines += [f"add-dimm 32M {16384 + 64 * k}M" for k in (64, 65)]  # bridges 12320M, then the crashkernel
    lines += ["crash", "remove-dimm 12320M"] + (["crash"] if crash_between else [])
    lines += ["remove-dimm 16448M", "crash"]  # a slot frees: the reserve again
    lines += ["remove-dimm 16512M", "crash"]  # room beyond it: the DIMM left out is covered
    return "\n".join(lines) + "\n"


def offline_kept_at_capacity():
    """A block going offline in a full header (x86_64) whose cut finds no
    slot at all: the slot kept for cuts spent by an earlier split (12320M),
    every other gap absent, the crashkernel bridged.  The block (the middle
    of a three-block DIMM at 13312M, inside one range [13280M, 13440M) of
    three DIMMs) stays listed: offline memory, no online memory goes for it
    (before: the split was made and the 64 MiB above it let go).  Then its
    DIMM goes: each block's release is a cut of memory about to be absent,
    made whatever it costs; the first, a split with no slot, lets go of the
    online DIMM above (32 MiB, one handler failure), and nothing absent is
    listed.  Two DIMMs go: room, and it is covered again."""
    lines = ["arch x86_64", "cpus 2:2:2", "nr-cpus 2", "max-ranges 6", "ram 7G", "block 32M",
             "crashkernel 128M"]
    lines += [f"add-dimm 32M {a}M" for a in (12288, 12320, 12352)]  # one range, three DIMMs
    lines += ["add-dimm 32M 13280M", "add-dimm 96M 13312M", "add-dimm 32M 13408M"]  # another
    lines += [f"add-dimm 32M {16384 + 64 * k}M" for k in range(1, 64)]  # the crashkernel bridged
    lines += ["offline-block 385", "remove-dimm 12320M"]  # the split spends the kept slot
    lines += ["offline-block 417", "crash"]  # 13344M: no slot, kept listed
    lines += ["remove-dimm 13312M", "crash"]  # released: cut at any cost
    lines += ["remove-dimm 16448M", "remove-dimm 16512M", "crash"]  # room: covered again
    return "\n".join(lines) + "\n"


def sim(crashhp, work, name, text):
    path = os.path.join(work, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    p = run(crashhp, "sim", "--json", path)
    check(p.returncode in (0, 1), f"{name}: sim exits 0 or 1 (got {p.returncode}: {p.stderr.strip()})")
    if p.returncode not in (0, 1):
        return {}
    return {r["policy"]: r for r in json.loads(p.stdout)["policies"]}


ROWS = ["crashes", "dumps_taken", "no_dump", "dumps_missing_online_memory", "missing_bytes",
        "dumps_including_absent_memory", "absent_bytes", "dumps_including_offline_memory",
        "offline_bytes", "handler_failures", "capacity_merges", "slots_peak", "slots_total",
        "exhaustive_crashes", "exhaustive_complete", "exhaustive_no_dump",
        "exhaustive_dumps_missing_online_memory", "exhaustive_dumps_including_absent_memory",
        "failed_loads"]


def table(name, res):
    print(f"  {name}")
    for key in ROWS:
        print(f"    {key:42} " + " ".join(f"{res[p].get(key, '-'):>14}" for p in ("mainline", "robust")))


def main():
    crashhp = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="crashhp-capacity.") as work:
        for arch, first, last, dimm in (("x86_64", 130, 300, 320), ("ppc64", 10, 180, 256)):
            name = f"capacity-{arch}.sc"
            res = sim(crashhp, work, name, full_of_offline_gaps(arch, first, last, dimm))
            if not res:
                continue
            table(name, res)
            r = res["robust"]
            check(r["slots_peak"] == r["slots_total"], f"{name}: robust's header was full")
            check(r["capacity_merges"] > 0, f"{name}: robust merged to make room")
            check(r["exhaustive_crashes"] > 0, f"{name}: crash-exhaustive crashed")
            check(r["no_dump"] == 0 and r["dumps_taken"] == r["crashes"],
                  f"{name}: robust took a dump at every crash")
            check(r["dumps_missing_online_memory"] == 0, f"{name}: robust lost no online memory")
            check(r["dumps_including_absent_memory"] == 0, f"{name}: robust listed no absent memory")
            check(r["handler_failures"] == 0, f"{name}: robust's handler never failed")
            # crash-exhaustive: a crash after every store of the chosen updates
            check(r["exhaustive_no_dump"] == 0, f"{name}: robust took a dump at every exhaustive crash")
            check(r["exhaustive_dumps_missing_online_memory"] == 0,
                  f"{name}: robust lost no online memory at any exhaustive crash")
            check(r["exhaustive_dumps_including_absent_memory"] == 0,
                  f"{name}: robust listed no absent memory at any exhaustive crash")
            check(r["exhaustive_complete"] == r["exhaustive_crashes"],
                  f"{name}: every exhaustive dump complete and read as the readers read it "
                  f"({r['exhaustive_complete']}/{r['exhaustive_crashes']})")
        for between in (True, False):
            name = f"bridge-uncut{'' if between else '-no-crash-between'}-x86_64.sc"
            res = sim(crashhp, work, name, bridge_uncut_at_removal(between))
            if not res:
                continue
            table(name, res)
            r = res["robust"]
            # The reserve's cost, measured: every dump but the last misses
            # the DIMM left out (see the docstring); the crashkernel bridge
            # is the other capacity cost, counted apart.
            check(r["capacity_merges"] >= 2 and r["slots_peak"] == r["slots_total"],
                  f"{name}: robust's header was full, the DIMM's block bridged")
            crashes = 4 if between else 3
            check(r["dumps_taken"] == r["crashes"] == crashes,
                  f"{name}: robust took every dump")
            check(r["dumps_including_absent_memory"] == 0 and r["absent_bytes"] == 0,
                  f"{name}: robust lists no absent memory (got {r['dumps_including_absent_memory']} "
                  f"dumps, {r['absent_bytes']} bytes)")
            left_out = crashes - 1
            check((r["dumps_missing_online_memory"], r["missing_bytes"], r["handler_failures"])
                  == (left_out, left_out * (32 << 20), 1),
                  f"{name}: robust leaves the one DIMM refused by the reserve out of {left_out} "
                  f"dumps, one handler failure, the last dump complete (got "
                  f"{r['dumps_missing_online_memory']} dumps, {r['missing_bytes']} bytes, "
                  f"{r['handler_failures']} failures)")
        name = "offline-kept-x86_64.sc"
        res = sim(crashhp, work, name, offline_kept_at_capacity())
        if res:
            table(name, res)
            r = res["robust"]
            check(r["slots_peak"] == r["slots_total"] and r["dumps_taken"] == r["crashes"] == 3,
                  f"{name}: robust's header was full, every dump taken")
            check((r["dumps_including_offline_memory"], r["offline_bytes"]) == (1, 32 << 20),
                  f"{name}: robust keeps the offline block listed at the first crash (got "
                  f"{r['dumps_including_offline_memory']} dumps, {r['offline_bytes']} bytes)")
            check((r["dumps_missing_online_memory"], r["missing_bytes"], r["handler_failures"])
                  == (1, 32 << 20, 1),
                  f"{name}: robust misses online memory only after the removal's cut with no "
                  f"slot (got {r['dumps_missing_online_memory']} dumps, {r['missing_bytes']} "
                  f"bytes, {r['handler_failures']} failures)")
            check(r["dumps_including_absent_memory"] == 0, f"{name}: robust lists no absent memory")
        for arch in ("x86_64", "ppc64"):
            name = f"overfull-{arch}.sc"
            res = sim(crashhp, work, name, too_many_ranges(arch))
            if not res:
                continue
            table(name, res)
            for policy, r in res.items():
                if arch == "x86_64":
                    check(r["failed_loads"] == 1, f"{name}: {policy}: the reload was refused")
                    check(r["no_dump"] == 0 and r["dumps_taken"] == r["crashes"],
                          f"{name}: {policy}: the old image still dumps after the refused reload")
                else:
                    # load_elfcorehdr_segment() sizes the header to the ranges at
                    # load (kdump_extra_elfcorehdr_size() 0 past the maximum): fits.
                    check(r["failed_loads"] == 0, f"{name}: {policy}: the reload fits (sized at load)")
                    check(r["dumps_missing_online_memory"] == 1 and r["dumps_taken"] == r["crashes"],
                          f"{name}: {policy}: only the crash before the reload misses memory")
                check(r["dumps_including_absent_memory"] == 0, f"{name}: {policy}: nothing absent listed")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
