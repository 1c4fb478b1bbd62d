#!/bin/sh
# t_test_peer.sh -- qgate-test reading other projects' real reports (issue 14): every junit/, tap/
# and other-xml/ row of ../shared/peer-reports/MANIFEST.tsv is read with `qgate-test --junit-in F`
# (or --tap-in F) and the result's metrics tests/failed/errors/skipped are compared with the
# manifest's columns; valid=no rows and the foreign formats (TRX, xUnit.net, NUnit) must be exit 3
# with the file named on stderr (the foreign ones refused by name, "not JUnit XML"). The exit code
# follows the counts: 3 "no test ran" with no test at all, 1 or 3 with a failure or error, 0 otherwise
# (0 or 3 when every test was skipped: that is the verdict's call, not the reader's).
# Skipped loudly without ../shared.
. "$(dirname "$0")/lib.sh"
Q=qgate-test
P=$SHARED/peer-reports
if [ ! -f "$P/MANIFEST.tsv" ]; then
	skip "$P/MANIFEST.tsv not present: peer reports NOT READ"
	done_testing
	exit $?
fi

n=0
while IFS='	' read -r path format source tests failures errors skipped findings valid notes; do
	case $path in junit/*|tap/*|other-xml/*) ;; *) continue;; esac
	n=$((n + 1))
	f=$P/$path
	flag=--junit-in
	[ "$format" = tap ] && flag=--tap-in
	"$Q" "$flag" "$f" --json "$T/r.json" --junit "$T/r.xml" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$valid" = no ] || [ "${path#other-xml/}" != "$path" ]; then
		if [ "$rc" -eq 3 ] && grep -qF "$path" "$T/err"; then
			ok "$path refused (exit 3, file named)"
		else
			not_ok "$path: exit $rc, expected 3 naming the file"; sed 's/^/#   /' "$T/err" | head -5
		fi
		if [ "${path#other-xml/}" != "$path" ]; then
			expect_grep "$path refused by name" 'an? (TRX|xUnit\.net|NUnit) report \(root <[^>]*>\), not JUnit XML' "$T/err"
		fi
		continue
	fi
	if [ "$tests" -eq 0 ]; then # no test at all: exit 3, never a pass
		if [ "$rc" -eq 3 ] && grep -q 'no test ran' "$T/err"; then ok "$path: no test, exit 3 'no test ran'"
		else not_ok "$path: exit $rc, expected 3 'no test ran'"; sed 's/^/#   /' "$T/err" | head -5; fi
		continue
	fi
	got=$(json_get "$T/r.json" '"%s/%s/%s/%s" % (d["metrics"]["tests"], d["metrics"]["failed"], d["metrics"]["errors"], d["metrics"]["skipped"])' 2>&1)
	expect_eq "$path counts (tests/failed/errors/skipped)" "$got" "$tests/$failures/$errors/$skipped"
	if [ "$tests" -eq "$skipped" ]; then want="0 3" # all skipped: the verdict's call
	elif [ "$failures" -gt 0 ] || [ "$errors" -gt 0 ]; then want="1 3"
	else want="0"; fi
	case " $want " in
	*" $rc "*) ok "$path exit $rc";;
	*) not_ok "$path: exit $rc, expected one of: $want"; sed 's/^/#   /' "$T/err" | head -5;;
	esac
	# one of each format through the validators (every row would be 120 xmllint runs)
	case $path in
	junit/enricomi/junit.multiresult.xml|tap/tapjs/tap-tests.tap)
		validate_result "$path result" "$T/r.json"
		validate_junit "$path JUnit out" "$T/r.xml";;
	esac
done <"$P/MANIFEST.tsv"
expect_eq "every junit/tap/other-xml row read" "$([ "$n" -ge 60 ] && echo yes)" yes
done_testing
