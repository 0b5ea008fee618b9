#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A header is written durably: judged by the system calls strace(1) sees,
not by crashhp's own account.  For each output, in this order: the bytes
written to a temporary file beside it, fsync of that file, rename onto the
name, fsync of the directory holding the name.  A crash or power cut
anywhere in between leaves the old header or the new one whole, never an
empty or torn file (the rename is durable only once the directory is).
Outputs of crashhp elfcorehdr -o (in a subdirectory and in the current
directory) and crashhp watch -o (watch's header, on a socketpair closed at
once, so it writes the header it starts with and exits).  Skipped without
strace or where ptrace is not permitted.

usage: durable.py CRASHHP SOURCE_ROOT
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

from checks import check, summary

CRASHHP = os.path.abspath(sys.argv[1])
SOURCE = os.path.abspath(sys.argv[2])
SKIP = 77
# pid syscall(fd<path>, ...) = result, as strace -f -y prints it.
CALL = re.compile(r"^\d+ +(\w+)\((.*)\) += (-?\d+)")
FD_PATH = re.compile(r"^\d+<([^>]*)>")
QUOTED = re.compile(r'"([^"]*)"')


def traced(argv, cwd, pass_fds=()):
    """Run argv under strace; (exit status, the calls as (name, args, result))."""
    log = os.path.join(cwd, "strace.log")
    # LeakSanitizer cannot run under ptrace; the other tests look for leaks.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, (env.get("ASAN_OPTIONS"), "detect_leaks=0")))
    res = subprocess.run(["strace", "-f", "-y", "-qq", "-s", "0", "-o", log, "-e",
                          "trace=openat,write,fsync,fdatasync,rename,renameat,renameat2"] + argv,
                         cwd=cwd, pass_fds=pass_fds, env=env, capture_output=True, text=True,
                         timeout=120)
    calls = []
    with open(log) as f:
        for line in f:
            m = CALL.match(line)
            if m:
                calls.append((m.group(1), m.group(2), int(m.group(3))))
    os.unlink(log)
    return res.returncode, calls, res.stdout + res.stderr


def fd_path(args):
    m = FD_PATH.match(args)
    return m.group(1) if m else None


def rename_paths(args, cwd):
    """rename("from", "to")'s two paths (renameat's from AT_FDCWD), absolute."""
    return tuple(os.path.join(cwd, p) for p in QUOTED.findall(args))


def durable_order(calls, output, cwd):
    """Whether output (an absolute path) was written as: write(tmp)...,
    fsync(tmp), rename(tmp, output), fsync(its directory); prints what it
    found otherwise."""
    directory = os.path.dirname(output)
    tmp_prefix = output + ".partial-"
    writes = [i for i, (n, a, r) in enumerate(calls)
              if n == "write" and (fd_path(a) or "").startswith(tmp_prefix)]
    tmp = fd_path(calls[writes[-1]][1]) if writes else None
    file_syncs = [i for i, (n, a, r) in enumerate(calls)
                  if n in ("fsync", "fdatasync") and fd_path(a) == tmp and r == 0]
    renames = [i for i, (n, a, r) in enumerate(calls)
               if n.startswith("rename") and r == 0 and rename_paths(a, cwd) == (tmp, output)]
    dir_syncs = [i for i, (n, a, r) in enumerate(calls)
                 if n in ("fsync", "fdatasync") and fd_path(a) == directory and r == 0]
    ok = bool(writes and file_syncs and renames and dir_syncs and
              writes[-1] < file_syncs[-1] < renames[-1] < dir_syncs[-1])
    if not ok:
        print(f"    {output}: writes at {writes}, fsync(file) at {file_syncs}, "
              f"rename at {renames}, fsync(directory) at {dir_syncs}")
        for i, (n, a, r) in enumerate(calls):
            if n != "openat" or output in a or directory in a:
                print(f"    {i}: {n}({a[:100]}) = {r}")
    return ok


def main():
    if not shutil.which("strace"):
        print("SKIP no strace (scripts/install-deps installs it)")
        return SKIP
    with tempfile.TemporaryDirectory(prefix="crashhp-durable.") as top:
        top = os.path.realpath(top)
        if subprocess.run(["strace", "-qq", "-o", os.devnull, "true"],
                          capture_output=True).returncode:
            print("SKIP strace cannot trace here (ptrace not permitted)")
            return SKIP
        sysroot = os.path.join(top, "vm-dimms")
        subprocess.run(["sh", os.path.join(SOURCE, "tests", "fixtures", "mksysroot.sh"),
                        "vm-dimms", sysroot], check=True, cwd=top)
        out = os.path.join(top, "out")
        os.mkdir(out)

        output = os.path.join(out, "vm.hdr")
        rc, calls, said = traced([CRASHHP, "elfcorehdr", "--sysroot", sysroot, "-o", "out/vm.hdr"],
                                 top)
        check(rc == 0, f"elfcorehdr -o out/vm.hdr exits 0 ({rc})")
        check(durable_order(calls, output, top),
              "elfcorehdr -o out/vm.hdr: write, fsync(file), rename, fsync(out/)")

        # A bare name: the directory synced is the current one.
        output = os.path.join(out, "here.hdr")
        rc, calls, said = traced([CRASHHP, "elfcorehdr", "--sysroot", sysroot, "-o", "here.hdr"],
                                 out)
        check(rc == 0, f"elfcorehdr -o here.hdr exits 0 ({rc})")
        check(durable_order(calls, output, out),
              "elfcorehdr -o here.hdr: write, fsync(file), rename, fsync(.)")

        # watch's header: the uevent socket's peer is closed before watch
        # starts, so it reads the machine, writes its header and stops.
        output = os.path.join(out, "watch.hdr")
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        mine.close()
        rc, calls, said = traced([CRASHHP, "watch", "--json", "--sysroot", sysroot, "-o",
                                  output, "--uevent-fd", str(theirs.fileno())], top,
                                 pass_fds=[theirs.fileno()])
        theirs.close()
        check(rc == 0 and '"header": true' in said, f"watch -o wrote its header and exited 0 ({rc})")
        check(durable_order(calls, output, top),
              "watch -o out/watch.hdr: write, fsync(file), rename, fsync(out/)")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
