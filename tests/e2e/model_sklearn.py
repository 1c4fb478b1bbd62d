#!/usr/bin/python3
"""model_sklearn.py -- compare `qgate-model metrics` with scikit-learn 1.2.1.

usage: model_sklearn.py QGATE_MODEL WORKDIR

Generates random binary, multiclass and regression predictions (with tied
scores, probabilities of exactly 0 and 1, small and imbalanced sets,
constant targets, zeros in y_true for mape), runs `qgate-model metrics` on
each, and compares every metric with sklearn to 1e-9 (absolute, or relative
for values above 1). ECE is compared with a numpy implementation of the
documented definition. Prints TAP lines.
"""
import json
import subprocess
import sys
import warnings

import numpy as np
from sklearn import metrics as M

warnings.simplefilter("ignore")
qg, work = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(20240601)
n_test = 0
failed = 0


def ok(cond, name):
    global n_test, failed
    n_test += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + f" {n_test} - {name}")


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def run(path, task, extra=()):
    out = subprocess.run([qg, "metrics", "--predictions", path, "--task", task, *extra],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print("# stderr:", out.stderr.strip())
        return None
    return json.loads(out.stdout)["metrics"]


def ece(y, p):
    edges = np.linspace(0, 1, 16)
    b = np.clip(np.searchsorted(edges, p, side="left") - 1, 0, 14)
    total = 0.0
    for i in range(15):
        m = b == i
        if m.any():
            total += abs(y[m].mean() - p[m].mean()) * m.sum() / len(y)
    return total


def fmt(x):
    return repr(float(x))


maxdiff = {}  # metric -> (largest |qgate - sklearn|, cases compared, cases undefined)


def compare(name, got, want):
    bad = []
    for k, v in want.items():
        d, n, u = maxdiff.get(k, (0.0, 0, 0))
        if v is None or got.get(k) is None:
            u += 1
        else:
            d = max(d, abs(got[k] - v))
        maxdiff[k] = (d, n + 1, u)
        if not close(got.get(k), v):
            bad.append(f"{k}: qgate {got.get(k)!r} sklearn {v!r}")
    ok(not bad, f"{name}: {len(want)} metrics equal sklearn to 1e-9")
    for b in bad:
        print("#   " + b)


def binary_case(name, y, p):
    path = f"{work}/{name}.csv"
    with open(path, "w") as f:
        f.write("label,score\n")
        for a, b in zip(y, p):
            f.write(f"{a},{fmt(b)}\n")
    got = run(path, "binary")
    if got is None:
        ok(False, f"{name}: qgate-model metrics ran")
        return
    pred = (p >= 0.5).astype(int)
    want = {
        "accuracy": M.accuracy_score(y, pred),
        "balanced_accuracy": M.balanced_accuracy_score(y, pred),
        "mcc": M.matthews_corrcoef(y, pred),
        "precision": M.precision_score(y, pred, zero_division=0),
        "recall": M.recall_score(y, pred, zero_division=0),
        "f1": M.f1_score(y, pred, zero_division=0),
        "brier": M.brier_score_loss(y, p),
        "ece": ece(y, p),
    }
    if 0 < y.sum() < len(y):
        want["roc_auc"] = M.roc_auc_score(y, p)
        want["log_loss"] = M.log_loss(y, p)
    else:
        want["roc_auc"] = None
    if y.sum() > 0:
        want["average_precision"] = M.average_precision_score(y, p)
    else:
        want["average_precision"] = None
    compare(name, got, want)


def multiclass_case(name, y, proba, classes):
    path = f"{work}/{name}.csv"
    with open(path, "w") as f:
        f.write("label," + ",".join(f"score_{c}" for c in classes) + "\n")
        for a, row in zip(y, proba):
            f.write(f"{classes[a]}," + ",".join(fmt(v) for v in row) + "\n")
    got = run(path, "multiclass")
    if got is None:
        ok(False, f"{name}: qgate-model metrics ran")
        return
    pred = np.argmax(proba, axis=1)
    want = {
        "accuracy": M.accuracy_score(y, pred),
        "f1_macro": M.f1_score(y, pred, average="macro", zero_division=0),
        "f1_micro": M.f1_score(y, pred, average="micro", zero_division=0),
        "f1_weighted": M.f1_score(y, pred, average="weighted", zero_division=0),
        "precision_macro": M.precision_score(y, pred, average="macro", zero_division=0),
        "recall_macro": M.recall_score(y, pred, average="macro", zero_division=0),
        "log_loss": M.log_loss(y, proba, labels=list(range(len(classes)))),
        "balanced_accuracy": M.balanced_accuracy_score(y, pred),
        "mcc": M.matthews_corrcoef(y, pred),
    }
    # one-vs-rest AUC: sklearn refuses rows that do not sum to 1 and labels
    # that miss a class; qgate reports those as undefined (null)
    for key, avg in (("roc_auc_ovr", "macro"), ("roc_auc_ovr_weighted", "weighted")):
        try:
            if len(classes) == 2:  # sklearn wants the binary form: the AUC of class 1's column
                ok_rows = np.allclose(1, proba.sum(axis=1)) and len(set(y)) == 2
                want[key] = M.roc_auc_score(y, proba[:, 1]) if ok_rows else None
            else:
                want[key] = M.roc_auc_score(y, proba, multi_class="ovr", average=avg)
        except ValueError:
            want[key] = None
    compare(name, got, want)


def regression_case(name, y, yhat):
    path = f"{work}/{name}.csv"
    with open(path, "w") as f:
        f.write("label,prediction\n")
        for a, b in zip(y, yhat):
            f.write(f"{fmt(a)},{fmt(b)}\n")
    got = run(path, "regression")
    if got is None:
        ok(False, f"{name}: qgate-model metrics ran")
        return
    want = {
        "mae": M.mean_absolute_error(y, yhat),
        "mse": M.mean_squared_error(y, yhat),
        "rmse": M.mean_squared_error(y, yhat, squared=False),
        "r2": M.r2_score(y, yhat) if len(y) > 1 else None,
        "mape": M.mean_absolute_percentage_error(y, yhat),
    }
    compare(name, got, want)


# binary: random, rounded (ties), extremes, imbalanced, tiny, one class
for i, n in enumerate([50, 1000, 20000]):
    y = rng.integers(0, 2, n)
    p = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1)
    binary_case(f"bin_random_{n}", y, p)
    binary_case(f"bin_ties_{n}", y, np.round(p, 1))
    pe = p.copy()
    pe[::7] = 0.0
    pe[::11] = 1.0
    binary_case(f"bin_extremes_{n}", y, pe)
y = (rng.random(5000) < 0.02).astype(int)
binary_case("bin_imbalanced", y, np.clip(rng.normal(0.2 + 0.5 * y, 0.2), 0, 1))
binary_case("bin_tiny", np.array([0, 1]), np.array([0.5, 0.5]))
binary_case("bin_all_negative", np.zeros(20, dtype=int), rng.random(20))
binary_case("bin_all_positive", np.ones(20, dtype=int), rng.random(20))
binary_case("bin_bins_edges", rng.integers(0, 2, 16), np.arange(16) / 15)

# multiclass
for k, n in [(3, 300), (5, 5000), (10, 2000)]:
    classes = [f"c{j}" for j in range(k)]
    y = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), y] += 1.0
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    multiclass_case(f"mc_random_{k}_{n}", y, proba, classes)
    multiclass_case(f"mc_ties_{k}_{n}", y, np.round(proba, 1), classes)
    pz = proba.copy()
    pz[::5] = 0.0
    pz[::5, 0] = 1.0
    multiclass_case(f"mc_extremes_{k}_{n}", y, pz, classes)

# multiclass: a class without a true label (ovr undefined), predictions
# only (no scores), and probabilities that sum to 1 with ties
classes = ["a", "b", "c", "d"]
y = rng.integers(0, 3, 400)  # never class d
logits = rng.normal(0, 1, (400, 4))
proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
multiclass_case("mc_missing_class", y, proba, classes)
y = rng.integers(0, 4, 2000)
q = rng.integers(0, 3, (2000, 4)).astype(float)
q[q.sum(axis=1) == 0, 0] = 1.0
multiclass_case("mc_tied_proba", y, q / q.sum(axis=1, keepdims=True), classes)
y = rng.integers(0, 4, 3000)
multiclass_case("mc_imbalanced", np.where(rng.random(3000) < 0.9, 0, y), proba[rng.integers(0, 400, 3000)], classes)

# two classes: roc_auc_ovr is the binary AUC
y = rng.integers(0, 2, 700)
p1 = np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1)
multiclass_case("mc_two_classes", y, np.column_stack([1 - p1, p1]), ["neg", "pos"])

# regression
for n in [10, 1000, 30000]:
    y = rng.normal(10, 5, n)
    regression_case(f"reg_random_{n}", y, y + rng.normal(0, 2, n))
    yz = y.copy()
    yz[::9] = 0.0
    regression_case(f"reg_zeros_{n}", yz, y + rng.normal(0, 1, n))
regression_case("reg_constant_perfect", np.full(7, 0.1), np.full(7, 0.1))
regression_case("reg_constant", np.full(7, 0.1), np.linspace(0, 1, 7))
regression_case("reg_ties", np.round(rng.normal(0, 1, 500), 1), np.round(rng.normal(0, 1, 500), 1))
regression_case("reg_one_row", np.array([3.0]), np.array([2.5]))

for k in sorted(maxdiff):
    d, n, u = maxdiff[k]
    print(f"# {k}: {n} cases ({u} undefined, on both sides), max |qgate - sklearn| = {d:.3g}")
print(f"1..{n_test}")
sys.exit(1 if failed else 0)
