#!/bin/sh
# Every malformed header in the corpus: `crashhp inspect` exits 3 (invalid
# input) with an error naming the field, and prints nothing on stdout.
# Under the sanitizer build any report makes the run abort and fail.
# A PN_XNUM elfcorehdr of 70001 headers is read whole, as readelf does, but
# verify says what a capture kernel's vmcore.c does: it reads e_phnum, 65535.
# usage: malformed.sh CRASHHP GEN_CORPUS SOURCE_ROOT
set -u
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
crashhp=$(abs "$1")
gen=$(abs "$2")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$gen" "$dir" || exit 1
fail=0
n=0
while IFS="$(printf '\t')" read -r name expect; do
	n=$((n + 1))
	out=$(cd "$dir" && "$crashhp" inspect "$name.core" 2>"$dir/err")
	rc=$?
	err=$(cat "$dir/err")
	if [ "$rc" -ne 3 ]; then
		echo "FAIL $name: exit $rc, expected 3 ($err)"; fail=1; continue
	fi
	case "$err" in
	"crashhp: $name.core: "*"$expect"*) ;;
	*) echo "FAIL $name: error '$err' lacks '$expect'"; fail=1; continue ;;
	esac
	if [ -n "$out" ]; then
		echo "FAIL $name: printed on stdout: $out"; fail=1; continue
	fi
	echo "ok   $name: $err"
done < "$dir/cases.txt"
for good in valid pn-xnum; do
	if ! (cd "$dir" && "$crashhp" inspect --json "$good.core" >/dev/null); then
		echo "FAIL $good.core was rejected"; fail=1
	else
		echo "ok   $good.core accepted"
	fi
done
sh "$3/tests/fixtures/mksysroot.sh" vm-dimms "$dir/vm" || exit 1
out=$(cd "$dir" && "$crashhp" verify --json --sysroot vm pn-xnum.core 2>"$dir/err")
rc=$?
want='"detail": "e_phnum PN_XNUM, 70001 headers in section 0'"'"'s sh_info: vmcore.c reads e_phnum as it is (65535): headers 65535-70000 are not in /proc/vmcore"'
# Header 0 is the NOTE; LOADs 1-65534 of 4 KiB each are what vmcore.c reads.
if [ "$rc" -ne 1 ] || [ -s "$dir/err" ]; then
	echo "FAIL verify pn-xnum.core: exit $rc, expected 1 ($(cat "$dir/err"))"; fail=1
elif ! printf '%s\n' "$out" | grep -qF "$want"; then
	echo "FAIL verify pn-xnum.core: no PN_XNUM finding"; fail=1
elif ! printf '%s\n' "$out" | grep -qF '"covered_bytes": 268427264,'; then
	echo "FAIL verify pn-xnum.core: covered is not the 65534 LOADs vmcore.c reads"; fail=1
else
	echo "ok   verify pn-xnum.core: headers 65535-70000 not in /proc/vmcore, 65534 LOADs covered"
fi
[ "$n" -ge 20 ] || { echo "FAIL only $n corpus cases"; fail=1; }
exit $fail
