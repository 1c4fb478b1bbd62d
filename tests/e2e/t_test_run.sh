#!/bin/sh
# t_test_run.sh -- qgate-test running real programs (issue 14): --each/--list, -j, exit codes and
# signals named, --timeout/--kill-after, no process outliving the run (a double-forking daemon and a
# hang, checked with pgrep on a unique marker), bounded capture, --retries (flaky), --quarantine,
# --shard I/N (+ --timings), --baseline, --min-tests/--max-skipped, one command, perl as the runner,
# prove's TAP and pytest's JUnit when the readers are built
. "$(dirname "$0")/lib.sh"
Q=qgate-test
D=$T/d
mkdir -p "$D/t" "$D/p"
cd "$D" || exit 1
MARK=qgt1m$$
# the marker reaches the processes through the environment, so only the
# renamed ones ($0) carry it in their command line
QGT1_MARK=$MARK
export QGT1_MARK

# every test of a result, sorted, as [id, status]: the test.* checks (tests
# that did not simply pass) and the cases tests.passed lists (the rest; a
# "c<TAB>prefix" line starts the cases whose ids are prefix + name)
cat >"$T/cases.py" <<'PY'
import json, sys
def cases(c):
    pre = ""
    for l in c.get("cases", "").splitlines():
        if l.startswith("c\t"):
            pre = l[2:]
            continue
        o, ms, name, msg = l.split("\t")
        yield o, (None if ms == "-" else float(ms)), pre + name, msg
def tests(f):  # {id: (status, duration_ms)}
    t = {}
    for c in json.load(open(f))["checks"]:
        if c["id"].startswith("test."):
            t[c["id"]] = (c["status"], c.get("duration_ms", 0))
        elif c["id"] in ("tests.passed", "tests.failed"):
            for o, ms, i, m in cases(c):
                t[i] = ({"p": "pass", "s": "skip", "f": "fail", "e": "error"}[o], ms or 0)
    return t
if __name__ == "__main__":
    t = tests(sys.argv[1])
    print(json.dumps(sorted([i, t[i][0]] for i in t)))
PY
all_tests() { "$DEBIAN_PY" "$T/cases.py" "$1"; }

mk() { # mk FILE BODY...: an executable sh script
	_f=$1; shift
	printf '#!/bin/sh\n%s\n' "$*" >"$_f"
	chmod +x "$_f"
}

# --- --each: outcomes, signals named, exit 77 skipped, JUnit and result valid
mk t/pass.sh 'exit 0'
mk t/fail.sh 'echo out-of-fail; echo err-of-fail >&2; exit 1'
mk t/segv.sh 'kill -SEGV $$'
mk t/skip.sh 'exit 77'
expect_exit 1 "--each: a failing test blocks" $Q --each 't/*.sh' -j 2 --json "$T/e.json" --junit "$T/e.xml"
validate_result "--each result" "$T/e.json"
validate_junit "--each JUnit" "$T/e.xml"
expect_eq "metrics" "$(json_get "$T/e.json" '[d["metrics"][k] for k in ("tests","passed","failed","errors","skipped","flaky")]')" '[4, 1, 2, 0, 1, 0]'
expect_eq "every test, by name" "$(all_tests "$T/e.json")" \
	'[["test.t/fail.sh", "fail"], ["test.t/pass.sh", "pass"], ["test.t/segv.sh", "fail"], ["test.t/skip.sh", "skip"]]'
expect_eq "a check for each test that did not pass, then tests.passed listing the rest" \
	"$(json_get "$T/e.json" '[c["id"] for c in d["checks"]]')" '["test.t/fail.sh", "test.t/segv.sh", "tests.passed"]'
expect_eq "tests.passed: its cases, with durations" \
	"$(json_get "$T/e.json" '[(l.split("\t")[0], l.split("\t")[1].isdigit(), l.split("\t")[2]) if l[0] != "c" else l for c in d["checks"] if c["id"] == "tests.passed" for l in c["cases"].splitlines()]')" \
	'["c\ttest.", ["p", true, "t/pass.sh"], ["s", true, "t/skip.sh"]]'
expect_eq "... and its counts" "$(json_get "$T/e.json" '[(c["status"], c["passed"], c["skipped"]) for c in d["checks"] if c["id"] == "tests.passed"]')" \
	'[["pass", 1, 1]]'
expect_eq "the JUnit report has every test" \
	"$("$DEBIAN_PY" -c 'import sys, xml.etree.ElementTree as E; print(sorted((t.get("name"), [c.tag for c in t]) for t in E.parse(sys.argv[1]).iter("testcase")))' "$T/e.xml")" \
	"[('test.t/fail.sh', ['failure']), ('test.t/pass.sh', []), ('test.t/segv.sh', ['failure']), ('test.t/skip.sh', ['skipped'])]"
expect_eq "the signal is named" "$(json_get "$T/e.json" '[c["message"] for c in d["checks"] if c["id"]=="test.t/segv.sh"][0]')" 'killed by SIGSEGV'
expect_grep "failures printed as they happen" '^FAIL t/fail.sh \(exit 1, [0-9.]+ s\)$' "$T/err"
expect_grep "the crash printed with its signal" '^FAIL t/segv.sh \(killed by SIGSEGV' "$T/err"
expect_grep "stdout kept in the failure" 'out-of-fail' "$T/e.xml"
expect_grep "stderr kept in the failure" 'err-of-fail' "$T/e.xml"
expect_exit 0 "--each on passing tests" $Q --each 't/pass.sh' --each 't/skip.sh'
expect_exit 3 "--each matching nothing" $Q --each 't/*.none'
expect_grep "names the glob" "'t/\*.none': matches no file" "$T/err"

# --- a program that cannot start is an error naming it
printf 'exit 0\n' >t/noexec.sh
expect_exit 3 "a non-executable test is an error" $Q --each 't/noexec.sh' --json "$T/ne.json"
expect_grep "names it" "cannot start 't/noexec.sh': Permission denied" "$T/err"
printf 't/pass.sh\n# comment\n\n/no/such/test\n' >list.txt
expect_exit 3 "--list with a missing program" $Q --list list.txt --json "$T/l.json"
expect_eq "the missing one is the error" "$(all_tests "$T/l.json")" \
	'[["test./no/such/test", "error"], ["test.t/pass.sh", "pass"]]'
expect_exit 2 "--each with --list" $Q --each 't/*.sh' --list list.txt
expect_exit 2 "nothing to judge" $Q

# --- --timeout: SIGTERM to the group, --kill-after, SIGKILL
mk t2.sh "trap 'echo got-term >$D/term.flag; exit 5' TERM; sleep 30 & wait"
expect_exit 3 "a hang times out (error)" $Q --each t2.sh --timeout 1 --json "$T/to.json"
expect_eq "timed out after 1 s" "$(json_get "$T/to.json" 'd["checks"][0]["message"]')" 'timed out after 1 s'
expect_file "the test got SIGTERM" "$D/term.flag"
expect_eq "it stopped on SIGTERM: about 1 s" "$(json_get "$T/to.json" '900 <= d["checks"][0]["duration_ms"] < 1900')" true
cat >t3.pl <<EOF
\$0 = "${MARK}_hang"; \$SIG{TERM} = "IGNORE"; sleep 300;
EOF
expect_exit 3 "SIGTERM ignored: SIGKILL after --kill-after" $Q --each t3.pl --timeout 0.5 --kill-after 1 --json "$T/ka.json" -- perl
expect_eq "says it was killed" "$(json_get "$T/ka.json" 'd["checks"][0]["message"]')" 'timed out after 0.5 s, killed by SIGKILL'
expect_eq "0.5 s + 1 s" "$(json_get "$T/ka.json" '1400 <= d["checks"][0]["duration_ms"] < 2500')" true

# --- nothing outlives the run: a double-forking daemon (setsid) and a hang
cat >daemon.sh <<EOF
#!/bin/sh
# the daemon: forks, setsid, forks again, the middle exits; stdio detached
perl -e 'use POSIX "setsid"; exit 0 if fork; setsid(); exit 0 if fork; \$0 = "\$ENV{QGT1_MARK}_daemon";
	open STDIN, "</dev/null"; open STDOUT, ">/dev/null"; open STDERR, ">/dev/null"; sleep 300' &
sleep 0.3
exit 0
EOF
chmod +x daemon.sh
cat >hang.sh <<EOF
#!/bin/sh
exec perl -e '\$0 = "\$ENV{QGT1_MARK}_hang2"; \$SIG{TERM} = "IGNORE"; sleep 300'
EOF
chmod +x hang.sh
# without qgate-test the daemon does survive its test (so the check below can fail)
# (its own marker: the killed daemon may linger as a zombie of PID 1)
QGT1_MARK=qgt1p$$ ./daemon.sh
sleep 0.3
_p=$(pgrep -f "qgt1p$$_daemon")
if [ -n "$_p" ]; then ok "the daemon outlives a plain run ($_p)"; kill $_p; else not_ok "the daemon did not start"; fi
expect_exit 3 "daemon + hang" $Q --each daemon.sh --each hang.sh -j 2 --timeout 1 --kill-after 0.5 --json "$T/dh.json"
expect_eq "the daemon's test passed, the hang timed out" "$(all_tests "$T/dh.json")" \
	'[["test.daemon.sh", "pass"], ["test.hang.sh", "error"]]'
_left=$(pgrep -f "$MARK" || true)
if [ -z "$_left" ]; then ok "no process of the tests is alive after qgate-test"; else
	not_ok "left behind: $_left"; ps -o pid,ppid,pgid,stat,args -p "$_left" | sed "s/^/#   /"; kill -9 $_left 2>/dev/null; fi
expect_grep "it says it killed them" 'killed [0-9]+ process\(es\) the tests left running' "$T/err"

# --- bounded capture: the first and the last 64 KiB of each stream
mk big.sh 'echo FIRST-LINE; i=0; while [ $i -lt 4000 ]; do echo "filler line $i ................................................................................................................................................................................................................................................................"; i=$((i+1)); done; echo LAST-LINE; exit 1'
expect_exit 1 "a test writing 1 MB" $Q --each big.sh --json "$T/big.json"
expect_eq "head and tail kept, the middle counted" \
	"$(json_get "$T/big.json" '(lambda l: ("FIRST-LINE" in l, "LAST-LINE" in l, "bytes not kept" in l, len(l) < 140000))(d["checks"][0]["locations"][0]["message"])')" \
	'[true, true, true, true]'

# --- -v streams everything
mk loud.sh 'echo streamed-out-line'
expect_exit 0 "-v" $Q -v --each loud.sh
expect_grep "-v streams the test's output" 'streamed-out-line' "$T/err"
expect_exit 0 "without -v" $Q --each loud.sh
expect_no_grep "without -v it does not" 'streamed' "$T/err"

# --- --retries: flaky passes, counted and listed apart, failed attempts kept
mk flaky.sh "n=\$(cat $D/count 2>/dev/null || echo 0); n=\$((n+1)); echo \$n >$D/count; [ \$n -ge 2 ] || { echo first-attempt-fails; exit 1; }"
expect_exit 1 "a flaky test without --retries fails" $Q --each flaky.sh
rm -f count
expect_exit 0 "with --retries 2 it passes" $Q --each flaky.sh --each t/pass.sh --retries 2 --json "$T/fl.json" --junit "$T/fl.xml"
validate_result "flaky result" "$T/fl.json"
validate_junit "flaky JUnit" "$T/fl.xml"
expect_eq "flaky counted apart" "$(json_get "$T/fl.json" '[d["metrics"][k] for k in ("tests","passed","flaky")]')" '[2, 1, 1]'
expect_eq "flaky in the check" "$(json_get "$T/fl.json" '[(c["flaky"], c["attempts"], c["failed_attempts"]) for c in d["checks"] if c["id"]=="test.flaky.sh"][0]')" \
	'[true, 2, ["attempt 1: exit 1\nstdout:\nfirst-attempt-fails\n"]]'
expect_grep "the failed attempt is in the JUnit report" 'attempt 1: exit 1' "$T/fl.xml"
expect_eq "... as a testcase beside the test's: <skipped> with the attempt's message and output (both XSDs allow it)" \
	"$("$DEBIAN_PY" -c 'import sys, xml.etree.ElementTree as E
for t in E.parse(sys.argv[1]).iter("testcase"):
    if "flaky" in t.get("name"):
        print(t.get("name"), [(c.tag, c.get("message"), c.text) for c in t])' "$T/fl.xml")" \
	"test.flaky.sh []
test.flaky.sh [attempt 1 of 2 failed] [('skipped', 'flaky: attempt 1 of 2 failed, attempt 2 passed: attempt 1: exit 1', 'attempt 1: exit 1\nstdout:\nfirst-attempt-fails\n')]"
expect_grep "printed as flaky" '^FLAKY flaky.sh' "$T/err"
expect_exit 1 "a test failing every time fails after its retries" $Q --each t/fail.sh --retries 2 --json "$T/rf.json"
expect_eq "three attempts" "$(json_get "$T/rf.json" 'd["checks"][0]["attempts"]')" 3

# --- --quarantine: a valid entry does not block, an expired one does and says so
printf 't/fail.sh expires=2999-12-31 issue 7\n' >q.txt
expect_exit 0 "a quarantined failure does not block" $Q --each t/fail.sh --each t/pass.sh --quarantine q.txt --json "$T/q.json"
expect_eq "reported as quarantined" "$(json_get "$T/q.json" '[(c["status"], c["message"][:28], c["quarantined"]) for c in d["checks"] if c["id"]=="test.t/fail.sh"][0]')" \
	'["pass", "quarantined until 2999-12-31", true]'
expect_eq "still counted failed" "$(json_get "$T/q.json" '[d["metrics"]["failed"], d["metrics"]["quarantined"]]')" '[1, 1]'
printf '[{"name": "t/fail.sh", "expires": "2001-02-03", "reason": "old"}]\n' >q.json
expect_exit 1 "an expired entry blocks again" $Q --each t/fail.sh --quarantine q.json --json "$T/qx.json"
expect_eq "and says so" "$(json_get "$T/qx.json" '[c["message"] for c in d["checks"] if c["id"]=="tests.quarantine"][0]')" \
	'quarantine expired, failures block again: t/fail.sh (expired 2001-02-03)'
printf 't/fail.sh expires=2024-02-30\n' >qbad.txt
expect_exit 2 "a bad date in the quarantine" $Q --each t/fail.sh --quarantine qbad.txt
expect_grep "named with line and column" "'qbad.txt':1:19: expires '2024-02-30' is not a date" "$T/err"

# --- --shard I/N: the shards' union is the whole; timings balance them
i=1
while [ $i -le 24 ]; do mk "p/t$i.sh" "sleep 0.0$((i % 7))"; i=$((i + 1)); done
expect_exit 0 "the whole" $Q --each 'p/*.sh' -j 2 --json "$T/all.json"
for k in 1 2 3; do
	$Q --each 'p/*.sh' --shard $k/3 --json "$T/h$k.json" >/dev/null 2>&1
	$Q --each 'p/*.sh' --shard $k/3 --timings "$T/all.json" --json "$T/w$k.json" >/dev/null 2>&1
done
cat >"$T/shards.py" <<'EOF'
import sys
sys.path.insert(0, sys.argv[2])
from cases import tests
def ids(f): return sorted(tests(f))
whole = ids(sys.argv[1])
print("all", len(whole))
for p in ("h", "w"):
    parts = [ids(f"{sys.argv[2]}/{p}{k}.json") for k in (1, 2, 3)]
    u = sum(parts, [])
    print(p, sorted(u) == whole, len(u) == len(set(u)))
ms = {i: v[1] for i, v in tests(sys.argv[1]).items()}
loads = [sum(ms[i] for i in ids(f"{sys.argv[2]}/w{k}.json")) for k in (1, 2, 3)]
print("balanced", max(loads) - min(loads) <= max(ms.values()) + 1)
EOF
expect_eq "shards are disjoint and cover the whole" "$("$DEBIAN_PY" "$T/shards.py" "$T/all.json" "$T" | tr '\n' ' ')" \
	'all 24 h True True w True True balanced True '
validate_result "a shard's result" "$T/w2.json"
# without timings the programs are dealt out in hash order: 24 into 3 is 8 each,
# and 2 programs into 2 shards is one each (a bare hash mod N put both in one)
for k in 1 2 3; do
	expect_eq "hash shard $k/3 holds 8 of 24" "$(json_get "$T/h$k.json" 'd["metrics"]["tests"]')" 8
done
mkdir -p two
mk "two/a.sh" "true"
mk "two/b.sh" "true"
for k in 1 2; do
	expect_exit 0 "two programs, shard $k/2 runs one" $Q --each 'two/*.sh' --shard $k/2 --json "$T/two$k.json"
	expect_eq "two programs, shard $k/2: one test" "$(json_get "$T/two$k.json" 'd["metrics"]["tests"]')" 1
done
# --- --merge: the shards' results united equal the whole run
for p in h w; do
	expect_exit 0 "--merge the $p shards" $Q --merge "$T/${p}1.json" --merge "$T/${p}2.json" --merge "$T/${p}3.json" \
		--json "$T/m$p.json" --junit "$T/m$p.xml"
	expect_eq "merged $p: the same tests as the whole run" "$(all_tests "$T/m$p.json")" "$(all_tests "$T/all.json")"
	expect_eq "merged $p: the same metrics" "$(json_get "$T/m$p.json" '[d["metrics"][k] for k in ("tests","passed","failed","errors","skipped","flaky")]')" \
		"$(json_get "$T/all.json" '[d["metrics"][k] for k in ("tests","passed","failed","errors","skipped","flaky")]')"
	expect_eq "merged $p: the shards named as artifacts" "$(json_get "$T/m$p.json" 'len(d["subject"]["artifacts"])')" 3
	validate_result "merged $p: result" "$T/m$p.json"
	validate_junit "merged $p: JUnit" "$T/m$p.xml"
done
expect_exit 1 "--merge: a failing shard fails the merge" $Q --merge "$T/h1.json" --merge "$T/e.json" --json "$T/mf.json"
expect_exit 3 "--merge: a file that is not a qgate-test result is refused" $Q --merge "$QG_ROOT/docs/result.schema.json"
expect_exit 2 "--merge with a command" $Q --merge "$T/h1.json" -- true
expect_exit 1 "a single command gets QGATE_SHARD_INDEX/TOTAL" $Q --shard 2/5 --json "$T/se.json" -- sh -c 'echo "shard=$QGATE_SHARD_INDEX/$QGATE_SHARD_TOTAL"; exit 1'
expect_grep "the command saw 2/5" 'shard=2/5' "$T/se.json"
expect_exit 2 "--shard 4/3" $Q --shard 4/3 --each 'p/*.sh'
expect_exit 2 "--timings without --shard" $Q --timings "$T/all.json" --each 'p/*.sh'

# --- --baseline: a test that vanished fails tests.vanished
expect_exit 1 "a deleted test cannot turn the build green" $Q --each 'p/t1*.sh' --baseline "$T/all.json" --json "$T/v.json"
expect_eq "tests.vanished names them" "$(json_get "$T/v.json" '[(c["status"], c["count"], c["locations"][0]["message"]) for c in d["checks"] if c["id"]=="tests.vanished"][0]')" \
	'["fail", 13, "p/t2.sh is in the baseline and did not run"]'
expect_exit 0 "all of the baseline ran" $Q --each 'p/*.sh' --baseline "$T/all.json"

# --- --min-tests, --max-skipped
expect_exit 1 "--min-tests 5 with 2" $Q --each t/pass.sh --each t/skip.sh --min-tests 5 --json "$T/m.json"
expect_eq "tests.min" "$(json_get "$T/m.json" '[c["message"] for c in d["checks"] if c["id"]=="tests.min"][0]')" '2 test(s) ran, at least 5 wanted'
expect_exit 1 "--max-skipped 0 with 1 skipped" $Q --each t/pass.sh --each t/skip.sh --max-skipped 0
expect_exit 0 "--max-skipped 1" $Q --each t/pass.sh --each t/skip.sh --max-skipped 1 --min-tests 2

# --- one command: the command is the test when it writes no report
expect_exit 0 "-- true" $Q -- true
expect_exit 1 "-- false" $Q --json "$T/c.json" -- sh -c 'exit 4'
expect_eq "its exit named" "$(json_get "$T/c.json" 'd["checks"][0]["message"]')" 'exit 4'
expect_exit 3 "a command that cannot start" $Q -- ./no-such-runner
expect_grep "named" "cannot start './no-such-runner'" "$T/err"
expect_exit 3 "a command that hangs" $Q --timeout 0.5 -- sleep 10
expect_grep "timed out named" "'sleep 10' timed out after 0.5 s" "$T/err"

# --- perl as the runner of every .t (prove's layout)
cat >p/a.t <<'EOF'
print "1..2\nok 1 - first\nok 2 - second\n";
EOF
cat >p/b.t <<'EOF'
print "1..1\nnot ok 1 - broken\n"; exit 1;
EOF
expect_exit 1 "--each 'p/*.t' -- perl" $Q --each 'p/*.t' --json "$T/perl.json" -- perl
expect_eq "each .t a test" "$(all_tests "$T/perl.json")" \
	'[["test.p/a.t", "pass"], ["test.p/b.t", "fail"]]'

# --- the readers (TAP push parser, JUnit) when they are built
if $Q --tap -- perl p/a.t >"$T/tapcheck" 2>&1; then
	expect_exit 1 "--tap: each TAP line a test" $Q --tap --each 'p/*.t' --json "$T/tap.json" --junit "$T/tap.xml" -- perl
	validate_result "TAP result" "$T/tap.json"
	validate_junit "TAP JUnit" "$T/tap.xml"
	expect_eq "TAP cases counted (b.t's exit 1 is its failed case, not one more)" "$(json_get "$T/tap.json" '[d["metrics"][k] for k in ("tests","passed","failed")]')" '[3, 2, 1]'
	if command -v prove >/dev/null 2>&1; then
		expect_exit 0 "prove's own verdict agrees on a.t" prove p/a.t
	fi
else
	skip "--tap: the TAP reader is not built yet ($(head -c 200 "$T/tapcheck"))"
fi
mkdir -p py
cat >py/test_x.py <<'EOF'
def test_ok():
    assert 1 + 1 == 2
def test_bad():
    assert 1 + 1 == 3
EOF
if ! command -v pytest-3 >/dev/null 2>&1; then
	skip "pytest-3 not installed"
elif $Q --junit-in "$T/none.xml" >"$T/jcheck" 2>&1 || ! grep -q 'not built' "$T/jcheck"; then
	expect_exit 1 "pytest-3 --junitxml through -- COMMAND" $Q --junit-in py/report.xml --json "$T/py.json" --junit "$T/py.xml" \
		-- pytest-3 -q -p no:cacheprovider --junitxml=py/report.xml py
	validate_result "pytest result" "$T/py.json"
	validate_junit "pytest JUnit" "$T/py.xml"
	expect_eq "pytest's cases" "$(json_get "$T/py.json" '[d["metrics"][k] for k in ("tests","passed","failed")]')" '[2, 1, 1]'
	touch -d '2001-01-01' py/report.xml
	expect_exit 3 "a stale report (older than the run) is exit 3" $Q --junit-in py/report.xml -- true
	expect_grep "the stale file named" 'py/report.xml' "$T/err"
	rm -f py/report.xml
	expect_exit 3 "a command that leaves no report" $Q --junit-in py/report.xml -- true
	sed -i 's/1 + 1 == 3/1 + 1 == 2/' py/test_x.py
	expect_exit 1 "exit 1 with every reported test passing" $Q --junit-in py/report.xml --json "$T/pc.json" \
		-- sh -c 'pytest-3 -q -p no:cacheprovider --junitxml=py/report.xml py >/dev/null; exit 1'
	expect_eq "tests.command says which" "$(json_get "$T/pc.json" '[c["status"] for c in d["checks"] if c["id"]=="tests.command"][0]')" fail
else
	skip "--junit-in: the JUnit reader is not built yet ($(head -c 200 "$T/jcheck"))"
fi

# --- ctest --output-junit on a tiny CMake project built here
if ! command -v cmake >/dev/null 2>&1 || ! command -v ctest >/dev/null 2>&1; then
	skip "cmake/ctest not installed: the ctest case NOT RUN"
else
	mkdir -p cm
	cat >cm/CMakeLists.txt <<'EOF'
cmake_minimum_required(VERSION 3.21)
project(tiny C)
enable_testing()
add_executable(ok ok.c)
add_test(NAME adds COMMAND ok 0)
add_test(NAME breaks COMMAND ok 1)
add_test(NAME skipped COMMAND ok 77)
set_tests_properties(skipped PROPERTIES SKIP_RETURN_CODE 77)
EOF
	printf '#include <stdlib.h>\nint main(int c, char **v) { return c > 1 ? atoi(v[1]) : 0; }\n' >cm/ok.c
	if cmake -S cm -B cm/build >"$T/cmake.log" 2>&1 && cmake --build cm/build >>"$T/cmake.log" 2>&1; then
		expect_exit 1 "ctest --output-junit through -- COMMAND" $Q --junit-in cm/build/ctest.xml --json "$T/ct.json" \
			--junit "$T/ct.xml" -- ctest --test-dir cm/build --output-junit ctest.xml
		validate_result "ctest result" "$T/ct.json"
		validate_junit "ctest JUnit" "$T/ct.xml"
		expect_eq "ctest's cases" "$(json_get "$T/ct.json" '[d["metrics"][k] for k in ("tests","passed","failed","skipped")]')" '[3, 1, 1, 1]'
		expect_eq "ctest's exit goes to tests.command" "$(json_get "$T/ct.json" '[c["status"] for c in d["checks"] if c["id"]=="tests.command"][0]')" fail
	else
		not_ok "the CMake project did not build"; sed 's/^/#   /' "$T/cmake.log" | tail -5
	fi
fi

# --- GitHub Actions: the test counts in $GITHUB_OUTPUT, beside the core's keys
rm -f count
expect_exit 0 "under GitHub Actions" env GITHUB_ACTIONS=true GITHUB_OUTPUT="$T/gho" GITHUB_STEP_SUMMARY="$T/ghs" \
	$Q --each flaky.sh --each t/pass.sh --retries 1
expect_eq "GITHUB_OUTPUT keys are not repeated" "$(cut -d= -f1 "$T/gho" | sort | uniq -d | tr '\n' ' ')" ""
expect_grep "tests_flaky=1 in GITHUB_OUTPUT" '^tests_flaky=1$' "$T/gho"
expect_grep "the flaky test is a warning annotation" '^::warning .*test\.flaky\.sh::flaky: passed on attempt 2' "$T/out"

done_testing
