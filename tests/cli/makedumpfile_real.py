#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""inspect and verify on real makedumpfile output, both forms: the
kdump-compressed file and the flattened stream (-F) that Debian's
makedumpfile 1.7.2 wrote from a lab vmcore (tests/fixtures/makedumpfile/README).

The flattened records are read here too, by struct with the byte order
makedumpfile's write_buffer() gives them (big endian: it swaps on a
little-endian host), and put back together: the same bytes as the
kdump-compressed file.  The lab vmcore they were made from is made again
(crashhp sim + mklabcore.py) and verify must give the three files the same
verdict: COMPLETE against the lab machine's files, INCOMPLETE with the same
findings when the machine has one more block online.  With makedumpfile
installed, its own -R and a fresh -c -d 1 run are compared as well.

usage: makedumpfile_real.py CRASHHP SRCDIR"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

from checks import check, run, summary

MACHINE = ["--ram", "192M", "--block-size", "64M", "--crashkernel", "16M", "--cpus", "2:2:2"]


def unflatten(path):
    """makedumpfile -R by hand: a 4 KiB header ("makedumpfile", type 1,
    version 1), then (offset, size) big-endian records each followed by its
    data, ended by (-1, -1)."""
    out = bytearray()
    with open(path, "rb") as f:
        head = f.read(4096)
        check(head[:13] == b"makedumpfile\0" and struct.unpack_from(">qq", head, 16) == (1, 1),
              "the flattened header: signature, type 1 and version 1 big endian")
        while True:
            off, size = struct.unpack(">qq", f.read(16))
            if off < 0:
                check((off, size) == (-1, -1), f"the end record is (-1, -1): ({off}, {size})")
                break
            data = f.read(size)
            if len(out) < off + size:
                out.extend(b"\0" * (off + size - len(out)))
            out[off:off + size] = data
    return bytes(out)


def verdict(crashhp, sysroot, path):
    """verify's exit status, its text without the file's name, its JSON
    without the file's name."""
    r = run(crashhp, "verify", "--sysroot", sysroot, path)
    j = run(crashhp, "verify", "--sysroot", sysroot, "--json", path)
    doc = json.loads(j.stdout or "{}")
    doc.pop("file", None)
    return r.returncode, r.stdout.replace(path, "FILE"), doc


def main():
    crashhp, src = os.path.abspath(sys.argv[1]), sys.argv[2]
    fx = os.path.join(src, "tests", "fixtures", "makedumpfile")
    d = tempfile.mkdtemp(prefix="crashhp-mdf-", dir=os.environ.get("TMPDIR"))
    try:
        os.chdir(d)
        for name in ("lab.kdump", "lab.flat"):
            with gzip.open(os.path.join(fx, name + ".gz")) as g, open(name, "wb") as f:
                shutil.copyfileobj(g, f)
        kdump = open("lab.kdump", "rb").read()
        check(unflatten("lab.flat") == kdump,
              "the flattened records, read big endian here, rebuild the kdump-compressed file")

        docs = {}
        for name in ("lab.kdump", "lab.flat"):
            r = run(crashhp, "inspect", "--json", name)
            check(r.returncode == 0, f"inspect --json {name}: exit {r.returncode} {r.stderr.strip()}")
            docs[name] = json.loads(r.stdout or "{}")
            t = run(crashhp, "inspect", name)
            check(t.returncode == 0 and "6.12.0-crashhp-lab, x86_64" in t.stdout,
                  f"inspect {name}: the kernel the header names: {t.stdout[:200]!r}")
        k, fl = docs["lab.kdump"], docs["lab.flat"]
        check(fl.get("flattened") is True and k.get("flattened") is False, "the flattened one is said to be")
        check({a: b for a, b in k.items() if a not in ("file", "flattened")} ==
              {a: b for a, b in fl.items() if a not in ("file", "flattened")},
              "both forms read the same")
        # The header's own fields (diskdump_mod.h), read here.
        block, = struct.unpack_from("<i", kdump, 428)
        release = kdump[12 + 130:12 + 195].split(b"\0")[0].decode()
        check(k.get("release") == release and k.get("page_size") == block and k.get("dump_level") == 1,
              f"release {k.get('release')!r}, page size {k.get('page_size')}, dump level "
              f"{k.get('dump_level')} as the header says ({release!r}, {block}, -d 1)")
        check(k.get("ram") == [{"start": "0x100000", "last": "0x9ffffff", "dumped_bytes": 0x9f00000},
                               {"start": "0xb000000", "last": "0xbffffff", "dumped_bytes": 0x1000000}],
              f"the RAM the capture kernel's /proc/vmcore listed: {k.get('ram')}")

        # The ELF vmcore they were made from, made again.
        sim = run(crashhp, "sim", *MACHINE, "--vmcore", "small.elf")
        check(sim.returncode == 0, f"sim --vmcore: exit {sim.returncode} {sim.stderr.strip()}")
        subprocess.run([sys.executable, os.path.join(fx, "mklabcore.py"), "small.elf", "lab.elf"],
                       check=True)
        os.unlink("small.elf")
        files = ["lab.elf", "lab.kdump", "lab.flat"]
        if shutil.which("makedumpfile"):
            subprocess.run(["makedumpfile", "-R", "lab.R"], stdin=open("lab.flat", "rb"),
                           capture_output=True, check=False)
            check(os.path.exists("lab.R") and open("lab.R", "rb").read() == kdump,
                  "makedumpfile -R rebuilds the kept kdump-compressed file from the kept flat one")
            r = subprocess.run(["makedumpfile", "-c", "-d", "1", "lab.elf", "fresh.kdump"],
                               capture_output=True, text=True, check=False)
            check(r.returncode == 0, f"makedumpfile -c -d 1 reads the lab vmcore: {r.stdout[-200:]}")
            files.append("fresh.kdump")
        sysroot = os.path.join(d, "sysroot")
        subprocess.run(["sh", os.path.join(src, "tests", "fixtures", "mksysroot.sh"), "lab-192m",
                        sysroot], check=True)
        want = verdict(crashhp, sysroot, "lab.elf")
        check(want[0] == 0 and want[2].get("complete") is True,
              f"the ELF vmcore is COMPLETE against its machine: exit {want[0]}")
        for f in files[1:]:
            got = verdict(crashhp, sysroot, f)
            check(got == want, f"verify {f}: the ELF's verdict, exit {got[0]}"
                  + ("" if got == want else f"\n{got[1]}--- ELF\n{want[1]}"))
        # One more block online: memory none of the dumps hold.
        with open(os.path.join(sysroot, "proc", "iomem"), "a") as f:
            f.write("0c000000-0fffffff : System RAM\n")
        m = os.path.join(sysroot, "sys", "devices", "system", "memory", "memory3")
        os.makedirs(m)
        for name, value in (("state", "online"), ("phys_index", "00000003"), ("removable", "1"),
                            ("valid_zones", "Movable")):
            with open(os.path.join(m, name), "w") as f:
                f.write(value + "\n")
        want = verdict(crashhp, sysroot, "lab.elf")
        check(want[0] == 1 and want[2].get("complete") is False and "0xc000000" in want[1],
              f"the ELF vmcore misses the block online after: exit {want[0]}, {want[1]!r}")
        for f in files[1:]:
            got = verdict(crashhp, sysroot, f)
            check(got == want, f"verify {f} misses it the same: exit {got[0]}"
                  + ("" if got == want else f"\n{got[1]}--- ELF\n{want[1]}"))

        # makedumpfile -E -F: a flattened ELF dump, named as such.
        if shutil.which("makedumpfile"):
            with open("elf.flat", "wb") as out:
                subprocess.run(["makedumpfile", "-E", "-F", "-d", "1", "lab.elf"], stdout=out,
                               stderr=subprocess.DEVNULL, check=False)
            r = run(crashhp, "inspect", "elf.flat")
            check(r.returncode == 3 and "makedumpfile -R" in r.stderr,
                  f"a flattened ELF dump is refused with the way to read it: exit {r.returncode} "
                  f"{r.stderr.strip()!r}")
    finally:
        shutil.rmtree(d)
    return summary()


sys.exit(main())
