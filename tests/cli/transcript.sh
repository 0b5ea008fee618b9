# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the golden CLI tests (golden.sh, live.sh): run commands into one
# transcript and compare it with the expected file.  The caller sets
# $crashhp before calling run, and may redefine mask (a filter over each
# command's output, given the command's arguments, for what varies between
# runs such as timings).

jsoncheck="$(cd "$(dirname "$0")" && pwd)/jsoncheck.py"

abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }

mask() { cat; }

# One command: the line typed, its stdout then stderr, its exit status.
# A --json (or -J) output that a strict parser refuses is marked in the
# transcript, so the comparison fails.
run() {
	echo "\$ crashhp $*"
	"$crashhp" "$@" >out 2>err
	rc=$?
	cat out err | mask "$@"
	case " $* " in
	*" --json "* | *" -J "*)
		if [ -s out ] && ! python3 "$jsoncheck" out >why; then
			echo "[INVALID JSON: $(head -n 1 why)]"
		fi
		rm -f why
		;;
	esac
	echo "[exit $rc]"
	echo
}

# usage: compare_transcript LABEL EXPECTED TRANSCRIPT
# UPDATE_GOLDEN=1 rewrites EXPECTED instead of comparing.
compare_transcript() {
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$3" "$2"
		echo "updated $2"
		return 0
	fi
	if diff -u "$2" "$3"; then
		echo "$1 transcript matches $(wc -l <"$2") lines"
	else
		echo "FAIL: $1 transcript differs (UPDATE_GOLDEN=1 to accept)"
		return 1
	fi
}
