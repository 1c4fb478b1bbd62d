#!/bin/sh
# t_data_s3.sh -- qgate-data validate on s3:// inputs against s3rver (signatures checked)
#
# Starts s3rver with the io engineer's harness (tests/e2e/servers), uploads
# a CSV with curl's SigV4 signing, then: the right credentials validate it
# (exit 1 on its violation, the location naming the s3:// URL), a prefix
# listing with a trailing slash reads every object, --shard on a remote input
# gives it whole to shard 1, and a wrong secret is exit 3 with a clear
# message that does not print the secret. A server that cannot be started is
# a SKIP on stdout and a WARNING on stderr, never a pass.
. "$(dirname "$0")/lib.sh"

S3PID=
cleanup() {
	[ -n "$S3PID" ] && kill "$S3PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

port=$(sh "$QG_ROOT/tests/e2e/servers/start-s3rver.sh" "$T/s3" qgate-data "$T/s3.pid" 2>"$T/s3.err")
rc=$?
[ -f "$T/s3.pid" ] && S3PID=$(cat "$T/s3.pid")
if [ "$rc" -eq 77 ]; then
	skip "s3rver unavailable, S3 TESTS NOT RUN: $(tr '\n' ' ' <"$T/s3.err")"
	echo "WARNING: t_data_s3: s3:// tests skipped: $(cat "$T/s3.err")" >&2
	done_testing
	exit
elif [ "$rc" -ne 0 ]; then
	not_ok "s3rver failed to start"; sed 's/^/#   /' "$T/s3.err"
	done_testing
	exit
fi
ok "s3rver started on 127.0.0.1:$port"
EP=http://127.0.0.1:$port

put() { # KEY FILE
	curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$2" "$EP/qgate-data/$1" >"$T/curl.out" 2>&1
}
cat >"$T/schema.json" <<'S'
{"fields": [{"name": "id", "type": "integer", "constraints": {"unique": true}},
            {"name": "v", "type": "number", "constraints": {"maximum": 10}}]}
S
printf 'id,v\n1,2.5\n2,11\n3,4\n' >"$T/a.csv"
printf 'id,v\n4,1\n5,2\n' >"$T/b.csv"
gzip -c "$T/b.csv" >"$T/b.csv.gz"
if put data/a.csv "$T/a.csv" && put data/b.csv.gz "$T/b.csv.gz"; then ok "objects uploaded"; else not_ok "upload failed"; sed 's/^/#   /' "$T/curl.out"; fi

s3env() {
	env -u AWS_SESSION_TOKEN -u AWS_PROFILE AWS_ENDPOINT_URL="$EP" AWS_ACCESS_KEY_ID=S3RVER AWS_REGION=us-east-1 "$@"
}
expect_exit 1 "s3:// object validates (one violation)" \
	s3env AWS_SECRET_ACCESS_KEY=S3RVER qgate-data validate --schema "$T/schema.json" s3://qgate-data/data/a.csv --json "$T/r.json"
validate_result "s3 result" "$T/r.json"
expect_eq "location names the s3 URL and line" \
	"$(json_get "$T/r.json" '[c for c in d["checks"] if c["id"]=="field.v.maximum"][0]["locations"][0]["file"], [c for c in d["checks"] if c["id"]=="field.v.maximum"][0]["locations"][0]["line"]')" \
	'["s3://qgate-data/data/a.csv", 3]'
expect_exit 1 "s3:// prefix listing reads both objects (one gzip)" \
	s3env AWS_SECRET_ACCESS_KEY=S3RVER qgate-data validate --schema "$T/schema.json" s3://qgate-data/data/ --json "$T/p.json"
expect_eq "prefix: 5 rows" "$(json_get "$T/p.json" 'd["metrics"]["rows"]')" "5"
expect_exit 1 "--shard 1/2 of one remote object: shard 1 reads it whole" \
	s3env AWS_SECRET_ACCESS_KEY=S3RVER qgate-data validate --schema "$T/schema.json" --shard 1/2 s3://qgate-data/data/a.csv --json "$T/s1.json"
expect_eq "shard 1 rows" "$(json_get "$T/s1.json" 'd["metrics"]["rows"]')" "3"
expect_exit 3 "wrong secret is exit 3" \
	s3env AWS_SECRET_ACCESS_KEY=wrong-secret-123 qgate-data validate --schema "$T/schema.json" s3://qgate-data/data/a.csv
expect_grep "wrong secret: clear message naming the object" "s3://qgate-data/data/a.csv" "$T/err"
expect_grep "wrong secret: the server's reason" "403|SignatureDoesNotMatch|signature" "$T/err"
expect_no_grep "the secret is never printed" "wrong-secret-123" "$T/err"
expect_no_grep "nor on stdout" "wrong-secret-123" "$T/out"
expect_exit 3 "missing object is exit 3" \
	s3env AWS_SECRET_ACCESS_KEY=S3RVER qgate-data validate --schema "$T/schema.json" s3://qgate-data/data/none.csv
done_testing
