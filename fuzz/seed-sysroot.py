#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the seeds of the sysroot fuzz target into DIR.

The project's own fixtures (tests/fixtures/mksysroot.sh, the hostile ones
included) and, when ../shared/data is beside the source tree, the real
machines' dumps there (read straight from their tarballs), each in the form
fuzz/fuzz_sysroot.c reads a tree: a path and its text, both NUL-terminated;
'@path' a link and its target, '|path' a FIFO.  Only the files crashhp reads
are kept: the rest of a dump would only slow the fuzzer.

usage: seed-sysroot.py DIR SOURCE_ROOT
"""
import os
import re
import stat
import struct
import subprocess
import sys
import tarfile
import tempfile

FIXTURES = ['vm-dimms', 'holes-no-hotplug', 'unprivileged', 'no-online-files',
            'hostile-phys-index', 'hostile-kernel-max', 'hostile-notes-address',
            'hostile-fifo', 'hostile-link-out', 'hostile-escape']

WANTED = re.compile(
    r'^(sys/devices/system/cpu/(possible|present|online|kernel_max|crash_hotplug|'
    r'cpu[0-9]+/(online|crash_notes|crash_notes_size))'
    r'|sys/devices/system/memory/(block_size_bytes|auto_online_blocks|crash_hotplug|'
    r'memory[0-9]+/(state|phys_index|removable|valid_zones))'
    r'|sys/kernel/(kexec_.*|crash_elfcorehdr_size|vmcoreinfo)'
    r'|proc/(iomem|cmdline|kallsyms|kcore|sys/kernel/osrelease))$')


def entry(kind, path, text=b''):
    if kind == 'file' and b'\0' in text:
        kind, text = 'binary', text.hex().encode()
    prefix = {'file': b'', 'link': b'@', 'fifo': b'|', 'binary': b'%'}[kind]
    return prefix + path.encode() + b'\0' + text + b'\0'


def kcore(ram_start):
    """The head of a /proc/kcore: a RAM segment at a randomized direct map (x86_64)."""
    ehdr = (b'\x7fELF' + bytes([2, 1, 1, 0]) + bytes(8) +
            struct.pack('<HHIQQQIHHHHHH', 4, 62, 1, 0, 64, 0, 0, 64, 56, 2, 0, 0, 0))
    text = struct.pack('<IIQQQQQQ', 1, 7, 0x1000, 0xffffffff81000000, 0x1000000, 0x2000000,
                       0x2000000, 0x1000)
    ram = struct.pack('<IIQQQQQQ', 1, 7, 0x3000000, 0xffff9a0000000000 + ram_start, ram_start,
                      0x40000000, 0x40000000, 0x1000)
    return ehdr + text + ram


def from_dir(root):
    out = []
    for base, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            full = os.path.join(base, name)
            path = os.path.relpath(full, root)
            if not WANTED.match(path):
                continue
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                out.append(entry('link', path, os.readlink(full).encode()))
            elif stat.S_ISFIFO(st.st_mode):
                out.append(entry('fifo', path))
            elif stat.S_ISREG(st.st_mode):
                with open(full, 'rb') as f:
                    out.append(entry('file', path, f.read()))
    return b''.join(sorted(out))


def from_tar(tarball):
    """The tree under the tarball's one top directory."""
    out = []
    with tarfile.open(tarball) as t:
        for m in t.getmembers():
            path = m.name.split('/', 1)[1] if '/' in m.name else ''
            if not WANTED.match(path):
                continue
            if m.issym():
                out.append(entry('link', path, m.linkname.encode()))
            elif m.isfile():
                out.append(entry('file', path, t.extractfile(m).read()))
    return b''.join(sorted(out))


def main():
    out_dir, src = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in FIXTURES:
            tree = os.path.join(tmp, name)
            subprocess.run(['sh', os.path.join(src, 'tests/fixtures/mksysroot.sh'), name, tree],
                           check=True, stdout=subprocess.DEVNULL)
            with open(os.path.join(out_dir, 'fixture-' + name), 'wb') as f:
                f.write(from_dir(tree))
        # vm-dimms as root sees it: /proc/kcore and /proc/kallsyms (KASLR).
        tree = os.path.join(tmp, 'vm-dimms')
        with open(os.path.join(tree, 'proc/kcore'), 'wb') as f:
            f.write(kcore(0x100000))
        with open(os.path.join(tree, 'proc/kallsyms'), 'w') as f:
            f.write('0000000000000000 A fixed_percpu_data\nffffffff9a000000 T _text\n'
                    'ffffffff9a001000 T startup_64\nffffffff9d400000 B _end\n')
        with open(os.path.join(out_dir, 'fixture-vm-dimms-kaslr'), 'wb') as f:
            f.write(from_dir(tree))
        data = os.path.join(src, '..', 'shared', 'data', 'real')
        if not os.path.isdir(data):
            return
        for name in sorted(os.listdir(data)):
            if '.tar.' in name:
                with open(os.path.join(out_dir, 'real-' + name.split('.tar.')[0]), 'wb') as f:
                    f.write(from_tar(os.path.join(data, name)))
        # A real /proc/iomem in the vm-dimms machine.
        iomem = os.path.join(data, 'iomem-x86_64-amd-epyc7302p-128g.txt')
        if os.path.exists(iomem):
            tree = os.path.join(tmp, 'vm-dimms')
            with open(iomem, 'rb') as f, open(os.path.join(tree, 'proc/iomem'), 'wb') as g:
                g.write(f.read())
            with open(os.path.join(out_dir, 'real-iomem-epyc7302p'), 'wb') as f:
                f.write(from_dir(tree))


if __name__ == '__main__':
    main()
