#!/bin/sh
# t_deploy_audit.sh -- the hash-chained audit log: written by push, checked by `audit verify`
#
# Entries come from real `qgate-deploy push --audit-log --sign-key` runs into
# an OCI layout (the copy kept with the target too) and from an independent
# Python writer that follows the documented format (so the format, not just
# our own writer, is what verify checks); Python's `cryptography` checks the
# C writer's chain and Ed25519 signatures the other way round. Tamper cases:
# an edited field, a deleted line, two lines swapped, an inserted line, a
# cut last line, the newest entry removed (--head), a wrong key, a missing
# signature; each exit 1 naming the line. Not an audit log: exit 3 naming
# file:line. Concurrent appends keep one unbroken chain.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
D=qgate-deploy

if ! command -v openssl >/dev/null 2>&1; then
	skip "openssl is missing: cannot make Ed25519 keys, audit tests NOT RUN"
	done_testing
	exit 0
fi
openssl genpkey -algorithm ed25519 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out pub.pem
openssl genpkey -algorithm ed25519 -out other.pem 2>/dev/null
openssl pkey -in other.pem -pubout -out other.pub.pem
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out rsa.pem 2>/dev/null

# --- five pushes, signed, into a layout: the log and its copy in the layout
printf 'model v1\n' >model.bin
i=1
while [ $i -le 5 ]; do
	printf 'model v%s\n' $i >model.bin
	"$D" push --to "oci-layout:L:v$i" --audit-log audit.jsonl --sign-key key.pem model.bin >"$T/out" 2>"$T/err" ||
		{ diag "push $i failed: $(cat "$T/err")"; break; }
	i=$((i + 1))
done
if [ $i -le 5 ]; then
	skip "qgate-deploy push cannot write the log yet: the rest of this test NOT RUN"
	done_testing
	exit 0
fi
expect_eq "five entries" "$(wc -l <audit.jsonl | tr -d ' ')" 5
expect_file "the copy kept with the layout" L/qgate-audit.jsonl
expect_exit 0 "verify the log" "$D" audit verify audit.jsonl --pubkey pub.pem --json v.json --junit v.xml
validate_result "verify result" v.json
validate_junit "verify junit" v.xml
expect_eq "checks" "$(json_get v.json '[(c["id"], c["status"]) for c in d["checks"]]')" \
	'[["audit.chain", "pass"], ["audit.signatures", "pass"]]'
expect_eq "entries metric" "$(json_get v.json 'd["metrics"]["audit"]["entries"]')" 5
expect_exit 0 "verify the copy in the layout" "$D" audit verify L/qgate-audit.jsonl --pubkey pub.pem
expect_exit 0 "... named by the target" "$D" audit verify oci-layout:L --pubkey pub.pem --json copy.json
expect_eq "... five entries there too" "$(json_get copy.json 'd["metrics"]["audit"]["entries"]')" 5
expect_exit 2 "... a target with a tag" "$D" audit verify oci-layout:L:v1
expect_exit 3 "... a remote store that does not answer: exit 3" "$D" audit verify oci://127.0.0.1:1/repo --insecure
expect_grep "... names it" "127\.0\.0\.1:1" "$T/err"
expect_exit 2 "... a remote store with a tag: exit 2" "$D" audit verify oci://127.0.0.1:1/repo:v1 --insecure
expect_grep "... says to name the store alone" "without a tag or digest" "$T/err"
expect_exit 2 "... an s3:// prefix with a tag: exit 2" "$D" audit verify s3://bucket/prefix:v1
expect_exit 0 "verify without a key: signatures skipped" "$D" audit verify audit.jsonl --json nokey.json
expect_eq "signatures skipped" "$(json_get nokey.json '[c["status"] for c in d["checks"] if c["id"] == "audit.signatures"]')" '["skip"]'

# --- an independent reader: every member, the chain, the signatures (Python cryptography)
cat >oracle.py <<'EOF'
import base64, hashlib, json, sys
from cryptography.hazmat.primitives.serialization import load_pem_public_key
pub = load_pem_public_key(open(sys.argv[2], "rb").read())
raw = pub.public_bytes_raw() if hasattr(pub, "public_bytes_raw") else None
prev = "sha256:" + hashlib.sha256(b"").hexdigest()
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert lines[-1] == b"", "ends with a newline"
for n, line in enumerate(lines[:-1], 1):
    e = json.loads(line)
    assert list(e) == ["schema", "seq", "time", "actor", "action", "target", "tag", "digest_before",
                       "digest_after", "commit", "evidence", "verdict", "prev", "key", "sig"], list(e)
    assert e["schema"] == "qgate.audit/v1" and e["seq"] == n and e["prev"] == prev, n
    assert e["time"].endswith("Z") and e["action"] == "push", e
    cut = line.rindex(b',"sig":')
    pub.verify(base64.b64decode(e["sig"]), line[:cut] + b"}")
    prev = "sha256:" + hashlib.sha256(line).hexdigest()
print(prev)
EOF
if "$DEBIAN_PY" -c 'import cryptography' 2>/dev/null; then
	if "$DEBIAN_PY" oracle.py audit.jsonl pub.pem >oracle.out 2>oracle.err; then
		ok "Python reads the same chain and verifies every signature"
		expect_eq "the head Python computes is the one verify reports" "$(cat oracle.out)" \
			"$(json_get v.json 'd["metrics"]["audit"]["head"]')"
	else
		not_ok "Python's reading of the log: $(tail -1 oracle.err)"
	fi
else
	skip "Python cryptography is missing: the independent check NOT RUN"
fi
expect_eq "actor: GITHUB_ACTOR when set" \
	"$(GITHUB_ACTOR=octocat "$D" push --to oci-layout:L:gh --audit-log gh.jsonl model.bin >/dev/null 2>&1; json_get gh.jsonl 'd["actor"]')" octocat

# --- a log written by a second, independent writer verifies (the documented format)
cat >writer.py <<'EOF'
import hashlib, sys
prev = "sha256:" + hashlib.sha256(b"").hexdigest()
out = open(sys.argv[1], "wb")
for seq in range(1, int(sys.argv[2]) + 1):
    line = ('{"schema":"qgate.audit/v1","seq":%d,"time":"2026-12-07T01:00:%02dZ","actor":"ci","action":"promote",'
            '"target":"oci-layout:/srv/models","tag":"prod","digest_before":"sha256:%064x","digest_after":"sha256:%064x",'
            '"commit":"%040x","evidence":["sha256:%064x"],"verdict":"pass","prev":"%s"}'
            % (seq, seq % 60, seq, seq + 1, seq, seq, prev)).encode()
    out.write(line + b"\n")
    prev = "sha256:" + hashlib.sha256(line).hexdigest()
print(prev)
EOF
PYHEAD=$("$DEBIAN_PY" writer.py py.jsonl 6)
expect_exit 0 "a log from another writer verifies" "$D" audit verify py.jsonl --head "$PYHEAD"

# tamper CASE FILE EXIT LINE PATTERN [ARGS...]: verify exits EXIT and a
# location names LINE with a message matching PATTERN
tamper() {
	_tc=$1; _tf=$2; _tx=$3; _tl=$4; _tp=$5; shift 5
	expect_exit "$_tx" "$_tc: exit $_tx" "$D" audit verify "$_tf" --json "$_tc.json" "$@"
	validate_result "$_tc: result" "$_tc.json"
	json_get "$_tc.json" '"\n".join("%s:%s: %s" % (l["file"], l["line"], l.get("message", "")) for c in d["checks"] for l in c.get("locations", []))' >"$_tc.locs"
	expect_grep "$_tc: line $_tl named" "^$_tf:$_tl: .*$_tp" "$_tc.locs"
}

# --- an edited field (line 3's tag): the chain breaks at line 3's successor, the signature at 3
sed '3s/"tag":"v3"/"tag":"v9"/' audit.jsonl >edit.jsonl
tamper edit edit.jsonl 1 3 'entry 3 was edited'
tamper edit-signed edit.jsonl 1 3 'entry 3: bad signature' --pubkey pub.pem
# the last line edited: only its signature shows it (no successor), and --head
sed '5s/"tag":"v5"/"tag":"v0"/' audit.jsonl >edit5.jsonl
tamper edit-last edit5.jsonl 1 5 'bad signature' --pubkey pub.pem
HEAD=$(json_get v.json 'd["metrics"]["audit"]["head"]')
expect_exit 1 "edit-last: --head shows it without a key" "$D" audit verify edit5.jsonl --head "$HEAD"

# --- a deleted line
sed '3d' audit.jsonl >del.jsonl
tamper delete del.jsonl 1 3 'entry 3 is missing before entry 4: removed'
sed '1d' audit.jsonl >del1.jsonl
tamper delete-first del1.jsonl 1 1 'entry 1 is missing before entry 2'
sed '$d' audit.jsonl >dellast.jsonl
expect_exit 0 "the newest entry removed: the chain alone cannot see it" "$D" audit verify dellast.jsonl
expect_exit 1 "... --head does" "$D" audit verify dellast.jsonl --head "$HEAD" --json head.json
expect_eq "audit.head fails" "$(json_get head.json '[c["status"] for c in d["checks"] if c["id"] == "audit.head"]')" '["fail"]'

# --- two lines swapped
{ sed -n 1p audit.jsonl; sed -n 3p audit.jsonl; sed -n 2p audit.jsonl; sed -n '4,$p' audit.jsonl; } >swap.jsonl
tamper swap swap.jsonl 1 2 'reordered'

# --- an inserted line (a forged entry linked to line 2, put after it)
{ sed -n '1,2p' audit.jsonl; sed -n '3p' audit.jsonl | sed 's/"tag":"v3"/"tag":"forged"/'; sed -n '3,$p' audit.jsonl; } >ins.jsonl
tamper insert ins.jsonl 1 4 'line 3 was inserted or moved'
tamper insert-signed ins.jsonl 1 3 'bad signature' --pubkey pub.pem

# --- the last line cut
head -c -40 audit.jsonl >cut.jsonl
tamper truncate cut.jsonl 1 5 'cut off'
head -c -1 audit.jsonl >nonl.jsonl
tamper no-newline nonl.jsonl 1 5 'no newline'

# --- keys: the wrong one, an unsigned log with --pubkey, a key that is not Ed25519
tamper wrong-key audit.jsonl 1 1 'not by the --pubkey key' --pubkey other.pub.pem
tamper unsigned py.jsonl 1 1 'entry 1 is not signed' --pubkey pub.pem
expect_exit 0 "a private key file verifies too (its public half)" "$D" audit verify audit.jsonl --pubkey key.pem
expect_exit 3 "an RSA key is refused" "$D" audit verify audit.jsonl --pubkey rsa.pem
expect_grep "names the key file" "rsa.pem.*Ed25519" "$T/err"
expect_exit 3 "a missing key file" "$D" audit verify audit.jsonl --pubkey nope.pem
expect_exit 3 "push with an RSA --sign-key" "$D" push --to oci-layout:L:x --audit-log rsa.jsonl --sign-key rsa.pem model.bin

# --- a key rotation: entries 1-2 signed by one key, 3 by the next; --pubkey repeatable
for k in 1 2; do "$D" push --to "oci-layout:R:r$k" --audit-log rot.jsonl --sign-key key.pem model.bin >/dev/null 2>&1; done
"$D" push --to oci-layout:R:r3 --audit-log rot.jsonl --sign-key other.pem model.bin >/dev/null 2>&1
expect_exit 0 "rotation: both keys given" "$D" audit verify rot.jsonl --pubkey pub.pem --pubkey other.pub.pem --json rot.json
expect_eq "rotation: 3 entries signed" "$(json_get rot.json 'd["metrics"]["audit"]["signed"]')" 3
tamper rotation-old-key-only rot.jsonl 1 3 'not by the --pubkey key' --pubkey pub.pem

# --- not an audit log: exit 3 naming file:line
printf 'hello\n' >notjson.txt
expect_exit 3 "not JSON" "$D" audit verify notjson.txt
expect_grep "not JSON: file:line" "notjson.txt':1: not an audit entry" "$T/err"
sed '3s/qgate.audit\/v1/other\/v1/' audit.jsonl >schema.jsonl
expect_exit 3 "a line of another schema" "$D" audit verify schema.jsonl --json schema.json
expect_grep "schema: file:line" "schema.jsonl':3: not an audit entry: \"schema\"" "$T/err"
validate_result "schema: result written" schema.json
expect_eq "schema: status error" "$(json_get schema.json 'd["status"]')" error
sed '2s/"seq":2,/"seq":2,"extra":1,/' audit.jsonl >extra.jsonl
expect_exit 3 "an unknown member" "$D" audit verify extra.jsonl
expect_grep "unknown member named" "extra.jsonl':2: .*unknown member \"extra\"" "$T/err"
: >empty.jsonl
expect_exit 3 "an empty file" "$D" audit verify empty.jsonl
expect_exit 3 "a missing file" "$D" audit verify nope.jsonl
expect_exit 3 "a folder" "$D" audit verify L

# --- usage
expect_exit 2 "no audit command" "$D" audit
expect_exit 2 "unknown audit command" "$D" audit frob audit.jsonl
expect_grep "says what is expected" "unknown audit command 'frob' \(expected 'verify FILE'\)" "$T/err"
expect_exit 2 "two files" "$D" audit verify a b
expect_exit 2 "bad --head" "$D" audit verify audit.jsonl --head sha256:12

# --- appending refuses a log whose last line is cut (fail closed)
cp cut.jsonl append.jsonl
expect_exit 3 "push onto a cut log" "$D" push --to oci-layout:L:y --audit-log append.jsonl model.bin
expect_grep "names the log" "append.jsonl.*incomplete" "$T/err"

# --- concurrent appends: one unbroken chain
: >conc.jsonl
( for k in 1 2 3 4 5 6; do "$D" push --to "oci-layout:C1:a$k" --audit-log conc.jsonl model.bin >/dev/null 2>&1; done ) &
P1=$!
( for k in 1 2 3 4 5 6; do "$D" push --to "oci-layout:C2:b$k" --audit-log conc.jsonl model.bin >/dev/null 2>&1; done ) &
P2=$!
wait $P1 $P2
expect_eq "12 entries from two writers" "$(wc -l <conc.jsonl | tr -d ' ')" 12
expect_exit 0 "the interleaved log verifies" "$D" audit verify conc.jsonl

done_testing
