#!/bin/sh
# t_deploy_rollback.sh -- qgate-deploy rollback in an oci-layout
#
# Two versions of a model promoted one after the other (production, production-previous);
# rollback points production back at production-previous and keeps the replaced digest as
# the new production-previous (so it can be undone); --to DIGEST picks one; a digest that is
# not in the layout, or whose blobs are gone, is refused (exit 3) and production does not
# move; a tag without a -previous is exit 3; a malformed --to is exit 2; a production that
# moves between the read and the swap is exit 1. skopeo reads production back.
. "$(dirname "$0")/lib.sh"

PY=$DEBIAN_PY
L=$T/lay
cd "$T" || exit 1
mkdir ev
printf 'id,label,score\n1,0,0.1\n2,1,0.9\n3,0,0.3\n4,1,0.8\n' >preds.csv

tagdigest() { # LAYOUT TAG
	"$PY" -c 'import json,sys
for m in json.load(open(sys.argv[1]+"/index.json"))["manifests"]:
    if (m.get("annotations") or {}).get("org.opencontainers.image.ref.name")==sys.argv[2]: print(m["digest"])' "$1" "$2"
}
release() { # N: model-vN.onnx judged by qgate-model, pushed to staging, promoted to production
	printf 'model version %s\n' "$1" >"model-v$1.onnx"
	rm -f ev/*.json
	qgate-model check --predictions preds.csv --task binary --require 'roc_auc >= 0.8' \
		--subject "model-v$1.onnx" --json ev/model-check.json -q >/dev/null 2>&1
	qgate-deploy push --to "oci-layout:$L:staging" --evidence ev "model-v$1.onnx" -q >/dev/null 2>&1 &&
		qgate-deploy promote --from "oci-layout:$L:staging" --to "oci-layout:$L:production" --require model \
			-q >/dev/null 2>&1
}
skopeo_digest() { # LAYOUT TAG: the digest skopeo reads (sha256 of the raw manifest)
	skopeo inspect --raw "oci:$1:$2" 2>/dev/null | sha256sum | sed 's/^/sha256:/; s/ .*//'
}

release 1
V1=$(tagdigest "$L" production)
release 2
V2=$(tagdigest "$L" production)
case $V1$V2 in sha256:*sha256:*) ok "two releases promoted" ;; *) not_ok "releases: '$V1' '$V2'" ;; esac
expect_eq "production-previous is the first release" "$(tagdigest "$L" production-previous)" "$V1"

expect_exit 0 "rollback to production-previous" \
	qgate-deploy rollback --target "oci-layout:$L:production" --json "$T/r1.json" --junit "$T/r1.xml"
validate_result "rollback result" "$T/r1.json"
validate_junit "rollback JUnit" "$T/r1.xml"
expect_eq "production is the first release again" "$(tagdigest "$L" production)" "$V1"
expect_eq "production-previous is now the second (the rollback can be undone)" \
	"$(tagdigest "$L" production-previous)" "$V2"
expect_eq "rollback.move passed" \
	"$(json_get "$T/r1.json" '[c["status"] for c in d["checks"] if c["id"]=="rollback.move"][0]')" pass
if command -v skopeo >/dev/null 2>&1; then
	expect_eq "skopeo reads production as the first release" "$(skopeo_digest "$L" production)" "$V1"
else
	skip "skopeo not installed: production NOT read back by skopeo"
fi

expect_exit 0 "rollback --to the second release" \
	qgate-deploy rollback --target "oci-layout:$L:production" --to "$V2"
expect_eq "production is the second release" "$(tagdigest "$L" production)" "$V2"
expect_exit 0 "rollback --to where it already is changes nothing" \
	qgate-deploy rollback --target "oci-layout:$L:production" --to "$V2"
expect_grep "it says so" "already points at $V2" "$T/out"

# ---- refusals
expect_exit 3 "--to a digest the layout does not hold" \
	qgate-deploy rollback --target "oci-layout:$L:production" \
	--to sha256:0000000000000000000000000000000000000000000000000000000000000000
expect_grep "it says it is not in the store" "is not in the store" "$T/err"
expect_eq "production did not move" "$(tagdigest "$L" production)" "$V2"

# a release whose model blob is gone: never point production at it
LAYER=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"].split(":")[1])' \
	"$L/blobs/sha256/${V1#sha256:}")
mv "$L/blobs/sha256/$LAYER" "$T/layer.saved"
expect_exit 3 "--to a release whose model blob is missing" \
	qgate-deploy rollback --target "oci-layout:$L:production" --to "$V1"
expect_grep "it names the missing blob and its file" "sha256:$LAYER \\(model-v1.onnx\\), which is not in the store" "$T/err"
expect_eq "production did not move" "$(tagdigest "$L" production)" "$V2"
mv "$T/layer.saved" "$L/blobs/sha256/$LAYER"

expect_exit 3 "a tag without a -previous" qgate-deploy rollback --target "oci-layout:$L:staging"
expect_grep "it says what is missing" "no tag 'staging-previous' to roll back to" "$T/err"
expect_exit 2 "a malformed --to" qgate-deploy rollback --target "oci-layout:$L:production" --to sha256:abc
expect_exit 2 "--target without a tag" qgate-deploy rollback --target "oci-layout:$L"
expect_exit 2 "no --target" qgate-deploy rollback
expect_exit 3 "a layout that does not exist" qgate-deploy rollback --target "oci-layout:$T/nowhere:production"

# ---- production moves between the read and the swap
HOLD=$T/hold
QGATE_DEPLOY_TEST_HOLD=$HOLD qgate-deploy rollback --target "oci-layout:$L:production" --to "$V1" \
	>"$T/race.out" 2>"$T/race.err" &
RACE=$!
i=0
while [ ! -e "$HOLD" ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i + 1)); done
release 3
V3=$(tagdigest "$L" production)
rm -f "$HOLD"
wait $RACE
rc=$?
expect_eq "the paused rollback lost the compare-and-swap: exit 1" "$rc" 1
expect_grep "it says production moved" "production moved \\(was $V2, now $V3\\)" "$T/race.out"
expect_eq "production is the release made meanwhile" "$(tagdigest "$L" production)" "$V3"

done_testing
