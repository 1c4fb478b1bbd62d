#!/bin/sh
# t_subject.sh -- --subject FILE (every gate): the file's SHA-256 joins subject.artifacts
#
# Contract §2: repeatable, the evidence names the exact bytes it judged. For
# data, model, lint, test and deploy: each digest equals sha256sum's, the
# subject files come after the command's own inputs, in the order given; the
# result validates. A missing or unreadable file is exit 3 naming it (and the
# command does not run); a command without a result refuses the flag (exit 2);
# qgate.json "subject": [...] works as the flag does.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

printf 'id\n1\n2\n' >d.csv
printf '{"fields":[{"name":"id","type":"integer"}]}' >s.json
head -c 200000 /dev/urandom >model.onnx
printf 'weights v2\n' >weights.bin
SUM_MODEL=$(sha256sum model.onnx | cut -d' ' -f1)
SUM_W=$(sha256sum weights.bin | cut -d' ' -f1)

# subject_of FILE: "path sha256 bytes" of each artifact, one per line
subject_of() {
	json_get "$1" '"\n".join("%s %s %s" % (a["path"], a["sha256"], a["bytes"]) for a in d["subject"]["artifacts"])'
}

# --- data: the input first, then both subjects in order
expect_exit 0 "data validate --subject x2" qgate-data validate --schema s.json d.csv \
	--subject model.onnx --subject weights.bin --json data.json --junit data.xml
validate_result "data result" data.json
validate_junit "data junit" data.xml
expect_eq "data: input, then the subjects in order, digests as sha256sum" "$(subject_of data.json)" \
	"d.csv $(sha256sum d.csv | cut -d' ' -f1) 7
model.onnx $SUM_MODEL 200000
weights.bin $SUM_W 11"

# --- model
mkdir m && "$DEBIAN_PY" "$QG_ROOT/tests/e2e/model_gen.py" "$T/m" >/dev/null
expect_exit 0 "model check --subject" qgate-model check --predictions m/cand.csv --task binary \
	--require 'roc_auc >= 0.5' --subject model.onnx --json model.json
validate_result "model result" model.json
expect_eq "model: the model file's digest is in the evidence" \
	"$(json_get model.json '[a["sha256"] for a in d["subject"]["artifacts"] if a["path"] == "model.onnx"]')" \
	"[\"$SUM_MODEL\"]"
expect_eq "model: the subject is the last artifact" \
	"$(json_get model.json 'd["subject"]["artifacts"][-1]["path"]')" "model.onnx"

# --- lint
expect_exit 0 "lint --subject" qgate-lint --builtin=trailing-whitespace --subject weights.bin --json lint.json d.csv
validate_result "lint result" lint.json
expect_eq "lint: the subject's digest" \
	"$(json_get lint.json '[a["sha256"] for a in d["subject"]["artifacts"] if a["path"] == "weights.bin"]')" \
	"[\"$SUM_W\"]"

# --- test (the command follows the options)
expect_exit 0 "test --subject" qgate-test --subject model.onnx --subject weights.bin --json test.json true
validate_result "test result" test.json
expect_eq "test: both subjects" "$(subject_of test.json)" "model.onnx $SUM_MODEL 200000
weights.bin $SUM_W 11"

# --- deploy (pin writes a result)
cat >dep.yaml <<'EOF'
spec:
  containers:
    - image: reg.example/app:1.0
EOF
DIG=sha256:$(printf x | sha256sum | cut -d' ' -f1)
if qgate-deploy pin --help >/dev/null 2>&1; then
	expect_exit 0 "deploy pin --subject" qgate-deploy pin --file dep.yaml --image reg.example/app --digest "$DIG" \
		--subject model.onnx --json deploy.json
	validate_result "deploy result" deploy.json
	expect_eq "deploy: the subject's digest" \
		"$(json_get deploy.json '[a["sha256"] for a in d["subject"]["artifacts"] if a["path"] == "model.onnx"]')" \
		"[\"$SUM_MODEL\"]"
else
	skip "qgate-deploy pin is not built: deploy --subject NOT TESTED"
fi

# --- the same file twice is listed twice (each use adds one entry)
expect_exit 0 "repeated file" qgate-test --subject weights.bin --subject weights.bin --json twice.json true
expect_eq "repeated: two entries" "$(json_get twice.json 'len(d["subject"]["artifacts"])')" 2

# --- qgate.json "subject": [...]
cat >qgate.json <<'EOF'
{"data": {"validate": {"subject": ["model.onnx", "weights.bin"]}}, "test": {"subject": "weights.bin"}}
EOF
expect_exit 0 "config subject list" qgate-data validate --config qgate.json --schema s.json d.csv --json cfg.json
validate_result "config result" cfg.json
expect_eq "config: both subjects after the input" "$(json_get cfg.json '[a["path"] for a in d["subject"]["artifacts"]]')" \
	'["d.csv", "model.onnx", "weights.bin"]'
expect_exit 0 "config subject string" qgate-test --config qgate.json --json cfg2.json true
expect_eq "config string: one subject" "$(json_get cfg2.json '[a["sha256"] for a in d["subject"]["artifacts"]]')" "[\"$SUM_W\"]"
# the command line replaces the file's list (as every list flag does)
expect_exit 0 "command line replaces config list" qgate-data validate --config qgate.json --schema s.json d.csv \
	--subject model.onnx --json cfg3.json
expect_eq "replaced: input + model only" "$(json_get cfg3.json '[a["path"] for a in d["subject"]["artifacts"]]')" \
	'["d.csv", "model.onnx"]'
printf '{"data": {"validate": {"subject": [["model.onnx"]]}}}' >bad.json
expect_exit 2 "config subject of the wrong type" qgate-data validate --config bad.json --schema s.json d.csv
expect_grep "names the key" "subject" "$T/err"

# --- missing, unreadable, a folder: exit 3 naming it, the run does not happen
expect_exit 3 "missing subject" qgate-data validate --schema s.json d.csv --subject nope.onnx --json miss.json
expect_grep "missing: named" "error: --subject 'nope.onnx': No such file or directory" "$T/err"
validate_result "missing: result still written" miss.json
expect_eq "missing: status error" "$(json_get miss.json 'd["status"]')" error
expect_eq "missing: the command did not run" "$(json_get miss.json 'len(d["checks"])')" 0
mkdir adir
expect_exit 3 "folder subject" qgate-test --subject adir --json dir.json true
expect_grep "folder: named" "--subject 'adir': not a regular file" "$T/err"
expect_exit 3 "missing subject (test: the command is not run)" qgate-test --subject nope --json t3.json sh -c 'touch ran'
expect_no_file "the command did not run" ran
if [ "$(id -u)" -ne 0 ]; then
	printf 'secret\n' >locked.bin && chmod 000 locked.bin
	expect_exit 3 "unreadable subject" qgate-data validate --schema s.json d.csv --subject locked.bin
	expect_grep "unreadable: named" "locked.bin" "$T/err"
else
	skip "running as root: an unreadable --subject cannot be made (mode 000 is readable by root)"
fi
expect_exit 2 "stdin is not a subject" qgate-data validate --schema s.json d.csv --subject -
expect_exit 2 "a URL is not a subject" qgate-data validate --schema s.json d.csv --subject https://example.com/m.onnx

# --- a command without a result refuses it
expect_exit 2 "infer refuses --subject" qgate-data infer d.csv --subject weights.bin
expect_grep "infer: says why" "--subject applies to commands that write a result" "$T/err"

# --- --help lists it among the common options
expect_exit 0 "help" qgate-data validate --help
expect_grep "--help lists --subject" "--subject FILE .*\(repeatable\)" "$T/out"

done_testing
