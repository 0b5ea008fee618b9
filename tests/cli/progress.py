#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Progress on stderr: shown on a terminal (a pty here), never on a pipe or
a file, only after CRASHHP_PROGRESS_AFTER seconds (1 by default; 0 and 3600
here, so that no check depends on how fast the machine is), wiped at the end
so the report starts on a clean line, and stdout the same either way.  And
`sim` writes the vmcore of one crash under TMPDIR.  `verify` and `inspect`
of a makedumpfile dump show it being read (a flattened one rearranged, the
bitmap scanned: minutes for a large machine's; libkdumpfile's step, which
cannot say how far it has got, as a spinner and the time taken), on the
real -c and -F output of tests/fixtures/makedumpfile.

usage: progress.py CRASHHP"""
import gzip
import os
import re
import shutil
import pty
import subprocess
import sys
import tempfile

from checks import check, run, summary

SCENARIO = ("ram 2G\ncrash-every 8\nconcurrent 2 50 2\nstorm 100\nadd-dimm 512M\n"
            "offline-block 133\nonline-block 133\nremove-dimm\ncrash\n")
ONE_CRASH = ["sim", "--ram", "256M", "--crashkernel", "64M"]


def on_pty(argv, env):
    """Run with stderr on a pty (stdout to a pipe): (exit, stdout, stderr bytes)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer has closed the pty
            break
        if not chunk:
            break
        err += chunk
    out = p.stdout.read()
    p.wait()
    os.close(master)
    return p.returncode, out, err


def main():
    crashhp = os.path.abspath(sys.argv[1])
    d = tempfile.mkdtemp(prefix="crashhp-progress-")
    scn = os.path.join(d, "p.scn")
    with open(scn, "w") as f:
        f.write(SCENARIO)
    now = dict(os.environ, CRASHHP_PROGRESS_AFTER="0")
    later = dict(os.environ, CRASHHP_PROGRESS_AFTER="3600")

    rc, out, err = on_pty([crashhp, "sim", scn], now)
    plain = subprocess.run([crashhp, "sim", scn], capture_output=True, env=now, check=False)
    check(rc == 0 and plain.returncode == 0, f"scenario: exit {rc} on a pty, {plain.returncode} piped")
    for what in (b"mainline: events: ", b"robust: events: ", b"mainline: concurrent rounds: ",
                 b"robust: concurrent rounds: "):
        check(what in err, f"scenario on a pty shows {what.decode()!r}")
    check(err.endswith(b"\r\x1b[K"), f"the progress line is wiped at the end: {err[-20:]!r}")
    check(plain.stderr == b"", f"scenario piped: nothing on stderr ({plain.stderr[:80]!r})")

    def steady(text):  # timings and the concurrent phase's numbers vary from run to run
        return [b" ".join(ln.split()) for ln in re.split(rb"\n *concurrent:", text)[0].splitlines()
                if b"update" not in ln]  # a table: its widths follow the timings
    check(steady(out) == steady(plain.stdout) and len(steady(out)) > 10,
          "stdout is the same on a pty and piped")

    rc, out, err = on_pty([crashhp, "sim", scn], later)
    check(rc == 0 and err == b"", f"before CRASHHP_PROGRESS_AFTER: nothing on the pty ({err[:80]!r})")

    rc, out, err = on_pty([crashhp] + ONE_CRASH, now)
    check(rc == 0, f"one crash on a pty: exit {rc}")
    check(b"writing the vmcore: " in err and b"MiB of " in err,
          f"one crash shows the vmcore being written: {err[:100]!r}")
    check(b"comparing the vmcore with memory: " in err, "and then being compared")
    check(b"COMPLETE" in out and b"crashhp:" not in out, "the report on stdout, without progress")
    r = subprocess.run([crashhp] + ONE_CRASH, capture_output=True, env=now, check=False)
    check(r.returncode == 0 and r.stderr == b"", f"one crash piped: nothing on stderr ({r.stderr[:80]!r})")
    with open(os.path.join(d, "log"), "wb") as log:
        r = subprocess.run([crashhp] + ONE_CRASH, stdout=subprocess.DEVNULL, stderr=log, env=now,
                           check=False)
    check(os.path.getsize(os.path.join(d, "log")) == 0, "stderr to a file: nothing written")

    # A makedumpfile dump, flattened: read with progress, verify's report the same.
    flat = os.path.join(d, "lab.flat")
    fx = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "makedumpfile")
    with gzip.open(os.path.join(fx, "lab.flat.gz")) as g, open(flat, "wb") as f:
        shutil.copyfileobj(g, f)
    sysroot = os.path.join(d, "sysroot")
    subprocess.run(["sh", os.path.join(fx, "..", "mksysroot.sh"), "lab-192m", sysroot], check=True)
    for cmd in (["verify", "--sysroot", sysroot, flat], ["inspect", flat]):
        rc, out, err = on_pty([crashhp] + cmd, now)
        piped = subprocess.run([crashhp] + cmd, capture_output=True, env=now, check=False)
        check(rc == 0 and re.match(rb"\rcrashhp: reading the dump: [0-9.]+ [KMG]?i?B of 1\.1 MiB", err)
              and err.endswith(b"\r\x1b[K"),
              f"{cmd[0]} of a flattened dump on a pty: exit {rc}, {err[:80]!r}, wiped at the end")
        check(piped.returncode == 0 and piped.stderr == b"" and piped.stdout == out,
              f"{cmd[0]} piped: nothing on stderr ({piped.stderr[:80]!r}), the same stdout")
    # Kdump-compressed: libkdumpfile's step (no hook to say how far) shows a spinner and the time.
    kdump = os.path.join(d, "lab.kdump")
    with gzip.open(os.path.join(fx, "lab.kdump.gz")) as g, open(kdump, "wb") as f:
        shutil.copyfileobj(g, f)
    for cmd in (["verify", "--sysroot", sysroot, kdump], ["inspect", kdump]):
        rc, out, err = on_pty([crashhp] + cmd, now)
        check(rc == 0 and re.match(rb"\rcrashhp: reading the dump: [-\\|/] [0-9]+\.[0-9] s\x1b\[K", err)
              and err.endswith(b"\r\x1b[K"),
              f"{cmd[0]} of a kdump-compressed dump on a pty: the libkdumpfile step's spinner and "
              f"time: exit {rc}, {err[:80]!r}, wiped at the end")
        rc, out, err = on_pty([crashhp] + cmd, later)
        check(rc == 0 and err == b"", f"{cmd[0]} before CRASHHP_PROGRESS_AFTER: nothing ({err[:80]!r})")
    os.unlink(kdump)
    shutil.rmtree(sysroot)

    # TMPDIR: the vmcore goes there (a directory that cannot be used says so), and nothing is left.
    tmp = os.path.join(d, "tmp")
    os.mkdir(tmp)
    r = run(crashhp, *ONE_CRASH, env=dict(os.environ, TMPDIR=tmp))
    check(r.returncode == 0 and os.listdir(tmp) == [],
          f"TMPDIR={tmp}: exit {r.returncode}, left {os.listdir(tmp)}")
    gone = os.path.join(d, "no-such-dir")
    r = run(crashhp, *ONE_CRASH, env=dict(os.environ, TMPDIR=gone))
    check(r.returncode == 4 and gone in r.stderr and "TMPDIR" in r.stderr,
          f"TMPDIR that does not exist: exit {r.returncode}, {r.stderr.strip()!r}")
    for f in os.listdir(d):
        p = os.path.join(d, f)
        os.rmdir(p) if os.path.isdir(p) else os.unlink(p)
    os.rmdir(d)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
