#!/bin/sh
# t_lint_codequality.sh -- qgate-lint --codequality: GitLab's Code Quality report
#
# The report is checked against a JSON Schema written from GitLab's
# documentation ("Code Quality report format", docs.gitlab.com/ci/testing/
# code_quality): an array of issues, each with description, check_name,
# fingerprint, severity (info, minor, major, critical, blocker) and
# location.path + location.lines.begin (GitLab also accepts
# location.positions.begin.line; qgate writes lines). GitLab keys issues by
# fingerprint, so every fingerprint must be unique in a file (a repeated one
# is shown once) and stable across commits (the merge request widget compares
# the two branches' reports through it). Cases: built-in findings (severity
# mapping, the secret masked and critical), identical findings (unique
# fingerprints still), the baseline (hidden findings left out), moved code
# (same fingerprint), gcc note/warning/error levels, an empty report.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lint_outputs_repo.sh"

cat >"$T/cq.schema.json" <<'EOF'
{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "GitLab Code Quality report (the Code Climate subset GitLab reads)",
  "type": "array",
  "items": {
    "type": "object",
    "required": ["description", "check_name", "fingerprint", "severity", "location"],
    "properties": {
      "type": {"const": "issue"},
      "description": {"type": "string", "minLength": 1},
      "check_name": {"type": "string", "minLength": 1},
      "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
      "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
      "location": {
        "type": "object",
        "required": ["path"],
        "properties": {
          "path": {"type": "string", "minLength": 1, "not": {"pattern": "^/"}},
          "lines": {
            "type": "object",
            "required": ["begin"],
            "properties": {"begin": {"type": "integer", "minimum": 1}, "end": {"type": "integer", "minimum": 1}}
          },
          "positions": {"type": "object"}
        },
        "anyOf": [{"required": ["lines"]}, {"required": ["positions"]}]
      }
    }
  }
}
EOF

# cq_ok NAME FILE: valid against the schema, fingerprints unique.
cq_ok() {
	if "$DEBIAN_PY" - "$T/cq.schema.json" "$2" >"$T/cq.txt" 2>&1 <<'EOP'
import json, sys, jsonschema
v = jsonschema.Draft7Validator(json.load(open(sys.argv[1])))
d = json.load(open(sys.argv[2]))
bad = [f"{'/'.join(map(str, e.path))}: {e.message[:200]}" for e in v.iter_errors(d)]
fps = [i.get("fingerprint") for i in d] if isinstance(d, list) else []
dups = {f for f in fps if fps.count(f) > 1}
if dups:
    bad.append(f"fingerprints repeated: {sorted(dups)[:3]}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOP
	then ok "$1: valid Code Quality report, fingerprints unique"
	else not_ok "$1: not a valid Code Quality report"; head -5 "$T/cq.txt" | sed 's/^/#   /'; fi
}
py() { json_get "$1" "$2"; }
visible() { py "$1" 'd["metrics"]["errors"] + d["metrics"]["warnings"] + d["metrics"]["notes"]'; }

R=$T/repo
planted_repo "$R"

# 1. built-in findings
(cd "$R" && qgate-lint --builtin=all --branch nobranch --codequality "$T/b.json" --json "$T/r.json") >"$T/out" 2>"$T/err"
expect_eq "builtin: exit 1 on planted problems" "$?" 1
validate_result "builtin" "$T/r.json"
cq_ok "builtin" "$T/b.json"
expect_eq "builtin: one issue per finding" "$(py "$T/b.json" 'len(d)')" "$(visible "$T/r.json")"
expect_eq "builtin: check names are the check ids" \
	"$(py "$T/b.json" 'sorted({i["check_name"] for i in d})')" \
	"$(py "$T/r.json" 'sorted(c["id"] for c in d["checks"] if c["status"] == "fail" and c["id"] != "lint.max-errors")')"
expect_eq "builtin: a leaked key is critical" \
	"$(py "$T/b.json" '[(i["severity"], i["location"]["path"]) for i in d if i["check_name"] == "lint.builtin.secret"]')" \
	'[["critical", "s.cfg"]]'
expect_eq "builtin: other errors are major" \
	"$(py "$T/b.json" 'sorted({i["severity"] for i in d if i["check_name"] != "lint.builtin.secret"})')" '["major"]'
expect_eq "builtin: trailing whitespace of a.txt at line 1" \
	"$(py "$T/b.json" '[i["location"]["lines"]["begin"] for i in d if i["check_name"] == "lint.builtin.trailing-whitespace" and i["location"]["path"] == "a.txt"]')" '[1]'
expect_eq "builtin: a path with a space kept as it is" \
	"$(py "$T/b.json" 'sorted({i["location"]["path"] for i in d})')" '["a.txt", "caf\u00e9.txt", "d.json", "s.cfg", "sub dir/sp ace.txt"]'
expect_no_grep "builtin: the secret is not in the report" 'AKIAIOSFODNN7EXAMPLE' "$T/b.json"

# 2. identical findings get distinct fingerprints
printf 'a.txt:1:1: warning: same thing [-Wsame]\na.txt:1:1: warning: same thing [-Wsame]\na.txt:1:1: warning: same thing [-Wsame]\n' >"$T/same.txt"
(cd "$R" && qgate-lint --input "$T/same.txt" --parser gcc --max-warnings 10 --codequality "$T/same.json" --json "$T/same.r.json") >"$T/out" 2>"$T/err"
expect_eq "identical findings: exit 0" "$?" 0
cq_ok "identical findings" "$T/same.json"
expect_eq "identical findings: three issues" "$(py "$T/same.json" 'len({i["fingerprint"] for i in d})')" 3

# 3. levels: note -> info, warning -> minor, error -> major
printf 'a.txt:2:3: note: n\na.txt:1:1: error: e [-We]\na.txt:2:1: warning: w [-Ww]\n' >"$T/lv.txt"
(cd "$R" && qgate-lint --input "$T/lv.txt" --parser gcc --codequality "$T/lv.json" --json "$T/lv.r.json") >"$T/out" 2>"$T/err"
expect_eq "levels: exit 1 (an error)" "$?" 1
cq_ok "levels" "$T/lv.json"
expect_eq "levels: severities by line" \
	"$(py "$T/lv.json" 'sorted((i["location"]["lines"]["begin"], i["severity"]) for i in d)')" \
	'[[1, "major"], [2, "info"], [2, "minor"]]'

# 4. the baseline: hidden findings are left out; the new one keeps a stable
#    fingerprint when its lines move (with their neighbours)
(cd "$R" && qgate-lint --builtin --codequality "$T/c0.json" --write-baseline "$T/base.json" --json "$T/c0.r.json") >/dev/null 2>&1
printf 'top\nfresh  \nbottom\n' >"$R/new.txt"
git -C "$R" add new.txt
(cd "$R" && qgate-lint --builtin --baseline "$T/base.json" --codequality "$T/c1.json" --json "$T/c1.r.json") >"$T/out" 2>"$T/err"
expect_eq "baseline: exit 1 (one new finding)" "$?" 1
cq_ok "baseline" "$T/c1.json"
expect_eq "baseline: only the new finding" \
	"$(py "$T/c1.json" '[(i["location"]["path"], i["check_name"]) for i in d]')" '[["new.txt", "lint.builtin.trailing-whitespace"]]'
fp=$(py "$T/c1.json" 'd[0]["fingerprint"]')
{ i=0; while [ "$i" -lt 10 ]; do echo "pad $i"; i=$((i + 1)); done; printf 'top\nfresh  \nbottom\n'; } >"$R/new.txt"
(cd "$R" && qgate-lint --builtin --baseline "$T/base.json" --codequality "$T/c2.json" --json "$T/c2.r.json") >"$T/out" 2>"$T/err"
expect_eq "moved 10 lines down: still reported, at line 12" "$(py "$T/c2.json" '[i["location"]["lines"]["begin"] for i in d]')" '[12]'
expect_eq "moved 10 lines down: same fingerprint" "$(py "$T/c2.json" 'd[0]["fingerprint"]')" "$fp"
cq_ok "moved" "$T/c2.json"

# 5. no findings: an empty array
printf 'clean\n' >"$R/new.txt"
(cd "$R" && qgate-lint --builtin --baseline "$T/base.json" --codequality "$T/e.json" --json "$T/e.r.json") >"$T/out" 2>"$T/err"
expect_eq "clean: exit 0" "$?" 0
cq_ok "clean" "$T/e.json"
expect_eq "clean: empty report" "$(py "$T/e.json" 'd')" '[]'

done_testing
