#!/bin/sh
# t_data_https.sh -- qgate-data reads https:// inputs, streamed, TLS verified:
# nginx on 127.0.0.1 with a self-signed certificate made by the test.
. "$(dirname "$0")/lib.sh"
. "$QG_ROOT/tests/e2e/servers/nginx-tls.sh"
trap '[ -n "${NGX_PID:-}" ] && kill "$NGX_PID" 2>/dev/null; rm -rf "$T"' EXIT

mkdir -p "$T/www"
cat >"$T/schema.json" <<'JSON'
{"fields": [
  {"name": "id", "type": "integer", "constraints": {"required": true, "unique": true}},
  {"name": "score", "type": "number", "constraints": {"minimum": 0, "maximum": 1}}
]}
JSON
"$DEBIAN_PY" -c '
import sys
rows = ["id,score"] + ["%d,%0.4f" % (i, (i % 1000) / 1000) for i in range(1, 50001)]
rows[31337] = "31337,1.5"  # line 31338 (the header is line 1)
open(sys.argv[1], "w").write("\n".join(rows) + "\n")' "$T/www/data.csv"
gzip -c "$T/www/data.csv" >"$T/www/data.csv.gz"
head -c 30000 "$T/www/data.csv.gz" >"$T/www/trunc.csv.gz"

nginx_tls_start "$T/ngx" "$T/www"
rc=$?
if [ "$rc" -eq 77 ]; then
	skip "nginx or openssl missing (Debian packages nginx, openssl): HTTPS TESTS NOT RUN"
	echo "WARNING: t_data_https skipped: nginx or openssl missing" >&2
	done_testing
	exit
elif [ "$rc" -ne 0 ]; then
	not_ok "nginx failed to start"
	done_testing
	exit
fi
URL=https://127.0.0.1:$NGX_PORT
unset QG_CA_BUNDLE CURL_CA_BUNDLE SSL_CERT_FILE

expect_exit 3 "an untrusted certificate is exit 3 (TLS verified by default)" \
	qgate-data validate --schema "$T/schema.json" "$URL/data.csv"
expect_grep "the TLS failure is named" "certificate" "$T/err"

expect_exit 1 "https:// CSV validates with the CA given (one violation)" \
	env QG_CA_BUNDLE="$NGX_CERT" qgate-data validate --schema "$T/schema.json" --json "$T/r.json" "$URL/data.csv"
validate_result "https result" "$T/r.json"
expect_eq "the violation is counted" "$(json_get "$T/r.json" '[c["count"] for c in d["checks"] if c["id"]=="field.score.maximum"][0]')" "1"
expect_eq "its physical line is reported" "$(json_get "$T/r.json" '[c["locations"][0]["line"] for c in d["checks"] if c["id"]=="field.score.maximum"][0]')" "31338"
expect_eq "all rows were read" "$(json_get "$T/r.json" '[c["observed"] for c in d["checks"] if c["id"]=="table.rows"][0]')" "50000"

expect_exit 1 "https:// gzip is decompressed while streaming" \
	env QG_CA_BUNDLE="$NGX_CERT" qgate-data validate --schema "$T/schema.json" "$URL/data.csv.gz"
expect_exit 3 "a truncated remote gzip is exit 3" \
	env QG_CA_BUNDLE="$NGX_CERT" qgate-data validate --schema "$T/schema.json" "$URL/trunc.csv.gz"
expect_grep "the truncation is named" "truncated" "$T/err"
expect_exit 3 "a 404 is exit 3" \
	env QG_CA_BUNDLE="$NGX_CERT" qgate-data validate --schema "$T/schema.json" "$URL/missing.csv"
expect_grep "the 404 is named" "404" "$T/err"
done_testing
