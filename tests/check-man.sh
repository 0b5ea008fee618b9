#!/bin/sh
# The man pages render: each has NAME, SYNOPSIS and DESCRIPTION sections, and
# every command's page (section 1) an EXIT STATUS and EXAMPLES as literal
# blocks; every page of sections 1 and 8 names kdumpctl(8), kdump-config(8),
# lsmem(1), makedumpfile(8) and crash(8) under SEE ALSO.
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
	case "$page" in
	*.1 | *.8)
		# Examples are literal blocks (scdoc's ``` renders .nf ... .fi): a
		# command line must not be filled into a paragraph.
		examples=$(awk '/^\.SH EXAMPLES/ { p = 1; next } /^\.SH / { p = 0 } p' "$page")
		if [ -n "$examples" ] && { ! printf '%s\n' "$examples" | grep -q '^\.nf' ||
			printf '%s\n' "$examples" | grep -q '^\.br'; }; then
			echo "FAIL $(basename "$page"): EXAMPLES not literal blocks (.nf)"
			ok=0
			fail=1
		fi
		see=$(awk '/^\.SH SEE ALSO/ { p = 1; next } /^\.SH / { p = 0 } p' "$page")
		for ref in kdumpctl kdump-config lsmem makedumpfile crash; do
			if ! printf '%s\n' "$see" | grep -qF "\\fB$ref\\fR("; then
				echo "FAIL $(basename "$page"): SEE ALSO lacks $ref"
				ok=0
				fail=1
			fi
		done
		;;
	esac
	case "$page" in
	*.1)
		if ! grep -q '^\.SH EXAMPLES' "$page"; then
			echo "FAIL $(basename "$page"): no EXAMPLES section"
			ok=0
			fail=1
		fi
		;;
	esac
	[ "$ok" = 1 ] && echo "ok   $(basename "$page")"
done
[ "$#" -gt 0 ] || { echo "FAIL no man pages given"; fail=1; }
exit $fail
