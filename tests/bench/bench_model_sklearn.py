#!/usr/bin/python3
"""bench_model_sklearn.py FILE -- the peer side of bench_model.sh: read the
predictions with pandas, compute every binary metric qgate-model computes
with scikit-learn (ECE with numpy), print them as JSON."""
import json
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn import metrics as M

warnings.simplefilter("ignore")
df = pd.read_csv(sys.argv[1], dtype={"label": np.int8, "score": np.float64})
y = df["label"].to_numpy()
p = df["score"].to_numpy()
pred = (p >= 0.5).astype(np.int8)
edges = np.linspace(0, 1, 16)
b = np.clip(np.searchsorted(edges, p, side="left") - 1, 0, 14)
cnt = np.bincount(b, minlength=15)
sy = np.bincount(b, weights=y, minlength=15)
sp = np.bincount(b, weights=p, minlength=15)
nz = cnt > 0
ece = float(np.sum(np.abs(sy[nz] / cnt[nz] - sp[nz] / cnt[nz]) * cnt[nz] / len(y)))
out = {
    "accuracy": M.accuracy_score(y, pred),
    "precision": M.precision_score(y, pred, zero_division=0),
    "recall": M.recall_score(y, pred, zero_division=0),
    "f1": M.f1_score(y, pred, zero_division=0),
    "roc_auc": M.roc_auc_score(y, p),
    "average_precision": M.average_precision_score(y, p),
    "log_loss": M.log_loss(y, p),
    "brier": M.brier_score_loss(y, p),
    "ece": ece,
}
print(json.dumps({"rows": len(y), "metrics": out}))
