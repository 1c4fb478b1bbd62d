#!/bin/sh
# t_fault_gate_inputs.sh -- every gate command of tests/faults/gates.list on
# inputs that are not what they seem, each bounded by `timeout` (a hang is a
# failure, status 124): a missing file, an empty folder, a FIFO fed the
# passing input (read as a stream: the same verdict), /dev/zero behind a name
# with the right extension (exit 3, the record limit, not a hang), a file
# without read permission (as a user exit 3 "Permission denied"; as root the
# file is readable and the verdict is the file's: what differs by privilege is
# asserted for each), and a file cut in half while the gate reads it (strace
# holds its first read; the cut is at a line end, so what is left is a valid
# table: exit 3 "changed while being read").
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/gates.sh"

# no_hang NAME: the last run was not stopped by timeout
no_hang() { if [ "$_rc" -eq 124 ] || [ "$_rc" -eq 137 ]; then not_ok "$1: hung (killed by timeout)"; else ok "$1"; fi; }

HAVE_STRACE=0
command -v strace >/dev/null 2>&1 && strace -f -o /dev/null true 2>/dev/null && HAVE_STRACE=1
[ "$HAVE_STRACE" = 1 ] || skip "strace missing or ptrace not permitted (ci/install-deps installs strace): the truncated-while-read fault is NOT RUN"
SEEN_PROGS=
inputs() {
	P=$(prog_of)
	ext=${G_PASS##*.}
	expect_exit 3 "$G_ID: a missing input" timeout 60 $(gw "$W/missing.$ext")
	expect_grep "$G_ID: the missing input is named" "missing\.$ext'.*[Nn]o such file" "$T/err"
	one_error "$G_ID: one error line (missing input)" "$P"

	mkdir -p "$W/empty"
	expect_exit 3 "$G_ID: an empty folder as input" timeout 60 $(gw "$W/empty")
	no_hang "$G_ID: an empty folder: no hang"
	expect_grep "$G_ID: the folder is named" "'$W/empty'" "$T/err"

	# a FIFO holding the passing input: read as a stream, same verdict
	mkfifo "$W/in.$ext"
	timeout 60 cp "$G_PASS" "$W/in.$ext" &
	_wr=$!
	expect_exit 0 "$G_ID: a FIFO input has the file's verdict" timeout 60 $(gw "$W/in.$ext")
	kill "$_wr" 2>/dev/null
	wait "$_wr" 2>/dev/null
	rm -f "$W/in.$ext"

	# /dev/zero: once per program (64 MiB of NULs make one record; seconds each)
	case " $SEEN_PROGS " in
	*" $P "*) ;;
	*)
		SEEN_PROGS="$SEEN_PROGS $P"
		ln -s /dev/zero "$W/zero.$ext"
		expect_exit 3 "$G_ID: /dev/zero as input is exit 3" timeout 120 $(gw "$W/zero.$ext")
		no_hang "$G_ID: /dev/zero: no hang"
		no_crash "$G_ID: /dev/zero: no crash"
		one_error "$G_ID: /dev/zero: one error line" "$P"
		;;
	esac

	# no read permission: what differs by privilege
	cp "$G_PASS" "$W/secret.$ext"
	chmod 000 "$W/secret.$ext"
	if [ "$(id -u)" -eq 0 ]; then
		expect_exit 0 "$G_ID: as root a mode-000 input is still read (CAP_DAC_OVERRIDE)" timeout 60 $(gw "$W/secret.$ext")
	else
		expect_exit 3 "$G_ID: as a user a mode-000 input is exit 3" timeout 60 $(gw "$W/secret.$ext")
		expect_grep "$G_ID: says Permission denied" "secret\.$ext': cannot open: Permission denied" "$T/err"
		one_error "$G_ID: one error line (mode 000)" "$P"
	fi


	# truncated while being read: strace holds the gate's first read of the
	# file for 1 s once it has returned (delay_exit); the file is cut in half
	# as soon as strace logged the open, i.e. between the gate's first stat
	# and its last read
	if [ "$HAVE_STRACE" = 1 ] && [ "$ext" != json ]; then
		"$DEBIAN_PY" -c '
import sys
lines = open(sys.argv[1], "rb").read().splitlines(True)
out = open(sys.argv[2], "wb")
out.write(lines[0])
n = 0
while n < 2 << 20:
    for l in lines[1:]:
        out.write(l); n += len(l)
out.close()
data = open(sys.argv[2], "rb").read()
print(data.rfind(b"\n", 0, len(data) // 2) + 1)' "$G_PASS" "$W/big.$ext" >"$W/cut"
		# cut at a line end: what is left is a valid, shorter table that only
		# the change check can tell from the file the gate started reading
		_cut=$(cat "$W/cut")
		rm -f "$W/strace.log"
		ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 strace -f -o "$W/strace.log" -P "$W/big.$ext" \
			-e trace=openat,read -e inject=read:delay_exit=1000000:when=1 \
			$(gw "$W/big.$ext") >"$T/out" 2>"$T/err" &
		_pid=$!
		_i=0
		while [ "$_i" -lt 600 ] && ! grep -q "openat.*big\.$ext" "$W/strace.log" 2>/dev/null; do
			sleep 0.05
			_i=$((_i + 1))
		done
		truncate -s "$_cut" "$W/big.$ext"
		wait_bounded "$_pid" 120
		expect_eq "$G_ID: an input truncated while read is exit 3" "$_rc" 3
		expect_grep "$G_ID: truncated: says changed while being read" "big\.$ext'.*changed while being read" "$T/err"
		one_error "$G_ID: truncated: one error line" "$P"
		rm -f "$W/big.$ext"
	fi
}

for_each_gate inputs
done_testing
