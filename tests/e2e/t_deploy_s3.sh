#!/bin/sh
# t_deploy_s3.sh -- qgate-deploy push to s3://BUCKET/PREFIX against s3rver (signatures checked)
#
# Starts s3rver (tests/e2e/servers) and, in front of it, a small logging
# proxy written here that records every request line and can answer a
# matching request with an error instead of forwarding it. Then: a push to
# s3://qgate-deploy/models:v1 (a 300 KB blob through a multipart upload of
# 64 KiB parts, small ones in one PUT), every object read back with curl's
# own SigV4 signing and compared byte for byte, the prefix copied to a folder
# that skopeo reads as an OCI layout, a re-push that sends no blob, a part
# answered 503 once (retried), a part that keeps failing (exit 3, upload
# aborted, nothing under the digest, tag unmoved), wrong credentials (exit 3,
# the secret in no output), an https endpoint (nginx with a self-signed
# certificate in front of s3rver: refused, then trusted with --ca-file or
# --insecure) and the store driver test_deploy_s3. A server that
# cannot be started is a SKIP on stdout and a WARNING on stderr.
. "$(dirname "$0")/lib.sh"
. "$QG_ROOT/tests/e2e/servers/nginx-tls.sh" # free_port

QG_BUILD=${QG_BUILD:-$QG_ROOT/build/asan}
DRIVER=$QG_BUILD/tests/unit/test_deploy_s3
S3PID= PXPID= TLSPID=
cleanup() {
	[ -n "$TLSPID" ] && kill "$TLSPID" 2>/dev/null
	[ -n "$PXPID" ] && kill "$PXPID" 2>/dev/null
	[ -n "$S3PID" ] && kill "$S3PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

BUCKET=qgate-deploy
port=$(sh "$QG_ROOT/tests/e2e/servers/start-s3rver.sh" "$T/s3" "$BUCKET" "$T/s3.pid" 2>"$T/s3.err")
rc=$?
[ -f "$T/s3.pid" ] && S3PID=$(cat "$T/s3.pid")
if [ "$rc" -eq 77 ]; then
	skip "s3rver unavailable, S3 DEPLOY TESTS NOT RUN: $(tr '\n' ' ' <"$T/s3.err")"
	echo "WARNING: t_deploy_s3: s3:// tests skipped: $(cat "$T/s3.err")" >&2
	done_testing
	exit
elif [ "$rc" -ne 0 ]; then
	not_ok "s3rver failed to start"; sed 's/^/#   /' "$T/s3.err"
	done_testing
	exit
fi
ok "s3rver started on 127.0.0.1:$port"
S3=http://127.0.0.1:$port

# ---- the logging, fault-injecting proxy ----
cat >"$T/proxy.py" <<'PY'
import socket, sys, threading, time
up_port, port_file, log_file, rules_file = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
lock = threading.Lock()
used = {}

def read_head(f):
    lines = []
    while True:
        l = f.readline()
        if not l:
            return None
        if l in (b"\r\n", b"\n"):
            return lines
        lines.append(l)

def rule_for(line):
    # rules: "SUBSTRING STATUS TIMES" per line; the first with times left answers
    # with STATUS instead of forwarding ("sleep": waits 3 s, then forwards)
    try:
        text = open(rules_file).read()
        rules = [r.rsplit(None, 2) for r in text.splitlines() if r.strip()]
    except OSError:
        return None
    with lock:
        for i, (sub, status, times) in enumerate(rules):
            key = (text, i)  # a rewritten rules file starts its counts again
            if sub in line and used.get(key, 0) < int(times):
                used[key] = used.get(key, 0) + 1
                return status
    return None

def serve(c):
    f = c.makefile("rb")
    try:
        while True:
            head = read_head(f)
            if not head:
                return
            line = head[0].decode("latin-1").strip()
            n = 0
            for h in head[1:]:
                k, _, v = h.decode("latin-1").partition(":")
                if k.strip().lower() == "content-length":
                    n = int(v.strip())
            body = f.read(n) if n else b""
            method, target = line.split()[0], line.split()[1]
            status = rule_for(method + " " + target)
            lose = status == "lose"  # forwarded, but the answer is lost: 503 instead
            cut = status == "cut"    # forwarded, the answer cut mid-body (connection closed)
            if status in ("sleep", "lose", "cut"):
                if status == "sleep":
                    time.sleep(3)
                status = None
            if status:
                status = int(status)
                msg = b"<Error><Code>InjectedFault</Code><Message>injected by the test</Message></Error>"
                c.sendall(b"HTTP/1.1 %d Injected\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n%s"
                          % (status, len(msg), msg if method != "HEAD" else b""))
                answer = status
            else:
                u = socket.create_connection(("127.0.0.1", up_port))
                out = [head[0]] + [h for h in head[1:] if not h.lower().startswith(b"connection:")]
                u.sendall(b"".join(out) + b"Connection: close\r\n\r\n" + body)
                data = b""
                while True:
                    b = u.recv(65536)
                    if not b:
                        break
                    data += b
                u.close()
                answer = int(data.split(b" ", 2)[1]) if data else 0
                if lose:
                    msg = b"<Error><Code>InjectedFault</Code><Message>answer lost</Message></Error>"
                    data = b"HTTP/1.1 503 Lost\r\nContent-Length: %d\r\n\r\n%s" % (len(msg), msg)
                    answer = 599
                if cut:
                    head_len = data.find(b"\r\n\r\n") + 4
                    c.sendall(data[:head_len + (len(data) - head_len) // 2])
                    with lock:
                        with open(log_file, "a") as lf:
                            lf.write("%s %s %d %d cut\n" % (method, target, answer, len(body)))
                    return
                c.sendall(data)
                if not data:
                    return
            with lock:
                with open(log_file, "a") as lf:
                    lf.write("%s %s %d %d\n" % (method, target, answer, len(body)))
            if not status and b"connection: close" in data.split(b"\r\n\r\n", 1)[0].lower():
                return
    except (OSError, ValueError):
        pass
    finally:
        c.close()

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
open(port_file + ".tmp", "w").write(str(s.getsockname()[1]))
import os
os.replace(port_file + ".tmp", port_file)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
: >"$T/rules"
: >"$T/log"
"$DEBIAN_PY" "$T/proxy.py" "$port" "$T/proxy.port" "$T/log" "$T/rules" 2>"$T/proxy.err" &
PXPID=$!
i=0
while [ ! -s "$T/proxy.port" ] && [ "$i" -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
if [ -s "$T/proxy.port" ]; then ok "logging proxy in front of s3rver"; else
	not_ok "proxy did not start"; sed 's/^/#   /' "$T/proxy.err"; done_testing; exit; fi
EP=http://127.0.0.1:$(cat "$T/proxy.port")

SECRET=S3RVER
s3env() {
	env -u AWS_SESSION_TOKEN -u AWS_PROFILE -u AWS_ENDPOINT_URL_S3 -u AWS_DEFAULT_REGION \
		AWS_ENDPOINT_URL="$EP" AWS_ACCESS_KEY_ID=S3RVER AWS_REGION=us-east-1 SOURCE_DATE_EPOCH=1764000000 "$@"
}
# signed reads straight from s3rver (curl's own SigV4), not through qgate
get() { # KEY OUT
	curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user "S3RVER:$SECRET" \
		-H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
		-o "$2" "$S3/$BUCKET/$1" 2>"$T/curl.err"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
# requests of the last run (the log is cut before each run)
run_log() { cp "$T/log" "$T/run.log"; : >"$T/log"; }
count() { grep -Ec -- "$1" "$T/run.log"; }

# outside any git repository: the manifests name no commit (a re-push gives the same digest
# even when the source tree gets a commit meanwhile)
cd "$T" || exit 1
mkdir -p "$T/in"
head -c 300001 /dev/urandom >"$T/in/model.bin"
printf '{"layers": 3}\n' >"$T/in/config.json"
printf 'label,score\n1,0.9\n' >"$T/in/predictions.csv"
BIG=$(sha "$T/in/model.bin")

# ---- push ----
expect_exit 0 "push to s3://$BUCKET/models:v1" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy push --to "s3://$BUCKET/models:v1" --chunk-size 65536 --json "$T/push.json" --junit "$T/push.xml" \
	"$T/in/model.bin" "$T/in/config.json" "$T/in/predictions.csv"
run_log
DIGEST=$(head -1 "$T/out")
expect_grep "the digest on stdout" '^sha256:[0-9a-f]{64}$' "$T/out"
validate_result "push result" "$T/push.json"
validate_junit "push junit" "$T/push.xml"
expect_eq "the result names the same digest" "$(json_get "$T/push.json" '[c["observed"] for c in d["checks"] if c["id"]=="push.tag"][0]')" "$DIGEST"
expect_eq "the 300001-byte blob went through one multipart upload" \
	"$(count "^POST /$BUCKET/models/blobs/sha256/$BIG\\?uploads ")" 1
expect_eq "in 5 parts of at most 64 KiB" "$(count "^PUT /$BUCKET/models/blobs/sha256/$BIG\\?partNumber=[1-5]&uploadId=[^ ]* 200 ")" 5
expect_eq "no part larger than --chunk-size" \
	"$(awk -v big="$BIG" '$1=="PUT" && index($2, big) && $4 > 65536' "$T/run.log" | wc -l | tr -d ' ')" 0
expect_eq "completed once" "$(count "^POST /$BUCKET/models/blobs/sha256/$BIG\\?uploadId=[^ ]* 200 ")" 1
expect_eq "the small files in one PUT each" \
	"$(count "^PUT /$BUCKET/models/blobs/sha256/($(sha "$T/in/config.json")|$(sha "$T/in/predictions.csv")) 200 ")" 2
expect_eq "no object written under another name (blobs, index.json, oci-layout only)" \
	"$(grep -E '^PUT ' "$T/run.log" | grep -Evc "^PUT /$BUCKET/models/(blobs/sha256/[0-9a-f]{64}(\\?partNumber=[0-9]+&uploadId=[^ ]*)?|index.json|oci-layout) ")" 0

# ---- read back with curl ----
if get models/oci-layout "$T/oci-layout"; then ok "oci-layout read back"; else not_ok "oci-layout: $(cat "$T/curl.err")"; fi
expect_eq "oci-layout content" "$(cat "$T/oci-layout")" '{"imageLayoutVersion":"1.0.0"}'
get models/index.json "$T/index.json"
expect_eq "index.json tags v1 with the digest" \
	"$(json_get "$T/index.json" '[m["digest"] for m in d["manifests"] if m.get("annotations",{}).get("org.opencontainers.image.ref.name")=="v1"]')" \
	"[\"$DIGEST\"]"
get "models/blobs/sha256/${DIGEST#sha256:}" "$T/manifest.json"
expect_eq "the manifest object hashes to its digest" "sha256:$(sha "$T/manifest.json")" "$DIGEST"
same=0
for f in model.bin config.json predictions.csv; do
	d=$(json_get "$T/manifest.json" "[l['digest'] for l in d['layers'] if l['annotations']['org.opencontainers.image.title']=='$f'][0]")
	get "models/blobs/sha256/${d#sha256:}" "$T/back.$f" && cmp -s "$T/back.$f" "$T/in/$f" && same=$((same + 1))
done
expect_eq "every layer read back is byte-identical to its file" "$same" 3
cfg=$(json_get "$T/manifest.json" 'd["config"]["digest"]')
get "models/blobs/sha256/${cfg#sha256:}" "$T/config.blob"
expect_eq "the config blob hashes to its digest" "sha256:$(sha "$T/config.blob")" "$cfg"

# ---- the prefix copied to a folder is an OCI layout skopeo reads ----
"$DEBIAN_PY" - "$S3" "$BUCKET" models "$T/layout" >"$T/sync.log" 2>&1 <<'PY'
import os, re, sys, urllib.request
ep, bucket, prefix, out = sys.argv[1:5]
xml = urllib.request.urlopen("%s/%s?list-type=2&prefix=%s/" % (ep, bucket, prefix)).read().decode()
for key in re.findall(r"<Key>([^<]+)</Key>", xml):
    dest = os.path.join(out, key[len(prefix) + 1:])
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "wb") as f:
        f.write(urllib.request.urlopen("%s/%s/%s" % (ep, bucket, key)).read())
PY
if command -v skopeo >/dev/null 2>&1; then
	if skopeo inspect --raw "oci:$T/layout:v1" >"$T/skopeo.raw" 2>"$T/skopeo.err"; then
		ok "skopeo reads the copied prefix as an OCI layout"
	else
		not_ok "skopeo inspect oci:layout:v1"; sed 's/^/#   /' "$T/skopeo.err" "$T/sync.log" | head
	fi
	expect_eq "skopeo's manifest is the pushed digest" "sha256:$(sha "$T/skopeo.raw")" "$DIGEST"
else
	skip "skopeo not installed, OCI LAYOUT READ-BACK NOT RUN"
fi
expect_exit 0 "oci-layout: reads the copied prefix (the same layout)" \
	qgate-deploy push --to "oci-layout:$T/layout:copy" "$T/in/config.json"

# ---- a re-push sends nothing (SOURCE_DATE_EPOCH fixes the manifest's creation time) ----
expect_exit 0 "the same push again" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy push --to "s3://$BUCKET/models:v1" --chunk-size 65536 --json "$T/again.json" \
	"$T/in/model.bin" "$T/in/config.json" "$T/in/predictions.csv"
run_log
expect_eq "the same digest" "$(head -1 "$T/out")" "$DIGEST"
expect_eq "nothing was written (no PUT, no multipart)" "$(count '^(PUT|POST) ')" 0
expect_eq "the blobs were found by HEAD" "$(count "^HEAD /$BUCKET/models/blobs/sha256/$BIG 200 " | awk '{print ($1 >= 1)}')" 1

# a new version: only the new bytes go
printf 'label,score\n1,0.8\n' >"$T/in/predictions.csv"
expect_exit 0 "push v2 with one changed file" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy push --to "s3://$BUCKET/models:v2" --chunk-size 65536 \
	"$T/in/model.bin" "$T/in/config.json" "$T/in/predictions.csv"
run_log
expect_eq "the large blob was not sent again" "$(count "^(PUT|POST) /$BUCKET/models/blobs/sha256/$BIG")" 0
expect_eq "the changed file was" "$(count "^PUT /$BUCKET/models/blobs/sha256/$(sha "$T/in/predictions.csv") 200 ")" 1

# ---- faults ----
head -c 200000 /dev/urandom >"$T/in/model2.bin"
BIG2=$(sha "$T/in/model2.bin")
echo "partNumber=2& 503 1" >"$T/rules"
expect_exit 0 "a part answered 503 once is retried" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy push --to "s3://$BUCKET/models:v3" --chunk-size 65536 "$T/in/model2.bin"
run_log
expect_eq "part 2 was sent twice: 503, then 200" \
	"$(grep -E "^PUT /$BUCKET/models/blobs/sha256/$BIG2\\?partNumber=2&" "$T/run.log" | awk '{print $3}' | tr '\n' ' ')" "503 200 "
get "models/blobs/sha256/$BIG2" "$T/back2.bin"
expect_eq "and the blob is whole" "$(sha "$T/back2.bin")" "$BIG2"

head -c 200000 /dev/urandom >"$T/in/model5.bin"
BIG5=$(sha "$T/in/model5.bin")
printf 'POST /%s/models/blobs/sha256/%s?uploads 503 1\nPOST /%s/models/blobs/sha256/%s?uploadId= 503 1\n' \
	"$BUCKET" "$BIG5" "$BUCKET" "$BIG5" >"$T/rules"
expect_exit 0 "creating and completing the upload answered 503 once each: retried" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy push --to "s3://$BUCKET/models:v3b" --chunk-size 65536 "$T/in/model5.bin"
run_log
expect_eq "create: 503 then 200; complete: 503 then 200" \
	"$(grep -E "^POST /$BUCKET/models/blobs/sha256/$BIG5\\?" "$T/run.log" | awk '{print $3}' | tr '\n' ' ')" "503 200 503 200 "
get "models/blobs/sha256/$BIG5" "$T/back5.bin"
expect_eq "the blob is whole" "$(sha "$T/back5.bin")" "$BIG5"

head -c 200000 /dev/urandom >"$T/in/model6.bin"
BIG6=$(sha "$T/in/model6.bin")
printf 'POST /%s/models/blobs/sha256/%s?uploadId= lose 1\n' "$BUCKET" "$BIG6" >"$T/rules"
s3env AWS_SECRET_ACCESS_KEY=$SECRET qgate-deploy push --to "s3://$BUCKET/models:v3c" --chunk-size 65536 \
	"$T/in/model6.bin" >"$T/out" 2>"$T/err"
rc=$?
run_log
expect_eq "a completed upload whose answer was lost: found done by HEAD (exit 0)" "$rc" 0
expect_eq "completed once, not aborted" \
	"$(count "^POST /$BUCKET/models/blobs/sha256/$BIG6\\?uploadId=") $(count "^DELETE /$BUCKET/models/blobs/sha256/$BIG6")" "1 0"
get "models/blobs/sha256/$BIG6" "$T/back6.bin"
expect_eq "the blob is whole" "$(sha "$T/back6.bin")" "$BIG6"

head -c 200000 /dev/urandom >"$T/in/model3.bin"
BIG3=$(sha "$T/in/model3.bin")
echo "partNumber=3& 500 100" >"$T/rules"
expect_exit 3 "a part that keeps failing: exit 3" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy push --to "s3://$BUCKET/models:v4" --chunk-size 65536 --json "$T/fail.json" "$T/in/model3.bin"
run_log
: >"$T/rules"
validate_result "failed push result" "$T/fail.json"
expect_grep "the error names the object and the answer" "s3://$BUCKET/models/blobs/sha256/$BIG3.*500" "$T/err"
expect_eq "retried 3 times, then gave up" "$(count "^PUT /$BUCKET/models/blobs/sha256/$BIG3\\?partNumber=3&")" 4
expect_eq "the upload was aborted" "$(count "^DELETE /$BUCKET/models/blobs/sha256/$BIG3\\?uploadId=")" 1
expect_eq "never completed" "$(count "^POST /$BUCKET/models/blobs/sha256/$BIG3\\?uploadId=")" 0
if get "models/blobs/sha256/$BIG3" "$T/none"; then not_ok "an object exists under the digest"; else
	ok "no object under the digest"; fi
get models/index.json "$T/index2.json"
expect_eq "the tag v4 was not written" \
	"$(json_get "$T/index2.json" '[m for m in d["manifests"] if m.get("annotations",{}).get("org.opencontainers.image.ref.name")=="v4"]')" "[]"

# index.json answered 412 once (a conditional write lost): read, checked and written again
echo "PUT /$BUCKET/models/index.json 412 1" >"$T/rules"
expect_exit 0 "a tag write answered 412 Precondition Failed is redone" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy push --to "s3://$BUCKET/models:v6" "$T/in/config.json"
run_log
expect_eq "index.json: the write answered 412 was read and written again (412, then 200s)" \
	"$(grep -E "^PUT /$BUCKET/models/index.json " "$T/run.log" | awk '{print $3}' | tr '\n' ' ' | cut -c1-8)" \
	"412 200 "
echo "PUT /$BUCKET/models/index.json 412 100" >"$T/rules"
expect_exit 3 "index.json that never stops changing: exit 3" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy push --to "s3://$BUCKET/models:v7" "$T/in/config.json"
run_log
: >"$T/rules"
expect_grep "it says so" "index.json changed 8 times" "$T/err"
get models/index.json "$T/index3.json"
expect_eq "v7 was not written, v6 was" \
	"$(json_get "$T/index3.json" 'sorted(m["annotations"]["org.opencontainers.image.ref.name"] for m in d["manifests"] if m.get("annotations",{}).get("org.opencontainers.image.ref.name") in ("v6","v7"))')" \
	'["v6"]'

# kill -9 in the middle of a multipart upload, then the same push completes
head -c 300000 /dev/urandom >"$T/in/model4.bin"
BIG4=$(sha "$T/in/model4.bin")
echo "partNumber=3& sleep 1" >"$T/rules"
# env execs qgate-deploy: $! is its pid (a shell function in the background would be a subshell)
env -u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL="$EP" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=$SECRET AWS_REGION=us-east-1 \
	qgate-deploy push --to "s3://$BUCKET/models:v8" --chunk-size 65536 "$T/in/model4.bin" >/dev/null 2>&1 &
KPID=$!
i=0
until grep -q "partNumber=2&.* 200 " "$T/log" 2>/dev/null || [ $i -ge 100 ]; do i=$((i + 1)); sleep 0.05; done
sleep 0.3
kill -9 "$KPID" 2>/dev/null
wait "$KPID" 2>/dev/null
sleep 3.5 # the held part reaches s3rver; nothing completes it
run_log
: >"$T/rules"
expect_eq "killed after part 2, before completing" \
	"$(count "^PUT /$BUCKET/models/blobs/sha256/$BIG4\\?partNumber=2&") $(count "^POST /$BUCKET/models/blobs/sha256/$BIG4\\?uploadId=")" "1 0"
if get "models/blobs/sha256/$BIG4" "$T/none"; then not_ok "a half-pushed object exists under the digest"; else
	ok "nothing under the digest after kill -9"; fi
expect_exit 0 "the same push again completes" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy push --to "s3://$BUCKET/models:v8" --chunk-size 65536 "$T/in/model4.bin"
get "models/blobs/sha256/$BIG4" "$T/back4.bin"
expect_eq "and the blob is whole" "$(sha "$T/back4.bin")" "$BIG4"

# ---- prefixes: none (the bucket's root) and nested ----
expect_exit 0 "push to the bucket's root (no prefix)" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy push --to "s3://$BUCKET:root" "$T/in/config.json"
get index.json "$T/root-index.json"
expect_eq "index.json at the root names the tag" \
	"$(json_get "$T/root-index.json" '[m["annotations"]["org.opencontainers.image.ref.name"] for m in d["manifests"] if "annotations" in m]')" \
	'["root"]'
expect_exit 0 "push to a nested prefix" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy push --to "s3://$BUCKET/team/churn/models/:v1" "$T/in/config.json"
if get team/churn/models/oci-layout "$T/nested-layout"; then ok "the nested prefix holds the layout"; else
	not_ok "no oci-layout under team/churn/models/"; fi
expect_exit 2 "a prefix with '..' is refused" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy push --to "s3://$BUCKET/a/../b:v1" "$T/in/config.json"
expect_exit 3 "an empty prefix that is not a layout, read without create: exit 3" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy rollback --target "s3://$BUCKET/nothing-here:prod" --to "sha256:$(printf '%064d' 0)"
expect_grep "naming the missing oci-layout" "s3://$BUCKET/nothing-here/oci-layout': missing" "$T/err"

# ---- credentials and missing things ----
BAD=wJalrXUtnFEMI-not-the-right-one-0123456
expect_exit 3 "a wrong secret: exit 3" s3env AWS_SECRET_ACCESS_KEY=$BAD \
	qgate-deploy push --to "s3://$BUCKET/models:v5" --json "$T/bad.json" --junit "$T/bad.xml" "$T/in/config.json"
validate_result "wrong-secret result" "$T/bad.json"
validate_junit "wrong-secret junit" "$T/bad.xml"
expect_grep "the error names the bucket and the 403" "s3://$BUCKET/models.*403|403.*s3://$BUCKET/models" "$T/err"
cat "$T/out" "$T/err" "$T/bad.json" "$T/bad.xml" >"$T/all-out"
expect_no_grep "the secret is in no output" "$BAD|not-the-right-one" "$T/all-out"
expect_exit 3 "a bucket that does not exist: exit 3" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy push --to "s3://no-such-bucket/models:v1" "$T/in/config.json"
expect_grep "NoSuchBucket is named" "NoSuchBucket|no-such-bucket" "$T/err"
expect_exit 2 "a malformed bucket name: exit 2" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy push --to "s3://B_/models:v1" "$T/in/config.json"

# ---- promote and rollback on s3:// (real gate results as evidence) ----
R=$T/repo
mkdir -p "$R"
(
	cd "$R" || exit 1
	git init -q . && git config user.email t@example.com && git config user.name t
	printf '{"fields": [{"name": "id", "type": "integer", "constraints": {"unique": true}}]}\n' >schema.json
	printf 'id\n1\n2\n3\n' >train.csv
	printf 'id,label,score\n1,0,0.1\n2,1,0.9\n3,0,0.3\n4,1,0.8\n' >preds.csv
	head -c 9437184 /dev/urandom >model.onnx # 9 MiB: past the default 8 MiB part
	head -c 5000 /dev/urandom >model2.onnx
	git add . && git commit -qm fixtures
	mkdir ev
	qgate-data validate --schema schema.json --subject model.onnx --json ev/data-validate.json -q train.csv
	qgate-model check --predictions preds.csv --task binary --require 'roc_auc >= 0.5' --subject model.onnx \
		--json ev/model-check.json -q
) >"$T/gates.log" 2>&1
# a store's tag, from index.json read with curl
tagof() { # PREFIX TAG
	get "$1/index.json" "$T/tagof.json" && json_get "$T/tagof.json" \
		"([m['digest'] for m in d['manifests'] if m.get('annotations',{}).get('org.opencontainers.image.ref.name')=='$2']+[''])[0]"
}
P=s3://$BUCKET/promo
expect_exit 0 "push a 9 MiB model with its evidence to $P:staging" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	sh -c 'cd "$1" && qgate-deploy push --to "$2:staging" --evidence ev model.onnx' sh "$R" "$P"
D1=$(tagof promo staging)
expect_exit 0 "push another model to $P:later" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	sh -c 'cd "$1" && qgate-deploy push --to "$2:later" model2.onnx' sh "$R" "$P"
D2=$(tagof promo later)
: >"$T/log"
expect_exit 0 "promote staging -> production within the bucket" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	sh -c 'cd "$1" && qgate-deploy promote --from "$2:staging" --to "$2:production" --require data,model --json "$3"' \
	sh "$R" "$P" "$T/promo.json"
run_log
validate_result "s3 promote result" "$T/promo.json"
expect_eq "production is the staging digest" "$(tagof promo production)" "$D1"
expect_eq "no blob was written (manifest only)" "$(count "^(PUT|POST) /$BUCKET/promo/blobs/")" 0
expect_exit 0 "rollback --to the other digest" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy rollback --target "$P:production" --to "$D2"
expect_eq "production moved back, production-previous kept" \
	"$(tagof promo production) $(tagof promo production-previous)" "$D2 $D1"
HOLD=$T/hold
s3env AWS_SECRET_ACCESS_KEY=$SECRET QGATE_DEPLOY_TEST_HOLD=$HOLD sh -c 'cd "$1" && qgate-deploy promote \
	--from "$2:staging" --to "$2:production" --require data,model' sh "$R" "$P" >"$T/race.out" 2>"$T/race.err" &
RACE=$!
i=0
while [ ! -e "$HOLD" ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i + 1)); done
if [ -e "$HOLD" ]; then ok "promote paused before its swap"; else not_ok "promote never reached its swap"; fi
expect_exit 0 "meanwhile production is rolled back to production-previous" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy rollback --target "$P:production"
rm -f "$HOLD"
wait $RACE
rc=$?
expect_eq "the paused promote lost the compare-and-swap on index.json: exit 1" "$rc" 1
expect_grep "it says production moved" "production moved" "$T/race.out"
expect_eq "production is what the rollback put there" "$(tagof promo production)" "$D1"
mkdir -p "$T/lay"
expect_exit 0 "promote from s3:// into an oci-layout (blobs streamed across)" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	sh -c 'cd "$1" && qgate-deploy promote --from "$2:staging" --to "oci-layout:$3:production" --require data,model' \
	sh "$R" "$P" "$T/lay2"
LAYER=$(sha "$R/model.onnx")
if cmp -s "$T/lay2/blobs/sha256/$LAYER" "$R/model.onnx"; then ok "the 9 MiB model arrived byte for byte"; else
	not_ok "the model blob is not in the layout"; fi
# the same with the model's download cut in the middle once: resumed where it stopped
printf 'GET /%s/promo/blobs/sha256/%s cut 1\n' "$BUCKET" "$LAYER" >"$T/rules"
: >"$T/log"
expect_exit 0 "a download cut mid-blob is resumed (Range)" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	sh -c 'cd "$1" && qgate-deploy promote --from "$2:staging" --to "oci-layout:$3:production" --require data,model' \
	sh "$R" "$P" "$T/lay3"
run_log
: >"$T/rules"
expect_eq "cut once (200), then the rest asked for and sent (206)" \
	"$(grep -E "^GET /$BUCKET/promo/blobs/sha256/$LAYER " "$T/run.log" | awk '{print $3 $5}' | tr '\n' ' ')" "200cut 206 "
if cmp -s "$T/lay3/blobs/sha256/$LAYER" "$R/model.onnx"; then ok "and the model arrived whole"; else
	not_ok "the resumed model blob differs"; fi
: >"$T/log"
expect_exit 0 "and from that layout into another prefix (evidence copied along)" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	sh -c 'cd "$1" && qgate-deploy promote --from "oci-layout:$3:production" --to "s3://$4/copy:production" \
		--require data,model' sh "$R" "$P" "$T/lay2" "$BUCKET"
run_log
expect_eq "the model was sent as one 2-part multipart upload (digest known: one pass)" \
	"$(count "^POST /$BUCKET/copy/blobs/sha256/$LAYER\\?uploads ") $(count "^PUT /$BUCKET/copy/blobs/sha256/$LAYER\\?partNumber=")" "1 2"
get "copy/blobs/sha256/$LAYER" "$T/copied.onnx"
expect_eq "read back whole" "$(sha "$T/copied.onnx")" "$LAYER"
expect_eq "the copy's production is the same digest" "$(tagof copy production)" "$D1"

# ---- TLS: nginx with a self-signed certificate in front of s3rver ----
nginx_tls_start "$T/tls" "$T" "
		client_max_body_size 0;
		location / { proxy_pass $S3; proxy_set_header Host \$http_host; proxy_request_buffering off; }"
rc=$?
TLSPID=$NGX_PID
if [ "$rc" -eq 77 ]; then
	skip "nginx or openssl not installed, S3 OVER TLS TESTS NOT RUN"
	echo "WARNING: t_deploy_s3: TLS tests skipped" >&2
elif [ "$rc" -ne 0 ]; then
	not_ok "nginx (TLS proxy) failed to start"
else
	tls() {
		env -u QG_CA_BUNDLE -u CURL_CA_BUNDLE -u SSL_CERT_FILE -u AWS_SESSION_TOKEN -u AWS_PROFILE \
			-u AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL="https://127.0.0.1:$NGX_PORT" AWS_ACCESS_KEY_ID=S3RVER \
			AWS_SECRET_ACCESS_KEY=$SECRET AWS_REGION=us-east-1 "$@"
	}
	expect_exit 3 "https endpoint with an unknown CA: exit 3" tls qgate-deploy push --to "s3://$BUCKET/tls:v1" \
		"$T/in/config.json"
	expect_grep "the certificate is named" "certificate|SSL" "$T/err"
	expect_exit 0 "--ca-file trusts it" tls qgate-deploy push --to "s3://$BUCKET/tls:v1" --ca-file "$NGX_CERT" \
		"$T/in/config.json"
	expect_exit 0 "--insecure (test servers only) skips the check" tls qgate-deploy push --to "s3://$BUCKET/tls:v2" \
		--insecure --chunk-size 65536 "$T/in/model.bin"
	get tls/index.json "$T/tls-index.json"
	expect_eq "both tags arrived through TLS" \
		"$(json_get "$T/tls-index.json" 'sorted(m["annotations"]["org.opencontainers.image.ref.name"] for m in d["manifests"] if "annotations" in m)')" \
		'["v1", "v2"]'
fi

# ---- the store driver ----
if [ -x "$DRIVER" ]; then
	expect_exit 0 "test_deploy_s3 driver (store ops against s3rver)" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
		QG_TEST_S3_BUCKET=$BUCKET CMOCKA_MESSAGE_OUTPUT=TAP "$DRIVER"
	sed 's/^/# driver: /' "$T/out"
	expect_eq "driver tests passed" "$(grep -c '^ok ' "$T/out")" 4
else
	not_ok "driver $DRIVER not built (make check builds it)"
fi

# ---- the audit log kept in the bucket prefix (its qgate-audit artifact) ----
AP=s3://$BUCKET/audited
: >"$T/s3audit.jsonl"
expect_exit 0 "push with --audit-log to $AP:staging" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	sh -c 'cd "$1" && qgate-deploy push --to "$2:staging" --evidence ev --audit-log "$3" model.onnx' sh "$R" "$AP" "$T/s3audit.jsonl"
expect_exit 0 "a second push with --audit-log to $AP:later" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	sh -c 'cd "$1" && qgate-deploy push --to "$2:later" --audit-log "$3" model2.onnx' sh "$R" "$AP" "$T/s3audit.jsonl"
expect_exit 0 "promote staging -> production with --audit-log" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	sh -c 'cd "$1" && qgate-deploy promote --from "$2:staging" --to "$2:production" --require data --audit-log "$3"' \
	sh "$R" "$AP" "$T/s3audit.jsonl"
expect_exit 0 "audit verify $AP (the copy kept in the prefix)" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy audit verify "$AP" --json "$T/s3averify.json"
validate_result "audit verify s3:// result" "$T/s3averify.json"
expect_eq "the copy holds 3 entries" "$(json_get "$T/s3averify.json" 'd["metrics"]["audit"]["entries"]')" "3"
expect_eq "the --audit-log file holds as many" "$(wc -l <"$T/s3audit.jsonl" | tr -d ' ')" "3"
get audited/index.json "$T/aindex.json"
AD=$(json_get "$T/aindex.json" "([m['digest'] for m in d['manifests'] if m.get('annotations',{}).get('org.opencontainers.image.ref.name')=='qgate-audit']+[''])[0]")
get "audited/blobs/sha256/${AD#sha256:}" "$T/aman.json"
expect_eq "the qgate-audit tag names an audit artifact" "$(json_get "$T/aman.json" 'd.get("artifactType")')" \
	"application/vnd.qgate.audit.v1"
expect_exit 3 "a prefix without the tag: exit 3" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy audit verify "s3://$BUCKET/promo"
expect_grep "it says there is no audit log there" "no audit log at s3://$BUCKET/promo" "$T/err"
# tampering: line 2 rewritten, stored as new blobs and the tag moved (curl's own SigV4)
put() { # FILE KEY
	curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user "S3RVER:$SECRET" \
		-H "x-amz-content-sha256: $(sha "$1")" -T "$1" "$S3/$BUCKET/$2" >/dev/null 2>"$T/curl.err"
}
get "audited/blobs/sha256/$(json_get "$T/aman.json" 'd["layers"][0]["digest"][7:]')" "$T/alog"
"$DEBIAN_PY" - "$T/alog" "$T/aman.json" "$T/aindex.json" "$T/tampered" <<'PY'
import hashlib, json, os, sys
log, man, idx, out = sys.argv[1:5]
lines = open(log, "rb").read().split(b"\n")
lines[1] = lines[1].replace(b'"action":"push"', b'"action":"pusH"')
new = b"\n".join(lines)
os.makedirs(out, exist_ok=True)
h = hashlib.sha256(new).hexdigest()
open(os.path.join(out, "log"), "wb").write(new)
m = json.load(open(man))
m["layers"][0]["digest"] = "sha256:" + h
m["layers"][0]["size"] = len(new)
mb = json.dumps(m, separators=(",", ":")).encode()
open(os.path.join(out, "manifest"), "wb").write(mb)
mh = hashlib.sha256(mb).hexdigest()
i = json.load(open(idx))
for e in i["manifests"]:
    if e.get("annotations", {}).get("org.opencontainers.image.ref.name") == "qgate-audit":
        e["digest"] = "sha256:" + mh
        e["size"] = len(mb)
open(os.path.join(out, "index.json"), "w").write(json.dumps(i))
open(os.path.join(out, "names"), "w").write(h + " " + mh + "\n")
PY
read -r LH MH <"$T/tampered/names"
if put "$T/tampered/log" "audited/blobs/sha256/$LH" && put "$T/tampered/manifest" "audited/blobs/sha256/$MH" &&
	put "$T/tampered/index.json" "audited/index.json"; then ok "the rewritten log is stored in the bucket"
else not_ok "storing the rewritten log failed"; sed 's/^/#   /' "$T/curl.err"; fi
expect_exit 1 "audit verify $AP after line 2 was rewritten: exit 1" s3env AWS_SECRET_ACCESS_KEY=$SECRET \
	qgate-deploy audit verify "$AP" --json "$T/s3averify2.json"
cat "$T/out" "$T/err" >"$T/s3averify2.txt"
expect_grep "the edited entry is named" "entry 2 was edited" "$T/s3averify2.txt"
expect_eq "the failing check points at line 2" \
	"$(json_get "$T/s3averify2.json" '[l["line"] for c in d["checks"] if c["id"]=="audit.chain" for l in c.get("locations",[])]')" "[2]"

done_testing
