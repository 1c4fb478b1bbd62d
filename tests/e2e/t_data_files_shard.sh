#!/bin/sh
# t_data_files_shard.sh -- --shard k/N of one file cuts at record boundaries, quotes and CRLF included
#
# The file has CRLF line ends, quoted cells holding newlines (LF and CRLF),
# doubled quotes, and bare quotes inside unquoted cells (a"b: text, as the
# reader keeps it). For N = 2..7, every shard k/N must run (no refusal), and
# the shards together must be the unsharded run: the same rows, the same
# count for every check, and the same violation lines (the data plants fewer
# violations per check than a result lists, so every one is listed). Before
# issue 12, a cut inside a quoted cell was refused (exit 3), and a bare
# quote before the cut made the quote count odd (refused too).
# A shard of one file hashes nothing (sha256 "" with the file's bytes): it
# does not read the whole file; the unsharded run has the digest.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.json" <<'EOF2'
{"fields": [
  {"name": "id", "type": "integer", "constraints": {"required": true, "unique": true}},
  {"name": "v", "type": "integer", "constraints": {"minimum": 0, "maximum": 900}},
  {"name": "s", "type": "string", "constraints": {"enum": ["a", "b", "c"]}},
  {"name": "t", "type": "string"}
 ], "primaryKey": "id"}
EOF2
"$DEBIAN_PY" - "$T/q.csv" <<'EOF2'
import random, sys
random.seed(12)
rows = 3000
bad_v = set(random.sample(range(1, rows + 1), 8))      # v above the maximum
bad_s = set(random.sample(range(1, rows + 1), 6))      # s outside the enum
bad_t = set(random.sample(range(1, rows + 1), 5))      # v not an integer
with open(sys.argv[1], "w", newline="") as f:
    f.write("id,v,s,t\r\n")
    for i in range(1, rows + 1):
        v = "1000" if i in bad_v else ("x1" if i in bad_t else str(random.randint(0, 900)))
        s = "d" if i in bad_s else random.choice("abc")
        k = i % 7
        if k == 0:   # a long quoted cell with LF and CRLF newlines and a doubled quote
            t = '"' + "".join("part %d of %d, \"\"q\"\"\n and\r\n more " % (j, i) for j in range(random.randint(3, 40))) + '"'
        elif k == 1:  # a bare quote inside an unquoted cell: text, not a quote
            t = 'he said 5"6 tall'
        elif k == 2:  # quoted, closing quote then text (kept, as Python's csv)
            t = '"a,b"tail'
        elif k == 3:
            t = '""'
        else:
            t = "plain text %d" % i
        f.write("%d,%s,%s,%s\r\n" % (i, v, s, t))
EOF2

cat >"$T/cmp.py" <<'EOF2'
import json, sys
# usage: cmp.py WHOLE.json SHARD.json...: rows, counts and violation lines agree
def load(p):
    return json.load(open(p))
whole = load(sys.argv[1])
parts = [load(p) for p in sys.argv[2:]]
def checks(d):
    return {c["id"]: c for c in d["checks"]}
W = checks(whole)
bad = []
rows = sum(p["metrics"]["rows"] for p in parts)
if rows != whole["metrics"]["rows"]:
    bad.append(("rows", whole["metrics"]["rows"], rows))
for cid, c in W.items():
    n = sum((checks(p).get(cid, {}).get("count") or 0) for p in parts)
    if (c.get("count") or 0) != n:
        bad.append((cid, c.get("count"), n))
    wl = sorted((l["line"], l.get("column")) for l in c.get("locations", []))
    pl = sorted((l["line"], l.get("column")) for p in parts for l in checks(p).get(cid, {}).get("locations", []))
    if (c.get("count") or 0) < 10 and wl != pl:
        bad.append((cid, "lines", wl, pl))
if bad:
    print("differences:", bad)
    sys.exit(1)
print("equal: %d rows, %d violations" % (rows, sum((c.get("count") or 0) for cid, c in W.items() if not cid.startswith("table.rows"))))
EOF2

expect_exit 1 "unsharded run" qgate-data validate --schema "$T/schema.json" --json "$T/all.json" "$T/q.csv"
validate_result "unsharded result" "$T/all.json"
expect_eq "the data has its rows" "$(json_get "$T/all.json" 'd["metrics"]["rows"]')" "3000"
expect_eq "the violations are all listed" \
	"$(json_get "$T/all.json" 'sorted((c["id"], c.get("count")) for c in d["checks"] if c.get("count"))')" \
	'[["field.s.enum", 6], ["field.v.maximum", 8], ["field.v.type", 5]]'

for n in 2 3 4 5 7; do
	list=""
	k=1
	while [ "$k" -le "$n" ]; do
		qgate-data validate --schema "$T/schema.json" --shard "$k/$n" --json "$T/s$k.json" "$T/q.csv" >"$T/out" 2>"$T/err"
		rc=$?
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
			not_ok "shard $k/$n: exit $rc"
			sed 's/^/#   err: /' "$T/err" | head -5
		fi
		list="$list $T/s$k.json"
		k=$((k + 1))
	done
	validate_result "shard $n/$n result" "$T/s$n.json"
	# shellcheck disable=SC2086 # the list is paths without spaces
	if "$DEBIAN_PY" "$T/cmp.py" "$T/all.json" $list >"$T/cmp.out" 2>&1; then
		ok "--shard k/$n: the shards together are the unsharded run ($(cat "$T/cmp.out"))"
	else
		not_ok "--shard k/$n: the shards differ from the unsharded run"; sed 's/^/#   /' "$T/cmp.out"
	fi
done

# the same file with -j 2 inside each shard: the same answer
qgate-data validate --schema "$T/schema.json" --shard 1/2 -j 2 --json "$T/j1.json" "$T/q.csv" >/dev/null 2>&1
qgate-data validate --schema "$T/schema.json" --shard 2/2 -j 2 --json "$T/j2.json" "$T/q.csv" >/dev/null 2>&1
if "$DEBIAN_PY" "$T/cmp.py" "$T/all.json" "$T/j1.json" "$T/j2.json" >"$T/cmp.out" 2>&1; then
	ok "--shard k/2 -j 2 equals the unsharded run"
else
	not_ok "--shard k/2 -j 2 differs"; sed 's/^/#   /' "$T/cmp.out"
fi

# a record larger than a part: the part before it takes it, this one is empty
"$DEBIAN_PY" - "$T/big.csv" <<'EOF2'
import sys
with open(sys.argv[1], "w", newline="") as f:
    f.write("id,v,s,t\n1,5,a,\"" + "x\n" * 5000 + "\"\n2,5,a,y\n")
EOF2
for k in 1 2 3 4; do
	qgate-data validate --schema "$T/schema.json" --shard "$k/4" --json "$T/b$k.json" "$T/big.csv" >/dev/null 2>"$T/err"
	rc=$?
	if [ "$rc" -ne 0 ]; then not_ok "big record, shard $k/4: exit $rc"; sed 's/^/#   err: /' "$T/err" | head -3; fi
done
expect_eq "big record: rows by shard" \
	"$(for k in 1 2 3 4; do json_get "$T/b$k.json" 'd["metrics"]["rows"]'; done | tr '\n' ' ')" "1 0 0 1 "

# an unterminated quote swallows the rest of the file: the shard where it
# opens says where, and the shards after it fail too (never a pass on nothing)
"$DEBIAN_PY" - "$T/unt.csv" <<'EOF2'
import sys
with open(sys.argv[1], "w") as f:
    f.write("id,v,s,t\n")
    for i in range(1, 2001):
        f.write("%d,5,a,%s\n" % (i, '"open' if i == 700 else "x"))
EOF2
expect_exit 3 "unterminated quote, unsharded" qgate-data validate --schema "$T/schema.json" "$T/unt.csv"
expect_exit 3 "unterminated quote, shard 1/3 (it opens there)" qgate-data validate --schema "$T/schema.json" --shard 1/3 "$T/unt.csv"
expect_grep "shard 1/3 names the line" "unt.csv':701:9: unterminated quoted field" "$T/err"
expect_exit 3 "unterminated quote, shard 2/3 does not pass on nothing" qgate-data validate --schema "$T/schema.json" --shard 2/3 "$T/unt.csv"
expect_grep "shard 2/3 says why" "is not closed at the end of the file: --shard 2/3 has no record" "$T/err"
expect_exit 3 "unterminated quote, shard 3/3 does not pass on nothing" qgate-data validate --schema "$T/schema.json" --shard 3/3 "$T/unt.csv"

# digests: the whole run names the file's, a shard of the file does not compute it
expect_eq "unsharded: the file's sha256" "$(json_get "$T/all.json" 'd["subject"]["artifacts"][0]["sha256"]')" \
	"$(sha256sum "$T/q.csv" | cut -d' ' -f1)"
expect_eq "shard 2/3 of one file: no digest, the file's bytes" \
	"$(json_get "$T/s2.json" '(d["subject"]["artifacts"][0]["sha256"], d["subject"]["artifacts"][0]["bytes"])')" \
	"[null, $(wc -c <"$T/q.csv" | tr -d ' ')]"
done_testing
