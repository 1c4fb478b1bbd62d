#!/usr/bin/python3
"""data_drift_check.py -- recompute qgate-data drift's numbers with numpy/scipy

Usage: data_drift_check.py RESULT.json BASE.csv CURRENT.csv
For every drift.<field> check in RESULT.json, take the bins the gate used
(details.edges for numbers, details.categories for categories) and the
baseline fractions it derived from the baseline's sketch, count the current
CSV's values on those bins exactly with numpy, and recompute
  PSI  = sum (c - b) ln(c / b), fractions clipped below at 1e-4,
  JS   = scipy.spatial.distance.jensenshannon(b, c, base=2),
  KS   = scipy.stats.ks_2samp(base, current).statistic (exact, from both CSVs).
Tolerances: current fractions, PSI and JS 1e-9 (the gate counts exactly on
the same bins); KS within details.ks_bound + 1e-9 (the gate's KS comes from
the two KLL sketches, each within 1.65% normalised rank error).
Prints one line per comparison; exits 1 on any mismatch.
"""
import csv
import json
import math
import sys

import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp

EPS = 1e-4


def column(path, name):
    with open(path, newline="") as f:
        return [row[name] for row in csv.DictReader(f) if row[name] != ""]


def main():
    res = json.load(open(sys.argv[1]))
    base_csv, cur_csv = sys.argv[2], sys.argv[3]
    bad = 0
    for chk in res["checks"]:
        if not chk["id"].startswith("drift.") or chk["status"] == "skip":
            continue
        d = chk  # the check's details are members of the check object
        if "psi" not in d:
            continue
        field = chk["id"][len("drift."):]
        cur = column(cur_csv, field)
        b = np.array(d["baseline_fractions"], dtype=float)
        if d["type"] == "numeric":
            edges = np.array(d["edges"], dtype=float)
            x = np.array([float(v) for v in cur])
            counts = np.bincount(np.searchsorted(edges, x, side="right"), minlength=len(edges) + 1)
        else:
            cats = d["categories"][:-1]
            index = {c: i for i, c in enumerate(cats)}
            counts = np.zeros(len(cats) + 1)
            for v in cur:
                counts[index.get(v, len(cats))] += 1
        c = counts / counts.sum()
        psi = float(np.sum((np.clip(c, EPS, None) - np.clip(b, EPS, None)) *
                           np.log(np.clip(c, EPS, None) / np.clip(b, EPS, None))))
        js = float(jensenshannon(b, c, base=2))
        checks = [("fractions", float(np.max(np.abs(c - np.array(d["current_fractions"])))), 0.0, 1e-9),
                  ("psi", psi, d["psi"], 1e-9), ("js", js, d["js"], 1e-9)]
        if d["type"] == "numeric":
            base = [float(v) for v in column(base_csv, field)]
            ks = ks_2samp(base, [float(v) for v in cur]).statistic
            checks.append(("ks", ks, d["ks"], d["ks_bound"] + 1e-9))
        for what, ref, got, tol in checks:
            if what == "fractions":
                ok = ref <= tol
                print("%s %s: max |numpy - gate| = %.3g (tolerance %g) %s" % (field, what, ref, tol, "ok" if ok else "MISMATCH"))
            else:
                ok = got is not None and math.isfinite(got) and abs(ref - got) <= tol
                print("%s %s: scipy %.10g gate %.10g (tolerance %g) %s" % (field, what, ref, got, tol, "ok" if ok else "MISMATCH"))
            bad += not ok
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
