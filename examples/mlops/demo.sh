#!/bin/sh
# examples/mlops/demo.sh -- the whole MLOps loop, offline, with the real gates
# (demo.sh BIN_DIR OUT_DIR; `make demo` calls it through examples/demo.sh)
#
# A churn model goes around the loop once and a half:
#   1. data: gen.py writes seeded, deterministic CSVs (standard library only);
#   2. day 0: champion v1 (a linear model) is gated, pushed, promoted to staging, health-checked
#      and promoted to production -- the model the story starts from;
#   3. a new training set is validated against schema.json and checked for drift against the
#      champion's training profile (qgate run --stage check-data);
#   4. candidate v2 is trained (model.py, scikit-learn) and gated against the champion, which
#      is pulled from production and scored on the same rows (qgate run --stage release:
#      paired bootstrap and McNemar, alpha 0.05);
#   5. v2 is pushed with the gates' results as evidence, promoted to staging, the model server
#      (serve.py on 127.0.0.1, which loads whatever model a tag names) is health-checked for
#      v2's exact digest, and v2 is promoted to production (rolled back by itself if unhealthy);
#   6. the monitor: a production batch drifts, qgate-data drift fails (exit 1, checked) and
#      the monitor writes retrain-trigger.json naming the drifted fields;
#   7. a hurried retrain (v3-rc1: deep trees on the drifted batch alone) is blocked by the model
#      gate (exit 1, checked), and promote refuses it on that evidence (exit 1, checked);
#      v3 is retrained on fresh labelled data, gated against v2, promoted the same way, and the
#      monitor passes against v3's training profile;
#   8. qgate-deploy audit verify checks the hash-chained log of every push, promote and health
#      check (and refuses a copy with one line tampered: exit 1, checked);
#   9. qgate report renders every result of the story as OUT_DIR/mlops/report.html (and .md).
# Everything is written under OUT_DIR/mlops/ (removed and made again each run): the numbered
# folders are the steps' reports in story order, work/ the project (data, models, qgate.json),
# registry/ the OCI image layout, audit.jsonl the audit log. Scratch files go to a folder in
# TMPDIR removed at exit; the model server is killed at exit.
#
# Python: QG_MLOPS_PYTHON, else Debian's /usr/bin/python3, else python3 on PATH. Without
# scikit-learn the training, model gates and deployment are SKIPPED (said loudly, each one),
# the data stages and the monitor still run, and the exit status is 3 (the loop could not be
# evaluated whole). Exit 0: every step ran and gave the expected status. Otherwise the first
# surprise stops the demo: 1 when a gate gave the wrong verdict, or the tool's own 2 or 3.
set -u
BIN=${1:-build/bin}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN;; esac
OUT=${2:-$(dirname "$0")/../../build/demo}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 3
HERE=$(cd "$(dirname "$0")" && pwd) || exit 3
PATH=$BIN:$PATH
export PATH

PY=${QG_MLOPS_PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3) || { echo "mlops/demo.sh: python3 is needed (data generator)" >&2; exit 3; }
SK=1
"$PY" -c 'import sklearn' 2>/dev/null || SK=0
SKIPPED=0

M=$OUT/mlops
W=$M/work
REGDIR=$M/registry
REG=oci-layout:$REGDIR
AUDIT=$M/audit.jsonl
rm -rf "$M"
mkdir -p "$W/raw" "$W/data" "$W/baseline" "$W/model" "$W/models" || exit 3
cp "$HERE/qgate.json" "$HERE/schema.json" "$W/" || exit 3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/qgate-mlops.XXXXXX") || exit 3
SRV=
# wait: the server is gone when the demo has exited (a test probes its port afterwards)
trap '[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null; rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

N=0
chapter() { N=$((N + 1)); echo; echo "=== [$N] $*"; }
say() { echo "    $*"; }
# expect WANT CMD...: run a gate (or qgate run), print its verdict, stop the demo when it is
# not the exit status wanted (an unexpected pass is as much a surprise as a failure)
expect() {
	want=$1; shift
	echo "+ $*"
	"$@"
	rc=$?
	case $rc in 0) v=PASS;; 1) v=FAIL;; 2) v="USAGE ERROR";; *) v=ERROR;; esac
	if [ "$rc" -eq "$want" ]; then
		echo "=> $v (exit $rc, as expected)"
		return 0
	fi
	echo "=> $v (exit $rc, expected $want): the loop stops here" >&2
	[ "$rc" -gt 3 ] && exit 3 # a crash, a signal, a program that would not start
	[ "$rc" -ge 2 ] && exit "$rc"
	exit 1
}
skipped() { SKIPPED=$((SKIPPED + 1)); echo "!!! SKIPPED: $* (scikit-learn is not importable by $PY)"; }
# the step folders keep story order for the report: 01-..., 02-...
S=0
# (sets F; no command substitution, whose subshell would lose the count)
folder() { S=$((S + 1)); F=$(printf '%s/%02d-%s' "$M" "$S" "$1"); }
run_stage() { # WANT STAGE NAME
	folder "$3"
	LAST_RUN=$F
	expect "$1" qgate run --config "$W/qgate.json" --stage "$2" -j 2 --out "$F"
}
gen() { "$PY" "$HERE/gen.py" "$@" || exit 3; }
model_py() { "$PY" "$HERE/model.py" "$@" || exit 3; }
status_of() { "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["status"])' "$1" 2>/dev/null; }
digest_of() { # TAG: the manifest digest TAG names in the layout ("" when none)
	"$PY" - "$REGDIR" "$1" <<'EOF'
import json, sys
for m in json.load(open(sys.argv[1] + "/index.json"))["manifests"]:
    if (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") == sys.argv[2]:
        print(m["digest"])
EOF
}

echo "qgate MLOps loop: gates from $BIN, everything written under $M"
[ "$SK" -eq 1 ] || echo "!!! scikit-learn is missing from $PY: training, the model gate and the deployment steps will be SKIPPED; the demo will exit 3"

chapter "Data: seeded, deterministic batches (gen.py)"
gen --seed 7 --rows 1500 --first-id 1 "$W/raw/history.csv"
gen --seed 1 --rows 3000 --first-id 100001 "$W/raw/train.csv"
gen --seed 2 --rows 1000 --first-id 200001 "$W/raw/eval.csv"
gen --seed 4 --rows 1000 --first-id 500001 --drift "$W/raw/batch-drifted.csv"
gen --seed 5 --rows 3000 --first-id 600001 --drift "$W/raw/train-recent.csv"
gen --seed 6 --rows 1000 --first-id 700001 --drift "$W/raw/eval-recent.csv"
for f in "$W"/raw/*.csv; do say "$(basename "$f"): $(($(wc -l <"$f") - 1)) rows"; done

chapter "Day 0: the champion's training data is profiled (the drift baseline)"
cp "$W/raw/history.csv" "$W/data/train.csv"
folder baseline
expect 0 qgate-data profile -q "$W/data/train.csv" --profile-out "$W/baseline/profile.json" --out "$F"

LAST_RUN=
# release VERSION ALGO STAGE TRAIN_CSV...: train, gate (qgate run STAGE), push with the
# evidence, promote to staging, health-check the server, promote to production
release() {
	ver=$1; algo=$2; stage=$3; shift 3
	if [ "$SK" -eq 0 ]; then
		skipped "training $ver ($algo) and its release: gates, push, staging, health, production"
		return 0
	fi
	say "train $ver ($algo) on $*"
	model_py train --algo "$algo" --version "$ver" --seed 1 --out "$W/models/$ver.pkl" "$@"
	cp "$W/models/$ver.pkl" "$W/model/model.pkl" || exit 3
	model_py predict --model "$W/model/model.pkl" --out "$W/model/eval-candidate.csv" "$W/data/eval.csv"
	if [ "$stage" = release ]; then
		champ=$(digest_of production)
		say "the champion is what production serves: $champ"
		model_py predict --layout "$REGDIR" --tag production --out "$W/model/eval-champion.csv" "$W/data/eval.csv"
		say "gate $ver against the champion on the same $(($(wc -l <"$W/data/eval.csv") - 1)) rows (paired bootstrap, McNemar)"
	else
		say "first deployment: fixed bounds only (there is no champion to compare with)"
	fi
	run_stage 0 "$stage" "$ver-gates"
	ev=$TMP/evidence-$ver
	mkdir -p "$ev" && cp "$LAST_RUN/data/data-validate.json" "$LAST_RUN/model/model-check.json" "$ev/" || exit 3
	say "push $ver with the gates' results attached (evidence) and its training data as provenance material"
	folder "$ver-push"
	(cd "$W" && expect 0 qgate-deploy push --to "$REG:$ver" --evidence "$ev" --artifact-version "$ver" \
		--material data/train.csv --audit-log "$AUDIT" --out "$F" model/model.pkl) || exit $?
	DIGEST=$(digest_of "$ver")
	case $DIGEST in sha256:*) ;; *) echo "mlops/demo.sh: no tag $ver in $REGDIR after the push" >&2; exit 3;; esac
	say "$ver is $DIGEST"
	folder "$ver-staging"
	expect 0 qgate-deploy promote --from "$REG:$ver" --to "$REG:staging" --require data,model \
		--audit-log "$AUDIT" --out "$F"
	say "the server now loads staging; is it serving $ver's exact digest?"
	folder "$ver-health"
	expect 0 qgate-deploy health --url "$URL/staging/health" --expect-body "/digest=$DIGEST" \
		--interval 0.2 --min-probes 3 --timeout 20 --audit-log "$AUDIT" --out "$F"
	folder "$ver-production"
	expect 0 qgate-deploy promote --from "$REG:staging" --to "$REG:production" --require data,model \
		--health "$URL/production/health" --expect-body "/digest=$DIGEST" --interval 0.2 --min-probes 3 \
		--timeout 20 --audit-log "$AUDIT" --out "$F"
	[ "$(digest_of production)" = "$DIGEST" ] || { echo "mlops/demo.sh: production is not $DIGEST" >&2; exit 1; }
	say "production = $ver = $DIGEST"
}

URL=
chapter "The model server"
if [ "$SK" -eq 1 ]; then
	say "start the model server (serve.py: serves whatever model a tag of the layout names)"
	"$PY" "$HERE/serve.py" --layout "$REGDIR" --port-file "$TMP/port" >"$TMP/serve.log" 2>&1 &
	SRV=$!
	i=0
	until [ -s "$TMP/port" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "mlops/demo.sh: the model server did not start" >&2; cat "$TMP/serve.log" >&2; exit 3; }
		sleep 0.1
	done
	URL=http://127.0.0.1:$(cat "$TMP/port")
	say "model server: $URL/<tag>/health"
else
	skipped "the model server (it loads the pickled scikit-learn models)"
fi
chapter "Day 0: champion v1 is gated, pushed, promoted to staging, health-checked, promoted to production"
cp "$W/raw/eval.csv" "$W/data/eval.csv"
release v1 logreg first-release "$W/data/train.csv"

chapter "A new training set: schema and drift against the champion's training profile"
cp "$W/raw/train.csv" "$W/data/batch.csv"
run_stage 0 check-data new-data-check

chapter "Train candidate v2, gate it against champion v1, push, staging, health, production"
cp "$W/raw/train.csv" "$W/data/train.csv"
release v2 gbm release "$W/data/train.csv"
if [ "$SK" -eq 1 ]; then
	say "the monitor's baseline is now v2's training data"
	folder v2-baseline
	expect 0 qgate-data profile -q "$W/data/train.csv" --profile-out "$W/baseline/profile.json" --out "$F"
fi

chapter "The monitor: a production batch drifts"
cp "$W/raw/batch-drifted.csv" "$W/data/batch.csv"
run_stage 1 check-data monitor
DRIFT=$LAST_RUN/drift/data-drift.json
"$PY" - "$DRIFT" "$W/data/batch.csv" "$M/retrain-trigger.json" <<'EOF' || exit 3
import hashlib, json, os, sys, time
res = json.load(open(sys.argv[1]))
if res.get("status") != "fail":
    sys.exit("the drift result is %r, not fail" % res.get("status"))
fields = [c["id"][len("drift."):] for c in res["checks"] if c["status"] == "fail"]
batch = open(sys.argv[2], "rb").read()
trigger = {"schema": "qgate-example.retrain-trigger/v1", "reason": "drift",
           "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "batch": {"path": "work/data/batch.csv", "sha256": hashlib.sha256(batch).hexdigest()},
           "drifted_fields": fields,
           "checks": {c["id"]: c.get("observed") for c in res["checks"] if c["status"] == "fail"},
           "evidence": os.path.relpath(sys.argv[1], os.path.dirname(sys.argv[3]))}
tmp = sys.argv[3] + ".tmp"
with open(tmp, "w") as f:
    json.dump(trigger, f, indent=2)
    f.write("\n")
os.rename(tmp, sys.argv[3])
print("    retrain trigger written: %s (drifted: %s)" % (sys.argv[3], ", ".join(fields)))
EOF

chapter "A hurried retrain: v3-rc1 (deep trees on the drifted batch alone) is gated against v2"
if [ "$SK" -eq 1 ]; then
	cp "$W/raw/batch-drifted.csv" "$W/data/train.csv"
	cp "$W/raw/eval-recent.csv" "$W/data/eval.csv"
	model_py train --algo gbm-deep --version v3-rc1 --seed 1 --out "$W/models/v3-rc1.pkl" "$W/data/train.csv"
	cp "$W/models/v3-rc1.pkl" "$W/model/model.pkl" || exit 3
	model_py predict --model "$W/model/model.pkl" --out "$W/model/eval-candidate.csv" "$W/data/eval.csv"
	model_py predict --layout "$REGDIR" --tag production --out "$W/model/eval-champion.csv" "$W/data/eval.csv"
	say "the model gate must block it (exit 1): worse than the champion, significantly"
	run_stage 1 release v3-rc1-gates
	# blocked by the model step, not by something else failing on the way
	[ "$(status_of "$LAST_RUN/data/data-validate.json") $(status_of "$LAST_RUN/model/model-check.json")" = "pass fail" ] ||
		{ echo "mlops/demo.sh: v3-rc1 was not blocked by its model gate alone" >&2; exit 1; }
	ev=$TMP/evidence-v3-rc1
	mkdir -p "$ev" && cp "$LAST_RUN/data/data-validate.json" "$LAST_RUN/model/model-check.json" "$ev/" || exit 3
	say "pushed anyway (a push is a record, not a release), with the failing result as its evidence"
	folder v3-rc1-push
	(cd "$W" && expect 0 qgate-deploy push --to "$REG:v3-rc1" --evidence "$ev" --artifact-version v3-rc1 \
		--material data/train.csv --audit-log "$AUDIT" --out "$F" model/model.pkl) || exit $?
	before=$(digest_of staging)
	say "promote refuses it on that evidence (exit 1); staging does not move"
	folder v3-rc1-refused
	expect 1 qgate-deploy promote --from "$REG:v3-rc1" --to "$REG:staging" --require data,model \
		--audit-log "$AUDIT" --out "$F"
	[ "$(digest_of staging)" = "$before" ] || { echo "mlops/demo.sh: staging moved to a blocked model" >&2; exit 1; }
	say "staging is still $before"
else
	skipped "the hurried retrain v3-rc1 and its blocked promotion"
fi

chapter "Retrain on fresh labelled data: v3, gated against champion v2, promoted the same way"
cp "$W/raw/train-recent.csv" "$W/data/train.csv"
cp "$W/raw/eval-recent.csv" "$W/data/eval.csv"
say "the new training set is validated against the schema by the release stage; its drift is the point"
release v3 gbm release "$W/data/train.csv"
if [ "$SK" -eq 1 ]; then
	folder v3-baseline
	expect 0 qgate-data profile -q "$W/data/train.csv" --profile-out "$W/baseline/profile.json" --out "$F"
	say "the monitor again, on the same batch, against v3's training profile"
	run_stage 0 check-data monitor-after-retrain
else
	skipped "the new baseline and the monitor after the retrain (there is no v3)"
fi

chapter "The audit trail"
if [ -f "$AUDIT" ]; then
	say "$(wc -l <"$AUDIT") entries in $AUDIT"
	folder audit
	expect 0 qgate-deploy audit verify "$AUDIT" --out "$F"
	sed '2s/"verdict":"pass"/"verdict":"fail"/' "$AUDIT" >"$TMP/audit-tampered.jsonl"
	cmp -s "$AUDIT" "$TMP/audit-tampered.jsonl" && { echo "mlops/demo.sh: line 2 of $AUDIT has no passing verdict to rewrite" >&2; exit 3; }
	say "a copy with line 2's verdict rewritten must be refused:"
	expect 1 qgate-deploy audit verify "$TMP/audit-tampered.jsonl" -q
else
	skipped "audit verify (nothing was pushed or promoted, so there is no audit log)"
fi

chapter "The story on one page"
expect 0 qgate report "$M" --html "$M/report.html" --markdown "$M/report.md"
say "report: $M/report.html"
if [ "$SK" -eq 1 ]; then
	say "production: $(digest_of production); trigger: $M/retrain-trigger.json"
fi

chapter "The story in numbers"
"$PY" - "$M" <<'EOF' || exit 3
import glob, json, os, sys
m = sys.argv[1]
def load(pattern):
    found = sorted(glob.glob(os.path.join(m, pattern)))
    return json.load(open(found[-1])) if found else None
def rule(res, cid):
    for c in res["checks"]:
        if c["id"] == cid:
            if c.get("baseline") is None:
                return "%.3f" % c["observed"]
            return "%.3f vs %.3f, delta in [%+.3f, %+.3f]" % (c["candidate"], c["baseline"],
                                                            c["interval"][0], c["interval"][1])
    return "-"
def line(what, verdict):
    print("    %-34s %s" % (what, verdict))
for name, what in (("new-data-check", "new training set: schema, drift"),
                   ("monitor", "monitor on the drifted batch"),
                   ("monitor-after-retrain", "monitor after the retrain")):
    run = load("[0-9][0-9]-%s/run.json" % name)
    if run is None:
        line(what, "SKIPPED")
        continue
    drift = load("[0-9][0-9]-%s/drift/data-drift.json" % name)
    failed = [c["id"][6:] for c in (drift or {}).get("checks", []) if c["status"] == "fail"]
    line(what, run["status"].upper() + (" (drift: %s)" % ", ".join(failed) if failed else ""))
for ver in ("v1", "v2", "v3-rc1", "v3"):
    res = load("[0-9][0-9]-%s-gates/model/model-check.json" % ver)
    if res is None:
        line("model gate " + ver, "SKIPPED")
        continue
    cid = "metric.roc_auc#2" if any(c["id"] == "metric.roc_auc#2" for c in res["checks"]) else "metric.roc_auc"
    line("model gate " + ver, "%s (roc_auc %s)" % (res["status"].upper(), rule(res, cid)))
refused = load("[0-9][0-9]-v3-rc1-refused/deploy-promote.json")
if refused:
    line("promote v3-rc1 -> staging", refused["status"].upper() + " (refused on its evidence)")
prod = load("[0-9][0-9]-v3-production/deploy-promote.json")
if prod:
    line("production", "v3 = %s" % prod["metrics"]["digest"])
audit = load("[0-9][0-9]-audit/deploy-audit.json")
if audit:
    n = sum(1 for _ in open(os.path.join(m, "audit.jsonl")))
    line("audit log", "%s (%d entries verified)" % (audit["status"].upper(), n))
if os.path.exists(os.path.join(m, "retrain-trigger.json")):
    line("retrain trigger", "retrain-trigger.json")
EOF

if [ "$SKIPPED" -gt 0 ]; then
	echo
	echo "!!! INCOMPLETE: $SKIPPED part(s) of the loop were SKIPPED because scikit-learn is missing from $PY (exit 3)"
	exit 3
fi
echo
echo "mlops loop: every step gave the expected verdict (exit 0)"
exit 0
