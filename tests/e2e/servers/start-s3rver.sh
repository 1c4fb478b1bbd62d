#!/bin/sh
# start-s3rver.sh -- install s3rver if needed, start it, print its port
#
# usage: start-s3rver.sh DATA_DIR BUCKET PID_FILE
# Installs @20minutes/s3rver@5 with npm into tests/e2e/servers/node_modules
# (git ignores it) on first use, starts s3rver.js in the background on a free
# port of 127.0.0.1, writes its pid to PID_FILE and prints the port.
# Exit 0 when running, 77 when node/npm or the npm registry is unavailable
# (the caller reports a skip, loudly), 1 when the server failed to start.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$1 BUCKET=$2 PIDFILE=$3

command -v node >/dev/null 2>&1 || { echo "start-s3rver: node not installed" >&2; exit 77; }
if [ ! -f "$HERE/node_modules/@20minutes/s3rver/package.json" ]; then
	command -v npm >/dev/null 2>&1 || { echo "start-s3rver: npm not installed" >&2; exit 77; }
	echo "start-s3rver: installing @20minutes/s3rver@5 with npm" >&2
	if ! (cd "$HERE" && npm install --no-audit --no-fund --no-package-lock --loglevel=error \
		>"$DIR.npm.log" 2>&1); then
		echo "start-s3rver: npm install failed (registry unreachable?):" >&2
		tail -5 "$DIR.npm.log" >&2
		exit 77
	fi
fi
mkdir -p "$DIR"
PORTFILE=$DIR.port
rm -f "$PORTFILE"
# s3rver makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3
# only offers through its legacy provider
LEGACY=
node --openssl-legacy-provider -e 0 >/dev/null 2>&1 && LEGACY=--openssl-legacy-provider
node $LEGACY "$HERE/s3rver.js" "$DIR" "$BUCKET" "$PORTFILE" >"$DIR.log" 2>&1 &
echo $! >"$PIDFILE"
i=0
while [ ! -s "$PORTFILE" ]; do
	i=$((i + 1))
	if [ "$i" -gt 150 ] || ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
		echo "start-s3rver: s3rver did not start:" >&2
		tail -20 "$DIR.log" >&2
		kill "$(cat "$PIDFILE")" 2>/dev/null
		exit 1
	fi
	sleep 0.1
done
cat "$PORTFILE"
