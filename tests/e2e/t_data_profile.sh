#!/bin/sh
# t_data_profile.sh -- qgate-data profile: statistics against numpy, shards
# merged equal to the whole (exactly for count/min/max/mean, within the
# stated sketch bounds for quantiles and distinct counts), -j, usage errors.
. "$(dirname "$0")/lib.sh"
E=$QG_ROOT/tests/e2e

"$DEBIAN_PY" "$E/data_drift_gen.py" "$T" || { not_ok "generate data"; done_testing; exit 1; }
expect_exit 0 "profile" qgate-data profile "$T/base.csv" --profile-out "$T/p.json" --json "$T/r.json" --junit "$T/r.xml"
validate_result "profile result" "$T/r.json"
validate_junit "profile junit" "$T/r.xml"
expect_eq "profile schema" "$(json_get "$T/p.json" 'd["schema"]')" "qgate.profile/v1"
expect_eq "rows" "$(json_get "$T/p.json" 'd["rows"]')" 20000
expect_eq "kinds" "$(json_get "$T/p.json" '[f["type"] for f in d["fields"]]')" \
	'["numeric", "numeric", "categorical", "categorical", "categorical"]'
expect_eq "bounds stated" "$(json_get "$T/p.json" 'd["bounds"]["quantiles"]["rank_error"]')" 0.0165

# statistics against numpy: count/min/max exact, mean and variance to 1e-12
cat >"$T/stats.py" <<'PY'
import csv, json, math, sys
import numpy as np
p = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2], newline="")))
bad = 0
for f in p["fields"]:
    vals = [r[f["name"]] for r in rows if r[f["name"]] != ""]
    if f["count"] != len(vals) or f["nulls"] != len(rows) - len(vals):
        print("count mismatch", f["name"]); bad += 1
    if f["type"] != "numeric":
        continue
    x = np.array([float(v) for v in vals])
    mean = math.fsum(x) / len(x)
    var = float(np.var(x, ddof=1))
    for what, ref, got, tol in (("min", x.min(), f["min"], 0), ("max", x.max(), f["max"], 0),
                                ("mean", mean, f["mean"], 1e-12 * max(1, abs(mean))),
                                ("variance", var, f["variance"], 1e-12 * var)):
        ok = abs(ref - got) <= tol
        print("%s %s numpy %.17g gate %.17g %s" % (f["name"], what, ref, got, "ok" if ok else "MISMATCH"))
        bad += not ok
    # quantiles within the stated rank error
    xs = np.sort(x)
    for k, q in (("p10", .1), ("p50", .5), ("p90", .9)):
        r = np.searchsorted(xs, f["quantiles"][k], side="right") / len(xs)
        ok = abs(r - q) <= p["bounds"]["quantiles"]["rank_error"] + 1.0 / len(xs)
        print("%s %s rank %.4f %s" % (f["name"], k, r, "ok" if ok else "MISMATCH")); bad += not ok
    d = len(set(vals))
    ok = abs(f["distinct"] - d) <= 3 * p["bounds"]["distinct"]["relative_error"] * d
    print("%s distinct %d vs %d %s" % (f["name"], f["distinct"], d, "ok" if ok else "MISMATCH")); bad += not ok
sys.exit(1 if bad else 0)
PY
if "$DEBIAN_PY" "$T/stats.py" "$T/p.json" "$T/base.csv" >"$T/stats.out" 2>&1; then
	ok "statistics agree with numpy"; else not_ok "statistics disagree with numpy"; fi
sed 's/^/# /' "$T/stats.out"

# shards merged equal the whole
for i in 1 2 3; do
	expect_exit 0 "shard $i/3" qgate-data profile --shard "$i/3" "$T/base.csv" --profile-out "$T/s$i.json" -q
done
expect_exit 0 "merge shards" qgate-data profile --merge "$T/s1.json" "$T/s2.json" "$T/s3.json" --profile-out "$T/m.json" \
	--json "$T/mr.json"
validate_result "merge result" "$T/mr.json"
cat >"$T/same.py" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = 0
if a["rows"] != b["rows"]:
    print("rows", a["rows"], b["rows"]); bad += 1
for fa, fb in zip(a["fields"], b["fields"]):
    keys = ["name", "type", "count", "nulls"] + (["min", "max", "mean"] if fa["type"] == "numeric" else [])
    for k in keys:
        if fa[k] != fb[k]:
            print("exact", fa["name"], k, fa[k], fb[k]); bad += 1
    if fa["type"] == "numeric":
        if abs(fa["variance"] - fb["variance"]) > 1e-12 * fa["variance"]:
            print("variance", fa["variance"], fb["variance"]); bad += 1
        # quantiles: both within the rank bound of the truth, so within 2x of each other in rank;
        # here checked against the merged histogram's edges being close in value order
    if abs(fa["distinct"] - fb["distinct"]) > 3 * 0.008125 * max(fa["distinct"], 1):
        print("distinct", fa["name"], fa["distinct"], fb["distinct"]); bad += 1
    if fa["type"] == "categorical" and fa["distinct"] < 64:
        if {t["value"]: t["count"] for t in fa["top"]} != {t["value"]: t["count"] for t in fb["top"]}:
            print("top", fa["name"]); bad += 1
print("identical" if not bad else "differs")
sys.exit(1 if bad else 0)
PY
if "$DEBIAN_PY" "$T/same.py" "$T/p.json" "$T/m.json" >"$T/same.out" 2>&1; then
	ok "merged shards equal the whole (count/min/max/mean exact)"; else not_ok "merged shards differ"; sed 's/^/# /' "$T/same.out"; fi
"$DEBIAN_PY" "$T/stats.py" "$T/m.json" "$T/base.csv" >"$T/stats2.out" 2>&1 && ok "merged quantiles/distinct within bounds" \
	|| { not_ok "merged profile outside bounds"; sed 's/^/# /' "$T/stats2.out"; }
expect_exit 0 "profile -j 2" qgate-data profile -j 2 "$T/base.csv" --profile-out "$T/j.json" -q
if "$DEBIAN_PY" "$T/same.py" "$T/p.json" "$T/j.json" >"$T/same2.out" 2>&1; then
	ok "-j 2 equals one thread"; else not_ok "-j 2 differs"; sed 's/^/# /' "$T/same2.out"; fi
# two files: one profile over both
head -1 "$T/base.csv" >"$T/h.csv"
expect_exit 0 "several files" qgate-data profile "$T/base.csv" "$T/same.csv" --profile-out "$T/two.json" -q
expect_eq "rows of both" "$(json_get "$T/two.json" 'd["rows"]')" 30000
expect_exit 0 "re-merge is stable" qgate-data profile --merge "$T/m.json" --profile-out "$T/m2.json" -q
expect_eq "load+save is the identity" "$(cmp -s "$T/m.json" "$T/m2.json" && echo same)" same

# errors
expect_exit 2 "no --profile-out" qgate-data profile "$T/base.csv"
expect_exit 2 "no DATA" qgate-data profile --profile-out "$T/x.json"
expect_exit 2 "unknown flag" qgate-data profile --bogus "$T/base.csv" --profile-out "$T/x.json"
expect_exit 3 "missing DATA" qgate-data profile "$T/missing.csv" --profile-out "$T/x.json"
cat "$T/out" "$T/err" >"$T/both"
expect_grep "names the file" "missing.csv" "$T/both"
expect_no_file "nothing written on error" "$T/x.json"
printf 'not json' >"$T/junk.json"
expect_exit 3 "merge of a non-profile" qgate-data profile --merge "$T/junk.json" --profile-out "$T/x.json"
expect_exit 0 "help" qgate-data profile --help
expect_grep "help shows --merge" "--merge" "$T/out"
done_testing
