# SPDX-License-Identifier: GPL-2.0-or-later
"""Text output (what a terminal shows: not --json, tables included) never
carries a byte a terminal acts on, whatever the names it prints hold -- the
fixtures of hostile_json.py: a sysroot path, file names, a scenario's name,
a configuration value and VMCOREINFO text with ESC sequences, CR, other C0
controls and DEL.  stdout may hold newlines between its lines; stderr's
messages are one line each (a newline in a name is escaped too).  Each such
byte must come out as the one rule of crashhp(1)'s TEXT OUTPUT spells it,
\\xNN, so the name is still readable.
usage: hostile_text.py CRASHHP SOURCE_ROOT
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, summary  # noqa: E402
from hostile_json import HOSTILE, MKSYSROOT, crashhp, hostile_scenario  # noqa: E402

# What a terminal acts on: C0 controls and DEL (ESC among them).
ACTED_ON = set(range(0x20)) | {0x7f}


def judged(what, res, codes=(0, 1)):
    """Neither stream holds a byte a terminal acts on (stdout: newlines apart)."""
    out = {b for b in res.stdout if b in ACTED_ON} - {0x0a}
    err = {b for b in res.stderr.rstrip(b"\n").replace(b"\n", b"") if b in ACTED_ON}
    lines = res.stderr.rstrip(b"\n").count(b"\n") + 1 if res.stderr else 0
    check(not out, f"{what}: stdout has no control byte but newlines ({sorted(out)})")
    check(not err, f"{what}: stderr has no control byte but newlines ({sorted(err)})")
    check(res.returncode in codes, f"{what}: exit {res.returncode} (expected one of {codes}; "
                                   f"{res.stderr.decode(errors='replace').strip()[:200]})")
    return lines


def main():
    work = os.fsencode(tempfile.mkdtemp(prefix="crashhp-hostile-text-"))
    try:
        return scenarios(work)
    finally:
        shutil.rmtree(work)


def scenarios(work):
    d, scn = hostile_scenario(work)
    res = crashhp("sim", scn)
    judged("sim SCENARIO", res, codes=(0,))
    check(b"\\x1b[31m" in res.stdout, "sim SCENARIO: the name's ESC printed as \\x1b")
    judged("sim -r SCENARIO (raw tables)", crashhp("sim", "-r", scn), codes=(0,))
    hdr, vmcore = os.path.join(d, b"h-" + HOSTILE), os.path.join(d, b"v-" + HOSTILE)
    judged("sim --vmcore --elfcorehdr",
           crashhp("sim", "--ram", "256M", "--crashkernel", "64M", "--cpus", "4:2:2",
                   "--elfcorehdr", hdr, "--vmcore", vmcore), codes=(0,))
    judged("inspect HEADER", crashhp("inspect", hdr), codes=(0,))

    # VMCOREINFO text with an ESC sequence, CR, BEL, backspace and DEL.
    with open(vmcore, "rb") as f:
        data = f.read()
    old = b"OSRELEASE=6.12.0-crashhp-lab"
    text = (b"OSRELEASE=\x1b]0;pwned\x07\r\x08\x7f\x1b[2J" + b"x" * 40)[:len(old)]
    bad_vmcore = os.path.join(d, b"hostile-note-" + HOSTILE)
    with open(bad_vmcore, "wb") as f:
        f.write(data.replace(old, text, 1))
    res = crashhp("inspect", bad_vmcore)
    judged("inspect VMCORE (hostile note text)", res, codes=(0,))
    check(b"\\x1b]0;pwned\\x07\\x0d" in res.stdout,
          "inspect VMCORE: the VMCOREINFO text's controls printed as \\xNN")
    judged("inspect -r VMCORE (raw table)", crashhp("inspect", "-r", bad_vmcore), codes=(0,))

    for fixture in ("kexec-load-debian", "vm-dimms"):
        root = os.path.join(d, fixture.encode() + b"-" + HOSTILE)
        subprocess.run(["sh", MKSYSROOT, fixture, root], check=True)
    deb = os.path.join(d, b"kexec-load-debian-" + HOSTILE)
    with open(os.path.join(deb, b"etc/default/kdump-tools"), "wb") as f:
        f.write(b'KDUMP_KEXEC_ARGS="-d \x1b[31m\x01\r\\\\q\xc3\xa9"\n')
    res = crashhp("status", "--sysroot", deb)
    judged("status", res, codes=(0, 6, 7))
    out_hdr = os.path.join(d, b"live-" + HOSTILE + b".hdr")
    judged("elfcorehdr -o", crashhp("elfcorehdr", "--sysroot", deb, "-o", out_hdr), codes=(0,))
    judged("elfcorehdr (ranges table)", crashhp("elfcorehdr", "--sysroot", deb), codes=(0,))
    judged("verify", crashhp("verify", "--sysroot", deb, out_hdr))
    judged("verify VMCORE (hostile note)", crashhp("verify", "--sysroot", deb, bad_vmcore),
           codes=(0, 1, 3))
    # Errors: one line each, the name escaped.
    missing = os.path.join(d, b"missing-" + HOSTILE)
    for args in (("status", "--sysroot", missing), ("inspect", missing), ("sim", missing),
                 ("verify", "--sysroot", deb, missing), ("inspect", "--kind", HOSTILE, hdr),
                 ("sim", "--ram", HOSTILE)):
        res = crashhp(*args)
        what = " ".join(a if isinstance(a, str) else "HOSTILE" for a in args[:-1]) + " (error)"
        lines = judged(what, res, codes=(2, 3, 4))
        check(lines == 1, f"{what}: one line on stderr ({lines})")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
