#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""inspect and verify on real makedumpfile output, every form: the
kdump-compressed file, the flattened stream (-F) of it, and the flattened
ELF dump (-E -F) that Debian's makedumpfile 1.7.2 wrote from a lab vmcore
(tests/fixtures/makedumpfile/README).

The flattened records are read here too, by struct with the byte order
makedumpfile's write_buffer() gives them (big endian: it swaps on a
little-endian host), and put back together: the same bytes as the
kdump-compressed file.  The lab vmcore they were made from is made again
(crashhp sim + mklabcore.py) and verify must give the three files the same
verdict: COMPLETE against the lab machine's files, INCOMPLETE with the same
findings when the machine has one more block online.  The flattened ELF
one's program headers are readelf's of its records put back together.
With makedumpfile installed, its own -R and fresh -c -d 1 and -E -F -d 1
runs are compared as well.  Then flattened files cut short or garbled:
exit 3, the record or field named, one line.

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
from labmachine import MACHINE, make_sysroot, online_block3



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


def verdict(crashhp, sysroot, path, filtered=None):
    """verify's exit status, its text without the file's name, its JSON
    without the file's name.  What makedumpfile's -d left out of the file
    differs from form to form (kdump-compressed keeps zero pages, -E drops
    them): its line and fields are put in `filtered` (a dict) instead."""
    r = run(crashhp, "verify", "--sysroot", sysroot, path)
    j = run(crashhp, "verify", "--sysroot", sysroot, "--json", path)
    doc = json.loads(j.stdout or "{}")
    doc.pop("file", None)
    lines = r.stdout.replace(path, "FILE").splitlines(keepends=True)
    if filtered is not None:
        filtered["line"] = "".join(ln for ln in lines if "not in the file" in ln)
        for key in ("filtered_bytes", "filtered_inferred", "dump_level"):
            filtered[key] = doc.pop(key, "absent")
    return r.returncode, "".join(ln for ln in lines if "not in the file" not in ln or filtered is None), doc


def main():
    crashhp, src = os.path.abspath(sys.argv[1]), sys.argv[2]
    fx = os.path.join(src, "tests", "fixtures", "makedumpfile")
    d = tempfile.mkdtemp(prefix="crashhp-mdf-", dir=os.environ.get("TMPDIR"))
    try:
        os.chdir(d)
        for name in ("lab.kdump", "lab.flat", "lab-elf.flat", "lab-noutsname.kdump"):
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

        # RAM from physical address 0 (ppc64's always does): the first bitmap's bit 0 set.
        block, sub = struct.unpack_from("<ii", kdump, 428)
        low = bytearray(kdump)
        low[(1 + sub) * block] |= 1
        with open("low.kdump", "wb") as f:
            f.write(low)
        t = run(crashhp, "inspect", "low.kdump")
        check(t.returncode == 0 and "  RAM          [0x0000000000000000-0x0000000000000fff]" in t.stdout,
              f"a RAM range from 0 is printed 0x0000000000000000, as every other: {t.stdout[-300:]!r}")

        # makedumpfile -E -F: the records put back together are an ELF dump, read as one.
        elf_r = unflatten("lab-elf.flat")
        check(elf_r[:4] == b"\x7fELF", "the -E -F records rebuild an ELF file")
        with open("lab-elf.R", "wb") as f:
            f.write(elf_r)
        r = run(crashhp, "inspect", "--json", "lab-elf.flat")
        check(r.returncode == 0, f"inspect --json lab-elf.flat: exit {r.returncode} {r.stderr.strip()}")
        e = json.loads(r.stdout or "{}")
        check(e.get("kind") == "vmcore" and e.get("flattened") is True and e.get("arch") == "x86_64",
              f"inspect: a flattened x86_64 vmcore: {e.get('kind')}, {e.get('flattened')}, {e.get('arch')}")
        if shutil.which("readelf"):
            rl = subprocess.run(["readelf", "-lW", "lab-elf.R"], capture_output=True, text=True,
                                check=True).stdout
            want_ph = [(f[0], int(f[1], 16), int(f[2], 16), int(f[3], 16), int(f[4], 16), int(f[5], 16))
                       for f in (ln.split() for ln in rl.splitlines()) if f and f[0] in ("NOTE", "LOAD")]
            got_ph = [(p["type"], int(p["offset"], 16), int(p["vaddr"], 16), int(p["paddr"], 16),
                       p["filesz"], p["memsz"]) for p in e.get("program_headers", [])]
            check(got_ph == want_ph and len(want_ph) > 4,
                  f"inspect's program headers are readelf's of the rebuilt file:\n{got_ph}\n{want_ph}")
        t = run(crashhp, "inspect", "lab-elf.flat")
        check(t.returncode == 0 and t.stdout.startswith(
            "lab-elf.flat: vmcore, x86_64, little endian, read from its flattened form "
            "(makedumpfile -E -F)\n") and "VMCOREINFO" in t.stdout,
              f"inspect lab-elf.flat says what it read: {t.stdout[:120]!r}")

        # The ELF vmcore they were made from, made again.
        sim = run(crashhp, "sim", *MACHINE, "--vmcore", "small.elf")
        check(sim.returncode == 0, f"sim --vmcore: exit {sim.returncode} {sim.stderr.strip()}")
        subprocess.run([sys.executable, os.path.join(fx, "mklabcore.py"), "small.elf", "lab.elf"],
                       check=True)
        subprocess.run([sys.executable, os.path.join(fx, "mklabcore.py"), "--no-vmcoreinfo",
                        "small.elf", "bare.elf"], check=True)
        os.unlink("small.elf")
        # lab-elf.R: the plain (unflattened) -E dump, no mark of its writer but its short LOADs.
        files = ["lab.elf", "lab.kdump", "lab.flat", "lab-elf.flat", "lab-elf.R"]
        if shutil.which("makedumpfile"):
            subprocess.run(["makedumpfile", "-R", "lab.R"], stdin=open("lab.flat", "rb"),
                           capture_output=True, check=False)
            check(os.path.exists("lab.R") and open("lab.R", "rb").read() == kdump,
                  "makedumpfile -R rebuilds the kept kdump-compressed file from the kept flat one")
            r = subprocess.run(["makedumpfile", "-c", "-d", "1", "lab.elf", "fresh.kdump"],
                               capture_output=True, text=True, check=False)
            check(r.returncode == 0, f"makedumpfile -c -d 1 reads the lab vmcore: {r.stdout[-200:]}")
            files.append("fresh.kdump")
            r = subprocess.run(["makedumpfile", "-c", "-d", "1", "bare.elf", "fresh-bare.kdump"],
                               capture_output=True, text=True, check=False)
            check(r.returncode == 0 and open("fresh-bare.kdump", "rb").read() ==
                  open("lab-noutsname.kdump", "rb").read(),
                  f"makedumpfile -c -d 1 without VMCOREINFO writes the kept dump again: exit {r.returncode}")
            with open("fresh-elf.flat", "wb") as out:
                r = subprocess.run(["makedumpfile", "-E", "-F", "-d", "1", "lab.elf"], stdout=out,
                                   stderr=subprocess.PIPE, text=True, check=False)
            check(r.returncode == 0 and open("fresh-elf.flat", "rb").read() ==
                  open("lab-elf.flat", "rb").read(),
                  f"makedumpfile -E -F -d 1 writes the kept flattened ELF dump again: exit {r.returncode}")
            subprocess.run(["makedumpfile", "-R", "mdf-elf.R"], stdin=open("lab-elf.flat", "rb"),
                           capture_output=True, check=False)
            check(os.path.exists("mdf-elf.R") and open("mdf-elf.R", "rb").read() == elf_r,
                  "makedumpfile -R rebuilds the flattened ELF dump as the records read here do")
        sysroot = os.path.join(d, "sysroot")
        make_sysroot(src, sysroot)
        filtered = {}
        want = verdict(crashhp, sysroot, "lab.elf", filtered)
        check(want[0] == 0 and want[2].get("complete") is True and filtered ==
              {"line": "", "filtered_bytes": 0, "filtered_inferred": False, "dump_level": None},
              f"the ELF vmcore is COMPLETE against its machine, nothing filtered: exit {want[0]}, {filtered}")
        for f in files[1:]:
            filtered = {}
            got = verdict(crashhp, sysroot, f, filtered)
            check(got == want, f"verify {f}: the ELF's verdict, exit {got[0]}"
                  + ("" if got == want else f"\n{got[1]}--- ELF\n{want[1]}"))
            # -d 1: the kdump-compressed form keeps zero pages (one shared page of
            # zeros), -E leaves them out past p_filesz: all of RAM but 10 pages.
            if f.endswith(".kdump") or f == "lab.flat":
                check(filtered == {"line": "", "filtered_bytes": 0, "filtered_inferred": False,
                                   "dump_level": 1},
                      f"verify {f}: nothing left out by -d 1: {filtered}")
            else:
                inferred = f == "lab-elf.R"
                check(filtered["dump_level"] is None and filtered["filtered_inferred"] is inferred and
                      filtered["line"].endswith(" (inferred from p_filesz < p_memsz, which a "
                                                "kdump-loaded elfcorehdr never has)\n" if inferred else "not missing\n") and
                      filtered["filtered_bytes"] ==
                      want[2]["covered_bytes"] - 10 * 4096 and filtered["line"].startswith(
                          "  175.0 MiB of it not in the file: left out by makedumpfile -d, the "
                          "admin's choice, not missing"),
                      f"verify {f}: -E's zero pages past p_filesz, all but the 10 with data, left "
                      f"out by -d (its level not recorded): {filtered}")
        # No VMCOREINFO: makedumpfile's header names no kernel and no architecture.
        bare = open("lab-noutsname.kdump", "rb").read()
        check(bare[:8] == b"KDUMP   " and bare[12:12 + 6 * 65] == bytes(6 * 65),
              "the kept dump without VMCOREINFO has an empty utsname (all six fields)")
        r = run(crashhp, "inspect", "lab-noutsname.kdump")
        check(r.returncode == 0 and "  kernel       not recorded: the utsname is empty" in r.stdout
              and "VMCOREINFO MISSING" in r.stdout,
              f"inspect of a dump with an empty utsname: exit {r.returncode} {r.stdout[:300]!r} {r.stderr!r}")
        r = run(crashhp, "inspect", "--json", "lab-noutsname.kdump")
        b = json.loads(r.stdout or "{}")
        check(r.returncode == 0 and b.get("arch", "") is None and b.get("release") == "" and
              b.get("vmcoreinfo") is False and b.get("ram") == k.get("ram"),
              f"inspect --json: arch null, release empty, the same RAM as with VMCOREINFO: {r.stdout[:200]!r}")
        code, text, doc = verdict(crashhp, sysroot, "lab-noutsname.kdump")
        kinds = {(f.get("kind"), f.get("class")) for f in doc.get("findings", [])}
        check(code == 1 and kinds == {("arch-unknown", "cannot-check"), ("vmcoreinfo", "discrepancy")}
              and "175 MiB of 175 MiB online memory covered, 2/2 CPU notes" in text,
              f"verify: every page and note judged, the architecture 'cannot-check', the missing "
              f"VMCOREINFO the one discrepancy: exit {code}\n{text}")

        # One more block online: memory none of the dumps hold.
        online_block3(sysroot)
        want = verdict(crashhp, sysroot, "lab.elf", {})
        check(want[0] == 1 and want[2].get("complete") is False and "0xc000000" in want[1],
              f"the ELF vmcore misses the block online after: exit {want[0]}, {want[1]!r}")
        for f in files[1:]:
            got = verdict(crashhp, sysroot, f, {})
            check(got == want, f"verify {f} misses it the same: exit {got[0]}"
                  + ("" if got == want else f"\n{got[1]}--- ELF\n{want[1]}"))

        # Flattened files cut short or garbled: exit 3, the record or field named, one line.
        sysroot_args = ["--sysroot", sysroot]
        for name in ("lab.flat", "lab-elf.flat"):
            data = open(name, "rb").read()
            recs, pos = [], 4096
            while True:
                off, size = struct.unpack_from(">qq", data, pos)
                if off < 0:
                    break
                recs.append((pos, off, size))
                pos += 16 + size
            bad = {}
            for cut in sorted({4096 + 8, recs[1][0] + 20, recs[-1][0] - 1, len(data) - 8}):
                bad[f"cut at {cut}"] = (data[:cut], "flattened record")
            # An offset past 2^63: a negative off_t to makedumpfile, printed unsigned here.
            at = recs[-1][0]
            bad["record offset 2^63"] = (data[:at] + struct.pack(">Q", 1 << 63) + data[at + 8:],
                                         "its offset field is 9223372036854775808 (0x8000000000000000)")
            bad["record size 2^64-2"] = (data[:at + 8] + struct.pack(">Q", (1 << 64) - 2) + data[at + 16:],
                                         "its size field is 18446744073709551614")
            for what, (b, want) in bad.items():
                with open("bad.flat", "wb") as f:
                    f.write(b)
                for cmd in (["inspect"], ["verify"] + sysroot_args):
                    r = run(crashhp, *cmd, "bad.flat")
                    check(r.returncode == 3 and r.stderr.startswith("crashhp: bad.flat: ") and want in r.stderr
                          and r.stderr.count("\n") == 1 and "-92233" not in r.stderr,
                          f"{cmd[0]} of {name} with {what}: exit {r.returncode}, {r.stderr.strip()!r}")
        # The ELF inside garbled: the ELF reader names the field; its data cut away: the LOAD named.
        elf_flat = open("lab-elf.flat", "rb").read()
        pos, ehdr_at, data_rec = 4096, None, None
        while True:
            off, size = struct.unpack_from(">qq", elf_flat, pos)
            if off < 0:
                break
            if off == 0 and size >= 64:
                ehdr_at = pos + 16
            if size > 4096:
                data_rec = (pos, 16 + size)
            pos += 16 + size
        b = bytearray(elf_flat)
        struct.pack_into("<H", b, ehdr_at + 0x38, 0xfff0)
        cases = {"e_phnum 0xfff0": (bytes(b), "e_phnum: 65520"),
                 "its page data gone": (elf_flat[:data_rec[0]] + elf_flat[sum(data_rec):],
                                        "(LOAD): data [")}
        # The kernel text's pieces must tile it: one moved 4 KiB up leaves a gap.
        pos, phdrs_at = 4096, []
        while True:
            off, size = struct.unpack_from(">qq", elf_flat, pos)
            if off < 0:
                break
            if off == 64:
                phdrs_at.append(pos + 16)
            pos += 16 + size
        b = bytearray(elf_flat)
        for at in phdrs_at[-1:]:  # makedumpfile writes the table twice; the last one counts
            ph = at + 2 * 56
            vaddr, paddr = struct.unpack_from("<QQ", b, ph + 16)
            check(vaddr == 0xffffffff81100000, f"program header 2 is a kernel text piece: {vaddr:#x}")
            struct.pack_into("<QQ", b, ph + 16, vaddr + 4096, paddr + 4096)
        with open("bad.flat", "wb") as f:
            f.write(b)
        r = run(crashhp, "verify", "--json", *sysroot_args, "bad.flat")
        v = json.loads(r.stdout or "{}")
        kinds = sorted({f["kind"] for f in v.get("findings", [])})
        check(r.returncode == 1 and kinds == ["kernel-text", "missing-memory"] and
              v.get("missing_bytes") == 64 << 20 and any(  # the block added above, as before
                  f["detail"] == "no LOAD for the kernel text at 0xffffffff81000000" for f in v["findings"]),
              f"verify of the flattened ELF dump with a kernel text piece moved: exit {r.returncode}, "
              f"{v.get('findings')}")
        for what, (b, want) in cases.items():
            with open("bad.flat", "wb") as f:
                f.write(b)
            for cmd in (["inspect"], ["verify"] + sysroot_args):
                r = run(crashhp, *cmd, "bad.flat")
                check(r.returncode == 3 and want in r.stderr and r.stderr.count("\n") == 1,
                      f"{cmd[0]} of the flattened ELF dump with {what}: exit {r.returncode}, "
                      f"{r.stderr.strip()!r}")
    finally:
        shutil.rmtree(d)
    return summary()


sys.exit(main())
