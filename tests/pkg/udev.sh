#!/bin/sh
# The udev drop-in, judged by udev itself (udevadm test, which reads the real
# rules directories and runs PROGRAM= as udevd would, listing RUN+=): with the
# distributions' reload rules in /usr/lib/udev/rules.d (stand-ins written
# here, named and triggered as kdump-utils' 98-kexec.rules and kdump-tools'
# 50-kdump-tools.rules are, one with RUN+=, one with PROGRAM=), a CPU "add"
# runs both; after `kdump-udev-rules mask` neither; after `unmask` both
# again. An admin's file in /run is left alone, and one in /etc is reported.
# All in a private mount namespace: tmpfs over /run and the rules
# directories, the scratch install at the configured prefix.
# usage: udev.sh BUILDDIR PREFIX LIBEXECDIR
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
cat >/usr/lib/udev/rules.d/98-kexec.rules <<'R'
SUBSYSTEM=="cpu", ACTION=="add", GOTO="kdump_reload"
GOTO="kdump_reload_end"
LABEL="kdump_reload"
RUN+="/bin/true kdump-utils-reload"
LABEL="kdump_reload_end"
R
cat >/usr/lib/udev/rules.d/50-kdump-tools.rules <<'R'
SUBSYSTEM=="cpu", ACTION=="add", PROGRAM="/bin/touch /run/kdump-tools-reloaded"
R

# expect WHAT yes|no: whether a CPU add reloads through each stand-in.
expect() {
	rm -f /run/kdump-tools-reloaded
	udevadm test --action=add $cpu >/run/udevadm.out 2>&1
	if grep -q "^run: '/bin/true kdump-utils-reload'" /run/udevadm.out; then utils=yes; else utils=no; fi
	if [ -e /run/kdump-tools-reloaded ]; then tools=yes; else tools=no; fi
	if [ "\$utils" = "\$2" ] && [ "\$tools" = "\$2" ]; then
		echo "ok   \$1: 98-kexec.rules runs \$utils, 50-kdump-tools.rules runs \$tools"
	else
		grep -i 'rules\|run:' /run/udevadm.out
		echo "FAIL \$1: 98-kexec.rules runs \$utils, 50-kdump-tools.rules runs \$tools, expected \$2"
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
