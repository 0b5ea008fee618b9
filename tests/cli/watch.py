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
import select
import signal
import stat
import tempfile
import time

from checks import check, summary

CRASHHP = os.path.abspath(sys.argv[1])
MKSYSROOT = os.path.join(os.path.abspath(sys.argv[2]), "tests", "fixtures", "mksysroot.sh")



def frame(msg, pid=0, creds=1, uid=0, lost=False):
    return b"CHPUEV1\0" + struct.pack("<IIII", pid, creds, uid, 1 if lost else 0) + msg


# A frame saying messages were lost before it: watch's receive gives ENOBUFS,
# as the kernel's socket does when its buffer overflowed.
LOST = frame(b"", lost=True)


def uevent(action, devpath, subsystem, seq):
    fields = [f"{action}@{devpath}", f"ACTION={action}", f"DEVPATH={devpath}",
              f"SUBSYSTEM={subsystem}", f"SEQNUM={seq}"]
    return b"\0".join(f.encode() for f in fields) + b"\0"


def mem(action, n, seq):
    return uevent(action, f"/devices/system/memory/memory{n}", "memory", seq)


def cpu(action, n, seq):
    return uevent(action, f"/devices/system/cpu/cpu{n}", "cpu", seq)


class Watch:
    """crashhp watch on a socketpair; its JSON lines read as they come.

    Every wait is on a line watch prints (a handshake), with a deadline that
    only bounds a hang; nothing sleeps."""

    def __init__(self, args, env=None, preexec_fn=None, new_session=False):
        self.sock, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.proc = subprocess.Popen(
            [CRASHHP, "watch", "--json", "--uevent-fd", str(b.fileno())] + args,
            pass_fds=[b.fileno()], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, preexec_fn=preexec_fn, start_new_session=new_session)
        b.close()
        self.lines, self.buf, self.seen, self.err = [], b"", 0, b""

    def send(self, *messages):
        for m in messages:
            self.sock.send(m)

    def _more(self, deadline, want_stdout=True):
        """Read what is there on stdout and stderr; False at the deadline or at
        the end of stdout (stderr alone may be held open by a stray reload)."""
        pipes = [p for p in (self.proc.stdout, self.proc.stderr) if not p.closed]
        if not pipes or (want_stdout and self.proc.stdout.closed):
            return False
        left = deadline - time.monotonic()
        ready = select.select(pipes, [], [], max(0, left))[0] if left > 0 else []
        if not ready:
            return False
        for p in ready:
            chunk = os.read(p.fileno(), 65536)
            if p is self.proc.stderr:
                self.err += chunk
                if not chunk:
                    p.close()
                continue
            if not chunk:
                p.close()
                return False
            self.buf += chunk
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                if line.strip():
                    self.lines.append(json.loads(line))
        return True

    def wait_for(self, pred, timeout=60):
        """The next line (after those already waited for) matching pred, or None."""
        deadline = time.monotonic() + timeout
        while True:
            while self.seen < len(self.lines):
                line = self.lines[self.seen]
                self.seen += 1
                if pred(line):
                    return line
            if not self._more(deadline):
                return None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def finish(self, timeout=60):
        """End of stream: watch stops (after a running reload); its lines, stderr, exit."""
        self.sock.close()
        deadline = time.monotonic() + timeout
        while self._more(deadline):
            pass
        try:
            self.proc.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            check(False, "watch did not exit: killed")
            self.proc.kill()
            self.proc.wait()
        # What is left on stderr, unless something else still holds it.
        end = time.monotonic() + 1
        while not self.proc.stderr.closed and self._more(end, want_stdout=False):
            pass
        for p in (self.proc.stdout, self.proc.stderr):
            if not p.closed:
                p.close()
        return self.proc.returncode, self.lines, self.err.decode()


def watch(args, messages, **kw):
    w = Watch(args, **kw)
    w.send(*messages)
    return w.finish()


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
    # watch exits only after its reload has finished: the log is complete.
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

    for test in (notify_ready, startup_queue, synthetic_add, lost_messages, sigterm_during_reload,
                 change_during_reload, reload_timeout, reload_retried, sigchld_ignored, header_write_failure,
                 model_failure, unknown_block, reload_auto, hostile_path_json, output_not_a_file,
                 uevent_fd_closed):
        print(f"# {test.__name__}")
        test(work)
    return summary()


def fixture(work, name):
    """A fresh copy of a sysroot fixture (made once), for a test to change."""
    master = os.path.join(work, "master-" + name)
    if not os.path.isdir(master):
        subprocess.run(["sh", MKSYSROOT, name, master], check=True)
    root = os.path.join(work, name + "-" + str(time.monotonic_ns()))
    shutil.copytree(master, root)
    return root


def cpulist(ids):
    """The kernel's CPU-list format: 0-3,8."""
    out, ids = [], sorted(ids)
    i = 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        out.append(str(ids[i]) if i == j else f"{ids[i]}-{ids[j]}")
        i = j + 1
    return ",".join(out)


def sysroot_view(root):
    """What the sysroot's files say, in the view's terms (read here, not by crashhp)."""
    mem = os.path.join(root, "sys", "devices", "system", "memory")
    state = {}
    for d in os.listdir(mem):
        if d.startswith("memory") and d[6:].isdigit():
            state[int(d[6:])] = open(os.path.join(mem, d, "state")).read().strip()
    online = open(os.path.join(root, "sys", "devices", "system", "cpu", "online")).read().strip()
    return {"cpus_online": online,
            "memory_online": cpulist(n for n, s in state.items() if s == "online"),
            "memory_offline": cpulist(n for n, s in state.items() if s == "offline")}


def set_block(root, n, state):
    with open(os.path.join(root, "sys", "devices", "system", "memory", f"memory{n}", "state"), "w") as f:
        f.write(state + "\n")


def is_ready(l):
    return l.get("ready") is True


def view(w):
    w.signal(signal.SIGUSR1)
    return w.wait_for(lambda l: l.get("view"))


def notify_ready(work):
    """Type=notify: READY=1 reaches NOTIFY_SOCKET after the READY line; STOPPING=1 on SIGTERM."""
    root = fixture(work, "vm-dimms")
    path = os.path.join(work, "notify")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(path)
    w = Watch(["--sysroot", root], env=dict(os.environ, NOTIFY_SOCKET=path))
    ready = w.wait_for(is_ready)
    got = ns.recv(4096) if select.select([ns], [], [], 60)[0] else b""
    check(ready and got == b"READY=1", f"READY=1 through sd_notify ({got!r})")
    w.signal(signal.SIGTERM)
    got = ns.recv(4096) if select.select([ns], [], [], 60)[0] else b""
    rc, lines, err = w.finish()
    check(got == b"STOPPING=1" and rc == 0, f"STOPPING=1 on SIGTERM ({got!r}), exit 0")
    ns.close()


def startup_queue(work):
    """Events queued before watch reads the machine: applied after it, idempotently."""
    root = fixture(work, "vm-dimms")
    hdr, log = os.path.join(root, "hdr"), os.path.join(root, "reloads")
    # The sysroot already shows memory40 offline; its event and one for
    # memory41 (still online in the files) were queued before the read.
    set_block(root, 40, "offline")
    w = Watch(["--sysroot", root, "-o", hdr, "--reload", f"echo r >> {log}"])
    w.send(frame(mem("offline", 40, 1)), frame(mem("offline", 41, 2)))
    check(w.wait_for(is_ready) is not None, "READY once the socket is open and the machine read")
    e40 = w.wait_for(lambda l: l.get("index") == 40)
    e41 = w.wait_for(lambda l: l.get("index") == 41)
    check(e40 and not e40["changed"] and not e40["reload"] and e40["header_stores"] == 0,
          "a queued event the snapshot already shows changes nothing, reloads nothing")
    check(e41 and e41["changed"] and e41["reload"], "a queued event the snapshot lacks is applied")
    v = view(w)
    check(v and v["memory_offline"] == "40-41,50", f"the view has both blocks offline ({v and v['memory_offline']})")
    rc, lines, err = w.finish()
    check(not covers(loads(hdr), 41 << 27) and not covers(loads(hdr), 40 << 27),
          "the header leaves out memory40 and memory41")
    check(open(log).read().count("r") == 1, "one reload (memory41's), none for memory40")


def synthetic_add(work):
    """udevadm trigger's "add" for what is present: no change, no reload."""
    root = fixture(work, "holes-no-hotplug")
    log = os.path.join(root, "reloads")
    rc, lines, err = watch(["--sysroot", root, "--reload", f"echo r >> {log}"],
                           [frame(mem("add", 40, 1)), frame(cpu("add", 1, 2)),
                            frame(cpu("online", 2, 3)), frame(mem("online", 33, 4)),
                            frame(uevent("change", "/devices/system/cpu/cpu1", "cpu", 5))])
    events = [l for l in lines if "event" in l]
    check(len(events) == 4 and not any(e["changed"] or e["reload"] for e in events),
          f"add/online for present blocks and CPUs: {len(events)} events, none changed or reloaded")
    check(not os.path.exists(log), "no reload ran (this kernel has no crash hotplug)")


def lost_messages(work):
    """ENOBUFS and a SEQNUM gap: the machine is read again; differences are changes."""
    root = fixture(work, "vm-dimms")
    hdr, log = os.path.join(root, "hdr"), os.path.join(root, "reloads")
    w = Watch(["--sysroot", root, "-o", hdr, "--reload", f"echo r >> {log}"])
    w.wait_for(is_ready)
    # memory40 went offline and its message was lost.
    set_block(root, 40, "offline")
    w.send(LOST)
    r = w.wait_for(lambda l: "resync" in l)
    check(r and "ENOBUFS" in r["resync"] and r["changed"] and r["reload"],
          f"ENOBUFS: resync finds the difference and reloads ({r})")
    # Its reload over before memory40 returns: a change during a reload
    # would ask for one more (change_during_reload).
    check(w.wait_for(lambda l: l.get("reload") == "done") is not None, "the resync's reload done")
    v = view(w)
    want = sysroot_view(root)
    got = v and {k: v[k] for k in want}
    check(got == want, f"the SIGUSR1 view equals the sysroot ({got} vs {want})")
    check(v and v["resyncs"] == 1 and v["header"] == "current", "the view counts the resync; header current")
    check(not covers(loads(hdr), 40 << 27), "the header was rewritten without memory40")
    # Nothing lost this time: a resync that finds nothing changes nothing.
    w.send(LOST)
    r = w.wait_for(lambda l: "resync" in l)
    check(r and not r["changed"] and not r["reload"], "a resync without a difference: no change, no reload")
    # A gap in the kernel's numbering is a lost message too.
    set_block(root, 40, "online")
    w.send(frame(cpu("online", 1, 100)), frame(cpu("online", 1, 104)))
    r = w.wait_for(lambda l: "resync" in l)
    check(r and r["resync"] == "SEQNUM 104 after 100" and r["changed"],
          f"a SEQNUM gap: resync brings memory40 back ({r})")
    rc, lines, err = w.finish()
    check(covers(loads(hdr), 40 << 27), "the header covers memory40 again")
    check(rc == 0 and open(log).read().count("r") == 1,
          "one reload: memory40 left (x86 keeps it), none for its return")


def sigterm_during_reload(work):
    """SIGTERM to watch's whole group (systemd, Ctrl-C): the running reload completes."""
    root = fixture(work, "holes-no-hotplug")
    log, go = os.path.join(root, "reloads"), os.path.join(root, "go")
    # The reload waits until the test lets it go, after the SIGTERM.
    cmd = f"while [ ! -e {go} ]; do sleep 0.02; done; echo done >> {log}"
    w = Watch(["--sysroot", root, "--reload", cmd], new_session=True)
    w.wait_for(is_ready)
    w.send(frame(mem("offline", 40, 1)))
    started = w.wait_for(lambda l: l.get("reload") == "started")
    os.killpg(w.proc.pid, signal.SIGTERM)
    # watch is stopping, not stopped: it still answers, and has not exited.
    v = view(w)
    check(v and v["reload_running"] and w.proc.poll() is None,
          "after SIGTERM watch waits for the running reload")
    open(go, "w").close()
    rc, lines, err = w.finish()
    done = [l for l in lines if l.get("reload") == "done"]
    check(started and done and done[0]["status"] == 0, f"the reload finished with status 0 ({done})")
    check(os.path.exists(log) and open(log).read() == "done\n", "the reload ran to its end")
    check(rc == 0 and lines[-1].get("stopped"), "then watch exits 0")


def change_during_reload(work):
    """A change the kernel updates its image for, arriving while a reload runs:
    that reload may have read the machine before it (kexec-tools reads
    /proc/iomem before kexec_load), so one more reload runs.  The same change
    with no reload running asks for none."""
    root = fixture(work, "vm-dimms")
    log, go = os.path.join(root, "reloads"), os.path.join(root, "go")
    cmd = f"echo r >> {log}; while [ ! -e {go} ]; do sleep 0.02; done"
    w = Watch(["--sysroot", root, "--reload", cmd])
    w.wait_for(is_ready)
    w.send(frame(mem("offline", 40, 1)))  # x86: the kernel keeps the range, watch reloads
    started = w.wait_for(lambda l: l.get("reload") == "started")
    w.send(frame(mem("online", 40, 2)))   # the kernel would update its image for this
    ev = w.wait_for(lambda l: l.get("event") == "memory online")
    check(started and ev and ev["changed"] and not ev["reload"] and ev.get("reload_again"),
          f"memory online during a reload: no reload of its own, one again ({ev})")
    open(go, "w").close()
    rc, lines, err = w.finish()
    done = [l for l in lines if l.get("reload") == "done"]
    check(rc == 0 and len(done) == 2 and open(log).read().count("r") == 2,
          f"the change during the reload gave a second reload ({len(done)} done)")

    os.unlink(log)
    set_block(root, 41, "offline")
    rc, lines, err = watch(["--sysroot", root, "--reload", cmd], [frame(mem("online", 41, 1))])
    ev = [l for l in lines if l.get("event")]
    check(rc == 0 and ev and ev[0]["changed"] and not ev[0]["reload"]
          and "reload_again" not in ev[0] and not os.path.exists(log),
          f"the same change with no reload running: no reload ({ev})")


def reload_timeout(work):
    """--reload-timeout: TERM, then KILL, to the reload's whole group; reported."""
    root = fixture(work, "holes-no-hotplug")
    # Ignores TERM, and has a child in its group.
    cmd = "trap '' TERM; sleep 600 & wait; wait"
    w = Watch(["--sysroot", root, "--reload", cmd, "--reload-timeout", "0.3"])
    w.wait_for(is_ready)
    w.send(frame(mem("offline", 40, 1)))
    started = w.wait_for(lambda l: l.get("reload") == "started")
    rc, lines, err = w.finish()
    timeouts = [l["signal"] for l in lines if l.get("reload") == "timeout"]
    done = [l for l in lines if l.get("reload") == "done"]
    check(timeouts == ["TERM", "KILL"], f"timeout: TERM, then KILL ({timeouts})")
    check(done and done[0]["status"] == 137 and done[0].get("timed_out"),
          f"reported as killed after its timeout ({done})")
    left = group_members(started["pid"]) if started else ["?"]
    check(not left, f"nothing of the reload's group is left, its sleep included ({left})")
    stopped = [l for l in lines if l.get("stopped")]
    check(rc == 0 and stopped and stopped[0]["reload_timeouts"] == 1, "counted; watch exits 0")


def group_members(pgid, timeout=10):
    """Live (not zombie) processes of a process group; waits for SIGKILL's
    effect, bounded: KILL is delivered, but the dying may still be scheduled."""
    deadline = time.monotonic() + timeout
    while True:
        live = []
        for p in os.listdir("/proc"):
            try:
                stat = open(f"/proc/{p}/stat").read()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z" and int(fields[2]) == pgid:
                live.append(int(p))
        if not live or time.monotonic() > deadline:
            return live
        select.select([], [], [], 0.01)


def reload_retried(work):
    """A failed reload is retried after a backoff; given up after --reload-retries."""
    root = fixture(work, "holes-no-hotplug")
    flag, log = os.path.join(root, "failed-once"), os.path.join(root, "reloads")
    cmd = f"if [ -e {flag} ]; then echo ok >> {log}; else touch {flag}; exit 3; fi"
    w = Watch(["--sysroot", root, "--reload", cmd])
    w.wait_for(is_ready)
    w.send(frame(mem("offline", 40, 1)))
    first = w.wait_for(lambda l: l.get("reload") == "done")
    retry = w.wait_for(lambda l: l.get("reload") == "retry")
    second = w.wait_for(lambda l: l.get("reload") == "done")
    rc, lines, err = w.finish()
    check(first and first["status"] == 3, "the first attempt failed (status 3)")
    check(retry and retry["in_s"] == 1 and retry["attempt"] == 2, f"retried after 1 s ({retry})")
    check(second and second["status"] == 0 and open(log).read() == "ok\n", "the retry succeeded")

    w = Watch(["--sysroot", root, "--reload", "exit 1", "--reload-retries", "1"])
    w.wait_for(is_ready)
    w.send(frame(mem("offline", 41, 1)))
    gave_up = w.wait_for(lambda l: l.get("reload") == "given up")
    rc, lines, err = w.finish()
    runs = [l for l in lines if l.get("reload") == "done"]
    check(gave_up and gave_up["attempts"] == 2 and len(runs) == 2,
          f"always failing, --reload-retries 1: 2 attempts, then given up ({gave_up})")


def sigchld_ignored(work):
    """Started with SIGCHLD ignored (inherited): reloads are still reaped."""
    root = fixture(work, "holes-no-hotplug")
    rc, lines, err = watch(["--sysroot", root, "--reload", "true"],
                           [frame(mem("offline", 40, 1))],
                           preexec_fn=lambda: signal.signal(signal.SIGCHLD, signal.SIG_IGN))
    done = [l for l in lines if l.get("reload") == "done"]
    check(rc == 0 and len(done) == 1 and done[0]["status"] == 0,
          f"the reload is reaped and reported ({done})")


def full_place(work):
    """A directory to write into that fills up: a small tmpfs where we may mount,
    else a directory that turns into a file (ENOTDIR)."""
    d = os.path.join(work, "small")
    os.mkdir(d)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", d],
                      capture_output=True).returncode == 0:
        def spoil():
            try:
                with open(os.path.join(d, "filler"), "wb") as f:
                    while True:
                        f.write(b"\0" * 4096)
                        f.flush()
            except OSError:
                pass
        return d, spoil, "No space left on device", lambda: subprocess.run(["umount", d])

    def spoil():
        shutil.rmtree(d)
        open(d, "w").close()
    return d, spoil, "Not a directory", lambda: None


def header_write_failure(work):
    """The header cannot be written: the error names file and cause; the reload still runs."""
    root = fixture(work, "vm-dimms")
    log = os.path.join(root, "reloads")
    d, spoil, cause, cleanup = full_place(work)
    try:
        hdr = os.path.join(d, "hdr")
        w = Watch(["--sysroot", root, "-o", hdr, "--reload", f"echo r >> {log}"])
        w.wait_for(is_ready)
        spoil()
        w.send(frame(mem("offline", 40, 1)))
        e = w.wait_for(lambda l: "event" in l)
        v = view(w)
        rc, lines, err = w.finish()
        check(e and e.get("error") == f"writing {hdr}: {cause}", f"the error names the file and cause ({e})")
        check(e and e["reload"] and os.path.exists(log) and open(log).read() == "r\n",
              "the reload still ran")
        check(v and v["header"] == "write failed", "the view says the header is not current")
        if os.path.isdir(d):
            left = [f for f in os.listdir(d) if ".partial-" in f]
            check(not left, f"no temporary file left behind ({left})")
    finally:
        cleanup()


def model_failure(work):
    """An event the model cannot take: the error says why; the reload it needs still runs."""
    root = fixture(work, "holes-no-hotplug")
    log = os.path.join(root, "reloads")
    # CPU 2^32+1 must not be taken for CPU 1 (an index narrowed unchecked).
    rc, lines, err = watch(["--sysroot", root, "--reload", f"echo r >> {log}"],
                           [frame(cpu("online", 9999, 1)), frame(cpu("offline", (1 << 32) + 1, 2))])
    events = [l for l in lines if "event" in l]
    check(len(events) >= 1 and "CPU 9999 is not possible (0..3)" in events[0].get("error", ""),
          f"the error names the CPU and the range ({events[:1]})")
    # An N no kernel sends is reported by its own number, never narrowed to CPU 1.
    check(len(events) == 2 and events[1]["index"] == (1 << 32) + 1
          and "CPU 4294967297 is not possible" in events[1].get("error", "")
          and not any(e.get("index") == 1 for e in events),
          f"an index past 32 bits is reported as itself, not narrowed ({events})")
    check(all(e["reload"] for e in events) and os.path.exists(log),
          "the reload the kernel's change needs still runs")


def unknown_block(work):
    """A memory event for a block sysfs lacks, or past any machine: said on stdout
    and stderr, the machine read again; the model invents nothing."""
    root = fixture(work, "vm-dimms")
    hdr, log = os.path.join(root, "hdr"), os.path.join(root, "reloads")
    w = Watch(["--sysroot", root, "-o", hdr, "--reload", f"echo r >> {log}"])
    w.wait_for(is_ready)
    before = loads(hdr)
    huge = [1 << 40, 1 << 28, 10 ** 30]
    w.send(frame(mem("online", 9999, 1)), frame(mem("offline", 9998, 2)),
           frame(mem("remove", 9997, 3)),
           *[frame(mem("online", n, 4 + k)) for k, n in enumerate(huge)])
    got = [w.wait_for(lambda l: "event" in l) for _ in range(6)]
    v = view(w)
    rc, lines, err = w.finish()
    check(all(e and e.get("unknown_block") and "read the machine again" in e.get("error", "")
              for e in got), f"each of the 6 events is reported and read again ({got})")
    check([e and e["index"] for e in got[:5]] == [9999, 9998, 9997, 1 << 40, 1 << 28],
          "each named by its own block number")
    why = [e.get("error", "") if e else "" for e in got]
    check(f"{root}/sys/devices/system/memory/memory9999 does not exist" in why[0],
          f"the error names the sysfs directory ({got[0]})")
    check("memory block 9997 removed, but the model has no such block" in why[2],
          f"a remove for no block says so ({got[2]})")
    check("memory block 1099511627776 lies beyond 52-bit" in why[3],
          f"block 2^40 is past the physical addresses ({got[3]})")
    check("past 2^64-1" in why[5], f"a 31-digit block number too ({got[5]})")
    check(all(e and not e["changed"] and not e["reload"] and e["header_stores"] == 0 for e in got),
          "nothing changed, no reload (the reading found no difference)")
    check(err.count("crashhp: watch: memory ") == 6 and "memory online 9999: model update" in err,
          f"each on stderr too ({err!r})")
    check(v and v["resyncs"] == 6 and v["memory_online"] == sysroot_view(root)["memory_online"],
          f"six readings; the model holds what sysfs holds ({v})")
    check(loads(hdr) == before and not os.path.exists(log), "the header is as before; no reload")

    # A block the model holds that sysfs has dropped since (a removal under
    # way: its offline queued, its remove to follow) is the kernel's order as
    # usual: applied, not reported, nothing read again.
    w = Watch(["--sysroot", root, "-o", hdr])
    w.wait_for(is_ready)
    shutil.rmtree(os.path.join(root, "sys", "devices", "system", "memory", "memory41"))
    w.send(frame(mem("offline", 41, 20)), frame(mem("remove", 41, 21)))
    got = [w.wait_for(lambda l: "event" in l) for _ in range(2)]
    v = view(w)
    rc, lines, err = w.finish()
    check(all(e and e["changed"] and "error" not in e and "unknown_block" not in e for e in got),
          f"a leaving block's offline and remove are applied, no error ({got})")
    now = sysroot_view(root)
    check(v and v["resyncs"] == 0 and v["memory_online"] == now["memory_online"]
          and v["memory_offline"] == now["memory_offline"],
          f"no reading again; the model holds what sysfs holds, block 41 gone ({v}, {now})")
    check("crashhp:" not in err, f"nothing on stderr ({err!r})")


def reload_auto(work):
    """--reload auto: the distribution's tool as its udev rule runs it; refused when none."""
    root = fixture(work, "holes-no-hotplug")
    bindir = os.path.join(work, "fakebin")
    log = os.path.join(work, "auto.log")

    def fake(name, body):
        path = os.path.join(bindir, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body + "\n")
        os.chmod(path, 0o755)

    def run(active):
        if os.path.exists(log):
            os.unlink(log)
        shutil.rmtree(bindir, ignore_errors=True)
        os.makedirs(bindir)
        return bindir

    for distro, tools, want in (
            ("kdump-utils, kdump.service active", {"kdumpctl": "echo kdumpctl $* >> " + log,
                                                   "systemctl": "echo systemctl $* >> " + log}, 
             "systemctl is-active --quiet kdump.service\nkdumpctl reload\n"),
            ("kdump-utils, kdump.service inactive", {"kdumpctl": "echo kdumpctl $* >> " + log,
                                                     "systemctl": "echo systemctl $* >> " + log + "; exit 3"},
             "systemctl is-active --quiet kdump.service\n"),
            ("kdump-tools", {"kdump-config": "echo kdump-config $* >> " + log},
             "kdump-config try-reload\n")):
        run(True)
        for name, body in tools.items():
            fake(name, body)
        env = dict(os.environ, PATH=bindir)
        rc, lines, err = watch(["--sysroot", root, "--reload", "auto"],
                               [frame(mem("offline", 40, 1))], env=env)
        got = open(log).read() if os.path.exists(log) else ""
        check(rc == 0 and got == want, f"{distro}: ran {got!r}")
        check(distro.split(",")[0] in err, f"{distro}: says which it chose ({err.strip()})")
        done = [l for l in lines if l.get("reload") == "done"]
        check(done and done[0]["status"] == 0, f"{distro}: the reload succeeded")
    run(True)
    env = dict(os.environ, PATH=bindir)
    res = subprocess.run([CRASHHP, "watch", "--sysroot", root, "--reload", "auto"], env=env,
                         capture_output=True, text=True, timeout=60)
    check(res.returncode == 2 and "--reload auto: no kdump tool found" in res.stderr and
          "kdumpctl" in res.stderr and "kdump-config" in res.stderr,
          f"no tool: refused, exit 2 ({res.returncode}: {res.stderr.strip()})")


def hostile_path_json(work):
    """A sysroot whose name is not UTF-8 and holds a newline, a quote and UTF-8: every line still
    parses as JSON, the invalid byte as U+FFFD (crashhp(1), JSON OUTPUT), the rest unchanged."""
    name = os.path.join(os.fsencode(work), b"bad\xff\n\"r\xc3\xa9\\oot")
    os.rename(os.fsencode(fixture(work, "vm-dimms")), name)
    # Watch's reader json.loads() each line from bytes: invalid UTF-8 raises.
    try:
        rc, lines, err = watch(["--sysroot", os.fsdecode(name)], [frame(mem("offline", 40, 1))])
        ready = [l for l in lines if l.get("ready")]
        check(rc == 0 and ready and ready[0]["watching"] == name.decode("utf-8", "replace"),
              "a non-UTF-8 sysroot name comes out with U+FFFD for the bad byte, the line valid JSON")
    except ValueError as e:
        check(False, f"watch's JSON lines parse with a non-UTF-8 sysroot name ({e})")


def output_not_a_file(work):
    """-o naming a FIFO or a link (as /dev/stdout is) is refused, exit 3, and left as it was:
    the header's rename would swap it for a regular file."""
    root = fixture(work, "vm-dimms")
    fifo, link = os.path.join(root, "fifo"), os.path.join(root, "link")
    os.mkfifo(fifo)
    os.symlink("fifo", link)
    for path, kind in ((fifo, "a FIFO"), (link, "a link")):
        # No message sent: watch refuses before reading its socket, which may be closed by then.
        rc, lines, err = watch(["--sysroot", root, "-o", path], [])
        check(rc == 3 and "not a regular file" in err and not lines,
              f"-o {kind}: refused, exit 3 ({rc}: {err.strip()})")
    check(os.path.islink(link) and stat.S_ISFIFO(os.lstat(fifo).st_mode), "both left as they were")


def uevent_fd_closed(work):
    """--uevent-fd naming a descriptor that is not open: a system error, not a busy loop."""
    root = fixture(work, "vm-dimms")
    try:
        res = subprocess.run([CRASHHP, "watch", "--sysroot", root, "--uevent-fd", "250"],
                             capture_output=True, text=True, timeout=60)
        check(res.returncode == 4 and "Bad file descriptor" in res.stderr,
              f"exit 4 naming the descriptor's error ({res.returncode}: {res.stderr.strip()})")
    except subprocess.TimeoutExpired:
        check(False, "--uevent-fd 250 (closed): watch spun until killed")


if __name__ == "__main__":
    sys.exit(main())
