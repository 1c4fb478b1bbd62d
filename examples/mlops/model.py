#!/usr/bin/python3
"""model.py -- train a churn model and write its predictions (scikit-learn)

Usage:
  model.py train --algo logreg|gbm|gbm-deep --version V --seed S --out MODEL.pkl TRAIN.csv...
  model.py predict --model MODEL.pkl | --layout DIR [--tag TAG] --out PREDICTIONS.csv DATA.csv

train fits a classifier on the examples' columns (region and plan one-hot,
the four numbers) and pickles {"version", "features", "algo", "estimator"}.
predict (the model from a file, or the one a tag of an OCI image layout names, as
serve.py loads it) writes what qgate-model reads: customer_id,label,score,region (score is
the probability of churn, class 1; region is a slice column).
Exit 3 when scikit-learn cannot be imported (the demo checks for it first).
"""
import argparse
import csv
import os
import pickle
import sys

try:
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
except ImportError as e:  # the demo checks first; say it plainly anyway
    sys.stderr.write("model.py: error: scikit-learn is not importable (%s)\n" % e)
    sys.exit(3)

REGIONS = ("eu", "us", "apac")
PLANS = ("basic", "pro", "team")
NUMBERS = ("tenure_months", "monthly_spend", "support_tickets", "days_since_login")
FEATURES = ["region=" + r for r in REGIONS] + ["plan=" + p for p in PLANS] + list(NUMBERS)


def read(paths):
    ids, xs, ys, regions = [], [], [], []
    for path in paths:
        with open(path, newline="", encoding="ascii") as f:
            for rec in csv.DictReader(f):
                ids.append(rec["customer_id"])
                regions.append(rec["region"])
                x = [1.0 if rec["region"] == r else 0.0 for r in REGIONS]
                x += [1.0 if rec["plan"] == p else 0.0 for p in PLANS]
                x += [float(rec[n]) for n in NUMBERS]
                xs.append(x)
                ys.append(int(rec["churned"]))
    return ids, xs, ys, regions


def train(a):
    _, xs, ys, _ = read(a.data)
    if a.algo == "logreg":
        # the old champion: a linear model on three numbers (no login recency, no plan or region)
        est = LogisticRegression(max_iter=1000)
        cols = [FEATURES.index(n) for n in ("tenure_months", "monthly_spend", "support_tickets")]
    elif a.algo == "gbm-deep":
        # a hurried retrain: deep trees, a high learning rate, overconfident on what it saw
        est = GradientBoostingClassifier(n_estimators=300, max_depth=8, learning_rate=0.3,
                                         random_state=a.seed)
        cols = list(range(len(FEATURES)))
    else:
        est = GradientBoostingClassifier(n_estimators=120, max_depth=3, learning_rate=0.1,
                                         random_state=a.seed)
        cols = list(range(len(FEATURES)))
    est.fit([[x[c] for c in cols] for x in xs], ys)
    model = {"version": a.version, "algo": a.algo, "features": [FEATURES[c] for c in cols],
             "columns": cols, "estimator": est, "trained_rows": len(ys)}
    with open(a.out, "wb") as f:
        pickle.dump(model, f, protocol=4)
    print("model.py: trained %s (%s) on %d rows -> %s" % (a.version, a.algo, len(ys), a.out))


def predict(a):
    if a.model:
        with open(a.model, "rb") as f:
            model = pickle.load(f)
    else:
        # the model a tag of the OCI layout names, read and verified as the server does
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from serve import blob, resolve
        _, layer = resolve(a.layout, a.tag)
        model = pickle.loads(blob(a.layout, layer))
    ids, xs, ys, regions = read([a.data])
    cols = model["columns"]
    scores = model["estimator"].predict_proba([[x[c] for c in cols] for x in xs])[:, 1]
    with open(a.out, "w", newline="", encoding="ascii") as f:
        f.write("customer_id,label,score,region\n")
        for i, y, s, r in zip(ids, ys, scores, regions):
            f.write("%s,%d,%.6f,%s\n" % (i, y, s, r))
    print("model.py: %s scored %d rows of %s -> %s" % (model["version"], len(ids), a.data, a.out))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--algo", choices=("logreg", "gbm", "gbm-deep"), required=True)
    t.add_argument("--version", required=True)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", required=True)
    t.add_argument("data", nargs="+")
    p = sub.add_parser("predict")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model")
    src.add_argument("--layout", help="an OCI image layout (with --tag)")
    p.add_argument("--tag", default="production")
    p.add_argument("--out", required=True)
    p.add_argument("data")
    a = ap.parse_args()
    train(a) if a.cmd == "train" else predict(a)


if __name__ == "__main__":
    main()
