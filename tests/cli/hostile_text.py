# SPDX-License-Identifier: GPL-2.0-or-later
"""Text output (what a terminal shows: not --json, tables included) never
carries a byte a terminal acts on, whatever the names it prints hold -- the
fixtures of hostile_json.py: a sysroot path, file names, a scenario's name,
a configuration value and VMCOREINFO text with ESC sequences, CR, other C0
controls, DEL, C1 controls and bytes that are not UTF-8.  Both streams must
be valid UTF-8 (Python's strict decoder, RFC 3629) with no control
character (Unicode category Cc: C0, DEL, C1) but the newlines between lines;
a name is one line (its newline escaped); printable UTF-8 passes as it is.
Each other byte comes out as crashhp(1)'s TEXT OUTPUT spells it, \\xNN, as
util-linux's mbs_safe_encode() does, the name computed here independently.
(A character that stdout's buffer boundary cuts in two: unit_text_out.)
usage: hostile_text.py CRASHHP SOURCE_ROOT
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, summary  # noqa: E402
from hostile_json import HOSTILE, MKSYSROOT, crashhp, hostile_scenario  # noqa: E402


# The bidirectional embeddings, overrides and isolates (CVE-2021-42574,
# "Trojan Source"): printable to a terminal, which then reorders the line.
BIDI = {chr(c) for c in list(range(0x202A, 0x202F)) + list(range(0x2066, 0x206A))}


def acted_on(text):
    """The characters a terminal acts on (category Cc: C0, DEL, C1; the bidi
    controls), or the stream's first byte that is not UTF-8."""
    try:
        return sorted({c for c in text.decode("utf-8")
                       if unicodedata.category(c) == "Cc" or c in BIDI})
    except UnicodeDecodeError as e:
        return [f"not UTF-8 at byte {e.start}: {text[e.start:e.start + 4]!r}"]


def escaped(name):
    """NAME as a line of text spells it: printable UTF-8 as it is, any other
    byte, a newline, a bidi control and the backslash of a backslash-x as \\xNN."""
    out, i = [], 0
    while i < len(name):
        for n in (1, 2, 3, 4):
            try:
                c = name[i:i + n].decode("utf-8")
                break
            except UnicodeDecodeError:
                c = None
        if (c is None or unicodedata.category(c) == "Cc" or c in BIDI or c in "\u2028\u2029"
                or name[i:i + 2] == b"\\x"):
            out.append(b"\\x%02x" % name[i])
            i += 1
        else:
            out.append(name[i:i + n])
            i += n
    return b"".join(out)


def judged(what, res, codes=(0, 1)):
    """Neither stream holds a byte a terminal acts on (stdout: newlines apart)."""
    out = [c for c in acted_on(res.stdout) if c != "\n"]
    err = acted_on(res.stderr.rstrip(b"\n").replace(b"\n", b""))
    lines = res.stderr.rstrip(b"\n").count(b"\n") + 1 if res.stderr else 0
    check(not out, f"{what}: stdout is UTF-8 with no control character but newlines ({out})")
    check(not err, f"{what}: stderr is UTF-8 with no control character but newlines ({err})")
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
    res = crashhp("inspect", hdr)
    judged("inspect HEADER", res, codes=(0,))
    check(res.stdout.startswith(escaped(hdr) + b": elfcorehdr, x86_64"),
          f"inspect HEADER: the file's name on its first line, as the rule spells it "
          f"({res.stdout[:160]!r})")
    check("é€💥".encode() in res.stdout, "inspect HEADER: printable UTF-8 in the name passes")
    res = crashhp("sim", "--ram", "256M", "--crashkernel", "64M", "--cpus", "4:2:2",
                  "--vmcore", vmcore)
    check(b"kept at " + escaped(vmcore) + b"\n" in res.stdout,
          "sim --vmcore: the vmcore's name on its line, as the rule spells it")
    # A name that holds the text \x1b is not read as one that holds ESC.
    lookalike = os.path.join(d, b"h-\\x1b-\\y")
    os.rename(hdr, lookalike)
    res = crashhp("inspect", lookalike)
    check(res.stdout.startswith(escaped(lookalike) + b":") and b"h-\\x5cx1b-\\y:" in res.stdout,
          f"inspect of a file named h-\\x1b-\\y: printed h-\\x5cx1b-\\y ({res.stdout[-80:]!r})")
    os.rename(lookalike, hdr)

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
        f.write(b'KDUMP_KEXEC_ARGS="-d \x1b[31m\x01\r\\\\q\xc3\xa9\xc2\x9b2J"\n')
    res = crashhp("status", "--sysroot", deb)
    judged("status", res, codes=(0, 6, 7))
    check(b"\nMachine:" in res.stdout and
          res.stdout.split(b"\nMachine:")[1].split(b"\n")[0].strip() == escaped(deb),
          "status: the sysroot's name on the Machine: line, as the rule spells it")
    out_hdr = os.path.join(d, b"live-" + HOSTILE + b".hdr")
    judged("elfcorehdr -o", crashhp("elfcorehdr", "--sysroot", deb, "-o", out_hdr), codes=(0,))
    judged("elfcorehdr (ranges table)", crashhp("elfcorehdr", "--sysroot", deb), codes=(0,))
    res = crashhp("verify", "--sysroot", deb, out_hdr)
    judged("verify", res)
    check(res.stdout.startswith(escaped(out_hdr) + b" against " + escaped(deb) + b": elfcorehdr"),
          "verify: both names on its first line, as the rule spells them")
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
    # What a file holds, quoted in an error, is escaped once, by the same rule: its ESC
    # as \x1b, the text \x41 in it as \x5cx41 (the library quotes the bytes, not an escape).
    vm = os.path.join(d, b"vm-dimms-" + HOSTILE)
    with open(os.path.join(vm, b"sys/devices/system/cpu/online"), "wb") as f:
        f.write(b"0-1,\x1b[1m\\x41\n")
    res = crashhp("status", "--sysroot", vm)
    judged("status (a CPU list holding ESC and the text \\x41)", res, codes=(3,))
    check(b"'0-1,\\x1b[1m\\x5cx41'" in res.stderr,
          f"status: the file's ESC as \\x1b, its text \\x41 as \\x5cx41, escaped once "
          f"({res.stderr[-120:]!r})")
    # stderr spells a name as stdout does (crashhp(1) TEXT OUTPUT): the text \x1b
    # in a name as \x5cx1b, never as an escaped ESC; every error that names a file.
    look = os.path.join(d, b"gone-\\x1b-\\y-" + HOSTILE)
    lookdir = os.path.join(look, b"out")
    lookd = os.path.join(d, b"dir-\\x1b-" + HOSTILE)
    os.mkdir(lookd)
    scn_look = os.path.join(d, b"scn-\\x1b-" + HOSTILE + b".scn")
    with open(scn_look, "w") as f:
        f.write("ram 2G\ncpus 4:8:8\n")
    for args, name in ((("status", "--sysroot", look), look), (("inspect", look), look),
                       (("sim", look), look), (("verify", "--sysroot", deb, look), look),
                       (("elfcorehdr", "--sysroot", deb, "-o", lookdir), lookdir),
                       (("sim", "--vmcore", lookdir), lookdir),
                       (("sim", "--svg", lookdir, scn), lookdir),
                       (("sim", scn_look), scn_look), (("inspect", lookd), lookd)):
        res = crashhp(*args)
        what = (" ".join(a if isinstance(a, str) else "NAME" for a in args)
                + " (error naming a \\x1b lookalike)")
        judged(what, res, codes=(2, 3, 4))
        check(escaped(name) in res.stderr and b"\\x5cx1b" in res.stderr,
              f"{what}: the name on stderr as the rule spells it "
              f"({res.stderr[:160]!r})")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
