#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Write the seeds of the text fuzz target into DIR: a first byte that picks
# the reader (0 uevent, 1 scenario, 2 CPU list, 3 /proc/iomem), then input
# of the shape real machines give.
# usage: seed-text.sh DIR SOURCE_ROOT
set -eu
dir=$1
src=$2
mkdir -p "$dir"
printf '\000add@/devices/system/memory/memory32\000ACTION=add\000DEVPATH=/devices/system/memory/memory32\000SUBSYSTEM=memory\000SEQNUM=4242\000' >"$dir/uevent-memory-add"
printf '\000offline@/devices/system/cpu/cpu1\000ACTION=offline\000DEVPATH=/devices/system/cpu/cpu1\000SUBSYSTEM=cpu\000MODALIAS=cpu:type:x86,ven0000fam0006mod003F:feature:,0000\n\000SEQNUM=7\000' >"$dir/uevent-cpu-offline"
printf '\001# two DIMMs come and one goes\nram 2G\ncrashkernel 128M\ncrash-every 4\ncrash-during 2\nadd-dimm 512M\nadd-dimm 512M\nkexec-busy 2\noffline-block 12\nonline-block 12\noffline-block 34\nremove-dimm\ncrash\n' >"$dir/scenario-small"
printf '\001arch ppc64le\ncpus 8:4:4\nram 8G\nblock 256M\nload segments-hotplug\npolicies mainline robust\nadd-cpu 5\nonline-cpu 5\ngrow-memory 2G 512M\nstorm 16\ncrash-exhaustive 3\n' >"$dir/scenario-grow"
printf '\0020-3,8,10-11\n' >"$dir/cpulist"
printf '\0020\n' >"$dir/cpulist-one"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$src/tests/fixtures/mksysroot.sh" vm-dimms "$tmp/vm" >/dev/null
{ printf '\003'; cat "$tmp/vm/proc/iomem"; } >"$dir/iomem-vm"
