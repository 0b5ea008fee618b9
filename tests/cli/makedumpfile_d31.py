#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""inspect and verify on a real `makedumpfile -c -d 31` dump of a lab
vmcore: tests/fixtures/makedumpfile/lab31.kdump, written by Debian's
makedumpfile 1.7.2 from a lab vmcore whose machine mklabcore.py
--struct-pages gave a page array, each page a kind (kernel, free, user,
cache, private cache; mklabcore.plan()).

-d 31 leaves out free, user and cache pages (makedumpfile(8): "Pages of the
specified type are not copied to DUMPFILE"); the kdump-compressed format
keeps them in its first bitmap (the RAM /proc/vmcore listed) and drops them
from the second (the pages in the file).  So they are still covered: the
header described them, makedumpfile chose to leave them out.  verify must
say COMPLETE and name how much was left out, never report it missing; a
block the header did not cover is missing all the same.

Checked against what nobody here wrote: makedumpfile's own report of the
pages it excluded (when installed; its fresh run must also write the kept
file again), and the second bitmap read here with struct, both against the
plan.

usage: makedumpfile_d31.py CRASHHP SRCDIR"""
import gzip
import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

from checks import check, run, summary
from labmachine import MACHINE, make_sysroot, online_block3

PAGE = 4096


def load_plan(fx):
    spec = importlib.util.spec_from_file_location("mklabcore", os.path.join(fx, "mklabcore.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.plan()


def second_bitmap_pfns(raw):
    """The pfns the file holds, read from its second bitmap (diskdump_mod.h)."""
    block, sub, bitmap = struct.unpack_from("<iiI", raw, 428)
    mapnr, = struct.unpack_from("<Q", raw, block + 96)
    second = (1 + sub) * block + bitmap * block // 2
    return {pfn for pfn in range(mapnr) if raw[second + pfn // 8] >> (pfn % 8) & 1}


def elf_loads(path):
    """(p_type, p_offset, p_vaddr, p_filesz, p_memsz) of an ELF64 little endian file."""
    raw = open(path, "rb").read(1 << 16)
    phoff, = struct.unpack_from("<Q", raw, 32)
    phentsize, phnum = struct.unpack_from("<HH", raw, 54)
    out = []
    for i in range(phnum):
        typ, _, off, vaddr, _, filesz, memsz, _ = struct.unpack_from("<IIQQQQQQ", raw, phoff + i * phentsize)
        out.append((typ, off, vaddr, filesz, memsz))
    return out


def main():
    crashhp, src = os.path.abspath(sys.argv[1]), sys.argv[2]
    fx = os.path.join(src, "tests", "fixtures", "makedumpfile")
    plan = load_plan(fx)
    pages = {}
    for first, last, kind, _ in plan:
        pages[kind] = pages.get(kind, 0) + last - first + 1
    kernel = {pfn for first, last, kind, _ in plan if kind == "kernel" for pfn in range(first, last + 1)}
    ram_pages = sum(pages.values())
    d = tempfile.mkdtemp(prefix="crashhp-d31-", dir=os.environ.get("TMPDIR"))
    try:
        os.chdir(d)
        with gzip.open(os.path.join(fx, "lab31.kdump.gz")) as g, open("lab31.kdump", "wb") as f:
            shutil.copyfileobj(g, f)
        raw = open("lab31.kdump", "rb").read()
        check(raw[:8] == b"KDUMP   " and struct.unpack_from("<i", raw, 4096 + 8)[0] == 31,
              "the kept file is kdump-compressed, dump level 31 in its sub-header")
        held = second_bitmap_pfns(raw)
        check(held == kernel, f"its second bitmap holds exactly the plan's kernel pages: {len(held)} "
              f"pfns, the plan {len(kernel)}; free, user and cache pages left out")

        # makedumpfile's own account, from the vmcore made again.
        sim = run(crashhp, "sim", *MACHINE, "--vmcore", "small.elf")
        check(sim.returncode == 0, f"sim --vmcore: exit {sim.returncode} {sim.stderr.strip()}")
        subprocess.run([sys.executable, os.path.join(fx, "mklabcore.py"), "--struct-pages",
                        "small.elf", "lab31.elf"], check=True)
        os.unlink("small.elf")
        if shutil.which("makedumpfile"):
            r = subprocess.run(["makedumpfile", "-c", "-d", "31", "--message-level", "31",
                                "lab31.elf", "fresh.kdump"], capture_output=True, text=True,
                               check=False)
            check(r.returncode == 0 and open("fresh.kdump", "rb").read() == raw,
                  f"makedumpfile -c -d 31 writes the kept file again: exit {r.returncode}")
            report = {k.strip(): int(v, 16) for k, v in
                      re.findall(r"^\s*([A-Za-z -]+pages)\s*:\s*0x([0-9a-f]+)", r.stdout + r.stderr, re.M)}
            want = {"Non-private cache pages": pages["cache"], "Private cache pages": pages["cache-private"],
                    "User process data pages": pages["user"], "Free pages": pages["free"]}
            check({k: report.get(k) for k in want} == want,
                  f"makedumpfile's report of the pages it left out is the plan's: {report} vs {want}")

        # inspect: dump level 31, the pages in the file, the rest filtered out.
        r = run(crashhp, "inspect", "--json", "lab31.kdump")
        doc = json.loads(r.stdout or "{}")
        check(r.returncode == 0 and doc.get("dump_level") == 31 and
              doc.get("ram_bytes") == ram_pages * PAGE and doc.get("dumped_bytes") == len(kernel) * PAGE,
              f"inspect --json: dump level {doc.get('dump_level')}, RAM {doc.get('ram_bytes')} "
              f"(plan {ram_pages * PAGE}), in the file {doc.get('dumped_bytes')} (plan {len(kernel) * PAGE})")
        t = run(crashhp, "inspect", "lab31.kdump")
        check(t.returncode == 0 and "dump level 31 (makedumpfile -d)" in t.stdout and
              "175 MiB of RAM in 2 ranges; 37.0 MiB in the file, 138.0 MiB filtered out" in t.stdout,
              f"inspect says what is in the file and what was filtered out: {t.stdout!r}")

        # verify: covered, not missing; the amount left out named.
        sysroot = os.path.join(d, "sysroot")
        make_sysroot(src, sysroot)
        left_out = (ram_pages - len(kernel)) * PAGE
        # The plain ELF dump (makedumpfile -E -d 31, not flattened): nothing marks its
        # writer but its RAM LOADs short of p_memsz, which /proc/vmcore never writes.
        with gzip.open(os.path.join(fx, "lab31-elf.elf.gz")) as g, open("lab31-e.elf", "wb") as f:
            shutil.copyfileobj(g, f)
        if shutil.which("makedumpfile"):
            r = subprocess.run(["makedumpfile", "-E", "-d", "31", "lab31.elf", "fresh-e.elf"],
                               capture_output=True, text=True, check=False)
            check(r.returncode == 0 and open("fresh-e.elf", "rb").read() == open("lab31-e.elf", "rb").read(),
                  f"makedumpfile -E -d 31 writes the kept plain ELF dump again: exit {r.returncode}")
        e_kept = sum(filesz for typ, _, vaddr, filesz, _ in elf_loads("lab31-e.elf")
                     if typ == 1 and vaddr >= 0xffff888000000000 and vaddr < 0xffffc88000000000)
        r = run(crashhp, "verify", "--sysroot", sysroot, "--json", "lab31-e.elf")
        v = json.loads(r.stdout or "{}")
        check(r.returncode == 0 and v.get("complete") is True and v.get("missing_bytes") == 0 and
              v.get("covered_bytes") == ram_pages * PAGE and v.get("filtered_inferred") is True and
              v.get("filtered_bytes") == ram_pages * PAGE - e_kept and v.get("findings") == [],
              f"verify --json of the plain -E -d 31 dump: complete, {v.get('filtered_bytes')} bytes "
              f"left out (its RAM LOADs hold {e_kept}), inferred {v.get('filtered_inferred')}: "
              f"exit {r.returncode} {r.stdout[:400]!r}")
        t = run(crashhp, "verify", "--sysroot", sysroot, "lab31-e.elf")
        check(t.returncode == 0 and t.stdout.splitlines()[1:] == [
            "  171.0 MiB of it not in the file: left out by makedumpfile -d, the admin's choice, "
            "not missing (inferred from p_filesz < p_memsz, which a kdump-loaded elfcorehdr never has)",
            "COMPLETE"], f"verify of the plain -E dump names what -d left out: {t.stdout!r}")

        for path in ("lab31.elf", "lab31.kdump"):
            r = run(crashhp, "verify", "--sysroot", sysroot, "--json", path)
            v = json.loads(r.stdout or "{}")
            elf = path.endswith(".elf")
            check(r.returncode == 0 and v.get("complete") is True and v.get("missing_bytes") == 0 and
                  v.get("covered_bytes") == ram_pages * PAGE and
                  v.get("filtered_bytes") == (0 if elf else left_out) and
                  v.get("dump_level") == (None if elf else 31),
                  f"verify --json {path}: complete, all {ram_pages} pages covered, "
                  f"{v.get('filtered_bytes')} bytes left out (plan {0 if elf else left_out}): exit {r.returncode}")
        t = run(crashhp, "verify", "--sysroot", sysroot, "lab31.kdump")
        check(t.returncode == 0 and t.stdout.splitlines()[1:] == [
            "  138.0 MiB of it not in the file: left out by makedumpfile -d 31 (zero, cache, private "
            "cache, user, free pages), the admin's choice, not missing", "COMPLETE"],
              f"verify names what -d 31 left out and says COMPLETE: {t.stdout!r}")

        # One more block online: missing, and only it.
        online_block3(sysroot)
        r = run(crashhp, "verify", "--sysroot", sysroot, "--json", "lab31.kdump")
        v = json.loads(r.stdout or "{}")
        kinds = [(f.get("kind"), f.get("detail")) for f in v.get("findings", [])]
        check(r.returncode == 1 and v.get("missing_bytes") == 64 << 20 and
              kinds == [("missing-memory", "online memory missing [0xc000000, 0xfffffff] (67108864 bytes)")],
              f"a block the header missed is missing, the pages -d 31 left out are not: "
              f"exit {r.returncode}, {kinds}")
    finally:
        shutil.rmtree(d)
    return summary()


sys.exit(main())
