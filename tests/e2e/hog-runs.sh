#!/bin/sh
# The real-kernel e2e under a CPU hog (issue 8, point 6): a fresh clone of
# SOURCE's committed HEAD, built, then `make e2e` N times in a row while two
# busy loops (one per core of the project's 2-core machines, not niced) keep
# the cores loaded.  Each run's verdict, wall time and the load average are
# printed; the hog is always stopped, however the script ends.  Uncommitted
# changes are not in the clone.
#
# usage: tests/e2e/hog-runs.sh [N [SOURCE]]     (make e2e-hog N=5)
#   N       runs (default 5)
#   SOURCE  a git repository (default: the one this script is in)
#   E2E_DEBS=DIR  linux-image-*.deb files to put in the clone's build/e2e
#           (amd64) and build/e2e-ppc64 (ppc64el) beforehand, so no run
#           downloads the kernels (~170 + 80 MB)
#   HOGS=K  busy loops (default 2)
# Exit status: 0 every run green, 1 a run failed, 2 the clone or build failed.
set -u
n=${1:-5}
here=$(cd "$(dirname "$0")" && pwd)
src=${2:-$(git -C "$here" rev-parse --show-toplevel)}
hogs=${HOGS:-2}
case "$n$hogs" in *[!0-9]*) echo "hog-runs: N and HOGS are counts" >&2; exit 2 ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/crashhp-hog.XXXXXX")
pids=""
e2e=""
stop_hog() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	pids=""
}
# A signal ends the run under way too: make e2e runs in its own process
# group (setsid), all of it ended, QEMU included.
stop_all() {
	[ -z "$e2e" ] || kill -TERM "-$e2e" 2>/dev/null
	stop_hog
}
trap stop_hog EXIT
trap 'stop_all; exit 130' INT TERM HUP

say() { echo "hog-runs: $*"; }

if ! git clone -q "$src" "$work/clone"; then
	say "git clone $src failed"
	exit 2
fi
cd "$work/clone" || exit 2
say "fresh clone of $src at $(git log -1 --format='%h %s' | cut -c1-72) in $work/clone"
if ! nice -n 10 make all >"$work/build.log" 2>&1; then
	tail -n 20 "$work/build.log"
	say "the build failed ($work/build.log)"
	exit 2
fi
if [ -n "${E2E_DEBS:-}" ]; then
	mkdir -p build/e2e build/e2e-ppc64
	for deb in "$E2E_DEBS"/linux-image-*.deb; do
		case $deb in
		*_ppc64el.deb) cp "$deb" build/e2e-ppc64/ ;;
		*) cp "$deb" build/e2e/ ;;
		esac || exit 2
	done
fi

i=0
while [ $i -lt "$hogs" ]; do
	sh -c 'while :; do :; done' &
	pids="$pids $!"
	i=$((i + 1))
done
say "$hogs busy loops running (pids$pids); load average $(cut -d' ' -f1-3 /proc/loadavg)"

failed=0
run=1
while [ "$run" -le "$n" ]; do
	log=$work/e2e-$run.log
	t0=$(date +%s)
	# In the background, waited for: a signal to this script is handled at once.
	setsid make e2e >"$log" 2>&1 &
	e2e=$!
	wait "$e2e"
	rc=$?
	e2e=""
	t1=$(date +%s)
	# make e2e's two verdicts: x86_64's, then ppc64's.
	verdict=$(grep -E '^[0-9]+ e2e(-ppc64)? failures' "$log" | paste -sd';' -)
	if [ $rc -eq 0 ]; then result=green; else result=FAILED; failed=$((failed + 1)); fi
	say "run $run/$n: $result (make e2e exit $rc; ${verdict:-no verdict line}) in $((t1 - t0)) s;" \
		"load average after $(cut -d' ' -f1-3 /proc/loadavg); log $log"
	if [ $rc -ne 0 ]; then
		grep -E 'NO|TIMEOUT|FAIL|Traceback|e2e:' "$log" | head -n 20 | sed 's/^/    /'
	fi
	run=$((run + 1))
done
stop_hog
say "$((n - failed)) of $n runs green under $hogs busy loops; logs in $work"
[ $failed -eq 0 ]
