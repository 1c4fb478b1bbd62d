#!/bin/sh
# t_fault_http.sh -- hostile HTTP(S) servers (issue 11): lib/net/http.c must
# fail closed. A Python TLS server on 127.0.0.1 (and 127.0.0.2, "another
# host") with a certificate made here serves: a signed S3 object answered by
# a redirect to the other host, a redirect loop, a body dripped a byte at a
# time, and an HTTP/1.0 body delimited only by closing the connection.
. "$(dirname "$0")/../e2e/lib.sh"
trap '[ -n "${SRV_PID:-}" ] && kill "$SRV_PID" 2>/dev/null; rm -rf "$T"' EXIT

if ! command -v openssl >/dev/null 2>&1; then
	skip "openssl missing (Debian package openssl): HTTP FAULT TESTS NOT RUN"
	done_testing
	exit
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1,IP:127.0.0.2 -keyout "$T/key.pem" -out "$T/cert.pem" \
	>"$T/openssl.log" 2>&1 || { not_ok "openssl failed"; done_testing; exit; }

cat >"$T/srv.py" <<'PY'
import http.server, socketserver, ssl, sys, threading, time
cert, key, portfile, log = sys.argv[1:5]
CSV = b"id,score\n1,0.5\n2,0.25\n"
PREDS = b"label,prediction,score\n1,1,0.9\n0,0,0.2\n1,1,0.7\n0,1,0.6\n"
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def send(self, code, body=b"", extra=(), length=True):
        self.send_response(code)
        for k, v in extra: self.send_header(k, v)
        if length: self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        host = self.server.server_address[0]
        with open(log, "a") as f:
            f.write("%s %s token=%s\n" % (host, self.path, self.headers.get("x-amz-security-token", "-")))
        p = self.path.split("?")[0]
        port = self.server.server_address[1]
        if host == "127.0.0.2":
            return self.send(200, CSV, [("Content-Type", "text/csv")])
        if p == "/b/moved.csv":
            return self.send(307, b"", [("Location", "https://127.0.0.2:%d/b/moved.csv" % port)])
        if p == "/loop.csv":
            return self.send(302, b"", [("Location", "/loop.csv")])
        if p == "/framed.csv":
            return self.send(200, CSV, [("Content-Type", "text/csv")])
        if p == "/unframed.csv":
            self.protocol_version = "HTTP/1.0"
            self.close_connection = True
            return self.send(200, CSV, [("Content-Type", "text/csv")], length=False)
        if p == "/preds.csv":
            self.protocol_version = "HTTP/1.0"
            self.close_connection = True
            return self.send(200, PREDS, [("Content-Type", "text/csv")], length=False)
        if p == "/profile.json":
            self.protocol_version = "HTTP/1.0"
            self.close_connection = True
            return self.send(200, open(portfile + ".profile", "rb").read(), length=False)
        if p == "/slow.csv":
            self.send_response(200)
            self.send_header("Content-Length", str(len(CSV)))
            self.end_headers()
            try:
                for i in range(0, len(CSV), 6):
                    self.wfile.write(CSV[i:i + 6]); self.wfile.flush(); time.sleep(0.5)
            except OSError:
                pass
            return
        if p == "/drip.csv":
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            try:
                self.wfile.write(b"id,score\n")
                for _ in range(600):
                    self.wfile.write(b"1"); self.wfile.flush(); time.sleep(0.5)
            except OSError:
                pass
            return
        self.send(404, b"no")
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
a = S(("127.0.0.1", 0), H)
port = a.server_address[1]
b = S(("127.0.0.2", port), H)
for s in (a, b):
    s.socket = ctx.wrap_socket(s.socket, server_side=True)
    threading.Thread(target=s.serve_forever, daemon=True).start()
import socket
def pipe(src, dst):
    try:
        while True:
            d = src.recv(65536)
            if not d: break
            dst.sendall(d)
    except OSError:
        pass
    for x in (src, dst):
        try: x.shutdown(socket.SHUT_RDWR)
        except OSError: pass
def proxy_conn(c):
    req = b""
    while b"\r\n\r\n" not in req:
        d = c.recv(4096)
        if not d: return c.close()
        req += d
    hp = req.split(b" ")[1].decode().rsplit(":", 1)
    u = socket.create_connection((hp[0], int(hp[1])))
    c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
    pipe(c, u)
def proxy(ls):
    while True:
        c, _ = ls.accept()
        threading.Thread(target=proxy_conn, args=(c,), daemon=True).start()
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(8)
threading.Thread(target=proxy, args=(ls,), daemon=True).start()
open(portfile + ".proxy", "w").write(str(ls.getsockname()[1]))
open(portfile + ".tmp", "w").write(str(port))
import os; os.rename(portfile + ".tmp", portfile)
threading.Event().wait()
PY
"$DEBIAN_PY" "$T/srv.py" "$T/cert.pem" "$T/key.pem" "$T/port" "$T/log" 2>"$T/srv.err" &
SRV_PID=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -s "$T/port" ]; then
	not_ok "the test server did not start"; sed 's/^/#   /' "$T/srv.err"; done_testing; exit
fi
PORT=$(cat "$T/port")
PROXY_PORT=$(cat "$T/port.proxy")
URL=https://127.0.0.1:$PORT
export QG_CA_BUNDLE="$T/cert.pem"
unset CURL_CA_BUNDLE SSL_CERT_FILE QG_HTTP_TIMEOUT QG_HTTP_ALLOW_UNFRAMED QG_HTTP_LOW_SPEED_TIME QG_HTTP_CONNECT_TIMEOUT
cat >"$T/schema.json" <<'JSON'
{"fields": [{"name": "id", "type": "integer"}, {"name": "score", "type": "number"}]}
JSON
V="qgate-data validate --schema $T/schema.json"

expect_exit 0 "a framed https body validates (the server works)" $V "$URL/framed.csv"

expect_exit 0 "through an https proxy (CONNECT's 200 is not an unframed body)" \
	env https_proxy="http://127.0.0.1:$PROXY_PORT" HTTPS_PROXY= no_proxy= NO_PROXY= $V "$URL/framed.csv"

# 1. a signed S3 request redirected to another host: the session token must not go along
expect_exit 3 "a signed request redirected to another host is exit 3" \
	env AWS_ENDPOINT_URL="$URL" AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE \
	AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY AWS_SESSION_TOKEN=SESSIONTOKENSECRET42 \
	AWS_REGION=us-east-1 $V s3://b/moved.csv
expect_grep "the redirect is named" "redirect to another host \('https://127.0.0.2:$PORT/b/moved.csv'\)" "$T/err"
expect_no_grep "no request reached the other host" "^127.0.0.2 " "$T/log"
expect_no_grep "the session token went nowhere else" "127.0.0.2.*SESSIONTOKENSECRET42" "$T/log"

# 2. a redirect loop
expect_exit 3 "a redirect loop is exit 3" $V "$URL/loop.csv"
expect_grep "it says too many redirects (10)" "too many redirects \(10\)" "$T/err"
expect_no_grep "not 'redirect not followed'" "redirect not followed" "$T/err"

# 3. a server dripping bytes (1 byte / 0.5 s passes the low-speed limit) ends at the deadline
expect_exit 3 "a dripping server is stopped by the total deadline" \
	timeout 60 env QG_HTTP_TIMEOUT=2 $V "$URL/drip.csv"
expect_grep "the deadline is named" "took longer than 2 s \(QG_HTTP_TIMEOUT\)" "$T/err"
expect_exit 2 "an invalid QG_HTTP_TIMEOUT is exit 2" env QG_HTTP_TIMEOUT=2x $V "$URL/framed.csv"
expect_grep "the variable is named" "QG_HTTP_TIMEOUT='2x'" "$T/err"
expect_exit 2 "QG_HTTP_TIMEOUT=0 is exit 2" env QG_HTTP_TIMEOUT=0 $V "$URL/framed.csv"
expect_exit 2 "an invalid QG_HTTP_LOW_SPEED_TIME is exit 2" env QG_HTTP_LOW_SPEED_TIME=-5 $V "$URL/framed.csv"
expect_grep "that variable is named" "QG_HTTP_LOW_SPEED_TIME" "$T/err"

# 4. a close-delimited body cannot show truncation
expect_exit 3 "an unframed (HTTP/1.0, no Content-Length) body is exit 3" $V "$URL/unframed.csv"
expect_grep "the URL is named" "'$URL/unframed.csv'.*neither Content-Length nor chunked" "$T/err"
expect_exit 0 "QG_HTTP_ALLOW_UNFRAMED=1 reads it" env QG_HTTP_ALLOW_UNFRAMED=1 $V "$URL/unframed.csv"
expect_exit 2 "an invalid QG_HTTP_ALLOW_UNFRAMED is exit 2" env QG_HTTP_ALLOW_UNFRAMED=yes $V "$URL/unframed.csv"
expect_grep "that variable is named too" "QG_HTTP_ALLOW_UNFRAMED='yes'" "$T/err"

# 5. the flags (issue 11): --timeout and --allow-unframed on every command
#    that reads inputs, overriding the environment, and as qgate.json keys
start=$(date +%s)
expect_exit 3 "--timeout 2 stops a dripping server" timeout 60 $V --timeout 2 "$URL/drip.csv"
took=$(( $(date +%s) - start ))
expect_eq "... in about 2 s (took ${took}s)" "$([ "$took" -le 10 ] && echo yes)" yes
expect_grep "the URL and 'timed out' are named" "'$URL/drip.csv': timed out: the transfer took longer than 2 s \(--timeout\)" "$T/err"
expect_exit 3 "--timeout 2 wins over QG_HTTP_TIMEOUT=3600" timeout 60 env QG_HTTP_TIMEOUT=3600 $V --timeout 2 "$URL/drip.csv"
expect_exit 3 "a body sent over ~2 s is cut by QG_HTTP_TIMEOUT=1" env QG_HTTP_TIMEOUT=1 $V "$URL/slow.csv"
expect_exit 0 "--timeout 20 wins over QG_HTTP_TIMEOUT=1 (a larger flag too)" env QG_HTTP_TIMEOUT=1 $V --timeout 20 "$URL/slow.csv"
expect_exit 3 "--timeout 2 with credentials in the URL" timeout 60 $V --timeout 2 \
	"https://alice:S3cr3tPW@127.0.0.1:$PORT/drip.csv?X-Amz-Signature=SIGSECRET99"
expect_grep "... names the URL redacted" "'https://\[REDACTED\]@127.0.0.1:$PORT/drip.csv(\?[^']*)?': timed out" "$T/err"
expect_no_grep "... and no secret" "S3cr3tPW|SIGSECRET99|alice" "$T/err"
for bad in 0 -1 x 2x 604801 1.5; do
	expect_exit 2 "--timeout $bad is exit 2" $V --timeout "$bad" "$URL/framed.csv"
	expect_grep "--timeout $bad: the flag is named" "--timeout" "$T/err"
done
expect_exit 3 "an unframed body without the flag is exit 3" $V "$URL/unframed.csv"
expect_grep "the message names the flag" "allow it with --allow-unframed" "$T/err"
expect_exit 0 "validate --allow-unframed reads it" $V --allow-unframed "$URL/unframed.csv"
expect_exit 0 "infer --allow-unframed" qgate-data infer --allow-unframed "$URL/unframed.csv"
expect_grep "infer read the body" '"name": "score"' "$T/out"
expect_exit 3 "infer without it is exit 3" qgate-data infer "$URL/unframed.csv"
expect_exit 0 "profile --allow-unframed" qgate-data profile --allow-unframed "$URL/unframed.csv" --profile-out "$T/prof.json"
expect_exit 3 "profile without it is exit 3" qgate-data profile "$URL/unframed.csv" --profile-out "$T/prof2.json"
expect_exit 0 "drift --allow-unframed" qgate-data drift --allow-unframed --baseline "$T/prof.json" "$URL/unframed.csv"
expect_exit 3 "drift without it is exit 3" qgate-data drift --baseline "$T/prof.json" "$URL/unframed.csv"
expect_exit 3 "drift --timeout 2 against a dripping server" timeout 60 qgate-data drift --timeout 2 --baseline "$T/prof.json" "$URL/drip.csv"
expect_grep "drift names the deadline" "took longer than 2 s \(--timeout\)" "$T/err"
expect_exit 0 "model metrics --allow-unframed (predictions by URL)" \
	qgate-model metrics --allow-unframed --predictions "$URL/preds.csv" --task binary
expect_exit 3 "model metrics without it is exit 3" qgate-model metrics --predictions "$URL/preds.csv" --task binary
expect_exit 0 "model check --allow-unframed" qgate-model check --allow-unframed --predictions "$URL/preds.csv" \
	--task binary --require 'accuracy >= 0.5' --json "$T/m.json"
validate_result "model check result" "$T/m.json"
expect_exit 3 "model check without it is exit 3" qgate-model check --predictions "$URL/preds.csv" \
	--task binary --require 'accuracy >= 0.5' --json "$T/m2.json"
validate_result "model check error result" "$T/m2.json"
expect_exit 3 "model check --timeout 2 against a dripping server" timeout 60 qgate-model check --timeout 2 \
	--predictions "$URL/drip.csv" --task binary --require 'accuracy >= 0.5'
expect_grep "model names the deadline" "took longer than 2 s \(--timeout\)" "$T/err"
expect_exit 2 "model --timeout 0 is exit 2" qgate-model check --timeout 0 --predictions "$URL/preds.csv" \
	--task binary --require 'accuracy >= 0.5'
cat >"$T/cfg.json" <<JSON
{"data": {"validate": {"allow-unframed": true}, "profile": {"timeout": 2}},
 "model": {"metrics": {"allow-unframed": true}}}
JSON
expect_exit 0 "qgate.json \"allow-unframed\": true" $V --config "$T/cfg.json" "$URL/unframed.csv"
expect_exit 3 "qgate.json \"timeout\": 2 stops a drip" timeout 60 qgate-data profile --config "$T/cfg.json" "$URL/drip.csv" --profile-out "$T/p3.json"
expect_grep "... naming --timeout" "took longer than 2 s \(--timeout\)" "$T/err"
expect_exit 0 "qgate-model metrics from qgate.json" qgate-model metrics --config "$T/cfg.json" --predictions "$URL/preds.csv" --task binary
echo '{"data": {"validate": {"timeout": 0}}}' >"$T/cfg0.json"
expect_exit 2 "qgate.json \"timeout\": 0 is exit 2" $V --config "$T/cfg0.json" "$URL/framed.csv"
cp "$T/prof.json" "$T/port.profile"
expect_exit 3 "drift --baseline by URL, unframed, is exit 3" qgate-data drift --baseline "$URL/profile.json" "$URL/framed.csv"
expect_grep "... because it is unframed" "profile.json.*neither Content-Length" "$T/err"
expect_exit 0 "drift --baseline by URL with --allow-unframed" qgate-data drift --allow-unframed --baseline "$URL/profile.json" "$URL/framed.csv"
done_testing
