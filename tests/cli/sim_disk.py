#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sim never fills a disk nor leaves a vmcore behind.

1. A vmcore larger than its file system's free space (statvfs) is refused
   before the first byte: exit 4, the directory and both sizes named, the
   way out (TMPDIR or --vmcore elsewhere) said, no file left.  Every child
   runs under RLIMIT_FSIZE 128 MiB (the crash region, 64 MiB, is a file too), so that if the check is broken the write
   stops at 64 MiB (EFBIG) instead of filling the disk.
2. SIGTERM and SIGINT while the vmcore is written (the handshake: its
   vmcore.partial-* file has appeared), and SIGTERM while it is verified
   (the handshake: the temporary vmcore has been renamed into place), leave
   no partial file, no temporary vmcore and no crashhp-sim-* directory, and
   the process dies of the signal, as it would have.

usage: sim_disk.py CRASHHP
"""
import glob
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

from checks import check, summary

CRASHHP = os.path.abspath(sys.argv[1])
LIMIT = 128 << 20


def limited():
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def leftovers(d):
    return sorted(os.path.relpath(p, d) for p in glob.glob(os.path.join(d, "**"), recursive=True)
                  if p != d + "/")


def refused_up_front(work):
    free = os.statvfs(work).f_bavail * os.statvfs(work).f_frsize
    if free > (60 << 40):
        print(f"skip the free-space check: {free} bytes free here")
        return
    for args, env_tmp, way_out in (
            (["--ram", "64T", "--crashkernel", "64M", "--vmcore", os.path.join(work, "v")], None,
             "--vmcore"),
            (["--ram", "64T", "--crashkernel", "64M"], work, "TMPDIR")):
        env = dict(os.environ)
        if env_tmp:
            env["TMPDIR"] = env_tmp
        p = subprocess.run([CRASHHP, "sim"] + args, capture_output=True, text=True, env=env,
                           preexec_fn=limited, check=False)
        what = "sim " + " ".join(args) + (" with TMPDIR" if env_tmp else "")
        check(p.returncode == 4, f"{what}: exit 4, not {p.returncode}")
        # The directory (the temporary one inside TMPDIR, else --vmcore's), both sizes.
        check(work in p.stderr and " MiB free, the vmcore takes 67108" in p.stderr
              and way_out in p.stderr, f"{what}: names the directory, both sizes and "
              f"{way_out}: {p.stderr.strip()!r}")
        check("File too large" not in p.stderr, f"{what}: refused before writing, not by EFBIG")
        check(leftovers(work) == [], f"{what}: nothing left in {work}: {leftovers(work)}")


def wait_for(pattern, proc):
    """Poll for a file matching `pattern` (no sleep as a guess: the file is the handshake)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        found = glob.glob(pattern)
        if found:
            return found[0]
        time.sleep(0.001)
    return None


def killed_mid_run(top, sig, phase, vmcore_opt):
    work = tempfile.mkdtemp(dir=top)
    env = dict(os.environ, TMPDIR=work)
    args = [CRASHHP, "sim", "--ram", "512M", "--crashkernel", "64M"]
    if vmcore_opt:
        args += ["--vmcore", os.path.join(work, "kept")]
        pattern = os.path.join(work, "kept.partial-*")
    else:
        pattern = os.path.join(work, "crashhp-sim-*",
                               "vmcore.partial-*" if phase == "write" else "vmcore")
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=limited if phase == "write" else None)
    seen = wait_for(pattern, proc)
    what = f"{signal.Signals(sig).name} while {'--vmcore' if vmcore_opt else 'the temporary'} " \
           f"vmcore is {'written' if phase == 'write' else 'verified'}"
    check(seen is not None, f"{what}: {pattern} appeared while sim ran")
    if proc.poll() is None:
        proc.send_signal(sig)
    proc.wait()
    check(proc.returncode == -sig, f"{what}: died of the signal ({proc.returncode})")
    check(leftovers(work) == [], f"{what}: nothing left in TMPDIR: {leftovers(work)}")
    os.rmdir(work) if not leftovers(work) else None


def main():
    with tempfile.TemporaryDirectory(prefix="crashhp-sim-disk-") as work:
        refused_up_front(work)
        for sig in (signal.SIGTERM, signal.SIGINT):
            killed_mid_run(work, sig, "write", False)
        killed_mid_run(work, signal.SIGTERM, "write", True)
        killed_mid_run(work, signal.SIGTERM, "verify", False)
    return summary()


sys.exit(main())
