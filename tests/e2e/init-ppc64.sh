#!/bin/busybox sh
# /init for both kernels of the ppc64 end-to-end run (run_ppc64.py): the
# capture kernel sees /proc/vmcore and sends its head and its device tree's
# CPUs to the host; the first kernel loads kdump with kexec_load (Debian's
# ppc64el kernel has no kexec_file_load), then, handshake by handshake,
# waits for the host's DIMM hot-adds, CPU hot-add and (crashhp_ppc_stage=
# removed) DIMM hot-remove or (split) offlines a block of the first DIMM,
# or (added) nothing more, and crashes on the CPU crashhp_ppc_cpu= names.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /tmp
# Readiness by condition, never by a fixed sleep (as init.sh): past LIMIT
# seconds of the guest's clock, say what was awaited and give up.
patience=600
await() {
	what=$1 limit=$2
	shift 2
	end=$(($(date +%s) + limit))
	until "$@"; do
		if [ "$(date +%s)" -ge "$end" ]; then
			echo "E2E-TIMEOUT after ${limit}s awaiting $what"
			return 1
		fi
		sleep 0.1
	done
}
drain() { stty -F /dev/console "$(stty -F /dev/console -g)" 2>/dev/null; }
# The CPU nodes of a device tree (pseries: one per core, "PowerPC,POWER9@N").
dt_cpus() { ls -d /proc/device-tree/cpus/*@* 2>/dev/null | sed 's,.*/,,' | tr '\n' ' '; }

if [ -e /proc/vmcore ]; then
	echo "CAPTURE-CPUS $(dt_cpus)"
	echo "CAPTURE-CMDLINE $(cat /proc/cmdline)"
	echo "VMCORE-SIZE $(ls -l /proc/vmcore | awk '{ print $5 }')"
	# The FDT it booted with (kexec-tools' reserve map among it).
	echo "CAPTURE-FDT-HEAD $(od -An -tx1 -v -N 4096 /sys/firmware/fdt 2>/dev/null | tr -d ' \n')"
	# What the capture kernel keeps from its allocator (the elfcorehdr must
	# be inside) and the memory it was given (linux,usable-memory).
	mount -t debugfs none /sys/kernel/debug 2>/dev/null
	echo "CAPTURE-RESERVED $(sed 's/^ *[0-9]*: //' /sys/kernel/debug/memblock/reserved 2>/dev/null | tr '\n' ' ')"
	for f in /proc/device-tree/memory@*/linux,usable-memory; do
		[ -e "$f" ] && echo "CAPTURE-USABLE ${f#/proc/device-tree/} $(od -An -tx1 -v "$f" | tr -d ' \n')"
	done
	echo "CAPTURE-BEGIN"
	head -c 131072 /proc/vmcore | base64
	echo "CAPTURE-END"
	drain
	poweroff -f
fi

arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
echo "RELEASE $(cat /proc/sys/kernel/osrelease)"
kexec=kexec hotplug_flag=
[ "$(arg crashhp_ppc_load)" = hotplug ] && kexec=kexec-hotplug hotplug_flag=--hotplug
$kexec --version | sed 's/^/KEXEC-VERSION /'
if $kexec -p $hotplug_flag /boot/vmlinux --initrd=/initrd.img \
	--append="console=hvc0 reset_devices irqpoll nr_cpus=1 panic=1 noirqdistrib"; then
	echo "KDUMP-LOADED crash_hotplug memory=$(cat /sys/devices/system/memory/crash_hotplug 2>/dev/null) cpu=$(cat /sys/devices/system/cpu/crash_hotplug 2>/dev/null)"
else
	echo "KDUMP-FAILED"
fi
echo "ELFCOREHDR-SIZE $(cat /sys/kernel/crash_elfcorehdr_size 2>/dev/null)"
echo "BOOT-CPUS $(dt_cpus)"
blocks() { ls -d /sys/devices/system/memory/memory[0-9]* | wc -l; }
blocks_are() { [ "$(blocks)" = "$1" ]; }
all_online() { ! grep -q -v online /sys/devices/system/memory/memory[0-9]*/state; }
cpus_online_is() { [ "$(cat /sys/devices/system/cpu/online)" = "$1" ]; }

before=$(blocks)
old=$(grep MemTotal /proc/meminfo)
echo "READY-DIMM $before blocks, $old"
# Two DIMMs (the host's: at 2 GiB, beside boot RAM, and at 4 GiB, past a
# hole); pseries adds each LMB by LMB: wait for all of their blocks.
block_size=$(printf %d 0x$(cat /sys/devices/system/memory/block_size_bytes))
dimm_blocks=$(($(arg crashhp_ppc_dimm) / block_size))
added_blocks=$(($(arg crashhp_ppc_added) / block_size))
await "the DIMMs' $added_blocks blocks in sysfs" "$patience" blocks_are $((before + added_blocks))
await "every memory block online" "$patience" all_online
echo "HOTPLUGGED $(blocks) blocks, $(grep MemTotal /proc/meminfo)"
grep 'System RAM' /proc/iomem | sed 's/^/IOMEM /'

echo "READY-CPU $(cat /sys/devices/system/cpu/present)"
# pseries' in-kernel DLPAR onlines the new core's threads itself.
await "cpu1 online after the core's hot-add" "$patience" cpus_online_is 0-1
echo "CPU-ONLINE $(cat /sys/devices/system/cpu/online)"

stage=$(arg crashhp_ppc_stage)
case "${stage:-removed}" in
removed)
	with_dimm=$(blocks)
	echo "READY-REMOVE $with_dimm blocks"
	await "the first DIMM's blocks gone from sysfs after device_del (ppc64: LMB by LMB)" "$patience" blocks_are "$((before + dimm_blocks))"
	echo "REMOVED $(blocks) blocks, $(grep MemTotal /proc/meminfo)"
	;;
split)
	# A block inside the first DIMM offlined (a MEM_OFFLINE, no removal):
	# memblock still holds it, remove_mem_range() splits its range.
	block=$(($(arg crashhp_ppc_split) / block_size))
	echo offline >/sys/devices/system/memory/memory$block/state
	echo "OFFLINED memory$block: $(cat /sys/devices/system/memory/memory$block/state)"
	;;
esac
grep 'System RAM' /proc/iomem | sed 's/^/IOMEM /'
echo "CRASH-CPUS $(dt_cpus) online=$(cat /sys/devices/system/cpu/online)"
dmesg | grep -i -e 'crash hp' -e kexec -e elfcorehdr -e 'crash_' | tail -n 8 | sed 's/^/KLOG /'
cpu=$(arg crashhp_ppc_cpu)
echo "CRASH-ON $cpu"
drain
exec taskset -c "${cpu:-0}" sh -c 'echo c >/proc/sysrq-trigger'
