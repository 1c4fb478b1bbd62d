#!/bin/sh
# t_deploy_push.sh -- qgate-deploy push into an OCI image layout, read back by skopeo
#
# Pushes model files, evidence and materials from a git repository the test
# makes into oci-layout:DIR:TAG, then checks with skopeo (the OCI tools' own
# reader) that the layout holds exactly the bytes pushed: `skopeo inspect --raw`
# gives the manifest whose digest push printed, `skopeo copy ... dir:` gives
# every layer, compared byte for byte with its input. Then: a re-push writes no
# blob (same inodes), the evidence and the in-toto provenance are referrers of
# the manifest, concurrent pushes keep every tag, bad input is exit 2 or 3
# naming what is wrong, a damaged blob or index.json is refused, and a push
# killed with SIGKILL in the middle of a large blob leaves no tag and no blob
# under a wrong name, and the same push then completes. skopeo missing is a
# loud SKIP of the read-back assertions, never a pass.
. "$(dirname "$0")/lib.sh"

D=qgate-deploy
HAVE_SKOPEO=1
command -v skopeo >/dev/null 2>&1 || HAVE_SKOPEO=0
[ "$HAVE_SKOPEO" = 1 ] || echo "WARNING: t_deploy_push: skopeo not found, read-back assertions skipped" >&2

hex_of() { sha256sum "$1" | cut -d' ' -f1; }
# last_line FILE: the digest push printed (its first stdout line)
digest_line() { head -1 "$1"; }

# ---------------------------------------------------------------- inputs in a git repository
R=$T/repo
mkdir -p "$R/model" "$R/evidence"
head -c 200000 /dev/urandom >"$R/model/model.onnx"
printf 'id,label\n1,0\n2,1\n' >"$R/model/train.csv"
printf '{"lr": 0.1}\n' >"$R/model/params.json"
head -c 999 /dev/urandom >"$R/model/weights.bin"
printf 'id,x\n1,2\n' >"$R/dataset.csv"
(cd "$R" && git init -q && git -c user.name=t -c user.email=t@e add . && git -c user.name=t -c user.email=t@e commit -qm init) \
	>"$T/git.out" 2>&1 || { not_ok "git repository for the test"; cat "$T/git.out"; }
COMMIT=$(cd "$R" && git rev-parse HEAD)

# evidence: a real result JSON (a first push into a scratch layout writes one)
(cd "$R" && $D push -q --to "oci-layout:$T/scratch:x" --json "$R/evidence/deploy-push.json" model/params.json) >"$T/out" 2>"$T/err"
expect_eq "a first push writes a result JSON to use as evidence" "$?" 0
validate_result "scratch push result" "$R/evidence/deploy-push.json"

L=$T/layout
export SOURCE_DATE_EPOCH=1700000000
cd "$R" || exit 1
expect_exit 0 "push four files with evidence and a material" \
	$D push --to "oci-layout:$L:v1" --evidence evidence --material dataset.csv --artifact-version 1.4.2 \
	--annotation team=ml --media-type weights.bin=application/x-qgate-test --json "$T/r1.json" --junit "$T/r1.xml" \
	model/model.onnx model/train.csv model/params.json model/weights.bin
cp "$T/out" "$T/push1.out"
DIGEST=$(digest_line "$T/push1.out")
expect_grep "stdout starts with the digest" '^sha256:[0-9a-f]{64}$' "$T/push1.out"
validate_result "push result" "$T/r1.json"
validate_junit "push JUnit" "$T/r1.xml"
expect_eq "result status pass" "$(json_get "$T/r1.json" 'd["status"]')" pass
expect_eq "checks" "$(json_get "$T/r1.json" '",".join(c["id"] for c in d["checks"])')" \
	"push.blobs,push.manifest,push.evidence,push.provenance,push.tag"
expect_eq "4 blobs sent" "$(json_get "$T/r1.json" 'd["metrics"]["blobs_sent"]')" 4
expect_eq "bytes sent = the files' sizes" "$(json_get "$T/r1.json" 'd["metrics"]["bytes_sent"]')" \
	"$(cat model/model.onnx model/train.csv model/params.json model/weights.bin | wc -c | tr -d ' ')"
expect_eq "the result's artifacts name the files by digest" \
	"$(json_get "$T/r1.json" '[a["sha256"] for a in d["subject"]["artifacts"]][0]')" "$(hex_of model/model.onnx)"
expect_eq "manifest check names the digest" "$(json_get "$T/r1.json" 'd["checks"][1]["observed"]')" "$DIGEST"

# the layout itself
expect_file "oci-layout file" "$L/oci-layout"
expect_eq "imageLayoutVersion" "$(json_get "$L/oci-layout" 'd["imageLayoutVersion"]')" 1.0.0
expect_eq "the manifest blob hashes to the digest" "sha256:$(hex_of "$L/blobs/sha256/${DIGEST#sha256:}")" "$DIGEST"
expect_eq "index.json tags v1 with it" \
	"$(json_get "$L/index.json" '[m["digest"] for m in d["manifests"] if m.get("annotations",{}).get("org.opencontainers.image.ref.name")=="v1"]')" \
	"[\"$DIGEST\"]"

M=$L/blobs/sha256/${DIGEST#sha256:}
expect_eq "artifactType" "$(json_get "$M" 'd["artifactType"]')" application/vnd.qgate.artifact.v1
expect_eq "empty config" "$(json_get "$M" 'd["config"]["mediaType"]+" "+str(d["config"]["size"])')" \
	"application/vnd.oci.empty.v1+json 2"
expect_eq "layer titles" "$(json_get "$M" '",".join(l["annotations"]["org.opencontainers.image.title"] for l in d["layers"])')" \
	"model.onnx,train.csv,params.json,weights.bin"
expect_eq "layer media types (guessed, and --media-type)" "$(json_get "$M" '",".join(l["mediaType"] for l in d["layers"])')" \
	"application/vnd.onnx,text/csv,application/json,application/x-qgate-test"
expect_eq "revision = the git commit" "$(json_get "$M" 'd["annotations"]["org.opencontainers.image.revision"]')" "$COMMIT"
expect_eq "version" "$(json_get "$M" 'd["annotations"]["org.opencontainers.image.version"]')" 1.4.2
expect_eq "created (SOURCE_DATE_EPOCH)" "$(json_get "$M" 'd["annotations"]["org.opencontainers.image.created"]')" \
	2023-11-14T22:13:20Z
expect_eq "user annotation" "$(json_get "$M" 'd["annotations"]["team"]')" ml

# ---------------------------------------------------------------- skopeo reads it back
if [ "$HAVE_SKOPEO" = 1 ]; then
	expect_exit 0 "skopeo inspect --raw oci:DIR:v1" skopeo inspect --raw "oci:$L:v1"
	expect_eq "skopeo's manifest is the one push printed" "sha256:$(hex_of "$T/out")" "$DIGEST"
	expect_exit 0 "skopeo copy oci:DIR:v1 dir:" skopeo copy -q "oci:$L:v1" "dir:$T/copy"
	for f in model.onnx train.csv params.json weights.bin; do
		if cmp -s "model/$f" "$T/copy/$(hex_of "model/$f")"; then ok "skopeo's copy of $f is byte-identical"
		else not_ok "skopeo's copy of $f differs from the input"; fi
	done
else
	skip "skopeo not installed: read-back by skopeo NOT RUN"
fi

# ---------------------------------------------------------------- re-push: nothing written
ino_before=$(ls -i "$L/blobs/sha256/$(hex_of model/model.onnx)" | cut -d' ' -f1)
expect_exit 0 "the same push again" \
	$D push --to "oci-layout:$L:v1" --evidence evidence --material dataset.csv --artifact-version 1.4.2 \
	--annotation team=ml --media-type weights.bin=application/x-qgate-test --json "$T/r2.json" \
	model/model.onnx model/train.csv model/params.json model/weights.bin
expect_eq "re-push: zero blobs sent" "$(json_get "$T/r2.json" 'd["metrics"]["blobs_sent"]')" 0
expect_eq "re-push: zero bytes sent" "$(json_get "$T/r2.json" 'd["metrics"]["bytes_sent"]')" 0
expect_eq "re-push: four blobs skipped" "$(json_get "$T/r2.json" 'd["metrics"]["blobs_skipped"]')" 4
expect_eq "re-push: the same digest" "$(digest_line "$T/out")" "$DIGEST"
expect_eq "re-push: the blob file was not rewritten (same inode)" \
	"$(ls -i "$L/blobs/sha256/$(hex_of model/model.onnx)" | cut -d' ' -f1)" "$ino_before"

# ---------------------------------------------------------------- a changed file of the same size
cp model/weights.bin "$T/weights.orig"
printf 'Z' | dd of=model/weights.bin bs=1 seek=10 conv=notrunc 2>/dev/null
expect_exit 0 "push a file changed in place (same size)" \
	$D push --to "oci-layout:$L:v1b" --json "$T/r3.json" model/weights.bin
expect_eq "its new bytes are sent" "$(json_get "$T/r3.json" 'd["metrics"]["blobs_sent"]')" 1
expect_eq "stored under the new digest" "sha256:$(hex_of "$L/blobs/sha256/$(hex_of model/weights.bin)")" \
	"sha256:$(hex_of model/weights.bin)"
cp "$T/weights.orig" model/weights.bin

# ---------------------------------------------------------------- referrers: evidence, provenance
cat >"$T/referrers.py" <<'PY'
import json, sys, hashlib
layout, subject, kind = sys.argv[1], sys.argv[2], sys.argv[3]
idx = json.load(open(layout + "/index.json"))
found = []
for m in idx["manifests"]:
    body = open(layout + "/blobs/sha256/" + m["digest"][7:], "rb").read()
    assert "sha256:" + hashlib.sha256(body).hexdigest() == m["digest"]
    man = json.loads(body)
    if man.get("subject", {}).get("digest") == subject and man.get("artifactType") == kind:
        found.append(man)
if len(found) != 1:
    print("found %d" % len(found)); sys.exit(1)
man = found[0]
for l in man["layers"]:
    print(l["mediaType"], l["annotations"]["org.opencontainers.image.title"], l["digest"])
PY
"$DEBIAN_PY" "$T/referrers.py" "$L" "$DIGEST" application/vnd.qgate.evidence.v1 >"$T/ev.out" 2>&1
expect_eq "one evidence referrer whose subject is the manifest" "$?" 0
expect_eq "its layer is the result file, byte for byte" "$(cat "$T/ev.out")" \
	"application/vnd.qgate.result.v1+json deploy-push.json sha256:$(hex_of evidence/deploy-push.json)"
"$DEBIAN_PY" "$T/referrers.py" "$L" "$DIGEST" application/vnd.in-toto+json >"$T/prov.out" 2>&1
expect_eq "one provenance referrer" "$?" 0
PROV=$L/blobs/sha256/$(awk '{print $3}' "$T/prov.out" | cut -c8-)
expect_eq "in-toto Statement v1" "$(json_get "$PROV" 'd["_type"]')" https://in-toto.io/Statement/v1
expect_eq "SLSA provenance v1" "$(json_get "$PROV" 'd["predicateType"]')" https://slsa.dev/provenance/v1
expect_eq "statement subject = the manifest" "$(json_get "$PROV" 'd["subject"][0]["digest"]["sha256"]')" "${DIGEST#sha256:}"
expect_eq "statement names the commit" \
	"$(json_get "$PROV" '[x["digest"]["gitCommit"] for x in d["predicate"]["buildDefinition"]["resolvedDependencies"] if "gitCommit" in x["digest"]][0]')" \
	"$COMMIT"
expect_eq "statement names the material by digest" \
	"$(json_get "$PROV" '[x["digest"]["sha256"] for x in d["predicate"]["buildDefinition"]["resolvedDependencies"] if x.get("name")=="dataset.csv"][0]')" \
	"$(hex_of dataset.csv)"
expect_grep "builder id names qgate-deploy and its version" '"id":"[^"]*qgate-deploy@[0-9]' "$PROV"

# ---------------------------------------------------------------- GitHub output
: >"$T/gh_out"
GITHUB_ACTIONS=true GITHUB_OUTPUT=$T/gh_out GITHUB_STEP_SUMMARY=$T/gh_sum $D push -q --to "oci-layout:$L:v1" \
	model/model.onnx model/train.csv model/params.json model/weights.bin >"$T/out" 2>"$T/err"
expect_eq "push under GitHub Actions" "$?" 0
expect_grep "digest=sha256:... in GITHUB_OUTPUT" '^digest=sha256:[0-9a-f]{64}$' "$T/gh_out"

# ---------------------------------------------------------------- audit log
expect_exit 0 "push with --audit-log" $D push --to "oci-layout:$T/aud:v1" --audit-log "$T/audit.jsonl" model/params.json
AD=$(digest_line "$T/out")
expect_eq "the audit entry is a push of that digest" \
	"$(json_get "$T/audit.jsonl" 'd["action"]+" "+d["tag"]+" "+d["digest_after"]')" "push v1 $AD"
expect_eq "the copy kept with the layout says the same" \
	"$(json_get "$T/aud/qgate-audit.jsonl" 'd["digest_after"]')" "$AD"
expect_exit 0 "push again moves the tag: the entry names the digest before" \
	$D push --to "oci-layout:$T/aud:v1" --audit-log "$T/audit.jsonl" model/train.csv
expect_eq "digest_before is the first push" "$(tail -1 "$T/audit.jsonl" >"$T/last.json"; json_get "$T/last.json" 'd["digest_before"]')" "$AD"
expect_exit 0 "audit verify accepts the log push wrote" $D audit verify "$T/audit.jsonl"

# ---------------------------------------------------------------- concurrent pushes keep every tag
for i in 1 2 3 4; do
	printf 'file %s\n' "$i" >"$T/c$i.txt"
	$D push -q --to "oci-layout:$T/conc:t$i" "$T/c$i.txt" >"$T/c$i.out" 2>&1 &
done
wait
expect_eq "four concurrent pushes: four tags in index.json" \
	"$(json_get "$T/conc/index.json" 'sorted(m["annotations"]["org.opencontainers.image.ref.name"] for m in d["manifests"] if "annotations" in m)')" \
	'["t1", "t2", "t3", "t4"]'

# ---------------------------------------------------------------- a FIFO is read once as a stream
mkfifo "$T/stream.onnx"
cat model/model.onnx >"$T/stream.onnx" &
expect_exit 0 "push from a FIFO" $D push --to "oci-layout:$T/fifo:v1" --json "$T/rf.json" "$T/stream.onnx"
wait
expect_eq "the FIFO's layer is the file's bytes" "$(json_get "$T/rf.json" 'd["subject"]["artifacts"][0]["sha256"]')" \
	"$(hex_of model/model.onnx)"
expect_file "stored under its digest" "$T/fifo/blobs/sha256/$(hex_of model/model.onnx)"
(head -c 5000 /dev/zero >"$T/stream.onnx" &)
expect_exit 3 "a stream longer than --max-stream" $D push --to "oci-layout:$T/fifo:v2" --max-stream 4096 "$T/stream.onnx"
expect_grep "says so" "stream.onnx': a stream of more than 4096 bytes" "$T/err"

# ---------------------------------------------------------------- bad input
expect_exit 2 "unknown target scheme" $D push --to ftp://host/x:v1 model/params.json
expect_grep "names the scheme" "unknown target scheme 'ftp'" "$T/err"
expect_exit 2 "malformed tag" $D push --to "oci-layout:$L:bad+tag" model/params.json
expect_grep "names the tag" "malformed tag 'bad\+tag'" "$T/err"
expect_exit 2 "malformed registry reference" $D push --to oci://host/Upper:v1 model/params.json
expect_exit 2 "no tag" $D push --to "oci-layout:$L" model/params.json
expect_exit 2 "a digest instead of a tag" \
	$D push --to "oci-layout:$L@sha256:0000000000000000000000000000000000000000000000000000000000000000" model/params.json
expect_exit 2 "a sha256-<hex> tag (the referrers fallback)" \
	$D push --to "oci-layout:$L:sha256-0000000000000000000000000000000000000000000000000000000000000000" model/params.json
expect_exit 2 "--annotation of the revision push records itself" \
	$D push --to "oci-layout:$L:v9" --annotation org.opencontainers.image.revision=0000 model/params.json
expect_grep "says why" "push sets org.opencontainers.image.revision" "$T/err"
expect_exit 2 "no --to" $D push model/params.json
expect_exit 2 "no file" $D push --to "oci-layout:$L:v9"
expect_exit 2 "credentials inside the target" $D push --to "oci://u:S3cretPw@127.0.0.1:5000/team/m:v1" model/params.json
expect_no_grep "the password is not on stdout" "S3cretPw" "$T/out"
expect_no_grep "the password is not on stderr" "S3cretPw" "$T/err"
expect_exit 2 "two files with one name" $D push --to "oci-layout:$L:v9" model/params.json "$T/scratch/../repo/model/params.json"
expect_exit 2 "--media-type for a file not pushed" $D push --to "oci-layout:$L:v9" --media-type nope.bin=a/b model/params.json
expect_exit 3 "missing file" $D push --to "oci-layout:$L:v9" model/params.json model/missing.onnx
expect_grep "names the missing file" "model/missing.onnx" "$T/err"
expect_exit 3 "a folder as FILE" $D push --to "oci-layout:$L:v9" model
# the folder --out writes: result JSON beside JUnit XML; only the JSON is evidence (promote
# reads the same folder the same way)
mkdir -p "$T/badev" && cp evidence/deploy-push.json "$T/badev/" && echo '<testsuites/>' >"$T/badev/deploy-push.xml"
expect_exit 0 "an --out folder (JSON and XML) as --evidence" $D push --to "oci-layout:$T/evlayout:v1" --evidence "$T/badev" model/params.json
expect_grep "one result attached" "1 result files attached" "$T/out"
ln -s "$R/evidence/deploy-push.json" "$T/badev/link.json"
expect_exit 3 "a link in --evidence DIR" $D push --to "oci-layout:$L:v9" --evidence "$T/badev" model/params.json
expect_grep "names the link" "link.json" "$T/err"
rm "$T/badev/link.json" && echo '{"schema": "other/v1"}' >"$T/badev/x.json"
expect_exit 3 "a JSON that is not a qgate result" $D push --to "oci-layout:$L:v9" --evidence "$T/badev" model/params.json
expect_grep "names it" "x.json" "$T/err"
expect_no_grep "nothing was tagged v9" '"v9"' "$L/index.json"
echo x >"$T/afile"
expect_exit 3 "a file where the layout folder should be" $D push --to "oci-layout:$T/afile:v1" model/params.json
mkdir -p "$T/notlayout" && echo '{}' >"$T/notlayout/index.json"
expect_exit 3 "a folder with an index.json but no oci-layout" $D push --to "oci-layout:$T/notlayout:v1" model/params.json
expect_grep "names oci-layout" "notlayout/oci-layout" "$T/err"

# a damaged blob (same size, one byte changed) is refused on read-back
cp -r "$L" "$T/damaged"
B=$T/damaged/blobs/sha256/$(hex_of model/train.csv)
chmod u+w "$B"
printf 'X' | dd of="$B" bs=1 seek=0 conv=notrunc 2>/dev/null
expect_exit 3 "a damaged blob in the layout" $D push --to "oci-layout:$T/damaged:v2" model/train.csv
expect_grep "names the damaged blob" "damaged/blobs/sha256/$(hex_of model/train.csv)'.*digest mismatch" "$T/err"
if [ "$HAVE_SKOPEO" = 1 ]; then
	expect_exit 1 "skopeo agrees the blob is damaged" skopeo copy -q "oci:$T/damaged:v1" "dir:$T/copy-damaged"
fi

# an index.json that does not parse
cp -r "$L" "$T/badindex"
printf '{"schemaVersion": 2, "manifests": [' >"$T/badindex/index.json"
expect_exit 3 "an index.json that does not parse" $D push --to "oci-layout:$T/badindex:v2" model/params.json
expect_grep "names index.json" "badindex/index.json" "$T/err"
printf '{"schemaVersion": 2, "manifests": [{"mediaType": "x/y", "digest": "sha256:12", "size": 1}]}' >"$T/badindex/index.json"
expect_exit 3 "an index.json with a bad digest" $D push --to "oci-layout:$T/badindex:v2" model/params.json
expect_grep "names the member" "index.json'.*/manifests/0/digest" "$T/err"

# ---------------------------------------------------------------- kill -9 in the middle of a big blob
K=$T/killed
dd if=/dev/urandom of="$T/big.bin" bs=1M count=192 2>/dev/null
$D push -q --to "oci-layout:$K:v1" model/params.json >/dev/null 2>&1
$D push -q --to "oci-layout:$K:big" "$T/big.bin" >"$T/kill.out" 2>&1 &
pid=$!
i=0
while [ $i -lt 600 ]; do
	set -- "$K"/.qgate/tmp/blob-*
	[ -s "$1" ] && break
	sleep 0.02
	i=$((i + 1))
done
kill -9 "$pid" 2>/dev/null
wait "$pid"
rc=$?
if [ "$rc" -ne 137 ]; then
	skip "push finished (exit $rc) before SIGKILL landed: kill -9 assertions NOT RUN"
else
	ok "push killed with SIGKILL mid-blob"
	expect_no_grep "no tag 'big' after the kill" '"big"' "$K/index.json"
	expect_grep "the earlier tag is still there" '"v1"' "$K/index.json"
	bad=0
	for f in "$K"/blobs/sha256/*; do
		[ "$(hex_of "$f")" = "$(basename "$f")" ] || { bad=1; diag "blob under a wrong name: $f"; }
	done
	expect_eq "every blob in the layout hashes to its name" "$bad" 0
	expect_exit 0 "the same push again completes" $D push --to "oci-layout:$K:big" "$T/big.bin"
	set -- "$K"/.qgate/tmp/blob-*
	expect_eq "the killed push's temporary file was removed" "$1" "$K/.qgate/tmp/blob-*"
	if [ "$HAVE_SKOPEO" = 1 ]; then
		rm -rf "$T/copy-big"
		skopeo copy -q "oci:$K:big" "dir:$T/copy-big" >"$T/skopeo.err" 2>&1
		if cmp -s "$T/big.bin" "$T/copy-big/$(hex_of "$T/big.bin")"; then ok "the big file reads back byte-identical"
		else not_ok "the big file does not read back"; sed 's/^/#   /' "$T/skopeo.err"; fi
	else
		skip "skopeo not installed: big file read-back NOT RUN"
	fi
fi

# ---------------------------------------------------------------- memory stays flat (release build)
REL=${QG_FAULT_REL_BIN:-}
if [ -n "$REL" ] && [ -x "$REL/qgate-deploy" ] && [ -x /usr/bin/time ]; then
	/usr/bin/time -v "$REL/qgate-deploy" push -q --to "oci-layout:$T/mem:v1" "$T/big.bin" >"$T/mem.out" 2>"$T/mem.err"
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/mem.err")
	diag "pushing 192 MiB: maximum RSS ${rss:-?} KiB"
	if [ -n "$rss" ] && [ "$rss" -lt 32768 ]; then ok "pushing 192 MiB stays under 32 MiB RSS ($rss KiB)"
	else not_ok "pushing 192 MiB took ${rss:-?} KiB RSS"; fi
else
	skip "no release binary (QG_FAULT_REL_BIN) or /usr/bin/time: memory check NOT RUN"
fi

done_testing
