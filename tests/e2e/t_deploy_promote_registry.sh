#!/bin/sh
# t_deploy_promote_registry.sh -- promote and rollback on oci:// (Debian's docker-registry)
#
# A plain-HTTP registry started here on 127.0.0.1 (a free port; killed at exit). A model
# judged by qgate-model (--subject) is pushed with its evidence; promote within the
# repository sends the manifest only (bytes counted by the store: under 2x the manifest, no
# blob), skopeo reads production back; a missing gate is exit 1; another repository of the
# same registry gets the blobs (mounted or sent) and the evidence; registry -> oci-layout and
# back copy the blobs; a production moved between read and swap is exit 1; rollback moves
# production back to production-previous.
. "$(dirname "$0")/lib.sh"
PIDS=
trap 'for _p in $PIDS; do kill "$_p" 2>/dev/null; done; rm -rf "$T"' EXIT
PY=$DEBIAN_PY
REGISTRY=$(command -v docker-registry 2>/dev/null || echo /usr/bin/docker-registry)
for _prog in "$REGISTRY" skopeo; do
	if ! command -v "$_prog" >/dev/null 2>&1; then
		skip "$_prog missing (Debian packages docker-registry, skopeo): REGISTRY PROMOTE TESTS NOT RUN"
		done_testing
		exit
	fi
done
unset QGATE_REGISTRY_USERNAME QGATE_REGISTRY_PASSWORD
export DOCKER_CONFIG="$T/nodocker" HOME="$T/home"
mkdir -p "$HOME" "$T/reg/data"

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$T/reg/config.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $T/reg/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$PORT
YML
"$REGISTRY" serve "$T/reg/config.yml" >"$T/reg/log" 2>&1 &
PIDS=$!
i=0
until "$PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$PORT" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$PIDS" 2>/dev/null; then
		not_ok "docker-registry did not start"; sed 's/^/#   /' "$T/reg/log" | head
		done_testing
		exit
	fi
	sleep 0.1
done
ok "docker-registry listening on 127.0.0.1:$PORT"
R=oci://127.0.0.1:$PORT/ml/churn
R2=oci://127.0.0.1:$PORT/ml/prod

cd "$T" || exit 1
head -c 300000 /dev/urandom >model.onnx
printf 'id,label,score\n1,0,0.1\n2,1,0.9\n3,0,0.3\n4,1,0.8\n' >preds.csv
mkdir ev
qgate-model check --predictions preds.csv --task binary --require 'roc_auc >= 0.8' --subject model.onnx \
	--json ev/model-check.json -q >/dev/null 2>&1
validate_result "the model gate's evidence" ev/model-check.json

expect_exit 0 "push to the registry with evidence" qgate-deploy push --to "$R:staging" --evidence ev --insecure model.onnx -q
rawdigest() { # REF (docker://...): the digest skopeo reads
	skopeo inspect --raw --tls-verify=false "$1" 2>"$T/skerr" | sha256sum | sed 's/^/sha256:/; s/ .*//'
}
D1=$(rawdigest "docker://127.0.0.1:$PORT/ml/churn:staging")
case $D1 in sha256:*) ok "staging is $D1" ;; *) not_ok "staging: '$D1'" ;; esac

expect_exit 0 "promote staging -> production within the repository" \
	qgate-deploy promote --from "$R:staging" --to "$R:production" --require model --insecure --json "$T/p1.json"
validate_result "promote result" "$T/p1.json"
SENT=$(json_get "$T/p1.json" 'd["metrics"]["bytes_sent"]')
MAN=$(json_get "$T/p1.json" 'd["metrics"]["manifest_bytes"]')
if [ "$SENT" -gt 0 ] && [ "$SENT" -lt $((2 * MAN)) ]; then
	ok "within one registry only the manifest is sent: $SENT bytes for a $MAN-byte manifest"
else
	not_ok "within one registry $SENT bytes were sent for a $MAN-byte manifest"
fi
expect_eq "no blob was sent" "$(json_get "$T/p1.json" 'd["metrics"]["blobs_sent"]')" 0
expect_eq "skopeo reads production as the pushed digest" "$(rawdigest "docker://127.0.0.1:$PORT/ml/churn:production")" "$D1"

expect_exit 1 "a required gate without a result blocks" \
	qgate-deploy promote --from "$R:staging" --to "$R:canary" --require model,data --insecure
expect_grep "it names the missing gate" "no result for gate 'data'" "$T/out"
skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$PORT/ml/churn:canary" >/dev/null 2>&1
expect_eq "canary was not created" "$?" 1

expect_exit 0 "promote into another repository of the same registry" \
	qgate-deploy promote --from "$R:staging" --to "$R2:production" --require model --insecure --json "$T/p2.json"
expect_eq "the other repository's production is the digest" \
	"$(rawdigest "docker://127.0.0.1:$PORT/ml/prod:production")" "$D1"
expect_exit 0 "its copied evidence allows a promotion there" \
	qgate-deploy promote --from "$R2:production" --to "$R2:mirror" --require model --insecure
rm -rf "$T/copy" && skopeo copy --src-tls-verify=false "docker://127.0.0.1:$PORT/ml/prod:production" "dir:$T/copy" >/dev/null 2>&1
if cmp -s "$T/copy/$(sha256sum model.onnx | cut -c1-64)" model.onnx; then ok "the model's bytes are in the other repository"; else
	not_ok "the model is not whole in ml/prod"; ls "$T/copy" | sed 's/^/#   /'; fi

expect_exit 0 "promote from the registry into an oci-layout" \
	qgate-deploy promote --from "$R:staging" --to "oci-layout:$T/lay:production" --require model --insecure --json "$T/p3.json"
if cmp -s "$T/lay/blobs/sha256/$(sha256sum model.onnx | cut -c1-64)" model.onnx; then ok "the model blob arrived in the layout"; else
	not_ok "the model blob is not in the layout"; fi
printf 'retrained\n' >>model.onnx
rm -f ev/*.json
qgate-model check --predictions preds.csv --task binary --require 'roc_auc >= 0.8' --subject model.onnx \
	--json ev/model-check.json -q >/dev/null 2>&1
expect_exit 0 "a second model pushed into the layout" \
	qgate-deploy push --to "oci-layout:$T/lay:staging" --evidence ev model.onnx -q
D2=$("$PY" -c 'import json,sys
for m in json.load(open(sys.argv[1]+"/index.json"))["manifests"]:
    if (m.get("annotations") or {}).get("org.opencontainers.image.ref.name")=="staging": print(m["digest"])' "$T/lay")
expect_exit 0 "promote from the oci-layout into the registry (blobs sent first)" \
	qgate-deploy promote --from "oci-layout:$T/lay:staging" --to "$R:production" --require model --insecure --json "$T/p4.json"
expect_eq "registry production is the second model" "$(rawdigest "docker://127.0.0.1:$PORT/ml/churn:production")" "$D2"
if [ "$(json_get "$T/p4.json" 'd["metrics"]["bytes_sent"]')" -gt 300000 ]; then ok "the new model's bytes were sent"; else
	not_ok "bytes_sent $(json_get "$T/p4.json" 'd["metrics"]["bytes_sent"]')"; fi
expect_eq "production-previous is the first model" \
	"$(rawdigest "docker://127.0.0.1:$PORT/ml/churn:production-previous")" "$D1"

expect_exit 0 "promote staging -> production again, within the repository" \
	qgate-deploy promote --from "$R:staging" --to "$R:production" --require model --insecure --json "$T/p5.json"
SENT=$(json_get "$T/p5.json" 'd["metrics"]["bytes_sent"]')
PREV=$(json_get "$T/p5.json" 'd["metrics"]["previous_bytes_sent"]')
MAN=$(json_get "$T/p5.json" 'd["metrics"]["manifest_bytes"]')
if [ "$SENT" -lt $((2 * MAN)) ] && [ "$PREV" -lt $((2 * MAN)) ]; then
	ok "the move sent $SENT bytes, production-previous $PREV, for a $MAN-byte manifest: no blob"
else
	not_ok "the move sent $SENT bytes, production-previous $PREV, for a $MAN-byte manifest"
fi
expect_eq "production-previous is the second model" \
	"$(rawdigest "docker://127.0.0.1:$PORT/ml/churn:production-previous")" "$D2"

expect_exit 0 "rollback to production-previous (the second model)" qgate-deploy rollback --target "$R:production" --insecure
expect_eq "production is the second model" "$(rawdigest "docker://127.0.0.1:$PORT/ml/churn:production")" "$D2"

# production moves between the read and the swap
HOLD=$T/hold
QGATE_DEPLOY_TEST_HOLD=$HOLD qgate-deploy promote --from "$R:staging" --to "$R:production" --require model \
	--insecure >"$T/race.out" 2>"$T/race.err" &
RACE=$!
i=0
while [ ! -e "$HOLD" ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i + 1)); done
expect_exit 0 "meanwhile production is rolled back (to the first model)" \
	qgate-deploy rollback --target "$R:production" --insecure
rm -f "$HOLD"
wait $RACE
expect_eq "the paused promote lost: exit 1" "$?" 1
expect_grep "it says production moved" "production moved \\(was $D2, now $D1\\)" "$T/race.out"
expect_eq "production is what the rollback put there" "$(rawdigest "docker://127.0.0.1:$PORT/ml/churn:production")" "$D1"
expect_eq "production-previous is what the rollback replaced" \
	"$(rawdigest "docker://127.0.0.1:$PORT/ml/churn:production-previous")" "$D2"
expect_exit 3 "rollback --to a digest the repository does not hold" qgate-deploy rollback --target "$R:production" \
	--to sha256:0000000000000000000000000000000000000000000000000000000000000000 --insecure
expect_exit 3 "without --insecure the plain-HTTP registry is refused (TLS by default)" \
	qgate-deploy promote --from "$R:staging" --to "$R:production" --require model

done_testing
