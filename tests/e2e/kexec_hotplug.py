# SPDX-License-Identifier: GPL-2.0-or-later
"""Debian 13's kexec-tools 2.0.29 for a Debian 12 guest: the first Debian
kexec with --hotplug (KEXEC_UPDATE_ELFCOREHDR / KEXEC_CRASH_HOTPLUG_SUPPORT
for kexec_load; Debian 12 has 2.0.25).  Shared by run_ppc64.py (ppc64el)
and kernel_e2e.py (amd64, its gap part).

The binary asks for glibc 2.38 only for its C23 parsers (__isoc23_strtol
and the like: they add 0b prefixes, which kexec's inputs -- /proc, /sys, its
options -- never hold), and the mirror may serve no Debian 13 libc6 for the
architecture: those names and their version are pointed at the baseline
ones of Debian 12's libc.  amd64's kexec also links libxenctrl (Xen dom0
support), which a Debian 12 guest lacks: stub_libraries() builds a
stand-in whose functions abort; kexec calls them only under Xen
(xen_present(): /proc/xen exists)."""
import glob
import os
import re
import struct
import subprocess

# The version every symbol of the architecture's first glibc has: a binary
# for it needs some of them, so its .dynstr holds the name.
BASELINE = {"ppc64el": b"GLIBC_2.17", "amd64": b"GLIBC_2.2.5"}
C23 = b"GLIBC_2.38"


def elf_hash(name):
    h = 0
    for c in name:
        h = ((h << 4) + c) & 0xffffffff
        h ^= (h & 0xf0000000) >> 24
        h &= 0x0fffffff
    return h


def on_glibc_2_36(src, dst, baseline):
    """Write src to dst with its GLIBC_2.38 need pointed at baseline's name
    (the string the binary's own baseline need uses: the new name may be
    longer than the old, as GLIBC_2.2.5 is) and its __isoc23_ names cut to
    the plain ones.  ValueError when the binary needs GLIBC_2.38 for
    anything else (a real 2.38 function), or has no baseline need."""
    data = bytearray(open(src, "rb").read())
    shoff = int.from_bytes(data[0x28:0x30], "little")
    shentsize, shnum, shstrndx = (int.from_bytes(data[o:o + 2], "little") for o in (0x3a, 0x3c, 0x3e))
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names = secs[shstrndx][4]
    by = {data[names + s_[0]:data.index(b"\0", names + s_[0])].decode(): s_ for s_ in secs}
    dynstr = by[".dynstr"][4]

    def string(at):
        return bytes(data[dynstr + at:data.index(b"\0", dynstr + at)])

    # Every version need (Elf64_Vernaux): its offset, name and index.
    needs, off = [], by[".gnu.version_r"][4]
    while True:
        _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, off)
        a = off + aux
        for _ in range(cnt):
            _, _, other, name, anext = struct.unpack_from("<IHHII", data, a)
            needs.append((a, string(name), name, other))
            a += anext
        if not nxt:
            break
        off += nxt
    base = next((name for _, s, name, _ in needs if s == baseline), None)
    if base is None:
        raise ValueError(f"{src}: no {baseline.decode()} need to point {C23.decode()} at")
    c23 = {other for _, s, _, other in needs if s == C23}
    sym, versym = by[".dynsym"], by[".gnu.version"][4]
    for i in range(sym[5] // 24):
        at = dynstr + int.from_bytes(data[sym[4] + i * 24:sym[4] + i * 24 + 4], "little")
        name = data[at:data.index(b"\0", at)]
        if int.from_bytes(data[versym + 2 * i:versym + 2 * i + 2], "little") & 0x7fff not in c23:
            continue
        if not name.startswith(b"__isoc23_"):
            raise ValueError(f"{src}: {name.decode()} needs {C23.decode()}, not only a C23 parser")
        data[at:at + len(name) - 8] = name[9:] + b"\0"
    for a, s, _, _ in needs:
        if s == C23:
            struct.pack_into("<I", data, a, elf_hash(baseline))
            struct.pack_into("<I", data, a + 8, base)
    with open(dst, "wb") as f:
        f.write(data)
    os.chmod(dst, 0o755)


def kexec_with_hotplug(work, arch):
    """Debian 13's kexec, fetched with apt-get into a private state under
    work (the host's dpkg and lists untouched) and made to run on Debian
    12's libc: its path (work/kexec-2.0.29), or None when it cannot be
    had."""
    out = os.path.join(work, "kexec-2.0.29")
    if os.path.exists(out):
        return out
    apt_dir = os.path.join(work, "apt-trixie")
    for d in ("lists/partial", "cache/archives/partial", "sources"):
        os.makedirs(os.path.join(apt_dir, d), exist_ok=True)
    with open(os.path.join(apt_dir, "sources", "trixie.sources"), "w") as f:
        f.write("Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\n"
                "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n")
    opts = ["-oDir::Etc::SourceList=/dev/null", f"-oDir::Etc::SourceParts={apt_dir}/sources",
            f"-oDir::State::Lists={apt_dir}/lists", f"-oDir::Cache={apt_dir}/cache",
            f"-oAPT::Architecture={arch}", f"-oAPT::Architectures={arch}",
            "-oDir::State::status=/dev/null"]
    tree = os.path.join(work, "trixie")
    os.makedirs(tree, exist_ok=True)
    if not glob.glob(os.path.join(tree, "kexec-tools_*.deb")):
        subprocess.run(["apt-get"] + opts + ["update"], check=False)
        if subprocess.run(["apt-get"] + opts + ["download", "kexec-tools"], cwd=tree).returncode:
            return None
    subprocess.run(["dpkg-deb", "-x", glob.glob(os.path.join(tree, "kexec-tools_*.deb"))[0],
                    os.path.join(tree, "x")], check=True)
    on_glibc_2_36(os.path.join(tree, "x", "usr", "sbin", "kexec"), out, BASELINE[arch])
    return out


def stub_libraries(binary, out_dir):
    """A stand-in for each library binary needs besides libc (amd64's
    kexec: libxenctrl.so.4.20), built with gcc into out_dir: the same
    soname and symbol versions, every function binary takes from it an
    abort(), so a call that should never come shows, every object it
    copies zeros of the same size.  Their paths."""
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]",
                        subprocess.run(["readelf", "-d", binary], capture_output=True,
                                       text=True, check=True).stdout)
    versions, lib = {}, None
    for line in subprocess.run(["readelf", "-V", binary], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        m = re.search(r"File: (\S+)", line)
        lib = m.group(1) if m else lib
        m = re.search(r"Name: (\S+)", line)
        if m and lib:
            versions[m.group(1)] = lib
    table = subprocess.run(["readelf", "--dyn-syms", "-W", binary], capture_output=True,
                           text=True, check=True).stdout
    # Functions it calls, and objects it copies (R_X86_64_COPY: the
    # binary's own copy, of the library's size).
    syms = re.findall(r"\bUND (\w+)@(\S+)", table)
    objects = {name: int(size) for size, name in re.findall(
        r"\s(\d+) OBJECT\s+GLOBAL\s+DEFAULT\s+\d+ (\w+)@\S+", table)}
    syms += re.findall(r"\sOBJECT\s+GLOBAL\s+DEFAULT\s+\d+ (\w+)@(\S+)", table)
    os.makedirs(out_dir, exist_ok=True)
    made = []
    for name in needed:
        if name.startswith(("libc.so", "ld-linux")):
            continue
        nodes = {}
        for sym, version in syms:
            if versions.get(version) == name:
                nodes.setdefault(version, []).append(sym)
        base = os.path.join(out_dir, name)
        with open(base + ".c", "w") as f:
            f.write("/* A stand-in for %s (kexec_hotplug.py): never called outside Xen. */\n"
                    "#include <stdlib.h>\n" % name)
            for sym in sorted(s for v in nodes.values() for s in v):
                if sym in objects:
                    f.write(f"char {sym}[{objects[sym]}];\n")
                else:
                    f.write(f"void {sym}(void);\nvoid {sym}(void) {{ abort(); }}\n")
        with open(base + ".map", "w") as f:
            for i, (version, names) in enumerate(sorted(nodes.items())):
                f.write(f"{version} {{ global: {'; '.join(sorted(names))};"
                        f"{' local: *;' if i == 0 else ''} }};\n")
        subprocess.run(["gcc", "-shared", "-fPIC", "-O2", f"-Wl,-soname,{name}",
                        f"-Wl,--version-script,{base}.map", "-o", base, base + ".c"], check=True)
        made.append(base)
    return made
