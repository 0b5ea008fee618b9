#!/bin/sh
# systemd-analyze verify on the installed crashhp-watch.service: clean means
# no output at all (it prints warnings such as an unknown key and still exits
# 0). The unit is checked as installed, its ExecStart, ExecStartPost and
# Documentation= pages resolved at their real paths: a mount namespace puts
# the scratch install at the configured prefix.
# usage: unit-verify.sh BUILDDIR PREFIX UNITDIR MANDIR
set -u
builddir=$1 prefix=$2 unitdir=$3 mandir=$4
. "$(dirname "$0")/lib.sh"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP no systemd-analyze (scripts/install-deps installs systemd)"
	exit 77
fi
if ! can_bind "$prefix"; then
	echo "SKIP needs root, mount namespaces and an existing prefix other than /usr ($prefix)"
	exit 77
fi
install_destdir "$builddir"
unit=$dest$unitdir/crashhp-watch.service
[ -f "$unit" ] || { echo "FAIL no $unit"; exit 1; }
in_prefix_ns "$prefix" "MANPATH='$mandir' systemd-analyze verify '$unit'" >"$scratch/verify.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] || [ -s "$scratch/verify.out" ]; then
	cat "$scratch/verify.out"
	echo "FAIL systemd-analyze verify crashhp-watch.service: exit $rc, output above"
	exit 1
fi
echo "ok   systemd-analyze verify crashhp-watch.service: clean"
