#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""crashhp verify on kexec-tools' x86 backup LOAD, as `kexec -p` (kexec_load)
writes it (kexec/arch/i386/crashdump-x86.c, get_backup_area(); kexec/
crashdump-elf.c, crash_create_elf64_headers()): the first System RAM range
ending at or below 640 KiB, p_filesz = p_memsz its size, p_offset the page
its copy starts at in the crashkernel.  A note in the text and in --json,
exit 0; a near miss stays excluded memory, exit 1.  Then, when
../shared/data is beside the project, the program headers of a real
/proc/vmcore (readelf -l of a 1 GiB VM with a 128 MiB crashkernel, its LOAD
of [0x1000, 0x9fbff] among them) against a sysroot of that machine.

usage: verify_backup.py CRASHHP SOURCE_ROOT
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

from checks import check, run, summary
from jsoncheck import parse

CRASHHP = os.path.abspath(sys.argv[1])
SOURCE = os.path.abspath(sys.argv[2])
LISTING = os.path.join(SOURCE, "..", "shared", "data", "real",
                       "vmcore-phdr-x86_64-vm1G-crashkernel128M.txt")
PT_LOAD, PT_NOTE, RWX = 1, 4, 7
PHDR = "<IIQQQQQQ"


def phdrs(raw):
    """(phoff, [[type, flags, offset, vaddr, paddr, filesz, memsz, align], ...])"""
    phoff, = struct.unpack_from("<Q", raw, 32)
    phnum, = struct.unpack_from("<H", raw, 56)
    return phoff, [list(struct.unpack_from(PHDR, raw, phoff + 56 * i)) for i in range(phnum)]


def with_load(src, dst, paddr, size, offset, filesz=None):
    """The header at `src` with one more RAM LOAD, before the first (as
    kexec-tools sorts them by address), written to `dst`: an elfcorehdr's
    p_offsets are physical addresses, so the table may grow."""
    raw = open(src, "rb").read()
    phoff, ph = phdrs(raw)
    at = next(i for i, p in enumerate(ph) if p[0] == PT_LOAD and p[3] < 0xffffffff80000000)
    base = ph[at][3] - ph[at][4]
    ph.insert(at, [PT_LOAD, RWX, offset, base + paddr, paddr,
                   size if filesz is None else filesz, size, 0])
    out = bytearray(raw[:phoff]) + b"".join(struct.pack(PHDR, *p) for p in ph)
    struct.pack_into("<H", out, 56, len(ph))
    with open(dst, "wb") as f:
        f.write(out)
    return at


def iomem_ranges(top, what):
    out = []
    with open(os.path.join(top, "proc", "iomem")) as f:
        for line in f:
            span, _, name = line.strip().partition(" : ")
            if name == what:
                a, b = span.split("-")
                out.append((int(a, 16), int(b, 16)))
    return out


def verify(*args):
    return run(CRASHHP, "verify", *args)


def findings(doc, kind):
    return [f for f in doc["findings"] if f["kind"] == kind]


def lab_header(work):
    """vm-dimms (tests/fixtures/mksysroot.sh) and its header with the backup LOAD."""
    top = os.path.join(work, "vm-dimms")
    subprocess.run(["sh", os.path.join(SOURCE, "tests", "fixtures", "mksysroot.sh"), "vm-dimms",
                    top], check=True)
    plain = os.path.join(work, "vm.hdr")
    res = run(CRASHHP, "elfcorehdr", "--sysroot", top, "-o", plain)
    check(res.returncode == 0, f"elfcorehdr --sysroot vm-dimms exits 0 ({res.stderr.strip()})")
    low = next(r for r in iomem_ranges(top, "System RAM") if r[1] <= 0xa0000)
    ck = iomem_ranges(top, "Crash kernel")[0]
    size = low[1] - low[0] + 1
    # add_buffer(): top-down in the crashkernel, the size rounded up to pages
    top_of_ck = ck[1] + 1 - (size + 4095) // 4096 * 4096
    return top, plain, low, size, top_of_ck


def synthetic(work):
    top, plain, low, size, offset = lab_header(work)
    check(low == (0x1000, 0x9fbff), f"vm-dimms' first System RAM is [0x1000, 0x9fbff] ({low})")
    hdr = os.path.join(work, "kt.hdr")
    at = with_load(plain, hdr, low[0], size, offset)

    res = verify("--sysroot", top, hdr)
    line = next((l for l in res.stdout.splitlines() if l.startswith("kexec-tools-backup")), "")
    check(res.returncode == 0, f"verify of kexec-tools' header exits 0 ({res.returncode})")
    check(re.match(r"kexec-tools-backup +note +0x1000 +635K ", line) is not None and
          f"program header {at}:" in line and f"p_offset {offset:#x}" in line,
          f"the text's row: a note at 0x1000, 635K, its header and p_offset ({line!r})")
    check("excluded-memory" not in res.stdout and "misread-header" not in res.stdout,
          "no excluded-memory or misread-header row")
    check(res.stdout.rstrip().endswith("\nCOMPLETE"), "the verdict: COMPLETE")

    res = verify("--sysroot", top, "--json", hdr)
    doc = parse(res.stdout)
    backup = findings(doc, "kexec-tools-backup")
    check(res.returncode == 0 and doc["complete"] is True and doc["discrepancies"] == 0 and
          doc["kind"] == "elfcorehdr",
          f"--json: an elfcorehdr, complete, no discrepancy, exit {res.returncode}")
    # vm-dimms keeps one offline block: the kernel's rule, the other note
    check(doc["notes"] == 2 and len(backup) == 1 and backup[0]["class"] == "note" and
          f"p_offset {offset:#x}" in backup[0]["detail"],
          f"--json: 2 notes, one kexec-tools-backup of class note ({backup})")

    res = verify("--sysroot", top, "-J", "-b", "-o", "KIND,CLASS,START,SIZE", hdr)
    rows = [r for r in parse(res.stdout)["findings"] if r["kind"] == "kexec-tools-backup"]
    check(res.returncode == 0 and rows == [{"kind": "kexec-tools-backup", "class": "note",
                                            "start": "0x1000", "size": size}],
          f"-J -b: its row ({rows})")

    # Near misses: each lists low memory read from elsewhere than the copy.
    for what, args in (("p_offset = p_paddr (the capture kernel's own low memory)",
                        (low[0], size, low[0])),
                       ("a page short", (low[0], size - 4096, offset + 4096)),
                       ("its copy past the crashkernel's end", (low[0], size, offset + 4096)),
                       ("p_filesz short of p_memsz", (low[0], size, offset, size - 4096))):
        miss = os.path.join(work, "miss.hdr")
        with_load(plain, miss, *args)
        res = verify("--sysroot", top, "--json", miss)
        doc = parse(res.stdout)
        check(res.returncode == 1 and doc["complete"] is False and
              not findings(doc, "kexec-tools-backup") and
              [f["class"] for f in findings(doc, "excluded-memory")] == ["discrepancy"],
              f"{what}: excluded memory, a discrepancy, exit {res.returncode}")
        human = verify("--sysroot", top, miss)
        check(human.returncode == 1 and "INCOMPLETE" in human.stdout and
              "kexec-tools-backup" not in human.stdout, f"{what}: the text says INCOMPLETE")


def parse_listing(path):
    """readelf -l's program headers: [type, offset, vaddr, paddr, filesz, memsz, flags]."""
    out, words = [], open(path).read().split()
    for i, w in enumerate(words):
        if w in ("NOTE", "LOAD") and words[i + 1].startswith("0x"):
            nums = [int(x, 16) for x in words[i + 1:i + 6]]
            flags = RWX if w == "LOAD" and words[i + 6] == "RWE" else 0
            out.append([PT_LOAD if w == "LOAD" else PT_NOTE] + nums + [flags])
    return out


def note(name, ntype, desc):
    n = name.encode() + b"\0"
    pad = lambda b: b + bytes(-len(b) % 4)
    return struct.pack("<III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def real_listing(work):
    """The real vmcore's headers as they are; its notes made up to their
    size (3 CPUs online in the sysroot, VMCOREINFO), its memory a hole."""
    if not os.path.exists(LISTING):
        print(f"SKIP: {LISTING} is absent: the real vmcore's headers not judged")
        return
    ph = parse_listing(LISTING)
    check(len(ph) == 5 and ph[2][3:6] == [0x1000, 0x9ec00, 0x9ec00],
          f"the listing: 5 headers, its LOAD of [0x1000, 0x9fbff] ({len(ph)})")
    # The machine the listing describes: its RAM ends where its last LOAD
    # does, the crash kernel is the hole between the LOADs, the kernel
    # image is the text LOAD (mksysroot.sh's vm-dimms, reshaped).
    top = os.path.join(work, "vm1g")
    subprocess.run(["sh", os.path.join(SOURCE, "tests", "fixtures", "mksysroot.sh"), "vm-dimms",
                    top], check=True)
    ram_end = ph[4][3] + ph[4][5] - 1
    text = ph[1]
    with open(os.path.join(top, "proc", "iomem"), "w") as f:
        f.write("00000000-00000fff : Reserved\n"
                f"00001000-{0x1000 + ph[2][4] - 1:08x} : System RAM\n"
                f"{0x1000 + ph[2][4]:08x}-0009ffff : Reserved\n"
                "000a0000-000bffff : PCI Bus 0000:00\n"
                "000f0000-000fffff : Reserved\n"
                f"00100000-{ram_end:08x} : System RAM\n"
                f"  {text[3]:08x}-{text[3] + 0xffffff:08x} : Kernel code\n"
                f"  {text[3] + 0x1000000:08x}-{text[3] + text[5] - 1:08x} : Kernel bss\n"
                f"  {ph[3][3] + ph[3][5]:08x}-{ph[4][3] - 1:08x} : Crash kernel\n"
                f"{ram_end + 1:08x}-3fffffff : Reserved\n")
    mem = os.path.join(top, "sys", "devices", "system", "memory")
    for d in os.listdir(mem):
        if d.startswith("memory") and d[6:].isdigit() and int(d[6:]) >= 8:
            shutil.rmtree(os.path.join(mem, d))
    with open(os.path.join(top, "sys", "kernel", "kexec_crash_size"), "w") as f:
        f.write(f"{ph[4][3] - ph[3][3] - ph[3][5]}\n")
    # The notes: three NT_PRSTATUS (336 bytes each on x86_64), VMCOREINFO the rest.
    notes = b"".join(note("CORE", 1, bytes(336)) for _ in range(3))
    vmci = ph[0][4] - len(notes) - len(note("VMCOREINFO", 0, b""))
    notes += note("VMCOREINFO", 0, b"OSRELEASE=6.1.0\n".ljust(vmci, b"#"))
    check(len(notes) == ph[0][4], f"the made-up notes fill the PT_NOTE's {ph[0][4]:#x} bytes")
    eh = (b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) +
          struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, len(ph), 0, 0, 0))
    core = os.path.join(work, "real.vmcore")

    def write(headers):
        with open(core, "wb") as f:
            f.write(eh + b"".join(struct.pack(PHDR, p[0], p[6], *p[1:6], 0) for p in headers))
            f.seek(headers[0][1])
            f.write(notes)
            f.truncate(max(p[1] + p[4] for p in headers))

    write(ph)
    res = verify("--sysroot", top, "--json", core)
    doc = parse(res.stdout) if res.returncode in (0, 1) else {"findings": []}
    backup = findings(doc, "kexec-tools-backup")
    check(res.returncode == 0 and doc["kind"] == "vmcore" and doc["complete"] is True and
          doc["discrepancies"] == 0 and len(backup) == 1 and backup[0]["class"] == "note" and
          "program header 2:" in backup[0]["detail"],
          f"the real vmcore's headers: complete, its LOAD of [0x1000, 0x9fbff] a note, exit "
          f"{res.returncode} ({res.stderr.strip()}{[f['detail'] for f in doc['findings']]})")
    res = verify("--sysroot", top, core)
    check(res.returncode == 0 and "kexec-tools-backup note" in " ".join(res.stdout.split()),
          "the real vmcore's headers: the text's note, exit 0")
    # The same LOAD a page longer, over the reserved page after it: no backup.
    ph[2][4] += 0x400
    ph[2][5] += 0x400
    write(ph)
    res = verify("--sysroot", top, "--json", core)
    doc = parse(res.stdout) if res.returncode in (0, 1) else {"findings": []}
    check(res.returncode == 1 and not findings(doc, "kexec-tools-backup") and
          findings(doc, "excluded-memory"),
          f"the real LOAD 1 KiB longer: excluded memory, exit {res.returncode}")


def main():
    work = tempfile.mkdtemp(prefix="crashhp-backup-")
    try:
        synthetic(work)
        real_listing(work)
    finally:
        shutil.rmtree(work)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
