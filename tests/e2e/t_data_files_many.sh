#!/bin/sh
# t_data_files_many.sh -- 2,000 small files read as one: the same result as their concatenation
#
# A folder of 2,000 CSV files (a header and a few rows each; the last one
# without a final newline, one with CRLF) against one file holding the same
# rows: validate must give the same rows and the same count for every check,
# and its locations must name the right file and line; profile must give the
# same statistics. Readers are re-used from file to file (issue 12), so a
# state left over from one file (a long record's buffer, a CRLF, a missing
# final newline, a header) must not leak into the next.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.json" <<'EOF2'
{"fields": [
  {"name": "id", "type": "integer", "constraints": {"required": true, "unique": true}},
  {"name": "v", "type": "integer", "constraints": {"minimum": 0, "maximum": 900}},
  {"name": "s", "type": "string", "constraints": {"enum": ["a", "b", "c"]}},
  {"name": "t", "type": "string", "constraints": {"maxLength": 5000}}
 ], "primaryKey": "id"}
EOF2
"$DEBIAN_PY" - "$T" <<'EOF2'
import os, random, sys
random.seed(7)
d = sys.argv[1]
os.makedirs(d + "/many")
one = open(d + "/one.csv", "w", newline="")
one.write("id,v,s,t\n")
i = 0
for k in range(2000):
    eol = "\r\n" if k == 1000 else "\n"
    rows = []
    for _ in range(random.randint(1, 4)):
        i += 1
        v = random.choice([str(random.randint(0, 1000)), "x"])
        s = random.choice("abcd")
        t = random.choice(["plain", '"quoted, comma"', '"multi\nline"', "y" * (6000 if i == 77 else 3)])
        rows.append("%d,%s,%s,%s" % (i, v, s, t))
    body = eol.join(rows) + ("" if k == 1999 else eol)
    with open(d + "/many/f%04d.csv" % k, "w", newline="") as f:
        f.write("id,v,s,t" + eol + body)
    one.write("\n".join(rows) + "\n")
one.close()
EOF2

expect_exit 1 "validate the folder" qgate-data validate --schema "$T/schema.json" --json "$T/many.json" "$T/many"
validate_result "folder result" "$T/many.json"
expect_exit 1 "validate the concatenation" qgate-data validate --schema "$T/schema.json" --json "$T/one.json" "$T/one.csv"
validate_result "concatenation result" "$T/one.json"
counts='(d["metrics"]["rows"], sorted((c["id"], c.get("count")) for c in d["checks"]))'
expect_eq "validate: the same rows and counts" "$(json_get "$T/many.json" "$counts")" "$(json_get "$T/one.json" "$counts")"
expect_eq "validate: 2,000 artifacts" "$(json_get "$T/many.json" 'len(d["subject"]["artifacts"])')" "2000"
# every location of the folder run holds what it says
"$DEBIAN_PY" - "$T/many.json" >"$T/loc.out" 2>&1 <<'EOF2'
import csv, io, json, sys
d = json.load(open(sys.argv[1]))
bad = n = 0
for c in d["checks"]:
    if c["id"] not in ("field.v.maximum", "field.s.enum", "field.t.maxLength"):
        continue
    for l in c["locations"]:
        text = open(l["file"], newline="").read()
        # the record starting on that physical line
        lines = text.split("\n")
        rec = next(csv.reader(io.StringIO("\n".join(lines[l["line"] - 1:]))))
        v, s, t = rec[1], rec[2], rec[3]
        ok = {"field.v.maximum": lambda: v.isdigit() and int(v) > 900,
              "field.s.enum": lambda: s == "d",
              "field.t.maxLength": lambda: len(t) > 5000}[c["id"]]()
        n += 1
        if not ok:
            bad += 1
            print("wrong location", c["id"], l)
print("%d locations checked, %d wrong" % (n, bad))
sys.exit(1 if bad or not n else 0)
EOF2
if [ $? -eq 0 ]; then ok "validate: locations name the file and line ($(tail -1 "$T/loc.out"))"; else not_ok "validate: locations"; sed 's/^/#   /' "$T/loc.out" | head; fi

expect_exit 0 "profile the folder" qgate-data profile --schema "$T/schema.json" --no-hash --profile-out "$T/pm.json" "$T/many"
expect_exit 0 "profile the concatenation" qgate-data profile --schema "$T/schema.json" --no-hash --profile-out "$T/p1.json" "$T/one.csv"
"$DEBIAN_PY" - "$T/pm.json" "$T/p1.json" >"$T/prof.out" 2>&1 <<'EOF2'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def stats(d):
    out = {}
    for f in d["fields"]:
        g = dict(f)
        for k in ("sketches", "quantiles", "histogram"):   # sketch bytes depend on the merge order
            g.pop(k, None)
        out[f["name"]] = g
    return out, d.get("rows")
sa, sb = stats(a), stats(b)
if sa != sb:
    for name in sa[0]:
        if sa[0][name] != sb[0].get(name):
            print(name, {k: (sa[0][name].get(k), sb[0][name].get(k)) for k in sa[0][name] if sa[0][name].get(k) != sb[0][name].get(k)})
    sys.exit(1)
print("%d fields equal" % len(sa[0]))
EOF2
if [ $? -eq 0 ]; then ok "profile: the folder's statistics are the concatenation's ($(cat "$T/prof.out"))"; else not_ok "profile: statistics differ"; sed 's/^/#   /' "$T/prof.out" | head; fi
# Finished files are folded as they end (counts, examples, key sets), so
# memory does not grow with the number of files: the examples must still
# come in data order and duplicates between files (integer ids kept as
# intervals, string ids as hashes) must be found with both lines.
expect_eq "validate: examples in data order" "$(json_get "$T/many.json" 'all([(l["file"], l["line"]) for l in c["locations"]] == sorted((l["file"], l["line"]) for l in c["locations"]) for c in d["checks"] if c["id"] != "field.id.unique")')" "true"
cat >"$T/keys.json" <<'EOF2'
{"fields": [
  {"name": "id", "type": "integer", "constraints": {"unique": true}},
  {"name": "code", "type": "string", "constraints": {"unique": true}}
 ]}
EOF2
"$DEBIAN_PY" - "$T" <<'EOF2'
import os, sys
d = sys.argv[1] + "/keys"
os.makedirs(d)
for k in range(600):
    with open(d + "/k%04d.csv" % k, "w") as f:
        f.write("id,code\n")
        for r in range(5):
            i = k * 5 + r
            # file 450 repeats id 17 (file 3) and code c0042 (file 8)
            if k == 450 and r == 2:
                f.write("17,c0042\n")
            else:
                f.write("%d,c%04d\n" % (i, i))
EOF2
expect_exit 1 "600 files: duplicates between files" qgate-data validate --schema "$T/keys.json" -j 2 --json "$T/keys.out.json" "$T/keys"
validate_result "600 files result" "$T/keys.out.json"
# integer ids are intervals, which keep no lines: the repeat is located by
# a second read of the key column (validate_locate.c)
expect_eq "integer id repeated once, both lines named" "$(json_get "$T/keys.out.json" '[(c["count"], c["locations"][0]["file"].split("/")[-1], c["locations"][0]["line"], c["locations"][0]["message"]) for c in d["checks"] if c["id"] == "field.id.unique"][0]')" "[1, \"k0450.csv\", 4, \"value 17 appears more than once (first in '$T/keys/k0003.csv' on line 4)\"]"
# one file of 22 MB read by two threads (pieces of at least 8 MiB): the
# repeats at the end are in the second piece, their first lines in the first
"$DEBIAN_PY" - "$T" <<'EOF2'
import sys
with open(sys.argv[1] + "/big.csv", "w") as f:
    f.write("id,code\n")
    for i in range(1, 1400001):
        f.write("%d,c%d\n" % (i, i))
    for i in range(1000, 1003):
        f.write("%d,r%d\n" % (i, i))
EOF2
expect_exit 1 "one file, -j 2: repeated ids at the end" qgate-data validate --schema "$T/keys.json" -j 2 --json "$T/big.out.json" "$T/big.csv"
expect_eq "each repeat with both lines" "$(json_get "$T/big.out.json" '[(c["count"], [(l["line"], l["message"]) for l in c["locations"]]) for c in d["checks"] if c["id"] == "field.id.unique"][0]')" \
	"[3, [[1400002, \"value 1000 appears more than once (first on line 1001)\"], [1400003, \"value 1001 appears more than once (first on line 1002)\"], [1400004, \"value 1002 appears more than once (first on line 1003)\"]]]"
expect_exit 1 "the same from stdin: counted, not re-read" qgate-data validate --schema "$T/keys.json" -j 2 --json "$T/big.stdin.json" - <"$T/big.csv"
expect_eq "stdin: the count stands" "$(json_get "$T/big.stdin.json" '[c["count"] for c in d["checks"] if c["id"] == "field.id.unique"][0]')" "3"
expect_eq "string code repeated once, its first file named" "$(json_get "$T/keys.out.json" '[(c["count"], c["locations"][0]["file"].split("/")[-1], c["locations"][0]["line"], c["locations"][0]["message"]) for c in d["checks"] if c["id"] == "field.code.unique"][0]')" "[1, \"k0450.csv\", 4, \"duplicate value (first in '$T/keys/k0008.csv' on line 4)\"]"

done_testing
