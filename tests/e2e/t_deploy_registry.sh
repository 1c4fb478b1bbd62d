#!/bin/sh
# t_deploy_registry.sh -- qgate-deploy push to oci:// against Debian's docker-registry
#
# Started here on 127.0.0.1 (free ports), killed at exit:
#   1. a plain-HTTP registry (delete enabled): push --insecure, read back with skopeo
#      (inspect --raw digest, copy dir: and a byte compare of every layer), the
#      referrers fallback tag, https-by-default (no --insecure: exit 3);
#   2. a TLS registry (CA and server certificate made with openssl) with htpasswd
#      Basic auth: --ca-file, --insecure (unverified TLS), QGATE_REGISTRY_* and
#      config.json credentials, wrong password / none: exit 3 naming the URL, and
#      the password never in any output;
#   3. tests/e2e/faultproxy.py in front of registry 1: 503 + Retry-After and 500
#      retried, a connection cut mid-blob retried, uploads cut every time fail
#      without a tag and the next push sends only the unfinished blob (bytes
#      counted by the proxy), kill -9 during a push then the same push completes;
#   4. the store's own operations (tests/unit/test_deploy_registry with
#      QG_TEST_REGISTRY / QG_TEST_PROXY / QG_TEST_BEARER set): manifests verified
#      against Docker-Content-Digest, tag compare-and-swap, mount (Bearer scopes),
#      referrers (fallback tag, and the API answered by the proxy), tag delete.
. "$(dirname "$0")/lib.sh"
PIDS=
cleanup() {
	for _p in $PIDS; do kill "$_p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

free_port() {
	"$DEBIAN_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() { # PORT PID
	_i=0
	while ! "$DEBIAN_PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$1" 2>/dev/null; do
		_i=$((_i + 1))
		if [ "$_i" -gt 100 ] || ! kill -0 "$2" 2>/dev/null; then return 1; fi
		sleep 0.1
	done
}
REGISTRY=$(command -v docker-registry 2>/dev/null || echo /usr/bin/docker-registry)
for _prog in "$REGISTRY" skopeo htpasswd openssl; do
	if ! command -v "$_prog" >/dev/null 2>&1; then
		skip "$_prog missing (Debian packages docker-registry, skopeo, apache2-utils, openssl): REGISTRY TESTS NOT RUN"
		echo "WARNING: t_deploy_registry skipped: $_prog missing" >&2
		done_testing
		exit
	fi
done
unset QGATE_REGISTRY_USERNAME QGATE_REGISTRY_PASSWORD QG_CA_BUNDLE CURL_CA_BUNDLE SSL_CERT_FILE
export DOCKER_CONFIG="$T/nodocker" # no credentials of the machine's user
export HOME="$T/home"
mkdir -p "$HOME"

# start_registry NAME PORT EXTRA_HTTP EXTRA_TOP: sets REG_PID
start_registry() {
	mkdir -p "$T/$1/data"
	cat >"$T/$1/config.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $T/$1/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$2
$3
$4
YML
	"$REGISTRY" serve "$T/$1/config.yml" >"$T/$1/log" 2>&1 &
	REG_PID=$!
	PIDS="$PIDS $REG_PID"
	wait_port "$2" "$REG_PID" || { sed 's/^/#   /' "$T/$1/log" | head -20; return 1; }
}

# bytes NAME SIZE: a file of random bytes
bytes() { head -c "$2" /dev/urandom >"$T/$1"; }
hexof() { sha256sum "$1" | cut -c1-64; }
digest_of_out() { grep -Eo 'sha256:[0-9a-f]{64}' "$T/out" | head -1; }
proxy_bytes() { json_get "$T/proxy/stats.json" 'd["body_bytes"]'; }

# ---------------------------------------------------------------- 1. plain HTTP
P1=$(free_port)
if ! start_registry reg1 "$P1" "" ""; then
	not_ok "docker-registry (plain HTTP) failed to start"
	done_testing
	exit
fi
R1=127.0.0.1:$P1
bytes model.bin 3000000
bytes weights.bin 12000000
printf 'model card\n' >"$T/card.txt"

expect_exit 0 "push to a plain-HTTP registry with --insecure (chunked above 4 MiB)" \
	qgate-deploy push --to "oci://$R1/team/model:v1" --insecure --chunk-size 4194304 \
	--json "$T/push1.json" "$T/model.bin" "$T/weights.bin" "$T/card.txt"
D1=$(digest_of_out)
validate_result "push result" "$T/push1.json"
expect_grep "the digest is printed" '^sha256:[0-9a-f]{64}' "$T/out"

skopeo inspect --raw --tls-verify=false "docker://$R1/team/model:v1" >"$T/raw.json" 2>"$T/skopeo.err"
expect_eq "skopeo reads the manifest and it hashes to the printed digest" "sha256:$(hexof "$T/raw.json")" "$D1"
expect_eq "the manifest lists the three layers" \
	"$(json_get "$T/raw.json" 'len(d["layers"])')" "3"
rm -rf "$T/copy1"
if skopeo copy -q --src-tls-verify=false "docker://$R1/team/model:v1" "dir:$T/copy1" >"$T/skopeo.out" 2>&1; then
	ok "skopeo copy of the pushed artifact to dir:"
else
	not_ok "skopeo copy failed"; sed 's/^/#   /' "$T/skopeo.out" | head
fi
for _f in model.bin weights.bin card.txt; do
	if cmp -s "$T/$_f" "$T/copy1/$(hexof "$T/$_f")"; then ok "layer $_f is byte-identical in the registry"
	else not_ok "layer $_f differs or is missing in the skopeo copy"; fi
done
skopeo list-tags --tls-verify=false "docker://$R1/team/model" >"$T/tags.json" 2>&1
expect_grep "the referrers fallback tag sha256-<digest> names the pushed manifest" \
	"\"sha256-${D1#sha256:}\"" "$T/tags.json"

expect_exit 3 "without --insecure the registry is reached over verified https only (exit 3)" \
	qgate-deploy push --to "oci://$R1/team/model:v2" "$T/card.txt"
expect_grep "the failure names the https URL" "https://127.0.0.1:$P1" "$T/err"

expect_exit 2 "a malformed oci:// reference is exit 2" \
	qgate-deploy push --to "oci://$R1/Team/../x:v1" --insecure "$T/card.txt"

# ---------------------------------------------------------------- 2. TLS + htpasswd
mkdir -p "$T/tls"
PASS='Qg-s3cret-Passw0rd-7781'
(
	cd "$T/tls" &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=qgate-test-ca -keyout ca.key -out ca.pem &&
	openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr &&
	printf 'subjectAltName=IP:127.0.0.1\n' >ext.cnf &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out server.pem &&
	htpasswd -Bbn qguser "$PASS" >htpasswd
) >"$T/tls/log" 2>&1 || { sed 's/^/#   /' "$T/tls/log" | tail -5; }
P2=$(free_port)
if start_registry reg2 "$P2" "  tls:
    certificate: $T/tls/server.pem
    key: $T/tls/server.key" "auth:
  htpasswd:
    realm: qgate-test
    path: $T/tls/htpasswd"; then
	R2=127.0.0.1:$P2
	expect_exit 0 "push over TLS with --ca-file and QGATE_REGISTRY_USERNAME/PASSWORD (Basic)" \
		env QGATE_REGISTRY_USERNAME=qguser QGATE_REGISTRY_PASSWORD="$PASS" \
		qgate-deploy push --to "oci://$R2/team/model:v1" --ca-file "$T/tls/ca.pem" "$T/model.bin" "$T/card.txt"
	D2=$(digest_of_out)
	cat "$T/out" "$T/err" >"$T/all-outputs"
	skopeo inspect --raw --creds "qguser:$PASS" --cert-dir "$T/tls" "docker://$R2/team/model:v1" >"$T/raw2.json" 2>"$T/skopeo2.err" ||
		skopeo inspect --raw --creds "qguser:$PASS" --tls-verify=false "docker://$R2/team/model:v1" >"$T/raw2.json" 2>>"$T/skopeo2.err"
	expect_eq "skopeo reads the TLS push back (same digest)" "sha256:$(hexof "$T/raw2.json")" "$D2"

	expect_exit 3 "a certificate from an unknown CA is refused by default (exit 3)" \
		env QGATE_REGISTRY_USERNAME=qguser QGATE_REGISTRY_PASSWORD="$PASS" \
		qgate-deploy push --to "oci://$R2/team/model:v2" "$T/card.txt"
	expect_grep "the TLS failure names the URL" "https://127.0.0.1:$P2" "$T/err"
	cat "$T/out" "$T/err" >>"$T/all-outputs"

	expect_exit 0 "--insecure accepts the unverified certificate" \
		env QGATE_REGISTRY_USERNAME=qguser QGATE_REGISTRY_PASSWORD="$PASS" \
		qgate-deploy push --to "oci://$R2/team/model:v3" --insecure "$T/card.txt"
	cat "$T/out" "$T/err" >>"$T/all-outputs"

	mkdir -p "$T/dockercfg"
	_b64=$(printf 'qguser:%s' "$PASS" | base64 -w0)
	printf '{"auths": {"https://%s": {"auth": "%s"}}}\n' "$R2" "$_b64" >"$T/dockercfg/config.json"
	expect_exit 0 "credentials from \$DOCKER_CONFIG/config.json auths (base64 auth)" \
		env DOCKER_CONFIG="$T/dockercfg" qgate-deploy push --to "oci://$R2/team/model:v4" \
		--ca-file "$T/tls/ca.pem" "$T/card.txt"
	cat "$T/out" "$T/err" >>"$T/all-outputs"
	mkdir -p "$HOME/.docker"
	printf '{"auths": {"%s": {"username": "qguser", "password": "%s"}}}\n' "$R2" "$PASS" >"$HOME/.docker/config.json"
	expect_exit 0 "credentials from ~/.docker/config.json (username/password)" \
		env -u DOCKER_CONFIG qgate-deploy push --to "oci://$R2/team/model:v5" \
		--ca-file "$T/tls/ca.pem" "$T/card.txt"
	cat "$T/out" "$T/err" >>"$T/all-outputs"
	rm -rf "$HOME/.docker"

	# credential helpers: docker-credential-<name> get, the server on stdin
	mkdir -p "$T/helperbin"
	cat >"$T/helperbin/docker-credential-qgtest" <<HELPER
#!/bin/sh
read -r server
echo "\$server" >>"$T/helper.log"
if [ "\$server" = "$R2" ]; then
	printf '{"ServerURL": "%s", "Username": "qguser", "Secret": "%s"}\n' "\$server" '$PASS'
else
	echo "credentials not found in native keychain"
	exit 1
fi
HELPER
	chmod +x "$T/helperbin/docker-credential-qgtest"
	printf '{"credHelpers": {"%s": "qgtest"}}\n' "$R2" >"$T/dockercfg/config.json"
	expect_exit 0 "credentials from a credential helper (credHelpers)" \
		env DOCKER_CONFIG="$T/dockercfg" PATH="$T/helperbin:$PATH" qgate-deploy push \
		--to "oci://$R2/team/model:v9" --ca-file "$T/tls/ca.pem" "$T/card.txt"
	cat "$T/out" "$T/err" >>"$T/all-outputs"
	expect_grep "the helper was asked for this registry on its stdin" "^$R2\$" "$T/helper.log"
	printf '{"credsStore": "qgtest"}\n' >"$T/dockercfg/config.json"
	expect_exit 0 "credentials from the credsStore helper" \
		env DOCKER_CONFIG="$T/dockercfg" PATH="$T/helperbin:$PATH" qgate-deploy push \
		--to "oci://$R2/team/model:v10" --ca-file "$T/tls/ca.pem" "$T/card.txt"
	cat "$T/out" "$T/err" >>"$T/all-outputs"
	printf '{"credHelpers": {"%s": "qgnosuch"}}\n' "$R2" >"$T/dockercfg/config.json"
	expect_exit 3 "a credential helper that is not installed is exit 3" \
		env DOCKER_CONFIG="$T/dockercfg" qgate-deploy push \
		--to "oci://$R2/team/model:v11" --ca-file "$T/tls/ca.pem" "$T/card.txt"
	expect_grep "the missing helper is named" "docker-credential-qgnosuch" "$T/err"

	expect_exit 3 "a wrong password is exit 3" \
		env QGATE_REGISTRY_USERNAME=qguser QGATE_REGISTRY_PASSWORD="wrong-$PASS" \
		qgate-deploy push --to "oci://$R2/team/model:v6" --ca-file "$T/tls/ca.pem" --json "$T/bad.json" "$T/card.txt"
	expect_grep "the failure names the registry URL" "oci://127.0.0.1:$P2/team/model" "$T/err"
	expect_grep "the failure says authentication failed (401)" "authentication failed \(HTTP 401" "$T/err"
	cat "$T/out" "$T/err" "$T/bad.json" >>"$T/all-outputs"
	expect_exit 3 "no credentials is exit 3, saying where they are looked for" \
		qgate-deploy push --to "oci://$R2/team/model:v7" --ca-file "$T/tls/ca.pem" "$T/card.txt"
	expect_grep "the missing credentials are named" "QGATE_REGISTRY_USERNAME" "$T/err"
	expect_exit 2 "QGATE_REGISTRY_USERNAME without the password is exit 2" \
		env QGATE_REGISTRY_USERNAME=qguser qgate-deploy push --to "oci://$R2/team/model:v8" \
		--ca-file "$T/tls/ca.pem" "$T/card.txt"
	cat "$T/out" "$T/err" >>"$T/all-outputs"
	expect_no_grep "the password appears in no output (stdout, stderr, result JSON)" "$PASS" "$T/all-outputs"
	expect_no_grep "nor its base64 form" "$_b64" "$T/all-outputs"
else
	not_ok "docker-registry (TLS + htpasswd) failed to start"
fi

# ---------------------------------------------------------------- 3. faults
mkdir -p "$T/proxy"
echo '[]' >"$T/proxy/rules.json"
"$DEBIAN_PY" "$QG_ROOT/tests/e2e/faultproxy.py" "$R1" "$T/proxy/port" "$T/proxy/rules.json" \
	"$T/proxy/stats.json" >"$T/proxy/log" 2>&1 &
PROXY_PID=$!
PIDS="$PIDS $PROXY_PID"
_i=0
while [ ! -s "$T/proxy/port" ] && [ "$_i" -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
RP=127.0.0.1:$(cat "$T/proxy/port" 2>/dev/null)
rules() { printf '%s\n' "$1" >"$T/proxy/rules.json"; }
faults() { json_get "$T/proxy/stats.json" 'd["faults"]'; }

bytes f1.bin 2000000
rules '[{"match": "POST /v2/", "times": 2, "status": 503, "retry_after": 1},
        {"match": "HEAD /v2/team/faults/blobs/", "times": 1, "status": 500},
        {"match": "PUT /v2/team/faults/manifests/", "times": 1, "status": 502}]'
_t0=$(date +%s)
expect_exit 0 "503 with Retry-After, 500 and 502 are retried until the push passes" \
	qgate-deploy push --to "oci://$RP/team/faults:v1" --insecure "$T/f1.bin"
_t1=$(date +%s)
expect_eq "every injected fault was met" "$(faults)" "4"
if [ $((_t1 - _t0)) -ge 2 ]; then ok "Retry-After: 1 was waited for twice ($((_t1 - _t0)) s)"
else not_ok "the push did not wait for Retry-After ($((_t1 - _t0)) s)"; fi

_when=$(LC_ALL=C date -u -d '+3 sec' '+%a, %d %b %Y %H:%M:%S GMT')
rules '[{"match": "POST /v2/", "times": 1, "status": 429, "retry_after": "'"$_when"'"}]'
_t0=$(date +%s)
expect_exit 0 "429 with an HTTP-date Retry-After is waited for and retried" \
	qgate-deploy push --to "oci://$RP/team/faults:v1b" --insecure "$T/card.txt"
_t1=$(date +%s)
if [ $((_t1 - _t0)) -ge 2 ]; then ok "the wait lasted until the date ($((_t1 - _t0)) s)"
else not_ok "the push did not wait for the Retry-After date ($((_t1 - _t0)) s)"; fi

# a slow answer past the transfer deadline: that request times out and is retried
rules '[{"match": "HEAD /v2/team/slow/blobs/", "times": 1, "delay": 4}]'
expect_exit 0 "an answer slower than QG_HTTP_TIMEOUT=2 times out and the request is retried" \
	env QG_HTTP_TIMEOUT=2 qgate-deploy push --to "oci://$RP/team/slow:v1" --insecure "$T/card.txt"
expect_eq "the slow answer was met" "$(json_get "$T/proxy/stats.json" 'd["faults"]')" "6"

# bytes corrupted on the way: the registry refuses them, the tag is not written
bytes fc.bin 100000
rules '[{"match": "PUT /v2/team/corrupt/blobs/uploads/", "times": 1, "corrupt_request": true}]'
expect_exit 3 "a blob corrupted in transit is refused (exit 3)" \
	qgate-deploy push --to "oci://$RP/team/corrupt:v1" --insecure "$T/fc.bin"
expect_grep "the refusal is the registry's digest check" "DIGEST_INVALID" "$T/err"
skopeo inspect --raw --tls-verify=false "docker://$R1/team/corrupt:v1" >/dev/null 2>&1
_rc=$?
if [ "$_rc" -ne 0 ]; then ok "no tag points at the refused bytes"
else not_ok "a tag exists after the corrupted upload"; fi

bytes f2.bin 9000000
rules '[{"match": "PATCH /v2/team/faults/blobs/uploads/", "times": 1, "cut_after": 1500000}]'
expect_exit 0 "a connection cut in the middle of a blob is retried (the blob restarts)" \
	qgate-deploy push --to "oci://$RP/team/faults:v2" --insecure --chunk-size 2097152 "$T/f2.bin"
rm -rf "$T/copy2"
skopeo copy -q --src-tls-verify=false "docker://$R1/team/faults:v2" "dir:$T/copy2" >/dev/null 2>&1
if cmp -s "$T/f2.bin" "$T/copy2/$(hexof "$T/f2.bin")"; then ok "the retried blob is byte-identical"
else not_ok "the retried blob differs"; fi

# every upload of the large blob cut: the push fails, no tag; the next push
# sends only what did not finish
bytes f3a.bin 3000000
bytes f3b.bin 8000000
rules '[{"match": "PATCH /v2/team/resume/blobs/uploads/", "cut_after": 1000000}]'
# (chunk 4 MiB: the 3 MB blob goes as one PUT, the 8 MB one as PATCHes)
expect_exit 3 "uploads cut every time: the push fails (exit 3) after its retries" \
	qgate-deploy push --to "oci://$RP/team/resume:v1" --insecure --chunk-size 4194304 "$T/f3a.bin" "$T/f3b.bin"
skopeo inspect --raw --tls-verify=false "docker://$R1/team/resume:v1" >/dev/null 2>&1
_rc=$?
if [ "$_rc" -ne 0 ]; then ok "no tag points at the half-pushed artifact"
else not_ok "the tag exists after a failed push"; fi
rules '[]'
_b0=$(proxy_bytes)
expect_exit 0 "the same push then completes" \
	qgate-deploy push --to "oci://$RP/team/resume:v1" --insecure --chunk-size 4194304 "$T/f3a.bin" "$T/f3b.bin"
_sent=$(($(proxy_bytes) - _b0))
diag "second push sent $_sent request-body bytes through the proxy"
if [ "$_sent" -ge 8000000 ] && [ "$_sent" -lt 9000000 ]; then
	ok "only the unfinished blob was sent again ($_sent bytes; the finished 3000000-byte blob was not)"
else
	not_ok "the second push sent $_sent bytes (expected 8000000 + manifests, the finished blob skipped)"
fi

# kill -9 in the middle of a push, then the same push
bytes k1.bin 3000000
bytes k2.bin 30000000
rules '[{"match": "PATCH /v2/team/killed/blobs/uploads/", "delay": 0.25}]'
_b0=$(proxy_bytes)
qgate-deploy push --to "oci://$RP/team/killed:v1" --insecure --chunk-size 1048576 "$T/k1.bin" "$T/k2.bin" \
	>"$T/kill.out" 2>&1 &
_push=$!
_i=0
while [ $(($(proxy_bytes) - _b0)) -lt 6000000 ] && [ "$_i" -lt 300 ] && kill -0 "$_push" 2>/dev/null; do
	sleep 0.1; _i=$((_i + 1))
done
kill -9 "$_push" 2>/dev/null
wait "$_push" 2>/dev/null
_rc=$?
expect_eq "the push was killed mid-way (status 137)" "$_rc" "137"
rules '[]'
sleep 1 # the proxy drains what the killed push left in its socket buffers
_b1=$(proxy_bytes)
expect_exit 0 "after kill -9 the same push completes" \
	qgate-deploy push --to "oci://$RP/team/killed:v1" --insecure --chunk-size 1048576 "$T/k1.bin" "$T/k2.bin"
_sent=$(($(proxy_bytes) - _b1))
if [ "$_sent" -ge 30000000 ] && [ "$_sent" -lt 32000000 ]; then ok "the blob finished before the kill was not sent again ($_sent bytes)"
else not_ok "the push after kill -9 sent $_sent bytes (the finished 3000000-byte blob again?)"; fi
rm -rf "$T/copy3"
skopeo copy -q --src-tls-verify=false "docker://$R1/team/killed:v1" "dir:$T/copy3" >/dev/null 2>&1
if cmp -s "$T/k2.bin" "$T/copy3/$(hexof "$T/k2.bin")" && cmp -s "$T/k1.bin" "$T/copy3/$(hexof "$T/k1.bin")"; then
	ok "the artifact pushed after the kill is byte-identical"
else not_ok "the artifact pushed after the kill differs"; fi

# the Bearer token flow: the proxy plays the token service (realm on itself)
BPASS='Bearer-pw-0192-secret'
rules '[{"auth": "bearer", "user": "buser", "password": "'"$BPASS"'", "token": "tok-3fe1c0ffee"}]'
expect_exit 0 "Bearer challenge: token fetched from the realm with the Basic credentials" \
	env QGATE_REGISTRY_USERNAME=buser QGATE_REGISTRY_PASSWORD="$BPASS" \
	qgate-deploy push --to "oci://$RP/team/bearer:v1" --insecure "$T/card.txt"
cat "$T/out" "$T/err" >"$T/bearer-outputs"
expect_grep "the token was asked for the repository's push scope" '"repository:team/bearer:pull,push"' "$T/proxy/stats.json"
expect_exit 3 "the token service refusing the credentials is exit 3" \
	env QGATE_REGISTRY_USERNAME=buser QGATE_REGISTRY_PASSWORD="not-$BPASS" \
	qgate-deploy push --to "oci://$RP/team/bearer:v2" --insecure "$T/card.txt"
expect_grep "the refusal names the registry and the token service" "oci://$RP.*token service 'http://$RP/token' answered HTTP 401" "$T/err"
cat "$T/out" "$T/err" >>"$T/bearer-outputs"
expect_no_grep "neither the password nor the token appears in any output" "$BPASS|tok-3fe1c0ffee" "$T/bearer-outputs"
rules '[]'

# ---------------------------------------------------------------- 4. the store's operations
UNIT=${QG_BUILD:-$QG_ROOT/build}/tests/unit/test_deploy_registry
if [ -x "$UNIT" ]; then
	_idx='{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
	  {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 500, "artifactType": "application/vnd.qgate.evidence.v1",
	   "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111"},
	  {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 600, "artifactType": "application/vnd.in-toto+json",
	   "digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222"}]}'
	rules '[{"match": "GET /v2/team/refapi/referrers/", "answer": {"content_type": "application/vnd.oci.image.index.v1+json", "body": '"$_idx"'}},
	        {"match": "GET /v2/team/ops/manifests/", "corrupt_response": true},
	        {"auth": "bearer", "user": "opsuser", "password": "ops-pw-5521", "token": "tok-ops-77"}]'
	QG_TEST_REGISTRY="$R1" QG_TEST_PROXY="$RP" QG_TEST_BEARER="$RP" QG_TEST_BEARER_STATS="$T/proxy/stats.json" \
		QGATE_REGISTRY_USERNAME=opsuser QGATE_REGISTRY_PASSWORD=ops-pw-5521 \
		CMOCKA_MESSAGE_OUTPUT=stdout "$UNIT" >"$T/unit.out" 2>&1
	_rc=$?
	if [ "$_rc" -eq 0 ] && [ "$(grep -c SKIPPED "$T/unit.out")" -eq 0 ]; then
		ok "store operations against the live registry (test_deploy_registry: every test ran)"
	else
		not_ok "store operations against the live registry"; sed 's/^/#   /' "$T/unit.out" | tail -30
	fi
else
	skip "$UNIT not built (make unit): live store operations NOT RUN"
fi
# ---------------------------------------------------------------- 5. the audit log kept in the repository
# push, push, promote with --audit-log: every entry also lands in the repository's
# qgate-audit artifact (one layer = the whole log), which `audit verify oci://...` checks.
AR=$T/arepo
mkdir -p "$AR"
(
	cd "$AR" || exit 1
	git init -q . && git config user.email t@example.com && git config user.name t
	printf '{"fields": [{"name": "id", "type": "integer", "constraints": {"unique": true}}]}\n' >schema.json
	printf 'id\n1\n2\n3\n' >train.csv
	printf 'id,label,score\n1,0,0.1\n2,1,0.9\n3,0,0.3\n4,1,0.8\n' >preds.csv
	head -c 5000 /dev/urandom >model.onnx
	head -c 3000 /dev/urandom >model2.onnx
	git add . && git commit -qm fixtures
	mkdir ev
	qgate-data validate --schema schema.json --subject model.onnx --json ev/data-validate.json -q train.csv
	qgate-model check --predictions preds.csv --task binary --require 'roc_auc >= 0.5' --subject model.onnx \
		--json ev/model-check.json -q
) >"$T/agates.log" 2>&1
A=oci://$R1/team/model
expect_exit 0 "push with --audit-log to $A:staging" sh -c \
	'cd "$1" && qgate-deploy push --to "$2:staging" --insecure --evidence ev --audit-log "$3" model.onnx' \
	sh "$AR" "$A" "$T/audit.jsonl"
expect_exit 0 "a second push with --audit-log to $A:later" sh -c \
	'cd "$1" && qgate-deploy push --to "$2:later" --insecure --audit-log "$3" model2.onnx' sh "$AR" "$A" "$T/audit.jsonl"
expect_exit 0 "promote staging -> production with --audit-log" sh -c \
	'cd "$1" && qgate-deploy promote --from "$2:staging" --to "$2:production" --require data,model --insecure --audit-log "$3"' \
	sh "$AR" "$A" "$T/audit.jsonl"
expect_exit 0 "audit verify $A (the copy kept in the repository)" \
	qgate-deploy audit verify "$A" --insecure --json "$T/averify.json"
validate_result "audit verify oci:// result" "$T/averify.json"
expect_eq "the copy holds 3 entries" "$(json_get "$T/averify.json" 'd["metrics"]["audit"]["entries"]')" "3"
expect_eq "the --audit-log file holds as many" "$(wc -l <"$T/audit.jsonl" | tr -d ' ')" "3"
expect_eq "the copy's head is the --audit-log file's last line" \
	"$(json_get "$T/averify.json" 'd["metrics"]["audit"]["head"]')" "sha256:$(tail -n 1 "$T/audit.jsonl" | tr -d '\n' | sha256sum | cut -d' ' -f1)"
skopeo inspect --raw --tls-verify=false "docker://$R1/team/model:qgate-audit" >"$T/araw.json" 2>"$T/skopeo.err"
expect_eq "skopeo reads the qgate-audit artifact: its artifactType" \
	"$(json_get "$T/araw.json" 'd.get("artifactType")')" "application/vnd.qgate.audit.v1"
expect_eq "one layer, the JSON Lines log" \
	"$(json_get "$T/araw.json" '[l["mediaType"] for l in d["layers"]]')" '["application/vnd.qgate.audit.v1+jsonl"]'
expect_exit 3 "a repository without the tag: exit 3" qgate-deploy audit verify "oci://$R1/team/bearer" --insecure
expect_grep "it says there is no audit log there" "no audit log at oci://$R1/team/bearer" "$T/err"
expect_exit 2 "a tag on the store: exit 2" qgate-deploy audit verify "$A:v1" --insecure
# tampering: line 2 rewritten and pushed back as a new artifact under the same tag
"$DEBIAN_PY" - "http://$R1/v2/team/model" >"$T/tamper.out" 2>&1 <<'PY'
import hashlib, json, sys, urllib.request
base = sys.argv[1]
MT = "application/vnd.oci.image.manifest.v1+json"
def req(method, url, data=None, headers=None):
    r = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    return urllib.request.urlopen(r)
man = json.load(req("GET", base + "/manifests/qgate-audit", headers={"Accept": MT}))
log = req("GET", base + "/blobs/" + man["layers"][0]["digest"]).read()
lines = log.split(b"\n")
lines[1] = lines[1].replace(b'"action":"push"', b'"action":"pusH"')
new = b"\n".join(lines)
d = "sha256:" + hashlib.sha256(new).hexdigest()
loc = req("POST", base + "/blobs/uploads/").headers["Location"]
if loc.startswith("/"):
    loc = base.split("/v2/")[0] + loc
req("PUT", loc + ("&" if "?" in loc else "?") + "digest=" + d, data=new,
    headers={"Content-Type": "application/octet-stream"})
man["layers"][0]["digest"] = d
man["layers"][0]["size"] = len(new)
req("PUT", base + "/manifests/qgate-audit", data=json.dumps(man).encode(), headers={"Content-Type": MT})
print("tampered", d)
PY
expect_grep "the registry took the rewritten log" "^tampered sha256:" "$T/tamper.out"
expect_exit 1 "audit verify $A after line 2 was rewritten: exit 1" \
	qgate-deploy audit verify "$A" --insecure --json "$T/averify2.json"
cat "$T/out" "$T/err" >"$T/averify2.txt"
expect_grep "the edited entry is named" "entry 2 was edited" "$T/averify2.txt"
expect_eq "the failing check points at line 2" \
	"$(json_get "$T/averify2.json" '[l["line"] for c in d["checks"] if c["id"]=="audit.chain" for l in c.get("locations",[])]')" "[2]"

done_testing
