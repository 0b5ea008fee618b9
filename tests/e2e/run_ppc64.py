#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The ppc64 real-kernel end-to-end run (make e2e, after x86_64's; make
e2e-ppc64 alone): Debian's ppc64el 6.12 (kernel_612(): the newest a verified
apt index lists and the mirror serves) under qemu-system-ppc64 -M pseries (TCG, -smp 1,maxcpus=2, 2 GiB,
crashkernel=512M@128M, the lab's placement), kdump loaded with kexec_load
(Debian's ppc64el 6.12 has CONFIG_KEXEC_FILE unset, so kexec -s cannot be
used): Debian 12's kexec 2.0.25 (no hotplug flag: the kernel never updates
the image) and Debian 13's 2.0.29 with --hotplug (KEXEC_CRASH_HOTPLUG_SUPPORT:
the kernel updates the elfcorehdr and the FDT).  Over QMP a 1 GiB DIMM is
hot-added (pc-dimm, at 2 GiB; pseries adds it LMB by LMB, in-kernel DLPAR),
a core hot-added (spapr-cpu-core, onlined by the kernel itself), the DIMM
removed (device_del; LMB by LMB), then a crash on CPU 0 or on the hot-added
CPU 1 (taskset).  Two DIMMs in fact: at 2 GiB (memblock merges it with boot
RAM) and at 4 GiB past a hole; only the first is removed.  With the hotplug
flag two more crashes on CPU 1: after one block of the first DIMM is
offlined in sysfs (a MEM_OFFLINE that remove_mem_range() turns into a
split: the upper part appended last, one byte past, its end in the hole),
and after 12 small DIMMs past holes (a header past the 1 KiB kexec-tools
reserves; --stage=added: after the hot-adds only, left out by default).  The capture kernel sends the head of /proc/vmcore and its
device tree's CPU nodes back; the host reads the real header with readelf
(and crashhp inspect, which must read it the same) and sets it against the
lab's mainline prediction: the lab's own run of the same events (crashhp
sim --vmcore SCENARIO), the crash on the same CPU with the same CPUs
online: its verdict (dump or not), LOAD for LOAD its vmcore and its
NT_PRSTATUS count.  Each run is a table row.  The capture kernel also says
what it reserved (memblock) and the memory it was given (linux,usable-
memory), set against the elfcorehdr segment (04e707cb77c2's question).

Seen (6.12.113 and 6.12.107, this script): kdump works on TCG pseries.
Without the hotplug flag a crash on CPU 1 leaves no dump: purgatory runs
("I'm in purgatory"), then the capture kernel starts on CPU 1, which the
FDT kexec-tools built at load time does not list: early_init_devtree()
logs "Failed to identify boot CPU !", BUG()s (prom.c) and panics before
its console is up, so it prints nothing.  The host sees that in the
capture kernel's own log (capture_log_buffer(), read over QMP while the
console is quiet after purgatory's line): its panic's last line, seconds
after the crash (it waited 300 s of silence and read 512 MiB before).
With --hotplug the capture kernel's FDT lists both cores and the dump is
taken.  kexec-tools and the kernel's ppc64 rebuild both give [0, 64 KiB)
(the backup region) a LOAD of its own.

Times (2 cores shared with other jobs): 531 s for the 5 runs in a fresh
clone's make e2e at a load of 13-18, downloads included (60-133 s per run
with a dump, 45 s for the one without).  Before the handshake and with 7
boots: 18 min 46 s (the same 6.12.107, a load of 12-14; the run without a
dump 462 s), and 19 min 55 s to 31 min in earlier sessions.

The guest waits on conditions (sysfs, meminfo), never on sleep; the host
acts on the guest's READY-* lines.

usage: run_ppc64.py CRASHHP WORKDIR [--kernel-deb DEB] [--kexec-hotplug KEXEC] [--cpu=N]... [--load=plain|hotplug]...
                   [--stage=removed|added|split|grown]...
"""
import base64
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import types

from kexec_hotplug import kexec_with_hotplug

CRASHHP, WORK = (os.path.abspath(a) for a in sys.argv[1:3])
HERE = os.path.dirname(os.path.abspath(__file__))
BASE64_LINE = re.compile(r"^[A-Za-z0-9+/]+=*$")
KERNEL_LINE = re.compile(r"^\[ *[0-9.]+\] ")
RAM, CRASHKERNEL, CRASH_BASE = 2 << 30, 512 << 20, 128 << 20
DIMM_SIZE = 1 << 30
# The first DIMM where QEMU's pseries puts it (the end of boot RAM, 1 GiB
# aligned): memblock merges it with boot RAM.  The second past a 1 GiB hole,
# so a range lies above the first DIMM's.
DIMMS = (RAM, RAM + 2 * DIMM_SIZE)
# The grown stage: 12 one-block DIMMs, each past a hole (2.5 GiB up, every
# 512 MiB): 15 LOADs, 18 program headers, 1072 bytes of header, past the
# 1 KiB kexec-tools reserved for it at load (reserve(elfcorehdr, sz) in
# 2.0.29; memsz since its 600c2f9, the kexec_load side of 04e707cb77c2).
SMALL_DIMM = 256 << 20
GROWN_DIMMS = tuple(RAM + (512 << 20) + k * (512 << 20) for k in range(12))


def dimms(stage):
    """(address, size) of each DIMM the host hot-adds in that stage."""
    if stage == "grown":
        return [(a, SMALL_DIMM) for a in GROWN_DIMMS]
    return [(a, DIMM_SIZE) for a in DIMMS]
# The block the split stage offlines: the first DIMM's second, inside the
# range [crashkernel end, 3 GiB).
SPLIT_AT = RAM + (256 << 20)
# Backstops, never the way a run ends when all goes as it should: a VM
# silent this long is stuck (a failure); the CPUs' state is taken over QMP
# and the VM killed.  After the panic the capture kernel prints within a
# minute under TCG (47 s to its userspace at a load of 22); one that dies
# before its console is seen in its own log (capture_died()).
VM_SILENCE_S = 1200
PANIC_SILENCE_S = 300
KERNELBASE = 0xc000000000000000
# The log's last line of a panic (panic()'s "---[ end Kernel panic - not
# syncing: ... ]---"), after which a kernel too early to restart spins.
PANIC_END = b"---[ end Kernel panic"
# Debian's ppc64el packages, fetched with apt-get into a private state (the
# host's dpkg architectures and lists untouched).
APT_DIR = None


def sh(*args, **kw):
    return subprocess.run(args, check=True, **kw)


def apt(*args, **kw):
    opts = [f"-o Dir::State::Lists={APT_DIR}/lists", f"-o Dir::Cache={APT_DIR}/cache",
            "-o APT::Architecture=ppc64el", "-o APT::Architectures=ppc64el",
            "-o Dir::State::status=/dev/null"]
    return subprocess.run([args[0]] + " ".join(opts).split() + list(args[1:]), **kw)


# Suites that also carry Debian's 6.12 for ppc64el, read through a second
# private apt state (its own sources): trixie's own kernel (the same source
# package bookworm-security rebuilds) and bookworm-backports'.
OTHER_612_SUITES = ("Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie bookworm-backports\n"
                    "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n")


def other_apt():
    """apt-get/apt-cache over OTHER_612_SUITES, its lists fetched once."""
    state = os.path.join(WORK, "apt-612")
    for d in ("lists/partial", "cache/archives/partial", "sources"):
        os.makedirs(os.path.join(state, d), exist_ok=True)
    with open(os.path.join(state, "sources", "other.sources"), "w") as f:
        f.write(OTHER_612_SUITES)
    opts = ["-oDir::Etc::SourceList=/dev/null", f"-oDir::Etc::SourceParts={state}/sources",
            f"-oDir::State::Lists={state}/lists", f"-oDir::Cache={state}/cache",
            "-oAPT::Architecture=ppc64el", "-oAPT::Architectures=ppc64el",
            "-oDir::State::status=/dev/null"]
    if not glob.glob(os.path.join(state, "lists", "*Packages*")):
        subprocess.run(["apt-get"] + opts + ["update"], check=False)
    return lambda *args, **kw: subprocess.run([args[0]] + opts + list(args[1:]), **kw)


KERNEL_612 = re.compile(r"linux-image-6\.12\.([0-9]+)\+deb(1[23])-powerpc64le")


def kernel_612():
    """Debian's newest ppc64el 6.12 kernel .deb that apt verifies and the
    mirror serves, its path.  apt checks the .deb against the SHA256 of a
    Packages index whose hash the suite's signed InRelease gives, so only
    an index that passes is used: bookworm-security's (skipped by apt-get
    update when it fails its size check, a mirror mid-sync), else
    trixie's or bookworm-backports'.  Newest first (Debian 12's build
    before Debian 13's of one version); a version the mirror's pool does
    not serve (404) is passed over, and said."""
    cached = sorted(glob.glob(os.path.join(WORK, "linux-image-6.12.*-powerpc64le_*.deb")),
                    key=lambda p: int(KERNEL_612.search(p).group(1)))
    if cached:
        return cached[-1]
    found = []
    for run in (apt, other_apt()):
        out = run("apt-cache", "search", "--names-only", "^linux-image-6\\.12\\..*-powerpc64le$",
                  capture_output=True, text=True).stdout.split()
        found += [(int(m.group(1)), -int(m.group(2)), m.group(0), run)
                  for m in map(KERNEL_612.fullmatch, out) if m]
    for _, _, name, run in sorted(found, key=lambda f: f[:2], reverse=True):
        if run("apt-get", "download", name, cwd=WORK).returncode == 0:
            return glob.glob(os.path.join(WORK, f"{name}_*.deb"))[0]
        print(f"e2e-ppc64: {name} is in a verified index but the mirror does not serve it; "
              f"trying the next", flush=True)
    sys.exit("e2e-ppc64: no ppc64el linux-image-6.12 in a verified index of bookworm-security, trixie "
             "or bookworm-backports that the mirror serves (--kernel-deb DEB names one)")


def fetch_debs(kernel_deb):
    """busybox-static, kexec-tools, libc6 (Debian 12's) and a kernel,
    ppc64el, unpacked: --kernel-deb's, else kernel_612()'s."""
    global APT_DIR
    APT_DIR = os.path.join(WORK, "apt")
    for d in ("lists/partial", "cache/archives/partial"):
        os.makedirs(os.path.join(APT_DIR, d), exist_ok=True)
    if not glob.glob(os.path.join(APT_DIR, "lists", "*Packages*")):
        # An index that fails its hash (a mirror mid-sync) is left out, not
        # fatal: kernel_612() looks in other suites.
        if apt("apt-get", "update").returncode:
            print("e2e-ppc64: apt-get update left an index out (a mirror mid-sync); "
                  "a 6.12 kernel is looked for in the indexes that verify", flush=True)
    names = ["busybox-static", "kexec-tools", "libc6"]
    for name in names:
        if not glob.glob(os.path.join(WORK, f"{name}_*.deb")):
            apt("apt-get", "download", name, cwd=WORK, check=True)
    trees = {}
    debs = [glob.glob(os.path.join(WORK, f"{n}_*.deb"))[0] for n in names]
    debs.append(os.path.abspath(kernel_deb) if kernel_deb else kernel_612())
    print(f"e2e-ppc64: kernel {os.path.basename(debs[-1])}", flush=True)
    for deb in debs:
        tree = os.path.join(WORK, "x-" + os.path.basename(deb).split("_")[0])
        if not os.path.isdir(tree):
            sh("dpkg-deb", "-x", deb, tree)
        trees[os.path.basename(deb).split("_")[0]] = tree
    kernel = trees[os.path.basename(debs[-1]).split("_")[0]]
    return trees, sorted(glob.glob(os.path.join(kernel, "boot", "vmlinux-*")))[-1]


def cpio(tree, out):
    with open(out, "wb") as f:
        files = subprocess.run("find . | sort", shell=True, cwd=tree, capture_output=True).stdout
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input=files, cwd=tree,
                       stdout=f, check=True)


def initramfs(trees, vmlinux, kexec_hotplug):
    tree = os.path.join(WORK, "root")
    shutil.rmtree(tree, ignore_errors=True)
    for d in ("bin", "sbin", "proc", "sys", "dev", "boot", "lib64", "lib/powerpc64le-linux-gnu"):
        os.makedirs(os.path.join(tree, d))
    shutil.copy(os.path.join(trees["busybox-static"], "bin", "busybox"), os.path.join(tree, "bin"))
    shutil.copy(os.path.join(HERE, "init-ppc64.sh"), os.path.join(tree, "init"))
    os.chmod(os.path.join(tree, "init"), 0o755)
    capture = os.path.join(WORK, "capture.cpio")
    cpio(tree, capture)
    shutil.copy(os.path.join(trees["kexec-tools"], "sbin", "kexec"), os.path.join(tree, "sbin"))
    if kexec_hotplug:
        shutil.copy(kexec_hotplug, os.path.join(tree, "sbin", "kexec-hotplug"))
        os.chmod(os.path.join(tree, "sbin", "kexec-hotplug"), 0o755)
    libs = os.path.join(trees["libc6"], "lib", "powerpc64le-linux-gnu")
    for lib in ("ld64.so.2", "libc.so.6"):
        shutil.copy(os.path.join(libs, lib), os.path.join(tree, "lib", "powerpc64le-linux-gnu"))
    os.symlink("/lib/powerpc64le-linux-gnu/ld64.so.2", os.path.join(tree, "lib64", "ld64.so.2"))
    shutil.copy(vmlinux, os.path.join(tree, "boot", "vmlinux"))
    shutil.copy(capture, os.path.join(tree, "initrd.img"))
    main = os.path.join(WORK, "main.cpio")
    cpio(tree, main)
    return main


def qmp(path, *commands):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    f = s.makefile("rw")
    f.readline()
    replies = []
    for cmd in ({"execute": "qmp_capabilities"},) + commands:
        f.write(json.dumps(cmd) + "\n")
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "return" in reply or "error" in reply:
                replies.append(reply)
                break
    s.close()
    return replies


def capture_log_buffer(vmlinux):
    """(physical address, size) of the capture kernel's printk text ring
    (__log_buf): the same vmlinux, which kexec-tools places at the lowest
    hole of the crashkernel region (locate_hole() in elf_ppc64_load(), the
    kernel its first segment: CRASH_BASE) and which runs where it lies
    (relocatable: virtual = KERNELBASE + physical; the stuck capture
    kernel's NIP 0xc0000000080247b4 is in its text at 128 MiB).  None if
    the symbol is not there."""
    out = subprocess.run(["nm", "-S", vmlinux], capture_output=True, text=True).stdout
    for f in (line.split() for line in out.splitlines()):
        if len(f) == 4 and f[3] == "__log_buf":
            return CRASH_BASE + int(f[0], 16) - KERNELBASE, int(f[1], 16)
    return None


def log_messages(data):
    """The texts of a printk ring (each record's text is stored as is, after
    its 8-byte id), first to last seen, without repeats."""
    return list(dict.fromkeys(m.decode() for m in re.findall(rb"[ -~]{8,}", data)))


def watchdog(vm, last_line, sock, state, logbuf, logfile, phase):
    """Stop vm when the capture kernel has died before its console came up
    -- a handshake: its own log says so, its panic's last line in its
    printk ring, read over QMP (pmemsave) while the console is quiet after
    purgatory's line -- or, a backstop, once silent past its limit.  Takes
    each CPU's registers and that log first.  Returns None (the VM ended by
    itself), "died" or "silent"."""
    polled = 0.0
    while vm.poll() is None:
        now = time.time()
        quiet = now - last_line[0]
        died = False
        if phase.get("purgatory") and logbuf and quiet >= 2 and now - polled >= 2:
            polled = now
            try:
                qmp(sock, {"execute": "pmemsave", "arguments": {
                    "val": logbuf[0], "size": logbuf[1], "filename": logfile}})
                with open(logfile, "rb") as f:
                    died = PANIC_END in f.read()
            except (OSError, ValueError):
                pass
        if died or quiet > last_line[1]:
            try:
                for what in ("info cpus", "info registers -a"):
                    state.append(qmp(sock, {"execute": "human-monitor-command",
                                            "arguments": {"command-line": what}})[1].get("return", ""))
                if logbuf:
                    qmp(sock, {"execute": "pmemsave", "arguments": {
                        "val": logbuf[0], "size": logbuf[1], "filename": logfile}})
            except (OSError, ValueError) as e:
                state.append(f"QMP: {e}")
            vm.kill()
            return "died" if died else "silent"
        time.sleep(0.5)
    return None


def run_vm(vmlinux, initrd, crash_cpu, load, stage):
    sock = os.path.join(WORK, "qmp.sock")
    append = (f"console=hvc0 crashkernel={CRASHKERNEL >> 20}M@{CRASH_BASE >> 20}M panic=1 "
              f"memhp_default_state=online_movable crashhp_ppc_cpu={crash_cpu} crashhp_ppc_load={load} "
              f"crashhp_ppc_dimm={DIMM_SIZE} crashhp_ppc_stage={stage} crashhp_ppc_split={SPLIT_AT} "
              f"crashhp_ppc_added={sum(size for _, size in dimms(stage))}")
    cmd = ["nice", "-n", "10", "qemu-system-ppc64", "-M", "pseries", "-accel", "tcg",
           "-m", f"{RAM >> 30}G,slots=16,maxmem=16G", "-smp", "1,maxcpus=2", "-nodefaults",
           "-no-reboot", "-display", "none", "-serial", "stdio",
           "-qmp", f"unix:{sock},server=on,wait=off",
           "-kernel", vmlinux, "-initrd", initrd, "-append", append]
    start = time.time()
    log = open(os.path.join(WORK, f"console-cpu{crash_cpu}-{load}-{stage}.log"), "w", buffering=1)
    vm = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace")
    last_line, outcome, state, phase = [time.time(), VM_SILENCE_S], [], [], {}
    logbuf = capture_log_buffer(vmlinux)
    logfile = os.path.join(WORK, "capture-log-buffer.bin")
    if os.path.exists(logfile):
        os.unlink(logfile)
    guard = threading.Thread(target=lambda: outcome.append(watchdog(vm, last_line, sock, state, logbuf,
                                                                    logfile, phase)), daemon=True)
    guard.start()
    lines, capture, in_capture, marks = [], [], False, {}

    def say(what):
        print(f"[{time.time() - start:6.1f}s] {what}", flush=True)

    for line in vm.stdout:
        last_line[0] = time.time()
        line = line.rstrip("\r\n")
        log.write(line + "\n")
        if in_capture:
            if line.startswith("CAPTURE-END"):
                in_capture = False
            elif BASE64_LINE.match(line.strip()):
                capture.append(line.strip())
            continue
        lines.append(line)
        if "Kernel panic" in line:
            last_line[1] = PANIC_SILENCE_S
        if "I'm in purgatory" in line:
            phase["purgatory"] = True
        if line.startswith("CAPTURE-FDT-HEAD"):
            pass   # 8 KiB of hex: kept in the console log, read by header_kept()
        elif line.startswith(("RELEASE", "KDUMP-", "KEXEC-", "HOTPLUGGED", "REMOVED", "OFFLINED", "READY-",
                            "ELFCOREHDR-SIZE",
                            "CPU-ONLINE", "E2E-TIMEOUT", "IOMEM", "BOOT-CPUS", "CRASH-",
                            "CAPTURE-", "VMCORE-SIZE", "KLOG")):
            say(f"guest: {line}")
            marks.setdefault(line.split()[0], time.time() - start)
        elif re.search(r"Kernel panic|Oops|BUG|sysrq|kexec|crash|Starting|boot CPU|Failed to",
                       line):
            say(f"guest kernel: {line}")
        if line.startswith("READY-DIMM"):
            cmds = []
            for k, (addr, size) in enumerate(dimms(stage), 1):
                cmds += [{"execute": "object-add", "arguments": {
                             "qom-type": "memory-backend-ram", "id": f"mem{k}", "size": size}},
                         {"execute": "device_add", "arguments": {
                             "driver": "pc-dimm", "id": f"dimm{k}", "memdev": f"mem{k}", "addr": addr}}]
            replies = qmp(sock, *cmds, {"execute": "query-memory-devices"})
            say(f"host: DIMMs hot-added {replies[1:-1]}; at "
                f"{[hex(d['data']['addr']) for d in replies[-1]['return']]}")
        if line.startswith("READY-CPU"):
            slots = qmp(sock, {"execute": "query-hotpluggable-cpus"})[1].get("return", [])
            free = [c for c in slots if "qom-path" not in c]
            if free:
                replies = qmp(sock, {"execute": "device_add", "arguments": dict(
                    driver=free[-1]["type"], id="core1", **free[-1]["props"])})
                say(f"host: core hot-added {free[-1]['type']} {free[-1]['props']} {replies[1:]}")
        if line.startswith("READY-REMOVE"):
            replies = qmp(sock, {"execute": "device_del", "arguments": {"id": "dimm1"}})
            say(f"host: DIMM removal asked {replies[1:]}")
        if line.startswith("CAPTURE-BEGIN"):
            in_capture = True
    vm.wait(timeout=60)
    guard.join()
    log.close()
    say("VM over")
    timeouts = [l for l in lines if l.startswith("E2E-TIMEOUT")]
    how = outcome[0] if outcome else None
    died = []
    if how:
        if how == "silent":
            timeouts.append(f"the VM's next line: killed after {last_line[1]} s of silence")
        with open(os.path.join(WORK, f"cpus-cpu{crash_cpu}-{load}-{stage}.txt"), "w") as f:
            f.write("\n".join(state))
        for text in state:
            for l in text.splitlines():
                if l.startswith(("*", " ", "CPU", "NIP")) and ("NIP" in l or "CPU #" in l):
                    say(f"stuck: {l.strip()}")
        if os.path.exists(logfile):
            with open(logfile, "rb") as f:
                messages = log_messages(f.read())
            os.unlink(logfile)
            died = [m for m in messages if re.search(r"BUG|Kernel panic|not syncing|[Ff]ailed", m)]
            if how == "silent":
                say(f"the capture kernel's log (its __log_buf, {len(messages)} texts), the last:")
                for m in messages[-12:]:
                    say(f"  {m!r}")
                died = []
    head = None
    if capture:
        head = os.path.join(WORK, f"vmcore-head-cpu{crash_cpu}-{load}-{stage}")
        with open(head, "wb") as f:
            f.write(base64.b64decode("".join(capture)))
    return types.SimpleNamespace(lines=lines, head=head, timeouts=timeouts, marks=marks,
                                 seconds=time.time() - start, stuck=state, died=died)


def readelf_phdrs(path):
    """(type, offset, paddr, memsz) of each program header as binutils' readelf reads them."""
    out = subprocess.run(["readelf", "-W", "-l", path], capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        f = line.split()
        if f and f[0] in ("LOAD", "NOTE", "NULL"):
            rows.append((f[0], int(f[1], 16), int(f[2], 16), int(f[3], 16), int(f[5], 16)))
    return rows   # type, offset, vaddr, paddr, memsz


def notes(path, rows):
    """(NT_PRSTATUS count, vmcoreinfo present) in the merged PT_NOTE of a
    vmcore head (ppc64le: little-endian)."""
    with open(path, "rb") as f:
        data = f.read(1 << 20)
    prstatus, vmcoreinfo = 0, False
    for kind, off, _, _, size in rows:
        if kind != "NOTE":
            continue
        end = min(off + size, len(data))
        while off + 12 <= end:
            namesz, descsz, ntype = (int.from_bytes(data[off + 4 * i:off + 4 * i + 4], "little")
                                     for i in range(3))
            name = data[off + 12:off + 12 + namesz].rstrip(b"\0")
            prstatus += name == b"CORE" and ntype == 1
            vmcoreinfo |= name == b"VMCOREINFO"
            off += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return prstatus, vmcoreinfo


def scenario_text(load, stage, crash_cpu):
    """The run's machine and events, as crashhp-scenario(5) says them; the
    crash on the real run's CPU."""
    text = (f"arch ppc64le\ncpus 2:1:1\nram {RAM >> 30}G\ncrashkernel {CRASHKERNEL >> 20}M\n"
            f"load {LAB_LOAD[load]}\npolicies mainline\n"
            + "".join(f"add-dimm {size >> 20}M {a:#x}\n" for a, size in dimms(stage))
            + "add-cpu 1\nonline-cpu 1\n")
    if stage == "removed":
        text += f"remove-dimm {DIMMS[0]:#x}\n"
    elif stage == "split":
        text += f"offline-block {SPLIT_AT // (256 << 20)}\n"
    return text + f"crash {crash_cpu}\n"


LAB_LOAD = {"plain": "segments", "hotplug": "segments-hotplug"}
STAGES = ("removed", "added", "split", "grown")
# "added" (--stage=added) is left out by default: its header is the split
# stage's without the split (the same add updates), one boot saved.
DEFAULT_STAGES = ("removed", "split", "grown")
STAGE_SAYS = {"removed": "after the first DIMM's removal", "added": "after the hot-adds",
              "split": "after a block of the first DIMM went offline (a split)",
              "grown": "after 12 DIMMs past holes (a header past 1 KiB)"}


def lab(load, crash_cpu, stage):
    """The lab's mainline prediction from its own run of the real one's
    events, the crash on the same CPU with the same CPUs online: the
    verdict (dump or not) and that dump's vmcore (crashhp sim --vmcore)."""
    path = os.path.join(WORK, f"lab-{load}-{stage}.scn")
    with open(path, "w") as f:
        f.write(scenario_text(load, stage, crash_cpu))
    vmcore = os.path.join(WORK, f"lab-{load}-{stage}-cpu{crash_cpu}.vmcore")
    if os.path.exists(vmcore):
        os.unlink(vmcore)
    out = subprocess.run([CRASHHP, "sim", "--json", "--vmcore", vmcore, path],
                         capture_output=True, text=True)
    if out.returncode not in (0, 1):
        print(f"  lab: crashhp sim {path} exit {out.returncode}: {out.stderr.strip()}")
    doc = json.loads(out.stdout or '{"policies": [{"dumps_taken": 0, "first_problem": "no run"}]}')["policies"][0]
    rows, prstatus = [], None
    if os.path.exists(vmcore):
        rows = readelf_phdrs(vmcore)
        prstatus = notes(vmcore, rows)[0]
        os.unlink(vmcore)   # 3 GiB and more, mostly a hole
    return types.SimpleNamespace(scenario=doc, rc=out.returncode, rows=rows, prstatus=prstatus,
                                 bootable=lab_bootable(load, stage))


def lab_bootable(load, stage):
    """The CPUs the lab's capture kernel can start on at the crash: those
    its FDT lists as okay (lab_crash.c's capture_can_boot()), found by a
    crash on each online CPU (CPU 1 is hot-added in every stage)."""
    cpus = set()
    for cpu in (0, 1):
        path = os.path.join(WORK, f"lab-{load}-{stage}-boot{cpu}.scn")
        with open(path, "w") as f:
            f.write(scenario_text(load, stage, cpu))
        out = subprocess.run([CRASHHP, "sim", "--json", path], capture_output=True, text=True)
        doc = json.loads(out.stdout or '{"policies": [{"first_problem": "no run"}]}')["policies"][0]
        if "cannot start on CPU" not in doc["first_problem"]:
            cpus.add(cpu)
    return cpus


def main():
    began = time.time()
    os.makedirs(WORK, exist_ok=True)
    kernel_deb = sys.argv[sys.argv.index("--kernel-deb") + 1] if "--kernel-deb" in sys.argv else None
    trees, vmlinux = fetch_debs(kernel_deb)
    kexec_hotplug = (sys.argv[sys.argv.index("--kexec-hotplug") + 1]
                     if "--kexec-hotplug" in sys.argv else kexec_with_hotplug(WORK, "ppc64el"))
    initrd = initramfs(trees, vmlinux, kexec_hotplug)
    print(f"kernel {os.path.basename(vmlinux)}, initramfs {os.path.getsize(initrd) >> 20} MiB")
    cpus = [int(a[len("--cpu="):]) for a in sys.argv if a.startswith("--cpu=")] or (0, 1)
    loads = ([a[len("--load="):] for a in sys.argv if a.startswith("--load=")] or
             ["plain"] + (["hotplug"] if kexec_hotplug else []))
    stages = [a[len("--stage="):] for a in sys.argv if a.startswith("--stage=")] or list(DEFAULT_STAGES)
    # After the removal: the plain load on every CPU (CPU 0 takes a dump with
    # the load's header; the capture kernel cannot start on CPU 1, which its
    # FDT lacks), the hotplug flag on the new CPU (its boot there is the
    # FDT's update; a crash on CPU 0 gave the same header, CPUs and notes
    # byte for byte: 6.12.113, 7 runs).  The other stages with the hotplug
    # flag (a plain image is never updated: its header is the load's
    # whatever the stage), on the new CPU.
    runs = [("hotplug", c, st) for st in stages if st != "removed" and "hotplug" in loads
            for c in cpus if c == 1 or len(cpus) == 1]
    runs += [(l, c, "removed") for l in loads for c in cpus if "removed" in stages
             and (l == "plain" or c == 1 or len(cpus) == 1)]
    failures, table = 0, []
    for load, cpu, stage in runs:
        print(f"== kexec_load {'with' if load == 'hotplug' else 'without'} the hotplug flag, "
              f"crash on CPU {cpu} {STAGE_SAYS[stage]}", flush=True)
        r = run_vm(vmlinux, initrd, cpu, load, stage)
        for t in r.timeouts:
            print(f"TIMEOUT: {t}")
        failures += len(r.timeouts)
        if not said(r.lines, "KDUMP-LOADED"):
            # kexec --hotplug on a kernel without CONFIG_CRASH_HOTPLUG (6.1) refuses.
            print(f"  kdump not loaded: {[l for l in r.lines if 'kexec' in l.lower()][-3:]}")
            failures += load == "plain" or not (said(r.lines, "RELEASE") or "").startswith("6.1.")
            table.append((load, cpu, stage, None, None, None, r.seconds))
            continue
        if stage == "split" and not (said(r.lines, "OFFLINED") or "").endswith("offline"):
            print(f"  the split stage's block was not offlined: {said(r.lines, 'OFFLINED')}")
            failures += 1
        p = lab(load, cpu, stage)
        real = readelf_phdrs(r.head) if r.head else []
        real_loads = [(pa, va, sz) for kind, _, va, pa, sz in real if kind == "LOAD"]
        lab_loads = [(pa, va, sz) for kind, _, va, pa, sz in p.rows if kind == "LOAD"]
        capture_cpus = said(r.lines, "CAPTURE-CPUS")
        hp = said(r.lines, "KDUMP-LOADED")
        print(f"  kdump: {hp}; the kernel's own CPU nodes at the crash: {said(r.lines, 'CRASH-CPUS')}")
        prstatus_same = None
        if r.head:
            prstatus, vmcoreinfo = notes(r.head, real)
            prstatus_same = prstatus == p.prstatus
            print(f"  real dump: {len(real_loads)} LOADs, {prstatus} NT_PRSTATUS (lab: {p.prstatus}: "
                  f"{'same' if prstatus_same else 'DIFFERS'}), "
                  f"vmcoreinfo {'yes' if vmcoreinfo else 'NO'}; the capture kernel's device tree "
                  f"CPUs: {capture_cpus}")
            # The FDT's cpus: the nodes the real capture kernel booted with
            # (PowerPC,POWER9@N, N its interrupt server, hex) against the
            # CPUs the lab's FDT lets its capture kernel start on.
            real_cpus = {int(n, 16) for n in re.findall(r"@([0-9a-f]+)", capture_cpus or "")}
            fdt_same = real_cpus == p.bootable
            print(f"  the FDT's CPUs: real {sorted(real_cpus)}, lab (okay) {sorted(p.bootable)}: "
                  f"{'same' if fdt_same else 'DIFFERS'}")
            prstatus_same = prstatus_same and fdt_same
        elif r.died:
            print(f"  real dump: none: the capture kernel died before its console came up; its "
                  f"log: {r.died}")
        else:
            print(f"  real dump: none, and no word from the capture kernel (last line "
                  f"{r.lines[-1][:80]!r})")
        kept = header_kept(r, real) if r.head else None
        lab_says = p.scenario["dumps_taken"] > 0
        # "No dump" is the capture kernel's own word (its panic in its log);
        # silence proves nothing and is a failure of its own (a TIMEOUT).
        agree_dump = lab_says if r.head else not lab_says and bool(r.died)
        print(f"  lab (mainline), the same events and crash CPU: {'dump' if lab_says else 'no dump'}"
              f"{'' if lab_says else ' (' + p.scenario['first_problem'] + ')'}: "
              f"{'agrees' if agree_dump else 'DIFFERS'} with the real kernel")
        failures += not agree_dump
        if r.head:
            # crashhp's own reader of the real head against binutils'.
            doc = json.loads(subprocess.run([CRASHHP, "inspect", "--kind", "header", "--json", r.head],
                                            capture_output=True, text=True).stdout or "{}")
            ours = [(int(ph["paddr"], 16), int(ph["vaddr"], 16), ph["memsz"])
                    for ph in doc.get("program_headers", []) if ph["type"] == "LOAD"]
            print(f"  crashhp inspect reads the real header's LOADs as readelf does: "
                  f"{'yes' if ours == real_loads else 'NO'}")
            failures += ours != real_loads
            print("  | # | real paddr | real size | real vaddr | lab paddr | lab size | lab vaddr | same |")
            print("  |---|---|---|---|---|---|---|---|")
            for i in range(max(len(real_loads), len(lab_loads))):
                a = real_loads[i] if i < len(real_loads) else None
                b = lab_loads[i] if i < len(lab_loads) else None
                cells = [f"{x[k]:#x}" if x else "-" for x in (a, b) for k in (0, 2, 1)]
                print(f"  | {i + 1} | " + " | ".join(cells) + f" | {'yes' if a == b else 'NO'} |")
            same = real_loads == lab_loads
            print(f"  every LOAD the lab predicts equals the real kernel's (paddr, vaddr, size): "
                  f"{'yes' if same else 'NO'}")
            failures += not same
            failures += not prstatus_same
        table.append((load, cpu, stage, bool(r.head), lab_says,
                      None if not r.head else same and prstatus_same, kept, r.seconds))
    print("\n| load | crash CPU | crash | real dump | lab dump | LOADs, NT_PRSTATUS, FDT CPUs as the lab's "
          "| header bytes / FDT-reserved | VM seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for load, cpu, stage, real, labd, same, kept, sec in table:
        verdict = {True: "yes", False: "no", None: "not loaded"}
        print(f"| kexec_load{' --hotplug' if load == 'hotplug' else ''} | {cpu} | {STAGE_SAYS[stage]} | "
              f"{verdict[real]} | {verdict[labd]} | {'-' if same is None else 'yes' if same else 'NO'} | "
              f"{'-' if not kept else f'{kept[0]} / {kept[1]}'} | {sec:.0f} |")
    print(f"e2e-ppc64: {len(runs)} VMs, {time.time() - began:.0f} s in all (downloads included)")
    print(f"{failures} e2e-ppc64 failures")
    return 1 if failures else 0


def header_kept(r, real):
    """04e707cb77c2's question for this run, on the kexec_load side: does the
    capture kernel keep the whole header from its allocator?  The FDT's
    reserve map (kexec-tools 2.0.29: reserve(elfcorehdr, sz), the header
    at load rounded to 1 KiB; since its 600c2f9 the whole segment) against
    the header at the crash (a PT_NOTE per possible CPU, vmcoreinfo, the
    LOADs) and the segment (/sys/kernel/crash_elfcorehdr_size with
    --hotplug), and the memory the capture kernel may use (linux,usable-
    memory).  Returns (header bytes, reserved bytes from its start) or None."""
    cmdline = said(r.lines, "CAPTURE-CMDLINE") or ""
    m = re.search(r"elfcorehdr=(0x[0-9a-f]+|[0-9]+)([KMG]?)", cmdline)
    if not m:
        print(f"  elfcorehdr: not on the capture kernel's command line ({cmdline[:80]!r})")
        return None
    addr = int(m.group(1), 0) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]
    seg = int(said(r.lines, "ELFCOREHDR-SIZE") or 0)
    header = 64 + 56 * (sum(1 for row in real if row[0] == "LOAD") + 2 + 1)
    fdt = bytes.fromhex(said(r.lines, "CAPTURE-FDT-HEAD") or "")
    rsv = []
    if len(fdt) >= 40 and fdt[:4] == bytes.fromhex("d00dfeed"):
        off = int.from_bytes(fdt[16:20], "big")
        while off + 16 <= len(fdt):
            a, n = int.from_bytes(fdt[off:off + 8], "big"), int.from_bytes(fdt[off + 8:off + 16], "big")
            if not a and not n:
                break
            rsv.append((a, n))
            off += 16
    kept = next((a + n - addr for a, n in rsv if a <= addr < a + n), 0)
    usable = []
    for l in r.lines:
        if l.startswith("CAPTURE-USABLE "):
            raw = bytes.fromhex(l.split()[2])
            usable += [(int.from_bytes(raw[i:i + 8], "big"), int.from_bytes(raw[i + 8:i + 16], "big"))
                       for i in range(0, len(raw) - 15, 16)]
    in_usable = any(a <= addr and addr + max(header, seg) <= a + n for a, n in usable)
    page_end = (addr + kept + 4095) // 4096 * 4096 - addr if kept else 0   # 4 KiB pages (Debian's)
    print(f"  elfcorehdr at {addr:#x}: header at the crash {header} bytes; crash_elfcorehdr_size "
          f"{seg or 'unknown'} (the segment's size under --hotplug); the FDT reserves {kept} bytes of it "
          f"(reserve map {[(hex(a), hex(n)) for a, n in rsv]}), {page_end} to its page's end; the header "
          f"{'fits the reservation' if 0 < header <= kept else 'fits its page only' if header <= page_end else 'DOES NOT fit'}"
          f"; inside linux,usable-memory {[(hex(a), hex(n)) for a, n in usable]}: "
          f"{'yes' if in_usable else 'no'}")
    return header, kept


def said(lines, key):
    return next((l.split(None, 1)[1] for l in lines if l.startswith(key + " ")), None)


if __name__ == "__main__":
    sys.exit(main())
