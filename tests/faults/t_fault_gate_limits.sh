#!/bin/sh
# t_fault_gate_limits.sh -- every gate command of tests/faults/gates.list
# under real resource limits, real signals and full or read-only disks:
#   ulimit -f    exit 3 "File too large" (SIGXFSZ ignored), no temp file, the
#                previous report kept
#   ulimit -n    4..6 fds: a whole run, or exit 3 with one error line and no
#                report saying pass; never a crash
#   ulimit -v    8..20 MB: a whole run, or exit 3 ("out of memory") with one
#                error line and no report saying pass; never a crash (needs a
#                build without sanitizers: QG_FAULT_REL_BIN, tests/faults/README)
#   SIGTERM, SIGINT mid-run (blocked reading a FIFO input) and between the
#                temp file and its rename (strace delivers it at rename):
#                the gate dies by the signal (status 128+sig, as documented in
#                docs/interface.md), no temp file, the previous report whole
#   SIGKILL at rename: the previous report stays whole (atomic rename)
#   ENOSPC       a tmpfs of 64 KiB filled up (root; a user cannot mount one:
#                skipped loudly): exit 3 "No space left", no temp, old report
#   read-only    as a user a folder without write permission (EACCES), as root
#                a read-only tmpfs (EROFS; root writes through permissions):
#                exit 3 naming the report, the other report says error/absent
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/gates.sh"

MOUNTS=
cleanup() {
	for _m in $MOUNTS; do umount "$_m" 2>/dev/null; done
	[ -n "${HOLD:-}" ] && exec 3>&-
	rm -rf "$T"
}
trap cleanup EXIT
HAVE_STRACE=0
command -v strace >/dev/null 2>&1 && strace -f -o /dev/null true 2>/dev/null && HAVE_STRACE=1
[ "$HAVE_STRACE" = 1 ] || skip "strace missing or ptrace not permitted (ci/install-deps installs strace): the signal-at-rename faults are NOT RUN"
CAN_MOUNT=0
if [ "$(id -u)" -eq 0 ] && mkdir "$T/mnt-probe" && mount -t tmpfs -o size=64k tmpfs "$T/mnt-probe" 2>/dev/null; then
	umount "$T/mnt-probe" && CAN_MOUNT=1
fi
if [ "$(id -u)" -ne 0 ]; then
	skip "ENOSPC: an unprivileged user cannot mount a small tmpfs; the root run covers it (NOT RUN as $(id -un))"
elif [ "$CAN_MOUNT" = 0 ]; then
	skip "ENOSPC and EROFS: mount -t tmpfs not permitted here (container without CAP_SYS_ADMIN): NOT RUN"
fi
REL=${QG_FAULT_REL_BIN:-}
if [ "$QG_SANITIZED" = 1 ] && [ -z "$REL" ]; then
	skip "ulimit -v: ASan reserves terabytes of address space, so the limit needs a build without sanitizers (QG_FAULT_REL_BIN=build/bin): NOT RUN"
fi

# in_fifo_of PID PATH: wait (up to 10 s) until PID has PATH open
in_fifo_of() {
	_i=0
	while [ "$_i" -lt 100 ]; do
		for _fd in $(ls /proc/"$1"/fd 2>/dev/null); do
			[ "$(readlink "/proc/$1/fd/$_fd" 2>/dev/null)" = "$2" ] && return 0
		done
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
# old_kept NAME FILE: FILE still holds "old"
old_kept() { expect_eq "$1" "$(cat "$2" 2>/dev/null)" old; }

limits() {
	P=$(prog_of)
	# --- ulimit -f: EFBIG
	mkdir -p "$W/lim"
	if [ "$G_KIND" = report ]; then
		echo old >"$W/lim/r.json"
		_cmd=$(gw "$G_PASS")
		(ulimit -f 1 && exec $_cmd --json "$W/lim/r.json") >/dev/null 2>"$T/err"
		expect_eq "$G_ID: ulimit -f is exit 3, not SIGXFSZ" "$?" 3
		expect_grep "$G_ID: ulimit -f: the report is named, file too large" "'$W/lim/r.json'.*[Ff]ile too large" "$T/err"
		old_kept "$G_ID: ulimit -f: the previous report is kept" "$W/lim/r.json"
	else
		# no byte of stdout fits; stderr goes through a pipe (no file-size
		# limit on a pipe) and carries the exit status after the gate's lines
		_cmd=$(gw "$G_PASS")
		(ulimit -f 0 && { $_cmd >"$W/lim/out"; echo "exit=$?" >&2; }) 2>&1 | cat >"$T/err"
		expect_grep "$G_ID: ulimit -f on stdout is exit 3, not SIGXFSZ" "^exit=3$" "$T/err"
		expect_grep "$G_ID: ulimit -f: file too large" "[Ff]ile too large" "$T/err"
	fi
	# a command writing two files (profile: --profile-out and --json) names each
	if grep -q "^$P: error: .*[Ff]ile too large" "$T/err"; then ok "$G_ID: ulimit -f: error lines name the file"; else
		not_ok "$G_ID: ulimit -f: no '$P: error:' line"; head -5 "$T/err" | sed 's/^/#   /'; fi
	no_crash "$G_ID: ulimit -f: no crash"
	no_temp "$G_ID: ulimit -f: no temp file" "$W/lim"

	# --- ulimit -n: descriptors run out. How many a gate needs differs
	# (the loader, libcrypto for hashing, the inputs), so each limit must give
	# either a whole run (exit 0, the report says pass) or exit 3 with one
	# error line and no report saying pass; never a crash or another verdict.
	_cmd=$(gw "$G_PASS") # no pipe left for a $(...) once the limit is on
	for _nf in 4 5 6; do
		rm -f "$W/lim/n.json"
		[ "$G_KIND" = report ] && _o="--json $W/lim/n.json" || _o=
		(ulimit -n $_nf && exec $_cmd $_o) >"$T/out" 2>"$T/err"
		_rc=$?
		no_crash "$G_ID: ulimit -n $_nf: no crash"
		case $_rc in
		0)
			if [ "$G_KIND" = report ]; then
				expect_eq "$G_ID: ulimit -n $_nf: a whole run's report says pass" "$(status_of "$W/lim/n.json")" pass
			else ok "$G_ID: ulimit -n $_nf: a whole run (exit 0)"; fi ;;
		3)
			one_error "$G_ID: ulimit -n $_nf: exit 3 with one error line" "$P"
			expect_grep "$G_ID: ulimit -n $_nf: says too many open files" "[Tt]oo many open files" "$T/err"
			case $(status_of "$W/lim/n.json") in
			pass) not_ok "$G_ID: ulimit -n $_nf: exit 3 but the report says pass" ;;
			*) ok "$G_ID: ulimit -n $_nf: no report says pass" ;;
			esac ;;
		*)
			not_ok "$G_ID: ulimit -n $_nf: exit $_rc (expected 0 or 3)"; head -5 "$T/err" | sed 's/^/#   /' ;;
		esac
	done

	# --- ulimit -v: memory runs out. Where depends on the gate (a 1 MiB
	# read buffer, libcrypto's segments, a thread stack), so, as for -n, each
	# limit gives a whole run or exit 3 with one error line and no report
	# saying pass, never a crash.
	if [ -n "$REL" ] || [ "$QG_SANITIZED" = 0 ]; then
		_cmd=$(gw "$G_PASS")
		_bit=0
		for _kb in 8000 12000 20000; do
			rm -f "$W/lim/v.json"
			[ "$G_KIND" = report ] && _o="--json $W/lim/v.json" || _o=
			(PATH=${REL:-$QG_BIN}:$PATH && ulimit -v $_kb && exec $_cmd $_o) >"$T/out" 2>"$T/err"
			_rc=$?
			no_crash "$G_ID: ulimit -v $_kb: no crash"
			case $_rc in
			0)
				if [ "$G_KIND" = report ]; then
					expect_eq "$G_ID: ulimit -v $_kb: a whole run's report says pass" "$(status_of "$W/lim/v.json")" pass
				else ok "$G_ID: ulimit -v $_kb: a whole run (exit 0)"; fi ;;
			3)
				_bit=1
				one_error "$G_ID: ulimit -v $_kb: exit 3 with one error line" "$P"
				case $(status_of "$W/lim/v.json") in
				pass) not_ok "$G_ID: ulimit -v $_kb: exit 3 but the report says pass" ;;
				*) ok "$G_ID: ulimit -v $_kb: no report says pass" ;;
				esac ;;
			*)
				not_ok "$G_ID: ulimit -v $_kb: exit $_rc (expected 0 or 3)"; head -5 "$T/err" | sed 's/^/#   /' ;;
			esac
		done
		[ "$_bit" = 1 ] || diag "$G_ID: ulimit -v: no limit down to 8000 KiB stopped this command"
	fi

	# --- SIGTERM / SIGINT while blocked reading a FIFO input
	[ "$G_KIND" = report ] && OUTF="--json $W/sig.json" || OUTF=
	for sig in TERM INT; do
		_in=$W/in.${G_PASS##*.}
		rm -f "$_in"
		echo old >"$W/sig.json"
		mkfifo "$_in"
		exec 3<>"$_in"
		HOLD=1
		head -1 "$G_PASS" >&3
		# shellcheck disable=SC2086
		# a non-interactive sh starts background jobs with SIGINT ignored (and
		# an ignored SIGINT stays ignored: lib/io/file.c), so restore it
		env --default-signal=INT $(gw "$_in") $OUTF >"$T/out" 2>"$T/err" &
		_pid=$!
		if in_fifo_of "$_pid" "$_in"; then
			sleep 0.2
			kill -s "$sig" "$_pid"
			wait_bounded "$_pid" 60
			case $sig in TERM) _want=143 ;; INT) _want=130 ;; esac
			expect_eq "$G_ID: SIG$sig mid-run: the gate dies by it (status $_want)" "$_rc" "$_want"
		else
			kill -s KILL "$_pid" 2>/dev/null
			wait "$_pid"
			not_ok "$G_ID: SIG$sig mid-run: the gate never opened its FIFO input (exit $?)"
			sed 's/^/#   err: /' "$T/err" | head -5
		fi
		exec 3>&-
		HOLD=
		[ "$G_KIND" = report ] && old_kept "$G_ID: SIG$sig mid-run: the previous report is kept" "$W/sig.json"
		no_temp "$G_ID: SIG$sig mid-run: no temp file" "$W"
	done

	[ "$G_KIND" = report ] || return 0
	# --- a signal between the finished temp file and its rename
	if [ "$HAVE_STRACE" = 1 ]; then
		for sig in TERM INT KILL; do
			mkdir -p "$W/at-$sig"
			echo old >"$W/at-$sig/r.json"
			echo old >"$W/at-$sig/r.xml"
			# SIGINT may be ignored on entry (a CI runner that started the
			# tests in the background): restore it for the gate, as above
			ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 env --default-signal=INT strace -f -o /dev/null \
				-e trace=rename,renameat,renameat2 -e inject=rename,renameat,renameat2:error=EINTR:signal=$sig \
				$(gw "$G_PASS") --json "$W/at-$sig/r.json" --junit "$W/at-$sig/r.xml" >"$T/out" 2>"$T/err"
			_rc=$?
			case $sig in TERM) _want=143 ;; INT) _want=130 ;; KILL) _want=137 ;; esac
			expect_eq "$G_ID: SIG$sig at rename: the gate dies by it (status $_want)" "$_rc" "$_want"
			old_kept "$G_ID: SIG$sig at rename: the previous JSON report is whole" "$W/at-$sig/r.json"
			old_kept "$G_ID: SIG$sig at rename: the previous JUnit report is whole" "$W/at-$sig/r.xml"
			if [ "$sig" = KILL ]; then
				# nothing can clean up after SIGKILL: the temp is a hidden
				# .NAME.tmpXXXXXX that no reader mistakes for a report
				if ls -A "$W/at-KILL" | grep -v '^r\.json$\|^r\.xml$' | grep -qv '^\.r\.\(json\|xml\)\.tmp'; then
					not_ok "$G_ID: SIGKILL at rename: an unexpected file"; ls -A "$W/at-KILL" | sed 's/^/#   /'
				else
					ok "$G_ID: SIGKILL at rename: only hidden .NAME.tmp files beside the reports"
				fi
			else
				no_temp "$G_ID: SIG$sig at rename: no temp file" "$W/at-$sig"
			fi
		done
	fi

	# --- ENOSPC on a tmpfs of 64 KiB
	if [ "$CAN_MOUNT" = 1 ]; then
		mkdir -p "$W/full"
		mount -t tmpfs -o size=64k tmpfs "$W/full" && MOUNTS="$W/full $MOUNTS"
		echo old >"$W/full/r.json"
		dd if=/dev/zero of="$W/full/fill" bs=4k 2>/dev/null
		rm -f "$W/x.xml"
		expect_exit 3 "$G_ID: ENOSPC is exit 3" $(gw "$G_PASS") --format text --json "$W/full/r.json" --junit "$W/x.xml"
		expect_grep "$G_ID: ENOSPC: the report is named" "'$W/full/r.json'.*[Nn]o space left" "$T/err"
		one_error "$G_ID: ENOSPC: one error line" "$P"
		expect_grep "$G_ID: ENOSPC: stdout says ERROR" "ERROR" "$T/out"
		case $(junit_verdict "$W/x.xml") in
		none | error) ok "$G_ID: ENOSPC: the other report says error or is absent" ;;
		*) not_ok "$G_ID: ENOSPC: the other report says $(junit_verdict "$W/x.xml")" ;;
		esac
		old_kept "$G_ID: ENOSPC: the previous report is kept" "$W/full/r.json"
		no_temp "$G_ID: ENOSPC: no temp file" "$W/full"
		umount "$W/full"
	fi

	# --- a read-only folder
	mkdir -p "$W/ro"
	_why=
	if [ "$(id -u)" -eq 0 ]; then
		if [ "$CAN_MOUNT" = 1 ] && mount -t tmpfs -o size=64k tmpfs "$W/ro"; then
			MOUNTS="$W/ro $MOUNTS"
			echo old >"$W/ro/r.json"
			mount -o remount,ro "$W/ro"
			_why="[Rr]ead-only file system"
		fi
	else
		echo old >"$W/ro/r.json"
		chmod 555 "$W/ro"
		_why="[Pp]ermission denied"
	fi
	if [ -n "$_why" ]; then
		rm -f "$W/y.xml"
		expect_exit 3 "$G_ID: a read-only folder is exit 3" $(gw "$G_PASS") --format text --json "$W/ro/r.json" --junit "$W/y.xml"
		expect_grep "$G_ID: read-only: the report is named with why" "'$W/ro/r.json'.*$_why" "$T/err"
		expect_grep "$G_ID: read-only: stdout says ERROR" "ERROR" "$T/out"
		case $(junit_verdict "$W/y.xml") in
		none | error) ok "$G_ID: read-only: the other report says error or is absent" ;;
		*) not_ok "$G_ID: read-only: the other report says $(junit_verdict "$W/y.xml")" ;;
		esac
		old_kept "$G_ID: read-only: the previous report is kept" "$W/ro/r.json"
		no_temp "$G_ID: read-only: no temp file" "$W/ro"
		[ "$(id -u)" -eq 0 ] && umount "$W/ro"
		chmod 755 "$W/ro"
	fi
}

for_each_gate limits
done_testing
