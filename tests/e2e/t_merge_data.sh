#!/bin/sh
# t_merge_data.sh -- property test: a merged qgate-data validate equals the unsharded run
#
# Seeded random tables and schemas exercising every check that depends on more
# than one row (minRows, maxRows, the empty table, --allow-empty,
# maxNullFraction at the table and the field level, the extreme values shown as
# "observed" by minimum/maximum/exclusive bounds, --max-errors) next to the per-cell
# ones (type, required, enum, minLength, maxLength, pattern). Each table is
# split into 2-4 shards three times: as several files (whole files per shard, some
# with only a header, sometimes one without a column under fieldsMatch
# superset, partial, exact or equal), as byte ranges of one CSV file and of
# the same table as one JSONL file. `qgate merge` of the shards must
# give the unsharded run's exit code, status, rows and violations, and per
# check its status, count, observed, expected, message and first locations --
# or be refused with exit 3 naming --max-errors, exactly when the unsharded
# run stopped early (its counts are then lower bounds that depend on where it
# stopped). Unique, primaryKey and foreignKeys are refused by the merge on
# purpose (t_merge.sh), and so is data drift (checked here). Debian's python3
# drives the runs; every result it reads is checked against result.schema.json,
# and a few go through validate_result too. On the merge before this test
# (table.rows left skipped, maxNullFraction judged per shard, package key
# checks and drift merged as worst-of) every one of the 240 merges differed
# from its unsharded run, 61 in exit code, and every hand case here failed.
#
# QG_MERGE_SEEDS (default 80) sets the number of tables.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

if ! "$DEBIAN_PY" -c 'import jsonschema' 2>/dev/null; then
	skip "Debian's python3 with jsonschema is needed to drive the property test"
	done_testing
	exit $?
fi

# engineer K's two cases, by hand first
mkdir k1 k2
printf 'id,v\n1,a\n2,b\n3,c\n' >k1/a.csv
printf 'id,v\n4,d\n5,e\n' >k1/b.csv
printf '{"fields": [{"name": "id", "type": "integer"}, {"name": "v", "type": "string"}], "qgate": {"minRows": 100}}\n' >k1/s.json
expect_exit 1 "minRows 100 over 5 rows in 2 files: the unsharded run fails" \
	qgate-data validate --schema k1/s.json k1/a.csv k1/b.csv --out k1/full -q
for i in 1 2; do qgate-data validate --schema k1/s.json --shard $i/2 k1/a.csv k1/b.csv --out k1/s$i -q >/dev/null 2>&1; done
expect_eq "  each shard leaves the bounds to the merge" "$(json_get k1/s1/data-validate.json '[c["status"] for c in d["checks"] if c["id"]=="table.rows"]')" '["skip"]'
expect_exit 1 "  and so does the merge of its 2 shards (it passed before)" qgate merge --out k1/m k1/s1 k1/s2
ROWS='[(c["status"], c["message"], c.get("observed"), c.get("expected"), c.get("count")) for c in d["checks"] if c["id"]=="table.rows"]'
expect_eq "  merged table.rows is the unsharded run's" "$(json_get k1/m/data-validate.json "$ROWS")" "$(json_get k1/full/data-validate.json "$ROWS")"
validate_result "  merged result" k1/m/data-validate.json
validate_junit "  merged JUnit" k1/m/data-validate.xml
printf 'id,v\n1,\n2,\n' >k2/a.csv
printf 'id,v\n3,x\n4,x\n5,x\n6,x\n7,x\n8,x\n' >k2/b.csv
printf '{"fields": [{"name": "id", "type": "integer"}, {"name": "v", "type": "string", "qgate": {"maxNullFraction": 0.3}}]}\n' >k2/s.json
expect_exit 0 "maxNullFraction 0.3 over 2 of 8 missing: the unsharded run passes" \
	qgate-data validate --schema k2/s.json k2/a.csv k2/b.csv --out k2/full -q
for i in 1 2; do qgate-data validate --schema k2/s.json --shard $i/2 k2/a.csv k2/b.csv --out k2/s$i -q >/dev/null 2>&1; done
expect_exit 0 "  and so does the merge of its 2 shards (one has 2 of 2 missing; it failed before)" qgate merge --out k2/m k2/s1 k2/s2
NF='[(c["status"], c["message"], c.get("observed"), c.get("expected"), c.get("count"), c.get("nulls"), c.get("values")) for c in d["checks"] if c["id"]=="field.v.maxNullFraction"]'
expect_eq "  merged maxNullFraction is the unsharded run's" "$(json_get k2/m/data-validate.json "$NF")" "$(json_get k2/full/data-validate.json "$NF")"
validate_result "  merged result" k2/m/data-validate.json
# --max-errors: refused when the unsharded run would have stopped
for i in 1 2; do qgate-data validate --schema k2/s.json --max-errors 1 --shard $i/2 k1/a.csv k1/b.csv --out k3/s$i -q >/dev/null 2>&1; done
expect_exit 0 "--max-errors 1 with no violation merges" qgate merge --out k3/m k3/s1 k3/s2
printf 'id,v\nx,1\n' >k1/bad.csv
for i in 1 2; do qgate-data validate --schema k1/s.json --max-errors 1 --shard $i/2 k1/a.csv k1/bad.csv --out k4/s$i -q >/dev/null 2>&1; done
expect_exit 3 "--max-errors 1 reached by a shard: the merge is refused" qgate merge --out k4/m k4/s1 k4/s2 2>"$T/err"
expect_grep "  naming --max-errors" "max-errors 1: a shard stopped early" "$T/err"
expect_no_file "  nothing written" k4/m/data-validate.json
# a required column one file lacks (fieldsMatch superset): the unsharded run
# counts only the files that have it, so this passes -- and so must the merge
mkdir k5
printf 'id,v\n1,a\n2,b\n' >k5/a.csv
printf 'id\n3\n4\n' >k5/b.csv
printf '{"fieldsMatch": "superset", "fields": [{"name": "id", "type": "integer"}, {"name": "v", "type": "string", "constraints": {"required": true}}]}\n' >k5/s.json
expect_exit 0 "a required column in one file of two: the unsharded run passes" \
	qgate-data validate --schema k5/s.json k5/a.csv k5/b.csv --out k5/full -q
for i in 1 2; do qgate-data validate --schema k5/s.json --shard $i/2 k5/a.csv k5/b.csv --out k5/s$i -q >/dev/null 2>&1; done
expect_exit 0 "  and so does the merge (shard 2 alone has no such column)" qgate merge --out k5/m k5/s1 k5/s2
RQ='[(c["status"], c["message"], c.get("count"), c.get("expected")) for c in d["checks"] if c["id"]=="field.v.required"]'
expect_eq "  merged field.v.required is the unsharded run's" "$(json_get k5/m/data-validate.json "$RQ")" "$(json_get k5/full/data-validate.json "$RQ")"

# a Data Package: checks resource.<name>.*, rows under metrics.resources
mkdir pk
"$DEBIAN_PY" -c '
import random
r = random.Random(3)
open("pk/a.csv", "w").write("id,v\n" + "".join("%d,%s\n" % (i, "" if r.random() < 0.3 else "x") for i in range(40)))
open("pk/b.csv", "w").write("id,v\n" + "".join("%d,%s\n" % (i, "" if i < 10 else "y") for i in range(30)))'
cat >pk/datapackage.json <<'E'
{"name": "p", "resources": [
 {"name": "r", "path": "a.csv", "profile": "tabular-data-resource", "schema": {"fields": [
  {"name": "id", "type": "integer", "constraints": {"maximum": 30}},
  {"name": "v", "type": "string", "qgate": {"maxNullFraction": 0.3}}], "qgate": {"minRows": 50}}},
 {"name": "s.t", "path": "b.csv", "profile": "tabular-data-resource", "schema": {"fields": [
  {"name": "id", "type": "integer"},
  {"name": "v", "type": "string", "constraints": {"required": true}, "qgate": {"maxNullFraction": 0.34}}]}}]}
E
expect_exit 1 "a Data Package of two resources: the unsharded run fails (minRows)" \
	qgate-data validate pk/datapackage.json --out pk/full -q
for i in 1 2 3; do qgate-data validate pk/datapackage.json --shard $i/3 --out pk/s$i -q >/dev/null 2>&1; done
expect_exit 1 "  and so does the merge of its 3 shards" qgate merge --out pk/m pk/s1 pk/s2 pk/s3
ALL='[[c.get(k) for k in ("id", "status", "count", "message", "observed", "expected")] for c in d["checks"]] + [d["metrics"]["resources"]]'
expect_eq "  every merged check and the resources' rows are the unsharded run's" \
	"$(json_get pk/m/data-validate.json "$ALL")" "$(json_get pk/full/data-validate.json "$ALL")"
validate_result "  merged result" pk/m/data-validate.json
# a resource whose path is chunks: the header is in the first chunk only, also
# for a shard of whole chunks that does not hold the first one
printf 'id,v\n1,a\n2,b\n3,c\n' >pk/c1.csv
printf '4,d\nx,e\n' >pk/c2.csv
printf '6,f\n7,g\n' >pk/c3.csv
cat >pk/chunks.json <<'E'
{"name": "p", "resources": [{"name": "t", "path": ["c1.csv", "c2.csv", "c3.csv"], "profile": "tabular-data-resource",
 "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "v", "type": "string"}]}}]}
E
expect_exit 1 "chunks: the unsharded run fails on c2.csv:2 (x is not an integer)" \
	qgate-data validate pk/chunks.json --out pk/cfull -q
expect_exit 1 "  shard 2/3 (c2.csv alone) reads it headerless and fails the same way" \
	qgate-data validate pk/chunks.json --shard 2/3 --out pk/c2 -q
expect_exit 0 "  shard 3/3 (c3.csv alone) passes: its first line is a row" \
	qgate-data validate pk/chunks.json --shard 3/3 --out pk/c3 -q
qgate-data validate pk/chunks.json --shard 1/3 --out pk/c1 -q >/dev/null 2>&1
expect_exit 1 "  the merge of the 3 shards fails" qgate merge --out pk/cm pk/c1 pk/c2 pk/c3
CH='[[c.get(k) for k in ("id", "status", "count", "message", "observed", "locations")] for c in d["checks"]] + [d["metrics"]["resources"]]'
expect_eq "  every merged check, location and row count is the unsharded run's" \
	"$(json_get pk/cm/data-validate.json "$CH")" "$(json_get pk/cfull/data-validate.json "$CH")"
# a package's primaryKey and uniqueKeys (resource.<name>.table.primary-key)
# are refused like a table's: ids 0..29 then 0..9 again pass in each shard
printf 'id,v\n' >pk/k.csv
for i in $(seq 0 39); do echo "$((i % 30)),x"; done >>pk/k.csv
cat >pk/keys.json <<'E'
{"name": "p", "resources": [{"name": "r", "path": "k.csv", "profile": "tabular-data-resource", "schema": {
 "fields": [{"name": "id", "type": "integer"}, {"name": "v", "type": "string"}],
 "primaryKey": ["id"], "uniqueKeys": [["id", "v"]]}}]}
E
expect_exit 1 "a package with repeated keys: the unsharded run fails" qgate-data validate pk/keys.json -q
for i in 1 2 3; do qgate-data validate pk/keys.json --shard $i/3 --out pk/k$i -q >/dev/null 2>&1; done
expect_exit 3 "  its shards each pass, and the merge is an error (it passed before)" qgate merge --out pk/km pk/k1 pk/k2 pk/k3
expect_eq "  both key checks say they cannot be proven by shards" \
	"$(json_get pk/km/data-validate.json '[(c["id"], c["status"]) for c in d["checks"] if "key" in c["id"]]')" \
	'[["resource.r.table.primary-key", "error"], ["resource.r.table.unique-keys", "error"]]'

# data drift: the drift of the whole is not the worst of the parts' (here the
# second half shifted: shard 2 drifts, the whole does not). The merge refuses;
# profile shards merge, and drift against that profile is the whole's verdict.
mkdir dr
"$DEBIAN_PY" -c '
import random
r = random.Random(1)
open("dr/base.csv", "w").write("x\n" + "".join("%f\n" % r.gauss(0, 1) for _ in range(4000)))
open("dr/cur.csv", "w").write("x\n" + "".join("%f\n" % (r.gauss(0, 1) if i < 2000 else r.gauss(0.6, 1)) for i in range(4000)))'
qgate-data profile dr/base.csv --profile-out dr/base.json -q >/dev/null 2>&1
expect_exit 0 "data drift of the whole: no drift" qgate-data drift --baseline dr/base.json dr/cur.csv --out dr/full -q
qgate-data drift --baseline dr/base.json --shard 1/2 dr/cur.csv --out dr/s1 -q >/dev/null 2>&1
expect_exit 1 "  its second half alone drifts" qgate-data drift --baseline dr/base.json --shard 2/2 dr/cur.csv --out dr/s2 -q
expect_exit 3 "  the merge of the drift shards is refused (it said fail before)" qgate merge --out dr/m dr/s1 dr/s2 2>"$T/err"
expect_grep "  naming the check and the way out" "drift.x: the drift of the whole data cannot be decided.*--current-profile" "$T/err"
expect_no_file "  nothing written" dr/m/data-drift.json
for i in 1 2; do qgate-data profile --shard $i/2 dr/cur.csv --profile-out dr/p$i/current.json --out dr/p$i -q >/dev/null 2>&1; done
expect_exit 0 "  profile shards merge" qgate merge --out dr/pm dr/p1 dr/p2
expect_exit 0 "  and drift against the merged profile is the whole's verdict" \
	qgate-data drift --baseline dr/base.json --current-profile dr/pm/current.json --json dr/pm.json -q
validate_result "  that drift result" dr/pm.json

SEEDS=${QG_MERGE_SEEDS:-80}
QG_ROOT="$QG_ROOT" SEEDS="$SEEDS" "$DEBIAN_PY" - >"$T/prop.out" 2>"$T/prop.err" <<'P'
import json, os, random, subprocess, sys

import jsonschema

root = os.environ["QG_ROOT"]
schema = json.load(open(os.path.join(root, "docs/result.schema.json")))
V = jsonschema.Draft202012Validator(schema) if hasattr(jsonschema, "Draft202012Validator") else jsonschema.Draft7Validator(schema)
seeds = int(os.environ["SEEDS"])
stats = {"cases": 0, "equal": 0, "refused": 0, "bad": 0, "invalid": 0, "rows_fail": 0, "rows_pass_bounds": 0,
         "empty_fail": 0, "nullfrac_fail": 0, "nullfrac_pass": 0, "nullfrac_shard_differs": 0,
         "obs_extreme": 0, "stopped": 0, "absent_column": 0, "header_fail": 0, "jsonl": 0, "required_absent": 0, "exit_differs": 0, "loc_differs": 0}
bad_lines = []


def run(args):
    p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stderr


def load(path):
    d = json.load(open(path))
    errs = list(V.iter_errors(d))
    if errs:
        stats["invalid"] += 1
        bad_lines.append("%s: invalid result: %s" % (path, errs[0].message))
    return d


def gen(rng):
    fields = [{"name": "id", "type": "integer"}]
    a = {"name": "a", "type": "integer", "constraints": {}}
    for k, lo, hi in (("minimum", -5, 5), ("maximum", 40, 60), ("exclusiveMinimum", -8, 2), ("exclusiveMaximum", 45, 70)):
        if rng.random() < 0.5:
            a["constraints"][k] = rng.randint(lo, hi)
    if rng.random() < 0.4:
        a["constraints"]["required"] = True
    b = {"name": "b", "type": "string", "constraints": {}}
    r = rng.random()
    if r < 0.3:
        b["constraints"]["enum"] = ["x", "yy", "zzz"]
    elif r < 0.6:
        b["constraints"]["pattern"] = "[xyz]+"
    if rng.random() < 0.4:
        b["constraints"]["minLength"] = 2
    if rng.random() < 0.4:
        b["constraints"]["maxLength"] = 3
    c = {"name": "c", "type": "number", "constraints": {}}
    if rng.random() < 0.5:
        c["constraints"]["minimum"] = round(rng.uniform(-2, 0), 3)
    if rng.random() < 0.5:
        c["constraints"]["maximum"] = round(rng.uniform(5, 9), 3)
    if rng.random() < 0.5:
        c["qgate"] = {"maxNullFraction": rng.choice([0, 0.1, 0.25, 0.3, 1 / 3, 0.5, 0.9])}
    for f in (a, b, c):
        if not f["constraints"]:
            del f["constraints"]
    fields += [a, b, c]
    s = {"fields": fields}
    q = {}
    if rng.random() < 0.5:
        q["minRows"] = rng.choice([0, 1, 3, 5, 10, 30, 100])
    if rng.random() < 0.4:
        q["maxRows"] = max(q.get("minRows", 0), rng.choice([0, 2, 5, 10, 25, 60]))
    if rng.random() < 0.5:
        q["maxNullFraction"] = {rng.choice(["a", "b"]): rng.choice([0, 0.2, 0.25, 0.3, 0.5, 0.75])}
    if q:
        s["qgate"] = q
    return s


def cell(rng, kind, pnull):
    if rng.random() < pnull:
        return ""
    if kind == "a":
        return str(rng.randint(-10, 75)) if rng.random() < 0.95 else "n/a"
    if kind == "b":
        return rng.choice(["x", "yy", "zzz", "w", "xyzw", "y"])
    return ("%.3f" % rng.uniform(-3, 10)) if rng.random() < 0.95 else "?"


def table(rng):
    n = rng.choice([0, 0, 0, 1, 2, 3, 5, 8, 13, 30, 60, 120])
    pn = {k: rng.choice([0, 0, 0.1, 0.3, 0.6]) for k in "abc"}
    rows = []
    for i in range(n):
        rows.append("%d,%s,%s,%s" % (i + 1, cell(rng, "a", pn["a"]), cell(rng, "b", pn["b"]), cell(rng, "c", pn["c"])))
    return rows


def key(d):
    out = {}
    for c in d["checks"]:
        out[c["id"]] = c
    return out


def compare(tag, full, fcode, merged, mcode, nshards):
    msgs = []
    if fcode != mcode:
        stats["exit_differs"] += 1
        msgs.append("exit %s unsharded, %s merged" % (fcode, mcode))
    if full["status"] != merged["status"]:
        msgs.append("status %s unsharded, %s merged" % (full["status"], merged["status"]))
    F, M = key(full), key(merged)
    if [c["id"] for c in full["checks"]] != [c["id"] for c in merged["checks"]]:
        msgs.append("check ids differ: %s / %s" % ([c["id"] for c in full["checks"]], [c["id"] for c in merged["checks"]]))
    for cid, fc in F.items():
        mc = M.get(cid)
        if not mc:
            continue
        for k in ("status", "count", "observed", "expected"):
            if fc.get(k) != mc.get(k):
                msgs.append("%s.%s %r unsharded, %r merged" % (cid, k, fc.get(k), mc.get(k)))
        if fc.get("message") != mc.get("message"):
            msgs.append("%s.message %r unsharded, %r merged" % (cid, fc.get("message"), mc.get("message")))
        fl = [(l.get("file"), l.get("line"), l.get("column"), l.get("message")) for l in fc.get("locations", [])]
        ml = [(l.get("file"), l.get("line"), l.get("column"), l.get("message")) for l in mc.get("locations", [])]
        if fl != ml:
            stats["loc_differs"] += 1
            msgs.append("%s.locations %r unsharded, %r merged" % (cid, fl[:3], ml[:3]))
    if full["metrics"].get("rows") != merged["metrics"].get("rows"):
        msgs.append("metrics.rows differ")
    if full["metrics"].get("violations") != merged["metrics"].get("violations"):
        msgs.append("metrics.violations %s unsharded, %s merged" % (full["metrics"].get("violations"), merged["metrics"].get("violations")))
    for m in msgs:
        bad_lines.append("%s: %s" % (tag, m))
    return not msgs


for seed in range(1, seeds + 1):
    rng = random.Random(seed)
    s = gen(rng)
    rows = table(rng)
    d = "case%d" % seed
    os.makedirs(d + "/parts", exist_ok=True)
    json.dump(s, open(d + "/schema.json", "w"))
    hdr = "id,a,b,c\n"
    with open(d + "/one.csv", "w") as f:
        f.write(hdr + "".join(r + "\n" for r in rows))
    nfiles = rng.randint(2, 5)
    cuts = sorted(rng.randint(0, len(rows)) for _ in range(nfiles - 1))
    files = []
    # sometimes one file lacks column c (fieldsMatch superset allows it):
    # its rows count as present for no check of c
    drop = rng.randrange(nfiles) if rng.random() < 0.4 else -1
    dcol = 1 if rng.random() < 0.5 else rng.randrange(2, 4)
    if drop >= 0:
        # mostly allowed; exact and equal fail that file's header
        s["fieldsMatch"] = rng.choice(["superset", "superset", "partial", "exact", "equal"])
        json.dump(s, open(d + "/schema.json", "w"))
    # the same table as JSONL (a missing value is null; numbers as numbers)
    def jv(x):
        if x == "":
            return None
        try:
            return int(x)
        except ValueError:
            try:
                return float(x)
            except ValueError:
                return x
    with open(d + "/one.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(dict(zip(["id", "a", "b", "c"], [jv(x) for x in r.split(",")]))) + "\n")
    for k, (lo, hi) in enumerate(zip([0] + cuts, cuts + [len(rows)])):
        p = "%s/parts/p%d.csv" % (d, k)
        with open(p, "w") as f:
            if k == drop:
                cols = lambda r: ",".join(x for j, x in enumerate(r.split(",")) if j != dcol)
                f.write(cols("id,a,b,c") + "\n" + "".join(cols(r) + "\n" for r in rows[lo:hi]))
            else:
                f.write(hdr + "".join(r + "\n" for r in rows[lo:hi]))
        files.append(p)
    extra = []
    if rng.random() < 0.25:
        extra.append("--allow-empty")
    if rng.random() < 0.2:
        extra.append("--max-errors=%d" % rng.choice([1, 3, 10, 40]))
    for split, inputs in (("files", files), ("range", [d + "/one.csv"]), ("jsonl", [d + "/one.jsonl"])):
        nsh = rng.randint(2, 4)
        tag = "seed %d %s %d shards %s" % (seed, split, nsh, " ".join(extra))
        base = ["qgate-data", "validate", "--schema", d + "/schema.json", "-q"] + extra
        fdir = "%s/%s-full" % (d, split)
        fcode, ferr = run(base + ["--out", fdir] + inputs)
        if fcode not in (0, 1):
            bad_lines.append("%s: unsharded exit %d: %s" % (tag, fcode, ferr.strip()))
            stats["bad"] += 1
            continue
        full = load(fdir + "/data-validate.json")
        shard_dirs = []
        for i in range(1, nsh + 1):
            sd = "%s/%s-s%d" % (d, split, i)
            code, err = run(base + ["--shard", "%d/%d" % (i, nsh), "--out", sd] + inputs)
            if code not in (0, 1):
                bad_lines.append("%s: shard %d exit %d: %s" % (tag, i, code, err.strip()))
            shard_dirs.append(sd)
        shards = [load(sd + "/data-validate.json") for sd in shard_dirs]
        mdir = "%s/%s-merged" % (d, split)
        mcode, merr = run(["qgate", "merge", "--out", mdir] + shard_dirs)
        stats["cases"] += 1
        # a stopped run says so in metrics.stopped and in its messages
        # (counts "at least N", bounds not checked): both must agree
        stopped = full["metrics"].get("stopped") is True
        if stopped != any((c.get("message") or "").startswith("at least ") or
                          "--max-errors stopped" in (c.get("message") or "") for c in full["checks"]):
            stats["bad"] += 1
            bad_lines.append("%s: metrics.stopped %s disagrees with the messages" % (tag, stopped))
        if stopped:
            stats["stopped"] += 1
        if mcode == 3 and "--max-errors" in merr:
            if stopped:
                stats["refused"] += 1
            else:
                stats["bad"] += 1
                bad_lines.append("%s: refused (%s) but the unsharded run did not stop" % (tag, merr.strip()))
            continue
        if stopped:
            stats["bad"] += 1
            bad_lines.append("%s: the unsharded run stopped early (--max-errors) but the merge was not refused (exit %d)" % (tag, mcode))
            continue
        if mcode not in (0, 1) or not os.path.exists(mdir + "/data-validate.json"):
            stats["bad"] += 1
            bad_lines.append("%s: merge exit %d: %s" % (tag, mcode, merr.strip()))
            continue
        merged = load(mdir + "/data-validate.json")
        if compare(tag, full, fcode, merged, mcode, nsh):
            stats["equal"] += 1
        else:
            stats["bad"] += 1
        F = key(full)
        if F.get("table.header", {}).get("status") == "fail":
            stats["header_fail"] += 1
        if split == "jsonl":
            stats["jsonl"] += 1
        rc = F.get("table.rows")
        if rc and rc["status"] == "fail":
            stats["empty_fail" if "empty" in rc.get("message", "") else "rows_fail"] += 1
        elif rc and rc["status"] == "pass" and "qgate" in s and ("minRows" in s["qgate"] or "maxRows" in s["qgate"]):
            stats["rows_pass_bounds"] += 1
        if any(c["status"] == "skip" and "not in the data" in (c.get("message") or "") for x in shards for c in x["checks"]):
            stats["absent_column"] += 1
        if any(c["id"].endswith(".required") and "not in the data" in (c.get("message") or "") for x in shards for c in x["checks"]):
            stats["required_absent"] += 1
        for cid, fc in F.items():
            if cid.endswith(".maxNullFraction"):
                stats["nullfrac_" + ("fail" if fc["status"] == "fail" else "pass")] += 1
                ss = set(c["status"] for x in shards for c in x["checks"] if c["id"] == cid and x["metrics"].get("rows"))
                if len(ss) > 1 or (ss and fc["status"] not in ss):
                    stats["nullfrac_shard_differs"] += 1
            if cid.split(".")[-1] in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") and "observed" in fc:
                vals = set(c.get("observed") for x in shards for c in x["checks"] if c["id"] == cid and "observed" in c)
                if len(vals) > 1:
                    stats["obs_extreme"] += 1

print(json.dumps(stats))
for l in bad_lines[:40]:
    print("# " + l)
P
status=$?
if [ $status -ne 0 ]; then
	not_ok "the property driver ran (exit $status)"; sed 's/^/#   /' "$T/prop.err" | tail -20
	done_testing
	exit $?
fi
ok "the property driver ran $SEEDS tables"
st() { "$DEBIAN_PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$T/prop.out" "$1"; }
sed -n '2,$p' "$T/prop.out" >"$T/bad"
cases=$(st cases)
if [ "$(st bad)" -eq 0 ]; then
	ok "no merge differs from its unsharded run ($(st equal) equal, $(st refused) refused)"
else
	not_ok "$(st bad) of $cases merges differ from their unsharded run"; cat "$T/bad"
fi
expect_eq "every result read validates against result.schema.json" "$(st invalid)" 0
# the generator must exercise what the merge re-decides, or the test proves nothing
for what in rows_fail rows_pass_bounds empty_fail nullfrac_fail nullfrac_pass nullfrac_shard_differs obs_extreme \
	stopped absent_column required_absent header_fail jsonl; do
	n=$(st $what)
	if [ "$n" -gt 0 ]; then ok "the tables exercise $what ($n cases)"; else not_ok "no case exercised $what"; fi
done
echo "# merges with another exit code than the unsharded run: $(st exit_differs)"
# a few results through validate_result as well (the driver checked them all)
for r in $(ls case*/files-merged/data-validate.json | head -2) $(ls case*/range-merged/data-validate.json | head -2) \
	case1/files-s1/data-validate.json; do
	validate_result "$r" "$r"
done

# byte-range shards of one file hash no whole file; each records a sample (size,
# first and last 64 KiB), so a file rewritten between shard runs at the same size
# is refused, not merged
mkdir ident
"$DEBIAN_PY" -c '
open("ident/t.csv", "w").write("id,v\n" + "".join("%d,%s\n" % (i, "ab"[i % 2]) for i in range(60000)))'
printf '{"fields": [{"name": "id", "type": "integer"}, {"name": "v", "type": "string"}]}\n' >ident/s.json
for i in 1 2 3; do qgate-data validate --schema ident/s.json ident/t.csv --shard $i/3 --out ident/s$i -q >/dev/null 2>&1; done
expect_eq "a byte-range shard records its input's sample" \
	"$(json_get ident/s2/data-validate.json '[d["metrics"]["input_sample"]["path"], len(d["metrics"]["input_sample"]["sha256"])]')" \
	'["ident/t.csv", 64]'
expect_exit 0 "  the 3 shards of the unchanged file merge" qgate merge --out ident/m ident/s1 ident/s2 ident/s3
expect_eq "  the merged result carries no sample (it stands for the whole file)" \
	"$(json_get ident/m/data-validate.json '"input_sample" in d["metrics"]')" false
"$DEBIAN_PY" -c '
p = "ident/t.csv"; b = open(p, "rb").read(); i = len(b) - 3
open(p, "wb").write(b[:i] + (b"b" if b[i:i + 1] == b"a" else b"a") + b[i + 1:])'
qgate-data validate --schema ident/s.json ident/t.csv --shard 3/3 --out ident/s3 -q >/dev/null 2>&1
expect_exit 2 "  shard 3 rerun after the file changed at the same size: refused" \
	qgate merge --out ident/m2 ident/s1 ident/s2 ident/s3
expect_grep "  names the input and says it changed" "input 'ident/t.csv' differs between the shards.*changed between the shard runs" "$T/err"
done_testing
