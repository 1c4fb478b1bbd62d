#!/bin/sh
# t_shard_zero.sh -- `--shard K+1/N` (0-based K, as Kubernetes Indexed Jobs,
# CircleCI and Buildkite number machines) is shard K+1 of N in every gate
#
# qgate-data validate, qgate-lint and qgate-test run as `K+1/N` record the
# normalised shard ("1/3", not "0+1/3") and the same fingerprint; their
# merge (qgate merge) equals the merge of the shards run as `I/N` and the
# unsharded run, also with the two forms mixed. qgate-test exports the
# 1-based QGATE_SHARD_INDEX/TOTAL to its command. `N+1/N`, `1+2/N`, `+1/N`
# and `1+1+1/N` are exit 2 with the parser's message.
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 1

# --- qgate-data validate
cat >schema.json <<'S'
{"fields": [
  {"name": "id", "type": "integer", "constraints": {"required": true}},
  {"name": "age", "type": "integer", "constraints": {"minimum": 0, "maximum": 150}},
  {"name": "email", "type": "string", "constraints": {"pattern": "[^@]+@[^@]+"}}
]}
S
"$DEBIAN_PY" - <<'P'
with open("data.csv", "w") as f:
    f.write("id,age,email\n")
    for i in range(1, 3001):
        age = -5 if i in (17, 1500, 1501, 2999) else i % 100
        if i % 97 == 0:
            age = 200
        em = "bad" if i in (20, 1001, 2900) else "u%d@x.org" % i
        f.write("%d,%d,%s\n" % (i, age, em))
P
V="qgate-data validate --schema schema.json"
expect_exit 1 "data: the unsharded run fails" $V data.csv --out dw -q
for k in 0 1 2; do
	i=$((k + 1))
	expect_exit 1 "data: shard $k+1/3" $V data.csv --shard $k+1/3 --out dz$k -q
	expect_exit 1 "data: shard $i/3" $V data.csv --shard $i/3 --out di$i -q
	expect_eq "  $k+1/3 records invocation.shard and metrics.shard as $i/3" \
		"$(json_get dz$k/data-validate.json '[d["invocation"]["shard"], d["metrics"]["shard"]]')" "[\"$i/3\", \"$i/3\"]"
	expect_eq "  and the same result as $i/3 (checks, counts, locations, metrics)" \
		"$(json_get dz$k/data-validate.json '[d["checks"], {k: v for k, v in d["metrics"].items()}, d["invocation"]]')" \
		"$(json_get di$i/data-validate.json '[d["checks"], {k: v for k, v in d["metrics"].items()}, d["invocation"]]')"
done
validate_result "  a K+1/N shard's result" dz0/data-validate.json
validate_junit "  a K+1/N shard's JUnit" dz0/data-validate.xml
expect_eq "data: the unsharded run has the shards' fingerprint" \
	"$(json_get dw/data-validate.json 'd["invocation"]["fingerprint"]')" "$(json_get dz1/data-validate.json 'd["invocation"]["fingerprint"]')"
expect_exit 1 "data: K+1/N shards merged" qgate merge --out mz dz0 dz1 dz2
expect_exit 1 "data: I/N shards merged" qgate merge --out mi di1 di2 di3
expect_exit 1 "data: the two forms mixed merged" qgate merge --out mx dz0 di2 dz2
validate_result "  the merged K+1/N result" mz/data-validate.json
validate_junit "  the merged K+1/N JUnit" mz/data-validate.xml
CMP='[(c["id"], c["status"], c.get("count"), c.get("observed"), [(l["file"], l.get("line"), l.get("column")) for l in c["locations"]]) for c in d["checks"]] + [d["summary"], d["status"], d["metrics"]["rows"], d["metrics"]["violations"]]'
W=$(json_get dw/data-validate.json "$CMP")
expect_eq "  K+1/N merged equals the unsharded run" "$(json_get mz/data-validate.json "$CMP")" "$W"
expect_eq "  I/N merged equals the unsharded run" "$(json_get mi/data-validate.json "$CMP")" "$W"
expect_eq "  mixed merged equals the unsharded run" "$(json_get mx/data-validate.json "$CMP")" "$W"
expect_exit 2 "data: K+1/N and I/N of the same shard are one shard twice" qgate merge --out x dz0 di1 dz1 dz2
expect_grep "  says so" "both are shard 1/3" "$T/err"
for bad in 3+1/3 1+2/3 +1/3 1+1+1/3 0+1 0+1/3x; do
	expect_exit 2 "data: --shard $bad refused" $V data.csv --shard "$bad" --json r.json -q
	expect_grep "  with the expected forms" "--shard: expected I/N with 1 <= I <= N .*or K\\+1/N with 0 <= K < N.*found '$(printf '%s' "$bad" | sed 's/+/\\+/g')'" "$T/err"
done
expect_exit 0 "data profile: --shard 1+1/2 accepted" qgate-data profile data.csv --shard 1+1/2 --profile-out p.json -q
qgate-data profile data.csv --profile-out whole.json -q >/dev/null 2>&1
# (the sequential id column of half the rows drifts from the whole: exit 1)
expect_exit 1 "data drift: --shard 0+1/2 accepted, the first half drifts on id" qgate-data drift --baseline whole.json data.csv --shard 0+1/2 --json dr.json -q
expect_eq "  metrics.input.shard and invocation.shard say 1/2" \
	"$(json_get dr.json '[d["metrics"]["input"]["shard"], d["invocation"]["shard"]]')" '["1/2", "1/2"]'

# --- qgate-lint (named files, built-in checks)
i=1
while [ $i -le 9 ]; do
	printf 'v = %d \n' $i >"l$i.py"
	i=$((i + 1))
done
printf 'x = 1\n' >a.py
expect_exit 1 "lint: the unsharded run" qgate-lint --builtin l?.py a.py --out lw -q
for k in 0 1 2; do
	i=$((k + 1))
	expect_exit 1 "lint: shard $k+1/3" qgate-lint --builtin l?.py a.py --shard $k+1/3 --out lz$k -q
	qgate-lint --builtin l?.py a.py --shard $i/3 --out li$i -q >/dev/null 2>&1
	expect_eq "  records $i/3 and the checks of $i/3" \
		"$(json_get lz$k/lint.json '[d["invocation"], d["checks"]]')" "$(json_get li$i/lint.json '[d["invocation"], d["checks"]]')"
done
expect_exit 1 "lint: K+1/N shards merged" qgate merge --out lmz lz0 lz1 lz2
LC='[(c["id"], c["status"], c.get("count"), c.get("message"), [(l["file"], l.get("line"), l.get("column")) for l in c.get("locations", [])]) for c in d["checks"]] + [d["metrics"][k] for k in ("errors", "new", "total")]'
expect_eq "  equal to the unsharded lint run" "$(json_get lmz/lint.json "$LC")" "$(json_get lw/lint.json "$LC")"
validate_result "  the merged lint result" lmz/lint.json
validate_junit "  the merged lint JUnit" lmz/lint.xml
expect_exit 2 "lint: --shard 3+1/3 refused" qgate-lint --builtin l?.py --shard 3+1/3 -q
expect_grep "  names the form" "K\\+1/N with 0 <= K < N" "$T/err"

# --- qgate-test: --each shards, and one command's QGATE_SHARD_INDEX/TOTAL
mkdir -p tt
i=1
while [ $i -le 6 ]; do
	printf '#!/bin/sh\nexit %s\n' "$([ $i -eq 4 ] && echo 1 || echo 0)" >tt/t$i.sh
	chmod +x tt/t$i.sh
	i=$((i + 1))
done
expect_exit 1 "test: the whole run" qgate-test --each 'tt/*.sh' --out tw -q
for k in 0 1 2; do
	i=$((k + 1))
	qgate-test --each 'tt/*.sh' --shard $k+1/3 --out tz$k -q >/dev/null 2>&1
	qgate-test --each 'tt/*.sh' --shard $i/3 --out ti$i -q >/dev/null 2>&1
	ZJ=$(ls tz$k/*.json 2>/dev/null | head -1)
	IJ=$(ls ti$i/*.json 2>/dev/null | head -1)
	if [ -n "$ZJ" ] && [ -n "$IJ" ]; then
		expect_eq "test: shard $k+1/3 records $i/3 and runs the tests of $i/3" \
			"$(json_get "$ZJ" '[d["invocation"], sorted((c["id"], c["status"]) for c in d["checks"]), d["metrics"]["tests"]]')" \
			"$(json_get "$IJ" '[d["invocation"], sorted((c["id"], c["status"]) for c in d["checks"]), d["metrics"]["tests"]]')"
	else
		not_ok "test: shard $k+1/3 or $i/3 wrote no result ($(ls tz$k ti$i 2>&1 | tr '\n' ' '))"
	fi
done
expect_exit 1 "test: K+1/N shards merged" qgate merge --out tmz tz0 tz1 tz2
TJ=$(ls tmz/*.json 2>/dev/null | head -1)
WJ=$(ls tw/*.json 2>/dev/null | head -1)
if [ -n "$TJ" ] && [ -n "$WJ" ]; then
	expect_eq "  the whole run's test metrics" \
		"$(json_get "$TJ" '[d["metrics"][k] for k in ("tests","passed","failed")]')" \
		"$(json_get "$WJ" '[d["metrics"][k] for k in ("tests","passed","failed")]')"
	validate_result "  the merged test result" "$TJ"
	validate_junit "  the merged test JUnit" "${TJ%.json}.xml"
else
	not_ok "test: the merge wrote no result in tmz/ ($(ls tmz tw 2>&1 | tr '\n' ' '))"
fi
cat >env.sh <<'S'
#!/bin/sh
printf '%s %s\n' "$QGATE_SHARD_INDEX" "$QGATE_SHARD_TOTAL" >"$1"
S
chmod +x env.sh
expect_exit 0 "test: one command under --shard 1+1/3" qgate-test --shard 1+1/3 --json tc.json -q -- ./env.sh "$T/env.out"
expect_eq "  QGATE_SHARD_INDEX/TOTAL are the 1-based 2 and 3" "$(cat env.out 2>/dev/null)" "2 3"
expect_eq "  its invocation.shard is 2/3" "$(json_get tc.json 'd["invocation"]["shard"]')" "2/3"
validate_result "  its result" tc.json
expect_exit 0 "test: one command under --shard 0+1/1" qgate-test --shard 0+1/1 --json tc.json -q -- ./env.sh "$T/env.out"
expect_eq "  QGATE_SHARD_INDEX/TOTAL are 1 and 1" "$(cat env.out 2>/dev/null)" "1 1"
expect_exit 2 "test: --shard 1+1+1/3 refused" qgate-test --shard 1+1+1/3 -q -- ./env.sh "$T/env.out"
expect_grep "  names the form" "K\\+1/N with 0 <= K < N" "$T/err"

done_testing
