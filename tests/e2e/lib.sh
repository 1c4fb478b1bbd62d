# tests/e2e/lib.sh -- helpers for end-to-end scripts (sourced; POSIX sh)
#
# Each script sources this, calls the helpers, and ends with `done_testing`.
# Assertions print TAP lines ("ok N - name" / "not ok N - name"); tests/run
# counts them. Exit codes are compared exactly, never with `! cmd`.
set -u
QG_ROOT=${QG_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
QG_BIN=${QG_BIN:-$QG_ROOT/build/bin}
PATH=$QG_BIN:$PATH
export PATH
# ../shared holds the JUnit XSDs; QG_SHARED points elsewhere (tests of the
# skip itself). QG_REQUIRE_SCHEMAS=1 (.ci/run) makes a missing schema a failure.
SHARED=${QG_SHARED:-$QG_ROOT/../shared}
DEBIAN_PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/qgate-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
_n=0
_failed=0

ok()     { _n=$((_n + 1)); echo "ok $_n - $*"; }
not_ok() { _n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n - $*"; }
# skip REASON: a check that did not run; tests/run counts it apart from passes
# and failures and prints every skip with its reason on the console.
skip()   { _n=$((_n + 1)); echo "ok $_n - # SKIP $*"; }
diag()   { echo "# $*"; }

# expect_exit CODE NAME CMD...: run CMD (stdout to $T/out, stderr to $T/err)
# and check its exit status is exactly CODE.
expect_exit() {
	_want=$1; _name=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	_rc=$?
	if [ "$_rc" -eq "$_want" ]; then
		ok "$_name (exit $_rc)"
	else
		not_ok "$_name: exit $_rc, expected $_want"
		sed 's/^/#   out: /' "$T/out" | head -20
		sed 's/^/#   err: /' "$T/err" | head -20
	fi
}

# expect_grep NAME PATTERN FILE: FILE contains a line matching PATTERN (grep -E).
expect_grep() {
	if grep -Eq -- "$2" "$3"; then ok "$1"; else
		not_ok "$1: /$2/ not in $3"; head -20 "$3" | sed 's/^/#   /'; fi
}
expect_no_grep() {
	if grep -Eq -- "$2" "$3"; then not_ok "$1: /$2/ found in $3"; grep -E -- "$2" "$3" | head -5 | sed 's/^/#   /'; else ok "$1"; fi
}
expect_file() { if [ -f "$2" ]; then ok "$1"; else not_ok "$1: $2 missing"; fi; }
expect_no_file() { if [ -e "$2" ]; then not_ok "$1: $2 exists"; else ok "$1"; fi; }
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2', expected '$3'"; fi
}

# validate_junit NAME FILE: against both schemas in ../shared/schemas.
validate_junit() {
	if [ ! -d "$SHARED/schemas" ]; then
		if [ "${QG_REQUIRE_SCHEMAS:-}" = 1 ]; then
			not_ok "$1: QG_REQUIRE_SCHEMAS=1 and $SHARED/schemas is missing"
		else
			skip "$1: $SHARED/schemas not present, JUnit schema validation NOT RUN"
		fi
		return
	fi
	for _x in junit-ant.xsd junit-jenkins-10.xsd; do
		if xmllint --noout --schema "$SHARED/schemas/$_x" "$2" >"$T/xmllint" 2>&1; then
			ok "$1 validates against $_x"
		else
			not_ok "$1 does not validate against $_x"; sed 's/^/#   /' "$T/xmllint" | head -10
		fi
	done
}

# validate_result NAME FILE: against docs/result.schema.json (Debian's jsonschema).
validate_result() {
	if "$DEBIAN_PY" "$QG_ROOT/tests/validate-json.py" "$QG_ROOT/docs/result.schema.json" "$2" >"$T/jsonschema" 2>&1; then
		ok "$1 validates against result.schema.json"
	else
		not_ok "$1 does not validate against result.schema.json"; sed 's/^/#   /' "$T/jsonschema" | head -10
	fi
}

# json_get FILE EXPR: print a value from a JSON file with a Python expression
# over `d`, e.g. json_get r.json 'd["summary"]["failed"]'.
json_get() {
	"$DEBIAN_PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(json.dumps(v) if not isinstance(v,str) else v)' "$1" "$2"
}

done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}
