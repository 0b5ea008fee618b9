# SPDX-License-Identifier: GPL-2.0-or-later
"""The lab machine tests/fixtures/makedumpfile's dumps come from (192 MiB
in blocks of 64 MiB, crashkernel 16 MiB, 2 CPUs): the sim arguments that
make its vmcore, its files for verify --sysroot, and one block more online
than it had, memory none of its dumps hold."""
import os
import subprocess

MACHINE = ["--ram", "192M", "--block-size", "64M", "--crashkernel", "16M", "--cpus", "2:2:2"]


def make_sysroot(src, dest):
    """Its /proc and /sys files under `dest` (tests/fixtures/mksysroot.sh)."""
    subprocess.run(["sh", os.path.join(src, "tests", "fixtures", "mksysroot.sh"), "lab-192m", dest],
                   check=True)


def online_block3(sysroot):
    """Block 3, [0xc000000, 0xfffffff], System RAM and online."""
    with open(os.path.join(sysroot, "proc", "iomem"), "a") as f:
        f.write("0c000000-0fffffff : System RAM\n")
    m = os.path.join(sysroot, "sys", "devices", "system", "memory", "memory3")
    os.makedirs(m)
    for name, value in (("state", "online"), ("phys_index", "00000003"), ("removable", "1"),
                        ("valid_zones", "Movable")):
        with open(os.path.join(m, name), "w") as f:
            f.write(value + "\n")
