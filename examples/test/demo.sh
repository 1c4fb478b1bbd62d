#!/bin/sh
# demo.sh -- qgate-test on examples/test (demo.sh BIN_DIR OUT_DIR; `make demo` calls it)
#
# A small C project (src/calc.c) with cmocka tests, one of them flaky
# (tests/test_flaky.c fails on its first attempt), built with gcc --coverage
# in a scratch folder (nothing is written into the source tree):
# 1. every test program run by qgate-test, -j 2, its cmocka TAP read case by
#    case, --retries 1: exit 0, the flaky test counted and listed apart;
# 2. the same without --retries: the flaky test blocks (exit 1);
# 3. the coverage gcov measured, gated at --coverage-min 80 (exit 0).
# Reports: OUT/test.json and OUT/test.xml (step 1), OUT/test-noretry.json,
# OUT/test-coverage.json. Exits 0 when every step gave the expected status,
# else the first surprise's.
set -u
BIN=${1:-build/bin}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN;; esac
OUT=${2:-$(dirname "$0")/../../build/demo}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 3
cd "$(dirname "$0")" || exit 3
SRC=$(pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/qgate-test-demo.XXXXXX") || exit 3
trap 'rm -rf "$W"' EXIT
step() {
	want=$1; shift
	echo "+ $*"
	"$@"
	rc=$?
	echo "exit status: $rc (expected $want)"
	[ "$rc" -eq "$want" ] || exit "$rc"
}
CFLAGS="-std=c11 -O0 -g --coverage -I$SRC/src"
mkdir -p "$W/obj" "$W/bin" "$W/gcov" || exit 3
gcc $CFLAGS -c "$SRC/src/calc.c" -o "$W/obj/calc.o" || exit 3
for t in test_calc test_flaky; do
	gcc $CFLAGS -c "$SRC/tests/$t.c" -o "$W/obj/$t.o" || exit 3
	gcc --coverage -o "$W/bin/$t" "$W/obj/$t.o" "$W/obj/calc.o" -lcmocka || exit 3
done
CMOCKA_MESSAGE_OUTPUT=TAP
FLAKY_STATE=$W/flaky.count
export CMOCKA_MESSAGE_OUTPUT FLAKY_STATE
cd "$W" || exit 3
# run from the scratch folder: the tests are named bin/test_calc.<case>, the same every run
step 0 "$BIN/qgate-test" --each 'bin/test_*' --tap --retries 1 -j 2 --timeout 60 --out "$OUT"
rm -f "$FLAKY_STATE"
step 1 "$BIN/qgate-test" --each 'bin/test_*' --tap -j 2 --timeout 60 --json "$OUT/test-noretry.json" -q
(cd "$W/gcov" && gcov --json-format -o "$W/obj" "$SRC/src/calc.c" >/dev/null) || exit 3
step 0 "$BIN/qgate-test" --gcov "$W/gcov" --coverage-min 80 --json "$OUT/test-coverage.json"
