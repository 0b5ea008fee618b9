#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Cross-check what crashhp writes with tools nobody here wrote.

For lab machines of each architecture, the elfcorehdr and the vmcore that
`crashhp sim` writes are read by readelf -lW, eu-readelf -l and
`crashhp inspect --json`; every program header must agree field by field.
readelf -n must list the vmcore's notes as inspect does, and gdb must show
one thread per online CPU in an x86_64 vmcore.  The PN_XNUM core made by
gen_corpus must read the same in all three, and so must its free-slot vmcore:
robust's freed slot is a PT_NULL kept in place, every field 0.

usage: crosscheck.py CRASHHP GEN_CORPUS
"""
import json
import os
import re
import shutil
import sys
import tempfile

from checks import check, run, summary

CRASHHP, GEN_CORPUS = (os.path.abspath(p) for p in sys.argv[1:3])

PHDR_RE = re.compile(
    r"^\s+(NOTE|LOAD|\S+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+"
    r"(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s(.{3})\s(0x[0-9a-f]+|0)\s*$")




def phdrs_from(tool_output):
    out = []
    for line in tool_output.splitlines():
        m = PHDR_RE.match(line)
        if m:
            t, off, va, pa, fs, ms, fl, al = m.groups()
            out.append((t, int(off, 16), int(va, 16), int(pa, 16), int(fs, 16),
                        int(ms, 16), fl.replace(" ", ""), int(al, 16) if al != "0" else 0))
    return out


def phdrs_from_inspect(doc):
    return [(p["type"], int(p["offset"], 16), int(p["vaddr"], 16), int(p["paddr"], 16),
             p["filesz"], p["memsz"], p["flags"].replace("-", ""), p["align"])
            for p in doc["program_headers"]]


def phdrs_from_table(text):
    """inspect's raw table (-r -n -b, libsmartcols): the same tuple as the others.
    Raw output writes a blank inside a cell as \\x20, as lsblk -r does."""
    out = []
    for line in text.splitlines():
        t, off, va, pa, fs, ms, fl, al = line.split(" ", 7)
        out.append((t, int(off, 16), int(va, 16), int(pa, 16), int(fs), int(ms),
                    fl.replace("-", ""), int(al)))
    return out


def compare_phdrs(path, label):
    table = run(CRASHHP, "inspect", "-r", "-n", "-b", "-o",
                "TYPE,OFFSET,VADDR,PADDR,FILESZ,MEMSZ,FLAGS,ALIGN", path)
    ins = run(CRASHHP, "inspect", "--json", path)
    check(ins.returncode == 0, f"{label}: crashhp inspect exits 0 ({ins.stderr.strip()})")
    if ins.returncode:
        return None
    doc = json.loads(ins.stdout)
    ours = phdrs_from_inspect(doc)
    rows = [l for l in table.stdout.splitlines() if re.match(r"^[A-Z]+ 0x", l)]
    check(phdrs_from_table("\n".join(rows)) == ours,
          f"{label}: inspect's table (-r -b -o) shows what its JSON does ({len(rows)} rows)")
    for tool in (["readelf", "-lW"], ["eu-readelf", "-l"]):
        res = run(*tool, path)
        theirs = phdrs_from(res.stdout)
        check(len(theirs) == len(ours) and theirs == ours,
              f"{label}: {tool[0]} reads the same {len(ours)} program headers"
              + ("" if theirs == ours else f" (first differing: "
                 f"{next((a, b) for a, b in zip(ours + [None] * 9, theirs + [None] * 9) if a != b)})"))
    return doc


def check_notes(path, doc, label, online):
    res = run("readelf", "-n", path)
    owners = re.findall(r"^\s+(CORE|VMCOREINFO)\s+0x([0-9a-f]+)\s+(.*)$", res.stdout, re.M)
    theirs = [(o, int(size, 16)) for o, size, _ in owners]
    ours = [(n["name"], n["descsz"]) for n in doc["notes"]]
    check(theirs == ours, f"{label}: readelf -n lists the same {len(ours)} notes")
    prstatus = [d for o, _, d in owners if o == "CORE" and "NT_PRSTATUS" in d]
    check(len(prstatus) == online, f"{label}: readelf -n finds {online} NT_PRSTATUS")


def check_gdb(path, label, online):
    if not shutil.which("gdb"):
        check(False, f"{label}: gdb is not installed")
        return
    res = run("gdb", "-nx", "-batch", "-ex", "info threads", "-c", path)
    lwps = sorted(int(x) for x in re.findall(r"^\*?\s+\d+\s+LWP (\d+)", res.stdout, re.M))
    check(lwps == list(range(1, online + 1)),
          f"{label}: gdb lists one thread per online CPU (LWPs {lwps})")


def main():
    work = tempfile.mkdtemp(prefix="crashhp-crosscheck-")
    try:
        machines = [
            ("x86_64", ["--ram", "256M", "--crashkernel", "64M", "--cpus", "6:4:3"], 3),
            ("ppc64", ["--ram", "512M", "--crashkernel", "64M", "--cpus", "4:2:2"], 2),
            ("ppc64le", ["--ram", "512M", "--crashkernel", "64M", "--cpus", "3:3:3",
                         "--load", "segments"], 3),
        ]
        for arch, opts, online in machines:
            hdr = os.path.join(work, arch + ".hdr")
            core = os.path.join(work, arch + ".vmcore")
            sim = run(CRASHHP, "sim", "--arch", arch, *opts, "--elfcorehdr", hdr,
                      "--vmcore", core)
            check(sim.returncode == 0, f"{arch}: sim verifies its dump ({sim.stderr.strip()})")
            if sim.returncode:
                continue
            compare_phdrs(hdr, f"{arch} elfcorehdr")
            doc = compare_phdrs(core, f"{arch} vmcore")
            if doc:
                check_notes(core, doc, f"{arch} vmcore", online)
            if arch == "x86_64":
                check_gdb(core, f"{arch} vmcore", online)
            os.unlink(core)
        gen = run(GEN_CORPUS, work)
        check(gen.returncode == 0, "gen_corpus writes the corpus")
        doc = compare_phdrs(os.path.join(work, "pn-xnum.core"), "PN_XNUM core")
        check(doc is not None and len(doc["program_headers"]) == 70001,
              "PN_XNUM core: 70001 program headers from section 0")
        doc = compare_phdrs(os.path.join(work, "free-slot.vmcore"), "free-slot vmcore")
        nulls = [p for p in phdrs_from_inspect(doc)[1:] if p[0] == "NULL"] if doc else []
        check(len(nulls) == 1 and nulls[0][1:6] == (0, 0, 0, 0, 0),
              f"free-slot vmcore: one PT_NULL after the notes, spanning nothing ({nulls})")
    finally:
        shutil.rmtree(work)
    return summary("cross-check failures")


if __name__ == "__main__":
    sys.exit(main())
