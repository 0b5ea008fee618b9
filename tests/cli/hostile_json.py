# SPDX-License-Identifier: GPL-2.0-or-later
"""Every command's --json output stays valid JSON whatever the names it
prints hold: a sysroot path, file names, a scenario's name, a configuration
value and a note's text with quotes, backslashes, control characters, UTF-8
and bytes that are not UTF-8.  Each output is parsed strictly (jsoncheck:
UTF-8, no NaN, no duplicate key, and jq where installed), and each name must
come back as Python's own bytes.decode("utf-8", "replace") spells it -- the
one rule of crashhp(1)'s JSON OUTPUT, checked against a decoder nobody here
wrote.  watch --json runs a reload that writes to its stdout: that output
must reach stderr, never the JSON lines.
usage: hostile_json.py CRASHHP SOURCE_ROOT
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, summary  # noqa: E402
from jsoncheck import parse, problems  # noqa: E402

CRASHHP = os.path.abspath(sys.argv[1])
MKSYSROOT = os.path.join(os.path.abspath(sys.argv[2]), "tests", "fixtures", "mksysroot.sh")

# Quote, backslash, tab, newline, C0 controls and DEL, UTF-8 (2, 3 and 4
# bytes), two bidi controls, then what is not UTF-8: a lone continuation, a byte never used, a
# truncated sequence, an overlong '/', a surrogate, a code point past U+10FFFF.
# The bidi controls U+202E and U+2066 (CVE-2021-42574) are valid UTF-8: JSON keeps them.
HOSTILE = (b'q"uote\\back\tt\nn\x01\x1b[31m\x7f-\xc3\xa9\xe2\x82\xac\xf0\x9f\x92\xa5-'
           b'\xe2\x80\xaeRLO\xe2\x81\xa6LRI-'
           b'\x80\xff\xe2\x82-\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80')


def as_json_reads(b):
    """What the rule says a name looks like once parsed."""
    return b.decode("utf-8", "replace")


def strings(doc):
    if isinstance(doc, str):
        yield doc
    elif isinstance(doc, dict):
        for v in doc.values():
            yield from strings(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from strings(v)


def crashhp(*args, cwd=None):
    return subprocess.run([CRASHHP] + [os.fsdecode(a) if isinstance(a, bytes) else a for a in args],
                          capture_output=True, check=False, cwd=cwd)


def judged(what, res, names=(), codes=(0,)):
    """res's stdout is valid JSON holding each of NAMES as the rule spells it."""
    bad = problems(res.stdout)
    check(not bad, f"{what}: valid JSON ({'; '.join(bad) or 'parsed'})")
    check(res.returncode in codes, f"{what}: exit {res.returncode} (expected one of {codes}; "
                                   f"{res.stderr.decode(errors='replace').strip()[:200]})")
    if bad:
        return None
    doc = parse(res.stdout.decode())
    found = list(strings(doc))
    for n in names:
        want = as_json_reads(n)
        check(any(want in s for s in found), f"{what}: the name comes back as {want!r}")
    return doc


def offline_events(block, seq):
    """A framed uevent (watch --uevent-fd) taking a memory block offline."""
    import struct
    msg = (f"offline@/devices/system/memory/memory{block}\0ACTION=offline\0"
           f"DEVPATH=/devices/system/memory/memory{block}\0SUBSYSTEM=memory\0"
           f"SEQNUM={seq}\0").encode()
    return b"CHPUEV1\0" + struct.pack("<IIII", 0, 1, 0, 0) + msg


def main():
    work = os.fsencode(tempfile.mkdtemp(prefix="crashhp-hostile-"))
    try:
        return scenarios(work)
    finally:
        shutil.rmtree(work)


def hostile_scenario(work):
    """A directory and a small scenario file in it, both with hostile names."""
    d = os.path.join(work, b"d-" + HOSTILE)
    os.mkdir(d)
    scn = os.path.join(d, b"scn-" + HOSTILE + b".scn")
    with open(scn, "w") as f:
        f.write("ram 2G\ncrashkernel 128M\nadd-dimm 512M\ncrash\n")
    return d, scn


def scenarios(work):
    # sim: a scenario file and the files it writes, all with hostile names.
    d, scn = hostile_scenario(work)
    judged("sim --json SCENARIO", crashhp("sim", "--json", os.path.basename(scn), cwd=d),
           [os.path.basename(scn)])
    # A scenario's name is its path, kept whole however long: 300 bytes and more.
    deep = os.path.join(d, b"x" * 200, b"y" * 100)
    os.makedirs(deep)
    long_scn = os.path.join(deep, b"scn-" + HOSTILE + b".scn")
    shutil.copy(scn, long_scn)
    doc = judged(f"sim --json SCENARIO ({len(long_scn)}-byte path)",
                 crashhp("sim", "--json", long_scn), [long_scn])
    check(len(long_scn) >= 300 and doc is not None
          and doc.get("scenario") == as_json_reads(long_scn),
          f"sim --json: the {len(long_scn)}-byte scenario path is the whole \"scenario\"")
    hdr, vmcore = os.path.join(d, b"h-" + HOSTILE), os.path.join(d, b"v-" + HOSTILE)
    judged("sim --json --vmcore --elfcorehdr",
           crashhp("sim", "--json", "--ram", "256M", "--crashkernel", "64M", "--cpus", "4:2:2",
                   "--elfcorehdr", hdr, "--vmcore", vmcore), [vmcore])
    # -J: one crash's table alone, as lsmem -J and verify -J print theirs: {"items": [rows]},
    # each row the -o columns in lower case; --json stays the whole document.
    rows_vmcore = os.path.join(d, b"rows-" + HOSTILE)
    doc = judged("sim -J --vmcore (the table)",
                 crashhp("sim", "-J", "-o", "item,size,detail", "--ram", "256M", "--crashkernel",
                         "64M", "--cpus", "4:2:2", "--vmcore", rows_vmcore), [rows_vmcore])
    rows = doc.get("items") if isinstance(doc, dict) else None
    check(isinstance(doc, dict) and list(doc) == ["items"] and isinstance(rows, list)
          and [r.get("item") for r in rows] == ["crashkernel", "elfcorehdr", "crash", "vmcore",
                                                "verdict"]
          and all(list(r) == ["item", "size", "detail"] for r in rows)
          and rows[0]["size"] == "64M" and rows[2]["size"] is None,
          f"sim -J: {{\"items\": [rows of -o's columns]}}, not the whole document "
          f"({str(doc)[:120]})")

    # inspect: the file's name, and a note whose text is hostile bytes.
    judged("inspect --json HEADER", crashhp("inspect", "--json", hdr), [hdr])
    judged("inspect -J HEADER (the table)", crashhp("inspect", "-J", "-o", "type,memsz", hdr))
    with open(vmcore, "rb") as f:
        data = f.read()
    old = b"OSRELEASE=6.12.0-crashhp-lab"
    check(old in data, "the vmcore has the VMCOREINFO text to make hostile")
    text = (b'OSRELEASE="\x01\xff\\' + b"\xc3\xa9" * 20)[:len(old)]
    bad_vmcore = os.path.join(d, b"hostile-note-" + HOSTILE)
    with open(bad_vmcore, "wb") as f:
        f.write(data.replace(old, text, 1))
    judged("inspect --json VMCORE (hostile note text)", crashhp("inspect", "--json", bad_vmcore),
           [bad_vmcore, text])

    # The live commands: a sysroot with a hostile path and a hostile setting.
    for fixture in ("kexec-load-debian", "vm-dimms"):
        root = os.path.join(d, fixture.encode() + b"-" + HOSTILE)
        subprocess.run(["sh", MKSYSROOT, fixture, root], check=True)
    deb = os.path.join(d, b"kexec-load-debian-" + HOSTILE)
    with open(os.path.join(deb, b"etc/default/kdump-tools"), "wb") as f:
        f.write(b'KDUMP_KEXEC_ARGS="-d \x01\xff\\\\q\xc3\xa9"\n')
    doc = judged("status --json", crashhp("status", "--json", "--sysroot", deb), [deb],
                 codes=(0, 6, 7))
    check(doc is not None and any(as_json_reads(b"\x01\xff") in s for s in strings(doc)),
          "status --json: the hostile KDUMP_KEXEC_ARGS is shown by the rule")
    out_hdr = os.path.join(d, b"live-" + HOSTILE + b".hdr")
    judged("elfcorehdr --json -o", crashhp("elfcorehdr", "--json", "--sysroot", deb, "-o", out_hdr),
           [deb, out_hdr])
    judged("verify --json", crashhp("verify", "--json", "--sysroot", deb, out_hdr), [deb, out_hdr],
           codes=(0, 1))
    judged("verify -J (the findings table)", crashhp("verify", "-J", "--sysroot", deb, out_hdr),
           codes=(0, 1))
    # An error: nothing on stdout, or valid JSON.
    res = crashhp("status", "--json", "--sysroot", os.path.join(d, b"missing-" + HOSTILE))
    check(not res.stdout or not problems(res.stdout),
          f"status --json on a missing sysroot: stdout empty or valid (exit {res.returncode})")

    # watch: a hostile sysroot, and a reload that writes junk to its stdout.
    dimms = os.path.join(d, b"vm-dimms-" + HOSTILE)
    junk = "{not json \"\x01"
    sock, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    proc = subprocess.Popen([CRASHHP, "watch", "--json", "--uevent-fd", str(child.fileno()),
                             "--sysroot", os.fsdecode(dimms),
                             "--reload", f"printf '%s\\n' '{junk}'; echo plain"],
                            pass_fds=[child.fileno()], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    child.close()
    # memory40 is a hot-added DIMM's online block: x86 offline asks for a reload.
    sock.send(offline_events(40, 1))
    sock.close()  # the end of the stream: watch stops once the reload has finished
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        check(False, "watch did not stop")
    bad = problems(out, lines=True)
    check(not bad, f"watch --json: every line valid JSON ({'; '.join(bad) or 'parsed'})")
    lines = [parse(l) for l in out.decode(errors="replace").split("\n") if l.strip()] if not bad else []
    check(any(l.get("watching") == as_json_reads(dimms) for l in lines),
          "watch --json: the READY line names the hostile sysroot by the rule")
    check(any(l.get("reload") == "done" for l in lines), "watch --json: the reload ran")
    check(b"{not json" in err and b"plain" in err and b"plain" not in out.split(b"\n"),
          "watch --json: the reload's stdout went to stderr, not between the JSON lines")
    check(proc.returncode == 0, f"watch exit {proc.returncode}")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
