#!/bin/sh
# t_fault_files.sh -- report paths that are not plain files, and file-size
# limits (issue 11): a report is only ever renamed over a regular file;
# character devices and FIFOs are written through (/dev/null stays a device,
# /dev/full is exit 3 with ENOSPC), a symlink to a file keeps being a link and
# its target gets the report, folders and sockets are refused (exit 2), and
# `ulimit -f` is exit 3 naming the file with no temp file left.
#
# The system's /dev/null and /dev/full are only touched after the same checks
# passed on scratch device nodes (as root): a gate that renames over a device
# must not take the test machine's /dev/null with it.
. "$(dirname "$0")/../e2e/lib.sh"

DATA=$QG_ROOT/examples/data
gate() { qgate-data validate --schema "$DATA/train.schema.json" "$DATA/train.csv" "$@"; }
no_temp() { # NAME DIR: no .*.tmp* file left in DIR
	if ls -a "$2" | grep -q '\.tmp'; then not_ok "$1"; ls -a "$2" | sed 's/^/#   /'; else ok "$1"; fi
}

# --- a FIFO is written through, never replaced
mkfifo "$T/fifo"
timeout 20 cat "$T/fifo" >"$T/from-fifo" &
reader=$!
expect_exit 0 "--json FIFO passes" timeout 20 qgate-data validate --schema "$DATA/train.schema.json" "$DATA/train.csv" --json "$T/fifo"
wait "$reader"
if [ -p "$T/fifo" ]; then ok "the FIFO is still a FIFO"; else not_ok "the FIFO was replaced"; ls -l "$T/fifo" | sed 's/^/#   /'; fi
validate_result "the report read from the FIFO" "$T/from-fifo"
no_temp "no temp file next to the FIFO" "$T"

# --- a symlink to a regular file: the target is replaced, the link stays
mkdir "$T/real" "$T/links"
echo old >"$T/real/report.json"
ln -s ../real/report.json "$T/links/report.json"
expect_exit 0 "--json through a symlink passes" gate --json "$T/links/report.json"
if [ -L "$T/links/report.json" ]; then ok "the symlink is still a symlink"; else not_ok "the symlink was replaced by a file"; fi
validate_result "the symlink's target holds the report" "$T/real/report.json"
no_temp "no temp file next to the link" "$T/links"
no_temp "no temp file next to the target" "$T/real"

# --- refused: a folder, a socket, a dangling symlink (exit 2, nothing replaced)
# refused_exit NAME: the gate checks report paths up front (qg_file_check_output
# from lib/core/gate.c): exit 2 before anything runs, nothing replaced
refused_exit() {
	case $_rc in
	2) ok "$1 (exit 2)" ;;
	*) not_ok "$1: exit $_rc, expected 2" ;;
	esac
}
mkdir "$T/dir"
expect_exit_any() { "$@" >"$T/out" 2>"$T/err"; _rc=$?; }
expect_exit_any gate --json "$T/dir"
refused_exit "--json a folder is refused"
expect_grep "the folder is named" "'$T/dir'.*folder" "$T/err"
if [ -d "$T/dir" ]; then ok "the folder is still a folder"; else not_ok "the folder was replaced"; fi
if "$DEBIAN_PY" -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/sock" 2>/dev/null; then
	expect_exit_any gate --json "$T/sock"
	refused_exit "--json a socket is refused"
	expect_grep "the socket is named" "sock'.*socket" "$T/err"
	if [ -S "$T/sock" ]; then ok "the socket is still a socket"; else not_ok "the socket was replaced"; fi
else
	skip "cannot create a unix socket here"
fi
ln -s "$T/nowhere/x.json" "$T/dangling"
expect_exit_any gate --json "$T/dangling"
refused_exit "--json a dangling symlink is refused"
if [ -L "$T/dangling" ]; then ok "the dangling symlink is left alone"; else not_ok "the dangling symlink was replaced"; fi

# --- /dev/stdout: into a pipe, and into a regular file stdout was sent to
gate --json /dev/stdout 2>"$T/err" | cat >"$T/stdout-pipe"
expect_grep "--json /dev/stdout into a pipe" '"schema": "qgate.result/v1"' "$T/stdout-pipe"
echo "first line" >"$T/log"
gate --json /dev/stdout >>"$T/log" 2>"$T/err"
expect_eq "--json /dev/stdout >>log keeps what the log held" "$(head -1 "$T/log")" "first line"
expect_grep "--json /dev/stdout >>log appends the report" '"schema": "qgate.result/v1"' "$T/log"

# --- character devices: written through, never renamed over
devs_safe=0
if [ "$(id -u)" = 0 ] && mknod "$T/null" c 1 3 2>/dev/null && mknod "$T/full" c 1 7 2>/dev/null; then
	expect_exit 0 "--json scratch null device passes" gate --json "$T/null"
	expect_eq "the scratch null device is still 1:3" "$(stat -c %F:%t:%T "$T/null")" "character special file:1:3"
	expect_exit 3 "--json scratch full device is exit 3" gate --json "$T/full"
	expect_grep "the full device's error names it and ENOSPC" "'$T/full'.*[Nn]o space left" "$T/err"
	expect_eq "the scratch full device is still 1:7" "$(stat -c %F:%t:%T "$T/full")" "character special file:1:7"
	no_temp "no temp file next to the scratch devices" "$T"
	if [ "$(stat -c %F:%t:%T "$T/null")" = "character special file:1:3" ] &&
	   [ "$(stat -c %F:%t:%T "$T/full")" = "character special file:1:7" ]; then devs_safe=1; fi
elif [ "$(id -u)" != 0 ]; then
	devs_safe=1 # unprivileged: rename over /dev/* fails anyway
else
	skip "mknod not permitted (container): scratch device nodes"
	devs_safe=1
fi
if [ "$devs_safe" = 1 ]; then
	before=$(stat -c %F:%t:%T /dev/null)
	expect_exit 0 "--json /dev/null passes" gate --json /dev/null
	expect_eq "/dev/null is still the same device" "$(stat -c %F:%t:%T /dev/null)" "$before"
	before=$(stat -c %F:%t:%T /dev/full)
	expect_exit 3 "--json /dev/full is exit 3" gate --json /dev/full
	expect_grep "/dev/full's error names it and ENOSPC" "'/dev/full'.*[Nn]o space left" "$T/err"
	expect_eq "/dev/full is still the same device" "$(stat -c %F:%t:%T /dev/full)" "$before"
else
	not_ok "scratch devices were replaced: not touching the system's /dev/null and /dev/full"
fi

# --- ulimit -f: EFBIG is exit 3 naming the file, no temp file, old report kept
mkdir "$T/lim"
echo old >"$T/lim/report.json"
(ulimit -f 4 && exec qgate-data validate --schema "$DATA/train.schema.json" "$DATA/train.csv" \
	--json "$T/lim/report.json") >"$T/out" 2>"$T/err"
expect_eq "ulimit -f: exit 3, not killed by SIGXFSZ" "$?" 3
expect_grep "ulimit -f: the report is named, file too large" "'$T/lim/report.json'.*[Ff]ile too large" "$T/err"
no_temp "ulimit -f: no temp file left" "$T/lim"
expect_eq "ulimit -f: the old report is kept" "$(cat "$T/lim/report.json")" old

done_testing
