#!/usr/bin/env python3
"""tests/conformance/run.py -- the Table Schema conformance corpus against qgate-data.

Usage: run.py QGATE_DATA_BINARY SCRATCH_DIR

tableschema-cells.tsv holds single cells: a field descriptor, how the cell
arrives (csv: as text in a CSV cell; json: as a JSON value in a JSONL row), the
cell, the expected verdict (ok or bad) and where the case comes from (the spec
text, or frictionless-py's own field tests, the reference implementation).
Cases with the same descriptor and input become one table, one case per row,
checked in one run: a case is "bad" when qgate-data names its line in a
violation, "ok" when it does not; a schema qgate refuses (exit 2) fails every
case of the table. tableschema-schemas.tsv holds whole schemas and the exit
code expected on a one-row file. Prints one TAP line per case.
"""
import csv, io, json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
qd, scratch = sys.argv[1], sys.argv[2]
os.makedirs(scratch, exist_ok=True)
n = 0


def tap(good, what):
    global n
    n += 1
    print(("ok %d - %s" if good else "not ok %d - %s") % (n, what))


def rows_of(path):
    with open(os.path.join(HERE, path), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            yield line.rstrip("\n").split("\t")


def run(schema, data):
    sp = os.path.join(scratch, "schema.json")
    with open(sp, "w", encoding="utf-8") as f:
        json.dump(schema, f)
    rp = os.path.join(scratch, "result.json")
    if os.path.exists(rp):
        os.unlink(rp)
    p = subprocess.run([qd, "validate", "--schema", sp, "--max-errors", "100000",
                        "--json", rp, "--format", "text", data],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    res = None
    if os.path.exists(rp):
        with open(rp, encoding="utf-8") as f:
            res = json.load(f)
    return p.returncode, res, p.stderr


groups = {}
for desc, inp, cell, exp, src in rows_of("tableschema-cells.tsv"):
    groups.setdefault((desc, inp), []).append((cell, exp, src))

for (desc, inp), cases in groups.items():
    field = dict(json.loads(desc), name="v")
    schema = {"fields": [field]}
    if inp == "csv":
        data = os.path.join(scratch, "data.csv")
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["v"])
        for cell, _, _ in cases:
            w.writerow([cell])
        first = 2
    else:
        data = os.path.join(scratch, "data.jsonl")
        buf = io.StringIO()
        for cell, _, _ in cases:
            buf.write('{"v": %s}\n' % cell)
        first = 1
    with open(data, "w", encoding="utf-8") as f:
        f.write(buf.getvalue())
    rc, res, err = run(schema, data)
    bad_lines = set()
    if res is not None:
        for c in res.get("checks", []):
            if c.get("status") == "fail":
                for loc in c.get("locations", []):
                    if "line" in loc:
                        bad_lines.add(loc["line"])
    for i, (cell, exp, src) in enumerate(cases):
        what = "%s %s %r is %s (%s)" % (desc, inp, cell, exp, src)
        if rc not in (0, 1):
            tap(False, what + ": exit %d: %s" % (rc, err.strip().splitlines()[-1:] or ""))
            continue
        got = "bad" if first + i in bad_lines else "ok"
        tap(got == exp, what + ("" if got == exp else ": qgate-data says " + got))

data = os.path.join(scratch, "one.csv")
with open(data, "w") as f:
    f.write("v\n1\n")
for schema, exp, why in rows_of("tableschema-schemas.tsv"):
    rc, _, err = run(json.loads(schema), data)
    msg = "" if rc == int(exp) else ": exit %d %s" % (rc, " ".join(err.strip().splitlines()[-1:]))
    tap(rc == int(exp), "schema %s exits %s (%s)%s" % (schema, exp, why, msg))
