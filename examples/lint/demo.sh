#!/bin/sh
# demo.sh -- qgate-lint on examples/lint (demo.sh BIN_DIR OUT_DIR; `make demo` may call it)
#
# 1. the planted tree, as CI would check it: exit 1 expected (9 errors);
# 2. --fix in a temporary copy (nothing is written into the source tree):
#    exit 1 (files changed), then a second check of the copy shows only the
#    findings --fix cannot repair.
# Exits 0 when every step gave the expected status, else the first surprise's.
set -u
BIN=${1:-build/bin}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN;; esac
OUT=${2:-$(dirname "$0")/../../build/demo}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 3
cd "$(dirname "$0")" || exit 3
step() {
	want=$1; shift
	echo "+ $*"
	"$@"
	rc=$?
	echo "exit status: $rc (expected $want)"
	[ "$rc" -eq "$want" ] || exit "$rc"
}
step 1 "$BIN/qgate-lint" --config qgate.json --out "$OUT" .
# the copy lives outside any repository (build/ is ignored by git): PATHs are walked on disk
COPY=$(mktemp -d "${TMPDIR:-/tmp}/qgate-lint-demo.XXXXXX") || exit 3
trap 'rm -rf "$COPY"' EXIT
cp -R src scripts docs settings.env windows.txt "$COPY/" || exit 3
cd "$COPY" || exit 3
step 1 "$BIN/qgate-lint" --fix --json "$OUT/lint-fix.json" .
step 1 "$BIN/qgate-lint" --builtin=default,-executable-shebang,-shebang-executable --json "$OUT/lint-after-fix.json" .
echo "reports: $OUT/lint.json, lint.xml, lint-fix.json, lint-after-fix.json"
exit 0
