#!/bin/busybox sh
# /init for both kernels of the end-to-end run (see QEMU-NOTES): the capture
# kernel sees /proc/vmcore and sends its head to the host; the first kernel
# loads kdump, runs crashhp on itself, waits for the host's memory hot-add
# (and, with crashhp_e2e=remove, a hot-remove), and crashes; with
# crashhp_e2e=race, the hot-add races watch's start, a burst of block events
# follows while watch is stopped, and the guest powers off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /tmp
# Readiness by condition, never by a fixed sleep: poll until "$@" holds; past
# LIMIT seconds (the guest's clock) say what was awaited and give up.  The
# host counts an E2E-TIMEOUT line as a failure.  Generous: with the host's
# two cores at a load of 30, kexec's load took 111 s instead of 2-8 s (TCG
# gets a small share; the guest's clock keeps real time).
patience=300
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
# The hot-added DIMM's blocks (QEMU's first DIMM at 4 GiB, 128 MiB blocks).
dimm_blocks=$(seq 32 39)
blocks_in_state() {
	for b in $dimm_blocks; do
		[ "$(cat /sys/devices/system/memory/memory$b/state 2>/dev/null)" = "$1" ] || return 1
	done
}
blocks_gone() {
	for b in $dimm_blocks; do
		[ ! -e /sys/devices/system/memory/memory$b ] || return 1
	done
}
memtotal_is_not() { [ "$(grep MemTotal /proc/meminfo)" != "$1" ]; }
exists() { [ -e "$1" ]; }
# watch says it listens: the READY line (once the socket is open and the
# machine read), or, from a watch without one, its first line (printed once
# the socket is open).
watch_ready() { grep -q -e READY -e '"ready"' -e '^{ *"watching"' -e '^watching' /tmp/watch.log; }
watch_has_ready_line() { grep -q -e READY -e '"ready"' /tmp/watch.log; }
# watch printed its line for each of these events ("memory online" 32 33 ...).
watch_saw() {
	event=$1
	shift
	for n in "$@"; do
		grep -q "\"event\": \"$event\", \"index\": $n," /tmp/watch.log || return 1
	done
}
# watch has read every event the kernel sent so far: a synthetic "add" for
# memory0 (present since boot, so it changes nothing) goes through the same
# socket behind them, and watch prints a line for it.  A full socket drops
# it (a watch whose small buffer a burst filled): sent again every 5 s
# until watch prints one.
sentinel_lines() { grep -c '"event": "memory add", "index": 0,' /tmp/watch.log; }
sentinel_seen() {
	[ "$(sentinel_lines)" -gt "$sentinels_before" ] && return 0
	if [ "$(date +%s)" -ge "$sentinel_again" ]; then
		echo add >/sys/devices/system/memory/memory0/uevent
		sentinel_again=$(($(date +%s) + 5))
	fi
	return 1
}
watch_caught_up() {
	sentinels_before=$(sentinel_lines) sentinel_again=0
	await "crashhp watch's line for a synthetic add of memory0 (the events before it read)" "$patience" \
		sentinel_seen
}
# watch's own view (SIGUSR1, one JSON line), beside sysfs read right then.
view_lines() { grep -c '^{ *"view"' /tmp/watch.log; }
more_views_than() { [ "$(view_lines)" -gt "$1" ]; }
show_view() {
	watch_has_ready_line || { echo "VIEW-$1 none (this watch has no READY line, nor a view)"; return; }
	seen=$(view_lines)
	kill -USR1 $watch
	await "crashhp watch's view line after SIGUSR1" "$patience" more_views_than "$seen" || return
	echo "VIEW-$1 $(grep '^{ *"view"' /tmp/watch.log | tail -n 1)"
	on='' off=''
	for d in /sys/devices/system/memory/memory*; do
		n=${d##*memory}
		case "$(cat $d/state)" in
		online) on="$on $n" ;;
		*) off="$off $n" ;;
		esac
	done
	echo "SYSFS-$1 cpus_present=$(cat /sys/devices/system/cpu/present) cpus_online=$(cat /sys/devices/system/cpu/online) blocks_online=$(echo $on | tr ' ' ,) blocks_offline=$(echo $off | tr ' ' ,)"
}
# Userspace's console output reaches the host before the kernel stops:
# stty sets the console's own settings back with TCSADRAIN, which returns
# once the UART has sent everything written.
drain() { stty -F /dev/console "$(stty -F /dev/console -g)"; }
# crashhp_kernel=MODE: the kernel series' e2e (kernel_e2e.py) on the
# test kernels of make kernel: no crashhp watch; MODE contend holds the
# kexec lock (debugfs, CONFIG_CRASH_HOTPLUG_TEST) while the DIMM comes
# online, MODE held while its blocks go offline and its removal begins;
# the machine's files and the hook statistics go to the host before the
# crash.
kernel_e2e=$(sed -n 's/.*crashhp_kernel=\([a-z-]*\).*/\1/p' /proc/cmdline)
if [ -e /proc/vmcore ]; then
	echo "VMCORE-SIZE $(ls -l /proc/vmcore | awk '{ print $5 }')"
	echo "CAPTURE-BEGIN"
	head -c 131072 /proc/vmcore | base64
	echo "CAPTURE-END"
	# The every-store runs (crashhp_capture=store) judge the header only:
	# makedumpfile reads the dump; the DIMM's bytes are not hashed.  With
	# crashhp_ship the filtered dump goes to the host raw on the second
	# serial port, for crash(8) and drgn with the matching vmlinux.
	capture=$(sed -n 's/.*crashhp_capture=\([a-z-]*\).*/\1/p' /proc/cmdline)
	dumpto=/dev/null compress=
	if grep -q crashhp_ship /proc/cmdline && [ -e /dev/ttyS1 ]; then
		stty -F /dev/ttyS1 raw -echo
		dumpto=/dev/ttyS1 compress=-l
	fi
	# The DIMM's LOAD, when there is one: the md5 of three 16 MiB slices of
	# its bytes in the dump (start, middle, end: the whole GiB takes ~90 s
	# under TCG).  run.py hashes the same slices of the backing file.
	[ "$capture" = store ] ||
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
		# The crash the old kernel logged: the sysrq one, or the test
		# hooks' panic of an every-store run (kernel_e2e.py names the store).
		echo "MAKEDUMPFILE dmesg-crash $(grep -m1 -o -e 'sysrq: Trigger a crash' \
			-e 'crash hp test: panic after store [0-9]*' \
			-e 'crash hp test: panic at point [a-z_]*' /tmp/dmesg | tr ' ' '_')"
		if grep -q crashhp_kdump /proc/cmdline; then
			# The dump an admin keeps: kdump-compressed (-c), filtered
			# (-d 31), some 45 MB here: too much for the serial line
			# (about 56 KB/s under TCG; 45 MB took over 10 minutes).  Split by pfn into 16 files
			# (--split: each a kdump-compressed file with both whole
			# bitmaps and its share of the pages), and the smallest
			# holding pages goes to the host.
			parts=""
			for i in $(seq 1 16); do parts="$parts /tmp/part$i"; done
			# shellcheck disable=SC2086
			makedumpfile --split -c -d 31 /proc/vmcore $parts >/tmp/mdf.log 2>&1
			echo "MAKEDUMPFILE filter rc=$?"
			tail -n 3 /tmp/mdf.log | sed 's/^/MAKEDUMPFILE log /'
			df -k /tmp | tail -n 1 | sed 's/^/MDFDUMP-PART df /'
			# A part whose pfn range holds no page is its two bitmaps
			# alone, the smallest size: the smallest part with 256 KiB
			# more than that holds pages.
			sizes=$(for f in $parts; do echo "$(stat -c %s "$f" 2>/dev/null || echo 0) $f"; done | sort -n)
			least=$(echo "$sizes" | head -n 1 | cut -d' ' -f1)
			pick=$(echo "$sizes" | while read -r s f; do
				[ "$s" -gt $((least + 262144)) ] && echo "$s $f"
			done | head -n 1)
			echo "MDFDUMP-PART ${pick:-none} of $(cat $parts 2>/dev/null | wc -c) bytes in all"
			echo "MDFDUMP-BEGIN"
			[ -n "$pick" ] && base64 "${pick#* }"
			echo "MDFDUMP-END"
		else
			makedumpfile -F $compress -d 31 /proc/vmcore >$dumpto 2>/tmp/mdf.log
			echo "MAKEDUMPFILE filter rc=$?"
		fi
		tail -n 3 /tmp/mdf.log | sed 's/^/MAKEDUMPFILE log /'
	fi
	drain
	echo o >/proc/sysrq-trigger
	poweroff -f
fi
if grep -q crashhp_e2e=tables /proc/cmdline; then
	# The host upgrades these two so that the kernel sees hot-pluggable CPUs.
	for t in APIC FACP; do
		echo "TABLE-$t $(base64 /sys/firmware/acpi/tables/$t | tr -d '\n')"
	done
	drain
	poweroff -f
fi
echo "RELEASE $(cat /proc/sys/kernel/osrelease)"
# The load, also the command crashhp watch --reload runs.
cat >/tmp/reload.sh <<'RELOAD'
kexec -p -u
exec kexec -s -p /boot/vmlinuz --initrd=/initrd.img \
	--append="console=ttyS0 reset_devices irqpoll nr_cpus=1 panic=1 acpi_no_memhotplug loglevel=1 no_timer_check"
RELOAD
# The capture kernel of an every-store run or the bench learns it from its
# command line (crashhp_capture=store, crashhp_ship).
case "$kernel_e2e" in
store-*) sed -i 's/no_timer_check"/no_timer_check crashhp_capture=store"/' /tmp/reload.sh ;;
esac
if grep -q crashhp_ship /proc/cmdline; then
	sed -i 's/no_timer_check/no_timer_check crashhp_ship/' /tmp/reload.sh
fi
# The kdump run (run.py): its capture kernel streams makedumpfile's output.
if grep -q crashhp_kdump /proc/cmdline; then
	sed -i 's/no_timer_check"/no_timer_check crashhp_kdump"/' /tmp/reload.sh
fi
# crashhp_kernel=capacity-*: the image gets an elfcorehdr with three
# program headers spare beyond those its load uses (debugfs
# elfcorehdr_spare, 0001), so three ranges fill it.
case "$kernel_e2e" in
capacity-*) echo 3 >/sys/kernel/debug/crash_hotplug/elfcorehdr_spare ;;
esac
if sh /tmp/reload.sh; then
	echo "KDUMP-LOADED crash_hotplug=$(cat /sys/devices/system/memory/crash_hotplug 2>/dev/null)"
else
	echo "KDUMP-FAILED"
fi
crashhp status | sed 's/^/STATUS /'

start_watch() {
	if grep -q -e crashhp_e2e=remove-reload -e crashhp_e2e=add-reload /proc/cmdline; then
		crashhp watch --json -o /tmp/hdr --reload "sh /tmp/reload.sh" >/tmp/watch.log 2>&1 &
	else
		crashhp watch --json -o /tmp/hdr >/tmp/watch.log 2>&1 &
	fi
	watch=$!
}
# SIGINT: watch stops taking events and exits once its reloads (the running
# one and one pending) are over.
watch_exited() { [ ! -e /proc/$watch ] || [ "$(cut -d' ' -f3 /proc/$watch/stat)" = Z ]; }
stop_watch() {
	kill -INT $watch
	await "crashhp watch to exit after SIGINT (its reloads over)" $((patience * 2)) watch_exited && wait $watch
	sed 's/^/WATCH /' /tmp/watch.log
}

# 3. SIGTERM to watch's process group (as systemd stops the unit, and
# Ctrl-C) while its reload stands between kexec's unload and its load: the
# reload signals that it has unloaded and waits for the go file; the go
# comes once watch has taken the TERM from its signalfd (no longer pending
# in /proc/PID/status).  Then the reload must finish the load, kdump be
# loaded, and watch exit 0 after it.  A block offlined is the change: on x86
# the kernel keeps the range of an offlined block, so watch reloads.
cat >/tmp/term-reload.sh <<'RELOAD'
kexec -p -u
echo "$(cat /sys/kernel/kexec_crash_loaded)" >/tmp/term-unloaded
until [ -e /tmp/term-go ]; do sleep 0.1; done
sh /tmp/reload.sh && echo "$(cat /sys/kernel/kexec_crash_loaded)" >/tmp/term-loaded
RELOAD
term_pending() {
	mask=$(sed -n 's/^ShdPnd:[[:space:]]*//p' /proc/$watch/status 2>/dev/null)
	[ -n "$mask" ] && [ $((0x$mask & 0x4000)) -ne 0 ]
}
term_taken() { ! term_pending; }
term_during_reload() {
	rm -f /tmp/term-unloaded /tmp/term-go /tmp/term-loaded
	# Its own process group, so a TERM to the group reaches watch alone
	# (and the reload only if watch fails to keep it out of the group).
	setsid crashhp watch --json -o /tmp/hdr-term --reload "sh /tmp/term-reload.sh" >/tmp/watch.log 2>&1 &
	watch=$!
	await "the second crashhp watch ready (its READY line)" "$patience" watch_has_ready_line || return
	echo offline >/sys/devices/system/memory/memory39/state
	await "watch's reload to have unloaded kdump" "$patience" exists /tmp/term-unloaded
	echo "TERM-UNLOADED kexec_crash_loaded=$(cat /tmp/term-unloaded)"
	group=$(cut -d' ' -f5 /proc/$watch/stat)
	kill -TERM -- "-$group"
	await "crashhp watch to take the SIGTERM from its signalfd" "$patience" term_taken
	echo "TERM-SENT to group $group; watch alive: $(cat /proc/$watch/comm 2>/dev/null || echo no)"
	touch /tmp/term-go
	await "crashhp watch to exit after SIGTERM (its reload over)" $((patience * 2)) watch_exited
	wait $watch
	rc=$?
	echo "TERM-WATCH-EXIT $rc"
	echo "TERM-RELOAD-LOADED $(cat /tmp/term-loaded 2>/dev/null || echo none)"
	echo "TERM-CRASH-LOADED $(cat /sys/kernel/kexec_crash_loaded)"
	sed 's/^/TERMWATCH /' /tmp/watch.log
}

if grep -q crashhp_e2e=race /proc/cmdline; then
	# 1. The DIMM hot-added while watch starts: watch started and, at
	# once, RACE-ADD tells the host to add the DIMM; nothing waits for
	# watch to be ready.
	start_watch
	echo "RACE-ADD $(grep MemTotal /proc/meminfo)"
	await "the DIMM's blocks 32-39 all online" "$patience" blocks_in_state online
	await "crashhp watch ready (its READY line)" "$patience" watch_ready
	watch_caught_up
	echo "HOTPLUGGED $(grep MemTotal /proc/meminfo)"
	crashhp verify --sysroot / /tmp/hdr | sed 's/^/VERIFY-RACE /'
	show_view RACE
	# 2. A burst while watch is stopped: the DIMM's blocks offlined and
	# onlined back to back, far more events than the kernel's default
	# receive buffer holds (~70 of these), then watch continued.
	kill -STOP $watch
	cycles=24
	for c in $(seq $cycles); do
		for b in $dimm_blocks; do echo offline >/sys/devices/system/memory/memory$b/state; done
		for b in $dimm_blocks; do echo online_movable >/sys/devices/system/memory/memory$b/state; done
	done
	echo "BURST $((cycles * 16)) block events while watch was stopped; $(grep -c . /tmp/watch.log) lines before"
	await "the DIMM's blocks 32-39 all online after the burst" "$patience" blocks_in_state online
	kill -CONT $watch
	watch_caught_up
	crashhp verify --sysroot / /tmp/hdr | sed 's/^/VERIFY-BURST /'
	show_view BURST
	stop_watch
	term_during_reload
	drain
	poweroff -f
fi

send_sysroot() {
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
}
hooks=/sys/kernel/debug/crash_hotplug
block_state() { echo "$2" >/sys/devices/system/memory/memory$1/state; }
# crashhp_kernel=store-add / store-remove (kernel_e2e.py, the
# every-store runs): the DIMM arrives with its blocks offline
# (memhp_default_state=offline); 32-35 go online as kernel memory (the
# kernel's own allocations land there first, so crash(8) and drgn find
# kernel objects inside the DIMM in a filtered dump).  The update under test
# is a new range or a cut in the middle of one, the updates with the most
# stores in place: store-add onlines 36-37 movable and then block 39, past
# the offline block 38 (a free slot filled, typed and grown; e_phnum);
# store-remove onlines 36-39 movable and then offlines block 37 (a slot for
# 38-39 written before 32-36 shrinks).  The hooks' panic_at_store is armed
# at crashhp_store=N
# (a number past the update's last store: a dry run that counts its
# stores; the stats say how many, then a crash takes the dump).  With
# crashhp_point=P the hooks' panic_at_point is armed too (a panic outside
# the stores: 1 after the lock and the crashkernel's unprotect, 2 after
# the walk of System RAM); with crashhp_hold the kexec lock is held
# (hold_lock_ms) while the block changes state, so the update is the
# deferred one, run when the lock is released.  The
# machine's files go to the host first: the dump must be complete against
# the state before or the state after the update.
store_run() {
	n=$(sed -n 's/.*crashhp_store=\([0-9]*\).*/\1/p' /proc/cmdline)
	point=$(sed -n 's/.*crashhp_point=\([0-9]*\).*/\1/p' /proc/cmdline)
	echo "READY $(grep MemTotal /proc/meminfo)"
	await "the DIMM's blocks 32-39 in sysfs, offline" "$patience" blocks_in_state offline
	for b in 32 33 34 35; do block_state $b online_kernel; done
	if [ "$kernel_e2e" = store-add ]; then
		under=39 movable="36 37"
	else
		under=37 movable="36 37 38 39"
	fi
	for b in $movable; do block_state $b online_movable; done
	mkdir -p /tmp/fill && (cd /tmp/fill && seq 1 2000 | xargs touch)
	send_sysroot
	echo >$hooks/stats
	echo "$n" >$hooks/panic_at_store
	[ -z "$point" ] || echo "$point" >$hooks/panic_at_point
	holder=
	if grep -q crashhp_hold /proc/cmdline; then
		echo 5000 >$hooks/hold_lock_ms &
		holder=$!
		await "the kernel holding the kexec lock (debugfs hold_lock_ms)" "$patience" dmesg_says 'holding the kexec lock'
	fi
	echo "ARMED $n point ${point:-0} block $under $(cat /sys/devices/system/memory/memory$under/state)"
	drain
	if [ "$kernel_e2e" = store-add ]; then
		block_state $under online_movable
	else
		block_state $under offline
	fi
	echo "UPDATED block $under $(cat /sys/devices/system/memory/memory$under/state)"
	if [ -n "$holder" ]; then
		if kill -0 $holder 2>/dev/null; then held=yes; else held=no; fi
		echo "ONLINE-WHILE-HELD $held"
		drain
		wait $holder
		# The deferred update runs ~10 ms after the release; an armed
		# point panics in it, else the kernel says it applied it.
		await "the deferred kdump image update" "$patience" dmesg_says 'applied the deferred kdump image update'
	fi
	sed 's/^/KSTATS /' $hooks/stats
	drain
	echo c >/proc/sysrq-trigger
}
# crashhp_kernel=bench: four 1 GiB DIMMs online (blocks 32-63); every other
# block offlined, one event each, the stats reset before each: the time of
# each update as the offline memory splits the DIMMs into more ranges.  Each
# block is offlined three times (onlined back in between), so the host can
# take the least of three: TCG's timing on a shared host is noisy.
bench_run() {
	dimm_blocks=$(seq 32 63)
	echo "READY $(grep MemTotal /proc/meminfo)"
	await "the DIMMs' blocks 32-63 all online" "$patience" blocks_in_state online
	gaps=0
	for b in $(seq 32 2 62); do
		gaps=$((gaps + 1))
		for try in 1 2 3; do
			[ $try = 1 ] || block_state $b online_movable
			echo >$hooks/stats
			block_state $b offline
			echo "BENCH $gaps $(grep '^remove_memory ' $hooks/stats)"
		done
	done
	drain
	poweroff -f
}
# crashhp_kernel=capacity-cut / capacity-cover (kernel_e2e.py's part
# capacity): a full elfcorehdr.  Three 1 GiB DIMMs arrive offline (the
# host checks they lie at 4, 5 and 6 GiB: blocks 32-39, 40-47, 48-55) and
# come online in ascending order, one range, the first of the three spare
# program headers; blocks 34 and 36 go offline, two cuts in the middle that
# take the other two.  The second DIMM's blocks go offline (cuts with no
# slot: kept listed) and the host removes it: its removal is cut without a
# slot, and the third DIMM, above the cut in the same range, is left out.
# capacity-cover then onlines 34 and 36 again: the ranges they join merge,
# two slots come free, and the sync covers the third DIMM again.  The
# kernel's elfcorehdr lines and the machine's files go to the host, then
# the crash.
# The DIMMs' blocks 32-55 that are not online: offline, or gone from sysfs.
dimms_state() {
	off='' gone=''
	for b in $(seq 32 55); do
		case "$(cat /sys/devices/system/memory/memory$b/state 2>/dev/null)" in
		online) ;;
		offline) off="$off $b" ;;
		*) gone="$gone $b" ;;
		esac
	done
	echo "offline${off:- none} gone${gone:- none}"
}
# /proc/iomem: "%0*llx-%0*llx : name", two spaces a level, lowercase hex.
iomem_has() { grep -q "^ *$1-[0-9a-f]* : System RAM" /proc/iomem; }
iomem_lacks() { ! iomem_has "$1"; }
capacity_run() {
	echo "CAPACITY-SPARE $(cat $hooks/elfcorehdr_spare)"
	echo "READY $(grep MemTotal /proc/meminfo)"
	dimm_blocks=$(seq 32 55)
	await "the DIMMs' blocks 32-55 in sysfs, offline" "$patience" blocks_in_state offline
	for b in $dimm_blocks; do block_state $b online_movable; done
	for b in 34 36; do block_state $b offline; done
	echo "CAPACITY-ONLINE $(dimms_state)"
	dimm_blocks=$(seq 40 47)
	for b in $dimm_blocks; do block_state $b offline; done
	# The host checks it: else the wait for it to leave could pass at once.
	if iomem_has 140000000; then echo "CAPACITY-IOMEM listed"; else echo "CAPACITY-IOMEM absent"; fi
	echo "OFFLINED"
	await "the second DIMM's blocks 40-47 gone from sysfs after device_del" "$patience" blocks_gone
	# The removal's update runs before its range leaves /proc/iomem.
	await "the second DIMM's range gone from /proc/iomem" "$patience" iomem_lacks 140000000
	echo "REMOVED $(grep MemTotal /proc/meminfo)"
	if [ "$kernel_e2e" = capacity-cover ]; then
		for b in 34 36; do block_state $b online_movable; done
		await "the kernel's line: left-out memory covered again" "$patience" \
			dmesg_says 'memory left out is covered again'
	fi
	echo "CAPACITY-STATE $(dimms_state)"
	dmesg | grep elfcorehdr | sed "s/^/KLOG /"
	sed 's/^/KSTATS /' $hooks/stats
	send_sysroot
	drain
	echo c >/proc/sysrq-trigger
}
dmesg_says() { dmesg | grep -q "$1"; }
watch=
if [ -z "$kernel_e2e" ]; then
	start_watch
	await "crashhp watch ready (its READY line)" "$patience" watch_ready
fi
case "$kernel_e2e" in
store-*) store_run ;;
bench) bench_run ;;
capacity-*) capacity_run ;;
esac
holder=
if [ "$kernel_e2e" = contend ]; then
	# Hold the kexec lock from before the hot-add until well after its
	# blocks are online; READY only once the kernel says it holds it.
	echo 20000 >/sys/kernel/debug/crash_hotplug/hold_lock_ms &
	holder=$!
	await "the kernel holding the kexec lock (debugfs hold_lock_ms)" "$patience" dmesg_says 'holding the kexec lock'
	echo "HOLDING $(dmesg | grep -c 'holding the kexec lock')"
fi
if [ "$kernel_e2e" = remove ]; then
	# kexec_file_load failing after the elfcorehdr is built (an initrd
	# larger than the crashkernel: its segment does not fit) must free all
	# it allocated, the in-place index too (~0.4-0.6 MB a load).  Sparse,
	# so it costs no guest memory.  The index's arrays are large kmallocs
	# (SUnreclaim) or vmallocs (VmallocUsed): their sum before and after
	# sixteen loads, two loads first to settle caches.  MemFree moves by
	# 10 MB either way here (the per-CPU page lists): no measure.  A failed
	# crash load unloads the old image: loaded again after.
	truncate -s 272629760 /tmp/too-big.img
	fail_load() {
		kexec -s -p /boot/vmlinuz --initrd=/tmp/too-big.img --append=console=ttyS0 \
			>/dev/null 2>&1 && echo "LEAK-LOADED (an initrd larger than the crashkernel)"
	}
	held_kb() { awk '/^(SUnreclaim|VmallocUsed):/ { kb += $2 } END { print kb }' /proc/meminfo; }
	fail_load
	fail_load
	before=$(held_kb)
	i=0
	while [ $i -lt 16 ]; do fail_load; i=$((i + 1)); done
	after=$(held_kb)
	rm -f /tmp/too-big.img
	echo "FAILED-LOADS 16 kmalloc-vmalloc-growth-kB $((after - before))"
	sh /tmp/reload.sh && echo "KDUMP-RELOADED"
fi
# crashhp_kernel=gap: kexec_load's gap.  kexec-tools' kexec_load path
# (kexec -c: never kexec_file_load) reads /proc/iomem in userspace and makes
# the syscall later; a DIMM onlined in between updates the image loaded
# before (or none), then the syscall installs a header built from the stale
# /proc/iomem.  Debian 13's kexec (--hotplug: the kernel may update the
# image) is held at its kexec_load by the LD_PRELOAD shim (gap-shim.c):
# READY once it waits there, so the host's hot-add comes after kexec read
# /proc/iomem; the go once the DIMM's blocks are online.
gap_kexec=
pid_exited() { [ ! -e "/proc/$1" ] || [ "$(cut -d' ' -f3 "/proc/$1/stat")" = Z ]; }
if [ "$kernel_e2e" = gap ]; then
	rm -f /tmp/gap-ready /tmp/gap-calls /tmp/gap-go
	mkfifo /tmp/gap-go
	append=$(sed -n 's/.*--append="\(.*\)"$/\1/p' /tmp/reload.sh)
	LD_PRELOAD=/lib/gap-shim.so kexec-hotplug -d -c --hotplug -p /boot/vmlinuz --initrd=/initrd.img \
		--append="$append" >/tmp/gap-kexec.log 2>&1 &
	gap_kexec=$!
	await "kexec-hotplug at its kexec_load (the shim's ready file)" "$patience" exists /tmp/gap-ready
fi
old=$(grep MemTotal /proc/meminfo)
echo "READY $old"
await "MemTotal to change after the DIMM's hot-add" "$patience" memtotal_is_not "$old"
await "the DIMM's blocks 32-39 all online" "$patience" blocks_in_state online
[ -z "$watch" ] || await "crashhp watch's lines for the DIMM's blocks online" "$patience" watch_saw "memory online" $dimm_blocks
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
if [ -n "$gap_kexec" ]; then
	# The go: the shim makes the kexec_load; then the patched kernel
	# (0008) queues the deferred update (0003's) at the end of the load,
	# applied within ~10 ms; up to 10 s (stock never does).
	resyncs=$(dmesg | grep -c 'applied the deferred kdump image update')
	# Still there: the shim makes no call before the go.
	echo "GAP-HELD kexec-hotplug $(if pid_exited $gap_kexec; then echo exited; else echo waits; fi) at kexec_load, the DIMM online"
	echo go >/tmp/gap-go &
	await "kexec-hotplug to exit after the go" "$patience" pid_exited $gap_kexec
	wait $gap_kexec
	echo "GAP-KEXEC rc=$? crash_hotplug=$(cat /sys/devices/system/memory/crash_hotplug) kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)"
	echo "GAP-SYSCALLS $(tr '\n' ' ' </tmp/gap-calls 2>/dev/null)"
	# kexec -d: the header it built (the size --hotplug asks, its
	# program headers, where it went) and the elfcorehdr segment's size.
	grep -i -e elfcorehdr -e 'elf header' -e gap-shim /tmp/gap-kexec.log | sed 's/^/GAP-KEXEC-LOG /'
	at=$(sed -n 's/^Created elf header segment at //p' /tmp/gap-kexec.log)
	seg=$(grep -n "^segment\[[0-9]*\]\.mem   = $at\$" /tmp/gap-kexec.log | cut -d: -f1)
	[ -z "$seg" ] || sed -n "$((seg - 1))p;$((seg + 1))p" /tmp/gap-kexec.log | sed 's/^/GAP-KEXEC-LOG elfcorehdr /'
	resynced() { [ "$(dmesg | grep -c 'applied the deferred kdump image update')" -gt "$resyncs" ]; }
	end=$(($(date +%s) + 10))
	until resynced || [ "$(date +%s)" -ge "$end" ]; do sleep 0.1; done
	if resynced; then echo "GAP-RESYNC yes"; else echo "GAP-RESYNC no"; fi
fi
# crashhp_kernel=held: the kexec lock held (hold_lock_ms, released by a
# signal) from before the DIMM's blocks go offline until the removal has
# begun, so their MEM_OFFLINE updates are deferred (patched) or dropped
# (stock) and the DIMM is still in the header when try_remove_memory()
# reaches it.  The patched kernel (0007) counts the removal's own update
# (a ninth remove_memory event) before it waits for the lock, and the
# DIMM stays until the lock is released; stock counts none, and the DIMM
# goes while the lock is held.  120 s: the offline and the host's
# device_del fit in it under load (a hold that ends first fails the patched
# checks, it cannot pass them), and a kernel whose hold no signal ends
# (0001 before 2026-12-01) lets go by itself after it.
removes() { awk '$1 == "remove_memory" { print $2 }' $hooks/stats; }
removal_counted() { [ "$(removes)" -gt "$offline_removes" ]; }
removal_counted_or_gone() { removal_counted || blocks_gone; }
if grep -q crashhp_e2e=remove /proc/cmdline; then
	if [ "$kernel_e2e" = held ]; then
		echo 120000 >$hooks/hold_lock_ms &
		holder=$!
		await "the kernel holding the kexec lock (debugfs hold_lock_ms)" "$patience" dmesg_says 'holding the kexec lock'
		echo "HOLDING $(dmesg | grep -c 'holding the kexec lock')"
	fi
	for b in $dimm_blocks; do echo offline >/sys/devices/system/memory/memory$b/state; done
	[ "$kernel_e2e" != held ] || offline_removes=$(removes)
	echo "OFFLINED"
	if [ "$kernel_e2e" = held ]; then
		await "the removal's update or the DIMM gone, the lock held" "$patience" removal_counted_or_gone
		if removal_counted; then counted=yes; else counted=no; fi
		if blocks_gone; then gone=yes; else gone=no; fi
		echo "REMOVAL-WHILE-HELD counted=$counted gone=$gone"
		kill $holder
		wait $holder
	fi
	await "the DIMM's blocks gone from sysfs after device_del" "$patience" blocks_gone
	if [ "$kernel_e2e" = held ]; then
		echo "REMOVAL-WAITED $(dmesg | grep -c 'for the kexec lock to remove')"
		echo "REMOVAL-GAVE-UP $(dmesg | grep -c 'is removed before the kdump image update')"
	fi
	[ -z "$watch" ] || await "crashhp watch's lines for the DIMM's blocks removed" "$patience" watch_saw "memory remove" $dimm_blocks
	echo "REMOVED $(grep MemTotal /proc/meminfo)"
fi
if grep -q crashhp_e2e=cpu /proc/cmdline; then
	echo "READY-CPU $(cat /sys/devices/system/cpu/present)"
	if await "cpu1 in sysfs after the CPU's hot-add" "$patience" exists /sys/devices/system/cpu/cpu1/online; then
		echo 1 >/sys/devices/system/cpu/cpu1/online
		[ -z "$watch" ] || await "crashhp watch's line for cpu1 online" "$patience" watch_saw "cpu online" 1
	fi
	echo "CPU-ONLINE $(cat /sys/devices/system/cpu/online)"
fi
if [ -n "$watch" ]; then
	stop_watch
	crashhp verify --sysroot / /tmp/hdr | sed 's/^/VERIFY /'
fi
if [ -n "$kernel_e2e" ]; then
	sed 's/^/KSTATS /' /sys/kernel/debug/crash_hotplug/stats
	echo "TRYLOCK-FAILED $(dmesg | grep -c 'kexec_trylock() failed')"
	dmesg | grep -e 'crash hp' -e 'kexec' | tail -n 5 | sed 's/^/KLOG /'
	send_sysroot
fi
if [ -z "$kernel_e2e" ] && grep -q crashhp_kdump /proc/cmdline; then
	# The kdump run: the files crashhp verify reads, as they are at the crash.
	send_sysroot
fi
crashhp elfcorehdr -o /tmp/pred.hdr >/dev/null
echo "ELFCOREHDR $(crashhp inspect --json /tmp/pred.hdr | tr -d '\n')"
drain
echo c >/proc/sysrq-trigger
