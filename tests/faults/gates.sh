# tests/faults/gates.sh -- the gate table for the generic fault scripts
# (sourced after ../e2e/lib.sh; POSIX sh)
#
# for_each_gate FUNC [KIND]: read tests/faults/gates.list (QG_FAULT_GATES
# names another table) and call FUNC once per line (only lines of KIND when
# given) with
#   G_ID G_KIND       the line's id and kind (report | print)
#   G_PASS G_FAIL     the inputs that exit 0 and 1 (G_FAIL empty: no failing verdict)
#   W                 a fresh scratch folder for this line
# and `gw INPUT` printing the line's argv with @IN@ = INPUT, to be split:
#   expect_exit 0 "..." $(gw "$G_PASS") --json "$W/r.json"
# Paths never hold blanks (checked), so word splitting is safe; globbing is
# off (set -f) for the whole script.
set -f
EX=$QG_ROOT/examples
FX=$QG_ROOT/tests/faults/fixtures
GATES_LIST=${QG_FAULT_GATES:-$QG_ROOT/tests/faults/gates.list}
if [ -z "${QG_FAULT_MODE:-}" ]; then
	if [ "$(id -u)" -eq 0 ]; then QG_FAULT_MODE=root; else QG_FAULT_MODE=user; fi
fi
case "$T$QG_ROOT" in *[[:space:]]*)
	echo "Bail out! a blank in '$T' or '$QG_ROOT': tests/faults/gates.sh splits words"; exit 1;;
esac
# The sanitizer build cannot run under a small address-space limit (ASan
# reserves terabytes of shadow memory up front): QG_FAULT_REL_BIN names a
# build without sanitizers for the `ulimit -v` fault.
QG_SANITIZED=0
if [ -f "${QG_BUILD:-}/build-flags.mk" ] && grep -q "fsanitize=[a-z,]*address" "$QG_BUILD/build-flags.mk"; then
	QG_SANITIZED=1
fi

_subst() { echo "$1" | sed "s|@EX@|$EX|g; s|@FX@|$FX|g; s|@W@|$W|g"; }
gw() { echo "$G_CMD" | sed "s|@IN@|$1|g; s|@EX@|$EX|g; s|@FX@|$FX|g; s|@W@|$W|g"; }

for_each_gate() {
	_fn=$1; _only=${2:-}
	_lines=0
	while read -r G_ID G_KIND _p _f G_CMD; do
		case $G_ID in '' | \#*) continue ;; esac
		[ -n "$_only" ] && [ "$G_KIND" != "$_only" ] && continue
		# QG_FAULT_ONLY=ID[,ID...]: only these lines (while working on one gate)
		[ -n "${QG_FAULT_ONLY:-}" ] && case ",$QG_FAULT_ONLY," in *",$G_ID,"*) ;; *) continue ;; esac
		_lines=$((_lines + 1))
		W=$T/g-$G_ID
		mkdir -p "$W"
		G_PASS=$(_subst "$_p")
		G_FAIL=
		[ "$_f" != - ] && G_FAIL=$(_subst "$_f")
		diag "--- $G_ID ($G_KIND): $(gw '<input>')"
		"$_fn" </dev/null
	done <"$GATES_LIST"
	# an empty table is a broken campaign; QG_FAULT_ONLY may leave a kind
	# with no line on purpose
	if [ "$_lines" -eq 0 ]; then
		if [ -n "${QG_FAULT_ONLY:-}" ]; then
			diag "QG_FAULT_ONLY=$QG_FAULT_ONLY: no line of this kind"
		else
			not_ok "no line in $GATES_LIST"
		fi
	fi
}

# no_temp NAME DIR: no report temp file (".NAME.tmpXXXXXX") left in DIR
no_temp() {
	if ls -A "$2" 2>/dev/null | grep -q '\.tmp'; then
		not_ok "$1: temp file left in $2"; ls -A "$2" | sed 's/^/#   /'
	else ok "$1"; fi
}
# no_crash NAME: stderr ($T/err) holds no sanitizer report, no core dump
no_crash() {
	if grep -Eq 'AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|runtime error:|Segmentation|core dumped' "$T/err"; then
		not_ok "$1: crashed"; head -15 "$T/err" | sed 's/^/#   /'
	else ok "$1"; fi
}
# one_error NAME PROG: exactly one "PROG: error:" line on stderr
one_error() {
	_c=$(grep -c "^$2: error: " "$T/err")
	if [ "$_c" -eq 1 ]; then ok "$1"; else not_ok "$1: $_c '$2: error:' lines"; head -10 "$T/err" | sed 's/^/#   /'; fi
}
# status_of FILE: the result's "status" (its first "status" member: the
# writer puts it before "checks"), "none" when FILE is absent, "bad" when it
# is not a JSON object (a grep, not a Python start per check: this is hot)
status_of() {
	[ -e "$1" ] || { echo none; return; }
	_s=$(head -c 1 "$1")
	[ "$_s" = "{" ] || { echo bad; return; }
	_s=$(grep -m1 -o '"status": *"[a-z]*"' "$1" | head -1 | sed 's/.*"\([a-z]*\)"$/\1/')
	echo "${_s:-bad}"
}
# junit_verdict FILE: none | error (an <error>) | fail | pass
junit_verdict() {
	[ -e "$1" ] || { echo none; return; }
	if grep -q '<error' "$1"; then echo error; elif grep -q '<failure' "$1"; then echo fail; else echo pass; fi
}
# prog_of: the program name errors start with (the front runs the gate)
prog_of() {
	set -- $G_CMD
	case $1 in qgate) echo "qgate-$2" ;; *) echo "$1" ;; esac
}
# wait_bounded PID SECS: wait for a background PID, killing it (SIGKILL,
# status 137) when it is still running after SECS seconds: a hang fails the
# check instead of hanging the suite. Sets _rc.
wait_bounded() {
	_t=0
	while kill -0 "$1" 2>/dev/null && [ "$_t" -lt $(($2 * 10)) ]; do
		# a zombie counts as finished
		case $(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' /proc/"$1"/status 2>/dev/null) in Z | '') break ;; esac
		sleep 0.1
		_t=$((_t + 1))
	done
	kill -0 "$1" 2>/dev/null && [ "$_t" -ge $(($2 * 10)) ] && { diag "pid $1 still running after $2 s: killed"; kill -s KILL "$1"; }
	wait "$1"
	_rc=$?
}
