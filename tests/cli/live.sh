#!/bin/sh
# Golden transcript of the live commands (status, elfcorehdr, verify, inspect)
# over the project's own sysroot fixtures, and readelf's view of a header
# built from one.  UPDATE_GOLDEN=1 rewrites tests/cli/expected/live.out.
# usage: live.sh CRASHHP
set -u
. "$(cd "$(dirname "$0")" && pwd)/transcript.sh"
crashhp=$(abs "$1")
here="$(cd "$(dirname "$0")" && pwd)"
expected="$here/expected/live.out"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
hostile="hostile-phys-index hostile-kernel-max hostile-notes-address hostile-fifo hostile-link-out hostile-escape"
for f in vm-dimms holes-no-hotplug unprivileged no-online-files $hostile; do
	sh "$here/../fixtures/mksysroot.sh" "$f" "$f" || exit 1
done
# A vmcore whose PT_NOTE claims 1 GiB (a sparse file holds it): verify, like
# inspect, decodes no more than 64 MiB of notes.
python3 - <<'EOF'
import struct
G = 1 << 30
eh = b'\x7fELF' + bytes([2, 1, 1, 0]) + bytes(8) + struct.pack('<HHIQQQIHHHHHH', 4, 62, 1, 0, 64, 0, 0, 64, 56, 2, 0, 0, 0)
note = struct.pack('<IIQQQQQQ', 4, 0, 0x1000, 0, 0, G, G, 0)
load = struct.pack('<IIQQQQQQ', 1, 7, 0x1000 + G, 0xffff888000100000, 0x100000, 0x1000, 0x1000, 0)
with open('bignote.core', 'wb') as f:
    f.write(eh + note + load)
    f.truncate(0x2000 + G)
EOF

{
	run status --help
	run elfcorehdr --help
	run verify --help
	for f in vm-dimms holes-no-hotplug unprivileged no-online-files; do
		run status --sysroot "$f"
	done
	run status --sysroot vm-dimms --json
	run status --sysroot /nonexistent
	run elfcorehdr --sysroot vm-dimms -o vm.hdr
	run elfcorehdr --sysroot vm-dimms --exact -o vm-exact.hdr
	run elfcorehdr --sysroot holes-no-hotplug --json
	run elfcorehdr --sysroot unprivileged -o never.hdr
	run elfcorehdr --sysroot no-online-files
	run verify --against vm-dimms vm.hdr
	run verify --against vm-dimms vm-exact.hdr
	run verify --against holes-no-hotplug --json vm-exact.hdr
	run verify --against vm-dimms missing.hdr
	run inspect vm-exact.hdr
	# Hostile sysroots: each refused with the file named, exit 3, at once.
	for f in $hostile; do
		run status --sysroot "$f"
	done
	run elfcorehdr --sysroot hostile-kernel-max -o never.hdr
	run verify --against vm-dimms bignote.core
	echo "\$ readelf -lW vm-exact.hdr | grep -c LOAD"
	readelf -lW vm-exact.hdr | grep -c LOAD
	run watch --help
	run watch --reload-timeout 0
	run watch --reload-retries many
	run watch --receive-buffer 1
	run watch stray
	# No kdump tool in an empty PATH: refused before anything is opened.
	mkdir emptybin
	echo "\$ PATH=emptybin crashhp watch --reload auto"
	PATH=emptybin "$crashhp" watch --reload auto
	echo "[exit $?]"
	echo
	# READY, the header written, then a stream that is no socket: exit 4.
	run watch --sysroot vm-dimms -o watch.hdr --uevent-fd 3 3</dev/null
	echo "files left: $(ls -d *.hdr | tr '\n' ' ')"
	rm -f bignote.core
} >transcript 2>&1

compare_transcript live "$expected" transcript
