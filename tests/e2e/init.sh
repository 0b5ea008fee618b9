#!/bin/busybox sh
# /init for both kernels of the end-to-end run (see QEMU-NOTES): the capture
# kernel sees /proc/vmcore and sends its head to the host; the first kernel
# loads kdump, runs crashhp on itself, waits for the host's memory hot-add
# (and, with crashhp_e2e=remove, a hot-remove), and crashes.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /tmp
# crashhp_kernel=MODE: the kernel series' e2e (run.py --kernels) on the
# test kernels of make kernel: no crashhp watch; MODE contend holds the
# kexec lock (debugfs, CONFIG_CRASH_HOTPLUG_TEST) while the DIMM comes
# online; the machine's files and the hook statistics go to the host
# before the crash.
kernel_e2e=$(sed -n 's/.*crashhp_kernel=\([a-z]*\).*/\1/p' /proc/cmdline)
if [ -e /proc/vmcore ]; then
	echo "VMCORE-SIZE $(ls -l /proc/vmcore | awk '{ print $5 }')"
	echo "CAPTURE-BEGIN"
	head -c 131072 /proc/vmcore | base64
	echo "CAPTURE-END"
	# The DIMM's LOAD, when there is one: the md5 of three 16 MiB slices of
	# its bytes in the dump (start, middle, end: the whole GiB takes ~90 s
	# under TCG).  run.py hashes the same slices of the backing file.
	off=$(crashhp inspect --kind header /proc/vmcore 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "LOAD" && $(i + 3) == "0x0000000100000000") print $(i + 1) }')
	if [ -n "$off" ]; then
		page=$((off / 4096))
		sum=$(for at in 0 126976 258048; do
			dd if=/proc/vmcore bs=4096 skip=$((page + at)) count=4096 2>/dev/null
		done | md5sum | cut -d' ' -f1)
		echo "DIMM-MD5 $sum"
	else
		echo "DIMM-MD5 none"
	fi
	if command -v makedumpfile >/dev/null; then
		# The capture kernel's tmpfs is small: dmesg to a file, the dump
		# itself flattened to stdout and thrown away (QEMU-NOTES).
		makedumpfile --dump-dmesg /proc/vmcore /tmp/dmesg >/tmp/mdf.log 2>&1
		echo "MAKEDUMPFILE dmesg rc=$? $(wc -l </tmp/dmesg 2>/dev/null || echo 0) lines"
		echo "MAKEDUMPFILE dmesg-crash $(grep -m1 -o 'sysrq: Trigger a crash' /tmp/dmesg | tr ' ' '_')"
		makedumpfile -F -d 31 /proc/vmcore >/dev/null 2>/tmp/mdf.log
		echo "MAKEDUMPFILE filter rc=$?"
		tail -n 3 /tmp/mdf.log | sed 's/^/MAKEDUMPFILE log /'
	fi
	echo o >/proc/sysrq-trigger
	poweroff -f
fi
if grep -q crashhp_e2e=tables /proc/cmdline; then
	# The host upgrades these two so that the kernel sees hot-pluggable CPUs.
	for t in APIC FACP; do
		echo "TABLE-$t $(base64 /sys/firmware/acpi/tables/$t | tr -d '\n')"
	done
	poweroff -f
fi
echo "RELEASE $(cat /proc/sys/kernel/osrelease)"
# The load, also the command crashhp watch --reload runs.
cat >/tmp/reload.sh <<'RELOAD'
kexec -p -u
exec kexec -s -p /boot/vmlinuz --initrd=/initrd.img \
	--append="console=ttyS0 reset_devices irqpoll nr_cpus=1 panic=1 acpi_no_memhotplug loglevel=1"
RELOAD
if sh /tmp/reload.sh; then
	echo "KDUMP-LOADED crash_hotplug=$(cat /sys/devices/system/memory/crash_hotplug 2>/dev/null)"
else
	echo "KDUMP-FAILED"
fi
crashhp status | sed 's/^/STATUS /'
# Wait until watch's reloads (one running, at most one more) are over: no
# reload.sh for two seconds running.
reloads_done() {
	quiet=0
	i=0
	while [ $quiet -lt 20 ] && [ $i -lt 600 ]; do
		if pgrep -f /tmp/reload.sh >/dev/null; then quiet=0; else quiet=$((quiet + 1)); fi
		sleep 0.1
		i=$((i + 1))
	done
}
watch=
if [ -n "$kernel_e2e" ]; then
	:
elif grep -q -e crashhp_e2e=remove-reload -e crashhp_e2e=add-reload /proc/cmdline; then
	crashhp watch --json -o /tmp/hdr --reload "sh /tmp/reload.sh" >/tmp/watch.log 2>&1 &
	watch=$!
else
	crashhp watch --json -o /tmp/hdr >/tmp/watch.log 2>&1 &
	watch=$!
fi
sleep 1
holder=
if [ "$kernel_e2e" = contend ]; then
	# Hold the kexec lock from before the hot-add until well after its
	# blocks are online; READY only once the kernel says it holds it.
	echo 20000 >/sys/kernel/debug/crash_hotplug/hold_lock_ms &
	holder=$!
	i=0
	while ! dmesg | grep -q 'holding the kexec lock' && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	echo "HOLDING $(dmesg | grep -c 'holding the kexec lock')"
fi
old=$(grep MemTotal /proc/meminfo)
echo "READY $old"
i=0
while [ "$(grep MemTotal /proc/meminfo)" = "$old" ] && [ $i -lt 900 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 1
if [ -n "$kernel_e2e" ]; then
	# Every block of the DIMM (memory32-39) online before going on.
	i=0
	while [ "$(cat /sys/devices/system/memory/memory3[2-9]/state 2>/dev/null | grep -c '^online')" -lt 8 ] &&
		[ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
fi
echo "HOTPLUGGED $(grep MemTotal /proc/meminfo)"
if [ -n "$holder" ]; then
	if kill -0 $holder 2>/dev/null; then held=yes; else held=no; fi
	echo "ONLINE-WHILE-HELD $held"
	wait $holder
	# The patched kernel applies the deferred update within ~10 ms of the
	# release; give it up to 5 s (the stock kernel never does).
	i=0
	while ! dmesg | grep -q 'applied the deferred kdump image update' && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
fi
if grep -q crashhp_e2e=remove /proc/cmdline; then
	for b in $(seq 32 39); do echo offline >/sys/devices/system/memory/memory$b/state; done
	echo "OFFLINED"
	i=0
	while [ -e /sys/devices/system/memory/memory32 ] && [ $i -lt 900 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 1
	echo "REMOVED $(grep MemTotal /proc/meminfo)"
fi
reloads_done
if grep -q crashhp_e2e=cpu /proc/cmdline; then
	echo "READY-CPU $(cat /sys/devices/system/cpu/present)"
	i=0
	while [ ! -e /sys/devices/system/cpu/cpu1/online ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	echo 1 >/sys/devices/system/cpu/cpu1/online
	sleep 1
	echo "CPU-ONLINE $(cat /sys/devices/system/cpu/online)"
fi
if [ -n "$watch" ]; then
	kill -INT $watch
	sleep 0.5
	sed 's/^/WATCH /' /tmp/watch.log
	crashhp verify --against / /tmp/hdr | sed 's/^/VERIFY /'
fi
if [ -n "$kernel_e2e" ]; then
	sed 's/^/KSTATS /' /sys/kernel/debug/crash_hotplug/stats
	echo "TRYLOCK-FAILED $(dmesg | grep -c 'kexec_trylock() failed')"
	dmesg | grep -e 'crash hp' -e 'kexec' | tail -n 5 | sed 's/^/KLOG /'
	# The files crashhp verify reads, as they are at the crash, for the
	# host to judge the dump against.
	rm -rf /tmp/sysroot
	for f in /proc/iomem /proc/cmdline /proc/sys/kernel/osrelease \
		/sys/kernel/kexec_loaded /sys/kernel/kexec_crash_loaded \
		/sys/kernel/kexec_crash_size /sys/kernel/crash_elfcorehdr_size \
		/sys/kernel/vmcoreinfo /sys/devices/system/cpu/possible \
		/sys/devices/system/cpu/present /sys/devices/system/cpu/online \
		/sys/devices/system/cpu/kernel_max /sys/devices/system/cpu/crash_hotplug \
		/sys/devices/system/cpu/cpu[0-9]*/online \
		/sys/devices/system/cpu/cpu[0-9]*/crash_notes \
		/sys/devices/system/cpu/cpu[0-9]*/crash_notes_size \
		/sys/devices/system/memory/block_size_bytes \
		/sys/devices/system/memory/auto_online_blocks \
		/sys/devices/system/memory/crash_hotplug \
		/sys/devices/system/memory/memory[0-9]*/state \
		/sys/devices/system/memory/memory[0-9]*/phys_index \
		/sys/devices/system/memory/memory[0-9]*/removable \
		/sys/devices/system/memory/memory[0-9]*/valid_zones; do
		[ -r "$f" ] || continue
		mkdir -p "/tmp/sysroot${f%/*}"
		cat "$f" >"/tmp/sysroot$f" 2>/dev/null
	done
	grep -w -e _text -e _end /proc/kallsyms >/tmp/sysroot/proc/kallsyms
	head -c 65536 /proc/kcore >/tmp/sysroot/proc/kcore
	echo "SYSROOT-BEGIN"
	tar -C /tmp/sysroot -cz . | base64
	echo "SYSROOT-END"
fi
crashhp elfcorehdr -o /tmp/pred.hdr >/dev/null
echo "ELFCOREHDR $(crashhp inspect --json /tmp/pred.hdr | tr -d '\n')"
sleep 0.5
echo c >/proc/sysrq-trigger
