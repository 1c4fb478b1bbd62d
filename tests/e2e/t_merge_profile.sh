#!/bin/sh
# t_merge_profile.sh -- qgate merge of qgate-data profile shards, through the data gate's sketches
#
# A real 60,000-row CSV (a numeric column with nulls, a categorical one with
# heavy hitters, a high-cardinality one) profiled whole and as 3 byte-range
# shards (`--shard I/N --profile-out o/profile.json --out o` on each "CI
# machine", the folder then gathered as s1..s3). `qgate merge` hands the
# shards' profiles to `qgate-data profile --merge`: the merged profile has the
# unsharded one's exact statistics (rows, count, nulls, min, max, sum, mean,
# distinct count), quantiles within the KLL rank bound against the data's true
# ranks, top values within their space-saving error; a drift check against it
# gives the verdicts the unsharded baseline gives, on data that drifted and on
# data that did not; the same over a folder of 5 files (one gzipped). Refused: a missing shard (3), a shard whose profile is
# gone (3) or was rewritten since (3), a shard of another configuration (2).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

"$DEBIAN_PY" - <<'P'
import random
random.seed(7)
def write(name, n, shift, seed):
    r = random.Random(seed)
    with open(name, "w") as f:
        f.write("id,x,cat,note\n")
        for i in range(1, n + 1):
            x = "" if i % 50 == 0 else "%.3f" % r.gauss(10 + shift, 3)
            c = r.choice("abcdefghij") if i % 7 else "zz%d" % (i % 300)
            f.write("%d,%s,%s,n%d\n" % (r.randint(1, 60000), x, c, i % 1000))
write("data.csv", 60000, 0, 7)
write("same.csv", 20000, 0, 11)
write("drifted.csv", 20000, 2.0, 12)
P
expect_exit 0 "the unsharded profile" qgate-data profile data.csv --profile-out full.json --out full -q
for k in 1 2 3; do
	mkdir -p o
	qgate-data profile data.csv --shard $k/3 --profile-out o/profile.json --out o -q >/dev/null 2>&1
	echo $? >rc$k
	mv o s$k
done
expect_eq "three shards profiled" "$(cat rc1 rc2 rc3 | tr '\n' ' ')" "0 0 0 "
expect_eq "a shard records its invocation and the profile's sha256" \
	"$(json_get s2/data-profile.json '[d["invocation"]["shard"], len(d["metrics"]["profile"]["sha256"])]')" '["2/3", 64]'
expect_eq "the shards' rows add up to the whole (a byte-range split)" \
	"$(for k in 1 2 3; do json_get s$k/profile.json 'd["rows"]'; done | awk '{s+=$1} END {print s}')" 60000
expect_exit 0 "qgate merge of the 3 profile shards" qgate merge --out m s1 s2 s3
expect_file "the merged profile, named as the shards' was" m/profile.json
expect_file "the merge's result" m/data-profile.json
validate_result "  the merge's result" m/data-profile.json
validate_junit "  the merge's JUnit" m/data-profile.xml
expect_eq "the merged profile has the unsharded one's rows" "$(json_get m/profile.json 'd["rows"]')" 60000

EXACT='[(f["name"], f["count"], f["nulls"], f.get("min"), f.get("max"), f.get("sketches", {}).get("moments", {}).get("sum"), round(f["mean"], 9) if f.get("mean") is not None else None, f["distinct"]) for f in d["fields"]]'
expect_eq "exact statistics equal the unsharded profile's (count, nulls, min, max, sum, mean, distinct)" \
	"$(json_get m/profile.json "$EXACT")" "$(json_get full.json "$EXACT")"

# quantiles: the true rank of each merged quantile within the KLL bound (1.65%, plus ties)
expect_eq "merged quantiles within the KLL rank bound of the data's true ranks" "$("$DEBIAN_PY" - <<'P'
import csv, json, bisect
m = json.load(open("m/profile.json"))
cols = {"id": [], "x": []}
for row in csv.DictReader(open("data.csv")):
    for c in cols:
        if row[c] != "":
            cols[c].append(float(row[c]))
bad = []
for f in m["fields"]:
    if f["name"] not in cols:
        continue
    v = sorted(cols[f["name"]])
    for k, q in f["quantiles"].items():
        p = int(k[1:]) / 100.0
        lo, hi = bisect.bisect_left(v, q) / len(v), bisect.bisect_right(v, q) / len(v)
        if not (lo - 0.0165 <= p <= hi + 0.0165):
            bad.append((f["name"], k, q, lo, hi))
print(bad if bad else "ok")
P
)" ok
expect_eq "merged top values: true counts within each one's space-saving error" "$("$DEBIAN_PY" - <<'P'
import csv, json, collections
m = json.load(open("m/profile.json"))
rows = list(csv.DictReader(open("data.csv")))
bad = []
for f in m["fields"]:
    true = collections.Counter(r[f["name"]] for r in rows if r[f["name"]] != "")
    for t in f.get("top", []):
        tc = sum(n for v, n in true.items() if v == t["value"] or (f["name"] in ("id", "x") and float(v) == float(t["value"])))
        if not (t["count"] - t["error"] <= tc <= t["count"]):
            bad.append((f["name"], t, tc))
print(bad if bad else "ok")
P
)" ok
expect_eq "the heavy hitters (cat) are the unsharded profile's, counts equal" \
	"$(json_get m/profile.json '[(t["value"], t["count"]) for t in [f for f in d["fields"] if f["name"] == "cat"][0]["top"][:10]]')" \
	"$(json_get full.json '[(t["value"], t["count"]) for t in [f for f in d["fields"] if f["name"] == "cat"][0]["top"][:10]]')"

# drift against the merged profile: the unsharded baseline's verdicts
DV='[(c["id"], c["status"]) for c in d["checks"]]'
for data in same.csv drifted.csv; do
	qgate-data drift --baseline full.json --psi-max 0.1 "$data" --json "full-$data.json" -q >/dev/null 2>&1
	echo $? >"full-$data.rc"
	qgate-data drift --baseline m/profile.json --psi-max 0.1 "$data" --json "m-$data.json" -q >/dev/null 2>&1
	echo $? >"m-$data.rc"
	expect_eq "drift of $data: the same exit against the merged and the unsharded baseline" \
		"$(cat "m-$data.rc")" "$(cat "full-$data.rc")"
	expect_eq "  the same checks and statuses" "$(json_get "m-$data.json" "$DV")" "$(json_get "full-$data.json" "$DV")"
	validate_result "  the drift result" "m-$data.json"
done
expect_eq "  (the drifted data does drift, the other does not)" "$(cat full-same.csv.rc full-drifted.csv.rc | tr '\n' ' ')" "0 1 "
expect_eq "  PSI of x against both baselines within 0.02" \
	"$("$DEBIAN_PY" -c '
import json
f = lambda p: [c["observed"] for c in json.load(open(p))["checks"] if c["id"] == "drift.x"][0]
print(abs(f("m-drifted.csv.json") - f("full-drifted.csv.json")) < 0.02)')" True

# --- a dataset of several files (each shard takes whole files), one of them gzipped
mkdir -p parts
"$DEBIAN_PY" - <<'P'
import csv, gzip
rows = list(csv.reader(open("data.csv")))
head, body = rows[0], rows[1:]
for k in range(5):
    part = body[k * 12000:(k + 1) * 12000]
    name = "parts/p%d.csv" % k + (".gz" if k == 3 else "")
    f = gzip.open(name, "wt", newline="") if k == 3 else open(name, "w", newline="")
    w = csv.writer(f, lineterminator="\n")
    w.writerow(head)
    w.writerows(part)
    f.close()
P
expect_exit 0 "the unsharded profile of 5 files" qgate-data profile parts --profile-out fullp.json --out fullp -q
for k in 1 2 3; do
	mkdir -p o
	qgate-data profile parts --shard $k/3 --profile-out o/profile.json --out o -q >/dev/null 2>&1
	mv o p$k
done
expect_exit 0 "qgate merge of their 3 shards" qgate merge --out pm p1 p2 p3
expect_eq "  exact statistics equal the unsharded profile's" \
	"$(json_get pm/profile.json "$EXACT")" "$(json_get fullp.json "$EXACT")"
expect_eq "  and the single file's (the same rows)" \
	"$(json_get pm/profile.json "$EXACT")" "$(json_get full.json "$EXACT")"

# --- refusals
expect_exit 3 "a missing shard" qgate merge --out x s1 s3
expect_grep "  named" "shard 2/3 missing" "$T/err"
cp -r s2 gone && rm gone/profile.json
expect_exit 3 "a shard whose profile is not beside its result" qgate merge --out x s1 gone s3
expect_grep "  names it" "gone/data-profile.json.*its profile 'o/profile.json' is not beside it" "$T/err"
cp -r s2 moved && cp s1/profile.json moved/profile.json
expect_exit 3 "a shard whose profile was replaced since" qgate merge --out x s1 moved s3
expect_grep "  names it" "moved/profile.json': changed since shard 2/3 wrote it" "$T/err"
mkdir -p o
qgate-data profile data.csv --delimiter ';' --shard 2/3 --profile-out o/profile.json --out o -q >/dev/null 2>&1
mv o other
expect_exit 2 "a shard of another configuration" qgate merge --out x s1 other s3
expect_grep "  says why" "different arguments or configuration" "$T/err"
expect_no_file "  nothing merged" x/profile.json

# each CI machine may pick its own output paths and thread count: --profile-out,
# --out and -j are not part of the fingerprint, and the fresh --out folder is made
for k in 1 2 3; do
	qgate-data profile data.csv --shard $k/3 --profile-out "own$k/p$k.json" --out "own$k" -j $k -q >/dev/null 2>&1
	echo $? >rc$k
done
expect_eq "shards with their own paths and -j: profiled into fresh folders" "$(cat rc1 rc2 rc3 | tr '\n' ' ')" "0 0 0 "
expect_exit 0 "shards with their own paths and -j: merged" qgate merge --out own own1 own2 own3
expect_eq "  the merged profile has the unsharded one's rows" "$(json_get own/p1.json 'd["rows"]')" 60000

done_testing
