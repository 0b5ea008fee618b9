#!/bin/sh
# Replay the fuzz target over the malformed corpus, the valid cores, the
# inputs fuzzing once found (fuzz/regressions/elfcore), and every truncation
# of them; under the sanitizer build any report fails the test.
# usage: fuzz-replay.sh REPLAY GEN_CORPUS SOURCE_ROOT
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$2" "$dir" || exit 1
for f in "$3"/fuzz/regressions/elfcore/*; do
	[ -f "$f" ] && cp "$f" "$dir/regression-$(basename "$f").core"
done
# shellcheck disable=SC2046
"$1" "$dir"/*.core
