#!/bin/sh
# Replay the fuzz target over the malformed corpus, the valid cores, and every
# truncation of them; under the sanitizer build any report fails the test.
# usage: fuzz-replay.sh REPLAY GEN_CORPUS
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$2" "$dir" || exit 1
# shellcheck disable=SC2046
"$1" "$dir"/*.core
