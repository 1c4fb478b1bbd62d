#!/bin/sh
# t_lint_builtin.sh -- qgate-lint's built-in checks on a repository with a planted problem per check
#
# Exact findings (rule, file, line, column) are asserted for every check;
# trailing whitespace is compared with `git diff --check`, the merge markers
# with a grep, and no secret may appear in any output.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lint_repo.sh"

# --- the planted tree
printf 'clean\n' >clean.txt
printf 'a \nb\t\nc\n  \nd\n' >ws.txt                 # trailing whitespace on 1, 2, 4
printf 'no newline' >nonl.txt                        # end-of-file: line 1
printf 'x\n\n\n' >blank.txt                          # end-of-file: blank from line 2
printf 'a\r\nb\nc\n' >mixed.txt                      # mixed: 1 CRLF (line 1), 2 LF
printf 'a\r\nb\r\nc\n' >mixed2.txt                   # mixed: first LF on line 3
printf '\357\273\277bom\n' >bom.txt                  # byte-order-mark
printf 'top\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> branch\n' >conflict.txt
printf 'Title\n=======\n\ntext\n' >heading.rst       # not a conflict: no <<<<<<< before
printf 'x\n-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n' >id_test
printf 'aws = AKIAIOSFODNN7EXAMPLE\n' >aws.txt
printf 'aws_secret_access_key = "wJalrXUtnFEMIbK7MDENGbPxRfiCYEXAMPLEKEY1"\n' >aws2.cfg
printf 'tok ghp_0123456789abcdefghijABCDEFGHIJ012345 end\n' >gh.txt
printf 'gl: glpat-abcdefghij0123456789\nslack: xoxb-1234567890-abcdef\n' >tokens.txt
printf 'stripe sk_live_0123456789abcdefABCDEFGH\ngoogle AIzaSyA0123456789abcdefghijklmnopqrstuv\n' >keys.txt
printf 'not a key: AKIAIOSFODNN7EXAMPLEX AKIA123\n' >nokey.txt   # too long, too short
printf 'echo hi\n' >noshebang.sh && chmod +x noshebang.sh
printf '#!/bin/sh\necho hi\n' >notexec.sh
printf '#!/bin/sh\necho ok\n' >good.sh && chmod +x good.sh
ln -s nowhere broken-link
ln -s clean.txt good-link
printf 'caf\303\251 ok\nbad \377 byte\nalso \300\257\n' >utf.txt   # line 2 col 5, line 3 col 6 (overlong)
printf 'x \000 \377 bin \n' >bin.dat                 # binary: no text check
mkdir -p Docs docs
printf 'a\n' >Docs/one.txt
printf 'b\n' >docs/two.txt                           # case-conflict: Docs vs docs
head -c 3000 /dev/zero | tr '\0' 'a' >big.txt && printf '\n' >>big.txt
g add -A && g commit -qm planted

expect_exit 1 "planted problems fail" $L --json "$T/r.json" --junit "$T/r.xml" --large-file-kib 2
validate_result "result json" "$T/r.json"
validate_junit "junit" "$T/r.xml"
cp "$T/out" "$T/text.out"; cp "$T/err" "$T/text.err"

# every location: rule file:line:col
locs() {
	"$DEBIAN_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["checks"]:
    if c["status"] != "fail" or not c["id"].startswith("lint.builtin."):
        continue
    for l in c.get("locations", []):
        print("%s %s:%s:%s" % (c["id"][13:], l.get("file"), l.get("line", 0), l.get("column", 0)))
' "$1" | sort
}
locs "$T/r.json" >"$T/got"
sort >"$T/want" <<'EOF'
broken-symlink broken-link:0:0
byte-order-mark bom.txt:1:1
case-conflict docs:0:0
end-of-file blank.txt:2:0
end-of-file nonl.txt:1:0
executable-shebang noshebang.sh:1:0
large-file big.txt:0:0
merge-conflict conflict.txt:2:1
merge-conflict conflict.txt:4:1
merge-conflict conflict.txt:6:1
mixed-line-ending mixed.txt:1:0
mixed-line-ending mixed2.txt:3:0
private-key id_test:2:6
secret aws.txt:1:7
secret aws2.cfg:1:26
secret gh.txt:1:5
secret keys.txt:1:8
secret keys.txt:2:8
secret tokens.txt:1:5
secret tokens.txt:2:8
shebang-executable notexec.sh:1:1
trailing-whitespace ws.txt:1:2
trailing-whitespace ws.txt:2:2
trailing-whitespace ws.txt:4:1
utf8 utf.txt:2:5
utf8 utf.txt:3:6
EOF
if cmp -s "$T/want" "$T/got"; then ok "every planted problem found, nothing else"; else
	not_ok "findings differ (want vs got)"; diff "$T/want" "$T/got" | sed 's/^/#   /'; fi
expect_eq "errors metric" "$(json_get "$T/r.json" 'd["metrics"]["errors"]')" 26
expect_eq "new metric" "$(json_get "$T/r.json" 'd["metrics"]["new"]')" 26
expect_eq "warnings metric" "$(json_get "$T/r.json" 'd["metrics"]["warnings"]')" 0
expect_eq "count of secret" "$(json_get "$T/r.json" '[c["count"] for c in d["checks"] if c["id"]=="lint.builtin.secret"][0]')" 7
expect_eq "budget check" "$(json_get "$T/r.json" '[c["status"] for c in d["checks"] if c["id"]=="lint.max-errors"][0]')" fail
expect_eq "large-file found at 2 KiB" "$(json_get "$T/r.json" '[c["status"] for c in d["checks"] if c["id"]=="lint.builtin.large-file"][0]')" fail
expect_eq "no-commit-to-branch is off by default" "$(json_get "$T/r.json" 'len([c for c in d["checks"] if c["id"]=="lint.builtin.no-commit-to-branch"])')" 0
expect_eq "subject is the repo's commit" "$(json_get "$T/r.json" 'd["subject"]["commit"]')" "$(git rev-parse HEAD)"

# --- peers: git diff --check on the LF files agrees on trailing whitespace
empty=$(git hash-object -t tree /dev/null)
git diff --check "$empty" HEAD -- ws.txt clean.txt nonl.txt conflict.txt >"$T/gitcheck" 2>&1
grep 'trailing whitespace' "$T/gitcheck" | sed 's/: trailing whitespace\.$//' | sort >"$T/git_ws"
grep '^trailing-whitespace ' "$T/got" | sed 's/^trailing-whitespace //; s/:[0-9]*$//' | sort >"$T/our_ws"
if [ -s "$T/git_ws" ] && cmp -s "$T/git_ws" "$T/our_ws"; then ok "trailing whitespace = git diff --check ($(wc -l <"$T/git_ws") lines)"; else
	not_ok "trailing whitespace differs from git diff --check"; diff "$T/git_ws" "$T/our_ws" | sed 's/^/#   /'; fi
# merge markers: a grep for lines starting with the markers (in a conflict)
expect_eq "merge markers = grep" "$(grep -cE '^(<<<<<<< |=======$|>>>>>>> )' conflict.txt)" 3

# --- the secrets never reach an output (SARIF, Code Quality and the baseline too)
$L --large-file-kib 2 --sarif "$T/r.sarif" --codequality "$T/r.cq.json" --write-baseline "$T/r.base" \
	--json "$T/r2.json" >/dev/null 2>&1
expect_eq "SARIF, Code Quality and baseline written" "$(ls "$T/r.sarif" "$T/r.cq.json" "$T/r.base" 2>/dev/null | wc -l | tr -d ' ')" 3
for s in AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMIbK7MDENGbPxRfiCYEXAMPLEKEY1 ghp_0123456789abcdefghijABCDEFGHIJ012345 \
	glpat-abcdefghij0123456789 xoxb-1234567890-abcdef sk_live_0123456789abcdefABCDEFGH \
	AIzaSyA0123456789abcdefghijklmnopqrstuv IOSFODNN wJalrXUt; do
	if grep -l -- "$s" "$T/r.json" "$T/r.xml" "$T/text.out" "$T/text.err" "$T/r.sarif" "$T/r.cq.json" \
		"$T/r.base" "$T/r2.json" >/dev/null 2>&1; then
		not_ok "secret ${s%"${s#????}"}... appears in an output"
	else ok "secret ${s%"${s#????}"}... in no output"; fi
done
GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$T/summary.md GITHUB_OUTPUT=$T/ghout $L --large-file-kib 2 >"$T/gh.out" 2>"$T/gh.err"
expect_grep "annotation on the exact line" '^::error file=conflict.txt,line=4,col=1,' "$T/gh.out"
if grep -l -e AKIAIOSFODNN7EXAMPLE -e ghp_0123 -e wJalrXUt "$T/gh.out" "$T/gh.err" "$T/summary.md" "$T/ghout" >/dev/null 2>&1; then
	not_ok "a secret reached the GitHub outputs"; else ok "no secret in annotations, step summary or outputs"; fi
expect_grep "the secret's message shows prefix and length" "AWS access key id 'AKIA\.\.\.' \(20 characters\)" "$T/text.out"

# --- selection of checks
expect_exit 1 "--builtin=ID runs that check only" $L --builtin=trailing-whitespace --json "$T/ws.json"
expect_eq "one check" "$(json_get "$T/ws.json" '[c["id"] for c in d["checks"]]')" '["lint.builtin.trailing-whitespace", "lint.max-errors"]'
expect_exit 0 "--builtin=ID,... passes when those are clean" $L --builtin=large-file,private-key --json "$T/p.json" clean.txt big.txt
expect_exit 1 "... and fails on their findings" $L --builtin=private-key,utf8 utf.txt id_test
expect_exit 2 "unknown check id" $L --builtin=trailing-whitespaces
expect_grep "did you mean" "unknown check 'trailing-whitespaces' \(did you mean 'trailing-whitespace'\?\)" "$T/err"
expect_exit 1 "--builtin=default,-ID drops one" $L --builtin=default,-secret --json "$T/d.json"
expect_eq "secret dropped" "$(json_get "$T/d.json" 'len([c for c in d["checks"] if c["id"]=="lint.builtin.secret"])')" 0
expect_exit 1 "no-commit-to-branch on main" $L --builtin=no-commit-to-branch --json "$T/b.json"
expect_eq "repository-wide finding" "$(json_get "$T/b.json" '[c["message"] for c in d["checks"] if c["id"]=="lint.builtin.no-commit-to-branch"][0]')" "1 error: on the protected branch 'main'"
expect_exit 0 "--branch names the protected ones" $L --builtin=no-commit-to-branch --branch release
expect_exit 0 "large-file under the default 500 KiB" $L --builtin=large-file
expect_exit 0 "--max-errors over the count passes" $L --max-errors 1000 --large-file-kib 2 --json "$T/m.json"
expect_eq "findings within budget annotate as warnings" "$(json_get "$T/m.json" '[c["status"] for c in d["checks"] if c["id"]=="lint.builtin.secret"][0]')" pass
expect_exit 1 "--max-errors one below fails" $L --max-errors 25 --large-file-kib 2
expect_exit 0 "--max-errors -1: no error budget" $L --max-errors -1 --large-file-kib 2

# --- -j N gives the same result
$L --large-file-kib 2 -j 1 --json "$T/j1.json" >/dev/null 2>&1
$L --large-file-kib 2 -j 4 --json "$T/j4.json" >/dev/null 2>&1
expect_eq "-j 1 and -j 4 agree" "$(locs "$T/j4.json" | md5sum)" "$(locs "$T/j1.json" | md5sum)"

# --- a 3 MiB line (delivered in pieces) keeps its columns
head -c 3145728 /dev/zero | tr '\0' 'x' >long.txt
printf '\377 \n' >>long.txt
expect_exit 1 "a 3 MiB line" $L --builtin=trailing-whitespace,utf8 --all-files --json "$T/long.json" long.txt
expect_eq "column past 3 MiB" "$(json_get "$T/long.json" 'sorted((c["id"], c["locations"][0]["column"]) for c in d["checks"] if c["status"]=="fail" and c["id"]!="lint.max-errors")')" \
	'[["lint.builtin.trailing-whitespace", 3145730], ["lint.builtin.utf8", 3145729]]'
rm -f long.txt

# --- a finding on every line: at most 10,000 kept per file and rule, every one counted
awk 'BEGIN { for (i = 0; i < 10005; i++) print "x " }' >many.txt
expect_exit 1 "10,005 findings in one file" $L --builtin=trailing-whitespace --all-files --json "$T/many.json" \
	--sarif "$T/many.sarif" many.txt
expect_eq "all counted" "$(json_get "$T/many.json" '[d["metrics"]["errors"], [c["count"] for c in d["checks"] if c["id"]=="lint.builtin.trailing-whitespace"]]')" \
	'[10005, [10005]]'
expect_eq "10,000 kept; the last says how many more" "$(json_get "$T/many.sarif" '[len(d["runs"][0]["results"]), d["runs"][0]["results"][-1]["message"]["text"], d["runs"][0]["results"][-1]["locations"][0]["physicalLocation"]["region"]["startLine"]]')" \
	'[10000, "trailing whitespace (1 character) (and 5 more in this file, counted but not listed)", 10000]'
rm -f many.txt

# --- qgate.json section "lint"
printf '{"lint": {"builtin": ["trailing-whitespace"], "exclude": ["ws.txt"]}}\n' >"$T/qgate.json"
expect_exit 0 "config: checks and exclude globs" $L --config "$T/qgate.json" --json "$T/c.json"
expect_eq "config check list" "$(json_get "$T/c.json" '[c["id"] for c in d["checks"]]')" '["lint.builtin.trailing-whitespace", "lint.max-errors"]'
# ID:GLOB leaves GLOB out of one check only (pre-commit's per-hook exclude)
printf '{"lint": {"builtin": ["secret", "trailing-whitespace"], "exclude": ["secret:*.txt", "secret:nosuch/**"]}}\n' >"$T/scoped.json"
expect_exit 1 "config: a scoped exclude" $L --config "$T/scoped.json" --json "$T/sc.json"
expect_eq "secret: only the file the scope leaves in" "$(json_get "$T/sc.json" 'sorted(set(l["file"] for c in d["checks"] if c["id"]=="lint.builtin.secret" for l in c["locations"]))')" '["aws2.cfg"]'
expect_eq "trailing-whitespace: *.txt still checked" "$(json_get "$T/sc.json" 'sorted(set(l["file"] for c in d["checks"] if c["id"]=="lint.builtin.trailing-whitespace" for l in c["locations"]))')" '["ws.txt"]'
expect_exit 2 "an unknown check in ID:GLOB" $L --builtin=secret --exclude 'secrte:*.txt'
expect_grep "the unknown check is named" "'secrte' is not a built-in check" "$T/err"
expect_exit 1 "a bracket makes a path with ':' a plain glob" $L --builtin=secret --exclude '[s]ecrte:*.txt'
printf '{"lint": {"nosuch": 1}}\n' >"$T/bad.json"
expect_exit 2 "config: unknown key" $L --config "$T/bad.json"
expect_exit 0 "--out DIR writes lint.json and lint.xml" $L --builtin=large-file --out "$T/outdir"
expect_file "lint.json" "$T/outdir/lint.json"
expect_file "lint.xml" "$T/outdir/lint.xml"
validate_junit "--out junit" "$T/outdir/lint.xml"
validate_result "--out json" "$T/outdir/lint.json"

# --- usage
expect_exit 2 "--fix with --staged" $L --fix --staged
expect_exit 2 "--parser with nothing before it" $L --parser gcc
expect_exit 2 "bad parser" $L --input x.txt --parser nosuch
expect_exit 2 "--filter without --changed-since" $L --filter added
expect_exit 0 "--help" $L --help
expect_grep "--help lists --builtin" '--builtin' "$T/out"

done_testing
