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
fixtures="vm-dimms holes-no-hotplug unprivileged no-online-files kexec-load-debian kexec-load-fedora
	  fadump-ppc64 fadump-hotplug server-2s server-2s-novmci"
for f in $fixtures $hostile; do
	sh "$here/../fixtures/mksysroot.sh" "$f" "$f" || exit 1
done
# fadump enabled but not registered: nothing preserves memory at a crash
cp -r fadump-hotplug fadump-off && echo 0 >fadump-off/sys/kernel/fadump/registered
# a fadump file that is neither 0 nor 1 is malformed
cp -r fadump-hotplug fadump-bad && echo yes >fadump-bad/sys/kernel/fadump/hotplug_ready
# kexec_crash_size as a kernel before 6.5 counts it (crashk_res, the high
# region alone), and 0 though /proc/iomem lists the regions (read apart)
cp -r server-2s server-old && echo 1073741824 >server-old/sys/kernel/kexec/crash_size
cp -r server-2s server-zero && echo 0 >server-zero/sys/kernel/kexec/crash_size
# the machine of vm-dimms, read where crash_notes are not shown
cp -r vm-dimms vm-nonotes && rm vm-nonotes/sys/devices/system/cpu/cpu*/crash_notes*
mkdir empty
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
	# exit 0 ready, 6 ready but stale after hotplug, 7 not ready
	for f in $fixtures fadump-off; do
		run status --sysroot "$f"
	done
	run status --sysroot vm-dimms --json
	run status --sysroot kexec-load-debian --json
	run status --sysroot fadump-ppc64 --json
	run status --sysroot fadump-bad
	run status --sysroot server-old
	run status --sysroot server-zero
	# The memory table with lsmem's options (realdata.py compares with lsmem itself).
	run status --sysroot vm-dimms -r -n -b -o RANGE,SIZE,STATE,REMOVABLE,BLOCK
	run status --sysroot vm-dimms -o +START,END
	run status --sysroot vm-dimms -J -b -o range,size,block
	run status --sysroot vm-dimms -o RANGE,NODE
	run status --sysroot /nonexistent
	run status --sysroot empty
	run elfcorehdr --sysroot vm-dimms -o vm.hdr
	run elfcorehdr --sysroot vm-dimms --exact -o vm-exact.hdr
	run elfcorehdr --sysroot holes-no-hotplug --json
	run elfcorehdr --sysroot vm-dimms -J -b --columns range,size,start,end
	run elfcorehdr --sysroot vm-dimms -r -n -b --columns +START
	run elfcorehdr --sysroot vm-dimms --columns SIZE,NODE
	run elfcorehdr --sysroot unprivileged -o never.hdr
	run elfcorehdr --sysroot no-online-files
	# A two-socket server: nested kmem and virtio_mem RAM in the header, the
	# kernel above 4 GiB at the non-randomized _text, no PT_NOTE of size 0
	# (without vmcoreinfo the note is left out, with a warning), as readelf
	# and eu-readelf read them.
	run elfcorehdr --sysroot server-2s -o server.hdr
	run elfcorehdr --sysroot server-2s-novmci --json -o server-novmci.hdr
	run verify --sysroot server-2s server.hdr
	for h in server.hdr server-novmci.hdr; do
		echo "\$ readelf -lW $h | NOTE sizes, counted; LOADs"
		readelf -lW "$h" | awk '$1 == "NOTE" { print $5, $6 }' | sort | uniq -c
		readelf -lW "$h" | awk '$1 == "LOAD" { print $2, $3, $4, $6 }'
		echo "\$ eu-readelf -l $h | NOTEs of size 0"
		eu-readelf -l "$h" | awk '$1 == "NOTE" && ($5 ~ /^0x0+$/ || $6 ~ /^0x0+$/)' | wc -l
	done
	# offline memory the kernel's rule keeps: a note, exit 0
	run verify --sysroot vm-dimms vm.hdr
	run verify --sysroot vm-dimms --json vm.hdr
	run verify --against vm-dimms vm-exact.hdr
	run verify --sysroot holes-no-hotplug --json vm-exact.hdr
	# CPU notes this machine does not show: cannot be checked, exit 0
	run verify --sysroot vm-nonotes vm.hdr
	run verify --sysroot vm-nonotes --json vm.hdr
	run verify --sysroot vm-nonotes -J -b vm.hdr
	run verify --sysroot vm-nonotes -r -n -o KIND,CLASS,LAST vm.hdr
	run verify --sysroot vm-nonotes --json -J vm.hdr
	run verify --sysroot vm-dimms missing.hdr
	run verify --sysroot empty vm.hdr
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
	# One code for a --sysroot that is no machine: 2 in every live command.
	for cmd in status elfcorehdr watch; do
		run $cmd --sysroot /nonexistent
		run $cmd --sysroot empty
	done
	run verify --sysroot /nonexistent vm.hdr
	run verify --sysroot empty vm.hdr
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
