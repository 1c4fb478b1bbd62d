#!/bin/sh
# t_lint_filter.sh -- qgate-lint --changed-since/--filter and --baseline end to end
#
# A git repository is built here with two commits; the findings come from
# the built-in trailing-whitespace check and from a checkstyle report (lines
# and findings without a line). Each filter keeps exactly what reviewdog's
# mode keeps: added (the '+' lines, checked against `git diff -U0` too),
# diff-context (inside a hunk with its 3 context lines), file (anywhere in a
# changed file), nofilter (everything). The baseline: a finding moved 10
# lines down stays old, an edited line makes it new, a second identical
# finding is new, a new one on an added line is reported. Then the same
# with a real linter (shellcheck -f gcc through --run). A fingerprint
# covers the line and one neighbour each side, so "moved" here means the
# block moved with its neighbours.
. "$(dirname "$0")/lib.sh"

command -v git >/dev/null 2>&1 || { skip "git not installed"; done_testing; exit 0; }
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_CEILING_DIRECTORIES="$T"
g() { git -c user.name=qgate -c user.email=qgate@example.invalid -c commit.gpgsign=false "$@"; }

R=$T/repo
mkdir "$R" && cd "$R" || exit 1

# base: a.txt lines 1..30, trailing blanks on 5 (far from the change) and 12
# (in the context of the change at 14); other.txt unchanged later; dup.txt
lines() { i=1; while [ "$i" -le 30 ]; do
	case $i in 5|12) echo "line $i " ;; *) echo "line $i" ;; esac; i=$((i + 1)); done; }
lines >a.txt
printf 'x \n' >other.txt
printf 'top\nsame \nbottom\n' >dup.txt
printf 'old\n' >gone.txt
g init -q -b main . && g add . && g commit -q -m base && g tag base ||
	{ not_ok "git repository"; done_testing; exit 1; }

# the change: line 14 edited (with a trailing blank), a new line 26 with one,
# gone.txt deleted
lines | sed -e 's/^line 14$/line 14 changed /' -e 's/^line 25$/line 25\nnew /' >a.txt
g rm -q gone.txt && g commit -q -am change || { not_ok "second commit"; done_testing; exit 1; }

# every trailing-whitespace finding as "file:line", sorted
found() { json_get "$1" '"\n".join(sorted("%s:%s" % (l["file"], l["line"]) for c in d["checks"] if c["id"] == "lint.builtin.trailing-whitespace" for l in c.get("locations", [])))'; }

run_filter() { # MODE EXIT WANT
	expect_exit "$2" "--filter $1" qgate-lint --builtin=trailing-whitespace --changed-since base --filter "$1" \
		--json "$T/$1.json" --junit "$T/$1.xml"
	validate_result "--filter $1 result" "$T/$1.json"
	validate_junit "--filter $1 JUnit" "$T/$1.xml"
	expect_eq "--filter $1 keeps" "$(found "$T/$1.json" | tr '\n' ' ')" "$3"
}
run_filter added 1 "a.txt:14 a.txt:26 "
run_filter diff-context 1 "a.txt:12 a.txt:14 a.txt:26 "
run_filter file 1 "a.txt:12 a.txt:14 a.txt:26 a.txt:5 "
# --changed-since also narrows the built-in checks to the changed files
# (qgate-lint's file selection), so nofilter adds nothing to file here; the
# checkstyle report below shows nofilter keeping unchanged files' findings
run_filter nofilter 1 "a.txt:12 a.txt:14 a.txt:26 a.txt:5 "

# the default with --changed-since is added; the metrics count what is left
expect_exit 1 "--changed-since alone" qgate-lint --builtin=trailing-whitespace --changed-since base --json "$T/def.json"
expect_eq "default filter is added" "$(found "$T/def.json" | tr '\n' ' ')" "a.txt:14 a.txt:26 "
expect_eq "metrics.errors after filtering" "$(json_get "$T/def.json" 'd["metrics"]["errors"]')" 2

# the added lines are git's own: every kept line is a '+' line of git diff -U0
git diff -U0 base -- a.txt | sed -n 's/^@@ -[0-9,]* +\([0-9]*\),*\([0-9]*\) @@.*/\1 \2/p' >"$T/hunks"
plus=$(while read -r start count; do
	[ -n "$count" ] || count=1
	i=0; while [ "$i" -lt "$count" ]; do echo "a.txt:$((start + i))"; i=$((i + 1)); done
done <"$T/hunks" | sort | tr '\n' ' ')
expect_eq "git diff -U0's added lines" "$plus" "a.txt:14 a.txt:26 "

# a checkstyle report: a finding without a line is kept by file/nofilter
# only when its file changed; one spanning lines (here: ending in the
# change's context) counts where any of its lines does; a finding on a
# deleted file is on no changed file
cat >"$T/cs.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<checkstyle version="4.3">
<file name="a.txt">
<error line="13" column="1" severity="warning" message="context line" source="demo.ctx"/>
<error line="26" column="1" severity="warning" message="added line" source="demo.added"/>
<error line="3" column="1" severity="warning" message="far from the change" source="demo.far"/>
<error severity="warning" message="whole file" source="demo.file"/>
</file>
<file name="other.txt"><error severity="warning" message="whole unchanged file" source="demo.file"/></file>
<file name="gone.txt"><error line="1" severity="warning" message="deleted file" source="demo.gone"/></file>
</checkstyle>
EOF
cs_found() { json_get "$1" '" ".join(sorted("%s:%s" % (l["file"], l.get("line", 0)) for c in d["checks"] if c["id"].startswith("lint.checkstyle.") for l in c.get("locations", [])))'; }
qgate-lint --input "$T/cs.xml" --parser checkstyle --max-warnings -1 >"$T/out" 2>"$T/err"
if [ $? -eq 2 ] && grep -q "not available" "$T/err"; then
	skip "checkstyle parser not in this build (L2's parse_checkstyle.c): line-less findings NOT CHECKED"
else
for mode in added diff-context file nofilter; do
	expect_exit 0 "checkstyle report --filter $mode" qgate-lint --input "$T/cs.xml" --parser checkstyle \
		--changed-since base --filter "$mode" --max-warnings -1 --json "$T/cs-$mode.json"
	validate_result "checkstyle --filter $mode result" "$T/cs-$mode.json"
done
expect_eq "checkstyle added" "$(cs_found "$T/cs-added.json")" "a.txt:26"
expect_eq "checkstyle diff-context" "$(cs_found "$T/cs-diff-context.json")" "a.txt:13 a.txt:26"
expect_eq "checkstyle file" "$(cs_found "$T/cs-file.json")" "a.txt:0 a.txt:13 a.txt:26 a.txt:3"
expect_eq "checkstyle nofilter" "$(cs_found "$T/cs-nofilter.json")" \
	"a.txt:0 a.txt:13 a.txt:26 a.txt:3 gone.txt:1 other.txt:0"
fi

# usage: an unknown filter, an unknown ref
expect_exit 2 "unknown filter" qgate-lint --builtin=trailing-whitespace --changed-since base --filter changed
expect_exit 2 "unknown ref" qgate-lint --builtin=trailing-whitespace --changed-since no-such-ref
expect_grep "unknown ref named" "no-such-ref" "$T/err"

# ---- the baseline
expect_exit 1 "--write-baseline" qgate-lint --builtin=trailing-whitespace --write-baseline "$T/bl.json" --json "$T/w.json"
expect_eq "baseline schema" "$(json_get "$T/bl.json" 'd["schema"]')" "qgate.lint-baseline/v1"
expect_eq "baseline entries" "$(json_get "$T/bl.json" 'len(d["entries"])')" 6
expect_eq "baseline entry" "$(json_get "$T/bl.json" '[e for e in d["entries"] if e["line"] == 14][0]["file"]')" a.txt

expect_exit 0 "--baseline: nothing new" qgate-lint --builtin=trailing-whitespace --baseline "$T/bl.json" --json "$T/b0.json"
validate_result "--baseline result" "$T/b0.json"
expect_eq "all old" "$(json_get "$T/b0.json" 'd["metrics"]["baseline"]')" 6

# 10 lines inserted above: everything in a.txt moves 10 down and stays old
{ i=0; while [ "$i" -lt 10 ]; do echo "pad $i"; i=$((i + 1)); done; cat a.txt; } >"$T/a.new"
mv "$T/a.new" a.txt
expect_exit 0 "moved 10 lines down: still old" qgate-lint --builtin=trailing-whitespace --baseline "$T/bl.json" --json "$T/b1.json"
expect_eq "all six still old" "$(json_get "$T/b1.json" 'd["metrics"]["baseline"]')" 6

# a new one on an added line is reported, the old ones stay hidden
sed -i 's/^line 20$/line 20 /' a.txt
expect_exit 1 "a new finding" qgate-lint --builtin=trailing-whitespace --baseline "$T/bl.json" --json "$T/b2.json"
expect_eq "only the new one" "$(found "$T/b2.json" | tr '\n' ' ')" "a.txt:30 "

# an edited line with a finding: new again
sed -i 's/^line 20 $/line 20/; s/^line 5 $/line 5 edited /' a.txt
expect_exit 1 "an edited line" qgate-lint --builtin=trailing-whitespace --baseline "$T/bl.json" --json "$T/b3.json"
expect_eq "the edited one is new" "$(found "$T/b3.json" | tr '\n' ' ')" "a.txt:15 "

# a second identical finding (same line, same neighbours): one old, one new
sed -i 's/^line 5 edited $/line 5 /' a.txt
printf 'top\nsame \nbottom\ntop\nsame \nbottom\n' >dup.txt
expect_exit 1 "a second identical finding" qgate-lint --builtin=trailing-whitespace --baseline "$T/bl.json" --json "$T/b4.json"
expect_eq "the copy is new" "$(json_get "$T/b4.json" 'd["metrics"]["errors"]')" 1
expect_eq "the original stays old" "$(json_get "$T/b4.json" 'd["metrics"]["baseline"]')" 6

# a malformed baseline: exit 3 naming file:line:col
printf '{\n  "schema": "qgate.lint-baseline/v1",\n  "entries": [ , ]\n}\n' >"$T/bad.json"
expect_exit 3 "malformed baseline" qgate-lint --builtin=trailing-whitespace --baseline "$T/bad.json"
expect_grep "malformed baseline named with line and column" "bad.json'?:3:[0-9]+" "$T/err"
printf '{"schema": "other", "entries": []}\n' >"$T/other.json"
expect_exit 3 "not a baseline" qgate-lint --builtin=trailing-whitespace --baseline "$T/other.json"
expect_grep "not a baseline named" "not a qgate lint baseline" "$T/err"

# ---- --staged: the diff goes to the index, the text is the staged blob
g reset -q --hard
printf 'x \nstaged \n' >other.txt
g add other.txt
printf 'x \n' >other.txt # the work tree is back to HEAD's text
expect_exit 1 "--staged --changed-since HEAD" qgate-lint --builtin=trailing-whitespace --staged --changed-since HEAD \
	--json "$T/st.json"
expect_eq "the staged line only" "$(found "$T/st.json" | tr '\n' ' ')" "other.txt:2 "
expect_exit 0 "the work tree has no change" qgate-lint --builtin=trailing-whitespace --changed-since HEAD \
	--json "$T/wt.json"
expect_eq "nothing in the work tree" "$(json_get "$T/wt.json" 'd["metrics"]["errors"]')" 0

# ---- a real linter: shellcheck's findings through --run, filtered and baselined
if ! command -v shellcheck >/dev/null 2>&1; then
	skip "shellcheck not installed: the real-linter filter and baseline checks NOT RUN"
else
	S=$T/sc
	mkdir "$S" && cd "$S" || exit 1
	printf '#!/bin/sh\n# a script\necho $1\n# end\n' >s.sh
	g init -q -b main . && g add . && g commit -q -m base && g tag base || not_ok "shellcheck repository"
	# SC2086 is shellcheck's "info": a note, so these runs pass (exit 0)
	expect_exit 0 "shellcheck: baseline at the base" qgate-lint --run 'shellcheck -f gcc s.sh' --parser gcc \
		--max-warnings 0 --write-baseline "$T/sc-bl.json" --json "$T/sc0.json"
	expect_eq "shellcheck: one finding at the base" "$(json_get "$T/sc0.json" 'd["metrics"]["total"]')" 1
	# 10 lines above the old finding (its neighbours unchanged), a new one added at the end
	{ printf '#!/bin/sh\n'; i=0; while [ "$i" -lt 10 ]; do echo "# pad $i"; i=$((i + 1)); done
	  printf '# a script\necho $1\n# end\nrm $2\n'; } >s.sh
	g commit -q -am change || not_ok "shellcheck second commit"
	scl() { json_get "$1" '" ".join(sorted("%s:%s:%s" % (c["rule"], l["file"], l["line"]) for c in d["checks"] if c["id"].startswith("lint.shellcheck") or c.get("tool") == "shellcheck" for l in c.get("locations", [])))'; }
	expect_exit 0 "shellcheck --changed-since base" qgate-lint --run 'shellcheck -f gcc s.sh' --parser gcc \
		--max-warnings 0 --changed-since base --json "$T/sc1.json"
	validate_result "shellcheck --changed-since result" "$T/sc1.json"
	expect_eq "shellcheck: only the added line's finding" "$(scl "$T/sc1.json")" "SC2086:s.sh:15"
	expect_exit 0 "shellcheck --baseline" qgate-lint --run 'shellcheck -f gcc s.sh' --parser gcc \
		--max-warnings 0 --baseline "$T/sc-bl.json" --json "$T/sc2.json"
	expect_eq "shellcheck: the moved one stays old, the new one is new" "$(scl "$T/sc2.json")" "SC2086:s.sh:15"
	expect_eq "shellcheck: one hidden by the baseline" "$(json_get "$T/sc2.json" 'd["metrics"]["baseline"]')" 1
	expect_eq "shellcheck: one new note" "$(json_get "$T/sc2.json" 'd["metrics"]["notes"]')" 1
	cd "$R" || exit 1
fi

# --- a renamed file: libgit2's diff follows the rename, so the old finding
# stays out of "added" and a line added after the rename is reported
RN=$T/rename
mkdir "$RN" && cd "$RN" || exit 1
g init -q -b main .
i=1; while [ "$i" -le 30 ]; do if [ "$i" = 3 ]; then echo "line $i "; else echo "line $i"; fi; i=$((i + 1)); done >old.txt
g add old.txt && g commit -qm base
g checkout -qb pr && g mv old.txt new.txt
sed 's/^line 20$/line 20 /' new.txt >n.tmp && mv n.tmp new.txt
g commit -qam "rename and edit"
rn() { json_get "$1" '[d["metrics"]["new"], d["metrics"]["filtered"], sorted("%s:%s" % (l["file"], l["line"]) for c in d["checks"] for l in c.get("locations", []))]'; }
expect_exit 1 "rename: --filter added" qgate-lint --builtin=trailing-whitespace --changed-since main --json "$T/rn1.json"
expect_eq "rename: only the line added after the rename" "$(rn "$T/rn1.json")" '[1, 1, ["new.txt:20"]]'
expect_exit 1 "rename: --filter file" qgate-lint --builtin=trailing-whitespace --changed-since main --filter file --json "$T/rn2.json"
expect_eq "rename: the whole renamed file" "$(rn "$T/rn2.json")" '[2, 0, ["new.txt:20", "new.txt:3"]]'
cd "$R" || exit 1

done_testing
