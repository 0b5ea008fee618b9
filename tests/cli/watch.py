#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""crashhp watch driven through a socketpair with framed uevents.

On the vm-dimms fixture (crash hotplug on, x86): a block going offline
leaves the header (checked with inspect), coming back returns it; spoofed
messages are refused and change nothing; a CPU event needs no reload, an x86
memory removal does.  On holes-no-hotplug: five events during a slow reload
give exactly two reloads (one now, one for everything meanwhile).

usage: watch.py CRASHHP SOURCE_ROOT
"""
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

from checks import check, summary

CRASHHP = os.path.abspath(sys.argv[1])
MKSYSROOT = os.path.join(os.path.abspath(sys.argv[2]), "tests", "fixtures", "mksysroot.sh")



def frame(msg, pid=0, creds=1, uid=0):
    return b"CHPUEV1\0" + struct.pack("<IIII", pid, creds, uid, 0) + msg


def uevent(action, devpath, subsystem, seq):
    fields = [f"{action}@{devpath}", f"ACTION={action}", f"DEVPATH={devpath}",
              f"SUBSYSTEM={subsystem}", f"SEQNUM={seq}"]
    return b"\0".join(f.encode() for f in fields) + b"\0"


def mem(action, n, seq):
    return uevent(action, f"/devices/system/memory/memory{n}", "memory", seq)


def cpu(action, n, seq):
    return uevent(action, f"/devices/system/cpu/cpu{n}", "cpu", seq)


def watch(args, messages, pause=0.0):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    proc = subprocess.Popen([CRASHHP, "watch", "--json", "--uevent-fd", str(b.fileno())] + args,
                            pass_fds=[b.fileno()], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    b.close()
    for m in messages:
        a.send(m)
        if pause:
            time.sleep(pause)
    a.close()  # end of stream: watch stops (after a running reload)
    out, err = proc.communicate(timeout=60)
    lines = [json.loads(l) for l in out.splitlines() if l.strip()]
    return proc.returncode, lines, err


def notes(path):
    """The header's PT_NOTE paddrs: a CPU's crash_notes each, and vmcoreinfo."""
    res = subprocess.run([CRASHHP, "inspect", "--json", path], capture_output=True, text=True)
    return sorted(int(p["paddr"], 16) for p in json.loads(res.stdout)["program_headers"]
                  if p["type"] == "NOTE")


def loads(path):
    res = subprocess.run([CRASHHP, "inspect", "--json", path], capture_output=True, text=True)
    doc = json.loads(res.stdout)
    return [(int(p["paddr"], 16), p["memsz"]) for p in doc["program_headers"]
            if p["type"] == "LOAD" and int(p["vaddr"], 16) < 0xffffffff80000000]


def covers(ranges, addr):
    return any(start <= addr < start + size for start, size in ranges)


def main():
    work = tempfile.mkdtemp(prefix="crashhp-watch-")
    try:
        return scenarios(work)
    finally:
        shutil.rmtree(work)


def scenarios(work):
    for name in ("vm-dimms", "holes-no-hotplug"):
        subprocess.run(["sh", MKSYSROOT, name, os.path.join(work, name)], check=True)
    hdr = os.path.join(work, "vm.hdr")
    log = os.path.join(work, "reloads")
    block = 40 << 27  # memory40: an online block of a hot-added DIMM
    rc, lines, err = watch(["--sysroot", os.path.join(work, "vm-dimms"), "-o", hdr,
                            "--reload", f"echo r >> {log}"],
                           [frame(mem("offline", 40, 1))])
    check(rc == 0, f"watch exits 0 ({err.strip()})")
    events = [l for l in lines if "event" in l]
    check(len(events) == 1 and events[0]["event"] == "memory offline" and events[0]["index"] == 40,
          "memory40 offline reported")
    check(events and events[0]["header_stores"] > 0, "the header changed")
    check(not covers(loads(hdr), block), "the header no longer covers memory40")
    check(events and events[0]["reload"], "x86 memory offline asks for a reload (the kernel keeps it)")
    time.sleep(0.2)
    check(os.path.exists(log) and open(log).read().count("r") == 1, "one reload ran")

    os.unlink(log)
    spoofed = [frame(mem("online", 40, 2), pid=4242), frame(mem("online", 40, 3), uid=1000),
               frame(mem("online", 40, 4), creds=0), b"not a frame at all",
               frame(b"online@/devices/system/memory/memory40\0ACTION=offline\0")]
    rc, lines, err = watch(["--sysroot", os.path.join(work, "vm-dimms"), "-o", hdr,
                            "--reload", f"echo r >> {log}"],
                           spoofed + [frame(mem("offline", 40, 5)), frame(mem("online", 40, 6)),
                                      frame(cpu("online", 3, 7))])
    rejected = [l for l in lines if "rejected" in l]
    events = [l for l in lines if "event" in l]
    check(len(rejected) == len(spoofed), f"all {len(spoofed)} spoofed or malformed messages rejected")
    check([e["event"] for e in events] == ["memory offline", "memory online", "cpu online"],
          "the kernel's three events applied in order")
    check(covers(loads(hdr), block), "memory40 back in the header")
    check(events and not events[-1]["reload"], "a CPU the kernel's update covers needs no reload")
    check(all(e["latency_us"] < 100000 for e in events), "each event handled within 100 ms")

    # A CPU that was not present: its crash_notes shows only now, so the
    # header is built again with it (the kernel's had it from the load).
    cpu4 = os.path.join(work, "vm-dimms", "sys", "devices", "system", "cpu", "cpu4")
    os.makedirs(cpu4)
    for name, text in (("crash_notes", "7fffde00"), ("crash_notes_size", "368"), ("online", "0")):
        with open(os.path.join(cpu4, name), "w") as f:
            f.write(text + "\n")
    before = notes(hdr)
    rc, lines, err = watch(["--sysroot", os.path.join(work, "vm-dimms"), "-o", hdr],
                           [frame(cpu("add", 4, 20)), frame(cpu("online", 4, 21))])
    events = [l for l in lines if "event" in l]
    check([e.get("header_rebuilt") for e in events] == [True, False],
          "a new CPU's crash_notes rebuilds the header once")
    check(notes(hdr) == sorted(before + [0x7fffde00]),
          f"the header gains CPU 4's note and keeps the others ({len(before)} -> {len(notes(hdr))})")

    burst = [frame(mem("offline", 40 + k, 10 + k)) for k in range(5)]
    rc, lines, err = watch(["--sysroot", os.path.join(work, "holes-no-hotplug"),
                            "--reload", f"sleep 0.4; echo r >> {log}.2"], burst)
    done = [l for l in lines if l.get("reload") == "done"]
    stopped = [l for l in lines if l.get("stopped")]
    check(rc == 0, "watch exits 0 after its reloads")
    check(len(done) == 2 and open(f"{log}.2").read().count("r") == 2,
          f"5 events during a slow reload: exactly 2 reloads ({len(done)})")
    check(stopped and stopped[0]["coalesced"] == 3, "3 requests coalesced into the second")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
