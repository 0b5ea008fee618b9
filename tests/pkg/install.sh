#!/bin/sh
# meson install puts every piece where the configuration says, and the pieces
# name each other by their installed paths: the binary, every man page, the
# unit (its Exec*= programs are the installed ones, nothing left unsubstituted),
# the udev helper and the drop-in it links, and bash completion.
# usage: install.sh BUILDDIR SRCDIR BINDIR UNITDIR LIBEXECDIR DATADIR MANDIR
set -u
builddir=$1 srcdir=$2 bindir=$3 unitdir=$4 libexecdir=$5 datadir=$6 mandir=$7
. "$(dirname "$0")/lib.sh"
install_destdir "$builddir"

fail=0
check() { # check DESCRIPTION COMMAND...
	what=$1
	shift
	if "$@"; then
		echo "ok   $what"
	else
		echo "FAIL $what"
		fail=1
	fi
}

check "crashhp in $bindir runs" sh -c "'$dest$bindir/crashhp' --version >/dev/null"

for scd in "$srcdir"/man/*.scd; do
	page=$(basename "$scd" .scd)
	check "man page $page" test -s "$dest$mandir/man${page##*.}/$page"
done

unit=$dest$unitdir/crashhp-watch.service
check "unit in $unitdir" test -f "$unit"
check "unit: no @VARIABLE@ left" sh -c "! grep -n '@[A-Z_]*@' '$unit'"
check "unit: ExecStart is $bindir/crashhp watch" \
	grep -qx "ExecStart=$bindir/crashhp watch .*--reload auto.*" "$unit"
check "unit: Type=notify, KillMode=mixed" \
	sh -c "grep -qx 'Type=notify' '$unit' && grep -qx 'KillMode=mixed' '$unit'"
# Stopping waits for the running reload and the one more it may owe: two
# reload timeouts plus watch's 5 s from TERM to KILL for each.
timeout=$(sed -n 's/^ExecStart=.*--reload-timeout \([0-9]*\).*/\1/p' "$unit")
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$unit")
check "unit: TimeoutStopSec=${stop}s covers two reloads of --reload-timeout $timeout" \
	test "${stop:-0}" -gt "$((2 * (${timeout:-999999} + 5)))"
# Every program an Exec*= line runs is installed and executable (prefixes
# such as "-+" stripped).
grep '^Exec[A-Za-z]*=' "$unit" | sed 's/^[^=]*=[-+!@:]*//; s/ .*//' | sort -u >"$scratch/progs"
check "unit: Exec lines found" test -s "$scratch/progs"
while read -r prog; do
	check "unit runs $prog, installed" test -x "$dest$prog"
done <"$scratch/progs"

helper=$dest$libexecdir/crashhp/kdump-udev-rules
check "udev helper in $libexecdir/crashhp" test -x "$helper"
check "udev helper: no @VARIABLE@ left" sh -c "! grep -n '@[A-Z_]*@' '$helper'"
dropin=$(sed -n 's/^dropin=//p' "$helper")
check "udev drop-in the helper links ($dropin) is in $datadir/crashhp" \
	test "$dropin" = "$datadir/crashhp/kdump-reload-off.rules"
check "udev drop-in installed" test -f "$dest$dropin"
check "bash completion installed" \
	test -f "$dest$datadir/bash-completion/completions/crashhp"
exit $fail
