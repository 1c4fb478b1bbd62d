#!/bin/sh
# t_deploy_health.sh -- qgate-deploy health against real servers on 127.0.0.1
#
# nginx (started here, plain HTTP, its own config) serves a JSON health
# document; the test flips the answer mid-watch twice: by rewriting the
# served file (the body no longer matches) and by rewriting the config and
# reloading nginx (503). A tiny /usr/bin/python3 server answers slowly (over
# the latency budget) and starts late (waited for, not judged). A closed port
# is exit 3 ("unreachable"); a self-signed TLS server is refused unless
# --insecure. Every result JSON and JUnit file is validated. A missing nginx
# is a SKIP, loudly.
. "$(dirname "$0")/lib.sh"
. "$QG_ROOT/tests/e2e/servers/nginx-tls.sh"

NGXPID= PYPID= PY2PID= TLSPID= WPID=
cleanup() {
	for p in $NGXPID $PYPID $PY2PID $TLSPID $WPID; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

DEPLOY=qgate-deploy

# ---- usage ----
expect_exit 2 "no --url is a usage error" $DEPLOY health
expect_grep "it says so" "needs --url" "$T/err"
expect_exit 2 "ftp:// is refused" $DEPLOY health --url ftp://127.0.0.1/x
expect_exit 2 "--expect-status out of range" $DEPLOY health --url http://127.0.0.1:1/ --expect-status 42
expect_exit 2 "--interval 0 is out of range" $DEPLOY health --url http://127.0.0.1:1/ --interval 0
expect_exit 2 "a stray argument" $DEPLOY health --url http://127.0.0.1:1/ extra

# ---- a closed port: nothing ever answers -> 3 ----
cport=$(free_port)
expect_exit 3 "closed port: unreachable (exit 3)" $DEPLOY health --url "http://127.0.0.1:$cport/health" \
	--interval 0.1 --timeout 2 --json "$T/closed.json" --junit "$T/closed.xml"
expect_grep "stderr says unreachable and names the URL" "unreachable.*127.0.0.1:$cport/health|127.0.0.1:$cport/health.*unreachable" "$T/err"
expect_eq "one error line on stderr" "$(wc -l <"$T/err" | tr -d ' ')" 1
validate_result "closed-port result" "$T/closed.json"
validate_junit "closed-port junit" "$T/closed.xml"
expect_eq "closed-port result: error, exit 3" "$(json_get "$T/closed.json" '[d["status"], d["exit_code"]]')" '["error", 3]'

# ---- nginx with a config of our own ----
NGX=$(command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
if [ -z "$NGX" ]; then
	skip "nginx not installed (Debian package nginx), NGINX HEALTH TESTS NOT RUN"
	echo "WARNING: t_deploy_health: nginx tests skipped: nginx not installed" >&2
else
	N=$T/ngx
	mkdir -p "$N/www"
	nport=$(free_port)
	printf '{"status":"ok","db":{"up":true},"version":"1.4.2"}\n' >"$N/www/health.json"
	: >"$N/flip.conf"
	cat >"$N/nginx.conf" <<NGXCONF
user $(id -un);
worker_processes 1;
daemon off;
pid $N/nginx.pid;
error_log $N/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $N/body;
	proxy_temp_path $N/proxy;
	fastcgi_temp_path $N/fastcgi;
	uwsgi_temp_path $N/uwsgi;
	scgi_temp_path $N/scgi;
	open_file_cache off;
	default_type application/json;
	server {
		listen 127.0.0.1:$nport;
		root $N/www;
		include $N/flip.conf;
		location = /fail { return 500 "boom\n"; }
	}
}
NGXCONF
	"$NGX" -c "$N/nginx.conf" -p "$N" >"$N/out.log" 2>&1 &
	NGXPID=$!
	i=0
	until "$DEBIAN_PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$nport" 2>/dev/null; do
		i=$((i + 1)); [ "$i" -gt 50 ] && break; sleep 0.1
	done
	if kill -0 "$NGXPID" 2>/dev/null; then ok "nginx started on 127.0.0.1:$nport"; else
		not_ok "nginx failed to start"; sed 's/^/#   /' "$N/out.log" "$N/error.log" 2>/dev/null | head; fi
	U=http://127.0.0.1:$nport/health.json

	expect_exit 0 "healthy: status 200, /status=ok, p95 within 5 s" $DEPLOY health --url "$U" --interval 0.1 \
		--expect-status 200 --expect-body /status=ok --max-latency-p95 5000 --json "$T/ok.json" --junit "$T/ok.xml"
	validate_result "healthy result" "$T/ok.json"
	validate_junit "healthy junit" "$T/ok.xml"
	expect_eq "three checks pass" \
		"$(json_get "$T/ok.json" '[(c["id"], c["status"]) for c in d["checks"]]')" \
		'[["health.status", "pass"], ["health.body", "pass"], ["health.latency-p95", "pass"]]'
	expect_eq "3 probes (--min-probes default), all passed" \
		"$(json_get "$T/ok.json" '[d["metrics"]["probes"], d["metrics"]["passed"], d["metrics"]["last_status"]]')" '[3, 3, 200]'
	expect_eq "p95 within [p50, max]" \
		"$(json_get "$T/ok.json" 'd["metrics"]["p50_ms"] <= d["metrics"]["p95_ms"] <= d["metrics"]["max_ms"]')" true
	expect_exit 0 "under GitHub Actions" env GITHUB_ACTIONS=true GITHUB_OUTPUT="$T/gh.out" \
		GITHUB_STEP_SUMMARY="$T/gh.md" $DEPLOY health --url "$U" --interval 0.05
	expect_grep "\$GITHUB_OUTPUT: healthy=true" '^healthy=true$' "$T/gh.out"
	expect_grep "\$GITHUB_OUTPUT: p95_ms" '^p95_ms=[0-9.]+$' "$T/gh.out"
	expect_grep "\$GITHUB_OUTPUT: status=pass" '^status=pass$' "$T/gh.out"
	expect_grep "the step summary has the probe table" '\| probes \| answered \| passed' "$T/gh.md"
	expect_exit 0 "a nested pointer and a boolean" $DEPLOY health --url "$U" --interval 0.05 --expect-body /db/up=true
	expect_exit 0 "a substring" $DEPLOY health --url "$U" --interval 0.05 --expect-body '"version":"1.4.2"'
	expect_exit 0 "--min-probes 1 stops at the first pass" $DEPLOY health --url "$U" --min-probes 1 --json "$T/one.json"
	expect_eq "one probe" "$(json_get "$T/one.json" 'd["metrics"]["probes"]')" 1
	expect_exit 1 "a body that does not match: unhealthy" $DEPLOY health --url "$U" --interval 0.05 \
		--expect-body /status=green --json "$T/nomatch.json"
	expect_eq "health.body fails, health.status passes" \
		"$(json_get "$T/nomatch.json" '[(c["id"], c["status"]) for c in d["checks"]]')" \
		'[["health.status", "pass"], ["health.body", "fail"]]'
	expect_grep "the message quotes what was found" '/status is \\"ok\\"' "$T/nomatch.json"
	expect_exit 1 "a 500: unhealthy after --failure-limit 2" $DEPLOY health --url "http://127.0.0.1:$nport/fail" \
		--interval 0.05 --failure-limit 2 --json "$T/500.json"
	expect_eq "two probes, status check failed with 500" \
		"$(json_get "$T/500.json" '[d["metrics"]["probes"], d["checks"][0]["status"], d["checks"][0]["observed"]]')" \
		'[2, "fail", 500]'
	expect_exit 1 "--expect-status 204 against a 200" $DEPLOY health --url "$U" --interval 0.05 --expect-status 204

	# the file flips mid-watch: healthy probes, then the body turns "down"
	$DEPLOY health --url "$U" --interval 0.2 --timeout 30 --min-probes 1000 --failure-limit 3 \
		--expect-body /status=ok --json "$T/flip.json" --junit "$T/flip.xml" >"$T/flip.out" 2>&1 &
	WPID=$!
	sleep 1.2
	printf '{"status":"down","db":{"up":false}}\n' >"$N/www/health.json.new"
	mv "$N/www/health.json.new" "$N/www/health.json"
	wait "$WPID"
	rc=$?
	WPID=
	expect_eq "file flipped mid-watch: exit 1" "$rc" 1
	validate_result "flip result" "$T/flip.json"
	validate_junit "flip junit" "$T/flip.xml"
	expect_eq "healthy probes came first, then 3 failures" \
		"$(json_get "$T/flip.json" '[d["metrics"]["passed"] >= 1, d["metrics"]["failed"]]')" '[true, 3]'
	expect_eq "body check failed, status check passed" \
		"$(json_get "$T/flip.json" '[(c["id"], c["status"]) for c in d["checks"]]')" \
		'[["health.status", "pass"], ["health.body", "fail"]]'
	expect_grep "the failure says what the body became" '/status is \\"down\\"' "$T/flip.json"

	# the config flips mid-watch: nginx reloaded to answer 503
	printf '{"status":"ok"}\n' >"$N/www/health.json"
	$DEPLOY health --url "$U" --interval 0.2 --timeout 30 --min-probes 1000 --expect-status 200 \
		--json "$T/reload.json" >"$T/reload.out" 2>&1 &
	WPID=$!
	sleep 1.2
	printf 'location = /health.json { return 503 "maintenance\\n"; }\n' >"$N/flip.conf"
	if "$NGX" -c "$N/nginx.conf" -p "$N" -s reload >"$N/reload.log" 2>&1; then ok "nginx reloaded"; else
		not_ok "nginx reload failed"; sed 's/^/#   /' "$N/reload.log"; fi
	wait "$WPID"
	rc=$?
	WPID=
	expect_eq "config flipped to 503 mid-watch: exit 1" "$rc" 1
	validate_result "reload result" "$T/reload.json"
	expect_eq "status check failed on 503 after passes" \
		"$(json_get "$T/reload.json" '[d["checks"][0]["id"], d["checks"][0]["status"], d["checks"][0]["observed"], d["metrics"]["passed"] >= 1]')" \
		'["health.status", "fail", 503, true]'
	expect_grep "the message names the status and the expectation" "status 503 \\(expected 200\\)" "$T/reload.json"
fi

# ---- python servers: slow answers, a late start ----
cat >"$T/srv.py" <<'PY'
import http.server, sys, time
delay = float(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        time.sleep(delay)
        body = b'{"status":"ok"}\n'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
sport=$(free_port)
"$DEBIAN_PY" "$T/srv.py" "$sport" 0.3 &
PYPID=$!
i=0
until "$DEBIAN_PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$sport" 2>/dev/null; do
	i=$((i + 1)); [ "$i" -gt 50 ] && break; sleep 0.1
done
expect_exit 1 "answers in ~300 ms over a 100 ms p95 budget: unhealthy" $DEPLOY health \
	--url "http://127.0.0.1:$sport/health" --interval 0.05 --max-latency-p95 100 --json "$T/slow.json" --junit "$T/slow.xml"
validate_result "slow result" "$T/slow.json"
validate_junit "slow junit" "$T/slow.xml"
expect_eq "latency check failed, status passed" \
	"$(json_get "$T/slow.json" '[(c["id"], c["status"]) for c in d["checks"]]')" \
	'[["health.status", "pass"], ["health.latency-p95", "fail"]]'
expect_eq "observed p95 is the measured one (>= 300 ms) and the budget is named" \
	"$(json_get "$T/slow.json" '[d["checks"][1]["observed"] >= 300, d["checks"][1]["observed"] == d["metrics"]["p95_ms"], d["checks"][1]["expected"]]')" \
	'[true, true, "<= 100 ms"]'
expect_exit 0 "the same answers within a 5 s budget: healthy" $DEPLOY health \
	--url "http://127.0.0.1:$sport/health" --interval 0.05 --max-latency-p95 5000

lport=$(free_port)
(sleep 0.8; exec "$DEBIAN_PY" "$T/srv.py" "$lport" 0) &
PY2PID=$!
expect_exit 0 "a server that starts late is waited for" $DEPLOY health --url "http://127.0.0.1:$lport/" \
	--interval 0.1 --timeout 20 --json "$T/late.json"
expect_eq "probes before the first answer are neither passes nor failures" \
	"$(json_get "$T/late.json" '[d["metrics"]["unanswered_before_first"] >= 1, d["metrics"]["failed"], d["metrics"]["passed"]]')" \
	'[true, 0, 3]'

# the server goes away after answering: failures, not "unreachable"
kill "$PYPID" 2>/dev/null; wait "$PYPID" 2>/dev/null; PYPID=
"$DEBIAN_PY" "$T/srv.py" "$sport" 0 &
PYPID=$!
sleep 0.5
$DEPLOY health --url "http://127.0.0.1:$sport/" --interval 0.2 --timeout 30 --min-probes 1000 \
	--json "$T/gone.json" >/dev/null 2>&1 &
WPID=$!
sleep 1
kill "$PYPID" 2>/dev/null; wait "$PYPID" 2>/dev/null; PYPID=
wait "$WPID"
rc=$?
WPID=
expect_eq "a server that died mid-watch: exit 1 (not 3)" "$rc" 1
expect_grep "the failure says no answer" "no answer" "$T/gone.json"

# ---- TLS: a self-signed certificate is refused unless --insecure ----
mkdir -p "$T/tlswww"
echo ok >"$T/tlswww/h"
nginx_tls_start "$T/tls" "$T/tlswww"
rc=$?
TLSPID=$NGX_PID
if [ "$rc" -eq 77 ]; then
	skip "nginx or openssl not installed, TLS HEALTH TESTS NOT RUN"
	echo "WARNING: t_deploy_health: TLS tests skipped" >&2
elif [ "$rc" -ne 0 ]; then
	not_ok "TLS nginx failed to start"
else
	expect_exit 3 "self-signed certificate, verified: nothing answered (exit 3)" env -u QG_CA_BUNDLE -u CURL_CA_BUNDLE \
		-u SSL_CERT_FILE $DEPLOY health --url "https://127.0.0.1:$NGX_PORT/h" --interval 0.1 --timeout 5
	expect_grep "the TLS failure is named" "certificate|SSL" "$T/err"
	expect_exit 0 "--insecure accepts it" env -u QG_CA_BUNDLE -u CURL_CA_BUNDLE -u SSL_CERT_FILE \
		$DEPLOY health --url "https://127.0.0.1:$NGX_PORT/h" --interval 0.05 --insecure --expect-body ok
	expect_exit 0 "its CA given through QG_CA_BUNDLE verifies" env QG_CA_BUNDLE="$NGX_CERT" \
		$DEPLOY health --url "https://127.0.0.1:$NGX_PORT/h" --interval 0.05
fi

# ---- the audit log ----
if [ -n "$NGX" ]; then
	printf '{"status":"ok"}\n' >"$N/www/ok.json"
	$DEPLOY health --url "http://127.0.0.1:$nport/ok.json" --interval 0.05 --audit-log "$T/audit.jsonl" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -ne 0 ] && grep -q "not built into" "$T/err"; then
		skip "the audit log (audit.c) is not built yet, AUDIT TESTS NOT RUN"
	else
		expect_eq "health with --audit-log: exit 0" "$rc" 0
		expect_grep "a health entry with its verdict" '"action":"health".*"verdict":"pass"|"verdict":"pass".*"action":"health"' "$T/audit.jsonl"
		expect_exit 3 "an unreachable watch is logged too" $DEPLOY health --url "http://127.0.0.1:$cport/" \
			--interval 0.1 --timeout 2 --audit-log "$T/audit.jsonl"
		expect_grep "stderr keeps the watch's error" "unreachable" "$T/err"
		expect_eq "two entries" "$(wc -l <"$T/audit.jsonl" | tr -d ' ')" 2
		expect_grep "the second says error" '"verdict":"error"' "$T/audit.jsonl"
		expect_exit 0 "audit verify accepts the log" $DEPLOY audit verify "$T/audit.jsonl"
	fi
fi

done_testing
