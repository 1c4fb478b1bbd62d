#!/bin/sh
# bench_deploy_s3.sh -- qgate-deploy push to s3:// against curl's single signed PUT, same bytes, same run
#
# usage: tests/bench/bench_deploy_s3.sh [MIB] [ROUNDS]     (default 256 MiB, 3 rounds)
# Run by hand (never from make check). Starts s3rver (tests/e2e/servers) on
# 127.0.0.1 and, interleaved round by round so a busy machine hurts both alike:
#   qgate-deploy push (multipart, 8 MiB parts, 4 in flight: memory stays flat)
#   qgate-deploy push --chunk-size past the size (one PUT from memory)
#   curl --aws-sigv4 -T (one signed PUT streamed from the file, no digest check)
#   qgate-deploy push again (every blob present: HEAD only)
# and prints wall seconds and max RSS (GNU time) for each. Each round
# appends a few bytes so no push finds its blob already there.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build/release}
BIN=${QG_BIN:-$ROOT/$B/bin}
MIB=${1:-256}
ROUNDS=${2:-3}
[ -x "$BIN/qgate-deploy" ] || { echo "bench_deploy_s3: $BIN/qgate-deploy not built (make B=$B)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_deploy_s3: GNU time (/usr/bin/time) not installed" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-s3.XXXXXX")
S3PID=
trap '[ -n "$S3PID" ] && kill "$S3PID" 2>/dev/null; rm -rf "$T"' EXIT INT TERM
port=$(sh "$ROOT/tests/e2e/servers/start-s3rver.sh" "$T/s3" bench "$T/s3.pid" 2>"$T/s3.err") || {
	echo "bench_deploy_s3: s3rver did not start: $(cat "$T/s3.err")" >&2; exit 2; }
S3PID=$(cat "$T/s3.pid")
export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
head -c $((MIB * 1048576)) /dev/urandom >"$T/model.bin"
cd "$T" || exit 2

measure() { # LABEL CMD...
	_l=$1; shift
	/usr/bin/time -f "%e %M" -o "$T/time" "$@" >/dev/null 2>"$T/err" || { echo "$_l: FAILED"; cat "$T/err"; return; }
	printf '%-44s %7.2f s  %8d KB max RSS\n' "$_l" $(cat "$T/time")
}
echo "bench_deploy_s3: $MIB MiB to s3rver on 127.0.0.1:$port, $ROUNDS rounds ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	echo "round $r"
	printf 'round %d\n' "$r" >>"$T/model.bin"
	measure "qgate push (multipart, 8 MiB parts)" "$BIN/qgate-deploy" push --to s3://bench/multi:v$r -q model.bin
	measure "qgate push again (all present)" "$BIN/qgate-deploy" push --to s3://bench/multi:v$r -q model.bin
	printf 'round %d b\n' "$r" >>"$T/model.bin"
	measure "qgate push (one PUT, --chunk-size > size)" "$BIN/qgate-deploy" push --to s3://bench/single:v$r \
		--chunk-size $(((MIB + 1) * 1048576)) -q model.bin
	printf 'round %d c\n' "$r" >>"$T/model.bin"
	sha=$(sha256sum model.bin | cut -d' ' -f1)
	measure "curl --aws-sigv4 -T (one signed PUT)" curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" \
		--user S3RVER:S3RVER -H "x-amz-content-sha256: $sha" -T model.bin "$AWS_ENDPOINT_URL/bench/curl/model$r.bin"
	r=$((r + 1))
done
