#!/bin/sh
# t_mlops.sh -- examples/mlops/demo.sh, the whole MLOps loop, asserted on its real outcomes
#
# The loop runs once into a temporary OUT with the built gates ($QG_BIN) and TMPDIR pointing
# at an empty folder; then its files are checked, not its narration: the schema and drift
# verdicts (the drifted batch fails naming its fields, the trigger names them too), the model
# gate's verdicts against the champion (with significance), the OCI layout (every tag resolves
# to a manifest whose bytes hash to its digest, staging and production point at v3, the
# blocked v3-rc1 never reached them, the model layer is the trained file), the health checks,
# the audit log (verifies; a copy with one line edited fails naming the line), the report
# page, every JUnit and every result against the schemas. Then the loop runs again with a
# Python that cannot import scikit-learn: it must skip loudly, still run the data stages and
# the monitor, and exit 3. Needs Debian's /usr/bin/python3 with scikit-learn for the first
# part (skipped loudly without it).
. "$(dirname "$0")/lib.sh"

DEMO=$QG_ROOT/examples/mlops/demo.sh
mkdir -p "$T/tmp" "$T/o"

git_state() { git -C "$QG_ROOT" status --porcelain --ignored -- examples 2>/dev/null; }
git_state >"$T/git-before"

if ! "$DEBIAN_PY" -c 'import sklearn' 2>/dev/null; then
	skip "$DEBIAN_PY cannot import sklearn: the full MLOps loop NOT RUN (the no-scikit-learn path is still tested below)"
else
	expect_exit 0 "the MLOps loop runs end to end" env TMPDIR="$T/tmp" QG_MLOPS_PYTHON="$DEBIAN_PY" \
		sh "$DEMO" "$QG_BIN" "$T/o"
	cp "$T/out" "$T/demo.log"
	M=$T/o/mlops
	W=$M/work
	REG=$M/registry
	expect_grep "the demo says every step gave the expected verdict" '^mlops loop: every step gave the expected verdict \(exit 0\)$' "$T/demo.log"
	expect_eq "TMPDIR is empty after the loop" "$(ls -A "$T/tmp")" ""
	url=$(sed -n 's#^    model server: \(http://127\.0\.0\.1:[0-9]*\)/<tag>/health$#\1#p' "$T/demo.log")
	expect_eq "the model server listened on 127.0.0.1" "$(echo "$url" | grep -c '^http://127\.0\.0\.1:[0-9]')" 1
	if "$DEBIAN_PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
		"$url/production/health" 2>/dev/null; then
		not_ok "the model server still answers after the demo: $url"
	else
		ok "the model server was stopped at exit"
	fi

	# the data: deterministic, and what gen.py makes from the same seed
	"$DEBIAN_PY" "$QG_ROOT/examples/mlops/gen.py" --seed 1 --rows 3000 --first-id 100001 "$T/train-again.csv"
	if cmp -s "$W/raw/train.csv" "$T/train-again.csv"; then ok "gen.py is deterministic (same seed, same bytes)"; else
		not_ok "gen.py made different bytes from the same seed"; fi

	# schema and drift: pass on the new training set, fail on the drifted batch, pass after the retrain
	expect_eq "new training set: qgate run check-data passes" "$(json_get "$M/07-new-data-check/run.json" 'd["status"]')" pass
	expect_eq "new training set: schema validation passes" \
		"$(json_get "$M/07-new-data-check/schema/data-validate.json" '[d["status"], d["summary"]["failed"]]')" '["pass", 0]'
	expect_eq "new training set: no drift against the champion's training profile" \
		"$(json_get "$M/07-new-data-check/drift/data-drift.json" 'd["status"]')" pass
	expect_eq "monitor: the stage fails with exit 1" \
		"$(json_get "$M/14-monitor/run.json" '[d["status"], d["exit_code"]]')" '["fail", 1]'
	expect_eq "monitor: the drifted batch still passes the schema" \
		"$(json_get "$M/14-monitor/schema/data-validate.json" 'd["status"]')" pass
	expect_eq "monitor: drift fails on tenure_months and region" \
		"$(json_get "$M/14-monitor/drift/data-drift.json" '[d["status"]] + sorted(c["id"] for c in d["checks"] if c["status"] == "fail" and c["id"] in ("drift.tenure_months", "drift.region"))')" \
		'["fail", "drift.region", "drift.tenure_months"]'
	expect_grep "monitor: the step's output names the drifted field" 'FAIL +drift\.tenure_months +drift: PSI' "$M/14-monitor/drift/output.log"
	expect_grep "monitor: the run's JUnit fails drift.tenure_months" 'name="drift\.tenure_months"' "$M/14-monitor/run.xml"
	expect_eq "monitor: in the run's JUnit, drift.tenure_months holds a failure" \
		"$("$DEBIAN_PY" -c 'import sys, xml.etree.ElementTree as E
print(sum(1 for t in E.parse(sys.argv[1]).iter("testcase") if t.get("name") == "drift.tenure_months" and t.find("failure") is not None))' "$M/14-monitor/run.xml")" 1
	expect_eq "monitor: days_since_login did not drift" \
		"$(json_get "$M/14-monitor/drift/data-drift.json" '[c["status"] for c in d["checks"] if c["id"] == "drift.days_since_login"]')" '["pass"]'
	expect_file "the monitor wrote the retrain trigger" "$M/retrain-trigger.json"
	expect_eq "the trigger names the drifted fields the gate failed" \
		"$(json_get "$M/retrain-trigger.json" 'sorted(d["drifted_fields"])')" \
		"$(json_get "$M/14-monitor/drift/data-drift.json" 'sorted(c["id"][6:] for c in d["checks"] if c["status"] == "fail")')"
	expect_eq "the trigger names the batch by its SHA-256" \
		"$(json_get "$M/retrain-trigger.json" 'd["batch"]["sha256"]')" "$(sha256sum "$W/raw/batch-drifted.csv" | cut -d' ' -f1)"
	expect_eq "after the retrain the monitor passes against v3's training profile" \
		"$(json_get "$M/24-monitor-after-retrain/drift/data-drift.json" 'd["status"]')" pass

	# the model gate's verdicts
	expect_eq "v1 (first deployment) passes its fixed bounds" \
		"$(json_get "$M/02-v1-gates/model/model-check.json" '[d["status"], d["summary"]["passed"]]')" '["pass", 2]'
	for v in v2:08 v3:18; do
		ver=${v%:*}; f=$M/${v#*:}-$ver-gates/model/model-check.json
		expect_eq "$ver passes the gate against the champion" "$(json_get "$f" '[d["status"], d["summary"]["checks"]]')" '["pass", 4]'
		expect_eq "$ver: roc_auc against the champion is a paired bootstrap with an interval above zero" \
			"$(json_get "$f" '[(c["method"], c["interval"][0] > 0, c["delta"] > 0) for c in d["checks"] if c["id"] == "metric.roc_auc#2"]')" \
			'[["paired-bootstrap-percentile", true, true]]'
		expect_eq "$ver: accuracy against the champion is McNemar's test, significant at 0.05" \
			"$(json_get "$f" '[(c["method"].startswith("mcnemar"), c["p_value"] < 0.05) for c in d["checks"] if c["id"] == "metric.accuracy"]')" \
			'[[true, true]]'
	done
	f=$M/15-v3-rc1-gates/model/model-check.json
	expect_eq "v3-rc1 (overfitted) is blocked: roc_auc and log_loss significantly worse" \
		"$(json_get "$f" '[d["status"]] + sorted(c["id"] for c in d["checks"] if c["status"] == "fail")')" \
		'["fail", "metric.log_loss", "metric.roc_auc#2"]'
	expect_eq "v3-rc1: the release stage fails and says so" \
		"$(json_get "$M/15-v3-rc1-gates/run.json" '[(s["name"], s["status"]) for s in d["steps"]]')" \
		'[["data", "pass"], ["model", "fail"]]'
	expect_eq "v3-rc1: promote refused it on the model's evidence" \
		"$(json_get "$M/17-v3-rc1-refused/deploy-promote.json" '[d["status"]] + [c["status"] for c in d["checks"] if c["id"] == "promote.evidence.model"]')" \
		'["fail", "fail"]'

	# the registry: every tag resolves, and the promoted tags point at v3
	"$DEBIAN_PY" - "$REG" "$W" >"$T/reg.txt" 2>&1 <<'EOF'
import hashlib, json, sys
reg, work = sys.argv[1], sys.argv[2]
def blob(d):
    data = open(reg + "/blobs/sha256/" + d.split(":")[1], "rb").read()
    assert "sha256:" + hashlib.sha256(data).hexdigest() == d, "blob %s does not hash to its digest" % d
    return data
tags = {}
for m in json.load(open(reg + "/index.json"))["manifests"]:
    t = (m.get("annotations") or {}).get("org.opencontainers.image.ref.name")
    if t:
        tags[t] = m["digest"]
for t in sorted(tags):
    man = json.loads(blob(tags[t]))
    for layer in man.get("layers", []):
        blob(layer["digest"])
    print("tag %s %s" % (t, tags[t]))
man = json.loads(blob(tags["v3"]))
layer = [l for l in man["layers"] if l["annotations"]["org.opencontainers.image.title"] == "model.pkl"][0]
print("v3-layer-is-v3.pkl", layer["digest"] == "sha256:" + hashlib.sha256(open(work + "/models/v3.pkl", "rb").read()).hexdigest())
print("v3-version", man["annotations"].get("org.opencontainers.image.version"))
EOF
	expect_eq "every tag of the layout resolves to a manifest and blobs that hash to their digests" "$?" 0
	grep -v '^tag \|^v3-' "$T/reg.txt" | sed 's/^/#   /' | head -5
	tag() { sed -n "s/^tag $1 //p" "$T/reg.txt"; }
	v3=$(tag v3)
	expect_eq "the layout holds v1, v2, v3, v3-rc1, staging, production and their -previous tags" \
		"$(sed -n 's/^tag \([^ ]*\) .*/\1/p' "$T/reg.txt" | tr '\n' ' ')" \
		"production production-previous staging staging-previous v1 v2 v3 v3-rc1 "
	expect_eq "push printed v3's digest, and v3's tag names it" \
		"$(json_get "$M/19-v3-push/deploy-push.json" '[c["observed"] for c in d["checks"] if c["id"] == "push.tag"][0]')" "$v3"
	expect_eq "staging points at v3" "$(tag staging)" "$v3"
	expect_eq "production points at v3" "$(tag production)" "$v3"
	expect_eq "production-previous points at v2 (for rollback)" "$(tag production-previous)" "$(tag v2)"
	expect_eq "v3-rc1 never reached staging or production" \
		"$([ "$(tag v3-rc1)" != "$(tag staging)" ] && [ "$(tag v3-rc1)" != "$(tag production)" ] && echo yes)" yes
	expect_grep "v3's model.pkl layer holds the trained file's bytes" '^v3-layer-is-v3.pkl True$' "$T/reg.txt"
	expect_grep "v3 carries its version annotation" '^v3-version v3$' "$T/reg.txt"
	if command -v skopeo >/dev/null 2>&1; then
		expect_exit 0 "skopeo reads production from the layout" skopeo inspect --raw "oci:$REG:production"
		expect_eq "skopeo's manifest is production's digest" "sha256:$(sha256sum <"$T/out" | cut -d' ' -f1)" "$v3"
	else
		skip "skopeo not installed: the layout NOT read by a second tool"
	fi

	# health: the server served each promoted version's exact digest
	for h in 05-v1-health 11-v2-health 21-v3-health; do
		expect_eq "$h: the staging health check passed on the digest" \
			"$(json_get "$M/$h/deploy-health.json" '[d["status"]] + [c["status"] for c in d["checks"] if c["id"] in ("health.status", "health.body")]')" \
			'["pass", "pass", "pass"]'
	done
	expect_eq "v3's production promotion moved the tag and watched the endpoint (3 passing probes)" \
		"$(json_get "$M/22-v3-production/deploy-promote.json" '[d["status"], d["metrics"]["passed"]] + [c["status"] for c in d["checks"] if c["id"] in ("promote.move", "health.body")]')" \
		'["pass", 3, "pass", "pass"]'

	# the audit trail
	A=$M/audit.jsonl
	expect_eq "the audit log has 17 entries (3 releases x 5, v3-rc1's push and refusal)" "$(wc -l <"$A" | tr -d ' ')" 17
	expect_eq "the refused promotion is in the audit log" \
		"$("$DEBIAN_PY" -c 'import json, sys
print([(e["action"], e["verdict"]) for e in map(json.loads, open(sys.argv[1])) if e["verdict"] != "pass"])' "$A")" \
		"[('promote', 'fail')]"
	expect_exit 0 "audit verify passes on the loop's log" qgate-deploy audit verify "$A" --json "$T/audit.json"
	validate_result "audit verify's result" "$T/audit.json"
	expect_exit 0 "audit verify passes on the layout's own copy" qgate-deploy audit verify "oci-layout:$REG" -q
	sed '7s/"actor":"[^"]*"/"actor":"mallory"/' "$A" >"$T/tampered.jsonl"
	expect_eq "the tampered copy differs from the log on line 7 only" "$(diff "$A" "$T/tampered.jsonl" | grep -c '^[<>]')" 2
	expect_exit 1 "audit verify fails on a copy with line 7 edited" qgate-deploy audit verify "$T/tampered.jsonl"
	expect_grep "the failure names line 7" 'tampered\.jsonl:7: ' "$T/out"
	expect_eq "the demo's own verify result passed" "$(json_get "$M/25-audit/deploy-audit.json" 'd["status"]')" pass

	# the report
	R=$M/report.html
	expect_file "the story's page is written" "$R"
	for s in 07-new-data-check/schema/data-validate.json 14-monitor/drift/data-drift.json \
		15-v3-rc1-gates/model/model-check.json 19-v3-push/deploy-push.json \
		22-v3-production/deploy-promote.json 25-audit/deploy-audit.json; do
		expect_grep "the page holds $s" "$s" "$R"
	done
	expect_grep "the page names the drifted field" 'drift\.tenure_months' "$R"
	expect_grep "the page holds the audit log" 'audit\.jsonl' "$R"
	expect_no_grep "the page loads nothing from the network" '<(script|link|img)[^>]*(src|href)="https?:' "$R"

	# every report is valid
	find "$M" -path "$W" -prune -o -path "$REG" -prune -o -name '*.xml' -print | sort >"$T/xml.list"
	expect_eq "the loop wrote JUnit reports" "$([ -s "$T/xml.list" ] && echo yes)" yes
	while read -r x; do validate_junit "${x#"$M"/}" "$x"; done <"$T/xml.list"
	find "$M" -path "$W" -prune -o -path "$REG" -prune -o -name '*.json' -print | sort >"$T/json.list"
	while read -r j; do
		case $(json_get "$j" 'd.get("schema")') in
		qgate.result/v1) validate_result "${j#"$M"/}" "$j" ;;
		qgate.run/v1)
			if "$DEBIAN_PY" "$QG_ROOT/tests/validate-json.py" "$QG_ROOT/docs/run.schema.json" "$j" >"$T/js" 2>&1; then
				ok "${j#"$M"/} validates against run.schema.json"
			else
				not_ok "${j#"$M"/} does not validate against run.schema.json"; sed 's/^/#   /' "$T/js" | head -5
			fi ;;
		*) [ "$(basename "$j")" = retrain-trigger.json ] || not_ok "${j#"$M"/}: not a qgate document" ;;
		esac
	done <"$T/json.list"
fi

# an expected failure that does not happen stops the loop: a qgate-data whose drift limit is
# lenient (--psi-max 100 appended; the last one wins) lets the drifted batch pass the monitor
if "$DEBIAN_PY" -c 'import sklearn' 2>/dev/null; then
	L=$T/bin-lenient
	mkdir -p "$L"
	for g in qgate-model qgate-deploy qgate-lint qgate-test; do ln -s "$QG_BIN/$g" "$L/$g"; done
	cp "$QG_BIN/qgate" "$L/qgate" # qgate run finds gates beside the qgate it runs as
	cat >"$L/qgate-data" <<EOF
#!/bin/sh
[ "\$1" = drift ] && exec "$QG_BIN/qgate-data" "\$@" --psi-max 100
exec "$QG_BIN/qgate-data" "\$@"
EOF
	chmod +x "$L/qgate-data"
	expect_exit 1 "a monitor that passes on the drifted batch stops the loop (exit 1)" \
		env TMPDIR="$T/tmp" QG_MLOPS_PYTHON="$DEBIAN_PY" sh "$DEMO" "$L" "$T/o3"
	expect_grep "it says which step surprised it" '^=> PASS \(exit 0, expected 1\): the loop stops here$' "$T/err"
	expect_no_file "no retrain trigger is written" "$T/o3/mlops/retrain-trigger.json"
	expect_no_grep "nothing after the monitor ran" 'v3-rc1' "$T/out"
	expect_eq "TMPDIR is empty after the stopped loop" "$(ls -A "$T/tmp")" ""
else
	skip "$DEBIAN_PY cannot import sklearn: the stopped-loop check NOT RUN"
fi

# without scikit-learn: loud skips, the data stages and the monitor still run, exit 3
cat >"$T/py-nosk" <<EOF
#!/bin/sh
exec $DEBIAN_PY -S "\$@"
EOF
chmod +x "$T/py-nosk"
if "$T/py-nosk" -c 'import sklearn' 2>/dev/null; then
	skip "python3 -S still imports sklearn here: the no-scikit-learn path NOT RUN"
else
	rm -rf "$T/o2"
	expect_exit 3 "without scikit-learn the loop exits 3" env TMPDIR="$T/tmp" QG_MLOPS_PYTHON="$T/py-nosk" \
		sh "$DEMO" "$QG_BIN" "$T/o2"
	cp "$T/out" "$T/demo2.log"
	expect_grep "it says so up front" '^!!! scikit-learn is missing from .*py-nosk' "$T/demo2.log"
	expect_grep "training is SKIPPED loudly" '^!!! SKIPPED: training v2 \(gbm\)' "$T/demo2.log"
	expect_grep "it ends saying the loop is incomplete" '^!!! INCOMPLETE: [0-9]+ part\(s\) of the loop were SKIPPED' "$T/demo2.log"
	M2=$T/o2/mlops
	expect_eq "the new training set is still checked (pass)" "$(json_get "$M2/02-new-data-check/run.json" 'd["status"]')" pass
	expect_eq "the monitor still fails on the drifted batch" "$(json_get "$M2/03-monitor/run.json" '[d["status"], d["exit_code"]]')" '["fail", 1]'
	expect_file "the monitor still writes the retrain trigger" "$M2/retrain-trigger.json"
	expect_no_file "nothing was pushed" "$M2/registry"
	expect_file "the page is still rendered" "$M2/report.html"
	expect_eq "TMPDIR is empty after the second loop" "$(ls -A "$T/tmp")" ""
fi

git_state >"$T/git-after"
if cmp -s "$T/git-before" "$T/git-after"; then ok "the source tree's examples/ is unchanged"; else
	not_ok "the loop changed examples/"; diff "$T/git-before" "$T/git-after" | sed 's/^/#   /' | head; fi

done_testing
