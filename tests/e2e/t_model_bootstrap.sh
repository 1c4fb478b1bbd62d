#!/bin/sh
# t_model_bootstrap.sh -- qgate-model check --baseline on many rows: the subsample (m-out-of-n)
# bootstrap, its interval against the full bootstrap and an independent normal interval
# (DeLong for roc_auc, the paired-difference variance for means), the class floor, the
# JSON that says what was done, and the progress line (a terminal only, never when piped).
# No timed assertions: speed is docs/bench-model.md's.
. "$(dirname "$0")/lib.sh"
M=qgate-model
D=$T/d
mkdir -p "$D"

# 200,000 paired binary rows (40% positives, the champion slightly better),
# 200,000 with 1% positives, and 60,000 regression rows
"$DEBIAN_PY" - "$D" <<'EOF'
import sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(11)
def binary(name, n, prev):
    y = (rng.random(n) < prev).astype(int)
    m = np.where(y == 1, 0.62, 0.38)
    c = np.clip(m + rng.normal(0, 0.2, n), 0, 1)
    b = np.clip(m + 0.01 * (2 * y - 1) + rng.normal(0, 0.2, n), 0, 1)
    for who, s in (("cand", c), ("champ", b)):
        with open(f"{d}/{name}_{who}.csv", "w") as f:
            f.write("label,score\n")
            f.write("".join(f"{a},{v:.6f}\n" for a, v in zip(y, s)))
binary("big", 200000, 0.4)
binary("rare", 200000, 0.01)
n = 60000
y = rng.normal(10, 3, n)
for who, sd in (("cand", 1.0), ("champ", 1.02)):
    p = y + rng.normal(0, sd, n)
    with open(f"{d}/reg_{who}.csv", "w") as f:
        f.write("label,prediction\n")
        f.write("".join(f"{a:.6f},{v:.6f}\n" for a, v in zip(y, p)))
EOF

RULES="--require roc_auc>=baseline-0.02 --require log_loss<=baseline+0.02 --require accuracy>=baseline-0.02 --require f1>=baseline-0.02"
# shellcheck disable=SC2086
expect_exit 0 "200k rows, full bootstrap (--bootstrap-rows 0)" $M check --predictions "$D/big_cand.csv" \
	--baseline "$D/big_champ.csv" --task binary $RULES --bootstrap-rows 0 --json "$T/full.json"
validate_result "full json" "$T/full.json"
# shellcheck disable=SC2086
expect_exit 0 "200k rows, subsample of 20000" $M check --predictions "$D/big_cand.csv" \
	--baseline "$D/big_champ.csv" --task binary $RULES --bootstrap-rows 20000 --json "$T/sub.json"
validate_result "subsample json" "$T/sub.json"
if [ -s "$T/err" ]; then not_ok "stderr not clean when piped"; sed 's/^/#   err: /' "$T/err" | head -5; else ok "nothing on stderr when piped"; fi
expect_eq "full: method and rows" \
	"$(json_get "$T/full.json" '[(c["method"], c["bootstrap_rows"], c["bootstrap_scale"]) for c in d["checks"]]')" \
	'[["paired-bootstrap-percentile", 200000, 1], ["paired-bootstrap-percentile", 200000, 1], ["paired-bootstrap-percentile", 200000, 1], ["paired-bootstrap-percentile", 200000, 1]]'
expect_eq "subsample: method, rows, scale sqrt(m/n)" \
	"$(json_get "$T/sub.json" '[(c["method"], c["bootstrap_rows"], round(c["bootstrap_scale"], 12), c["bootstrap_replicates"]) for c in d["checks"]]')" \
	'[["paired-bootstrap-subsample", 20000, 0.316227766017, 1000], ["paired-bootstrap-subsample", 20000, 0.316227766017, 1000], ["paired-bootstrap-subsample", 20000, 0.316227766017, 1000], ["paired-bootstrap-subsample", 20000, 0.316227766017, 1000]]'

# The intervals: the subsample's agrees with the full bootstrap's, and both
# with an independent normal interval, each endpoint within 12% of the
# interval's width (Monte-Carlo noise of a 2.5% percentile of 1000
# replicates is about 2% of the width; an unscaled interval is 3.2 times
# wider, one centred on the subsample's own delta is off by most of a width).
"$DEBIAN_PY" - "$D" "$T/full.json" "$T/sub.json" >"$T/cmp" 2>&1 <<'EOF'
import json, sys, numpy as np
from scipy.stats import norm
d, full, sub = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
def load(p):
    a = np.loadtxt(p, delimiter=",", skiprows=1)
    return a[:, 0].astype(int), a[:, 1]
y, c = load(f"{d}/big_cand.csv")
_, b = load(f"{d}/big_champ.csv")
def delong(y, s1, s2):
    # DeLong's variance of AUC1 - AUC2 (paired), midranks through argsort
    from scipy.stats import rankdata
    pos, neg = y == 1, y == 0
    m, n = pos.sum(), neg.sum()
    out = []
    for s in (s1, s2):
        r_all = rankdata(s)
        r_pos = rankdata(s[pos])
        r_neg = rankdata(s[neg])
        auc = (r_all[pos].sum() - m * (m + 1) / 2) / (m * n)
        v10 = (r_all[pos] - r_pos) / n        # per positive
        v01 = 1 - (r_all[neg] - r_neg) / m    # per negative
        out.append((auc, v10, v01))
    (a1, v10a, v01a), (a2, v10b, v01b) = out
    s10 = np.cov(v10a - v10b) / m
    s01 = np.cov(v01a - v01b) / n
    return a1 - a2, np.sqrt(s10 + s01)
eps = np.finfo(float).eps
def ll(y, p):
    p = np.clip(p, eps, 1 - eps)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))
z = norm.ppf(0.975)
ref = {}
delta, se = delong(y, c, b)
ref["roc_auc"] = (delta - z * se, delta + z * se)
for name, per_row in (("log_loss", ll(y, c) - ll(y, b)),
                      ("accuracy", ((c >= 0.5) == y).astype(float) - ((b >= 0.5) == y).astype(float))):
    m, s = per_row.mean(), per_row.std(ddof=1) / np.sqrt(len(per_row))
    ref[name] = (m - z * s, m + z * s)
bad = 0
for cf, cs in zip(full["checks"], sub["checks"]):
    name = cf["id"].split(".")[1]
    f, s = cf["interval"], cs["interval"]
    width = f[1] - f[0]
    pairs = [("subsample vs full", s, f)]
    if name in ref:
        pairs += [("full vs normal", f, ref[name]), ("subsample vs normal", s, ref[name])]
    for what, u, v in pairs:
        err = max(abs(u[0] - v[0]), abs(u[1] - v[1])) / width
        ok = err <= 0.12
        bad += not ok
        print(f"{name}: {what}: {u[0]:+.6f} {u[1]:+.6f} vs {v[0]:+.6f} {v[1]:+.6f}: {err:.3f} of the width {'ok' if ok else 'TOO FAR'}")
sys.exit(1 if bad else 0)
EOF
if [ $? -eq 0 ]; then ok "subsample, full and normal intervals agree (200k rows)"; else not_ok "intervals disagree"; fi
sed 's/^/# /' "$T/cmp"

# same seed, same subsample and interval; another seed, another
iv() { json_get "$1" 'd["checks"][0]["interval"]'; }
$M check --predictions "$D/big_cand.csv" --baseline "$D/big_champ.csv" --task binary --require 'roc_auc>=baseline-0.02' \
	--bootstrap-rows 20000 --bootstrap 200 --seed 5 --json "$T/s1.json" >/dev/null 2>&1
$M check --predictions "$D/big_cand.csv" --baseline "$D/big_champ.csv" --task binary --require 'roc_auc>=baseline-0.02' \
	--bootstrap-rows 20000 --bootstrap 200 --seed 5 --json "$T/s2.json" >/dev/null 2>&1
$M check --predictions "$D/big_cand.csv" --baseline "$D/big_champ.csv" --task binary --require 'roc_auc>=baseline-0.02' \
	--bootstrap-rows 20000 --bootstrap 200 --seed 6 --json "$T/s3.json" >/dev/null 2>&1
expect_eq "subsample: same seed, same interval" "$(iv "$T/s1.json")" "$(iv "$T/s2.json")"
if [ "$(iv "$T/s1.json")" != "$(iv "$T/s3.json")" ]; then ok "subsample: another seed, another interval"; else not_ok "subsample: seed ignored"; fi

# a model against itself: the scaled interval is exactly [0, 0]
expect_exit 0 "the champion against itself" $M check --predictions "$D/big_champ.csv" --baseline "$D/big_champ.csv" \
	--task binary --require 'roc_auc>=baseline' --bootstrap-rows 20000 --bootstrap 100 --json "$T/self.json"
expect_eq "self: interval [0, 0]" "$(iv "$T/self.json")" '[0, 0]'

# the class floor: 1% positives (about 2000) keep >= 500 positives in the
# subsample, so m = 200000 * 500 / n_pos, not 20000
expect_exit 0 "rare positives: the subsample grows" $M check --predictions "$D/rare_cand.csv" --baseline "$D/rare_champ.csv" \
	--task binary --require 'roc_auc>=baseline-0.05' --bootstrap-rows 20000 --bootstrap 100 --json "$T/rare.json"
want=$("$DEBIAN_PY" -c '
import sys, numpy as np
y = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)[:, 0].astype(int)
n, p = len(y), int(y.sum())
t = max(20000, -(-n * 500 // p))
print(sum((k * t + n // 2) // n for k in (n - p, p)))' "$D/rare_cand.csv")
expect_eq "rare positives: rows per replicate" "$(json_get "$T/rare.json" 'd["checks"][0]["bootstrap_rows"]')" "$want"
# 20,000 rows with about 200 positives: keeping 500 would take more than every row
head -n 20001 "$D/rare_cand.csv" >"$T/rc.csv"
head -n 20001 "$D/rare_champ.csv" >"$T/rb.csv"
expect_exit 0 "rare positives under the floor: every row" $M check --predictions "$T/rc.csv" --baseline "$T/rb.csv" \
	--task binary --require 'roc_auc>=baseline-0.1' --bootstrap-rows 5000 --bootstrap 50 --json "$T/rare2.json"
expect_eq "under the floor: the full bootstrap" "$(json_get "$T/rare2.json" '[d["checks"][0][k] for k in ("method", "bootstrap_rows")]')" \
	'["paired-bootstrap-percentile", 20000]'
expect_exit 0 "a small file: the full bootstrap" $M check --predictions "$D/rare_cand.csv" --baseline "$D/rare_champ.csv" \
	--task binary --require 'accuracy>=baseline-0.05' --bootstrap-rows 300000 --bootstrap 20 --json "$T/small.json"
expect_eq "under --bootstrap-rows: full" "$(json_get "$T/small.json" '[d["checks"][0][k] for k in ("method", "bootstrap_rows", "bootstrap_scale")]')" \
	'["paired-bootstrap-percentile", 200000, 1]'

# regression: rmse and mae, subsample against the full bootstrap
for rows in 0 6000; do
	expect_exit 0 "regression, --bootstrap-rows $rows" $M check --predictions "$D/reg_cand.csv" --baseline "$D/reg_champ.csv" \
		--task regression --require 'rmse<=baseline+0.05' --require 'mae<=baseline' --bootstrap-rows $rows --json "$T/reg$rows.json"
done
"$DEBIAN_PY" - "$T/reg0.json" "$T/reg6000.json" >"$T/cmp" 2>&1 <<'EOF'
import json, sys
f, s = (json.load(open(p))["checks"] for p in sys.argv[1:])
bad = 0
for a, b in zip(f, s):
    u, v = a["interval"], b["interval"]
    err = max(abs(u[0] - v[0]), abs(u[1] - v[1])) / (u[1] - u[0])
    print(a["id"], b["method"], u, v, round(err, 3))
    bad += err > 0.12 or b["method"] != "paired-bootstrap-subsample"
sys.exit(1 if bad else 0)
EOF
if [ $? -eq 0 ]; then ok "regression: subsample agrees with the full bootstrap"; else not_ok "regression intervals disagree"; fi
sed 's/^/# /' "$T/cmp"

# multiclass (strata: the 3 classes): subsample against the full bootstrap
"$DEBIAN_PY" - "$D" <<'EOF'
import sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(5)
n, k = 30000, 3
y = rng.choice(k, n, p=[0.5, 0.3, 0.2])
for name, signal in (("mc_cand", 1.2), ("mc_champ", 1.25)):
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), y] += signal
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    with open(f"{d}/{name}.csv", "w") as f:
        f.write("label,score_a,score_b,score_c\n")
        f.write("".join(f"{'abc'[y[i]]},{p[i, 0]!r},{p[i, 1]!r},{p[i, 2]!r}\n" for i in range(n)))
EOF
for rows in 0 3000; do
	expect_exit 0 "multiclass, --bootstrap-rows $rows" $M check --predictions "$D/mc_cand.csv" --baseline "$D/mc_champ.csv" \
		--task multiclass --require 'roc_auc_ovr>=baseline-0.05' --require 'f1_macro>=baseline-0.05' \
		--require 'log_loss<=baseline+0.05' --bootstrap-rows $rows --bootstrap 500 --json "$T/mc$rows.json"
done
# round(n_c * 3000 / n) rows of each class c
want=$("$DEBIAN_PY" -c '
import sys, collections
lab = [l.split(",", 1)[0] for l in open(sys.argv[1]).read().split("\n")[1:] if l]
n = len(lab)
m = sum((c * 3000 + n // 2) // n for c in collections.Counter(lab).values())
print([m] * 3)' "$D/mc_cand.csv")
expect_eq "multiclass: stratified rows a replicate" "$(json_get "$T/mc3000.json" '[c["bootstrap_rows"] for c in d["checks"]]')" "$want"
"$DEBIAN_PY" - "$T/mc0.json" "$T/mc3000.json" >"$T/cmp" 2>&1 <<'EOF'
import json, sys
f, s = (json.load(open(p))["checks"] for p in sys.argv[1:])
bad = 0
for a, b in zip(f, s):
    u, v = a["interval"], b["interval"]
    err = max(abs(u[0] - v[0]), abs(u[1] - v[1])) / (u[1] - u[0])
    print(a["id"], b["method"], u, v, round(err, 3))
    bad += err > 0.15 or b["method"] != "paired-bootstrap-subsample"
sys.exit(1 if bad else 0)
EOF
if [ $? -eq 0 ]; then ok "multiclass: subsample agrees with the full bootstrap"; else not_ok "multiclass intervals disagree"; fi
sed 's/^/# /' "$T/cmp"

# --- progress: on a terminal only
"$DEBIAN_PY" - "$M" "$D" "$T/tty" <<'EOF'
import os, pty, subprocess, sys
m, d, out = sys.argv[1:]
def run(extra, env=None):
    master, slave = pty.openpty()
    cmd = [m, "check", "--predictions", f"{d}/big_cand.csv", "--baseline", f"{d}/big_champ.csv", "--task", "binary",
           "--require", "roc_auc>=baseline-0.02", "--bootstrap-rows", "0", "--bootstrap", "400"] + extra
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=slave, env=env)
    os.close(slave)
    data = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    p.wait()
    os.close(master)
    return p.returncode, data
with open(out, "w") as f:
    for name, extra, env in (("tty", [], None), ("quiet", ["--quiet"], None),
                             ("github", [], dict(os.environ, GITHUB_ACTIONS="true"))):
        rc, data = run(extra, env)
        f.write(f"{name} {rc} {data!r}\n")
EOF
expect_grep "terminal: a progress line" "^tty 0 .*\\\\rqgate-model: bootstrap roc_auc [0-9]+/400" "$T/tty"
expect_grep "terminal: the line is cleared at the end" "^tty 0 .*[0-9]/400[^\\]*\\\\x1b\\[K\\\\r\\\\x1b\\[K'\$" "$T/tty"
expect_grep "--quiet: no progress" "^quiet 0 b''\$" "$T/tty"
expect_grep "GITHUB_ACTIONS: no progress" "^github 0 b''\$" "$T/tty"
done_testing
