#!/bin/sh
# t_merge.sh -- qgate merge: shards of one gate command into the unsharded run's result
#
# Real runs: qgate-data validate --shard 1/3..3/3 --out on one CSV (bad rows in two
# shards) merged has the unsharded run's counts, rows and first locations; a missing
# shard is exit 3 naming it, a duplicate or a different schema (configuration) or gate
# is exit 2; a unique constraint that passed in every shard is an error (exit 3) with
# its message; qgate-test --shard I/N --each shards go through qgate-test --merge;
# qgate-lint --shard I/N over named files merges into the unsharded run's checks
# (t_lint_shard.sh: lint in a repository; t_merge_profile.sh: profiles).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

cat >schema.json <<'S'
{"fields": [
  {"name": "id", "type": "integer", "constraints": {"required": true}},
  {"name": "age", "type": "integer", "constraints": {"minimum": 0, "maximum": 150}},
  {"name": "email", "type": "string", "constraints": {"pattern": "[^@]+@[^@]+"}}
]}
S
sed 's/"required": true}/"required": true, "unique": true}/' schema.json >schema-u.json
sed 's/"maximum": 150/"maximum": 120/' schema.json >schema-b.json
"$DEBIAN_PY" - <<'P'
with open("data.csv", "w") as f:
    f.write("id,age,email\n")
    for i in range(1, 3001):
        age = -5 if i in (17, 1500, 1501, 2999) else i % 100
        if i % 97 == 0:
            age = 200  # 30 over the maximum, in every shard: more than the 10 locations kept
        em = "bad" if i in (20, 2900) else "u%d@x.org" % i
        f.write("%d,%d,%s\n" % (i, age, em))
P
V="qgate-data validate"
expect_exit 1 "the unsharded run fails" $V --schema schema.json data.csv --out full -q
for i in 1 2 3; do
	$V --schema schema.json --shard $i/3 data.csv --out s$i -q >/dev/null 2>&1
done
expect_eq "shard 2/3 records its invocation" "$(json_get s2/data-validate.json 'd["invocation"]["shard"]')" "2/3"
expect_eq "shards and the whole share one fingerprint" \
	"$(json_get s1/data-validate.json 'd["invocation"]["fingerprint"]==d["invocation"]["fingerprint"]') $(json_get s3/data-validate.json 'd["invocation"]["fingerprint"]')" \
	"true $(json_get full/data-validate.json 'd["invocation"]["fingerprint"]')"
expect_exit 1 "merge of 3 shards fails as the whole does" qgate merge --out m s1 s2 s3
expect_file "merged JSON written" m/data-validate.json
expect_file "merged JUnit written" m/data-validate.xml
validate_result "merged result" m/data-validate.json
validate_junit "merged JUnit" m/data-validate.xml
validate_result "a shard's result" s1/data-validate.json
CMP='[(c["id"], c["status"], c.get("count"), [(l["file"], l.get("line")) for l in c["locations"]]) for c in d["checks"]]'
expect_eq "merged checks: ids, statuses, counts and first locations equal the unsharded run's" \
	"$(json_get m/data-validate.json "$CMP")" "$(json_get full/data-validate.json "$CMP")"
expect_eq "merged rows and violations equal the unsharded run's" \
	"$(json_get m/data-validate.json '[d["metrics"]["rows"], d["metrics"]["violations"], d["summary"]]')" \
	"$(json_get full/data-validate.json '[d["metrics"]["rows"], d["metrics"]["violations"], d["summary"]]')"
expect_eq "  (the maximum check has more violations than locations kept)" \
	"$(json_get m/data-validate.json '[(c["count"], len(c["locations"])) for c in d["checks"] if c["id"]=="field.age.maximum"][0]')" "[30, 10]"
expect_eq "table.rows observed is the sum" "$(json_get m/data-validate.json '[c["observed"] for c in d["checks"] if c["id"]=="table.rows"][0]')" 3000
expect_eq "duration is the longest shard, each kept" \
	"$(json_get m/data-validate.json 'd["duration_ms"] == max(d["metrics"]["shard_durations"]) and len(d["metrics"]["shard_durations"])')" 3
expect_eq "merged invocation: no shard" "$(json_get m/data-validate.json 'd["invocation"]["shard"]')" null
expect_eq "the merge's exit code is in its result" "$(json_get m/data-validate.json '[d["status"], d["exit_code"]]')" '["fail", 1]'
mkdir -p all && cp -r s1 s2 s3 all/
expect_exit 1 "one folder holding the shards in subfolders" qgate merge --out m2 all
expect_eq "  the same merged checks" "$(json_get m2/data-validate.json "$CMP")" "$(json_get m/data-validate.json "$CMP")"

# --- refusals
expect_exit 3 "a missing shard" qgate merge --out x s1 s3
expect_grep "  it is named" "shard 2/3 missing" "$T/err"
expect_no_file "  nothing written" x/data-validate.json
expect_exit 2 "the same shard twice" qgate merge --out x s1 s1 s3
expect_grep "  named" "both are shard 1/3" "$T/err"
$V --schema schema-b.json --shard 2/3 data.csv --out b2 -q >/dev/null 2>&1
expect_exit 2 "a shard of another configuration (schema)" qgate merge --out x s1 b2 s3
expect_grep "  says why, naming both" "'s1/data-validate.json' and 'b2/data-validate.json'.*different arguments or configuration" "$T/err"
mkdir -p alt && cp schema.json alt/ && sed 's/^5,5,/5,55,/' data.csv >alt/data.csv
(cd alt && $V --schema schema.json --shard 2/3 data.csv --out ../d2 -q >/dev/null 2>&1)
# (a shard does not hash the whole input, sha256 is null: only a size change shows)
expect_exit 2 "a shard run over another size of the same input" qgate merge --out x s1 d2 s3
expect_grep "  names the input" "input 'data.csv' differs" "$T/err"
cat >cfg1.json <<'S'
{"data": {"validate": {"schema": "schema.json"}}}
S
cat >cfg2.json <<'S'
{"data": {"validate": {"schema": "schema-b.json"}}}
S
$V --config cfg1.json --shard 1/2 data.csv --out c1 -q >/dev/null 2>&1
$V --config cfg2.json --shard 2/2 data.csv --out c2 -q >/dev/null 2>&1
expect_exit 2 "a different --config section" qgate merge --out x c1 c2
$V --config cfg1.json --shard 2/2 data.csv --out c3 -q >/dev/null 2>&1
expect_exit 1 "the same --config section merges" qgate merge --out cm c1 c3
printf 'x = 1\n' >a.py
# --- qgate-lint shards outside a repository (named files): merged equal to the whole
i=1
while [ $i -le 9 ]; do
	printf 'v = %d \n' $i >"l$i.py"
	i=$((i + 1))
done
printf 'no end' >l0.py
qgate-lint --builtin l?.py a.py --out lw -q >/dev/null 2>&1
for k in 1 2 3; do
	qgate-lint --builtin l?.py a.py --shard $k/3 --out l$k -q >/dev/null 2>&1
done
expect_exit 1 "qgate-lint shards merged" qgate merge --out lm l1 l2 l3
LC='[(c["id"], c["status"], c.get("count"), c.get("message"), [(l["file"], l.get("line"), l.get("column")) for l in c.get("locations", [])]) for c in d["checks"]]'
expect_eq "  the unsharded lint run's checks, counts, messages and locations" \
	"$(json_get lm/lint.json "$LC")" "$(json_get lw/lint.json "$LC")"
expect_eq "  its metrics" "$(json_get lm/lint.json '[d["metrics"][k] for k in ("errors", "new", "total")]')" \
	"$(json_get lw/lint.json '[d["metrics"][k] for k in ("errors", "new", "total")]')"
validate_result "  the merged lint result" lm/lint.json
validate_junit "  the merged lint JUnit" lm/lint.xml
expect_exit 2 "a shard of another gate" qgate merge --out x s1 l2
expect_grep "  says so" "different gates or commands" "$T/err"
# a result of another gate written as a shard dir: generic gate mismatch without lint
mkdir -p o1 && "$DEBIAN_PY" -c '
import json; d=json.load(open("s2/data-validate.json")); d["gate"]="model"; d["command"]="check"
json.dump(d, open("o1/model-check.json","w"))'
expect_exit 2 "a result of another gate in a shard folder" qgate merge --out x s1 o1 s3
expect_grep "  says so" "shards of different gates or commands" "$T/err"
mkdir -p old && "$DEBIAN_PY" -c '
import json; d=json.load(open("s2/data-validate.json")); del d["invocation"]
json.dump(d, open("old/data-validate.json","w"))'
expect_exit 2 "a result without invocation" qgate merge --out x s1 old s3
expect_grep "  names it" "old/data-validate.json.*no \"invocation\"" "$T/err"
mkdir -p fut && "$DEBIAN_PY" -c '
import json; d=json.load(open("s2/data-validate.json")); d["schema"]="qgate.result/v2"
json.dump(d, open("fut/data-validate.json","w"))'
expect_exit 3 "a future schema version" qgate merge --out x s1 fut s3
expect_exit 2 "no --out" qgate merge s1 s2 s3
expect_exit 3 "a folder without results" qgate merge --out x s1 s2 s3 "$T/m/../cfg1.json"

# --- uniqueness cannot be decided from shards: fail closed
for i in 1 2; do
	$V --schema schema-u.json --shard $i/2 data.csv --out u$i -q >/dev/null 2>&1
done
expect_exit 3 "unique passed in every shard: the merge cannot decide (error)" qgate merge --out um u1 u2
expect_eq "  the check is an error" "$(json_get um/data-validate.json '[c["status"] for c in d["checks"] if c["id"]=="field.id.unique"][0]')" error
expect_grep "  with the reason" "cross-shard uniqueness .*cannot be decided from results" um/data-validate.json
validate_result "  its result" um/data-validate.json
validate_junit "  its JUnit" um/data-validate.xml

# --- qgate-test shards go through qgate-test --merge
mkdir -p tt
i=1
while [ $i -le 6 ]; do
	printf '#!/bin/sh\nexit %s\n' "$([ $i -eq 4 ] && echo 1 || echo 0)" >tt/t$i.sh
	chmod +x tt/t$i.sh
	i=$((i + 1))
done
expect_exit 1 "qgate-test: the whole run" qgate-test --each 'tt/*.sh' --out tw -q
for k in 1 2 3; do
	qgate-test --each 'tt/*.sh' --shard $k/3 --out t$k -q >/dev/null 2>&1
done
expect_exit 1 "qgate-test shards merged through qgate merge" qgate merge --out tm t1 t2 t3
TJ=$(ls tm/*.json 2>/dev/null | head -1)
WJ=$(ls tw/*.json 2>/dev/null | head -1)
if [ -n "$TJ" ] && [ -n "$WJ" ]; then
	expect_eq "  the same test metrics as the whole run" \
		"$(json_get "$TJ" '[d["metrics"][k] for k in ("tests","passed","failed")]')" \
		"$(json_get "$WJ" '[d["metrics"][k] for k in ("tests","passed","failed")]')"
	validate_result "  merged test result" "$TJ"
	validate_junit "  merged test JUnit" "${TJ%.json}.xml"
else
	not_ok "qgate-test merge wrote no result in tm/ ($(ls tm tw 2>&1 | tr '\n' ' '))"
fi
expect_exit 3 "qgate-test: a missing shard" qgate merge --out tx t1 t3
expect_grep "  named" "shard 2/3 missing" "$T/err"

done_testing
