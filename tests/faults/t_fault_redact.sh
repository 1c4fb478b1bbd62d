#!/bin/sh
# t_fault_redact.sh -- issue 11: a URL's secrets never reach any output.
#
# A Python HTTP server on 127.0.0.1 (started here) serves the inputs only
# to a request carrying the right Basic credentials; it ignores the query
# string and logs what it received, so the test can show the secrets did
# reach it and the request succeeded. qgate-data validate/profile/drift and
# qgate-model check then read URLs holding a password and presigned query
# values, with every output on (--out, --json, --junit, --format github and
# json and text, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY under GITHUB_ACTIONS),
# and every file produced, stdout and stderr are searched for each secret:
# none may appear. The redacted form still names the file (scheme, host,
# path, the harmless query parameters) and stays the same across shards.
. "$(dirname "$0")/../e2e/lib.sh"
trap '[ -n "${SRV_PID:-}" ] && kill "$SRV_PID" 2>/dev/null; rm -rf "$T"' EXIT

USER_S=qgUserN4me
PASS_S=s3cretPW99x
SIG_S=SIGSECRETa1b2c3
CRED_S=CREDSECRETd4e5
STOK_S=STOKSECRETf6g7
TOK_S=TOKSECRETh8i9
SIG2_S=SIGTWOj0k1l2
B64_S=$("$DEBIAN_PY" -c 'import base64,sys; print(base64.b64encode(sys.argv[1].encode()).decode())' "$USER_S:$PASS_S")
SECRETS="$USER_S $PASS_S $SIG_S $CRED_S $STOK_S $TOK_S $SIG2_S $B64_S"

mkdir -p "$T/www" "$T/o"
cat >"$T/srv.py" <<'EOF'
import base64, http.server, os, sys
root, log, user, pw = sys.argv[1:5]
want = "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        auth = self.headers.get("Authorization") or ""
        try:
            plain = base64.b64decode(auth.split()[-1]).decode()
        except Exception:
            plain = ""
        with open(log, "a") as f:
            f.write("%s %s %s\n" % (self.path, auth, plain))
        path = self.path.split("?")[0]
        if path == "/echo":  # a server that echoes the request in its error body
            body = ("denied: GET %s\nAuthorization: %s\n" % (self.path, auth)).encode()
            self.send_response(403)
        elif auth != want:
            body = ("who are you: %s %s (%s)" % (auth, plain, plain.split(":")[-1])).encode()
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="qgate"')
        else:
            try:
                body = open(os.path.join(root, path.lstrip("/")), "rb").read()
                self.send_response(200)
            except OSError:
                body = ("no such file: %s (%s; password %s)" % (self.path, auth, pw)).encode()
                self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
EOF
"$DEBIAN_PY" "$T/srv.py" "$T/www" "$T/srv.log" "$USER_S" "$PASS_S" >"$T/port" 2>"$T/srv.err" &
SRV_PID=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$T/port")
if [ -z "$PORT" ]; then
	not_ok "the Python HTTP server did not start"; cat "$T/srv.err" | sed 's/^/#   /'
	done_testing
	exit
fi

cat >"$T/schema.json" <<'JSON'
{"fields": [
  {"name": "id", "type": "integer"},
  {"name": "age", "type": "integer", "constraints": {"maximum": 120}}
]}
JSON
"$DEBIAN_PY" -c '
import sys
rows = ["id,age"] + ["%d,%d" % (i, 20 + i % 50) for i in range(1, 2001)]
rows[17] = "17,130"
open(sys.argv[1] + "/d.csv", "w").write("\n".join(rows) + "\n")
p = ["label,prediction,score"] + ["%d,%d,%.2f" % (i % 2, (i % 3) % 2, (i % 10) / 10) for i in range(200)]
open(sys.argv[1] + "/pred.csv", "w").write("\n".join(p) + "\n")' "$T/www"
cp "$T/www/d.csv" "$T/local.csv"

Q="X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=$CRED_S&X-Amz-Security-Token=$STOK_S&X-Amz-Signature=$SIG_S&token=$TOK_S&sig=$SIG2_S&part=7"
BASE="http://$USER_S:$PASS_S@127.0.0.1:$PORT"
DATA="$BASE/d.csv?$Q"
PRED="$BASE/pred.csv?$Q"

run_gh() {
	_tag=$1; shift
	env GITHUB_ACTIONS=true GITHUB_OUTPUT="$T/o/$_tag.gho" GITHUB_STEP_SUMMARY="$T/o/$_tag.gss" "$@" \
		>"$T/o/$_tag.out" 2>"$T/o/$_tag.err"
	echo $?
}

# no_secret NAME: no file under $T/o holds any of the secrets
no_secret() {
	_leak=
	for _s in $SECRETS; do
		_f=$(grep -rlF -- "$_s" "$T/o" 2>/dev/null | head -3 | tr '\n' ' ')
		[ -n "$_f" ] && _leak="$_leak $_s in $_f;"
	done
	if [ -z "$_leak" ]; then ok "$1: no secret in any output"; else
		not_ok "$1: secrets leaked:$_leak"
		for _s in $SECRETS; do grep -rhoF -- "$_s" "$T/o" >/dev/null 2>&1 && \
			grep -rh -- "$_s" "$T/o" | head -2 | cut -c1-300 | sed 's/^/#   /'; done
	fi
	# the next part starts with no output: each leak is counted where it is made
	mkdir -p "$T/done/$_nr"
	mv "$T/o"/* "$T/done/$_nr/" 2>/dev/null
	_nr=$((_nr + 1))
}
_nr=0

# the test's own premise: the secrets reach the server, the request succeeds
rc=$(run_gh v1 qgate-data validate --schema "$T/schema.json" --out "$T/o/out1" --json "$T/o/v1.json" \
	--junit "$T/o/v1.xml" --format github "$DATA")
expect_eq "validate of a URL with a password and a presigned query fails one check (exit 1)" "$rc" 1
expect_grep "the password reached the server (Basic)" "^/d.csv\?.*$SIG_S.* Basic $B64_S" "$T/srv.log"
expect_grep "the validation ran on the data (line 18 above maximum)" 'line=18' "$T/o/v1.out"
validate_result "validate --json" "$T/o/v1.json"
validate_result "validate --out" "$T/o/out1/data-validate.json"
validate_junit "validate --junit" "$T/o/v1.xml"
expect_eq "the artifact keeps scheme, host, path and the harmless query" \
	"$(json_get "$T/o/v1.json" 'd["subject"]["artifacts"][0]["path"]')" \
	"http://[REDACTED]@127.0.0.1:$PORT/d.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[REDACTED]&X-Amz-Security-Token=[REDACTED]&X-Amz-Signature=[REDACTED]&token=[REDACTED]&sig=[REDACTED]&part=7"
expect_grep "the step summary was written" "qgate-data" "$T/o/v1.gss"
expect_grep "GITHUB_OUTPUT was written" "^status=fail$" "$T/o/v1.gho"
for fmt in text json; do
	rc=$(run_gh "v-$fmt" qgate-data validate -v --schema "$T/schema.json" --format "$fmt" "$DATA")
	expect_eq "validate --format $fmt (exit 1)" "$rc" 1
done
no_secret "validate"

# profile of the URL, then drift of the URL against it
rc=$(run_gh p1 qgate-data profile --profile-out "$T/o/p.json" --out "$T/o/out2" --json "$T/o/p1.json" \
	--junit "$T/o/p1.xml" --format github "$DATA")
expect_eq "profile of the URL (exit 0)" "$rc" 0
expect_eq "the profile's source is the redacted URL" "$(json_get "$T/o/p.json" 'd["sources"][0]')" \
	"http://[REDACTED]@127.0.0.1:$PORT/d.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[REDACTED]&X-Amz-Security-Token=[REDACTED]&X-Amz-Signature=[REDACTED]&token=[REDACTED]&sig=[REDACTED]&part=7"
validate_result "profile --json" "$T/o/p1.json"
rc=$(run_gh pt qgate-data profile -v --format text --profile-out - "$DATA")
expect_eq "profile to stdout (exit 0)" "$rc" 0
rc=$(run_gh d1 qgate-data drift --baseline "$T/o/p.json" --out "$T/o/out3" --json "$T/o/d1.json" \
	--junit "$T/o/d1.xml" --format github "$DATA")
expect_eq "drift of the URL against its own profile (exit 0)" "$rc" 0
validate_result "drift --json" "$T/o/d1.json"
validate_junit "drift --junit" "$T/o/d1.xml"
for fmt in text json; do
	rc=$(run_gh "d-$fmt" qgate-data drift -v --baseline "$T/o/p.json" --format "$fmt" "$DATA")
	expect_eq "drift --format $fmt (exit 0)" "$rc" 0
done
# the baseline by URL too (drift --baseline may be a URL)
cp "$T/o/p.json" "$T/www/p.json"
rc=$(run_gh d2 qgate-data drift --baseline "$BASE/p.json?$Q" --json "$T/o/d2.json" --junit "$T/o/d2.xml" \
	--format github "$DATA")
expect_eq "drift with the baseline by URL (exit 0)" "$rc" 0
expect_eq "the baseline artifact is redacted" \
	"$(json_get "$T/o/d2.json" '[a["path"] for a in d["subject"]["artifacts"] if "p.json" in a["path"]][0].split("?")[0]')" \
	"http://[REDACTED]@127.0.0.1:$PORT/p.json"
no_secret "profile and drift"

# infer names its input on stderr (the sniffed dialect) and in nothing else
rc=$(run_gh i1 qgate-data infer "$DATA")
expect_eq "infer of the URL (exit 0)" "$rc" 0
expect_grep "infer names the input, redacted, on stderr" "'http://\[REDACTED\]@127.0.0.1:$PORT/d.csv\?" "$T/o/i1.err"
expect_grep "infer wrote a schema" '"fields"' "$T/o/i1.out"
no_secret "infer"

# shards of two URLs (whole files per shard): the rows add up, the shards
# name the two files apart (the redacted paths stay distinct), and the shard
# profiles merge
head -n 1001 "$T/www/d.csv" >"$T/www/a.csv"
{ head -n 1 "$T/www/d.csv"; tail -n 1000 "$T/www/d.csv"; } >"$T/www/b.csv"
rows=0
for s in 1 2; do
	rc=$(run_gh "s$s" qgate-data validate --shard "$s/2" --schema "$T/schema.json" --json "$T/o/s$s.json" \
		"$BASE/a.csv?$Q" "$BASE/b.csv?$Q")
	case $rc in 0|1) ok "validate --shard $s/2 of two URLs ran (exit $rc)";; *) not_ok "validate --shard $s/2: exit $rc";; esac
	r=$(json_get "$T/o/s$s.json" '[c["observed"] for c in d["checks"] if c["id"]=="table.rows"][0]')
	rows=$((rows + ${r:-0}))
	rc=$(run_gh "ps$s" qgate-data profile --shard "$s/2" --profile-out "$T/o/ps$s.json" "$BASE/a.csv?$Q" "$BASE/b.csv?$Q")
	expect_eq "profile --shard $s/2 of two URLs (exit 0)" "$rc" 0
done
expect_eq "the shards' rows add up to the files'" "$rows" 2000
expect_eq "the shards name both files, apart" \
	"$("$DEBIAN_PY" -c 'import json,sys; print(" ".join(sorted(a["path"].split("?")[0] for f in sys.argv[1:] for a in json.load(open(f))["subject"]["artifacts"])))' "$T/o/s1.json" "$T/o/s2.json")" \
	"http://[REDACTED]@127.0.0.1:$PORT/a.csv http://[REDACTED]@127.0.0.1:$PORT/b.csv"
rc=$(run_gh pm qgate-data profile --merge "$T/o/ps1.json" "$T/o/ps2.json" --profile-out "$T/o/pm.json" --json "$T/o/pm1.json")
expect_eq "the shard profiles merge (exit 0)" "$rc" 0
expect_eq "the merged profile has every row" "$(json_get "$T/o/pm.json" 'd["rows"]')" 2000
expect_eq "the merged profile names both sources" "$(json_get "$T/o/pm.json" 'len(set(d["sources"]))')" 2
no_secret "shards and merge"

# qgate-model check: predictions and baseline by URL
rc=$(run_gh m1 qgate-model check --predictions "$PRED" --baseline "$PRED" --task binary \
	--require 'accuracy>=baseline-0.1' --require 'accuracy>=0.01' --bootstrap 50 \
	--out "$T/o/out4" --json "$T/o/m1.json" --junit "$T/o/m1.xml" --format github)
expect_eq "qgate-model check of URL predictions (exit 0)" "$rc" 0
validate_result "model --json" "$T/o/m1.json"
validate_junit "model --junit" "$T/o/m1.xml"
for fmt in text json; do
	rc=$(run_gh "m-$fmt" qgate-model check -v --predictions "$PRED" --task binary --require 'accuracy>=2' \
		--format "$fmt")
	expect_eq "qgate-model check --format $fmt, a failing rule (exit 1)" "$rc" 1
done
no_secret "qgate-model check"

# errors: a missing file (404), a wrong password (401), a server echoing the
# request and its Authorization header in an error body (403), the bodies
# also echoing the password and the credential decoded: exit 3, the message
# names the file, no secret on stderr or in any report
for what in "404:$BASE/missing.csv?$Q" "401:http://$USER_S:wrong$PASS_S@127.0.0.1:$PORT/d.csv?$Q" \
	"403:$BASE/echo?$Q"; do
	code=${what%%:*}; url=${what#*:}
	for fmt in text github; do
		rc=$(run_gh "e$code-$fmt" qgate-data validate --schema "$T/schema.json" --format "$fmt" \
			--json "$T/o/e$code-$fmt.json" --junit "$T/o/e$code-$fmt.xml" "$url")
		expect_eq "HTTP $code is exit 3 ($fmt)" "$rc" 3
		expect_grep "the $code is named on stderr ($fmt)" "$code" "$T/o/e$code-$fmt.err"
	done
	rc=$(run_gh "em$code" qgate-model check --predictions "$url" --task binary --require 'accuracy>=0.5' \
		--json "$T/o/em$code.json")
	expect_eq "qgate-model check: HTTP $code is exit 3" "$rc" 3
done
expect_grep "the echoing server got the Authorization header" "^/echo\?.* Basic $B64_S" "$T/srv.log"
no_secret "HTTP errors"

# the secrets are still in the server log: the search itself can find them
cp "$T/srv.log" "$T/o/srv.log"
for _s in $SECRETS; do
	if grep -qF -- "$_s" "$T/o/srv.log"; then ok "the search finds $_s where it is"; else
		not_ok "the search does not find $_s in the server log"; fi
done
rm -f "$T/o/srv.log"
done_testing
