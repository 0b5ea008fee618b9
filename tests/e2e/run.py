#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The real-kernel end-to-end run (make e2e): Debian's 6.12 and 6.1 kernels under QEMU
(TCG), kdump loaded with kexec -s, crashhp status and watch running inside
the guest.  A first boot reads the guest's ACPI tables so that an upgraded
copy can offer hot-pluggable CPUs.  Then four runs, each ending in a crash
whose /proc/vmcore head the capture kernel sends back for crashhp inspect,
and which makedumpfile (when installed) reads in the capture kernel (dmesg,
-d 31):
  1. a 1 GiB DIMM and a CPU hot-added over QMP: both in the real dump, and
     every LOAD crashhp elfcorehdr builds equals the real kernel's;
  2. the DIMM hot-added then hot-removed: x86 6.12 still lists it, as the
     lab's mainline predicts (robust does not), and its bytes there are not
     the DIMM's (where it is listed and live, they are: the DIMM's memory is
     a host file with random slices, hashed on both sides);
  3. the same removal under crashhp watch --reload: the gap closed, the DIMM
     gone from the real dump;
  4. Debian 12's own 6.1 kernel (no crash hotplug) with a DIMM hot-added
     under crashhp watch --reload: crashhp status says the kernel cannot
     update the image, and the reload puts the DIMM in the real dump.
A fifth boot (6.12) crashes nothing: a DIMM hot-added while crashhp watch
starts (nothing waits for its READY), then, with watch stopped (SIGSTOP),
the DIMM's blocks offlined and onlined 24 times (384 events, more than the
kernel's default receive buffer holds) and watch continued; after each,
watch's header verifies complete and its SIGUSR1 view equals sysfs; last,
a second watch --reload gets SIGTERM (to its process group, as systemd
stops it) while its reload stands between kexec's unload and its load: the
reload completes, kdump is loaded after it, and watch exits 0.
In every run crashhp watch's own header, kept by the robust policy inside
the guest, verifies complete against the live guest.  The guest waits on
conditions (watch's READY line and its lines for the events it was sent, a
sysfs state, a sentinel uevent), each with a limit; one that gives up prints
E2E-TIMEOUT naming what it awaited, a failure here.

usage: run.py CRASHHP WORKDIR
       run.py CRASHHP WORKDIR --only race   (the fifth boot alone, while working on it)
(make kernel-e2e is kernel_e2e.py, on the same machinery)
"""
import base64
import glob
import hashlib
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

CRASHHP, WORK = (os.path.abspath(a) for a in sys.argv[1:3])
HERE = os.path.dirname(os.path.abspath(__file__))
BASE64_LINE = re.compile(r"^[A-Za-z0-9+/]+=*$")
KERNEL_TROUBLE = re.compile(r"^\[ *[0-9.]+\] (Kernel panic|BUG|Oops|RIP:|Call Trace|watchdog:|rcu: INFO|Out of memory|sysrq:)")
DIMM = 0x100000000
DIMM_SLICES = (0, 126976, 258048)   # 4 KiB pages: the start, middle and end 16 MiB  # QEMU's first DIMM with 1 GiB of boot RAM (QEMU-NOTES)


def sh(*args, **kw):
    return subprocess.run(args, check=True, **kw)


def kernel(series):
    """Debian's newest amd64 kernel of a series ("6.12", "6.1.0"), unpacked
    from its package (the host's kernel is untouched)."""
    def wanted(name):
        return (name.startswith(f"linux-image-{series}") and name.endswith("-amd64-unsigned")
                and "-cloud-" not in name and "-rt-" not in name)

    def version(name):
        return [int(x) if x.isdigit() else x for x in name.replace("+", ".").replace("-", ".").split(".")]

    debs = sorted(glob.glob(os.path.join(WORK, f"linux-image-{series}[.-]*.deb")))
    if not debs:
        out = subprocess.run(["apt-cache", "search", "--names-only", f"linux-image-{series}"],
                             capture_output=True, text=True).stdout.split()
        names = sorted((n for n in out if wanted(n)), key=version)
        if not names:
            # A fresh machine may have no package lists yet.
            subprocess.run(["apt-get", "update"], check=False)
            out = subprocess.run(["apt-cache", "search", "--names-only", f"linux-image-{series}"],
                                 capture_output=True, text=True).stdout.split()
            names = sorted((n for n in out if wanted(n)), key=version)
        if not names:
            sys.exit(f"e2e: no linux-image-{series} package found (apt-get update?)")
        sh("apt-get", "download", names[-1], cwd=WORK)
        debs = sorted(glob.glob(os.path.join(WORK, f"linux-image-{series}[.-]*.deb")))
    root = os.path.join(WORK, f"kernel-{series}")
    if not os.path.isdir(root):
        sh("dpkg-deb", "-x", debs[-1], root)
    return sorted(glob.glob(os.path.join(root, "boot", "vmlinuz-*")))[-1]


def cpio(tree, out):
    with open(out, "wb") as f:
        files = subprocess.run("find . | sort", shell=True, cwd=tree, capture_output=True).stdout
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input=files, cwd=tree,
                       stdout=f, check=True)


def checksum(table):
    table[9] = 0
    table[9] = -sum(table) & 0xff


def upgraded_tables(apic, facp):
    """QEMU 7.2's tables with hot-pluggable CPUs (QEMU-NOTES): Linux honours
    the MADT's Online Capable flag only from FADT revision 6.3 on."""
    apic, facp = bytearray(apic), bytearray(facp)
    for table in (apic, facp):
        # Linux takes an initrd table only over one of a lower OEM revision.
        table[24:28] = (int.from_bytes(table[24:28], "little") + 1).to_bytes(4, "little")
    apic[8] = 5
    off = 44
    while off + 2 <= len(apic) and apic[off + 1] >= 2:
        kind, length = apic[off], apic[off + 1]
        flags_at = {0: off + 4, 9: off + 8}.get(kind)   # local APIC, local x2APIC
        if flags_at is not None and not apic[flags_at] & 1:
            apic[flags_at] |= 2
        off += length
    checksum(apic)
    facp.extend(bytes(max(0, 276 - len(facp))))
    facp[4:8] = len(facp).to_bytes(4, "little")
    facp[8], facp[131] = 6, 3
    checksum(facp)
    return bytes(apic), bytes(facp)


def acpi_upgrade_cpio(vmlinuz, initrd):
    """Boot once to read the guest's APIC and FACP, and return an initrd with
    the upgraded tables in an uncompressed cpio in front (the kernel looks
    for kernel/firmware/acpi/ there), or None when the tables cannot be had."""
    tables = {}
    out = subprocess.run(qemu_command(vmlinuz, initrd, "console=ttyS0 panic=1 crashhp_e2e=tables", None),
                         capture_output=True, text=True, timeout=300).stdout
    for line in out.splitlines():
        if line.startswith("TABLE-"):
            name, data = line[len("TABLE-"):].split(" ", 1)
            tables[name] = base64.b64decode(data.strip())
    if set(tables) != {"APIC", "FACP"}:
        return None
    apic, facp = upgraded_tables(tables["APIC"], tables["FACP"])
    tree = os.path.join(WORK, "acpi")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(os.path.join(tree, "kernel", "firmware", "acpi"))
    for name, data in (("APIC", apic), ("FACP", facp)):
        with open(os.path.join(tree, "kernel", "firmware", "acpi", f"{name}.aml"), "wb") as f:
            f.write(data)
    names = "kernel\nkernel/firmware\nkernel/firmware/acpi\nkernel/firmware/acpi/APIC.aml\n" \
            "kernel/firmware/acpi/FACP.aml\n"
    upgraded = os.path.join(WORK, "acpi-main.cpio")
    with open(upgraded, "wb") as f:
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input=names.encode(), cwd=tree,
                       stdout=f, check=True)
        with open(initrd, "rb") as rest:
            shutil.copyfileobj(rest, f)
    return upgraded


def install_binary(tree, binary):
    """Copy a program and the shared libraries ldd names into tree/sbin."""
    shutil.copy(binary, os.path.join(tree, "sbin", os.path.basename(binary)))
    for line in subprocess.run(["ldd", binary], capture_output=True, text=True).stdout.splitlines():
        path = [p for p in line.split() if p.startswith("/")]
        if path:
            lib = os.path.join(tree, path[0].lstrip("/"))
            os.makedirs(os.path.dirname(lib), exist_ok=True)
            shutil.copy(path[0], lib)


def initramfs(vmlinuz, tag, extra=()):
    """The main kernel's initrd, the capture kernel's inside it; extra:
    (file, path in the tree) pairs for the main kernel's alone."""
    tree = os.path.join(WORK, f"root-{tag}")
    shutil.rmtree(tree, ignore_errors=True)
    for d in ("bin", "sbin", "proc", "sys", "dev", "boot"):
        os.makedirs(os.path.join(tree, d))
    shutil.copy("/bin/busybox", os.path.join(tree, "bin", "busybox"))
    shutil.copy(os.path.join(HERE, "init.sh"), os.path.join(tree, "init"))
    os.chmod(os.path.join(tree, "init"), 0o755)
    # The capture kernel needs only busybox and makedumpfile (a reader of
    # the real vmcore nobody here wrote).
    makedumpfile = shutil.which("makedumpfile")
    if makedumpfile:
        install_binary(tree, makedumpfile)
    install_binary(tree, CRASHHP)   # to find the DIMM's bytes in /proc/vmcore
    capture = os.path.join(WORK, f"capture-{tag}.cpio")
    cpio(tree, capture)
    for binary in (shutil.which("kexec") or "/sbin/kexec", CRASHHP):
        install_binary(tree, binary)
    for src, dst in extra:
        os.makedirs(os.path.dirname(os.path.join(tree, dst)), exist_ok=True)
        shutil.copy(src, os.path.join(tree, dst))
    shutil.copy(vmlinuz, os.path.join(tree, "boot", "vmlinuz"))
    shutil.copy(capture, os.path.join(tree, "initrd.img"))
    main = os.path.join(WORK, f"main-{tag}.cpio")
    cpio(tree, main)
    return main


def qmp(path, *commands):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    f = s.makefile("rw")
    f.readline()  # greeting
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


def qemu_command(vmlinuz, initrd, append, sock):
    # no_timer_check: on a busy host TCG starves the guest while the kernel
    # checks that the IO-APIC timer ticks, and it panics ("IO-APIC + timer
    # doesn't work!"), seen with both cores at a load of 14.
    # clocksource=hpet: the guest's clock from QEMU's HPET, which follows the
    # host's.  On a busy host the TSC's calibration can go wrong ("PIT
    # calibration deviates from HPET: 77298 2595199 ... Detected 77.298
    # MHz", the refinement skipped) and the kernel then keeps time on the
    # TSC 33 times too fast: every limit of init.sh's await() shrinks to a
    # 33rd (300 s of patience gave up after 14 s) and a bounded wait ends
    # early.
    append = "no_timer_check clocksource=hpet " + append
    return (["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", "1G,slots=4,maxmem=8G",
             "-smp", "1,maxcpus=4", "-machine", "pc", "-nodefaults", "-no-reboot", "-display",
             "none", "-serial", "stdio"] +
            (["-qmp", f"unix:{sock},server=on,wait=off"] if sock else []) +
            ["-kernel", vmlinuz, "-initrd", initrd, "-append", append])


def add_dimm(sock, dimm_file, start):
    replies = qmp(sock,
                  {"execute": "object-add", "arguments": {
                      "qom-type": "memory-backend-file", "id": "mem1", "size": 1 << 30,
                      "mem-path": dimm_file, "share": True}},
                  {"execute": "device_add", "arguments": {
                      "driver": "pc-dimm", "id": "dimm1", "memdev": "mem1"}})
    print(f"[{time.time() - start:5.1f}s] host: DIMM hot-added {replies[1:]}", flush=True)


# A boot silent this long is stuck: killed, and the run fails (the guest's
# own waits give up well before, naming what they awaited).  Silence, not
# the boot's length: on a busy machine a boot can take many minutes.
VM_SILENCE_S = 1200


def watchdog(vm, last_line):
    """Kill vm once it has printed nothing for VM_SILENCE_S; True if it did."""
    while vm.poll() is None:
        if time.time() - last_line[0] > VM_SILENCE_S:
            vm.kill()
            return True
        time.sleep(1)
    return False


def run_vm(vmlinuz, initrd, remove, cpu=False, reload=False, race=False, kernel_mode=None,
           kdump=False):
    sock = os.path.join(WORK, "qmp.sock")
    if race:
        mode = "memhp_default_state=online_movable crashhp_e2e=race"
    elif remove:
        mode = "memhp_default_state=online_movable crashhp_e2e=remove" + ("-reload" if reload else "")
    else:
        mode = "memhp_default_state=online" + (" crashhp_e2e=cpu" if cpu else "") + (
            " crashhp_e2e=add-reload" if reload else "")
    if kernel_mode:
        mode += f" crashhp_kernel={kernel_mode}"
    if kdump:
        mode += " crashhp_kdump"
    # The kdump run's capture kernel holds makedumpfile's split files (some 70 MB) in its tmpfs.
    # 512 MiB of a 1 GiB guest fits only if the kernel image is not in the
    # middle: with KASLR it sometimes was, and the boot reserved no crashkernel
    # at all (seen once in five hog runs: "Crash kernel: none reserved").
    append = (f"console=ttyS0 crashkernel={'512M' if kdump else '256M'} panic=1 "
              + ("nokaslr " if kdump else "") + mode)
    cmd = qemu_command(vmlinuz, initrd, append, sock)
    # The DIMM's memory is a host file, so its bytes can be set against the
    # dump's; random in the slices compared, so a dump of zeros cannot pass.
    dimm_file = os.path.join(WORK, "dimm.img")
    with open(dimm_file, "wb") as f:
        f.truncate(1 << 30)
        for page in DIMM_SLICES:
            f.seek(page * 4096)
            f.write(os.urandom(16 << 20))
    start = time.time()
    vm = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    last_line, silent = [time.time()], []
    guard = threading.Thread(target=lambda: silent.append(watchdog(vm, last_line)), daemon=True)
    guard.start()
    lines, capture, in_capture, predicted, predicted_full = [], [], False, None, []
    sysroot_b64, in_sysroot = [], False
    kdump_b64, in_kdump = [], False
    for line in vm.stdout:
        last_line[0] = time.time()
        line = line.rstrip("\r\n")
        if in_kdump:
            if line.startswith("MDFDUMP-END"):
                in_kdump = False
            elif BASE64_LINE.match(line.strip()):
                kdump_b64.append(line.strip())
            continue
        if line.startswith("MDFDUMP-BEGIN"):
            in_kdump = True
            continue
        if in_sysroot:
            if line.startswith("SYSROOT-END"):
                in_sysroot = False
            elif BASE64_LINE.match(line.strip()):
                sysroot_b64.append(line.strip())
            continue
        if line.startswith("SYSROOT-BEGIN"):
            in_sysroot = True
            continue
        if in_capture:
            if line.startswith("CAPTURE-END"):
                in_capture = False
            else:
                # The capture kernel runs with loglevel=1; a stray console
                # line in the base64 is still not taken for data.
                if BASE64_LINE.match(line.strip()):
                    capture.append(line.strip())
                else:
                    print(f"    (not base64, skipped: {line.strip()[:60]!r})")
            continue
        lines.append(line)
        if line.startswith("ELFCOREHDR "):
            try:
                built = json.loads(line[len("ELFCOREHDR "):])
            except json.JSONDecodeError:
                # No prediction: the LOAD checks below report it as a failure.
                print(f"    ELFCOREHDR line is not JSON: {line.strip()[:80]!r}")
                continue
            predicted = sorted((int(p["paddr"], 16), p["memsz"]) for p in built["program_headers"]
                               if p["type"] == "LOAD" and int(p["vaddr"], 16) < 0xffffffff80000000)
            predicted_full = sorted((int(p["paddr"], 16), int(p["vaddr"], 16), p["memsz"])
                                    for p in built["program_headers"] if p["type"] == "LOAD")
            continue
        if line.startswith(("RELEASE", "KDUMP-", "HOTPLUGGED", "OFFLINED", "REMOVED", "STATUS",
                            "WATCH", "VERIFY", "Kernel panic", "MAKEDUMPFILE", "READY",
                            "CPU-ONLINE", "DIMM-MD5", "E2E-TIMEOUT", "RACE-ADD", "BURST",
                            "VIEW-", "SYSFS-", "HOLDING", "ONLINE-WHILE-HELD", "KSTATS",
                             "TRYLOCK-FAILED", "KLOG", "VMCORE-SIZE", "MDFDUMP-PART", "TERM",
                             "REMOVAL-", "GAP-")):
            print(f"[{time.time() - start:5.1f}s] guest: {line}", flush=True)
        elif KERNEL_TROUBLE.search(line):
            # The kernel's own lines start with its timestamp.
            print(f"[{time.time() - start:5.1f}s] guest kernel: {line}", flush=True)
        if line.startswith(("READY ", "RACE-ADD ")):
            add_dimm(sock, dimm_file, start)
        if line.startswith("READY-CPU"):
            hotpluggable = qmp(sock, {"execute": "query-hotpluggable-cpus"})[1].get("return", [])
            free = [c for c in hotpluggable if "qom-path" not in c]
            if free:
                replies = qmp(sock, {"execute": "device_add", "arguments": dict(
                    driver=free[-1]["type"], id="cpu1", **free[-1]["props"])})
                print(f"[{time.time() - start:5.1f}s] host: CPU hot-added {free[-1]['props']} "
                      f"{replies[1:]}", flush=True)
        if line.startswith("OFFLINED"):
            replies = qmp(sock, {"execute": "device_del", "arguments": {"id": "dimm1"}})
            print(f"[{time.time() - start:5.1f}s] host: DIMM removed {replies[1:]}", flush=True)
        if line.startswith("CAPTURE-BEGIN"):
            in_capture = True
    vm.wait(timeout=60)
    guard.join()
    timeouts = [l for l in lines if l.startswith("E2E-TIMEOUT")]
    if silent and silent[0]:
        timeouts.append(f"the VM's next line: killed after {VM_SILENCE_S} s of silence")
    print(f"[{time.time() - start:5.1f}s] boot over", flush=True)
    if race:
        return types.SimpleNamespace(lines=lines, timeouts=timeouts)
    if not capture:
        print("\n".join(lines[-40:]))
        sys.exit("e2e: the capture kernel sent nothing")
    head = os.path.join(WORK, "vmcore-head")
    with open(head, "wb") as f:
        f.write(base64.b64decode("".join(capture)))
    res = subprocess.run([CRASHHP, "inspect", "--kind", "header", "--json", head],
                         capture_output=True, text=True)
    if res.returncode:
        sys.exit(f"e2e: crashhp inspect: {res.stderr}")
    doc = json.loads(res.stdout)
    loads = [(int(p["paddr"], 16), p["memsz"]) for p in doc["program_headers"] if p["type"] == "LOAD"]
    ram = sorted((int(p["paddr"], 16), p["memsz"]) for p in doc["program_headers"]
                 if p["type"] == "LOAD" and int(p["vaddr"], 16) < 0xffffffff80000000)
    print(f"[{time.time() - start:5.1f}s] /proc/vmcore: {len(loads)} LOADs:")
    for pa, size in loads:
        print(f"    paddr {pa:#x} size {size:#x}")
    watch_ok = any(l.startswith("VERIFY COMPLETE") for l in lines)
    real_full = sorted((int(p["paddr"], 16), int(p["vaddr"], 16), p["memsz"])
                       for p in doc["program_headers"] if p["type"] == "LOAD")
    same_vaddrs = [t for t in predicted_full if t in real_full]
    print(f"LOADs identical to the real kernel's in paddr, vaddr and size: "
          f"{len(same_vaddrs)} of {len(predicted_full)} predicted ({len(real_full)} real)")
    for t in predicted_full:
        if t not in real_full:
            print(f"    predicted only: paddr {t[0]:#x} vaddr {t[1]:#x} size {t[2]:#x}")
    for t in real_full:
        if t not in predicted_full:
            print(f"    real only:      paddr {t[0]:#x} vaddr {t[1]:#x} size {t[2]:#x}")
    # crashhp elfcorehdr (the x86 rules on the live state) against the real header.
    extra = [r for r in ram if r not in (predicted or [])]
    missing = [r for r in (predicted or []) if r not in ram]
    print(f"crashhp elfcorehdr's ranges vs the real kernel's RAM LOADs: "
          f"{len(predicted or [])} predicted, {len(ram)} real, real-only {[(hex(a), hex(b)) for a, b in extra]}, "
          f"predicted-only {[(hex(a), hex(b)) for a, b in missing]}")
    identical = len(same_vaddrs) == len(predicted_full) > 0
    prstatus = prstatus_notes(head, doc)
    cpu_online = next((l.split()[1] for l in lines if l.startswith("CPU-ONLINE ")), None)
    watched_cpu = any(l.startswith("WATCH") and '"cpu online"' in l for l in lines)
    return types.SimpleNamespace(
        head=head, sysroot=unpack_sysroot(sysroot_b64), kdump=save_kdump(kdump_b64),
        dimm=any(pa <= DIMM < pa + size for pa, size in loads), watch_ok=watch_ok, extra=extra,
        missing=missing, identical=identical, mdf=makedumpfile_verdict(lines),
        cpus=(cpu_online, watched_cpu, prstatus), lines=lines, timeouts=timeouts,
        dimm_bytes=dimm_bytes_verdict(lines, dimm_file))


def save_kdump(b64):
    """One of the capture kernel's makedumpfile --split -c -d 31 files
    (kdump-compressed), saved as WORK/dump.kdump; None when none came."""
    if not b64:
        return None
    kdump = os.path.join(WORK, "dump.kdump")
    with open(kdump, "wb") as f:
        f.write(base64.b64decode("".join(b64)))
    print(f"kdump-compressed dump (a makedumpfile --split part) from the capture kernel: "
          f"{os.path.getsize(kdump)} bytes")
    return (kdump,)


def kdump_verdict(r):
    """crashhp inspect and verify read the real makedumpfile output; verify
    judges it against the guest's files at the crash.  Failures as a list
    of strings."""
    if not shutil.which("makedumpfile"):
        return []
    if not r.kdump:
        return ["the capture kernel sent no kdump-compressed dump"]
    bad = []
    for path in r.kdump:
        res = subprocess.run([CRASHHP, "inspect", path], capture_output=True, text=True)
        print(f"crashhp inspect {os.path.basename(path)}: exit {res.returncode}\n{res.stdout}{res.stderr}")
        if res.returncode or "kdump-compressed" not in res.stdout:
            bad.append(f"inspect {path}: exit {res.returncode}")
        if r.sysroot:
            res = subprocess.run([CRASHHP, "verify", "--sysroot", r.sysroot, path],
                                 capture_output=True, text=True)
            print(f"crashhp verify {os.path.basename(path)}: exit {res.returncode}\n"
                  f"{res.stdout}{res.stderr}")
            if res.returncode != 0:
                bad.append(f"verify {path}: exit {res.returncode}")
    return bad


def unpack_sysroot(b64):
    """The guest's /proc and /sys files as they were at the crash
    (crashhp_kernel runs), for crashhp verify --against; None without."""
    if not b64:
        return None
    root = os.path.join(WORK, "sysroot")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    subprocess.run(["tar", "-xzf", "-", "-C", root], input=base64.b64decode("".join(b64)),
                   check=True)
    return root


def prstatus_notes(path, doc):
    """NT_PRSTATUS notes in the vmcore head's merged PT_NOTE (the head is cut
    short of the LOADs, so crashhp inspect reads it as a header, without
    notes): one per CPU the crashing kernel saved."""
    with open(path, "rb") as f:
        data = f.read()
    count = 0
    for ph in doc["program_headers"]:
        if ph["type"] != "NOTE":
            continue
        off, end = int(ph["offset"], 16), int(ph["offset"], 16) + ph["filesz"]
        while off + 12 <= min(end, len(data)):
            namesz, descsz, kind = (int.from_bytes(data[off + 4 * i:off + 4 * i + 4], "little")
                                    for i in range(3))
            name = data[off + 12:off + 12 + namesz].rstrip(b"\0")
            count += name == b"CORE" and kind == 1
            off += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return count


def dimm_bytes_verdict(lines, dimm_file):
    """Whether the dump's bytes for the DIMM's LOAD are the DIMM's own (three
    16 MiB slices of the backing file as the guest left it): True, False, or
    None without a LOAD."""
    said = next((l.split()[1] for l in lines if l.startswith("DIMM-MD5 ")), None)
    if said is None or said == "none" or not os.path.exists(dimm_file):
        return None
    digest = hashlib.md5()
    with open(dimm_file, "rb") as f:
        for page in DIMM_SLICES:   # the pages init.sh hashes: 16 MiB each
            f.seek(page * 4096)
            digest.update(f.read(16 << 20))
    print(f"    DIMM bytes: dump md5 {said}, backing file md5 {digest.hexdigest()}")
    return said == digest.hexdigest()


def makedumpfile_verdict(lines, crash=None):
    """makedumpfile (in the capture kernel) read the real vmcore's dmesg, with
    the crash in it (exactly the words crash, with "_" for spaces, when
    given), and filtered the whole dump (-d 31) without an error.  None when
    makedumpfile is not installed."""
    if not shutil.which("makedumpfile"):
        return None
    said = {l.split()[1]: l.split()[2:] for l in lines
            if l.startswith("MAKEDUMPFILE ") and len(l.split()) >= 3}
    logged = said.get("dmesg-crash", [""])[0]
    return (said.get("dmesg", [""])[0] == "rc=0"
            and (logged == crash if crash else "crash" in logged)
            and said.get("filter", [""])[0] == "rc=0")


def timed_out(r):
    """The guest's waits that gave up, each naming what it awaited: failures."""
    for t in r.timeouts:
        print(f"TIMEOUT: {t}")
    return len(r.timeouts)


def sysfs_state(line):
    """SYSFS-x cpus_present=0-1 cpus_online=0 blocks_online=0,1,.. blocks_offline=..."""
    fields = dict(f.split("=", 1) for f in line.split()[1:])
    return {"cpus_present": fields["cpus_present"], "cpus_online": fields["cpus_online"],
            "blocks_online": id_list(fields["blocks_online"]),
            "blocks_offline": id_list(fields["blocks_offline"])}


def view_verdict(lines, tag):
    """watch's SIGUSR1 view against sysfs read right after it: True, False,
    or None when this watch has no view."""
    view = next((l.split(" ", 1)[1] for l in lines if l.startswith(f"VIEW-{tag} ")), None)
    fs = next((l for l in lines if l.startswith(f"SYSFS-{tag} ")), None)
    if view is None or view.startswith("none") or fs is None:
        return None
    try:
        return view_matches(json.loads(view), sysfs_state(fs))
    except (ValueError, KeyError) as e:
        print(f"    the view is not what was expected ({e}): {view[:200]}")
        return False


def id_list(text):
    """The kernel's list format ("0-7,32-39") as a sorted list."""
    out = []
    for part in filter(None, text.split(",")):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return sorted(out)


def view_matches(view, fs):
    """watch's view ({"view": true, "cpus_present": "0-1", "memory_online":
    "0-7,32-39", ...}) names the same CPUs and blocks as sysfs."""
    pairs = (("cpus_present", id_list(view["cpus_present"]), id_list(fs["cpus_present"])),
             ("cpus_online", id_list(view["cpus_online"]), id_list(fs["cpus_online"])),
             ("blocks online", id_list(view["memory_online"]), fs["blocks_online"]),
             ("blocks offline", id_list(view["memory_offline"]), fs["blocks_offline"]))
    for name, watch_has, sysfs_has in pairs:
        if watch_has != sysfs_has:
            print(f"    {name}: watch {watch_has}, sysfs {sysfs_has}")
    print(f"    view: {json.dumps(view)}")
    return all(a == b for _, a, b in pairs)


def said(lines, key):
    """What the guest's first line starting with KEY says after it."""
    return next((l.split(None, 1)[1] for l in lines if l.startswith(key + " ")), None)


def term_during_reload(lines):
    """SIGTERM to watch's process group while its reload stood between
    kexec's unload and its load: the reload finished (kdump loaded again, as
    the kernel's /sys/kernel/kexec_crash_loaded says), watch reported it done
    and exited 0 after it.  The number of failures."""
    got = {k: said(lines, k) for k in ("TERM-UNLOADED", "TERM-SENT", "TERM-WATCH-EXIT",
                                        "TERM-RELOAD-LOADED", "TERM-CRASH-LOADED")}
    log = [l[len("TERMWATCH "):] for l in lines if l.startswith("TERMWATCH ")]
    in_gap = got["TERM-UNLOADED"] == "kexec_crash_loaded=0"
    sent = (got["TERM-SENT"] or "").endswith("watch alive: crashhp")
    done = any('"reload": "done", "status": 0' in l for l in log)
    stopped = any(l.startswith('{"stopped": true') and '"reloads": 1,' in l for l in log)
    checks = (("the reload had unloaded kdump when the TERM came", in_gap),
              ("watch took the TERM while alive and the reload ran", sent),
              ("the reload's load finished (kexec_crash_loaded 1 after it)",
               got["TERM-RELOAD-LOADED"] == "1"),
              ("kdump loaded after watch exited (kexec_crash_loaded)",
               got["TERM-CRASH-LOADED"] == "1"),
              ("watch reported the reload done, status 0", done),
              ("watch printed its stopped line (1 reload) and exited 0",
               stopped and got["TERM-WATCH-EXIT"] == "0"))
    failures = 0
    for what, ok in checks:
        print(f"SIGTERM during a reload: {what}: {'yes' if ok else 'NO'}")
        failures += not ok
    if failures:
        for l in log:
            print(f"    watch: {l}")
    return failures


def race_and_burst(vmlinuz, initrd):
    """The DIMM hot-added while watch starts; then, with watch stopped, the
    DIMM's blocks offlined and onlined back to back (more events than the
    kernel's default receive buffer holds) and watch continued.  Each ends
    with watch's header verifying complete against the guest, and watch's
    SIGUSR1 view equal to sysfs where watch has one."""
    r = run_vm(vmlinuz, initrd, remove=False, race=True)
    failures = timed_out(r)
    for tag, what in (("RACE", "a DIMM hot-added while crashhp watch starts"),
                      ("BURST", "a burst of block events while crashhp watch was stopped")):
        ok = any(l.startswith(f"VERIFY-{tag} COMPLETE") for l in r.lines)
        print(f"{what}: watch's header inside the guest verifies complete: {'yes' if ok else 'NO'}")
        failures += not ok
        view = view_verdict(r.lines, tag)
        print(f"{what}: watch's SIGUSR1 view equals sysfs: "
              f"{ {True: 'yes', False: 'NO', None: 'no view (a watch without SIGUSR1)'}[view] }")
        failures += view is False
    failures += term_during_reload(r.lines)
    burst = next((l for l in r.lines if l.startswith("BURST ")), "")
    seen = sum(1 for l in r.lines if l.startswith("WATCH") and re.search(
        r'"memory (online|offline)", "index": 3[2-9],', l))
    resyncs = sum(1 for l in r.lines if l.startswith('WATCH {"resync"'))
    rejected = sum(1 for l in r.lines if l.startswith("WATCH") and '"rejected"' in l)
    print(f"burst: {burst[len('BURST '):]}; watch printed {seen} DIMM block online/offline lines "
          f"in all, {rejected} rejected messages, {resyncs} resyncs")
    return failures


def main(only=None):
    os.makedirs(WORK, exist_ok=True)
    vmlinuz = kernel("6.12")
    initrd = initramfs(vmlinuz, "6.12")
    if only == "race":
        failures = race_and_burst(vmlinuz, initrd)
        print(f"{failures} e2e failures (the race, burst and SIGTERM boot only)")
        return 1 if failures else 0
    failures = 0
    upgraded = acpi_upgrade_cpio(vmlinuz, initrd)
    print(f"ACPI tables upgraded for CPU hotplug: {'yes' if upgraded else 'NO (CPU part skipped)'}")
    r = run_vm(vmlinuz, upgraded or initrd, remove=False, cpu=bool(upgraded), kdump=True)
    failures += timed_out(r)
    bad = kdump_verdict(r)
    print(f"hot-add: crashhp inspect reads the real makedumpfile --split -c -d 31 output and "
          f"verify finds it complete: {'yes' if not bad else 'NO: ' + '; '.join(bad)}")
    failures += len(bad)
    print(f"hot-add: every LOAD crashhp elfcorehdr builds equals the real kernel's "
          f"(paddr, KASLR vaddr, size): {'yes' if r.identical and not r.extra else 'NO'}")
    failures += not (r.identical and not r.extra)
    print(f"hot-add: crashhp elfcorehdr predicts the real kernel's RAM LOADs exactly: "
          f"{'yes' if not r.extra and not r.missing else 'NO'}")
    failures += bool(r.extra or r.missing)
    print(f"hot-add: the DIMM at {DIMM:#x} is in the real dump: {'yes' if r.dimm else 'NO'} "
          "(expected yes: 6.12 crash hotplug with kexec -s)")
    print(f"hot-add: crashhp watch's header inside the guest verifies complete: "
          f"{'yes' if r.watch_ok else 'NO'}")
    print(f"hot-add: the dump's bytes for the DIMM are the DIMM's own: "
          f"{'yes' if r.dimm_bytes else 'NO'}")
    failures += not r.dimm_bytes
    failures += (not r.dimm) + (not r.watch_ok)
    if r.mdf is not None:
        print(f"hot-add: makedumpfile reads the real dump's dmesg (the crash in it) and filters "
              f"it with -d 31: {'yes' if r.mdf else 'NO'}")
        failures += not r.mdf
    if upgraded:
        cpu_online, watched_cpu, prstatus = r.cpus
        ok = cpu_online == "0-1" and watched_cpu and prstatus == 2
        print(f"hot-add: a CPU hot-added over QMP and onlined (online {cpu_online}), crashhp watch "
              f"saw it: {'yes' if watched_cpu else 'NO'}, the real dump has {prstatus} NT_PRSTATUS "
              f"notes (2 expected): {'yes' if ok else 'NO'}")
        failures += not ok
    failures += race_and_burst(vmlinuz, initrd)
    r = run_vm(vmlinuz, initrd, remove=True)
    failures += timed_out(r)
    failures += not r.identical
    gap = r.extra == [(DIMM, 1 << 30)] and not r.missing
    print(f"hot-remove: the real header differs from the machine exactly by the removed DIMM: "
          f"{'yes' if gap else 'NO'}")
    failures += not gap
    print(f"hot-remove: the removed DIMM is still in the real dump: {'yes' if r.dimm else 'no'} "
          "(expected yes on x86 6.12, as crashhp's mainline model predicts; robust drops it)")
    print(f"hot-remove: crashhp watch's header inside the guest verifies complete: "
          f"{'yes' if r.watch_ok else 'NO'}")
    print(f"hot-remove: the dump's bytes for the removed DIMM's LOAD are the DIMM's: "
          f"{ {True: 'yes', False: 'no: wrong bytes', None: 'no LOAD'}[r.dimm_bytes] } "
          "(observed; crashhp status warns the dump holds wrong bytes there until a reload)")
    failures += (not r.dimm) + (not r.watch_ok)
    if r.mdf is not None:
        # Observed, not judged: the stale LOAD names memory that is gone.
        print(f"hot-remove: makedumpfile over the dump with the removed DIMM's LOAD: "
              f"{'reads and filters it' if r.mdf else 'fails (see MAKEDUMPFILE lines)'}")
    # The same removal with crashhp watch --reload: the kernel's gap closed.
    r = run_vm(vmlinuz, initrd, remove=True, reload=True)
    failures += timed_out(r)
    print(f"hot-remove + crashhp watch --reload: the removed DIMM is in the real dump: "
          f"{'YES' if r.dimm else 'no'} (expected no: watch reloaded kdump)")
    print(f"hot-remove + crashhp watch --reload: crashhp elfcorehdr predicts the real kernel's "
          f"RAM LOADs exactly: {'yes' if not r.extra and not r.missing else 'NO'}")
    print(f"hot-remove + crashhp watch --reload: watch's header verifies complete: "
          f"{'yes' if r.watch_ok else 'NO'}")
    failures += bool(r.dimm) + bool(r.extra or r.missing) + (not r.watch_ok)
    # Debian 12's own kernel, without crash hotplug: only a reload puts a
    # hot-added DIMM in the dump, and crashhp watch --reload does it.
    old_kernel = kernel("6.1.0")
    r = run_vm(old_kernel, initramfs(old_kernel, "6.1"), remove=False, reload=True)
    failures += timed_out(r)
    said_no_hotplug = any(l.startswith("STATUS Crash hotplug, memory:") and "not in this kernel" in l
                          for l in r.lines)
    reloads = sum(1 for l in r.lines if l.startswith("WATCH") and '"reload": "done", "status": 0' in l)
    print(f"6.1 (no crash hotplug): crashhp status says so: {'yes' if said_no_hotplug else 'NO'}")
    print(f"6.1 + crashhp watch --reload: {reloads} reloads; the hot-added DIMM is in the real dump: "
          f"{'yes' if r.dimm else 'NO'} (expected yes: 6.1 alone leaves it out)")
    print(f"6.1 + crashhp watch --reload: crashhp elfcorehdr predicts the real kernel's RAM LOADs "
          f"exactly: {'yes' if not r.extra and not r.missing else 'NO'}; watch's header verifies "
          f"complete: {'yes' if r.watch_ok else 'NO'}")
    print(f"6.1 + crashhp watch --reload: the dump's bytes for the DIMM are the DIMM's own: "
          f"{'yes' if r.dimm_bytes else 'NO'}")
    failures += (not said_no_hotplug) + (reloads < 1) + (not r.dimm) + bool(r.extra or r.missing) + (not r.watch_ok)
    failures += not r.dimm_bytes
    print(f"{failures} e2e failures")
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[3:] == ["--only", "race"]:
        sys.exit(main("race"))
    sys.exit(main())
