#!/bin/sh
# bench_audit.sh -- `qgate-deploy audit verify` on a 100,000-entry log (issue 15: under 1 s)
#
# Generates (once, into BENCH_DIR) audit logs of ENTRIES entries in the
# documented format (deploy.h), written by Python so the writer is not the
# program measured: an unsigned one, and one signed with an Ed25519 key
# (Python's cryptography). Then, in the same run, under /usr/bin/time (wall,
# CPU, peak RSS), the best of RUNS:
#   sha256sum LOG                                  the floor: hashing the bytes once
#   python3 (hashlib + json, one thread)           a straightforward verifier of the chain
#   qgate-deploy audit verify LOG                  the chain
#   qgate-deploy audit verify SIGNED --pubkey P    the chain and every signature
#   python3 (cryptography, one thread)             a verifier of every signature
#
# Usage: tests/bench/bench_audit.sh [BIN_DIR]
# Environment: ENTRIES (100000), RUNS (3), BENCH_DIR (build/bench)
set -u
BIN=${1:-build/bin}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ENTRIES=${ENTRIES:-100000}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-$ROOT/build/bench}
QD=$BIN/qgate-deploy
PY=/usr/bin/python3
mkdir -p "$DIR"
[ -x "$QD" ] || { echo "bench_audit: $QD not built" >&2; exit 3; }
"$PY" -c 'import cryptography' 2>/dev/null || { echo "bench_audit: python3-cryptography is missing" >&2; exit 3; }

LOG=$DIR/audit-$ENTRIES.jsonl
SIGNED=$DIR/audit-$ENTRIES-signed.jsonl
KEY=$DIR/audit-key.pem
PUB=$DIR/audit-pub.pem
if [ ! -s "$SIGNED" ]; then
	"$PY" - "$ENTRIES" "$LOG" "$SIGNED" "$KEY" "$PUB" <<'EOF' || exit 3
import base64, hashlib, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
n, log, signed, keyf, pubf = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
k = Ed25519PrivateKey.generate()
open(keyf, "wb").write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
pub = k.public_key()
open(pubf, "wb").write(pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
kid = "sha256:" + hashlib.sha256(raw).hexdigest()
for path, sign in ((log, False), (signed, True)):
    prev = "sha256:" + hashlib.sha256(b"").hexdigest()
    with open(path, "wb") as out:
        for seq in range(1, n + 1):
            body = ('{"schema":"qgate.audit/v1","seq":%d,"time":"2026-12-07T%02d:%02d:%02dZ","actor":"github-actions[bot]",'
                    '"action":"%s","target":"oci://registry.example.com/ml/fraud-model","tag":"prod",'
                    '"digest_before":"sha256:%064x","digest_after":"sha256:%064x","commit":"%040x",'
                    '"evidence":["sha256:%064x","sha256:%064x"],"verdict":"pass","prev":"%s"'
                    % (seq, seq // 3600 % 24, seq // 60 % 60, seq % 60, ("push", "promote", "health")[seq % 3],
                       seq, seq + 1, seq, 2 * seq, 2 * seq + 1, prev))
            if sign:
                body += ',"key":"%s"' % kid
                sig = k.sign((body + "}").encode())
                line = (body + ',"sig":"%s"}' % base64.b64encode(sig).decode()).encode()
            else:
                line = (body + "}").encode()
            out.write(line + b"\n")
            prev = "sha256:" + hashlib.sha256(line).hexdigest()
EOF
fi

cat >"$DIR/audit-py-chain.py" <<'EOF'
import hashlib, json, sys
prev = "sha256:" + hashlib.sha256(b"").hexdigest()
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    line = line.rstrip(b"\n")
    e = json.loads(line)
    if e["seq"] != n or e["prev"] != prev:
        sys.exit("line %d broken" % n)
    prev = "sha256:" + hashlib.sha256(line).hexdigest()
EOF
cat >"$DIR/audit-py-sig.py" <<'EOF'
import base64, json, sys
from cryptography.hazmat.primitives.serialization import load_pem_public_key
pub = load_pem_public_key(open(sys.argv[2], "rb").read())
for line in open(sys.argv[1], "rb"):
    line = line.rstrip(b"\n")
    cut = line.rindex(b',"sig":')
    pub.verify(base64.b64decode(json.loads(line)["sig"]), line[:cut] + b"}")
EOF

# best NAME CMD...: the run with the least wall time of RUNS
best() {
	_name=$1; shift
	_best=""
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		/usr/bin/time -f '%e %U %S %M' -o "$DIR/audit.time" "$@" >/dev/null 2>"$DIR/audit.err"
		_rc=$?
		read -r _w _u _s _m <"$DIR/audit.time"
		if [ -z "$_best" ] || [ "$(echo "$_w < $_bw" | bc)" = 1 ]; then
			_best="$_w s wall, $(echo "$_u + $_s" | bc) s CPU, $((_m / 1024)) MiB peak RSS, exit $_rc"
			_bw=$_w
		fi
		_i=$((_i + 1))
	done
	printf '| %-44s | %s |\n' "$_name" "$_best"
}

echo "audit logs: $ENTRIES entries, $(($(stat -c %s "$LOG") / 1048576)) MiB unsigned, $(($(stat -c %s "$SIGNED") / 1048576)) MiB signed; $(nproc) CPUs"
echo "| what | best of $RUNS |"
echo "|---|---|"
best "sha256sum (the bytes once)" sha256sum "$LOG"
best "python3 hashlib+json chain (1 thread)" "$PY" "$DIR/audit-py-chain.py" "$LOG"
best "qgate-deploy audit verify" "$QD" audit verify "$LOG"
best "qgate-deploy audit verify -j1 (taskset 1 CPU)" taskset -c 0 "$QD" audit verify "$LOG"
best "qgate-deploy audit verify --pubkey (signed)" "$QD" audit verify "$SIGNED" --pubkey "$PUB"
best "python3 cryptography signatures (1 thread)" "$PY" "$DIR/audit-py-sig.py" "$SIGNED" "$PUB"
