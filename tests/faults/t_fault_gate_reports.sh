#!/bin/sh
# t_fault_gate_reports.sh -- every gate command of tests/faults/gates.list
# through the report-path faults: it passes and fails on its bundled inputs,
# and its reports go to a null device (written through, still a device), a
# full device (exit 3 naming it, the other report says error or is absent,
# stdout says ERROR, the device is untouched), a FIFO (written through), a
# symlink to a file (the target replaced, the link kept), and refused up front
# (exit 2, nothing written): a dangling link, a folder, the same file twice.
# Commands without a result (KIND print) refuse report flags (exit 2) and a
# stdout that cannot be written is exit 3.
#
# As root the devices are scratch nodes made with mknod (a regression must not
# take the machine's /dev/null along); as a user, /dev/null and /dev/full.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/gates.sh"

NULLDEV=/dev/null FULLDEV=/dev/full
if [ "$QG_FAULT_MODE" = root ] && [ "$(id -u)" -eq 0 ]; then
	if mknod "$T/null" c 1 3 2>/dev/null && mknod "$T/full" c 1 7 2>/dev/null; then
		NULLDEV=$T/null FULLDEV=$T/full
	else
		skip "mknod not permitted: scratch device nodes NOT MADE, the system's are used (they are checked after every run)"
	fi
fi
devno() { stat -L -c %F:%t:%T "$1"; }

reports() {
	P=$(prog_of)
	# --- the line's verdicts, and both reports valid
	expect_exit 0 "$G_ID: passes" $(gw "$G_PASS") --json "$W/r.json" --junit "$W/r.xml"
	validate_result "$G_ID: the passing JSON" "$W/r.json"
	validate_junit "$G_ID: the passing JUnit" "$W/r.xml"
	expect_eq "$G_ID: the JSON says pass" "$(status_of "$W/r.json")" pass
	if [ -n "$G_FAIL" ]; then
		expect_exit 1 "$G_ID: fails" $(gw "$G_FAIL") --json "$W/f.json" --junit "$W/f.xml"
		expect_eq "$G_ID: the failing JSON says fail" "$(status_of "$W/f.json")" fail
		expect_eq "$G_ID: the failing JUnit has a failure" "$(junit_verdict "$W/f.xml")" fail
	fi

	# --- devices: written through, never renamed over
	expect_exit 0 "$G_ID: --json null device" $(gw "$G_PASS") --json "$NULLDEV"
	expect_eq "$G_ID: the null device is still 1:3" "$(devno "$NULLDEV")" "character special file:1:3"
	rm -f "$W/d.xml"
	expect_exit 3 "$G_ID: --json full device" $(gw "$G_PASS") --format text --json "$FULLDEV" --junit "$W/d.xml"
	expect_grep "$G_ID: the full device is named with ENOSPC" "'$FULLDEV'.*[Nn]o space left" "$T/err"
	one_error "$G_ID: one error line (full device)" "$P"
	expect_grep "$G_ID: stdout says ERROR (full device)" "ERROR" "$T/out"
	expect_no_grep "$G_ID: stdout does not say PASS (full device)" ": PASS \\(" "$T/out"
	case $(junit_verdict "$W/d.xml") in
	none | error) ok "$G_ID: the JUnit beside the full device says error or is absent" ;;
	*) not_ok "$G_ID: the JUnit beside the full device says $(junit_verdict "$W/d.xml")" ;;
	esac
	expect_eq "$G_ID: the full device is still 1:7" "$(devno "$FULLDEV")" "character special file:1:7"
	no_temp "$G_ID: no temp file beside the devices" "$(dirname "$FULLDEV")"

	# --- a FIFO: written through
	mkfifo "$W/fifo"
	timeout 60 cat "$W/fifo" >"$W/from-fifo" &
	_rd=$!
	expect_exit 0 "$G_ID: --json FIFO" timeout 60 $(gw "$G_PASS") --json "$W/fifo"
	wait "$_rd"
	if [ -p "$W/fifo" ]; then ok "$G_ID: the FIFO is still a FIFO"; else not_ok "$G_ID: the FIFO was replaced"; fi
	expect_eq "$G_ID: the report read from the FIFO says pass" "$(status_of "$W/from-fifo")" pass

	# --- a symlink to a regular file: the target gets the report
	mkdir -p "$W/real" "$W/links"
	echo old >"$W/real/r.json"
	ln -s ../real/r.json "$W/links/r.json"
	expect_exit 0 "$G_ID: --json through a symlink" $(gw "$G_PASS") --json "$W/links/r.json"
	if [ -L "$W/links/r.json" ]; then ok "$G_ID: the symlink is kept"; else not_ok "$G_ID: the symlink was replaced"; fi
	expect_eq "$G_ID: the link's target says pass" "$(status_of "$W/real/r.json")" pass
	no_temp "$G_ID: no temp file beside the link" "$W/links"

	# --- refused before anything runs: exit 2, nothing written
	ln -s "$W/nowhere/x.json" "$W/dangling"
	expect_exit 2 "$G_ID: --json a dangling symlink" $(gw "$G_PASS") --json "$W/dangling" --junit "$W/n1.xml"
	one_error "$G_ID: one error line (dangling link)" "$P"
	if [ -L "$W/dangling" ]; then ok "$G_ID: the dangling link is left alone"; else not_ok "$G_ID: the dangling link was replaced"; fi
	expect_no_file "$G_ID: no JUnit written beside a refused path" "$W/n1.xml"
	mkdir "$W/folder"
	expect_exit 2 "$G_ID: --junit a folder" $(gw "$G_PASS") --junit "$W/folder" --json "$W/n2.json"
	expect_grep "$G_ID: the folder is named" "'$W/folder'" "$T/err"
	expect_no_file "$G_ID: no JSON written beside a folder" "$W/n2.json"
	expect_exit 2 "$G_ID: --json X --junit X" $(gw "$G_PASS") --json "$W/same" --junit "$W/same"
	expect_no_file "$G_ID: nothing written to the doubled name" "$W/same"
	no_temp "$G_ID: no temp file in the line's folder" "$W"
}

prints() {
	P=$(prog_of)
	expect_exit 0 "$G_ID: runs" $(gw "$G_PASS")
	if [ -s "$T/out" ]; then ok "$G_ID: prints its output"; else not_ok "$G_ID: printed nothing"; fi
	expect_exit 2 "$G_ID: refuses --json" $(gw "$G_PASS") --json "$W/r.json"
	expect_no_file "$G_ID: no report written" "$W/r.json"
	$(gw "$G_PASS") >"$FULLDEV" 2>"$T/err"
	expect_eq "$G_ID: stdout on a full device is exit 3" "$?" 3
	expect_grep "$G_ID: says why (ENOSPC)" "[Nn]o space left" "$T/err"
	one_error "$G_ID: one error line (stdout full)" "$P"
}

for_each_gate reports report
for_each_gate prints print
# the machine's devices, whatever happened above
expect_eq "/dev/null is still 1:3" "$(devno /dev/null)" "character special file:1:3"
expect_eq "/dev/full is still 1:7" "$(devno /dev/full)" "character special file:1:7"
done_testing
