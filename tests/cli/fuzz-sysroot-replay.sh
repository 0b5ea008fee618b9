#!/bin/sh
# Replay the sysroot fuzz target (a tree of files -> machine -> header ->
# verify) over its seeds (the fixtures, hostile ones included, and the real
# dumps in ../shared/data when present), the inputs fuzzing once found
# (fuzz/regressions/sysroot), and every truncation of them; under the
# sanitizer build any report fails the test.
# usage: fuzz-sysroot-replay.sh REPLAY SOURCE_ROOT
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 "$2/fuzz/seed-sysroot.py" "$dir" "$2" || exit 1
for f in "$2"/fuzz/regressions/sysroot/*; do
	[ -f "$f" ] && cp "$f" "$dir/regression-$(basename "$f")"
done
# Each tree is hundreds of files: 64 truncations of each, not one per 7 bytes.
"$1" --cuts=64 "$dir"/*
