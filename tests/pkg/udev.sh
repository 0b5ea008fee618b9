#!/bin/sh
# The udev drop-in, judged by udev itself (udevadm test, which reads the real
# rules directories, runs PROGRAM= as udevd would and logs it with the rule's
# file and line, and lists RUN+=): with the distributions' own reload rules
# in /usr/lib/udev/rules.d (the real files, tests/pkg/fixtures: kdump-utils'
# 98-kexec.rules, RUN+= kdump-udev-throttler, and Debian kdump-tools'
# 50-kdump-tools.rules, PROGRAM= kdump-config try-reload), a CPU "add" and a
# memory block "online" reach both; after `kdump-udev-rules mask` neither;
# after `unmask` both again. An admin's file in /run is left alone, and one
# in /etc is reported. All in a private mount namespace: tmpfs over /run
# and the rules directories, the scratch install at the configured prefix.
set -u
builddir=$1 prefix=$2 libexecdir=$3
. "$(dirname "$0")/lib.sh"

if ! command -v udevadm >/dev/null 2>&1; then
	echo "SKIP no udevadm (scripts/install-deps installs udev)"
	exit 77
fi
if ! can_bind "$prefix"; then
	echo "SKIP needs root, mount namespaces and an existing prefix other than /usr ($prefix)"
	exit 77
fi
cpu=/sys/devices/system/cpu/cpu0
[ -d "$cpu" ] || { echo "SKIP no $cpu"; exit 77; }
# kdump-utils' rule does nothing where the kernel updates the image itself
# (crash_hotplug 1 on the CPU or memory root device): nothing to mask there.
for d in cpu memory; do
	if [ "$(cat /sys/devices/system/$d/crash_hotplug 2>/dev/null)" = 1 ]; then
		echo "SKIP /sys/devices/system/$d/crash_hotplug is 1: kdump-utils' rule stands aside here"
		exit 77
	fi
done
memory=/sys/devices/system/memory/memory0
[ -d "$memory" ] || { echo "SKIP no $memory"; exit 77; }
fixtures=$(cd "$(dirname "$0")/fixtures" && pwd)
install_destdir "$builddir"

cat >"$scratch/inner.sh" <<INNER
set -u
helper=$libexecdir/crashhp/kdump-udev-rules
fail=0
mount -t tmpfs crashhp-test /run
for d in /usr/lib/udev/rules.d /etc/udev/rules.d /usr/local/lib/udev/rules.d; do
	[ -d "\$d" ] && mount -t tmpfs crashhp-test "\$d"
done
[ -d /usr/lib/udev/rules.d ] || { echo "FAIL no /usr/lib/udev/rules.d to mount over"; exit 1; }
cp "$fixtures/98-kexec.rules" "$fixtures/50-kdump-tools.rules" /usr/lib/udev/rules.d/

# reaches OUT ACTION DEVICE: which of the two rule files udevadm test, for
# this event, says would reload: "kdump-utils=yes|no kdump-tools=yes|no".
reaches() {
	udevadm test --action=\$2 \$3 >\$1 2>&1
	if grep -q "^run: '.*/usr/lib/udev/kdump-udev-throttler" \$1; then utils=yes; else utils=no; fi
	if grep -q "50-kdump-tools.rules:[0-9]* Running PROGRAM '/usr/sbin/kdump-config try-reload'" \$1; then
		tools=yes
	else
		tools=no
	fi
	echo "kdump-utils=\$utils kdump-tools=\$tools"
}

# expect WHAT yes|no: whether a CPU add and a memory block online reload
# through each distribution's rule.
expect() {
	got="cpu add: \$(reaches /run/cpu.out add $cpu), memory online: \$(reaches /run/mem.out online $memory)"
	want="cpu add: kdump-utils=\$2 kdump-tools=\$2, memory online: kdump-utils=\$2 kdump-tools=\$2"
	if [ "\$got" = "\$want" ]; then
		echo "ok   \$1: \$got"
	else
		grep -h -i 'rules\|run:' /run/cpu.out /run/mem.out
		echo "FAIL \$1: \$got; expected \$2 everywhere"
		fail=1
	fi
}

expect "distribution rules alone" yes
sh "\$helper" mask || { echo "FAIL mask exited \$?"; fail=1; }
expect "masked" no
sh "\$helper" mask || { echo "FAIL a second mask exited \$?"; fail=1; }
expect "masked twice" no
sh "\$helper" unmask || { echo "FAIL unmask exited \$?"; fail=1; }
expect "unmasked" yes
if [ -n "\$(ls -A /run/udev/rules.d)" ]; then
	echo "FAIL unmask left: \$(ls -A /run/udev/rules.d)"; fail=1
fi

# An admin's own file in /run is not crashhp's to replace or remove.
echo '# the admin' >/run/udev/rules.d/50-kdump-tools.rules
sh "\$helper" mask 2>/run/mask.err
if grep -q 'not crashhp' /run/mask.err && [ ! -L /run/udev/rules.d/50-kdump-tools.rules ]; then
	echo "ok   an admin's file in /run/udev/rules.d is left and reported"
else
	echo "FAIL an admin's file in /run/udev/rules.d: \$(cat /run/mask.err)"; fail=1
fi
sh "\$helper" unmask
if [ -f /run/udev/rules.d/50-kdump-tools.rules ] && [ ! -e /run/udev/rules.d/98-kexec.rules ]; then
	echo "ok   unmask removes only crashhp's links"
else
	echo "FAIL unmask: \$(ls -l /run/udev/rules.d)"; fail=1
fi
rm -f /run/udev/rules.d/50-kdump-tools.rules

# An admin's file in /etc wins over the mask: said, not hidden.
if [ -d /etc/udev/rules.d ]; then
	echo '# the admin' >/etc/udev/rules.d/98-kexec.rules
	sh "\$helper" mask 2>/run/mask.err
	if grep -q '/etc/udev/rules.d/98-kexec.rules overrides' /run/mask.err; then
		echo "ok   an admin's file in /etc/udev/rules.d is reported"
	else
		echo "FAIL an admin's file in /etc/udev/rules.d: '\$(cat /run/mask.err)'"; fail=1
	fi
	sh "\$helper" unmask
fi

if sh "\$helper" bogus 2>/dev/null; then echo "FAIL a bad verb exits 0"; fail=1; fi
if udevadm verify --help >/dev/null 2>&1; then
	if udevadm verify "\$(sed -n 's/^dropin=//p' "\$helper")"; then
		echo "ok   udevadm verify on the drop-in"
	else
		echo "FAIL udevadm verify on the drop-in"; fail=1
	fi
fi
exit \$fail
INNER
in_prefix_ns "$prefix" "sh '$scratch/inner.sh'"
