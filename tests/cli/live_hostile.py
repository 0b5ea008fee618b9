# SPDX-License-Identifier: GPL-2.0-or-later
"""The live commands against sysroots edited the way an adversarial reviewer
did: a machine of another architecture, an elfcorehdr already too small,
kallsyms' _text/_end out of the kernel map.
usage: live_hostile.py CRASHHP SOURCE_ROOT
"""
import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, run, summary  # noqa: E402

CRASHHP = os.path.abspath(sys.argv[1])
MKSYSROOT = os.path.join(os.path.abspath(sys.argv[2]), "tests", "fixtures", "mksysroot.sh")
REAL_IOMEM = os.path.join(os.path.abspath(sys.argv[2]), "..", "shared", "data", "real",
                          "iomem-x86_64-amd-epyc7302p-128g.txt")
POWER9_CPUINFO = ("processor\t: 0\ncpu\t\t: POWER9 (architected), altivec supported\n"
                  "clock\t\t: 2200.000000MHz\nrevision\t: 2.2 (pvr 004e 1202)\n\n"
                  "timebase\t: 512000000\nplatform\t: pSeries\n")


def fresh(work, name):
    root = os.path.join(work, name)
    subprocess.run(["sh", MKSYSROOT, "vm-dimms", root], check=True)
    return root


def write(root, path, text):
    os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
    with open(os.path.join(root, path), "w") as f:
        f.write(text)


def status_json(root):
    res = run(CRASHHP, "status", "--json", "--sysroot", root)
    try:
        return res.returncode, json.loads(res.stdout)
    except ValueError:
        check(False, f"status --json parses (exit {res.returncode}: {res.stderr.strip()[:200]})")
        return res.returncode, {"findings": []}


def refused(root, evidence, arch, work):
    """elfcorehdr, verify and watch exit 3 naming EVIDENCE; status reports on."""
    hdr = os.path.join(work, "x.hdr")
    res = run(CRASHHP, "elfcorehdr", "--sysroot", root, "-o", hdr)
    check(res.returncode == 3 and evidence in res.stderr and arch in res.stderr
          and not os.path.exists(hdr),
          f"{evidence} says {arch}: elfcorehdr exits 3 naming it, writes nothing "
          f"(exit {res.returncode}: {res.stderr.strip()[:200]})")
    with open(hdr, "wb") as f:
        f.write(b"\x7fELF")
    res = run(CRASHHP, "verify", "--sysroot", root, hdr)
    check(res.returncode == 3 and evidence in res.stderr,
          f"{evidence} says {arch}: verify exits 3 (exit {res.returncode}: {res.stderr.strip()[:200]})")
    os.unlink(hdr)
    res = subprocess.run([CRASHHP, "watch", "--sysroot", root, "--uevent-fd", "0", "--count", "1"],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    check(res.returncode == 3 and evidence in res.stderr,
          f"{evidence} says {arch}: watch exits 3 (exit {res.returncode}: {res.stderr.strip()[:200]})")
    rc, doc = status_json(root)
    x = next((x for x in doc["findings"] if x["kind"] == "arch-not-modelled"), None)
    check(rc in (0, 6, 7) and x is not None and arch in x["message"] and evidence in x["message"],
          f"{evidence} says {arch}: status gives its verdict (exit {rc}) and the arch-not-modelled "
          f"finding ({x and x['message']})")
    check(not any(f["kind"] == "x86-removal-kept" for f in doc["findings"]),
          f"{evidence} says {arch}: no x86-only finding")


def arch_cases(work):
    root = fresh(work, "ppc-cpuinfo")
    write(root, "proc/cpuinfo", POWER9_CPUINFO)
    write(root, "proc/sys/kernel/osrelease", "6.12.38+deb13-powerpc64le\n")
    refused(root, "/proc/cpuinfo", "ppc64", work)
    root = fresh(work, "ppc-release")
    write(root, "proc/sys/kernel/osrelease", "6.12.38+deb13-powerpc64le\n")
    refused(root, "/proc/sys/kernel/osrelease", "ppc64le", work)
    root = fresh(work, "ppc-sysctl")
    write(root, "proc/sys/kernel/arch", "ppc64le\n")
    write(root, "proc/sys/kernel/osrelease", "6.12.38+deb13-amd64\n")  # arch wins
    refused(root, "/proc/sys/kernel/arch", "ppc64le", work)
    root = fresh(work, "ppc-kcore")
    with open(os.path.join(root, "proc/kcore"), "wb") as f:
        head = bytearray(kcore(0x1000, 0xc000000000001000))
        head[18:20] = struct.pack("<H", 21)  # EM_PPC64
        f.write(head)
    refused(root, "/proc/kcore", "ppc64le", work)
    root = fresh(work, "x86-sysctl")
    write(root, "proc/sys/kernel/arch", "x86_64\n")
    write(root, "proc/cpuinfo", POWER9_CPUINFO)  # arch wins
    res = run(CRASHHP, "elfcorehdr", "--sysroot", root, "-o", os.path.join(work, "ok.hdr"))
    check(res.returncode == 0, f"/proc/sys/kernel/arch x86_64: elfcorehdr builds "
          f"(exit {res.returncode}: {res.stderr.strip()[:200]})")
    write(root, "proc/sys/kernel/arch", "x86 64\n")
    res = run(CRASHHP, "elfcorehdr", "--sysroot", root, "-o", os.path.join(work, "ok.hdr"))
    check(res.returncode == 3 and "/proc/sys/kernel/arch" in res.stderr,
          f"a malformed /proc/sys/kernel/arch is refused naming it (exit {res.returncode})")


def room_case(work):
    """vm-dimms needs 17 program headers now; a header of 16 misses memory now."""
    root = fresh(work, "room")
    write(root, "sys/kernel/crash_elfcorehdr_size", f"{16 * 56}\n")
    rc, doc = status_json(root)
    x = next((x for x in doc["findings"] if x["kind"] == "elfcorehdr-room"), None)
    check(rc == 7 and doc.get("verdict") == "not-ready" and x is not None
          and x["severity"] == "not-ready" and "16 program headers, 17 are needed now" in x["message"]
          and "kexec" in x["fix"],
          f"an elfcorehdr too small now: not ready, exit 7 (exit {rc}, {x})")


def kallsyms_cases(work):
    """_text and _end must lie in x86_64's kernel map, _end past _text, within 1 GiB."""
    for text, end, bad in (("ffffffff81000000", "ffffffff83000000", None),
                           ("0000000000001000", "ffffffff83000000", "_text"),
                           ("ffffffff81000000", "ffffffffffffffff", "_end"),
                           ("ffffffff81000000", "ffffffff80ff0000", "_end"),
                           ("ffffffffc0000000", "ffffffffc1000000", "_text")):
        root = fresh(work, "kallsyms")
        write(root, "proc/kallsyms", f"{text} T _text\nffffffff81001000 T startup_64\n{end} B _end\n")
        hdr = os.path.join(work, "k.hdr")
        res = run(CRASHHP, "elfcorehdr", "--sysroot", root, "-o", hdr, "--json")
        if bad is None:
            doc = json.loads(res.stdout) if res.returncode == 0 else {}
            check(doc.get("kernel_text_vaddr") == "0x" + text,
                  f"_text {text}, _end {end}: the header's text LOAD at _text ({doc.get('kernel_text_vaddr')})")
        else:
            check(res.returncode == 3 and "/proc/kallsyms" in res.stderr and bad in res.stderr
                  and not os.path.exists(hdr),
                  f"_text {text}, _end {end}: refused naming /proc/kallsyms and {bad} "
                  f"(exit {res.returncode}: {res.stderr.strip()[:200]})")
        if os.path.exists(hdr):
            os.unlink(hdr)
        shutil.rmtree(root)


def kcore(paddr, vaddr):
    """An ELF core's head as /proc/kcore starts: one PT_LOAD of RAM."""
    ehdr = struct.pack("<4sBBBBB7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, b"\0" * 7, 4, 62, 1,
                       0, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 7, 0x1000, vaddr, paddr, 1 << 20, 1 << 20, 4096)
    return ehdr + phdr


def direct_map_cases(work):
    """A randomized _text without kcore: the header's RAM vaddrs are a guess, said in text and JSON."""
    root = fresh(work, "kaslr")
    write(root, "proc/kallsyms", "ffffffffa3e00000 T _text\nffffffffa6000000 B _end\n")
    res = run(CRASHHP, "elfcorehdr", "--sysroot", root, "--json")
    doc = json.loads(res.stdout) if res.returncode == 0 else {}
    check(doc.get("direct_map") == "0xffff888000000000" and doc.get("direct_map_from_kcore") is False,
          f"no kcore: JSON says the direct map is the fixed one ({doc.get('direct_map')}, "
          f"{doc.get('direct_map_from_kcore')})")
    res = run(CRASHHP, "elfcorehdr", "--sysroot", root)
    check("no /proc/kcore" in res.stdout and "0xffff888000000000" in res.stdout,
          "no kcore: the summary says the direct map is the non-randomized base")
    with open(os.path.join(root, "proc/kcore"), "wb") as f:
        f.write(kcore(0x1000, 0xff11000000000000 + 0x1000))
    res = run(CRASHHP, "elfcorehdr", "--sysroot", root, "--json")
    doc = json.loads(res.stdout) if res.returncode == 0 else {}
    check(doc.get("direct_map") == "0xff11000000000000" and doc.get("direct_map_from_kcore") is True,
          f"kcore: the direct map from it ({doc.get('direct_map')}, {res.stderr.strip()[:100]})")
    res = run(CRASHHP, "elfcorehdr", "--sysroot", root)
    check("no /proc/kcore" not in res.stdout and "0xff11000000000000" in res.stdout,
          "kcore: the summary names its direct map, no warning")


def output_cases(work):
    """crashhp(1): an output there but not a regular file is invalid input, 3; a
    header past PN_XNUM program headers too, its message prefixed once."""
    root = fresh(work, "output")
    fifo = os.path.join(work, "fifo")
    os.mkfifo(fifo)
    for path in (fifo, "/dev/null", work):
        res = run(CRASHHP, "elfcorehdr", "--sysroot", root, "-o", path)
        check(res.returncode == 3 and "not a regular file" in res.stderr,
              f"elfcorehdr -o {path}: exit 3 ({res.returncode}: {res.stderr.strip()[:160]})")
    check(stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO is left as it was")
    with open(os.path.join(root, "proc/iomem"), "a") as f:
        for i in range(66000):
            s = 0x1000000000 + i * 0x2000
            f.write(f"{s:x}-{s + 0xfff:x} : System RAM\n")
    hdr = os.path.join(work, "big.hdr")
    res = run(CRASHHP, "elfcorehdr", "--sysroot", root, "-o", hdr)
    check(res.returncode == 3 and "PN_XNUM" in res.stderr and "elfcorehdr: elfcorehdr:" not in res.stderr
          and not os.path.exists(hdr),
          f"past 65535 program headers: exit 3, one prefix ({res.returncode}: {res.stderr.strip()[:160]})")


def link_loop_cases(work):
    """A symbolic link loop is said as one, not as a link out of the sysroot."""
    for path in ("proc/iomem", "sys/devices/system/memory"):
        root = fresh(work, "loop")
        full = os.path.join(root, path)
        shutil.rmtree(full) if os.path.isdir(full) else os.unlink(full)
        os.symlink(os.path.basename(path) + "2", full)
        os.symlink(os.path.basename(path), full + "2")
        res = run(CRASHHP, "status", "--sysroot", root)
        check(res.returncode == 3 and "/" + path in res.stderr and "link loop" in res.stderr
              and "out of the sysroot" not in res.stderr,
              f"{path} a link loop: exit 3, said so ({res.returncode}: {res.stderr.strip()[:160]})")
        shutil.rmtree(root)


def iomem_cases(work):
    """/proc/iomem as the kernel prints it: CR line ends, a sign, "0x" or a
    second dash in an address, a top-level line overlapping or out of order,
    a child outside its parent: refused naming file:line."""
    bad = {
        "crlf": lambda t: t.replace("\n", "\r\n"),
        "0x": lambda t: t + "140000000-0x17fffffff : System RAM\n",
        "dashes": lambda t: t + "1000--5 : System RAM\n",
        "sign": lambda t: t + "1c0000000-+1cfffffff : System RAM\n",
        "overlap": lambda t: t + "00100000-001fffff : System RAM\n",
        "child-out": lambda t: t + "1c0000000-1cfffffff : System RAM\n  1d0000000-1d0000fff : Kernel code\n",
    }
    for name, edit in bad.items():
        root = fresh(work, "iomem-" + name)
        with open(os.path.join(root, "proc/iomem")) as f:
            text = f.read()
        write(root, "proc/iomem", edit(text))
        res = run(CRASHHP, "status", "--sysroot", root)
        check(res.returncode == 3 and "/proc/iomem:" in res.stderr,
              f"/proc/iomem {name}: exit 3 naming file:line ({res.returncode}: {res.stderr.strip()[:160]})")
        shutil.rmtree(root)
    root = fresh(work, "iomem-real")
    shutil.copy(REAL_IOMEM, os.path.join(root, "proc/iomem"))
    res = run(CRASHHP, "status", "--sysroot", root)
    check(res.returncode in (0, 6, 7) and "127.7 GiB in 6 ranges" in res.stdout,
          f"a real /proc/iomem still parses ({res.returncode}: {res.stderr.strip()[:160]})")


def main():
    work = tempfile.mkdtemp(prefix="crashhp-live-hostile-")
    try:
        arch_cases(work)
        room_case(work)
        kallsyms_cases(work)
        direct_map_cases(work)
        output_cases(work)
        link_loop_cases(work)
        iomem_cases(work)
    finally:
        shutil.rmtree(work)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
