#!/bin/sh
# The man pages render: each has NAME and SYNOPSIS sections and an EXIT STATUS.
set -u
fail=0
for page in "$@"; do
	for section in NAME SYNOPSIS "EXIT STATUS"; do
		if ! grep -q "^\.SH $section" "$page"; then
			echo "FAIL $(basename "$page"): no $section section"
			fail=1
		fi
	done
	[ "$fail" = 0 ] && echo "ok   $(basename "$page")"
done
exit $fail
