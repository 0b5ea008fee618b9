#!/bin/sh
# The kernel series (kernel/series) as a maintainer receives it:
#  - scripts/checkpatch.pl --strict of the 6.12 tree reports nothing on any
#    patch (--no-signoff: the patches carry no Signed-off-by, whoever
#    submits adds theirs; FILE_PATH_CHANGES ignored: it asks whether
#    MAINTAINERS needs updating for the new kernel/crash_hotplug_test.c,
#    which the KDUMP entry's kernel/crash_*.c already covers);
#  - every patch applies to the pristine files without fuzz or offset, in
#    series order;
#  - the x86 hot-remove fix applies on its own, without the test hooks.
# usage: checkpatch.sh REPO_ROOT [KERNEL_SOURCE]
# Runs after `make kernel` (scripts/build-kernel leaves the series applied
# in build/kernel/linux-source-6.12); exits 77 (skip) when the source is not
# there.
set -eu
root=$(cd "$1" && pwd)
src=${2:-$root/build/kernel/linux-source-6.12}
series=$root/kernel/series
if [ ! -x "$src/scripts/checkpatch.pl" ] || [ ! -d "$src/.pc" ]; then
	echo "SKIP: no patched kernel source in $src (make kernel)"
	exit 77
fi
failures=0
patches=$(sed -n 's/^\([^#[:space:]][^[:space:]]*\).*/\1/p' "$series")

for p in $patches; do
	# checkpatch exits 1 on findings; the total line says what they are.
	out=$(cd "$src" && { perl scripts/checkpatch.pl --strict --no-signoff \
		--ignore FILE_PATH_CHANGES --color=never "$root/kernel/$p" 2>&1 || :; })
	total=$(echo "$out" | grep '^total:' || true)
	echo "checkpatch --strict $p: $total"
	case "$total" in
	"total: 0 errors, 0 warnings, 0 checks, "*) ;;
	*)
		echo "$out"
		failures=$((failures + 1))
		;;
	esac
done

# The pristine files: quilt keeps, for each applied patch, the files it
# touches as they were before it; the first patch that touches a file has
# its original (an empty file where the patch creates it).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for p in $(cd "$src" && QUILT_PC=.pc QUILT_PATCHES="$root/kernel" quilt applied | sed "s|.*/||"); do
	(cd "$src/.pc/$p" && find . -type f ! -name '.timestamp') | while read -r f; do
		if [ ! -e "$tmp/pristine/$f" ]; then
			mkdir -p "$(dirname "$tmp/pristine/$f")"
			cp "$src/.pc/$p/$f" "$tmp/pristine/$f"
		fi
	done
done
find "$tmp/pristine" -type f -empty -delete

applies() {   # DIR PATCH...: each applies in turn, exactly
	dir=$1
	shift
	for p in "$@"; do
		out=$(patch -p1 -d "$dir" --fuzz=0 --no-backup-if-mismatch <"$root/kernel/$p" 2>&1) || {
			echo "$out"
			return 1
		}
		if echo "$out" | grep -q -e 'offset' -e 'fuzz'; then
			echo "$out"
			return 1
		fi
	done
}

cp -r "$tmp/pristine" "$tmp/series"
# shellcheck disable=SC2086
if applies "$tmp/series" $patches; then
	echo "the series applies to the pristine source without fuzz or offset: yes"
else
	echo "the series applies to the pristine source without fuzz or offset: NO"
	failures=$((failures + 1))
fi
x86=$(echo "$patches" | grep -- '-x86-crash-' | head -n 1)
cp -r "$tmp/pristine" "$tmp/x86"
if [ -n "$x86" ] && patch -p1 -d "$tmp/x86" --fuzz=0 --no-backup-if-mismatch <"$root/kernel/$x86" >/dev/null 2>&1; then
	echo "$x86 applies on its own to the pristine source: yes"
else
	echo "the x86 fix ($x86) applies on its own to the pristine source: NO"
	failures=$((failures + 1))
fi
echo "$failures failures"
[ "$failures" -eq 0 ]
