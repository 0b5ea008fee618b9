#!/bin/sh
# bash completion: the file parses (bash -n), completes words as a user types
# them, and offers every long option the man pages document for each command
# (so a new option cannot be forgotten).
# usage: completion.sh COMPLETION-FILE MANDIR-OF-SOURCES
set -u
file=$1 mandir=$2
command -v bash >/dev/null 2>&1 || { echo "SKIP no bash"; exit 77; }
bash -n "$file" || { echo "FAIL bash -n $file"; exit 1; }

exec bash -c '
file=$1 mandir=$2
. "$file"
fail=0
scratch=$(mktemp -d "${TMPDIR:-/tmp}/crashhp-compl.XXXXXX")
trap "rm -rf \"\$scratch\"" EXIT
mkdir "$scratch/fixture" && : >"$scratch/fixfile"

# complete "LINE" EXPECTED...: the words offered for the last word of LINE.
complete_line() {
	line=$1
	shift
	read -r -a COMP_WORDS <<<"$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_crashhp 2>/dev/null
	got=$(printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " ")
	want=$(printf "%s\n" "$@" | sort | tr "\n" " ")
	if [[ $got == "$want" ]]; then
		echo "ok   \"$line\" -> $got"
	else
		echo "FAIL \"$line\" -> \"$got\", expected \"$want\""
		fail=1
	fi
}

complete_line "crashhp " elfcorehdr help inspect sim status verify watch --help --version -V
complete_line "crashhp help s" sim status
complete_line "crashhp wa" watch
complete_line "crashhp --version s" sim status
complete_line "crashhp watch --rel" --reload --reload-timeout --reload-retries
complete_line "crashhp watch --reload " auto
complete_line "crashhp watch --count " ""
complete_line "crashhp inspect --kind v" vmcore
complete_line "crashhp sim --load seg" segments segments-hotplug
complete_line "crashhp sim --arch ppc" ppc64le ppc64
complete_line "crashhp status --" --sysroot --json --output --raw --bytes --noheadings --help
complete_line "crashhp status -o RANGE,ST" RANGE,START RANGE,STATE
complete_line "crashhp elfcorehdr --columns S" SIZE START
complete_line "crashhp status --sysroot $scratch/fi" "$scratch/fixture"
complete_line "crashhp inspect $scratch/fixf" "$scratch/fixfile"

# Every long option a command page documents is offered for that command.
for page in "$mandir"/crashhp-*.1.scd; do
	cmd=${page##*/crashhp-}
	cmd=${cmd%.1.scd}
	COMP_WORDS=(crashhp "$cmd" --)
	COMP_CWORD=2
	COMPREPLY=()
	_crashhp 2>/dev/null
	offered=" ${COMPREPLY[*]} "
	for opt in $(grep -o "^\*--[a-z-]*\*\|, \*--[a-z-]*\*" "$page" | grep -o -- "--[a-z-]*" | sort -u); do
		if [[ $offered != *" $opt "* ]]; then
			echo "FAIL crashhp $cmd: $opt documented in ${page##*/}, not completed"
			fail=1
		fi
	done
	echo "ok   crashhp $cmd: options in ${page##*/} checked"
done
exit $fail
' bash "$file" "$mandir"
