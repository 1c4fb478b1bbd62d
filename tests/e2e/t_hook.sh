#!/bin/sh
# t_hook.sh -- qgate hook install|uninstall|status against real `git push`es to
# a bare repository made here (file://): the installed pre-push hook runs the
# real `qgate run --stage pre-push` (a qgate-data validate step on a CSV) and
# lets a good push through, blocks a bad one with the summary; --changed-since
# is the remote sha (a change outside the step's paths passes although the
# CSV in the tree is bad); a new branch is checked against its merge base with
# the default branch; a deleted branch is skipped; QGATE_SKIP=1 and
# --no-verify skip it; a foreign hook is refused, then kept and run first
# with --force, and restored by uninstall; core.hooksPath and a linked
# worktree; a qgate path with a quote and a space; usage errors.
. "$(dirname "$0")/lib.sh"

Q=$QG_BIN/qgate
DATA=$QG_ROOT/examples/data
if ! command -v git >/dev/null 2>&1; then
	skip "git is not installed"
	done_testing
	exit
fi
# no user or system git config leaks in
HOME=$T/home
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
export HOME GIT_CONFIG_NOSYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
unset QGATE_SKIP GIT_DIR GIT_WORK_TREE 2>/dev/null
mkdir -p "$HOME"

R=$T/remote.git
W=$T/w
git init -q --bare "$R"
git init -q -b main "$W"
cp "$DATA/train.schema.json" "$W/"
cp "$DATA/train.csv" "$W/data.csv"
echo "build/" >"$W/.gitignore"
echo "readme" >"$W/README"
cat >"$W/qgate.json" <<'EOF'
{
  "pipeline": {
    "pre-push": [
      {"name": "data", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "data.csv"],
       "paths": ["*.csv", "*.schema.json"]}
    ]
  }
}
EOF
g() { git -C "$W" "$@"; }
commit() { g add -A >/dev/null && g commit -q -m "$1"; }
remote_sha() { git -C "$R" rev-parse -q --verify "refs/heads/$1" 2>/dev/null || echo none; }
push() { (cd "$W" && git push "$@"); }
# stdout and stderr of the last expect_exit in one file
both() { cat "$T/out" "$T/err" >"$T/both"; echo "$T/both"; }
commit "first"
g remote add origin "file://$R"
expect_exit 0 "the first push (no hook yet)" push -q origin main
g remote set-head origin main >/dev/null 2>&1

# ---- usage and status ------------------------------------------------------
expect_exit 2 "'qgate hook' alone is a usage error" "$Q" hook
expect_grep "it names the commands" "install, uninstall or status" "$T/err"
expect_exit 2 "an unknown hook command" "$Q" hook frob
expect_exit 2 "--force goes with install only" sh -c "cd '$W' && '$Q' hook status --force"
expect_exit 2 "a stage name with shell characters is refused" sh -c "cd '$W' && '$Q' hook install --stage 'a;rm -rf x'"
expect_no_file "nothing was written for it" "$W/.git/hooks/pre-push"
mkdir -p "$T/norepo"
expect_exit 3 "outside a repository: exit 3" env GIT_CEILING_DIRECTORIES="$T" sh -c "cd '$T/norepo' && '$Q' hook status"
expect_grep "it says so" "not a git repository" "$T/err"
expect_exit 2 "a bare repository is refused" sh -c "cd '$R' && '$Q' hook install"
expect_exit 0 "qgate hook --help" "$Q" hook --help
expect_grep "--help shows the usage" '^usage: qgate hook install \[--stage NAME\] \[--force\]$' "$T/out"
expect_exit 0 "qgate help hook is the same help" "$Q" help hook
expect_grep "help hook shows the usage" '^usage: qgate hook install' "$T/out"

expect_exit 1 "status before install: exit 1" sh -c "cd '$W' && '$Q' hook status"
expect_grep "status says not installed and where" "^not installed: no pre-push hook in $W/.git/hooks\$" "$T/out"
expect_exit 0 "install" sh -c "cd '$W' && '$Q' hook install"
expect_grep "install says where" "^installed pre-push hook: $W/.git/hooks/pre-push \\(stage 'pre-push'\\)" "$T/out"
if [ -x "$W/.git/hooks/pre-push" ]; then ok "the hook is executable"; else not_ok "the hook is not executable"; fi
expect_grep "the hook carries the marker" "^# qgate-hook: written by 'qgate hook install'" "$W/.git/hooks/pre-push"
if sh -n "$W/.git/hooks/pre-push" 2>"$T/shn"; then ok "the hook is valid sh"; else not_ok "sh -n: $(cat "$T/shn")"; fi
if ! command -v shellcheck >/dev/null 2>&1; then
	skip "shellcheck is not installed: the hook script is not linted"
elif shellcheck -s sh "$W/.git/hooks/pre-push" >"$T/sc" 2>&1; then
	ok "shellcheck -s sh finds nothing in the hook"
else
	not_ok "shellcheck -s sh on the hook"; sed 's/^/#   /' "$T/sc" | head -20
fi
expect_exit 0 "status after install: exit 0" sh -c "cd '$W/.git' && '$Q' hook status"
expect_grep "status says installed, where and the stage" "^installed: $W/.git/hooks/pre-push \\(stage 'pre-push'\\)\$" "$T/out"
expect_exit 0 "install --stage ci" sh -c "cd '$W' && '$Q' hook install --stage ci"
expect_grep "the hook runs stage ci" "^stage='ci'\$" "$W/.git/hooks/pre-push"
expect_exit 0 "status names the stage" sh -c "cd '$W' && '$Q' hook status"
expect_grep "status says stage ci" "\\(stage 'ci'\\)" "$T/out"
expect_exit 0 "install again updates our own hook" sh -c "cd '$W' && '$Q' hook install"
expect_grep "it says updated" "^updated pre-push hook" "$T/out"

# ---- pushes through the hook -----------------------------------------------
head -40 "$DATA/train.csv" >"$W/data.csv"
commit "good data"
expect_exit 0 "a push with good data goes through" push origin main
expect_grep "the hook ran qgate run (its summary)" "qgate run: stage 'pre-push': pass" "$(both)"
expect_eq "the remote has the good commit" "$(remote_sha main)" "$(g rev-parse HEAD)"
expect_eq "qgate run checked the changes since the remote sha" \
	"$(json_get "$W/build/qgate-run/run.json" 'd["changed_since"]')" "$(g rev-parse HEAD~1)"

before=$(remote_sha main)
cp "$DATA/batch-bad.csv" "$W/data.csv"
commit "bad data"
expect_exit 1 "a push with bad data is blocked" push origin main
cat "$T/out" "$T/err" >"$T/blocked"
expect_grep "the summary says fail" "qgate run: stage 'pre-push': fail" "$T/blocked"
expect_grep "the failing check is shown" 'above maximum 120' "$T/blocked"
expect_grep "the hook says the push is blocked" "qgate: push of refs/heads/main blocked: stage 'pre-push' exit 1" "$T/blocked"
expect_eq "the remote did not move" "$(remote_sha main)" "$before"

echo "more" >>"$W/README"
commit "readme only"
expect_exit 1 "still blocked while the bad commit is in the range" push origin main
expect_eq "the remote still did not move" "$(remote_sha main)" "$before"

expect_exit 0 "QGATE_SKIP=1 skips the hook" env QGATE_SKIP=1 sh -c "cd '$W' && git push origin main"
expect_grep "and says so" "pre-push hook skipped \\(QGATE_SKIP=1\\)" "$T/err"
expect_eq "the remote moved" "$(remote_sha main)" "$(g rev-parse HEAD)"

echo "again" >>"$W/README"
commit "readme only, the bad CSV still in the tree"
expect_exit 0 "a push touching no CSV passes (the step is skipped by --changed-since)" push origin main
expect_eq "run.json: changed since the remote sha" "$(json_get "$W/build/qgate-run/run.json" 'd["changed_since"]')" \
	"$(g rev-parse HEAD~1)"
expect_eq "run.json: the step was skipped for its paths" \
	"$(json_get "$W/build/qgate-run/run.json" '[s["status"] for s in d["steps"]]')" '["skip"]'

printf '999,200,1,pro,PL,2025-01-01,x@example.com,true\n' >>"$W/data.csv"
commit "worse data"
expect_exit 0 "git push --no-verify skips the hook" push --no-verify origin main
expect_no_grep "the hook did not run" "^qgate" "$(both)"
expect_eq "the remote moved" "$(remote_sha main)" "$(g rev-parse HEAD)"

head -40 "$DATA/train.csv" >"$W/data.csv"
commit "data fixed"
expect_exit 0 "a fixed push goes through" push origin main
expect_eq "the remote has it" "$(remote_sha main)" "$(g rev-parse HEAD)"

# ---- two refs in one push: each is checked ------------------------------
g checkout -q -b two-good
echo "two" >>"$W/README"
commit "two-good readme"
g checkout -q -b two-bad main
cp "$DATA/batch-bad.csv" "$W/data.csv"
commit "two-bad data"
expect_exit 1 "a push of a good and a bad new branch is blocked" push origin two-good two-bad
expect_grep "the bad one is named" "push of refs/heads/two-bad blocked" "$T/err"
expect_grep "the good one (not HEAD) is checked in a temporary worktree" \
	"refs/heads/two-good is not the checked-out HEAD: checking $(g rev-parse two-good) in a temporary worktree" "$T/err"
expect_no_grep "and passes there although the work tree's CSV is bad" "push of refs/heads/two-good blocked" "$T/err"
expect_eq "git pushed neither" "$(remote_sha two-good) $(remote_sha two-bad)" "none none"
expect_eq "the temporary worktree is gone" "$(g worktree list | grep -c qgate-hook)" 0
g checkout -q main
cp "$DATA/batch-bad.csv" "$W/data.csv"
expect_exit 0 "pushing a good branch that is not HEAD checks its commit, not the (bad) work tree" push origin two-good
expect_eq "the remote has two-good" "$(remote_sha two-good)" "$(g rev-parse two-good)"
g checkout -q -- data.csv

# ---- new branches and a deleted branch ------------------------------------
g checkout -q -b feature
echo "feature" >>"$W/README"
commit "feature readme"
expect_exit 0 "a new branch touching no CSV passes" push origin feature
expect_grep "the hook names the merge base with the default branch" \
	"refs/heads/feature is a new branch: checking changes since its merge base with refs/remotes/origin/HEAD" "$T/err"
expect_eq "run.json: changed since the merge base with main" \
	"$(json_get "$W/build/qgate-run/run.json" 'd["changed_since"]')" "$(g merge-base main feature)"
g checkout -q -b feature2 main
cp "$DATA/batch-bad.csv" "$W/data.csv"
commit "feature2 bad data"
expect_exit 1 "a new branch with a bad CSV is blocked" push origin feature2
expect_eq "the remote has no feature2" "$(remote_sha feature2)" none
g checkout -q -b at-main main
expect_exit 0 "a new branch at the default branch's commit: every step runs (and passes)" push origin at-main
expect_grep "the hook says why" "refs/heads/at-main is a new branch with no commits of its own over refs/remotes/origin/HEAD: checking every step" "$T/err"
expect_eq "run.json: no changed-since" "$(json_get "$W/build/qgate-run/run.json" '[d["changed_since"], [s["status"] for s in d["steps"]]]')" '[null, ["pass"]]'
g checkout -q feature
expect_exit 0 "deleting a branch on the remote" push origin --delete feature
expect_grep "the hook skips the deleted branch and says so" "refs/heads/feature is being deleted: nothing to check" "$T/err"
expect_eq "the remote branch is gone" "$(remote_sha feature)" none
g checkout -q main

# ---- a foreign hook --------------------------------------------------------
expect_exit 0 "uninstall" sh -c "cd '$W' && '$Q' hook uninstall"
expect_no_file "the hook is gone" "$W/.git/hooks/pre-push"
expect_exit 0 "uninstall with nothing installed" sh -c "cd '$W' && '$Q' hook uninstall"
cat >"$W/.git/hooks/pre-push" <<EOF
#!/bin/sh
echo "foreign hook ran: \$1" >>"$T/foreign.log"
cat >>"$T/foreign.log"
exit \${FOREIGN_RC:-0}
EOF
chmod +x "$W/.git/hooks/pre-push"
cp "$W/.git/hooks/pre-push" "$T/foreign.orig"
expect_exit 2 "install refuses to replace a foreign hook" sh -c "cd '$W' && '$Q' hook install"
expect_grep "it names the hook and the way out" "a pre-push hook qgate did not write is there" "$T/err"
expect_grep "the hint names --force" "qgate hook install --force" "$T/err"
if cmp -s "$W/.git/hooks/pre-push" "$T/foreign.orig"; then ok "the foreign hook is untouched"; else not_ok "the foreign hook changed"; fi
expect_exit 1 "status: foreign hook, exit 1" sh -c "cd '$W' && '$Q' hook status"
expect_grep "status says foreign" "^foreign hook: $W/.git/hooks/pre-push was not written by qgate" "$T/out"
expect_exit 2 "uninstall refuses to remove a foreign hook" sh -c "cd '$W' && '$Q' hook uninstall"
expect_exit 0 "install --force" sh -c "cd '$W' && '$Q' hook install --force"
expect_grep "it says where the old hook went" "kept the previous hook as $W/.git/hooks/pre-push.qgate-saved" "$T/out"
if cmp -s "$W/.git/hooks/pre-push.qgate-saved" "$T/foreign.orig"; then ok "the old hook is kept whole"; else not_ok "the kept hook differs"; fi
expect_exit 0 "status: installed, runs the saved one first" sh -c "cd '$W' && '$Q' hook status"
expect_grep "status names the saved hook" "^runs first: $W/.git/hooks/pre-push.qgate-saved" "$T/out"
echo "x" >>"$W/README"
commit "readme x"
rm -f "$T/foreign.log"
expect_exit 0 "a push runs the foreign hook, then qgate's" push origin main
expect_grep "the foreign hook got git's arguments" "^foreign hook ran: origin\$" "$T/foreign.log"
expect_grep "the foreign hook got the ref lines on stdin" "^refs/heads/main $(g rev-parse HEAD) refs/heads/main " "$T/foreign.log"
expect_grep "qgate's part ran after it" "qgate run: stage 'pre-push'" "$(both)"
echo "y" >>"$W/README"
commit "readme y"
expect_exit 1 "a failing foreign hook blocks the push" env FOREIGN_RC=1 sh -c "cd '$W' && git push origin main"
expect_grep "the hook says which one blocked it" "push blocked by the saved hook" "$T/err"
expect_exit 0 "uninstall restores the foreign hook" sh -c "cd '$W' && '$Q' hook uninstall"
expect_grep "uninstall says so" "restored the previous one" "$T/out"
if cmp -s "$W/.git/hooks/pre-push" "$T/foreign.orig"; then ok "the restored hook is the original"; else not_ok "the restored hook differs"; fi
expect_no_file "no saved copy is left" "$W/.git/hooks/pre-push.qgate-saved"
rm -f "$W/.git/hooks/pre-push"

# ---- core.hooksPath --------------------------------------------------------
g config core.hooksPath .githooks
expect_exit 0 "install with a relative core.hooksPath" sh -c "cd '$W' && '$Q' hook install"
expect_file "the hook is in the work tree's .githooks" "$W/.githooks/pre-push"
expect_no_file "not in .git/hooks" "$W/.git/hooks/pre-push"
expect_exit 0 "status with core.hooksPath" sh -c "cd '$W' && '$Q' hook status"
expect_grep "status names core.hooksPath" "^installed: $W/.githooks/pre-push \\(stage 'pre-push'\\) \\(core.hooksPath\\)\$" "$T/out"
cp "$DATA/batch-bad.csv" "$W/data.csv"
g add data.csv && g commit -q -m "bad again"
expect_exit 1 "git runs the core.hooksPath hook: the bad push is blocked" push origin main
g config core.hooksPath "$T/abs-hooks"
expect_exit 0 "install with an absolute core.hooksPath" sh -c "cd '$W' && '$Q' hook install"
expect_file "the hook is in that folder" "$T/abs-hooks/pre-push"
expect_exit 1 "and git runs it" push origin main
g config core.hooksPath "~/hooks"
expect_exit 0 "install with core.hooksPath under ~/" sh -c "cd '$W' && '$Q' hook install"
expect_file "the hook is in \$HOME/hooks" "$HOME/hooks/pre-push"
g config --unset core.hooksPath
expect_exit 1 "without core.hooksPath: not installed in .git/hooks" sh -c "cd '$W' && '$Q' hook status"

# ---- a linked worktree -----------------------------------------------------
g reset -q --hard HEAD~1
g worktree add -q -b wt "$T/wt" main 2>/dev/null
expect_exit 0 "install from a linked worktree" sh -c "cd '$T/wt' && '$Q' hook install"
expect_file "the hook goes to the main repository's hooks (shared)" "$W/.git/hooks/pre-push"
expect_exit 0 "status from the main work tree sees it" sh -c "cd '$W' && '$Q' hook status"
cp "$DATA/batch-bad.csv" "$T/wt/data.csv"
git -C "$T/wt" add data.csv && git -C "$T/wt" commit -q -m "wt bad"
expect_exit 1 "a bad push from the worktree is blocked" sh -c "cd '$T/wt' && git push origin wt"
expect_grep "it checked the worktree's branch" "push of refs/heads/wt blocked" "$T/err"
head -40 "$DATA/train.csv" >"$T/wt/data.csv"
git -C "$T/wt" add data.csv && git -C "$T/wt" commit -q -m "wt good"
expect_exit 0 "a good push from the worktree goes through" sh -c "cd '$T/wt' && git push origin wt"
expect_eq "the remote has wt" "$(remote_sha wt)" "$(git -C "$T/wt" rev-parse HEAD)"

# ---- a qgate path that needs quoting ---------------------------------------
Qd="$T/it's a \$(touch pwned)"
mkdir -p "$Qd"
cp "$Q" "$Qd/qgate"
expect_exit 0 "install from a qgate whose path has a quote, a space and \$()" sh -c "cd '$W' && \"\$1\" hook install" sh "$Qd/qgate"
want="qgate='$T/it'\\''s a \$(touch pwned)/qgate'"
if grep -Fqx -- "$want" "$W/.git/hooks/pre-push"; then ok "the hook names that path, quoted"; else
	not_ok "the hook does not hold the line $want"; grep '^qgate=' "$W/.git/hooks/pre-push" | sed 's/^/#   /'; fi
cp "$DATA/batch-bad.csv" "$W/data.csv"
commit "bad via the quoted qgate"
expect_exit 1 "that hook runs and blocks a bad push" push origin main
expect_grep "through qgate run" "qgate run: stage 'pre-push': fail" "$(both)"
expect_no_file "nothing ran the \$(touch pwned) in the path" "$W/pwned"
rm -f "$Qd/qgate"
expect_exit 1 "status: a hook whose qgate is gone is broken (exit 1)" sh -c "cd '$W' && '$Q' hook status"
expect_grep "status says broken and what to do" "^broken: $W/.git/hooks/pre-push .* which is not an executable; run 'qgate hook install' again" "$T/out"
expect_exit 1 "a push through that hook is blocked, not waved through" push origin main

done_testing
