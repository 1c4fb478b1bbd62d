#!/usr/bin/python3
"""data_drift_gen.py -- deterministic CSVs for t_data_profile.sh / t_data_drift.sh

Usage: data_drift_gen.py DIR
Writes DIR/base.csv (20000 rows), DIR/same.csv (10000 rows, same
distributions), DIR/warn.csv (a small shift: PSI between 0.1 and 0.25),
DIR/drift.csv (a large shift and a new category). Columns: x (normal),
n (integers 0..99), cat (categories a..d), flag (true/false), id (unique).
"""
import csv
import os
import sys

import numpy as np


def write(path, rows, shift, scale, cat_p, newcat, seed):
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["x", "n", "cat", "flag", "id"])
        xs = rng.normal(shift, scale, rows)
        ns = rng.integers(0, 100, rows)
        cats = rng.choice(["a", "b", "c", "d"], rows, p=cat_p)
        flags = rng.choice(["true", "false"], rows)
        for i in range(rows):
            c = cats[i]
            if newcat and i % 5 == 0:
                c = "zz"
            w.writerow(["%.5f" % xs[i], "" if i % 50 == 7 else int(ns[i]), c, flags[i], "r%d" % i])


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    p = [0.4, 0.3, 0.2, 0.1]
    write(os.path.join(d, "base.csv"), 20000, 0.0, 1.0, p, False, 1)
    write(os.path.join(d, "same.csv"), 10000, 0.0, 1.0, p, False, 2)
    write(os.path.join(d, "warn.csv"), 10000, 0.4, 1.0, p, False, 3)
    write(os.path.join(d, "drift.csv"), 10000, 1.0, 1.5, [0.1, 0.2, 0.3, 0.4], True, 4)


if __name__ == "__main__":
    main()
