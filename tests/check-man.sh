#!/bin/sh
# The man pages render: each has NAME, SYNOPSIS and DESCRIPTION sections, and
# every command's page (section 1) an EXIT STATUS.
set -u
fail=0
for page in "$@"; do
	sections="NAME SYNOPSIS DESCRIPTION"
	case "$page" in *.1) sections="$sections EXIT_STATUS" ;; esac
	ok=1
	for section in $sections; do
		if ! grep -q "^\.SH $(echo "$section" | tr _ ' ')" "$page"; then
			echo "FAIL $(basename "$page"): no $section section"
			ok=0
			fail=1
		fi
	done
	[ "$ok" = 1 ] && echo "ok   $(basename "$page")"
done
[ "$#" -gt 0 ] || { echo "FAIL no man pages given"; fail=1; }
exit $fail
