#!/bin/sh
# Replay the text fuzz target (uevent, scenario, CPU list, /proc/iomem) over
# its seeds, the inputs fuzzing once found (fuzz/regressions/text), and every
# truncation of them; under the sanitizer build any report fails the test.
# usage: fuzz-text-replay.sh REPLAY SOURCE_ROOT
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sh "$2/fuzz/seed-text.sh" "$dir" "$2" || exit 1
for f in "$2"/fuzz/regressions/text/*; do
	[ -f "$f" ] && cp "$f" "$dir/regression-$(basename "$f")"
done
"$1" "$dir"/*
