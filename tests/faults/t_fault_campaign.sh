#!/bin/sh
# t_fault_campaign.sh -- faults of issue 11's campaign that were already
# handled, kept as tests so they stay handled:
#   JSON depth    a 100,000-deep [[[... as a Table Schema, qgate.json (exit 2),
#                 --metrics and a drift baseline (exit 3): one error line, no
#                 stack overflow
#   TLS downgrade an https:// URL answered by a plain-HTTP server, and an
#                 https:// redirect to http:// (nginx on 127.0.0.1): exit 3
#                 (t_data_https.sh covers the self-signed certificate)
#   S3 secrets    a wrong secret key and a session token against s3rver: the
#                 403 is exit 3 and neither secret appears on stderr or in the
#                 report
. "$(dirname "$0")/../e2e/lib.sh"
. "$QG_ROOT/tests/e2e/servers/nginx-tls.sh"
NGX_PID= S3PID=
trap '[ -n "$NGX_PID" ] && kill "$NGX_PID" 2>/dev/null; [ -n "$S3PID" ] && kill "$S3PID" 2>/dev/null; rm -rf "$T"' EXIT

# --- JSON depth
"$DEBIAN_PY" -c 'import sys; open(sys.argv[1], "w").write("[" * 100000 + "]" * 100000)' "$T/deep.json"
"$DEBIAN_PY" -c 'import sys; open(sys.argv[1], "w").write("{\"a\":" * 100000 + "1" + "}" * 100000)' "$T/deepobj.json"
printf 'a\n1\n' >"$T/d.csv"
crash_free() {
	if grep -Eq 'AddressSanitizer|stack-overflow|runtime error:|Segmentation' "$T/err"; then
		not_ok "$1: crashed"; head -5 "$T/err" | sed 's/^/#   /'; else ok "$1"; fi
}
for f in deep deepobj; do
	expect_exit 2 "a $f Table Schema is exit 2" qgate-data validate --schema "$T/$f.json" "$T/d.csv"
	expect_grep "the $f schema is named" "^qgate-data: error: '$T/$f.json'" "$T/err"
	crash_free "a $f schema: no stack overflow"
	expect_exit 3 "a $f --metrics is exit 3" qgate-model check --metrics "$T/$f.json" --require 'accuracy>=0.5'
	expect_grep "the $f metrics file is named" "^qgate-model: error: '$T/$f.json'" "$T/err"
	crash_free "a $f metrics file: no stack overflow"
	expect_exit 3 "a $f drift baseline is exit 3" qgate-data drift --baseline "$T/$f.json" "$T/d.csv"
	crash_free "a $f baseline: no stack overflow"
	expect_exit 2 "a $f qgate.json is exit 2" qgate-model check --config "$T/$f.json" --metrics "$T/d.csv" \
		--require 'accuracy>=0.5'
	crash_free "a $f qgate.json: no stack overflow"
done

# --- TLS downgrade
mkdir -p "$T/www"
printf 'id,score\n1,0.5\n' >"$T/www/data.csv"
printf '{"fields": [{"name": "id", "type": "integer"}, {"name": "score", "type": "number"}]}\n' >"$T/schema.json"
pport=$(free_port)
PLAIN_PORT=$pport nginx_tls_start "$T/ngx" "$T/www" \
	"location = /to-http.csv { return 301 http://127.0.0.1:$pport/data.csv; }"
rc=$?
if [ "$rc" -eq 77 ]; then
	skip "nginx or openssl missing (ci/install-deps): TLS DOWNGRADE FAULTS NOT RUN"
elif [ "$rc" -ne 0 ]; then
	not_ok "nginx failed to start"
else
	unset CURL_CA_BUNDLE SSL_CERT_FILE
	expect_exit 0 "https:// with the CA given passes" env QG_CA_BUNDLE="$NGX_CERT" \
		qgate-data validate --schema "$T/schema.json" "https://127.0.0.1:$NGX_PORT/data.csv"
	expect_exit 3 "an https:// URL answered by plain HTTP is exit 3" env QG_CA_BUNDLE="$NGX_CERT" \
		qgate-data validate --schema "$T/schema.json" --json "$T/tls.json" "https://127.0.0.1:$pport/data.csv"
	expect_eq "its report says error" "$(json_get "$T/tls.json" 'd["status"]')" error
	expect_exit 3 "an https:// redirect to http:// is exit 3" env QG_CA_BUNDLE="$NGX_CERT" \
		qgate-data validate --schema "$T/schema.json" "https://127.0.0.1:$NGX_PORT/to-http.csv"
	expect_grep "the refused redirect is named" "to-http\.csv" "$T/err"
fi

# --- S3 secrets never printed
port=$(sh "$QG_ROOT/tests/e2e/servers/start-s3rver.sh" "$T/s3" qgate-test "$T/s3.pid" 2>"$T/s3.err")
rc=$?
[ -f "$T/s3.pid" ] && S3PID=$(cat "$T/s3.pid")
if [ "$rc" -eq 77 ]; then
	skip "s3rver unavailable (node/npm): S3 SECRET FAULTS NOT RUN: $(tr '\n' ' ' <"$T/s3.err")"
elif [ "$rc" -ne 0 ]; then
	not_ok "s3rver failed to start"; sed 's/^/#   /' "$T/s3.err" | head -5
else
	SECRET=wJalrXUtnFEMIK7MDENGbPxRfiCYzzSECRETzz
	TOKEN=FQoGZXIvYXdzEXAMPLEsessionTOKENzz
	for what in "wrong secret" "missing key"; do
		key=data.csv
		[ "$what" = "missing key" ] && key=nothere.csv
		expect_exit 3 "s3:// with a $what is exit 3" env -u AWS_PROFILE AWS_ENDPOINT_URL="http://127.0.0.1:$port" \
			AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=$SECRET AWS_SESSION_TOKEN=$TOKEN AWS_REGION=us-east-1 \
			qgate-data validate --schema "$T/schema.json" --json "$T/s3.json" --junit "$T/s3.xml" "s3://qgate-test/$key"
		for f in "$T/err" "$T/out" "$T/s3.json" "$T/s3.xml"; do
			expect_no_grep "$what: the secret key is not in $(basename "$f")" "$SECRET" "$f"
			expect_no_grep "$what: the session token is not in $(basename "$f")" "$TOKEN" "$f"
		done
		expect_grep "$what: the object is named" "s3://qgate-test/$key" "$T/err"
	done
fi
done_testing
