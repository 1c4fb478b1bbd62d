#!/bin/sh
# t_deploy_promote.sh -- qgate-deploy promote: evidence made by the real gates, into oci-layout
#
# A git repository with a model file, its predictions and a training table; qgate-data
# validate and qgate-model check judge them with --subject model.onnx (the result names the
# model's bytes), push stores the model with that evidence attached, and promote moves
# production only when every required gate passed for this commit and these bytes: missing,
# failed, other bytes and another commit are exit 1, a destination that moves between the
# read and the swap is exit 1 "production moved", production-previous keeps the replaced
# digest, within one layout no blob is sent, across two layouts the blobs (and the evidence)
# are copied. skopeo reads production back; --health against a server started here rolls a
# sick deployment back by itself.
. "$(dirname "$0")/lib.sh"

PY=$DEBIAN_PY
SRV_PID=
trap '[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null; rm -rf "$T"' EXIT

R=$T/repo
mkdir -p "$R" && cd "$R" || exit 1
git init -q . && git config user.email t@example.com && git config user.name t
cat >schema.json <<'EOF'
{"fields": [{"name": "id", "type": "integer", "constraints": {"required": true, "unique": true}},
            {"name": "x", "type": "number", "constraints": {"minimum": 0}}]}
EOF
printf 'id,x\n1,0.5\n2,1.5\n3,2\n4,7\n' >train.csv
printf 'id,label,score\n1,0,0.1\n2,1,0.9\n3,0,0.3\n4,1,0.8\n5,1,0.7\n6,0,0.2\n7,1,0.6\n8,0,0.4\n' >preds.csv
"$PY" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 40)' >model.onnx
git add . && git commit -qm fixtures

# gates: real results naming model.onnx
gates() { # DIR [extra model requirement]
	mkdir -p "$1"
	qgate-data validate --schema schema.json --subject model.onnx --json "$1/data-validate.json" -q train.csv >/dev/null 2>&1
	qgate-model check --predictions preds.csv --task binary --require "${2:-roc_auc >= 0.8}" \
		--subject model.onnx --json "$1/model-check.json" -q >/dev/null 2>&1
}
gates ev
validate_result "data-validate evidence" ev/data-validate.json
validate_result "model-check evidence" ev/model-check.json
expect_eq "the model result names model.onnx" \
	"$(json_get ev/model-check.json '[a["path"] for a in d["subject"]["artifacts"]][-1]')" model.onnx

L=$T/lay
AUD=$T/audit.jsonl
expect_exit 0 "push model.onnx with its evidence to staging" \
	qgate-deploy push --to "oci-layout:$L:staging" --evidence ev model.onnx -q --json "$T/push.json"
tagdigest() { # LAYOUT TAG: the tag's digest from index.json, "" when absent
	"$PY" -c 'import json,sys
for m in json.load(open(sys.argv[1]+"/index.json"))["manifests"]:
    if (m.get("annotations") or {}).get("org.opencontainers.image.ref.name")==sys.argv[2]: print(m["digest"])' "$1" "$2"
}
D1=$(tagdigest "$L" staging)
case $D1 in sha256:*) ok "staging is $D1" ;; *) not_ok "staging's digest: '$D1'" ;; esac

# ---- promote staging -> production on the attached evidence
expect_exit 0 "promote staging -> production (data, model passed)" \
	qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L:production" --require data,model \
	--json "$T/p1.json" --junit "$T/p1.xml" --audit-log "$AUD"
validate_result "promote result" "$T/p1.json"
validate_junit "promote JUnit" "$T/p1.xml"
expect_eq "production is the pushed digest" "$(tagdigest "$L" production)" "$D1"
expect_eq "promote.evidence.model passed" \
	"$(json_get "$T/p1.json" '[c["status"] for c in d["checks"] if c["id"]=="promote.evidence.model"][0]')" pass
SENT=$(json_get "$T/p1.json" 'd["metrics"]["bytes_sent"]')
MAN=$(json_get "$T/p1.json" 'd["metrics"]["manifest_bytes"]')
if [ "$SENT" -lt $((2 * MAN)) ] && [ "$(json_get "$T/p1.json" 'd["metrics"]["blobs_sent"]')" = 0 ]; then
	ok "within one layout: $SENT bytes sent, no blob (manifest $MAN bytes)"
else
	not_ok "within one layout: $SENT bytes sent for a $MAN-byte manifest"
fi
if command -v skopeo >/dev/null 2>&1; then
	skopeo inspect --raw "oci:$L:production" >"$T/raw" 2>"$T/skerr"
	expect_eq "skopeo reads production back as the pushed manifest" \
		"sha256:$(sha256sum <"$T/raw" | cut -d' ' -f1)" "$D1"
else
	skip "skopeo not installed: production NOT read back by skopeo"
fi
expect_exit 0 "promoting the same digest again changes nothing" \
	qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L:production" --require data,model
expect_grep "it says so" "already points at $D1" "$T/out"
expect_eq "no production-previous yet" "$(tagdigest "$L" production-previous)" ""

# ---- refusals: exit 1, production unchanged
expect_exit 1 "a required gate without a result blocks" \
	qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L:canary" --require data,model,lint \
	--audit-log "$AUD"
expect_grep "it names the missing gate" "no result for gate 'lint'" "$T/out"
expect_eq "canary not created" "$(tagdigest "$L" canary)" ""

gates evfail 'log_loss <= 0.001'
expect_eq "the failing model result really failed" "$(json_get evfail/model-check.json 'd["status"]')" fail
expect_exit 0 "push the same model with failing evidence" \
	qgate-deploy push --to "oci-layout:$L:staging-bad" --evidence evfail --annotation qgate.test=bad model.onnx -q
expect_no_grep "(another manifest than staging's, so staging's evidence stays its own)" "." "$T/err"
if [ "$(tagdigest "$L" staging-bad)" != "$D1" ]; then ok "staging-bad is another manifest"; else
	not_ok "staging-bad has staging's digest"; fi
expect_exit 1 "a failed gate blocks" \
	qgate-deploy promote --from "oci-layout:$L:staging-bad" --to "oci-layout:$L:production" --require data,model
expect_grep "it names the failed result" "model-check.json: status fail" "$T/out"

cp model.onnx model-v1.onnx
printf 'retrained' >>model.onnx
git commit -qam "retrained model"
gates ev2
git show HEAD~1:model.onnx >model.onnx
expect_exit 0 "push the old model with evidence about other bytes (ev2 judged the retrained model)" \
	qgate-deploy push --to "oci-layout:$L:other-bytes" --evidence ev2 model.onnx -q
expect_exit 1 "evidence about other bytes blocks" \
	qgate-deploy promote --from "oci-layout:$L:other-bytes" --to "oci-layout:$L:production" --require model
expect_grep "it names the layer the result does not" "model-check.json does not name layer model.onnx \\(sha256:" "$T/out"
git checkout -q model.onnx

expect_exit 0 "push from the new commit with the evidence of the old one (--evidence DIR later)" \
	qgate-deploy push --to "oci-layout:$L:other-commit" model.onnx -q
gates ev3
git commit -q --allow-empty -m "a later commit"
expect_exit 0 "push at the later commit" \
	qgate-deploy push --to "oci-layout:$L:later" model.onnx -q
expect_exit 1 "evidence made at another commit blocks (--evidence DIR)" \
	qgate-deploy promote --from "oci-layout:$L:later" --to "oci-layout:$L:production" --require data,model --evidence ev3
expect_grep "it names both commits" "data-validate.json: commit [0-9a-f]{12} is not the artifact's commit [0-9a-f]{12}" "$T/out"
expect_eq "production still the first digest" "$(tagdigest "$L" production)" "$D1"

# ---- --evidence DIR: only qgate results
expect_exit 0 "--evidence DIR with the gates' results of this commit" \
	qgate-deploy promote --from "oci-layout:$L:other-commit" --to "oci-layout:$L:production" --require data,model \
	--evidence ev3 --json "$T/p2.json"
D2=$(tagdigest "$L" other-commit)
expect_eq "production moved to the new digest" "$(tagdigest "$L" production)" "$D2"
expect_eq "production-previous keeps the replaced digest" "$(tagdigest "$L" production-previous)" "$D1"
expect_eq "the result says what it replaced" "$(json_get "$T/p2.json" 'd["metrics"]["previous"]')" "$D1"
printf '{"name": "not a result"}\n' >ev3/package.json
expect_exit 3 "a JSON file that is not a qgate result is refused" \
	qgate-deploy promote --from "oci-layout:$L:other-commit" --to "oci-layout:$L:canary" --require data --evidence ev3
expect_grep "naming the file" "package.json" "$T/err"
rm ev3/package.json
ln -s "$R/ev/model-check.json" ev3/linked.json
expect_exit 3 "a link in the evidence folder is refused (nothing outside it is read)" \
	qgate-deploy promote --from "oci-layout:$L:other-commit" --to "oci-layout:$L:canary" --require data --evidence ev3
expect_grep "naming the link" "linked.json.*symbolic link" "$T/err"
rm ev3/linked.json

# ---- the destination moves between the read and the swap
HOLD=$T/hold
QGATE_DEPLOY_TEST_HOLD=$HOLD qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L:production" \
	--require data,model >"$T/race.out" 2>"$T/race.err" &
RACE=$!
i=0
while [ ! -e "$HOLD" ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i + 1)); done
if [ -e "$HOLD" ]; then ok "promote paused before its swap"; else not_ok "promote never reached its swap"; fi
expect_exit 0 "meanwhile someone else moves production (rollback --to)" \
	qgate-deploy rollback --target "oci-layout:$L:production" --to "$(tagdigest "$L" later)"
rm -f "$HOLD"
wait $RACE
rc=$?
expect_eq "the paused promote lost the compare-and-swap: exit 1" "$rc" 1
expect_grep "it says production moved, from what to what" \
	"production moved \\(was $D2, now $(tagdigest "$L" later)\\)" "$T/race.out"
expect_eq "production is what the other writer put there" "$(tagdigest "$L" production)" "$(tagdigest "$L" later)"

# ---- across two layouts: blobs copied, then the manifest, the evidence too
L2=$T/lay2
expect_exit 0 "promote into another layout" \
	qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L2:production" --require data,model \
	--json "$T/p3.json"
expect_eq "the other layout's production is the digest" "$(tagdigest "$L2" production)" "$D1"
LAYER=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"].split(":")[1])' \
	"$L/blobs/sha256/${D1#sha256:}")
if cmp -s "$L2/blobs/sha256/$LAYER" model-v1.onnx; then ok "the model blob was copied, byte for byte"; else
	not_ok "the model blob is not in $L2"; fi
if [ "$(json_get "$T/p3.json" 'd["metrics"]["blobs_sent"]')" -ge 2 ]; then ok "blobs were sent (layer, config)"; else
	not_ok "blobs_sent: $(json_get "$T/p3.json" 'd["metrics"]["blobs_sent"]')"; fi
expect_exit 0 "the copied evidence allows a promotion inside the other layout" \
	qgate-deploy promote --from "oci-layout:$L2:production" --to "oci-layout:$L2:mirror" --require data,model
if command -v skopeo >/dev/null 2>&1; then
	# plain `skopeo inspect` refuses artifacts (config application/vnd.oci.empty.v1+json): --raw
	skopeo inspect --raw "oci:$L2:production" >"$T/raw2" 2>"$T/skerr" || sed "s/^/# skopeo: /" "$T/skerr"
	expect_eq "skopeo reads the other layout's production as the digest" \
		"sha256:$(sha256sum <"$T/raw2" | cut -d' ' -f1)" "$D1"
else
	skip "skopeo not installed: the second layout NOT read back"
fi

# ---- --dry-run: judged and verified, nothing written
cp "$L/index.json" "$T/index.before"
wc -l <"$L/qgate-audit.jsonl" >"$T/audit.before"
expect_exit 0 "--dry-run of an allowed promotion" \
	qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L:dry" --require data,model --dry-run
expect_grep "it says what would move" "dry run: dry would move from none to $D1" "$T/out"
expect_exit 1 "--dry-run of a refused promotion" \
	qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L:dry" --require lint --dry-run
if cmp -s "$L/index.json" "$T/index.before"; then ok "--dry-run wrote no tag"; else not_ok "--dry-run changed index.json"; fi
expect_eq "--dry-run appended no audit entry" "$(wc -l <"$L/qgate-audit.jsonl")" "$(cat "$T/audit.before")"
expect_exit 0 "--dry-run into a layout that does not exist" \
	qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$T/nolayout:production" --require data,model --dry-run
expect_no_file "--dry-run created no layout" "$T/nolayout"
expect_exit 2 "--dry-run with --health" qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L:dry" \
	--require data,model --dry-run --health http://127.0.0.1:9/

# ---- --from a digest; an artifact whose blob is gone is never promoted
expect_exit 0 "promote --from TARGET@DIGEST" \
	qgate-deploy promote --from "oci-layout:$L@$D1" --to "oci-layout:$L:by-digest" --require data,model
expect_eq "the tag points at that digest" "$(tagdigest "$L" by-digest)" "$D1"
L3=$T/lay3
mkdir -p ev4
qgate-model check --predictions preds.csv --task binary --require 'roc_auc >= 0.8' --subject model-v1.onnx \
	--json ev4/model-check.json -q >/dev/null 2>&1
expect_exit 0 "push into a third layout" \
	qgate-deploy push --to "oci-layout:$L3:staging" --evidence ev4 model-v1.onnx -q
rm -f "$L3/blobs/sha256/$LAYER"
expect_exit 3 "promote of an artifact whose model blob is gone" \
	qgate-deploy promote --from "oci-layout:$L3:staging" --to "oci-layout:$L3:production" --require model
expect_grep "it names the missing blob" "sha256:$LAYER \\(model-v1.onnx\\), which is not in the store" "$T/err"
expect_eq "production was not created" "$(tagdigest "$L3" production)" ""

# ---- usage and input errors
expect_exit 2 "no --require" qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L:production"
expect_exit 2 "an unknown target scheme" \
	qgate-deploy promote --from "ftp://x/y:staging" --to "oci-layout:$L:production" --require data
expect_exit 2 "--to a digest" \
	qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L@$D1" --require data
expect_exit 2 "--require with an empty name" \
	qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L:production" --require data,,model
expect_exit 3 "a source tag that does not exist" \
	qgate-deploy promote --from "oci-layout:$L:nope" --to "oci-layout:$L:production" --require data
expect_grep "it names the tag" "tag 'nope' not found" "$T/err"

# ---- --health: a healthy deployment stays, a sick one is rolled back
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/www" && printf 'ok\n' >"$T/www/health"
(cd "$T/www" && exec "$PY" -m http.server "$PORT" --bind 127.0.0.1) >/dev/null 2>&1 &
SRV_PID=$!
i=0
until "$PY" -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
	"http://127.0.0.1:$PORT/health" 2>/dev/null || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_exit 0 "promote --health against a healthy server" \
	qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L:production" --require data,model \
	--health "http://127.0.0.1:$PORT/health" --expect-body ok --interval 0.05 --min-probes 2 --timeout 10
expect_eq "production moved to the promoted digest" "$(tagdigest "$L" production)" "$D1"
expect_exit 1 "promote --health against a sick endpoint (404)" \
	qgate-deploy promote --from "oci-layout:$L:other-commit" --to "oci-layout:$L:production" --require data,model \
	--evidence ev3 --health "http://127.0.0.1:$PORT/missing" --interval 0.05 --failure-limit 2 --timeout 10 \
	--json "$T/p4.json" --audit-log "$AUD"
expect_grep "it says it rolled back" "rolled back" "$T/err"
expect_eq "production is back on the digest before" "$(tagdigest "$L" production)" "$D1"
expect_eq "promote.rollback passed" \
	"$(json_get "$T/p4.json" '[c["status"] for c in d["checks"] if c["id"]=="promote.rollback"][0]')" pass
validate_result "promote --health result" "$T/p4.json"
expect_exit 1 "a first promotion to a new tag that is sick" \
	qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L:fresh" --require data,model \
	--health "http://127.0.0.1:$PORT/missing" --interval 0.05 --failure-limit 2 --timeout 10
expect_eq "the new tag is removed again (it did not exist before)" "$(tagdigest "$L" fresh)" ""
expect_grep "it says it rolled back to none" "rolled back from $D1 to none" "$T/err"
kill "$SRV_PID" 2>/dev/null
wait "$SRV_PID" 2>/dev/null
SRV_PID=
expect_exit 3 "promote --health with nothing answering: rolled back, exit 3" \
	qgate-deploy promote --from "oci-layout:$L:other-commit" --to "oci-layout:$L:production" --require data,model \
	--evidence ev3 --health "http://127.0.0.1:$PORT/health" --interval 0.05 --timeout 1
expect_grep "it says it rolled back" "rolled back" "$T/err"
expect_eq "production is back again" "$(tagdigest "$L" production)" "$D1"

# ---- GitHub Actions outputs; signed audit entries
GO=$T/github_output
: >"$GO"
expect_exit 0 "promote under GitHub Actions" env GITHUB_ACTIONS=true GITHUB_OUTPUT="$GO" \
	qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L:gh" --require data,model
expect_grep "GITHUB_OUTPUT has the digest" "^digest=$D1\$" "$GO"
expect_grep "GITHUB_OUTPUT says it moved" "^moved=true\$" "$GO"
expect_grep "GITHUB_OUTPUT has the status" "^status=pass\$" "$GO"
if command -v openssl >/dev/null 2>&1 && openssl genpkey -algorithm ed25519 -out "$T/key.pem" 2>/dev/null &&
	openssl pkey -in "$T/key.pem" -pubout -out "$T/pub.pem" 2>/dev/null; then
	expect_exit 0 "promote with --sign-key" qgate-deploy promote --from "oci-layout:$L:staging" \
		--to "oci-layout:$L:signed" --require data,model --audit-log "$T/signed.jsonl" --sign-key "$T/key.pem"
	expect_exit 0 "its signed entry verifies with the public key" \
		qgate-deploy audit verify "$T/signed.jsonl" --pubkey "$T/pub.pem"
	expect_no_grep "the private key is never printed" "PRIVATE KEY" "$T/out"
else
	skip "openssl cannot make an Ed25519 key: --sign-key NOT tested"
fi

# ---- the audit trail: every outcome, a chain that verifies, the copy kept in the layout
expect_eq "the audit log holds each outcome in order" \
	"$("$PY" -c 'import json,sys; print(" ".join(e["action"]+":"+str(e["verdict"]) for e in map(json.loads, open(sys.argv[1]))))' "$AUD")" \
	"promote:pass promote:fail promote:pass health:fail rollback:pass"
expect_eq "the rollback entry goes from the sick digest back to the one before" \
	"$("$PY" -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1])][-1]; print(e["digest_before"], e["digest_after"])' "$AUD")" \
	"$D2 $D1"
expect_exit 0 "audit verify accepts the log" qgate-deploy audit verify "$AUD"
expect_exit 0 "audit verify accepts the copy kept in the layout" qgate-deploy audit verify "$L/qgate-audit.jsonl"
expect_grep "the layout's copy has the race's refusal" '"action":"promote".*"verdict":"fail"' "$L/qgate-audit.jsonl"

done_testing
