#!/bin/sh
# Each public header compiles on its own, twice over (include guard), with
# -Wall -Wextra -pedantic -Werror under C11.
# usage: check-headers.sh INCLUDE_DIR CC [CC ARGS...]
set -u
inc=$1
shift
fail=0
n=0
for h in "$inc"/crashhp/*.h; do
	name=crashhp/$(basename "$h")
	n=$((n + 1))
	if printf '#include "%s"\n#include "%s"\nint crashhp_header_test;\n' "$name" "$name" |
		"$@" -std=c11 -Wall -Wextra -pedantic -Werror -I"$inc" -x c -fsyntax-only - ; then
		echo "ok   $name"
	else
		echo "FAIL $name does not compile on its own"
		fail=1
	fi
done
[ "$n" -gt 0 ] || { echo "FAIL no headers found in $inc"; fail=1; }
exit $fail
