#!/bin/sh
# demo.sh -- qgate-deploy on examples/deploy (demo.sh BIN_DIR OUT_DIR; `make demo` calls it)
#
# A model (model.json, then a retrained model-v2.json), its predictions and its training
# table go from the gates to production in an OCI image layout, with no server but the
# health endpoint this script starts on 127.0.0.1 (python3 -m http.server):
#  1. qgate-data validate and qgate-model check judge the data and the predictions, each with
#     --subject model.json, so the results name the model's exact bytes;
#  2. push stores model.json with those results attached (staging);
#  3. promote staging -> production on that evidence, then watches the health endpoint;
#  4. model-v2.json goes the same way, but its deployment answers 404: promote rolls
#     production back to model.json by itself (exit 1, as expected);
#  5. the endpoint is healthy again, model-v2 is promoted, then rolled back by hand;
#  6. pin writes production's digest into a copy of k8s/deployment.yaml (the GitOps handoff);
#  7. audit verify checks the hash-chained log of every step (exit 0).
# The layout and the evidence live in a scratch folder removed at exit; reports go to OUT
# (deploy-*.json/.xml, deploy-audit.jsonl). Exits 0 when every step gave the expected status,
# else the first surprise's.
set -u
BIN=${1:-build/bin}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN;; esac
OUT=${2:-$(dirname "$0")/../../build/demo}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 3
cd "$(dirname "$0")" || exit 3
PY=$(command -v python3) || { echo "demo.sh: python3 is needed for the health endpoint" >&2; exit 3; }
W=$(mktemp -d "${TMPDIR:-/tmp}/qgate-deploy-demo.XXXXXX") || exit 3
SRV=
trap '[ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$W"' EXIT
step() {
	want=$1; shift
	echo "+ $*"
	"$@"
	rc=$?
	echo "exit status: $rc (expected $want)"
	[ "$rc" -eq "$want" ] || exit "$rc"
}
REG=oci-layout:$W/registry
AUDIT=$OUT/deploy-audit.jsonl
rm -f "$AUDIT"

# the health endpoint: a folder served on a free port; the demo flips it by removing the file
mkdir -p "$W/www" && echo ok >"$W/www/health"
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || exit 3
(cd "$W/www" && exec "$PY" -m http.server "$PORT" --bind 127.0.0.1) >/dev/null 2>&1 &
SRV=$!
i=0
until "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
	"http://127.0.0.1:$PORT/health" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "demo.sh: the health endpoint did not start" >&2; exit 3; }
	sleep 0.1
done
HEALTH="--health http://127.0.0.1:$PORT/health --expect-body ok --interval 0.2 --min-probes 3 --failure-limit 2 --timeout 20"

release() { # MODEL EVIDENCE_DIR: the gates judge it, push puts it in staging with their results
	mkdir -p "$2"
	step 0 "$BIN/qgate-data" validate --schema schema.json --subject "$1" --json "$2/data-validate.json" -q train.csv
	step 0 "$BIN/qgate-model" check --predictions predictions.csv --task binary --require 'roc_auc >= 0.75' \
		--subject "$1" --json "$2/model-check.json" -q
	step 0 "$BIN/qgate-deploy" push --to "$REG:staging" --evidence "$2" --audit-log "$AUDIT" "$1"
}

echo "== release 1: model.json"
release model.json "$W/evidence-v1"
# shellcheck disable=SC2086 # HEALTH is a list of flags
step 0 "$BIN/qgate-deploy" promote --from "$REG:staging" --to "$REG:production" --require data,model \
	$HEALTH --audit-log "$AUDIT" --json "$OUT/deploy-promote.json" --junit "$OUT/deploy-promote.xml"

echo "== release 2: model-v2.json, whose deployment is sick"
release model-v2.json "$W/evidence-v2"
rm "$W/www/health"
# shellcheck disable=SC2086
step 1 "$BIN/qgate-deploy" promote --from "$REG:staging" --to "$REG:production" --require data,model \
	$HEALTH --audit-log "$AUDIT" --json "$OUT/deploy-promote-sick.json"

echo "== release 2 again, healthy; then rolled back by hand"
echo ok >"$W/www/health"
# shellcheck disable=SC2086
step 0 "$BIN/qgate-deploy" promote --from "$REG:staging" --to "$REG:production" --require data,model \
	$HEALTH --audit-log "$AUDIT" -q
step 0 "$BIN/qgate-deploy" health --url "http://127.0.0.1:$PORT/health" --expect-body ok --interval 0.2 \
	--min-probes 2 --timeout 10 --audit-log "$AUDIT" -q
step 0 "$BIN/qgate-deploy" rollback --target "$REG:production" --audit-log "$AUDIT" \
	--json "$OUT/deploy-rollback.json" --junit "$OUT/deploy-rollback.xml"

echo "== the GitOps handoff"
PROD=$("$PY" -c 'import json, sys
for m in json.load(open(sys.argv[1] + "/index.json"))["manifests"]:
    if (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") == "production":
        print(m["digest"])' "$W/registry") || exit 3
mkdir -p "$W/k8s" && cp k8s/deployment.yaml "$W/k8s/deployment.yaml" || exit 3
step 0 "$BIN/qgate-deploy" pin --file "$W/k8s/deployment.yaml" --image registry.example.com/ml/churn \
	--digest "$PROD" --json "$OUT/deploy-pin.json" -q
diff k8s/deployment.yaml "$W/k8s/deployment.yaml"

echo "== the audit trail"
step 0 "$BIN/qgate-deploy" audit verify "$AUDIT" --json "$OUT/deploy-audit.json"
"$PY" - "$W/registry" <<'EOF' || exit 3
import json, sys
reg = sys.argv[1]
for m in json.load(open(reg + "/index.json"))["manifests"]:
    if (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") == "production":
        man = json.load(open(reg + "/blobs/sha256/" + m["digest"].split(":")[1]))
        titles = ", ".join(l["annotations"]["org.opencontainers.image.title"] for l in man["layers"])
        print("production is %s (%s)" % (m["digest"], titles))
EOF
echo "reports: $OUT/deploy-*.json, $AUDIT"
