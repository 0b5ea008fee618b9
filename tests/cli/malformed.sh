#!/bin/sh
# Every malformed header in the corpus: `crashhp inspect` exits 3 (invalid
# input) with an error naming the field, and prints nothing on stdout.
# Under the sanitizer build any report makes the run abort and fail.
# usage: malformed.sh CRASHHP GEN_CORPUS
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
[ "$n" -ge 20 ] || { echo "FAIL only $n corpus cases"; fail=1; }
exit $fail
