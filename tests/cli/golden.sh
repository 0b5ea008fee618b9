#!/bin/sh
# CLI golden test: run each command in a scratch directory, record its
# stdout, stderr and exit status, and compare the whole transcript with
# tests/cli/expected/cli.out.  UPDATE_GOLDEN=1 rewrites the expected file.
# usage: golden.sh CRASHHP
set -u
. "$(cd "$(dirname "$0")" && pwd)/transcript.sh"
crashhp=$(abs "$1")
expected="$(cd "$(dirname "$0")" && pwd)/expected/cli.out"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1

# Timings vary from run to run: masked.  The scenario report's tables are
# sized to their cells, timings included: its runs of blanks are squeezed.
mask() {
	if [ "${1:-}" = sim ]; then
		squeeze='s/  */ /g'
	else
		squeeze=''
	fi
	sed -e "$squeeze" -e 's/^update per event median\/p99\/max .*/update per event median\/p99\/max <timing>/' \
	    -e 's/^update time in total .*/update time in total <timing>/' \
	    -e 's/^\(update\\x20[^ ]*\) .*/\1 <timing>/' \
	    -e 's/"update_\(median\|p99\|max\|total\)_ns": [0-9]*/"update_\1_ns": <timing>/' |
	case " $* " in
	*" concgap.scn "*) mask_concurrent ;;
	*) cat ;;
	esac
}

# The concurrent phase's interleaving is the scheduler's (the report says
# what varies): its counts are masked, but for the events (each thread's are
# the seed's), the crashes (two a round) and the settled headers wrong (every
# round's, for a kexec_load image no handler updates); its first problems too.
mask_concurrent() {
	sed -e '/^concurrent:/,$ {
		/^concurrent:/b
		/^METRIC/b
		/^settled headers wrong/b
		s/^\(events \/ loads meanwhile\) \([0-9]*\) \/ [0-9]* \([0-9]*\) \/ [0-9]*$/\1 \2 \/ N \3 \/ N/
		s/^\(dumps taken \/ crashes\) [0-9]* \/ \([0-9]*\) [0-9]* \/ \([0-9]*\)$/\1 N \/ \2 N \/ \3/
		/^events \/ loads/b
		/^dumps taken \/ crashes/b
		s/\(concurrent, first problem:\) .*/\1 <varies>/
		/^ /b
		s/[0-9][0-9]*/N/g
	}' \
	    -e '/"concurrent": {/,/}/ {
		/"threads"\|"events"\|"crashes"\|"settled_headers_wrong"/b
		s/: [0-9][0-9]*/: N/
		s/"first_problem": ".*"/"first_problem": "<varies>"/
	}'
}

{
	run --help
	run --version
	run -V
	# Every command takes -V/--version too, as util-linux's do: the version, exit 0.
	run sim -V
	run status --version
	run inspect -bV
	run
	run bogus
	run --bogus
	run help bogus
	# help's own usage, not "'help' is not a command"
	run help help
	# help CMD is CMD --help, byte for byte
	echo "\$ crashhp help sim  # compared with: crashhp sim --help"
	"$crashhp" help sim >help.out; hrc=$?
	"$crashhp" sim --help | cmp help.out - && echo "same, exit $hrc"
	rm -f help.out
	echo
	# Option errors: one line, the command named, a pointer to its help; exit 2.
	run inspect --bogus x
	run inspect -q x
	run inspect --kind
	run sim --ram
	run sim --ram=1G --no-such=2
	run status extra
	run verify
	run elfcorehdr -o
	run watch --count
	run inspect --help
	run inspect
	run inspect --kind nonsense x
	run inspect /nonexistent/elfcorehdr
	# '-' is not standard input: a usage error, before anything is read.
	run inspect -
	run inspect --json -
	run verify -
	run sim --help
	run sim --cpus 4:x
	run sim --ram 100M
	run sim --ram 1G --block-size 100M
	run sim --ram 256M --crashkernel 64M --cpus 4:4:2 --crash-cpu 3
	run sim --ram 256M --crashkernel 64M --cpus 16:16:9 --crash-cpu 010
	run sim --ram 256M --crashkernel 64M --vmcore /nonexistent/dir/vmcore
	run sim extra-argument
	run sim --ram 256M --crashkernel 64M --cpus 4:2:2 --elfcorehdr x86.hdr --vmcore x86.vmcore
	run inspect x86.hdr
	run inspect --json x86.hdr
	run inspect x86.vmcore
	run inspect -r -n -b -o NR,TYPE,PADDR,MEMSZ x86.vmcore
	run inspect -o +BOGUS x86.vmcore
	# An empty list or name: an error naming it and the columns, before anything is printed.
	run inspect -o '' x86.vmcore
	run inspect -o NR,,TYPE x86.vmcore
	run inspect -o NR, x86.vmcore
	run elfcorehdr --columns ''
	run inspect --json x86.vmcore
	# -J: the table alone as lsmem -J prints it, -o's columns, sizes as "32M" unless -b;
	# --json is the whole document whatever -o says; both at once, a usage error.
	run inspect -J -o NR,TYPE,MEMSZ x86.hdr
	run inspect -J -b -o type,memsz,flags x86.hdr
	run inspect --json -J x86.hdr
	run sim --arch ppc64 --ram 512M --crashkernel 64M --cpus 2 --load segments --elfcorehdr ppc64.hdr --json
	# One crash's -J: its table's rows as lsmem -J prints them; with --json, a usage error.
	run sim --ram 256M --crashkernel 64M --cpus 4:2:2 -J -b -o item,start,size
	run sim --ram 256M --crashkernel 64M --json -J
	# A cell holding escapes (a --vmcore named with U+202E and ESC): its column is
	# as wide as the escaped text, so ITEM after it stays aligned; -r is not aligned.
	hostile=$(printf 'v\342\200\256eroc\033[31m.core')
	for raw in "" -r; do
		echo "\$ crashhp sim --ram 256M --crashkernel 64M --cpus 4:2:2 ${raw:+$raw }-o detail,item,size --vmcore 'v<U+202E>eroc<ESC>[31m.core'"
		"$crashhp" sim --ram 256M --crashkernel 64M --cpus 4:2:2 $raw -o detail,item,size --vmcore "$hostile"
		echo "[exit $?]"
		echo
	done
	rm -f "$hostile"
	# Printable UTF-8 (é) passes as it is in a table, and raw (-r) it is escaped
	# byte by byte as lsblk -r does: libsmartcols's raw format (crashhp(1)).
	utf8=$(printf 'vmcore-\303\251.core')
	for raw in "" -r; do
		echo "\$ crashhp sim --ram 256M --crashkernel 64M --cpus 4:2:2 ${raw:+$raw }-o item,detail --vmcore 'vmcore-<U+00E9>.core'"
		"$crashhp" sim --ram 256M --crashkernel 64M --cpus 4:2:2 $raw -o item,detail --vmcore "$utf8"
		echo "[exit $?]"
		echo
	done
	rm -f "$utf8"
	run inspect ppc64.hdr
	run sim --arch ppc64le --ram 512M --crashkernel 64M --cpus 2 --load segments-hotplug
	run sim --print-default
	run sim --print-default extra
	printf 'arch x86_64\nram 2G\nadd-dimm 1G\ncpus 4\n' >late.scn
	run sim late.scn
	# a setting given twice: both lines named, not the last silently taken
	printf 'ram 1G\ncpus 4\nram 2G\n' >twice.scn
	run sim twice.scn
	printf 'ram 2G\n  grow-memory 3G 512Q\n' >bad.scn
	run sim bad.scn
	run sim --ram 1G bad.scn
	run sim /nonexistent.scn
	# '-' is standard input (read once, unlike inspect's and verify's files):
	# a parse error names it "(standard input)" with the line; a closed one is
	# a system error (4).  The transcript's command line omits the redirection.
	run sim - <bad.scn
	printf 'ram 2G\nadd-dimm 512M\ncrash\n' | run sim -
	run sim - <&-
	# A machine the settings cannot build: the line of the setting at fault, exit 3.
	printf 'ram 2G\ncpus 4:8:8\ncrashkernel 128M\n' >cpus.bad.scn
	run sim cpus.bad.scn
	# A NUL byte: the line it is on; a file of 17 MiB is no scenario (both exit 3).
	printf 'ram 2G\n\nadd\000-dimm 1G\n' >nul.scn
	run sim nul.scn
	truncate -s 17M big.scn
	run sim big.scn
	rm -f big.scn
	# A crash region too small for the image: the scenario's fault (3), not a full disk (4).
	printf 'ram 4G\ncrashkernel 1M\nadd-dimm 1G\n' >small-ck.scn
	run sim small-ck.scn
	printf 'ram 2G\nadd-dimm 512M\nadd-dimm 512M\ncrash-exhaustive 1\n' >past.scn
	run sim past.scn
	printf 'ram 2G\nadd-dimm 512M\ncrash-exhaustive\n' >trailing.scn
	run sim trailing.scn
	printf 'ram 2G\nadd-dimm 512M\ncrash-at 9\n' >beyond.scn
	run sim beyond.scn
	printf '# two DIMMs come and one goes\nram 2G\ncrashkernel 128M\ncrash-every 4\ncrash-during 2\nadd-dimm 512M\nadd-dimm 512M\nkexec-busy 2\noffline-block 12\nonline-block 12\noffline-block 34\nremove-dimm\ncrash\n' >small.scn
	run sim --svg small.svg small.scn
	# kexec-busy's drain judged as the deferred events' stores; mainline's dropped event has none
	printf 'ram 4G\nkexec-busy 3\ncrash-exhaustive 3\nadd-dimm 512M\ncrash\n' >busy.scn
	run sim busy.scn
	# a DIMM removed while a load holds the kexec lock: robust's removal waits
	# for the holder, whose drain (event 8's) cuts it before it goes
	printf 'ram 4G\nadd-dimm 512M\nkexec-busy 5\ncrash-exhaustive 8\nremove-dimm\noffline-block 40\ncrash\n' >rmwait.scn
	run sim rmwait.scn
	# kexec_load without the hotplug flag: nothing updated in place, said so
	printf 'ram 2G\nload segments\ncrash-exhaustive\nadd-dimm 128M\ncrash\n' >segments.scn
	run sim segments.scn
	# kexec_load reads the machine before the syscall: a DIMM added in between
	# is missing from mainline's image; robust's load resync applies it
	printf 'ram 2G\nload segments-hotplug\nreload-read\nadd-dimm 512M\nreload-syscall\ncrash\n' >gap.scn
	run sim gap.scn
	# The concurrent phase with kexec_load: kexec-tools reads, the event
	# threads run, then the syscall; without a flag no handler updates the
	# image, so every round's settled header is stale under both policies.
	printf 'ram 2G\nload segments\nconcurrent 2 40 2\n' >concgap.scn
	run sim concgap.scn
	run sim --json concgap.scn
	printf 'ram 2G\nreload-read\nadd-dimm 512M\n' >gapopen.scn
	run sim gapopen.scn
	# A CPU hot-added in the gap: no PT_NOTE for it (x86_64 kexec-tools notes the present CPUs)
	# in mainline; robust's load resync rebuilds the header with a note per possible CPU,
	# as the kernel's resync after a flagged kexec_load does (kernel/0008).
	printf 'cpus 4:2:2\nram 2G\nload segments-hotplug\nreload-read\nadd-cpu 2\nonline-cpu 2\nreload-syscall\ncrash 2\ncrash 0\n' >gapcpu.scn
	run sim gapcpu.scn
	# an action the machine refuses is the file's error: exit 3
	printf 'ram 2G\nonline-block 1\n' >online.scn
	run sim online.scn
	run sim --json small.scn
	# --vmcore beside a scenario: one policy's dumps (two policies: usage, exit 2)
	run sim --vmcore v.core small.scn
	printf 'arch ppc64le\ncpus 2:1:1\nram 2G\ncrashkernel 512M\nload segments\npolicies mainline\nadd-cpu 1\nonline-cpu 1\ncrash 0\n' >cpu.scn
	run sim -o metric,mainline --vmcore v.core cpu.scn
	run sim --vmcore /nonexistent/dir/v.core cpu.scn
	# Only a crash line writes a dump: --vmcore beside a scenario without one is a usage error.
	printf 'policies robust\nram 2G\nadd-dimm 512M\ncrash-at 1\n' >nocrash.scn
	run sim --vmcore none.core nocrash.scn
	readelf -n v.core | grep -c NT_PRSTATUS
	rm -f v.core
	# The report's tables with lsmem's options (timings left out: they vary).
	run sim -r -n -b -o METRIC,ROBUST busy.scn
	run sim -o metric,nope busy.scn
	echo "files left: $(ls | grep -v -e '^out$' -e '^err$' | tr '\n' ' ')"
} >transcript 2>&1

compare_transcript CLI "$expected" transcript
