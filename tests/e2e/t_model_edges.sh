#!/bin/sh
# t_model_edges.sh -- qgate-model's rough edges (issue 10): --delimiter, missing columns named with the
# columns found, --pos-label, a wrong --task named, --require added to the config's rules, p < 1/N,
# the verdict line counting the checks that ran, observed values to 6 digits in text, the new
# metrics gated (and bootstrapped against a champion)
. "$(dirname "$0")/lib.sh"
M=qgate-model
D=$T/d
mkdir -p "$D"
"$DEBIAN_PY" "$QG_ROOT/tests/e2e/model_gen.py" "$D"

# --- --delimiter, and the columns found when one is missing
printf 'label;score\n1;0.9\n0;0.2\n1;0.7\n0;0.4\n' >"$T/semi.csv"
expect_exit 3 "a ';' file without --delimiter" $M check --predictions "$T/semi.csv" --task binary --require 'roc_auc >= 0.5'
expect_grep "missing column lists the columns found" "no label column 'label' \(columns found: 'label;score'" "$T/err"
expect_grep "and suggests --delimiter" "give --delimiter ';'" "$T/err"
expect_exit 0 "--delimiter ';'" $M check --predictions "$T/semi.csv" --task binary --require 'roc_auc >= 0.5' --delimiter ';'
expect_exit 0 "metrics --delimiter ';'" $M metrics --predictions "$T/semi.csv" --task binary --delimiter ';'
expect_eq "metrics read through ';'" "$(json_get "$T/out" 'd["rows"], d["metrics"]["roc_auc"]')" '[4, 1]'
printf 'label\tscore\n1\t0.9\n0\t0.2\n' >"$T/tabs.txt"
expect_exit 0 "--delimiter tab" $M metrics --predictions "$T/tabs.txt" --task binary --delimiter tab
expect_exit 2 "--delimiter of two characters" $M metrics --predictions "$T/semi.csv" --task binary --delimiter ';;'
expect_grep "bad delimiter named" "--delimiter: expected one ASCII character" "$T/err"
printf '{"label": 1, "score": 0.9}\n' >"$T/one.jsonl"
expect_exit 2 "--delimiter with JSONL is a usage error" $M metrics --predictions "$T/one.jsonl" --task binary --delimiter ';'
expect_grep "JSONL has no delimiter" "is read as JSONL, which has no delimiter" "$T/err"
printf 'y,p\n1,0.9\n' >"$T/cols.csv"
expect_exit 3 "missing column in a comma file" $M check --predictions "$T/cols.csv" --task binary --require 'f1 > 0'
expect_grep "columns found listed" "no label column 'label' \(columns found: 'y', 'p'\)" "$T/err"

# --- --pos-label for binary string labels
printf 'label,prediction,score\nspam,spam,0.9\nham,spam,0.6\nham,ham,0.2\nspam,ham,0.4\nham,ham,0.1\n' >"$T/str.csv"
expect_exit 3 "string labels without --pos-label" $M check --predictions "$T/str.csv" --task binary --require 'f1 >= 0.4'
expect_grep "says to give --pos-label" "distinct values \('spam', 'ham'\).*give --pos-label" "$T/err"
expect_exit 0 "--pos-label spam" $M check --predictions "$T/str.csv" --task binary --pos-label spam \
	--require 'f1 >= 0.4' --require 'roc_auc >= 0.7' --json "$T/pl.json"
validate_result "pos-label json" "$T/pl.json"
# sklearn: f1_score(y, p, pos_label='spam') = 0.5; roc_auc of (spam=1) vs score = 5/6
expect_eq "f1 with spam positive" "$(json_get "$T/pl.json" 'round(d["metrics"]["f1"], 12)')" 0.5
expect_eq "roc_auc with spam positive" "$(json_get "$T/pl.json" 'round(d["metrics"]["roc_auc"], 12)')" 0.833333333333
expect_exit 0 "--pos-label ham flips the classes" $M metrics --predictions "$T/str.csv" --task binary --pos-label ham
expect_eq "recall with ham positive" "$(json_get "$T/out" 'round(d["metrics"]["recall"], 12)')" 0.666666666667
expect_exit 2 "misspelt --pos-label" $M check --predictions "$T/str.csv" --task binary --pos-label spma --require 'f1 > 0'
expect_grep "misspelt --pos-label named" "--pos-label 'spma' is none of them" "$T/err"
printf 'label,score\nham,0.1\nham,0.2\n' >"$T/allham.csv"
expect_exit 2 "--pos-label never seen" $M check --predictions "$T/allham.csv" --task binary --pos-label spam --require 'accuracy > 0'
expect_grep "never seen named" "--pos-label 'spam': no label or prediction in .* is 'spam'" "$T/err"
printf 'label,prediction\nspam,spam\nham,spam\neggs,ham\n' >"$T/three_str.csv"
expect_exit 3 "a third string label" $M check --predictions "$T/three_str.csv" --task binary --pos-label spam --require 'f1 > 0'
expect_grep "third value named, multiclass suggested" "'eggs' is a third value.*--task multiclass" "$T/err"
expect_exit 2 "--pos-label with multiclass" $M metrics --predictions "$T/str.csv" --task multiclass --pos-label spam

# --- a wrong --task names the real problem
printf 'label,score\n0,0.9\n1,0.2\n2,0.7\n0,0.4\n1,0.5\n' >"$T/three.csv"
expect_exit 3 "--task binary on three classes" $M check --predictions "$T/three.csv" --task binary --require 'f1 > 0'
expect_grep "three classes named" "label '2' outside the classes 0 and 1: the label column has 3 distinct values \('0', '1', '2'\): more than two classes need --task multiclass" "$T/err"
printf 'label,prediction\n0.5,0.4\n1.25,1.5\n2.5,2\n3.75,3\n' >"$T/reg.csv"
expect_exit 3 "--task binary on continuous labels" $M check --predictions "$T/reg.csv" --task binary --require 'f1 > 0'
expect_grep "regression suggested" "numbers that look continuous: is this --task regression\?" "$T/err"
expect_exit 3 "--task regression on string labels" $M check --predictions "$T/str.csv" --task regression --require 'mae < 1'
expect_grep "string labels named" "'spam' is not a finite number: --task regression needs numeric labels" "$T/err"

expect_exit 2 "--task multiclass on a binary score column" $M metrics --predictions "$T/three.csv" --task multiclass
expect_grep "one probability column named" "score column 'score' is one column: .*one probability per row is --task binary" "$T/err"
expect_exit 3 "--task regression on a classifier's file" $M metrics --predictions "$D/cand.csv" --task regression
expect_grep "score column named" "no prediction column 'prediction' \(regression predicts values; a score column is a classifier's: --task binary\?\) \(columns found: 'id', 'label', 'score', 'region'\)" "$T/err"

# --- --require on the command line adds to the config file's rules
printf '{"model": {"check": {"task": "binary", "require": ["roc_auc >= 0.7"]}}}\n' >"$T/qgate.json"
expect_exit 0 "config rules plus a command-line rule" $M check --config "$T/qgate.json" \
	--predictions "$D/cand.csv" --require 'f1 > 0.5' --json "$T/cfg.json"
expect_eq "both rules checked" "$(json_get "$T/cfg.json" '[c["id"] for c in d["checks"]]')" '["metric.roc_auc", "metric.f1"]'
expect_exit 1 "a failing command-line rule is not lost either" $M check --config "$T/qgate.json" \
	--predictions "$D/cand.csv" --require 'f1 > 0.99'

# --- a bootstrap p of 0 prints as p < 1/N (the JSON keeps 0)
expect_exit 1 "truly worse candidate" $M check --predictions "$D/worse.csv" --task binary --baseline "$D/champ.csv" \
	--require 'roc_auc >= baseline-0.01' --bootstrap 200 --json "$T/w.json"
expect_grep "p < 1/200 in text" 'regressed: .*\(delta -[0-9.]+, p < 1/200\)' "$T/out"
expect_no_grep "no p=0" 'p=0[,)]' "$T/out"
expect_eq "p_value 0 in the JSON" "$(json_get "$T/w.json" '(d["checks"][0].get("details") or d["checks"][0])["p_value"]')" 0

# --- the verdict line counts the checks that ran; observed values to 6 digits in text
expect_exit 0 "one skipped, one passed" $M check --predictions "$D/cand.csv" --task binary \
	--allow-missing-baseline --require 'roc_auc >= baseline' --require 'roc_auc >= 0.7' --json "$T/fd.json"
expect_eq "verdict counts the check that ran" "$(tail -n 1 "$T/out")" "qgate-model: PASS (1 check, 1 skipped)"
expect_grep "observed rounded in text" '\[observed 0\.[0-9]{6}, expected >= 0\.7\]' "$T/out"
expect_no_grep "no long observed in text" 'observed 0\.[0-9]{7}' "$T/out"
expect_eq "JSON keeps the whole value" \
	"$(json_get "$T/fd.json" 'len(repr(d["checks"][1]["observed"])) > 10')" true

# --- the new metrics gate like the others
expect_exit 0 "balanced_accuracy and mcc (binary)" $M check --predictions "$D/cand.csv" --task binary \
	--require 'balanced_accuracy >= 0.6' --require 'mcc > 0.2' --require 'mcc@region=* > 0'
printf 'label,prediction\n1.0,1.5\n2.0,2.0\n3.0,2.0\n' >"$T/r.csv"
expect_exit 0 "mse (regression)" $M check --predictions "$T/r.csv" --task regression --require 'mse <= 0.42' --json "$T/mse.json"
expect_eq "mse value" "$(json_get "$T/mse.json" 'round(d["metrics"]["mse"], 12)')" 0.416666666667
expect_exit 1 "mse fails above its bound" $M check --predictions "$T/r.csv" --task regression --require 'mse < 0.4'
"$DEBIAN_PY" - "$D" <<'EOF'
import sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(7)
n, k = 900, 3
y = rng.integers(0, k, n)
for name, signal in (("mc_cand", 1.5), ("mc_champ", 1.6), ("mc_worse", 0.1)):
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), y] += signal
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    with open(f"{d}/{name}.csv", "w") as f:
        f.write("id,label,score_a,score_b,score_c\n")
        for i in range(n):
            f.write(f"r{i},{'abc'[y[i]]}," + ",".join(repr(float(v)) for v in p[i]) + "\n")
EOF
expect_exit 0 "roc_auc_ovr against the champion: noise passes" $M check --predictions "$D/mc_cand.csv" --task multiclass \
	--baseline "$D/mc_champ.csv" --require 'roc_auc_ovr >= baseline-0.02' --require 'roc_auc_ovr_weighted >= baseline-0.02' \
	--require 'mcc >= baseline-0.05' --require 'balanced_accuracy >= 0.5' --bootstrap 300 --json "$T/mc.json"
validate_result "multiclass champion json" "$T/mc.json"
expect_eq "ovr bootstrap interval" \
	"$(json_get "$T/mc.json" '(lambda x: x["method"] == "paired-bootstrap-percentile" and len(x["interval"]) == 2)(d["checks"][0].get("details") or d["checks"][0])')" true
expect_exit 1 "roc_auc_ovr: a worse model fails significantly" $M check --predictions "$D/mc_worse.csv" \
	--task multiclass --baseline "$D/mc_champ.csv" --require 'roc_auc_ovr_weighted >= baseline-0.01' --bootstrap 300
expect_grep "significant" 'roc_auc_ovr_weighted regressed: .*significant' "$T/out"
done_testing
