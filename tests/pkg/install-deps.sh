#!/bin/sh
# scripts/install-deps on a system without apt-get or dpkg (a PATH that hides
# them): it installs nothing, names the packages to install by hand, says how
# to go on, and exits 1; an unknown option exits 2.
# usage: install-deps.sh SCRIPT
set -u
script=$1
scratch=$(mktemp -d "${TMPDIR:-/tmp}/crashhp-deps.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
fail=0

# run NAME PATHDIR ARGS...: the script under PATH=PATHDIR; $rc and $scratch/err.
run() {
	name=$1 path=$2
	shift 2
	env PATH="$path" /bin/sh "$script" "$@" >"$scratch/out" 2>"$scratch/err"
	rc=$?
}
expect() { # expect DESCRIPTION COMMAND...
	what=$1
	shift
	if "$@"; then echo "ok   $name: $what"; else echo "FAIL $name: $what"; cat "$scratch/err"; fail=1; fi
}

mkdir "$scratch/none" "$scratch/dpkg-only" "$scratch/apt-only"
for tool in dpkg-query dpkg; do
	p=$(command -v "$tool") && ln -s "$p" "$scratch/dpkg-only/$tool"
done
p=$(command -v apt-get) && ln -s "$p" "$scratch/apt-only/apt-get"

for dir in none dpkg-only apt-only; do
	run "PATH with $dir" "$scratch/$dir"
	expect "exit 1" test "$rc" -eq 1
	expect "says why" grep -q "no apt-get or dpkg-query here, so nothing was installed" "$scratch/err"
	expect "names meson, libsmartcols-dev, systemd" \
		sh -c "grep -qx '  meson' '$scratch/err' && grep -qx '  libsmartcols-dev' '$scratch/err' && grep -qx '  systemd' '$scratch/err'"
	expect "says how to go on" grep -q "SKIP_DEPS=1" "$scratch/err"
	expect "nothing on stdout" test ! -s "$scratch/out"
done

run "--deb without apt" "$scratch/none" --deb
expect "names debhelper and lintian" \
	sh -c "grep -qx '  debhelper' '$scratch/err' && grep -qx '  lintian' '$scratch/err'"
run "--qemu without apt" "$scratch/none" --qemu
expect "names qemu-system-x86" grep -qx '  qemu-system-x86' "$scratch/err"
run "unknown option" "$scratch/none" --bogus
expect "exit 2 naming it" sh -c "[ $rc -eq 2 ] && grep -q \"unknown option '--bogus'\" '$scratch/err'"
exit $fail
