#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The generic handler names no policy (README.md, "The generic handler and its
# policies"): lib/hotplug.c includes no policy's header, and its object needs
# no symbol that a policy's object, or the registry naming them, defines.
# Usage: check-policy-deps.sh NM LIBCRASHHP.a SOURCE_ROOT
set -eu
nm=$1
lib=$2
root=$3
bad=0
policy_headers='#include "\(policies\|robust\|arch_mainline\|arch_ppc64_fdt\)\.h"'
if grep -n "$policy_headers" "$root/lib/hotplug.c"; then
	echo "lib/hotplug.c includes a policy's header" >&2
	bad=1
fi
# nm -A: "ARCHIVE:MEMBER:ADDR TYPE SYMBOL", ADDR blank for an undefined one;
# MEMBER is a path in a thin archive.
"$nm" -A "$lib" | awk '
BEGIN {
	n = split("robust.c.o robust_notes.c.o arch_mainline.c.o arch_ppc64_fdt.c.o policy.c.o", p, " ")
	for (i = 1; i <= n; i++)
		policy[p[i]] = 1
}
{
	m = $1
	sub(/:[0-9a-fA-F]*$/, "", m)
	sub(/.*[:\/]/, "", m)
	seen[m] = 1
	type = $(NF - 1)
	if (m in policy && type ~ /^[A-TV-Z]$/)
		def[$NF] = m
	if (m == "hotplug.c.o" && type == "U")
		need[$NF] = 1
}
END {
	bad = 0
	for (m in policy)
		if (!(m in seen)) {
			print "check-policy-deps: no " m " in the library (renamed? update this list)"
			bad = 1
		}
	if (!("hotplug.c.o" in seen)) {
		print "check-policy-deps: no hotplug.c.o in the library"
		bad = 1
	}
	for (s in need)
		if (s in def) {
			print "lib/hotplug.c needs " s ", which " def[s] " defines"
			bad = 1
		}
	exit bad
}' >&2 || bad=1
[ "$bad" -eq 0 ] && echo "lib/hotplug.c names no policy"
exit "$bad"
