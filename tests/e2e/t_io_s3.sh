#!/bin/sh
# t_io_s3.sh -- remote byte sources: s3:// against s3rver, https:// against nginx
#
# Starts s3rver (npm @20minutes/s3rver@5, installed on first use by
# servers/start-s3rver.sh) and nginx with a self-signed certificate made here
# by `openssl req`, both on 127.0.0.1 with free ports and temp folders, then
# runs the cmocka driver test_stream_s3 with the environment that points it at
# them. A server that cannot be started is reported as a SKIP on stdout and
# a WARNING on stderr, never as a pass.
. "$(dirname "$0")/lib.sh"

QG_BUILD=${QG_BUILD:-$QG_ROOT/build/asan}
DRIVER=$QG_BUILD/tests/unit/test_stream_s3
S3PID= NGXPID=
cleanup() {
	[ -n "$S3PID" ] && kill "$S3PID" 2>/dev/null
	[ -n "$NGXPID" ] && kill "$NGXPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

. "$QG_ROOT/tests/e2e/servers/nginx-tls.sh"

if [ ! -x "$DRIVER" ]; then
	not_ok "driver $DRIVER not built (make check builds it)"
	done_testing
	exit
fi

# ---- s3rver ----
s3_ok=0
port=$(sh "$QG_ROOT/tests/e2e/servers/start-s3rver.sh" "$T/s3" qgate-test "$T/s3.pid" 2>"$T/s3.err")
rc=$?
[ -f "$T/s3.pid" ] && S3PID=$(cat "$T/s3.pid")
if [ "$rc" -eq 0 ]; then
	ok "s3rver started on 127.0.0.1:$port"
	s3_ok=1
elif [ "$rc" -eq 77 ]; then
	skip "s3rver unavailable, S3 TESTS NOT RUN: $(tr '\n' ' ' <"$T/s3.err")"
	echo "WARNING: t_io_s3: s3:// tests skipped: $(cat "$T/s3.err")" >&2
else
	not_ok "s3rver failed to start"; sed 's/^/#   /' "$T/s3.err"
fi

# ---- nginx with a self-signed certificate ----
https_ok=0
mkdir -p "$T/www"
"$DEBIAN_PY" -c '
import sys
rows = ["id,name,score"] + ["%d,name%d,%0.3f" % (i, i % 97, i / 7) for i in range(40000)]
open(sys.argv[1], "w").write("\n".join(rows) + "\n")' "$T/www/data.csv"
gzip -c "$T/www/data.csv" >"$T/www/data.csv.gz"
head -c 20000 "$T/www/data.csv.gz" >"$T/www/trunc.csv.gz"
pport=$(free_port)
PLAIN_PORT=$pport nginx_tls_start "$T/ngx" "$T/www" "
		location = /fail.csv { default_type text/plain; return 503 \"down for maintenance\\n\"; }
		location = /to-http.csv { return 301 http://127.0.0.1:$pport/data.csv; }"
rc=$?
NGXPID=$NGX_PID
hport=$NGX_PORT
if [ "$rc" -eq 0 ]; then
	ok "nginx (https) started on 127.0.0.1:$hport"
	https_ok=1
elif [ "$rc" -eq 77 ]; then
	skip "nginx or openssl not installed (Debian packages nginx, openssl), HTTPS TESTS NOT RUN"
	echo "WARNING: t_io_s3: https:// tests skipped: nginx or openssl not installed" >&2
else
	not_ok "nginx failed to start"
fi

# ---- the driver ----
SECRET=S3RVER
set --
[ "$s3_ok" -eq 1 ] && set -- "$@" QG_TEST_S3_BUCKET=qgate-test AWS_ENDPOINT_URL="http://127.0.0.1:$port" \
	AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=$SECRET AWS_REGION=us-east-1
[ "$https_ok" -eq 1 ] && set -- "$@" QG_TEST_HTTPS_BASE="https://127.0.0.1:$hport" \
	QG_TEST_HTTPS_CA="$NGX_CERT" QG_TEST_HTTPS_FILE="$T/www/data.csv"
expect_exit 0 "test_stream_s3 driver" env -u QG_CA_BUNDLE -u CURL_CA_BUNDLE -u SSL_CERT_FILE \
	-u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL_S3 -u AWS_PROFILE CMOCKA_MESSAGE_OUTPUT=TAP "$@" "$DRIVER"
sed 's/^/# driver: /' "$T/out"
passed=$(grep '^ok ' "$T/out" | grep -vc SKIP)
failed=$(grep -c '^not ok' "$T/out")
expect_eq "driver tests passed" "$passed" $((6 * s3_ok + 3 * https_ok))
expect_eq "driver tests failed" "$failed" 0
expect_no_grep "no message holds the secret" "$SECRET|not-the-secret" "$T/out"

done_testing
