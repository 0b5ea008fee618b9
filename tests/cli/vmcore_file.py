# SPDX-License-Identifier: GPL-2.0-or-later
"""sim --vmcore FILE is written as every other output crashhp keeps: created
0666 less the umask (0644 under umask 022, 0600 under 077, as the shell's `>`
makes it), and whole or not at all -- a write that fails half-way (here the
file-size limit, RLIMIT_FSIZE, with SIGXFSZ ignored so write(2) answers
EFBIG, as a full disk answers ENOSPC) leaves the old FILE as it was and no
temporary file beside it.  A FILE that is not a regular file is refused
(exit 2, usage) before the run.
usage: vmcore_file.py CRASHHP
"""
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, summary  # noqa: E402

CRASHHP = os.path.abspath(sys.argv[1])
# A 256 MiB machine: a 223 MiB vmcore, a 64 MiB crash region.
MACHINE = ["--ram", "256M", "--crashkernel", "64M", "--cpus", "2:1:1"]


def sim(vmcore, umask=0o022, fsize=None, ignore_xfsz=True, args=None):
    def child():
        os.umask(umask)
        if fsize is not None:
            # The shell's `ulimit -f` leaves SIGXFSZ at its default (death):
            # crashhp ignores it itself, so both must end the same way.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN if ignore_xfsz else signal.SIG_DFL)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    return subprocess.run([CRASHHP, "sim"] + (MACHINE if args is None else args)
                          + ["--vmcore", vmcore],
                          capture_output=True, text=True, check=False, preexec_fn=child)


def half_written(work, name, what, **kwargs):
    """A write past the file-size limit: exit 4 naming the file, the old FILE kept, no partial."""
    d = os.path.join(work, name)
    os.mkdir(d)
    path = os.path.join(d, "vmcore")
    with open(path, "w") as f:
        f.write("the old dump\n")
    res = sim(path, fsize=100 << 20, **kwargs)
    check(res.returncode == 4, f"{what}: exit {res.returncode} (4, an output error, not 3, bad "
                               f"input): {res.stderr.strip()[:200]}")
    check("File too large" in res.stderr and path in res.stderr,
          f"{what}: the error names {path} and why: {res.stderr.strip()[:200]}")
    check("no dump" not in res.stderr, f"{what}: the dump was taken, its copy not written: "
                                       f"not 'no dump' ({res.stderr.strip()[:120]})")
    with open(path) as f:
        check(f.read() == "the old dump\n", f"{what}: the old FILE is left as it was")
    check(os.listdir(d) == ["vmcore"], f"{what}: no partial file left beside it ({os.listdir(d)})")


def main():
    work = tempfile.mkdtemp(prefix="crashhp-vmcore-file-")
    try:
        for umask, want in ((0o022, 0o644), (0o077, 0o600)):
            d = os.path.join(work, f"umask{umask:03o}")
            os.mkdir(d)
            path = os.path.join(d, "vmcore")
            res = sim(path, umask)
            check(res.returncode == 0, f"umask {umask:03o}: sim exit {res.returncode} "
                                       f"{res.stderr.strip()[:200]}")
            mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.exists(path) else None
            check(mode == want, f"umask {umask:03o}: vmcore mode {oct(mode) if mode else mode}, "
                                f"expected {oct(want)}")
            check(os.listdir(d) == ["vmcore"], f"umask {umask:03o}: nothing else beside it "
                                               f"({os.listdir(d)})")

        # A write that fails half-way: past the 64 MiB crash region, short of the vmcore;
        # one crash, the same under the shell's ulimit -f (SIGXFSZ not ignored), and a
        # scenario's crash line writing its dump.
        half_written(work, "efbig", "one crash, a write failing half-way")
        half_written(work, "efbig-shell", "one crash, SIGXFSZ at its default", ignore_xfsz=False)
        scn = os.path.join(work, "crash.scn")
        with open(scn, "w") as f:
            f.write("policies robust\nram 512M\ncrashkernel 64M\nadd-dimm 512M\ncrash\n")
        half_written(work, "efbig-scenario", "a scenario's crash line", args=[scn])
        # The crash region is a memory file (memfd): the limit bounds it too.  Not the
        # scenario's fault: exit 4, said so, before any output.
        def limited():
            resource.setrlimit(resource.RLIMIT_FSIZE, (32 << 20, 32 << 20))
        res = subprocess.run([CRASHHP, "sim", scn], capture_output=True, text=True, check=False,
                             preexec_fn=limited)
        check(res.returncode == 4 and "ulimit -f" in res.stderr and not res.stdout,
              f"a crash region above the file-size limit: exit {res.returncode} (4), the limit "
              f"named: {res.stderr.strip()[:200]}")

        # A FIFO would be replaced by a regular file: refused, left alone.
        fifo = os.path.join(work, "fifo")
        os.mkfifo(fifo)
        res = sim(fifo)
        check(res.returncode == 2 and stat.S_ISFIFO(os.lstat(fifo).st_mode),
              f"--vmcore FIFO refused (exit {res.returncode}: {res.stderr.strip()[:200]}), "
              "the FIFO kept")
    finally:
        shutil.rmtree(work)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
