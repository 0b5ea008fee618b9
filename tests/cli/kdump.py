#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""inspect and verify on a real makedumpfile dump: tests/fixtures/kdump/,
written by the e2e's capture kernel (Debian's 6.12 under QEMU, 1 GiB of boot
RAM and a 1 GiB DIMM hot-added, `makedumpfile --split -c -d 31 /proc/vmcore`
into 16 files, the smallest of at least 1 MiB kept: a kdump-compressed file
with both whole bitmaps and its share of the pages), and the guest's /proc
and /sys files at the crash.  The flattened form is made from it here by
makedumpfile -F when it agrees, else by the record format written out below
(makedumpfile 1.7.2 refuses this file: the page holding the kernel's utsname
is in another file of the split; real -F output is tested by
makedumpfile_real.py).
Golden output for both forms,
cross-checked against libkdumpfile-independent facts: the header's own
fields read here with struct, and makedumpfile's --dump-dmesg reading the
same file.  Then hostile copies: cut at every interesting offset and with
bytes flipped in the headers, each refused with exit 3 and a message naming
the file and the field, never a crash or a hang.

usage: kdump.py CRASHHP SRCDIR   (UPDATE_GOLDEN=1 rewrites the expected files)"""
import json
import os
import random
import resource
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile

from checks import check, run, summary

TIMEOUT = 60


def golden(name, text, expected_dir):
    path = os.path.join(expected_dir, name)
    if os.environ.get("UPDATE_GOLDEN"):
        with open(path, "w") as f:
            f.write(text)
    try:
        with open(path) as f:
            want = f.read()
    except OSError:
        want = None
    check(text == want, f"{name} matches the golden output")
    if text != want:
        print(f"--- got\n{text}--- expected\n{want}")


def make_flat(src, dst):
    """makedumpfile's flattened form (-F) of `src`: makedumpfile's own when
    it is installed and agrees, else its record format: a 4 KiB header
    ("makedumpfile", type 1, version 1, big endian), records of (offset,
    size, data), an offset of -1 to end."""
    if shutil.which("makedumpfile"):
        with open(dst, "wb") as out:
            r = subprocess.run(["makedumpfile", "-F", "-c", "-d", "31", src], stdout=out,
                               stderr=subprocess.DEVNULL, check=False)
        if r.returncode == 0 and os.path.getsize(dst) > 4096:
            return "makedumpfile -F"
    data = open(src, "rb").read()
    with open(dst, "wb") as out:
        out.write(b"makedumpfile".ljust(16, b"\0") + struct.pack(">qq", 1, 1))
        out.write(b"\0" * (4096 - 32))
        for off in range(0, len(data), 1 << 20):
            chunk = data[off:off + (1 << 20)]
            out.write(struct.pack(">qq", off, len(chunk)) + chunk)
        out.write(struct.pack(">qq", -1, 0))
    return "records written here"


def header_fields(path):
    """The disk_dump_header's fields, read here without libkdumpfile."""
    with open(path, "rb") as f:
        h = f.read(464)
    release = h[12 + 130:12 + 195].split(b"\0")[0].decode()
    block, sub, bitmap, mapnr = struct.unpack_from("<iiII", h, 428)
    return dict(signature=h[:8], release=release, block=block, sub=sub, bitmap=bitmap,
                mapnr=mapnr)


def hostile(crashhp, cmd, path, what):
    """Run; (exit status, stderr).  A signal or a timeout is a failure of its own."""
    try:
        r = subprocess.run([crashhp] + cmd + [path], capture_output=True, text=True,
                           timeout=TIMEOUT, errors="replace")
    except subprocess.TimeoutExpired:
        check(False, f"{what}: finished within {TIMEOUT} s")
        return None, ""
    if r.returncode < 0:
        check(False, f"{what}: killed by signal {-r.returncode}")
    return r.returncode, r.stderr


def main():
    crashhp, src = os.path.abspath(sys.argv[1]), sys.argv[2]
    fx = os.path.join(src, "tests", "fixtures", "kdump")
    expected = os.path.join(src, "tests", "cli", "expected")
    d = tempfile.mkdtemp(prefix="crashhp-kdump-")
    try:
        dump = os.path.join(d, "dump.kdump")
        shutil.copy(os.path.join(fx, "dump.kdump"), dump)
        flat = os.path.join(d, "dump.flat")
        make_flat(dump, flat)
        with tarfile.open(os.path.join(fx, "sysroot.tar.gz")) as t:
            t.extractall(os.path.join(d, "sysroot"))
        sysroot = os.path.join(d, "sysroot")
        os.chdir(d)

        # Golden: what an admin sees, both forms.
        out = []
        for args in (["inspect", "dump.kdump"], ["inspect", "--json", "dump.kdump"],
                     ["inspect", "dump.flat"], ["verify", "--sysroot", "sysroot", "dump.kdump"],
                     ["verify", "--sysroot", "sysroot", "--json", "dump.flat"]):
            r = run(crashhp, *args)
            out.append(f"$ crashhp {' '.join(args)}\n{r.stdout}{r.stderr}[exit {r.returncode}]\n")
        golden("kdump.out", "\n".join(out), expected)

        # The same facts read without libkdumpfile.
        h = header_fields(dump)
        doc = json.loads(run(crashhp, "inspect", "--json", "dump.kdump").stdout or "{}")
        check(h["signature"] == b"KDUMP   " and doc.get("release") == h["release"],
              f"inspect's release {doc.get('release')!r} is the header's {h['release']!r}")
        check(doc.get("page_size") == h["block"], "inspect's page size is the header's block_size")
        flat_doc = json.loads(run(crashhp, "inspect", "--json", "dump.flat").stdout or "{}")
        check({k: v for k, v in flat_doc.items() if k not in ("file", "flattened")} ==
              {k: v for k, v in doc.items() if k not in ("file", "flattened")},
              "the flattened form reads as the rearranged one")
        # The pages of the file's own pfn range, counted here in the second bitmap.
        with open(dump, "rb") as f:
            raw = f.read()
        sub = struct.unpack_from("<QiiQQQQQQQQQQQ", raw, h["block"])
        start, end = (sub[11], sub[12]) if sub[2] else (0, h["mapnr"])
        second = (1 + h["sub"]) * h["block"] + h["bitmap"] * h["block"] // 2
        pages = sum(1 for pfn in range(start, end) if raw[second + pfn // 8] >> (pfn % 8) & 1)
        check(doc.get("dumped_bytes") == pages * h["block"],
              f"inspect's dumped bytes {doc.get('dumped_bytes')} are the second bitmap's "
              f"{pages} pages in [{start:#x}, {end:#x})")
        vmci = raw[sub[5]:sub[5] + sub[6]].decode(errors="replace")
        check(f"OSRELEASE={h['release']}" in vmci, "the VMCOREINFO the file holds names the same release")
        ram = sum(int(x["last"], 16) - int(x["start"], 16) + 1 for x in doc.get("ram", []))
        check(ram == doc.get("ram_bytes") and doc.get("dumped_bytes", 0) < ram,
              f"RAM {ram} bytes listed, of it {doc.get('dumped_bytes')} dumped (-d 31 filters)")
        r = run(crashhp, "verify", "--sysroot", "sysroot", "--json", "dump.kdump")
        v = json.loads(r.stdout or "{}")
        check(r.returncode == 0 and v.get("complete") is True,
              f"verify: the real dump covers the guest's online memory: exit {r.returncode}")

        # Hostile copies.
        size = os.path.getsize(dump)
        cuts = sorted({0, 7, 100, 463, h["block"] - 1, h["block"] + 50,
                       (1 + h["sub"]) * h["block"] + 10,
                       (1 + h["sub"] + h["bitmap"]) * h["block"] - 1,
                       (1 + h["sub"] + h["bitmap"]) * h["block"] + 4096, size // 2, size - 1})
        for cut in cuts:
            bad = os.path.join(d, f"cut-{cut}")
            with open(dump, "rb") as f, open(bad, "wb") as g:
                g.write(f.read(cut))
            for cmd in (["inspect"], ["verify", "--sysroot", sysroot]):
                rc, err = hostile(crashhp, cmd, bad, f"{cmd[0]} of the dump cut at {cut}")
                check(rc == 3 and bad in err and err.count("\n") == 1,
                      f"{cmd[0]} of the dump cut at {cut} of {size}: exit {rc}, {err.strip()[:150]!r}")
        fsize = os.path.getsize(flat)
        for cut in sorted({4096 + 8, 4096 + 16 + 100, fsize // 2, fsize - 8, fsize - 1}):
            bad = os.path.join(d, f"flatcut-{cut}")
            with open(flat, "rb") as f, open(bad, "wb") as g:
                g.write(f.read(cut))
            rc, err = hostile(crashhp, ["inspect"], bad, f"inspect of the flattened dump cut at {cut}")
            check(rc == 3 and "flattened" in err,
                  f"inspect of the flattened dump cut at {cut} of {fsize}: exit {rc}, {err.strip()[:150]!r}")
        # A record far past the rest (offset 2^52, the largest accepted) under ulimit -f:
        # the rearranged file cannot grow there; the write fails, named, never SIGXFSZ.
        far = os.path.join(d, "flat-far")
        with open(flat, "rb") as f, open(far, "wb") as g:
            data = f.read()
            g.write(data[:-16] + struct.pack(">qq", 1 << 52, 4) + b"far!" + data[-16:])
        limit = max(64 << 20, 4 * fsize)
        r = subprocess.run([crashhp, "inspect", far], capture_output=True, text=True, errors="replace",
                           timeout=TIMEOUT, preexec_fn=lambda: resource.setrlimit(
                               resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY)))
        check(r.returncode == 4 and "flattened record" in r.stderr and str(1 << 52) in r.stderr,
              f"inspect of a record at offset 2^52 under ulimit -f: exit {r.returncode} "
              f"(a signal if negative), {r.stderr.strip()[:200]!r}")
        # Fields set to hostile values, one at a time: named in the error.
        for off, fmt, value, field in ((428, "<i", 12345, "block_size"), (432, "<i", 0, "sub_hdr_size"),
                                       (436, "<I", 0xfffffff0, "bitmap_blocks"),
                                       (8, "<i", 0x7fffffff, "header_version"),
                                       # libkdumpfile 0.5.1 crashed freeing its context after this one
                                       (440, "<I", 12345, "max_mapnr"),
                                       (12 + 4 * 65, "8s", b"sparc64\0", "utsname.machine")):
            bad = os.path.join(d, f"field-{field}")
            shutil.copy(dump, bad)
            with open(bad, "r+b") as f:
                f.seek(off)
                f.write(struct.pack(fmt, value))
            rc, err = hostile(crashhp, ["inspect"], bad, f"inspect with {field} = {value!r}")
            check(rc == 3 and field in err, f"inspect with {field} = {value!r}: exit {rc}, {err.strip()[:150]!r}")
        # Random bytes over the headers, the bitmaps' start and the page descriptors: never a crash.
        rnd = random.Random(1)
        data = open(dump, "rb").read()
        counts = {}
        for i in range(120):
            b = bytearray(data)
            for _ in range(rnd.randint(1, 8)):
                b[rnd.randrange(min(len(b), (2 + h["sub"] + h["bitmap"]) * h["block"]))] = rnd.randrange(256)
            bad = os.path.join(d, "fuzz")
            with open(bad, "wb") as f:
                f.write(b)
            rc, err = hostile(crashhp, ["verify", "--sysroot", sysroot], bad, f"verify of fuzzed copy {i}")
            counts[rc] = counts.get(rc, 0) + 1
            if rc not in (0, 1, 3):
                check(False, f"verify of fuzzed copy {i}: exit {rc} ({err.strip()[:150]!r})")
        check(set(counts) <= {0, 1, 3}, f"120 fuzzed copies: exit statuses {counts}, each 0, 1 or 3")
    finally:
        shutil.rmtree(d)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
