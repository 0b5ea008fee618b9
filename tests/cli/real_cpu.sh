#!/bin/sh
# The real thing: crashhp watch following this machine's cpu1 through the
# kernel's uevents.
#  1. The startup race: cpu1 goes offline after watch's socket is open and
#     before it reads the machine (CRASHHP_WATCH_TEST_AFTER_OPEN); its view
#     must say offline, as sysfs does.
#  2. Online again: the event reported within 100 ms.
#  3. A synthetic "add" (what udevadm trigger sends): no change, no reload.
#  4. Watch stopped (SIGSTOP) through CYCLES offline/online cycles, then
#     continued: its SIGUSR1 view equals sysfs.  A second watch with a 4 KiB
#     receive buffer overflows (ENOBUFS) and must resynchronise to the same.
# Every wait is on a line watch prints; none sleeps for a fixed time.
# Skipped (exit 77) unless root with a writable cpu1/online.
# usage: real_cpu.sh CRASHHP [CYCLES]
set -u
crashhp=$1
cycles=${2:-300}
cpu=/sys/devices/system/cpu
online=$cpu/cpu1/online
if [ "$(id -u)" != 0 ] || [ ! -w "$online" ] || [ "$(cat "$online" 2>/dev/null)" != 1 ]; then
	echo "SKIP: needs root and a writable, online $online"
	exit 77
fi
dir=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do
		kill -CONT "$p" 2>/dev/null
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	echo 1 >"$online" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

# wait_for FILE PATTERN [COUNT]: until FILE has COUNT lines matching PATTERN
# (default 1), bounded at 120 s; polls the file watch writes.
wait_for() {
	n=0
	while [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -lt "${3:-1}" ]; do
		n=$((n + 1))
		[ "$n" -gt "${WAIT_LIMIT:-12000}" ] && { echo "FAIL timed out waiting for '$2' in $1"; cat "$1"; return 1; }
		sleep 0.01
	done
}

# The view's field, from watch's JSON line.
field() { sed -n "s/.*\"$2\": \"\([^\"]*\)\".*/\1/p" "$1" | tail -n 1; }

# sysfs's memory blocks in a state, in the kernel's list format (0-3,8).
blocks() {
	for d in /sys/devices/system/memory/memory*; do
		[ "$(cat "$d/state" 2>/dev/null)" = "$1" ] && echo "${d##*memory}"
	done | sort -n | awk '
		function flush() { if (n) out = out (out == "" ? "" : ",") (first == last ? first : first "-" last) }
		{ if (n && $1 == last + 1) { last = $1; next }
		  flush(); first = last = $1; n = 1 }
		END { flush(); print out }'
}

compare_view() { # FILE LABEL
	kill -USR1 "$3"
	wait_for "$1" '"view"' "$4" || { bad "$2: no view"; return; }
	v_cpus=$(field "$1" cpus_online)
	v_on=$(field "$1" memory_online)
	v_off=$(field "$1" memory_offline)
	s_cpus=$(cat $cpu/online)
	s_on=$(blocks online)
	s_off=$(blocks offline)
	if [ "$v_cpus" = "$s_cpus" ] && [ "$v_on" = "$s_on" ] && [ "$v_off" = "$s_off" ]; then
		ok "$2: the view equals sysfs (cpus online $s_cpus; memory online $s_on; offline '${s_off}')"
	else
		bad "$2: view cpus $v_cpus, memory $v_on / '$v_off'; sysfs cpus $s_cpus, memory $s_on / '$s_off'"
	fi
}

out=$dir/watch.out
log=$dir/reloads
CRASHHP_WATCH_TEST_AFTER_OPEN="echo 0 >$online" \
	"$crashhp" watch --json --reload "echo r >>$log" >"$out" 2>"$dir/watch.err" &
pid=$!
pids="$pid"
out2=$dir/small.out
"$crashhp" watch --json --receive-buffer 4K >"$out2" 2>"$dir/small.err" &
pid2=$!
pids="$pids $pid2"
wait_for "$out" '"ready"' || exit 1
wait_for "$out2" '"ready"' || exit 1

# 1. The race: the offline happened between socket and read.
wait_for "$out" '"event": "cpu offline", "index": 1,' || exit 1
line=$(grep '"event": "cpu offline", "index": 1,' "$out" | head -n 1)
case "$line" in
*'"changed": false'*) ok "the queued offline is one the snapshot already shows: no change" ;;
*) bad "the queued offline changed the model: $line" ;;
esac
compare_view "$out" "startup race (cpu1 offlined between socket and read)" "$pid" 1

# 2. Online again.
echo 1 >"$online" || { bad "could not online cpu1"; exit 1; }
wait_for "$out" '"event": "cpu online", "index": 1,' || exit 1
line=$(grep '"event": "cpu online", "index": 1,' "$out" | head -n 1)
us=$(echo "$line" | sed 's/.*"latency_us": \([0-9.]*\).*/\1/')
if awk -v us="$us" 'BEGIN { exit !(us < 100000) }'; then
	ok "cpu online of cpu1 reported in $us us"
else
	bad "cpu online took $us us"
fi

# 3. A synthetic add, as udevadm trigger --action=add writes it.
echo add >$cpu/cpu1/uevent
wait_for "$out" '"event": "cpu add", "index": 1,' || exit 1
line=$(grep '"event": "cpu add", "index": 1,' "$out" | head -n 1)
case "$line" in
*'"changed": false'*'"reload": false'*) ok "synthetic add of present cpu1: no change, no reload" ;;
*) bad "synthetic add: $line" ;;
esac

# 4. Stopped through the cycles.
kill -STOP "$pid" "$pid2"
start=$(date +%s.%N)
i=0
while [ "$i" -lt "$cycles" ]; do
	echo 0 >"$online" && echo 1 >"$online" || { bad "cycle $i failed"; break; }
	i=$((i + 1))
done
end=$(date +%s.%N)
echo "  $cycles cycles in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s"
# A last synthetic add marks the end of what the kernel sent.
echo add >$cpu/cpu1/uevent
kill -CONT "$pid" "$pid2"
wait_for "$out" '"event": "cpu add", "index": 1,' 2 || exit 1
compare_view "$out" "after $cycles cycles while stopped" "$pid" 2
events=$(grep -c '"event": "cpu o' "$out")
if [ "$events" = $((2 * cycles + 2)) ] && ! grep -q '"resync"' "$out"; then
	ok "default buffer: all $events cpu online/offline events seen, no resync needed"
else
	bad "default buffer: $events of $((2 * cycles + 2)) cpu online/offline events, $(grep -c '"resync"' "$out") resyncs"
fi
# The small buffer lost messages, the marker among them: once it has
# resynchronised, a second marker shows it has read all there is.
wait_for "$out2" '"resync"' || exit 1
echo add >$cpu/cpu1/uevent
wait_for "$out2" '"event": "cpu add", "index": 1,' 2 || exit 1
if grep -q '"resync": "uevent: the kernel dropped messages (ENOBUFS)' "$out2"; then
	ok "4 KiB receive buffer: ENOBUFS, resynchronised"
else
	bad "4 KiB receive buffer: no ENOBUFS resync ($(grep -c '"event"' "$out2") events)"
fi
compare_view "$out2" "4 KiB buffer, after $cycles cycles" "$pid2" 1
echo "  4 KiB buffer: $(grep -c '"event": "cpu o' "$out2") events seen, $(grep -c '"resync"' "$out2") resyncs"

kill -TERM "$pid" "$pid2"
wait "$pid"
rc=$?
wait "$pid2"
pids=""
[ "$rc" = 0 ] && ok "watch exits 0 on SIGTERM" || bad "watch exited $rc"
[ "$fail" = 0 ] || { echo "--- watch:"; tail -n 20 "$out" "$dir/watch.err" "$out2"; }
exit $fail
