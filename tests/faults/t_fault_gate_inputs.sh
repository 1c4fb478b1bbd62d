#!/bin/sh
# t_fault_gate_inputs.sh -- every gate command of tests/faults/gates.list on
# inputs that are not what they seem, each bounded by `timeout` (a hang is a
# failure, status 124): a missing file, an empty folder, a FIFO fed the
# passing input (read as a stream: the same verdict), /dev/zero behind a name
# with the right extension (exit 3, the record limit, not a hang), a file
# without read permission (as a user exit 3 "Permission denied"; as root the
# file is readable and the verdict is the file's: what differs by privilege is
# asserted for each). (A file truncated while read is not here yet: polling
# from sh cannot catch a gate between its open and its last read reliably.)
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/gates.sh"

# no_hang NAME: the last run was not stopped by timeout
no_hang() { if [ "$_rc" -eq 124 ] || [ "$_rc" -eq 137 ]; then not_ok "$1: hung (killed by timeout)"; else ok "$1"; fi; }

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

}

for_each_gate inputs
done_testing
