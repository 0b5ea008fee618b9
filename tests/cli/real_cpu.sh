#!/bin/sh
# The real thing: offline and online cpu1 on this machine while crashhp watch
# follows the kernel's uevents; both events must be reported within 100 ms.
# Skipped (exit 77) unless root with a writable cpu1/online.
# usage: real_cpu.sh CRASHHP
set -u
crashhp=$1
online=/sys/devices/system/cpu/cpu1/online
if [ "$(id -u)" != 0 ] || [ ! -w "$online" ] || [ "$(cat "$online" 2>/dev/null)" != 1 ]; then
	echo "SKIP: needs root and a writable, online $online"
	exit 77
fi
out=$(mktemp)
"$crashhp" watch --json >"$out" 2>&1 &
pid=$!
trap 'kill -INT $pid 2>/dev/null; echo 1 >"$online" 2>/dev/null; rm -f "$out"' EXIT
# Wait for a line in watch's output (a handshake, not a guess: under a
# sanitizer on a loaded machine watch takes longer than any fixed sleep).
await() {
	tries=0
	until grep -q "$1" "$out"; do
		tries=$((tries + 1))
		[ $tries -le 300 ] || { cat "$out"; echo "FAIL: no '$1' from watch in 30 s"; exit 1; }
		sleep 0.1
	done
}
await '"watching"'
echo 0 >"$online" || { echo "FAIL: could not offline cpu1"; exit 1; }
await '"event": "cpu offline", "index": 1,'
echo 1 >"$online" || { echo "FAIL: could not online cpu1"; exit 1; }
await '"event": "cpu online", "index": 1,'
kill -INT $pid
wait $pid
cat "$out"
fail=0
for ev in "cpu offline" "cpu online"; do
	line=$(grep "\"event\": \"$ev\", \"index\": 1," "$out" | head -n 1)
	if [ -z "$line" ]; then
		echo "FAIL: no '$ev' event for cpu1"
		fail=1
		continue
	fi
	us=$(echo "$line" | sed 's/.*"latency_us": \([0-9.]*\).*/\1/')
	if awk -v us="$us" 'BEGIN { exit !(us < 100000) }'; then
		echo "ok   $ev of cpu1 reported in $us us"
	else
		echo "FAIL: $ev took $us us"
		fail=1
	fi
done
exit $fail
