#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make kernel-e2e: the stock (test hooks only) and patched (the whole
kernel/series) kernels of make kernel under QEMU (TCG), with kdump loaded
by kexec -s -p of the same bzImage (kernel/README):

  kunit    the patched kernel's KUnit suite of the slot library
           (crash_slots: its store callback reads the header back as
           /proc/vmcore does after every store), run at boot without an
           initrd, its KTAP lines read from the console;
  remove   a 1 GiB DIMM hot-added, its 8 blocks offlined, the DIMM removed,
           then a crash;
  contend  the kexec lock held (debugfs hold_lock_ms) from before the DIMM
           is hot-added until after its 8 blocks are online, then a crash;
  held     the DIMM hot-added, the kexec lock held while its 8 blocks go
           offline and its removal begins, released once the patched
           kernel's removal has counted its own update (0007: it waits
           for the lock, the DIMM still there) or, on stock, once the DIMM
           is gone; then a crash;
  gap      kexec_load's gap: Debian 13's kexec --hotplug -c -p (kexec_load,
           the hotplug flag) held by an LD_PRELOAD shim (gap-shim.c) after
           its read of /proc/iomem, at its kexec_load syscall, while the
           DIMM is hot-added and its 8 blocks come online; then the load,
           then a crash.  Stock's dump lacks the DIMM (the header is built
           from the stale /proc/iomem); patched must resync the image after
           the load (0008) and hold it;
  stores   a panic after every store of one real hot-add update (block 39
           of the DIMM onlined past the offline block 38: a new range) and
           one real hot-remove update (block 37 offlined out of 32-39: a
           cut in the middle), one boot per store (debugfs panic_at_store); a dry
           run first counts the update's stores (the hooks' stats), arms
           nothing that fires, and ends in a crash whose dump is kept;
  points   a panic outside the stores (debugfs panic_at_point), in the
           update that onlines block 39: "unprotected", once the update
           holds the kexec lock and the crashkernel is writable, before
           its first store; "ram_walked", once x86 has walked System RAM
           for a rebuild: on patched that is the deferred update (the
           lock held through hold_lock_ms while the block comes online),
           on stock every memory event's rebuild.  Patched must take a
           complete dump at both; stock takes none;
  capacity a full elfcorehdr (debugfs elfcorehdr_spare: three program
           headers spare): three DIMMs online as one range, two cuts in
           the first take the last two slots, the second DIMM removed,
           then a crash; patched boots it again with the two blocks onlined
           before the crash.  Patched must cut the removed DIMM without a
           slot, leaving the third out (and saying so), then cover it
           again; stock (the room does not bind its rebuild) keeps the
           removed DIMM;
  readers  the patched dry run's dump, filtered by makedumpfile -d 31 in the
           capture kernel, sent raw to the host on a second serial port,
           opened with the matching vmlinux by crash(8) and drgn, which
           read a kernel object inside the hot-added DIMM;
  bench    four DIMMs online, every other block offlined, one event each:
           each update's time from the hooks' stats, stock against patched.

Each dump is judged by crashhp verify against the guest's /proc and /sys.
A run waits on the guest's lines and on QEMU's exit, never on a sleep; the
every-store boots run KERNEL_E2E_JOBS (default 2) at a time, each in its own
directory with its own QMP socket.  patched boots every store of each
update; KERNEL_E2E_STORES (default 6) caps stock's boots per update (its
copy is a store per 8 bytes, every one inside its window): more stores than
that are sampled evenly (the first and the last always), and the output
says so; "all" boots every store.

usage: kernel_e2e.py CRASHHP WORKDIR KERNELDIR [kunit remove contend held gap stores points
                    capacity readers bench]
                    [stock patched]
"""
import base64
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import types

import run
from kexec_hotplug import kexec_with_hotplug, stub_libraries
from run import CRASHHP, HERE, WORK

ULONG_MAX = (1 << 64) - 1
PANIC_AT = "crash hp test: panic after store "
# debugfs panic_at_point's values (enum crash_hotplug_test_point, 0001).
POINTS = {"unprotected": 1, "ram_walked": 2}
# The memory block whose state change is the update under test (init.sh's
# store_run): a new range, and a cut in the middle of one.
UNDER = {"add": 39, "remove": 37}
# The most SUnreclaim + VmallocUsed may grow over the remove run's 16 failed
# crash loads (a leaked in-place index: 16 x 366-576 kB).
LEAK_KB = 2048


def kstats(lines):
    """The test hooks' statistics (debugfs crash_hotplug/stats) the guest
    printed: {action: {field: value}}."""
    rows = [l.split()[1:] for l in lines if l.startswith("KSTATS ")]
    if not rows:
        return {}
    head = rows[0][1:]
    return {r[0]: dict(zip(head, map(int, r[1:]))) for r in rows[1:] if len(r) == len(head) + 1}


def said(lines, key):
    return next((l.split(None, 1)[1] for l in lines if l.startswith(key + " ")), None)


def verify(head, size, sysroot, work):
    """crashhp verify of the real dump against the guest's files: (exit
    status, output).  The host has the head of /proc/vmcore (its ELF and
    program headers and notes, as the capture kernel read them), extended
    to /proc/vmcore's size with a hole so the segments lie inside the file;
    crashhp verify reads no memory bytes."""
    if not sysroot:
        return None, "no sysroot from the guest"
    if not size or not size.isdigit():
        return None, "the capture kernel did not say /proc/vmcore's size"
    dump = os.path.join(work, "vmcore-sparse")
    with open(dump, "wb") as f:
        f.write(head)
        f.truncate(int(size))
    res = subprocess.run([CRASHHP, "verify", "--against", sysroot, dump],
                         capture_output=True, text=True)
    return res.returncode, (res.stdout + res.stderr).strip()


def unpack(b64, root):
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    subprocess.run(["tar", "-xzf", "-", "-C", root], input=base64.b64decode("".join(b64)),
                   check=True)
    return root


def boot(vmlinuz, initrd, append, work, dimms=1, ship=None, react=None):
    """One guest in its own directory: QEMU with a QMP socket there, the
    DIMMs (RAM-backed, 1 GiB each) hot-added when the guest says READY, and
    with ship a second serial port into that file; react(line, sock), if
    given, sees each of the guest's lines after that.  Returns the guest's
    lines, the capture kernel's head of /proc/vmcore (None: no dump), the
    guest's sysroot (base64 lines) and whether QEMU fell silent; the
    guest's lines are kept in console.log there."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    sock = os.path.join(work, "qmp.sock")
    cmd = run.qemu_command(vmlinuz, initrd, append, sock)
    if ship:
        at = cmd.index("stdio") + 1
        cmd[at:at] = ["-serial", f"file:{ship}"]
    vm = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    last_line, silent = [time.time()], []
    guard = threading.Thread(target=lambda: silent.append(run.watchdog(vm, last_line)), daemon=True)
    guard.start()
    lines, block, blocks = [], None, {"CAPTURE": [], "SYSROOT": []}
    # A QMP call or react() that raises must not leave QEMU running.
    try:
        for line in vm.stdout:
            last_line[0] = time.time()
            line = line.rstrip("\r\n")
            if block:
                if line.startswith(f"{block}-END"):
                    block = None
                elif run.BASE64_LINE.match(line.strip()):
                    blocks[block].append(line.strip())
                continue
            if line.startswith(("CAPTURE-BEGIN", "SYSROOT-BEGIN")):
                block = line.split("-")[0]
                continue
            lines.append(line)
            if line.startswith("READY "):
                for i in range(dimms):
                    run.qmp(sock, {"execute": "object-add", "arguments": {
                        "qom-type": "memory-backend-ram", "id": f"mem{i}", "size": 1 << 30}},
                        {"execute": "device_add", "arguments": {
                            "driver": "pc-dimm", "id": f"dimm{i}", "memdev": f"mem{i}"}})
            if react:
                react(line, sock)
    except BaseException:
        vm.kill()
        raise
    vm.wait(timeout=60)
    guard.join()
    with open(os.path.join(work, "console.log"), "w") as f:
        f.write("\n".join(lines) + "\n")
    head = base64.b64decode("".join(blocks["CAPTURE"])) if blocks["CAPTURE"] else None
    return types.SimpleNamespace(lines=lines, head=head, sysroot=blocks["SYSROOT"],
                                 silent=bool(silent and silent[0]),
                                 timeouts=[l for l in lines if l.startswith("E2E-TIMEOUT")])


def store_boot(kdir, name, initrd, update, n, ship=None, point=None, hold=False):
    """One boot of the every-store runs: block UNDER[update] onlined (add)
    or offlined (remove) with panic_at_store = n (with point, panic_at_point
    armed at that point instead, n past the last store; with hold, the
    kexec lock held while the block changes state).  The dump, if any, is
    judged against the machine before the update and after it (the guest
    sent the one before; after differs in that block's state only):
    complete against either is complete."""
    tag = f"point-{point}" if point else n
    work = os.path.join(WORK, f"store-{name}-{update}-{tag}")
    append = (f"console=ttyS0 crashkernel=256M panic=1 memhp_default_state=offline "
              f"crashhp_kernel=store-{update} crashhp_store={n}" + (" crashhp_ship" if ship else "")
              + (f" crashhp_point={POINTS[point]}" if point else "")
              + (" crashhp_hold" if hold else ""))
    r = boot(os.path.join(kdir, name, "bzImage"), initrd, append, work, ship=ship)
    said_panic = (f"crash hp test: panic at point {point} of a crash hotplug update" if point
                  else f"{PANIC_AT}{n} of an elfcorehdr update")
    r.panicked = any(said_panic in l for l in r.lines)
    r.stores = kstats(r.lines).get(f"{update}_memory", {}).get("stores")
    # makedumpfile must find in the dump's dmesg the crash this boot made:
    # the hooks' panic at store n or at the point, or the dry run's sysrq
    # crash.
    crash = (f"crash_hp_test:_panic_at_point_{point}" if point
             else "sysrq:_Trigger_a_crash" if n == ULONG_MAX
             else f"crash_hp_test:_panic_after_store_{n}")
    r.mdf = run.makedumpfile_verdict(r.lines, crash) if r.head else None
    r.verdicts = {}
    if r.head and r.sysroot:
        before = unpack(r.sysroot, os.path.join(work, "before"))
        after = os.path.join(work, "after")
        shutil.copytree(before, after)
        state = os.path.join(after, f"sys/devices/system/memory/memory{UNDER[update]}/state")
        with open(state, "w") as f:
            f.write("online\n" if update == "add" else "offline\n")
        for tag, root in (("before", before), ("after", after)):
            r.verdicts[tag] = verify(r.head, said(r.lines, "VMCORE-SIZE"), root, work)
    r.complete = any(rc == 0 for rc, _ in r.verdicts.values())
    return r


def sample(count, cap):
    """The stores to boot: all of 1..count, or cap of them evenly spread
    (the first and the last among them)."""
    if cap is None or count <= cap:
        return list(range(1, count + 1))
    return sorted({1 + round(i * (count - 1) / (cap - 1)) for i in range(cap)})


def stores_main(kdir, names, jobs, cap):
    """The every-store runs; returns (failures, table rows, the dry runs)."""
    failures, rows, dry = 0, [], {}
    for name in names:
        initrd = run.initramfs(os.path.join(kdir, name, "bzImage"), f"kernel-{name}")
        for update in ("add", "remove"):
            ship = os.path.join(WORK, f"dump-{name}-{update}.flat") if name == "patched" else None
            d = store_boot(kdir, name, initrd, update, ULONG_MAX, ship=ship)
            d.ship = ship
            dry[(name, update)] = d
            count = d.stores or 0
            print(f"== {name}, {update}: the dry run's update made {count} stores "
                  f"(stats); its dump: {verdict_text(d, 'after')}", flush=True)
            if not count:
                print("\n".join(d.lines[-30:]))
                print(f"{name}, {update}: NO store count from the hooks' stats")
                failures += 1
                continue
            if d.verdicts.get("after", (None,))[0] != 0 or d.timeouts or d.silent:
                print(f"{name}, {update}: the dry run's dump is NOT complete against the machine "
                      f"after the update: {d.verdicts.get('after')} {d.timeouts}")
                failures += 1
            if cap == 0:
                continue
            # patched's claim is every store: its updates make a handful, all booted
            picked = sample(count, None if name == "patched" else cap)
            if len(picked) < count:
                print(f"{name}, {update}: {count} stores, {len(picked)} booted, sampled evenly "
                      f"(KERNEL_E2E_STORES={cap}): {picked}")
            with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
                runs = list(pool.map(lambda n: (n, store_boot(kdir, name, initrd, update, n)),
                                     picked))
            dumps = complete = 0
            for n, r in runs:
                dumps += r.head is not None
                complete += r.complete
                bad = r.timeouts + (["silent"] if r.silent else []) + (
                    [] if r.panicked else ["no panic at this store"])
                print(f"    store {n}: panicked {'yes' if r.panicked else 'NO'}, "
                      f"dump {'yes' if r.head else 'no'}"
                      + (f", crashhp verify {verdict_text(r, 'before')} (before) / "
                         f"{verdict_text(r, 'after')} (after), makedumpfile -d 31 "
                         f"{ {True: 'ok', False: 'fails', None: '-'}[r.mdf] }" if r.head else "")
                      + (f"; {bad}" if bad else ""), flush=True)
                failures += bool(bad)
                if name == "patched":
                    failures += not r.complete
                    failures += r.mdf is False
            rows.append((name, update, count, len(picked), dumps, complete))
            if name == "stock":
                print(f"stock, {update}: {len(picked) - dumps} of {len(picked)} panics took no dump "
                      "(the update holds the kexec lock and kexec_crash_image is NULL)")
            else:
                print(f"patched, {update}: every dump complete: "
                      f"{'yes' if complete == len(picked) else 'NO'} ({complete} of {len(picked)})")
    return failures, rows, dry


def points_main(kdir, names, jobs):
    """A panic outside the stores, at each point of POINTS, in the update
    that onlines block 39 (store-add's); returns (failures, table rows).
    Patched: ram_walked is reached by the deferred update only (an event
    updates in place without a walk), so the kexec lock is held while the
    block comes online.  Stock: every memory event rebuilds, no hold."""
    failures, rows = 0, []
    for name in names:
        initrd = run.initramfs(os.path.join(kdir, name, "bzImage"), f"kernel-{name}")
        hold = {"unprotected": False, "ram_walked": name == "patched"}
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            runs = list(pool.map(lambda p: (p, store_boot(kdir, name, initrd, "add", ULONG_MAX,
                                                          point=p, hold=hold[p])), POINTS))
        for point, r in runs:
            held = said(r.lines, "ONLINE-WHILE-HELD")
            checks = [(f"panicked at point {point}", r.panicked)]
            checks += [(f"block 39 came online while the lock was held ({held})", held == "yes")
                       ] if hold[point] else []
            checks += [("no timeout, QEMU not silent", not r.timeouts and not r.silent)]
            if name == "patched":
                checks += [("took a dump", r.head is not None),
                           ("crashhp verify: complete against the machine before or after",
                            r.complete),
                           ("makedumpfile -d 31 reads its dmesg (this panic) and filters it",
                            r.mdf is True)]
            else:
                checks += [("took no dump (the update holds the kexec lock)", r.head is None)]
            print(f"== {name}, point {point}{' (deferred update)' if hold[point] else ''}: "
                  f"dump {'yes' if r.head else 'no'}"
                  + (f", crashhp verify {verdict_text(r, 'before')} (before) / "
                     f"{verdict_text(r, 'after')} (after)" if r.head else ""), flush=True)
            for what, ok in checks:
                print(f"{name}, point {point}: {what}: {'yes' if ok else 'NO'}", flush=True)
                failures += not ok
            if not all(ok for _, ok in checks):
                print("\n".join(r.lines[-25:]))
            rows.append((name, point, "deferred" if hold[point] else "event", r.panicked,
                         r.head is not None, verdict_text(r, "before"), verdict_text(r, "after"),
                         {True: "ok", False: "fails", None: "-"}[r.mdf]))
    return failures, rows


def verdict_text(r, tag):
    rc = r.verdicts.get(tag, (None, ""))[0] if r.head else "no dump"
    return {0: "complete", 1: "discrepancies", None: "not run", "no dump": "no dump"}.get(rc, f"exit {rc}")


DIMM_RANGE = (run.DIMM, run.DIMM + (1 << 30))
# drgn's side of the readers: the first slab page inside the DIMM (kernel
# memory, so makedumpfile -d 31 kept it), its cache's name and its first 64
# bytes, read by physical address.  Since 6.10 a slab page is a page type
# (PGTY_slab in page_type's top byte), not the PG_slab flag drgn 0.0.22's
# PageSlab() tests.
DRGN_SCRIPT = f"""
from drgn import cast
from drgn.helpers.linux.mm import PageSlab, pfn_to_page
try:
    slab_type = prog["PGTY_slab"].value_()
except KeyError:
    slab_type = None
def is_slab(page):
    if slab_type is None:
        return PageSlab(page)
    return page.page_type.value_() >> 24 == slab_type
for pfn in range({DIMM_RANGE[0] >> 12}, {DIMM_RANGE[1] >> 12}):
    page = pfn_to_page(prog, pfn)
    if is_slab(page):
        name = cast("struct slab *", page).slab_cache.name.string_().decode()
        print("DRGN", hex(pfn << 12), name, prog.read(pfn << 12, 64, True).hex())
        break
else:
    print("DRGN none")
"""


def readers(kdir, dry):
    """The patched dry runs' dumps (makedumpfile -d 31 in the capture
    kernel, flattened, sent raw on the second serial port): reassembled by
    makedumpfile -R, opened by drgn and crash(8) with the matching vmlinux,
    each reading the same kernel memory inside the DIMM."""
    failures = 0
    vmlinux = os.path.join(kdir, "patched", "vmlinux")
    for update in ("add", "remove"):
        d = dry.get(("patched", update))
        if not d or not d.ship:
            continue
        dump = d.ship[:-len(".flat")] + ".kdump"
        size = os.path.getsize(d.ship) if os.path.exists(d.ship) else 0
        if os.path.exists(dump):
            os.unlink(dump)   # makedumpfile -R does not overwrite
        with open(d.ship, "rb") as flat:
            res = subprocess.run(["makedumpfile", "-R", dump], stdin=flat, capture_output=True,
                                 text=True)
        print(f"readers, patched {update}: makedumpfile -d 31 in the capture kernel: "
              f"{ {True: 'ok', False: 'fails', None: '-'}[d.mdf] }; its flattened output "
              f"{size} bytes; makedumpfile -R: rc={res.returncode}", flush=True)
        if res.returncode:
            print(res.stdout + res.stderr)
            failures += 1
            continue
        script = os.path.join(WORK, "drgn-dimm.py")
        with open(script, "w") as f:
            f.write(DRGN_SCRIPT)
        out = subprocess.run(["drgn", "-q", "-c", dump, "-s", vmlinux, "--main-symbols", script],
                             capture_output=True, text=True)
        line = next((l for l in out.stdout.splitlines() if l.startswith("DRGN ")), None)
        print(f"readers, patched {update}: drgn: {line or (out.stdout + out.stderr)[-600:]}")
        found = line is not None and line != "DRGN none"
        failures += not found
        if not found:
            continue
        _, addr, cache, data = line.split()
        words = [int.from_bytes(bytes.fromhex(data[i:i + 16]), "little") for i in range(0, 128, 16)]
        # Debian 12's crash 8.0.2 predates 6.12's slab (its kmem_cache
        # setup fails: "invalid structure member offset: kmem_cache_s_num");
        # its minimal mode (log, rd, sym, dis) opens the dump all the same.
        crash = subprocess.run(["crash", "-s", "--minimal", "--kaslr", "auto", vmlinux, dump],
                               input=f"rd -p {addr[2:]} 8\nquit\n", capture_output=True,
                               text=True, timeout=600)
        shown, at = [], int(addr, 16)
        for l in crash.stdout.splitlines():
            f = l.split()
            if len(f) >= 3 and f[0] == f"{at + 8 * len(shown):x}:":
                shown += [int(w, 16) for w in f[1:3]]
        same = shown == words
        print(f"readers, patched {update}: crash --minimal, rd -p {addr} 8: "
              f"{'the same bytes as drgn' if same else 'NOT the bytes drgn read'} "
              f"(crash rc={crash.returncode})")
        if not same:
            print((crash.stdout + crash.stderr)[-1500:])
        failures += not same
    return failures


def bench(kdir, names):
    """Per-event update time at a growing number of ranges: one guest per
    kernel, four 1 GiB DIMMs online, every other block offlined (each a
    REMOVE_MEMORY event, each a new gap in the DIMMs' RAM), the hooks'
    stats reset before each event, each taken three times (the least
    counts).  A table with patched/stock."""
    times = {}
    for name in names:
        vmlinuz = os.path.join(kdir, name, "bzImage")
        initrd = run.initramfs(vmlinuz, f"kernel-{name}")
        r = boot(vmlinuz, initrd, "console=ttyS0 crashkernel=256M panic=1 "
                 "memhp_default_state=online_movable crashhp_kernel=bench",
                 os.path.join(WORK, f"bench-{name}"), dimms=4)
        head = "events dropped deferred updates update_ns_total update_ns_max stores".split()
        for l in r.lines:
            if l.startswith("BENCH "):
                f = l.split()
                row = dict(zip(head, map(int, f[3:])))
                if row.get("updates") == 1:
                    best = times.setdefault(int(f[1]), {})
                    best[name] = min(best.get(name, row["update_ns_total"]), row["update_ns_total"])
        if r.timeouts or r.silent:
            print(f"bench, {name}: {r.timeouts or 'silent'}")
            return 1
    print("\nper-event update time (debugfs crash_hotplug/stats: one REMOVE_MEMORY event, the least "
          "of three; gaps: blocks offlined, every other one of four 1 GiB DIMMs; QEMU TCG)")
    print("| gaps | " + " | ".join(f"{n} (us)" for n in names) + " | patched/stock |")
    print("|---|" + "---|" * len(names) + "---|")
    for gaps in sorted(times):
        t = times[gaps]
        ratio = (f"{t['patched'] / t['stock']:.2f}" if t.get("stock") and "patched" in t else "-")
        print(f"| {gaps} | " + " | ".join(f"{t[n] / 1000:.1f}" if n in t else "-" for n in names)
              + f" | {ratio} |")
    return 0 if times else 1


KTAP_RESULT = re.compile(r"^(?:\[\s*\d+\.\d+\] )?( *)(ok|not ok) (\d+) (\S+)")
KUNIT_SUITE = "crash_slots"


def kunit(kdir, names):
    """The slot library's KUnit suite (kernel/crash_slots_kunit.c, 0004),
    built into the patched kernel: one boot without an initrd.  KUnit runs
    the suite during init (kunit.filter_glob: this suite only); the kernel
    then finds no root and panics, panic=-1 reboots at once and QEMU
    (-no-reboot) exits: that exit is the end.  The suite's KTAP lines on the
    console must say ok for the suite and for every case in it.  Stock (the
    test hooks only) has no such suite: not booted.  Returns (failures,
    rows)."""
    failures, rows = 0, []
    for name in [n for n in names if n == "patched"]:
        work = os.path.join(WORK, f"kunit-{name}")
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        cmd = run.qemu_command(os.path.join(kdir, name, "bzImage"), None,
                               f"console=ttyS0 panic=-1 kunit.filter_glob={KUNIT_SUITE}", None)
        at = cmd.index("-initrd")
        del cmd[at:at + 2]
        t0 = time.time()
        try:
            out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 errors="replace", timeout=run.VM_SILENCE_S).stdout
        except subprocess.TimeoutExpired as e:
            part = e.stdout or ""
            out = (part.decode(errors="replace") if isinstance(part, bytes) else part) \
                + "\nE2E-TIMEOUT: QEMU killed\n"
        secs = time.time() - t0
        lines = out.splitlines()
        with open(os.path.join(work, "console.log"), "w") as f:
            f.write(out)
        suite, cases = None, []
        for l in lines:
            m = KTAP_RESULT.match(l)
            if not m:
                continue
            if not m.group(1) and m.group(4) == KUNIT_SUITE:
                suite = m.group(2)
            elif m.group(1) and m.group(4).startswith(KUNIT_SUITE):
                cases.append((m.group(4), m.group(2)))
        ok = suite == "ok" and cases and all(v == "ok" for _, v in cases)
        if not ok:
            failures += 1
            print(f"kunit, {name}: suite {suite or 'not reported'}; console in {work}/console.log")
            # Each failure's line and the message KUnit prints after it.
            for i, l in enumerate(lines):
                if "not ok" in l or "FAILED at" in l:
                    print(f"  {l}")
                    if "FAILED at" in l and i + 1 < len(lines):
                        print(f"  {lines[i + 1]}")
        rows.append((name, suite or "not reported", sum(v == "ok" for _, v in cases), len(cases),
                     secs))
    return failures, rows


def gap_files():
    """What the gap part adds to the main kernel's initrd, (file, path in
    the tree) pairs: Debian 13's kexec (--hotplug) as kexec-hotplug, the
    stand-in for its libxenctrl, and the shim that holds it at its
    kexec_load, built here."""
    kexec = kexec_with_hotplug(WORK, "amd64")
    if not kexec:
        sys.exit("kernel-e2e: Debian 13's kexec-tools (the gap part's kexec --hotplug) could not "
                 "be fetched")
    shim = os.path.join(WORK, "gap-shim.so")
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror", "-o", shim,
                    os.path.join(HERE, "gap-shim.c")], check=True)
    return ([(kexec, "sbin/kexec-hotplug"), (shim, "lib/gap-shim.so")] +
            [(lib, os.path.join("lib/x86_64-linux-gnu", os.path.basename(lib)))
             for lib in stub_libraries(kexec, os.path.join(WORK, "gap-stubs"))])


def gap_checks(name, r, rc, out):
    """The gap part's checks: kexec held at its kexec_load until the DIMM
    was online, the load made by kexec_load with the hotplug flag; stock's
    dump lacks the DIMM (the bug), patched's holds it after a resync."""
    loaded = said(r.lines, "GAP-KEXEC") or ""
    calls = said(r.lines, "GAP-SYSCALLS") or ""
    held = said(r.lines, "GAP-HELD") or ""
    checks = [("no E2E-TIMEOUT in the guest", not r.timeouts),
              (f"kexec waited at its kexec_load until the DIMM was online ({held})",
               held.startswith("kexec-hotplug waits")),
              (f"the load was one kexec_load, no kexec_file_load (shim: {calls.strip()})",
               calls.split() == ["kexec_load", "0"]),
              (f"kexec exited 0, the image loaded with hotplug support ({loaded})",
               loaded == "rc=0 crash_hotplug=1 kexec_crash_loaded=1")]
    if name == "stock":
        # kexec-tools' LOAD of the low 640 KiB (its backup region) is a
        # note (kexec-tools-backup), not a discrepancy: the DIMM's line is
        # the bug's.
        return checks + [("the DIMM is missing from the dump (the bug)", not r.dimm),
                         ("crashhp verify finds the dump wrong, the DIMM's range missing",
                          rc == 1 and "missing [0x100000000, 0x13fffffff]" in out)]
    return checks + [("the kernel applied a deferred update after the load (GAP-RESYNC "
                      f"{said(r.lines, 'GAP-RESYNC')})", said(r.lines, "GAP-RESYNC") == "yes"),
                     ("the DIMM is in the dump with its own bytes", r.dimm and r.dimm_bytes),
                     ("crashhp verify finds the dump complete", rc == 0)]


def remove_contend(kdir, names, modes):
    """Each kernel booted once per part (run.py's machinery, one at a time):
      remove:  a 1 GiB DIMM hot-added, its 8 blocks offlined, the DIMM
               removed, then a crash;
      contend: the kexec lock held (debugfs hold_lock_ms) from before the
               DIMM is hot-added until after its 8 blocks are online, then
               a crash;
      held:    the kexec lock held from before the DIMM's blocks go offline
               until its removal has begun (init.sh), then the removal, then
               a crash;
      gap:     kexec --hotplug -c -p held at its kexec_load (gap_files())
               while the DIMM is hot-added and its blocks come online, then
               the load, then a crash.
    Each dump is judged by crashhp verify against the guest's /proc and
    /sys at the crash, by whether the DIMM is in it and its bytes are the
    DIMM's, and by makedumpfile -d 31 in the capture kernel."""
    failures, table = 0, []
    extra = gap_files() if "gap" in modes else ()
    for name in names:
        vmlinuz = os.path.join(kdir, name, "bzImage")
        if not os.path.exists(vmlinuz):
            sys.exit(f"e2e: {vmlinuz} not found (make kernel)")
        initrd = run.initramfs(vmlinuz, f"kernel-{name}", extra)
        for mode in modes:
            print(f"== {name}, {mode}", flush=True)
            r = run.run_vm(vmlinuz, initrd, remove=(mode in ("remove", "held")), kernel_mode=mode)
            # The whole console but the base64, for a failure's reader.
            with open(os.path.join(WORK, f"console-{name}-{mode}.log"), "w") as f:
                f.write("\n".join(r.lines) + "\n")
            with open(r.head, "rb") as f:
                rc, out = verify(f.read(), said(r.lines, "VMCORE-SIZE"), r.sysroot, WORK)
            for line in out.splitlines():
                print(f"    verify: {line}")
            stats = kstats(r.lines)
            mem = [stats.get(k, {}) for k in ("add_memory", "remove_memory")]
            events = sum(m.get("events", 0) for m in mem)
            dropped = sum(m.get("dropped", 0) for m in mem)
            deferred = sum(m.get("deferred", 0) for m in mem)
            resyncs = stats.get("resync", {}).get("updates", 0)
            held = said(r.lines, "ONLINE-WHILE-HELD")
            trylock = int(said(r.lines, "TRYLOCK-FAILED") or 0)
            # init.sh's failed loads: "16 kmalloc-vmalloc-growth-kB N"
            leak = said(r.lines, "FAILED-LOADS")
            leak_kb = int(leak.split()[-1]) if leak and mode == "remove" else None
            table.append((name, mode, r.dimm, r.dimm_bytes, rc, r.mdf, events, dropped, deferred,
                          resyncs, trylock, leak_kb))
            checks = []
            if mode == "remove":
                # A leak of the in-place index is 16 x 0.36-0.56 MB.
                checks = [("16 failed kexec_file_load calls leak nothing (SUnreclaim + "
                           f"VmallocUsed grow < {LEAK_KB} kB: {leak_kb})",
                           leak_kb is not None and leak_kb < LEAK_KB),
                          ("kdump loaded again after them",
                           any(l.strip() == "KDUMP-RELOADED" for l in r.lines))]
            if mode == "remove" and name == "stock":
                checks += [("the removed DIMM is still in the dump (the bug)", r.dimm),
                           ("crashhp verify finds the dump wrong", rc == 1)]
            elif mode == "remove":
                checks += [("the removed DIMM is not in the dump", not r.dimm),
                           ("crashhp verify finds the dump complete", rc == 0)]
            elif mode == "gap":
                checks = gap_checks(name, r, rc, out)
            elif mode == "held":
                # init.sh: counted = the removal's own update began (a ninth
                # remove_memory event), gone = the DIMM's blocks left sysfs,
                # both while the lock was held.
                while_held = said(r.lines, "REMOVAL-WHILE-HELD") or ""
                waited = int(said(r.lines, "REMOVAL-WAITED") or 0)
                gave_up = int(said(r.lines, "REMOVAL-GAVE-UP") or 0)
                checks = [("no E2E-TIMEOUT in the guest", not r.timeouts)]
                if name == "stock":
                    checks += [("the DIMM went while the lock was held, no update of its own "
                                f"({while_held})", while_held == "counted=no gone=yes"),
                               ("the removed DIMM is still in the dump (the bug)", r.dimm),
                               ("crashhp verify finds the dump wrong", rc == 1)]
                else:
                    checks += [("the removal's update began while the lock was held and the "
                                f"DIMM stayed ({while_held})", while_held == "counted=yes gone=no"),
                               ("the removal waited for the lock (dmesg: waited ... ms), and "
                                f"did not give up ({waited} waited, {gave_up} gave up)",
                                waited == 1 and gave_up == 0),
                               ("the removed DIMM is not in the dump", not r.dimm),
                               ("crashhp verify finds the dump complete", rc == 0)]
            elif name == "stock":
                checks = [("every block came online while the lock was held", held == "yes"),
                          ("the kernel logged the trylock failure", trylock > 0),
                          ("the DIMM is missing from the dump (the bug)", not r.dimm),
                          ("crashhp verify finds the dump wrong", rc == 1)]
            else:
                checks = [("every block came online while the lock was held", held == "yes"),
                          ("no trylock failure, events deferred", trylock == 0 and deferred > 0),
                          ("the DIMM is in the dump with its own bytes", r.dimm and r.dimm_bytes),
                          ("crashhp verify finds the dump complete", rc == 0)]
            if name == "patched" and r.mdf is not None:
                checks.append(("makedumpfile reads the dump's dmesg and filters it (-d 31)", r.mdf))
            for what, ok in checks:
                print(f"{name}, {mode}: {what}: {'yes' if ok else 'NO'}", flush=True)
                failures += not ok
    return failures, table


# The capacity part's three DIMMs (QEMU places them from 4 GiB up, one
# after the other; the part checks it) and the one removed, the second.
GIB = 1 << 30
CAPACITY_DIMMS = tuple(4 * GIB + i * GIB for i in range(3))
CAPACITY_REMOVED = 1


def ram_loads(head, work):
    """The dump's PT_LOADs of memory (not the kernel text's): (start, last)."""
    path = os.path.join(work, "vmcore-head")
    with open(path, "wb") as f:
        f.write(head)
    res = subprocess.run([CRASHHP, "inspect", "--kind", "header", "--json", path],
                         capture_output=True, text=True, check=True)
    return [(int(p["paddr"], 16), int(p["paddr"], 16) + p["memsz"] - 1)
            for p in json.loads(res.stdout)["program_headers"]
            if p["type"] == "LOAD" and int(p["vaddr"], 16) < 0xffffffff80000000]


def verify_findings(head, size, sysroot, work):
    """crashhp verify's exit status and its findings as its JSON table
    gives them (-J -b): [(kind, class, first, last)]."""
    rc, out = verify(head, size, sysroot, work)
    if rc not in (0, 1):
        return rc, out, []
    res = subprocess.run([CRASHHP, "verify", "--against", sysroot, "-J", "-b",
                          "-o", "KIND,CLASS,START,SIZE", os.path.join(work, "vmcore-sparse")],
                         capture_output=True, text=True)
    found = []
    for row in json.loads(res.stdout)["findings"] if res.stdout.strip() else []:
        start, size = row.get("start"), row.get("size")
        first = int(start, 16) if start else None
        found.append((row["kind"], row["class"], first,
                      first + size - 1 if first is not None and size else None))
    return rc, out, found


def overlaps(loads, start, last):
    return [(a, b) for a, b in loads if a <= last and b >= start]


def covers(loads, start, last):
    """Whether the LOADs together cover [start, last]."""
    at = start
    for a, b in sorted(loads):
        if a <= at <= b:
            at = b + 1
    return at > last


def capacity_checks(name, mode, lines, placed, removal, loads, rc, found):
    """One capacity boot's checks past the dump being taken: [(what, ok)].
    lines: the guest's; placed: QMP query-memory-devices' (addr, size) at
    READY; removal: device_del's reply; loads: ram_loads(); rc, found:
    verify_findings()."""
    removed = (CAPACITY_DIMMS[CAPACITY_REMOVED], CAPACITY_DIMMS[CAPACITY_REMOVED] + GIB - 1)
    third = (CAPACITY_DIMMS[2], CAPACITY_DIMMS[2] + GIB - 1)
    klog = [l.split(None, 1)[1] for l in lines if l.startswith("KLOG ")]
    discrepancies = [(k, a, b) for k, c, a, b in found if c == "discrepancy"]
    left_out = f"memory in [{third[0]:#x}-{third[1]:#x}] is left out"
    gone = range(removed[0] >> 27, (removed[1] >> 27) + 1)
    # The whole state, not a substring: "gone 40 ... 47 48" is another machine.
    state = said(lines, "CAPACITY-STATE")
    want = (f"offline {'none' if mode == 'cover' else '34 36'} "
            f"gone {' '.join(map(str, gone))}")
    checks = [("the image got three program headers spare (CAPACITY-SPARE)",
               said(lines, "CAPACITY-SPARE") == "3"),
              ("the DIMMs lie at 4, 5 and 6 GiB, 1 GiB each (QMP query-memory-devices)",
               placed == [(a, GIB) for a in CAPACITY_DIMMS]),
              # Else init.sh's wait for it to leave /proc/iomem would pass at once.
              ("/proc/iomem listed the second DIMM before its removal (CAPACITY-IOMEM)",
               said(lines, "CAPACITY-IOMEM") == "listed"),
              (f"QMP device_del of the second DIMM accepted ({removal})",
               isinstance(removal, dict) and "return" in removal),
              (f"blocks not online at the crash: {want} ({state})", state == want)]
    if name == "stock":
        return checks + [("the removed DIMM is still in the dump (the bug)",
                          bool(overlaps(loads, *removed))),
                         ("crashhp verify finds the removed DIMM as absent memory",
                          rc == 1 and ("absent-memory", *removed) in discrepancies)]
    # Both patched boots: the removal cut without a slot, every offline cut kept.
    checks += [(f"the kernel says the third DIMM is left out ({left_out})",
                any(left_out in l for l in klog)),
               ("the kernel kept each of the second DIMM's 8 offline blocks listed, no slot free",
                all(any(f"offline [{b << 27:#x}-{((b + 1) << 27) - 1:#x}] stays" in l
                        for l in klog) for b in gone)),
               ("the removed DIMM is not in the dump", not overlaps(loads, *removed))]
    if mode == "cut":
        return checks + [("the third DIMM is not in the dump (left out)",
                          not overlaps(loads, *third)),
                         ("crashhp verify: one discrepancy, the third DIMM missing",
                          rc == 1 and discrepancies == [("missing-memory", *third)])]
    return checks + [("the kernel says left-out memory is covered again",
                      any("memory left out is covered again" in l for l in klog)),
                     ("the third DIMM is in the dump", covers(loads, *third)),
                     ("crashhp verify finds the dump complete", rc == 0)]


def capacity(kdir, names):
    """A full elfcorehdr (init.sh's capacity_run; 0009's test): three
    program headers spare (debugfs elfcorehdr_spare), three DIMMs online as
    one range, two cuts in the middle of the first take the last two slots,
    the second DIMM removed.  Boot cut crashes then; boot cover (patched
    only) first onlines the two blocks again, which frees two slots.

    patched, cut:   the removal is cut all the same, without a slot: the
                    removed DIMM is not in the dump, the third DIMM (above
                    the cut) is left out, and the kernel says so;
                    crashhp verify finds that one range missing, nothing
                    else;
    patched, cover: the kernel covers the third DIMM again: complete;
    stock, cut:     what mainline does: its rebuild checks its header (a
                    page) against the segment (a page), so the spare room
                    does not bind it; offline memory stays listed and the
                    removal makes no update: the removed DIMM stays in the
                    dump."""
    failures, rows = 0, []
    removed = (CAPACITY_DIMMS[CAPACITY_REMOVED], CAPACITY_DIMMS[CAPACITY_REMOVED] + GIB - 1)
    third = (CAPACITY_DIMMS[2], CAPACITY_DIMMS[2] + GIB - 1)
    for name in names:
        vmlinuz = os.path.join(kdir, name, "bzImage")
        initrd = run.initramfs(vmlinuz, f"kernel-{name}")
        for mode in ("cut", "cover") if name == "patched" else ("cut",):
            print(f"== {name}, capacity-{mode}", flush=True)
            work = os.path.join(WORK, f"capacity-{name}-{mode}")
            placed, removal = [], None

            def react(line, sock):
                nonlocal removal
                if line.startswith("READY "):
                    reply = run.qmp(sock, {"execute": "query-memory-devices"})[1]
                    placed.extend((d["data"]["addr"], d["data"]["size"])
                                  for d in reply.get("return", []))
                    print(f"    host: DIMMs at {[(hex(a), hex(n)) for a, n in placed] or reply}",
                          flush=True)
                elif line.startswith("OFFLINED"):
                    removal = run.qmp(sock, {"execute": "device_del",
                                             "arguments": {"id": f"dimm{CAPACITY_REMOVED}"}})[1]
                    print(f"    host: DIMM {CAPACITY_REMOVED + 1} removed {removal}", flush=True)

            append = ("console=ttyS0 crashkernel=256M panic=1 memhp_default_state=offline "
                      f"crashhp_kernel=capacity-{mode}")
            r = boot(vmlinuz, initrd, append, work, dimms=3, react=react)
            klog = [l.split(None, 1)[1] for l in r.lines if l.startswith("KLOG ")]
            for l in klog:
                print(f"    kernel: {l}")
            print(f"    blocks not online at the crash: {said(r.lines, 'CAPACITY-STATE')}")
            loads, rc, out, found = [], None, "", []
            if r.head:
                loads = ram_loads(r.head, work)
                rc, out, found = verify_findings(r.head, said(r.lines, "VMCORE-SIZE"),
                                                 unpack(r.sysroot, os.path.join(work, "sysroot"))
                                                 if r.sysroot else None, work)
                for line in out.splitlines():
                    print(f"    verify: {line}")
            checks = [("no timeout, QEMU not silent, a dump taken",
                       not r.timeouts and not r.silent and r.head is not None)]
            checks += capacity_checks(name, mode, r.lines, placed, removal, loads, rc, found)
            for what, ok in checks:
                print(f"{name}, capacity-{mode}: {what}: {'yes' if ok else 'NO'}", flush=True)
                failures += not ok
            if not all(ok for _, ok in checks):
                print("\n".join(r.lines[-30:]))
            rows.append((name, mode, bool(overlaps(loads, *removed)), covers(loads, *third),
                         sum(" is left out" in l for l in klog), sum("stays" in l for l in klog),
                         sum("covered again" in l for l in klog),
                         verdict_text(types.SimpleNamespace(head=r.head, verdicts={"v": (rc, "")}),
                                      "v"),
                         ", ".join(f"{k} [{a:#x}, {b:#x}]" for k, c, a, b in found
                                   if c == "discrepancy") or "-"))
    return failures, rows


PARTS = ("kunit", "remove", "contend", "held", "gap", "stores", "points", "capacity", "readers",
         "bench")


def main():
    kdir = os.path.abspath(sys.argv[3])
    parts = [a for a in sys.argv[4:] if a in PARTS] or list(PARTS)
    names = [a for a in sys.argv[4:] if a in ("stock", "patched")] or ["stock", "patched"]
    unknown = [a for a in sys.argv[4:] if a not in PARTS + ("stock", "patched")]
    if unknown:
        sys.exit(f"kernel-e2e: unknown argument {unknown[0]!r} (parts: {', '.join(PARTS)}; "
                 "kernels: stock, patched)")
    for name in names:
        if not os.path.exists(os.path.join(kdir, name, "bzImage")):
            sys.exit(f"kernel-e2e: {os.path.join(kdir, name, 'bzImage')} not found (make kernel)")
    os.makedirs(WORK, exist_ok=True)
    jobs = int(os.environ.get("KERNEL_E2E_JOBS", "2"))
    cap = os.environ.get("KERNEL_E2E_STORES", "6")
    cap = None if cap == "all" else max(2, int(cap))
    started = time.time()
    failures, table, rows, dry = 0, [], [], {}
    if "kunit" in parts:
        f, kunit_rows = kunit(kdir, names)
        failures += f
        print(f"\n| kernel | KUnit suite {KUNIT_SUITE} | cases ok | boot (s) |")
        print("|---|---|---|---|")
        for name, suite, good, total, secs in kunit_rows:
            print(f"| {name} | {suite} | {good} of {total} | {secs:.0f} |")
    if {"remove", "contend", "held", "gap"} & set(parts):
        f, table = remove_contend(kdir, names,
                                  [p for p in ("remove", "contend", "held", "gap") if p in parts])
        failures += f
    if "stores" in parts or "readers" in parts:
        f, rows, dry = stores_main(kdir, names, jobs, cap if "stores" in parts else 0)
        failures += f
    if "readers" in parts:
        failures += readers(kdir, dry)
    point_rows = []
    if "points" in parts:
        f, point_rows = points_main(kdir, names, jobs)
        failures += f
    capacity_rows = []
    if "capacity" in parts:
        f, capacity_rows = capacity(kdir, names)
        failures += f
    if table:
        print("\n| kernel | run | DIMM in dump | DIMM bytes | crashhp verify | makedumpfile "
              "| memory events | dropped | deferred | resync updates | trylock messages "
              "| kmalloc+vmalloc growth, 16 failed loads (kB) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name, mode, dimm, dbytes, rc, mdf, ev, dr, de, rs, tl, lk in table:
            verdict = {0: "complete", 1: "discrepancies"}.get(rc, f"exit {rc}")
            print(f"| {name} | {mode} | {'yes' if dimm else 'no'} | "
                  f"{ {True: 'right', False: 'wrong', None: '-'}[dbytes] } | {verdict} | "
                  f"{ {True: 'ok', False: 'fails', None: '-'}[mdf] } | {ev} | {dr} | {de} | {rs} | {tl} | "
                  f"{'-' if lk is None else lk} |")
    if rows:
        print("\n| kernel | update | stores | booted | dumps | complete dumps | dry run's dump |")
        print("|---|---|---|---|---|---|---|")
        for name, update, count, booted, dumps, complete in rows:
            print(f"| {name} | {update} | {count} | {booted} | {dumps} | {complete} | "
                  f"{verdict_text(dry[(name, update)], 'after')} |")
    if point_rows:
        print("\n| kernel | panic at point | update | panicked there | dump | crashhp verify "
              "(before) | crashhp verify (after) | makedumpfile -d 31 |")
        print("|---|---|---|---|---|---|---|---|")
        for name, point, update, panicked, dump, before, after, mdf in point_rows:
            print(f"| {name} | {point} | {update} | {'yes' if panicked else 'no'} | "
                  f"{'yes' if dump else 'no'} | {before} | {after} | {mdf} |")
    if capacity_rows:
        print("\n| kernel | capacity boot | removed DIMM in dump | third DIMM in dump "
              "| kernel: left out | kernel: offline kept | kernel: covered again "
              "| crashhp verify | its discrepancies |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, mode, rem, thr, lo, kept, cov, verdict, disc in capacity_rows:
            print(f"| {name} | {mode} | {'yes' if rem else 'no'} | {'yes' if thr else 'no'} | "
                  f"{lo} | {kept} | {cov} | {verdict} | {disc} |")
    if "bench" in parts:
        failures += bench(kdir, names)
    print(f"{failures} kernel-e2e failures ({time.time() - started:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
