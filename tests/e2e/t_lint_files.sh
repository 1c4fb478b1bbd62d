#!/bin/sh
# t_lint_files.sh -- which files qgate-lint checks: tracked, PATH, --all-files, --staged, odd names, outside a repo
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lint_repo.sh"

files() {
	"$DEBIAN_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
out = set()
for c in d["checks"]:
    for l in c.get("locations", []):
        if l.get("file") is not None:
            out.add(l["file"])
print(" ".join(sorted(out)))
' "$1"
}

mkdir -p src docs build
printf 'x \n' >src/a.txt
printf 'y \n' >docs/b.txt
printf 'clean\n' >top.txt
printf 'build/\n' >.gitignore
printf 'z \n' >build/out.txt                          # ignored
g add -A && g commit -qm base
printf 'u \n' >src/untracked.txt                      # untracked

expect_exit 1 "default: tracked files" $L --builtin=trailing-whitespace --json "$T/a.json"
expect_eq "tracked only (no untracked, no ignored)" "$(files "$T/a.json")" "docs/b.txt src/a.txt"
expect_exit 1 "PATH narrows to a folder" $L --builtin=trailing-whitespace --json "$T/p.json" src
expect_eq "only src/, tracked" "$(files "$T/p.json")" "src/a.txt"
expect_exit 0 "PATH naming a clean file" $L --builtin=trailing-whitespace top.txt
expect_exit 1 "an untracked file named is checked" $L --builtin=trailing-whitespace --json "$T/u.json" src/untracked.txt
expect_eq "untracked named" "$(files "$T/u.json")" "src/untracked.txt"
expect_exit 1 "--all-files PATH walks the disk" $L --builtin=trailing-whitespace --all-files --json "$T/w.json" .
expect_eq "untracked in, ignored out" "$(files "$T/w.json")" "docs/b.txt src/a.txt src/untracked.txt"
expect_exit 3 "a PATH naming nothing" $L missing.txt
expect_grep "named, with the reason" "'missing.txt': No such file or directory" "$T/err"
mkdir empty
expect_exit 3 "an empty folder" $L empty
expect_grep "folder named" "'empty'" "$T/err"
expect_exit 1 "--exclude glob" $L --builtin=trailing-whitespace --exclude 'docs/' --json "$T/e.json"
expect_eq "docs excluded" "$(files "$T/e.json")" "src/a.txt"
expect_exit 1 "--exclude '*.txt' matches any component" $L --builtin=trailing-whitespace --exclude 'a.*' --json "$T/e2.json"
expect_eq "a.txt excluded" "$(files "$T/e2.json")" "docs/b.txt"
(cd src && $L --builtin=trailing-whitespace --json "$T/sub.json" . >/dev/null 2>&1)
expect_eq "from a subfolder: repository-relative paths" "$(files "$T/sub.json")" "src/a.txt"

# --- --staged: the index's blob, not the work tree
printf 'staged clean\n' >src/a.txt
g add src/a.txt
printf 'work tree dirty  \n' >src/a.txt                # not staged
printf 'new \n' >src/new.txt
g add src/new.txt
expect_exit 1 "--staged checks the blobs" $L --staged --builtin=trailing-whitespace --json "$T/s.json"
expect_eq "a.txt is clean as staged; new.txt dirty" "$(files "$T/s.json")" "docs/b.txt src/new.txt"
expect_exit 1 "work tree: a.txt dirty" $L --builtin=trailing-whitespace --json "$T/wt.json" src
expect_eq "work tree view" "$(files "$T/wt.json")" "src/a.txt src/new.txt"
chmod +x src/new.txt
expect_exit 0 "--staged: a work-tree +x is not the index's mode" $L --staged --builtin=executable-shebang,shebang-executable src
g update-index --chmod=+x src/new.txt
expect_exit 1 "--staged: +x in the index, no shebang" $L --staged --builtin=executable-shebang --json "$T/x.json" src
expect_eq "executable-shebang from the index" "$(files "$T/x.json")" "src/new.txt"
g update-index --chmod=-x src/new.txt; chmod -x src/new.txt
expect_exit 3 "--staged with an untracked PATH" $L --staged src/untracked.txt
g commit -qm two
printf 'a.txt\n' >/dev/null

# --- odd names: spaces, a newline, invalid UTF-8, a link loop, a link out of the tree
printf 'sp \n' >"with space.txt"
printf 'nl \n' >"$(printf 'new\nline.txt')"
printf 'bad \n' >"$(printf 'lat\351.txt')"
ln -s loop1 loop2 && ln -s loop2 loop1
ln -s /etc/passwd outside-link
printf 'bin \000 \377\n' >blob.bin
g add -A && g commit -qm odd
expect_exit 1 "odd names checked" $L --builtin=trailing-whitespace,broken-symlink,utf8 --json "$T/o.json"
validate_result "odd names json" "$T/o.json"
expect_eq "space name" "$("$DEBIAN_PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for c in d["checks"] for l in c.get("locations",[]) if l.get("file")=="with space.txt"))' "$T/o.json")" 1
expect_eq "newline name" "$("$DEBIAN_PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for c in d["checks"] for l in c.get("locations",[]) if l.get("file")=="new\nline.txt"))' "$T/o.json")" 1
expect_eq "link loop is a broken link" "$(json_get "$T/o.json" 'sorted(l["file"] for c in d["checks"] if c["id"]=="lint.builtin.broken-symlink" for l in c["locations"])')" '["loop1", "loop2"]'
expect_eq "link loop message" "$(json_get "$T/o.json" '[l["message"] for c in d["checks"] if c["id"]=="lint.builtin.broken-symlink" for l in c["locations"]][0]')" "symbolic link to 'loop2' points to nothing (a link loop)"
expect_eq "binary file: no text finding" "$(json_get "$T/o.json" 'len([l for c in d["checks"] for l in c.get("locations",[]) if l.get("file")=="blob.bin"])')" 0
expect_exit 1 "--all-files walk over the loop" $L --all-files --builtin=broken-symlink .
expect_exit 0 "the outside link is not followed for reading" $L --builtin=utf8,secret,private-key outside-link

# --- outside a git repository: PATHs work, no PATH is exit 3
O=$T/plain
mkdir -p "$O/sub"
printf 'p \n' >"$O/sub/p.txt"
printf 'ok\n' >"$O/ok.txt"
cd "$O" || exit 1
expect_exit 3 "outside a repository without PATH" $L
expect_grep "says to name the files" "not a git repository.*PATH" "$T/err"
expect_exit 1 "outside a repository with PATHs" $L --builtin=trailing-whitespace --json "$T/n.json" .
expect_eq "paths relative to the cwd" "$(files "$T/n.json")" "sub/p.txt"
expect_exit 0 "outside: a clean file" $L ok.txt
cd "$R" || exit 1
expect_exit 1 "a file outside the repository, named" $L --builtin=trailing-whitespace --json "$T/os.json" "$O/sub/p.txt"
expect_eq "kept as given" "$(files "$T/os.json")" "$O/sub/p.txt"
expect_eq "and flagged" "$(json_get "$T/os.json" '[l["message"] for c in d["checks"] for l in c.get("locations", []) if c["id"] == "lint.builtin.trailing-whitespace"]')" \
	'["trailing whitespace (1 character) (outside the repository)"]'

# --- case-conflict looks at every tracked path, not only the selected ones
printf 'other\n' >Top.txt
expect_exit 1 "a new Top.txt beside the tracked top.txt" $L --builtin=case-conflict --json "$T/cc.json" Top.txt
expect_eq "the conflict is on the selected side" "$(json_get "$T/cc.json" '[l["file"] + ": " + l["message"] for c in d["checks"] if c["id"]=="lint.builtin.case-conflict" for l in c["locations"]]')" \
	'["Top.txt: '"'"'Top.txt'"'"' and '"'"'top.txt'"'"' differ only in case"]'
expect_exit 0 "a selection without a conflict passes" $L --builtin=case-conflict src
rm -f Top.txt

# --- three spellings of one name: each neighbour pair once, in byte order
mkdir -p cc3
printf 'a\n' >cc3/readme.md && printf 'b\n' >cc3/README.md && printf 'c\n' >cc3/Readme.md
g add cc3 && g commit -qm cc3
expect_exit 1 "three spellings conflict" $L --builtin=case-conflict --json "$T/cc3.json" cc3
cc3() { json_get "$1" '[l["file"] + ": " + l["message"] for c in d["checks"] if c["id"]=="lint.builtin.case-conflict" for l in c["locations"]]'; }
expect_eq "two findings, each on the later spelling" "$(cc3 "$T/cc3.json")" \
	'["cc3/Readme.md: '"'"'cc3/README.md'"'"' and '"'"'cc3/Readme.md'"'"' differ only in case", "cc3/readme.md: '"'"'cc3/Readme.md'"'"' and '"'"'cc3/readme.md'"'"' differ only in case"]'
# a tracked file gone from the work tree is not checked (no error), still tracked for case-conflict
rm cc3/Readme.md
expect_exit 0 "a tracked file deleted in the work tree: nothing to check" $L --builtin=trailing-whitespace,end-of-file cc3
expect_exit 1 "the deleted spelling still collides with the others" $L --builtin=case-conflict --json "$T/cc3b.json" cc3
expect_eq "findings on the files still there" "$(cc3 "$T/cc3b.json")" \
	'["cc3/README.md: '"'"'cc3/README.md'"'"' and '"'"'cc3/Readme.md'"'"' differ only in case", "cc3/readme.md: '"'"'cc3/Readme.md'"'"' and '"'"'cc3/readme.md'"'"' differ only in case"]'
# a folder where the index has a file: skipped, as a deleted file
mkdir cc3/Readme.md
expect_exit 0 "a folder in place of a tracked file: nothing to check" $L --builtin=trailing-whitespace cc3
rm -rf cc3 && g rm -rq --cached cc3 && g commit -qm "no cc3"

# --- --changed-since: only files the diff touches
g checkout -q -b feature
printf 'new bad \n' >feature.txt
printf 'sp \nmore \n' >"with space.txt"
g add -A && g commit -qm feature
expect_exit 1 "--changed-since main" $L --changed-since main --builtin=trailing-whitespace --json "$T/cs.json"
expect_eq "only the changed files" "$(files "$T/cs.json")" "feature.txt with space.txt"
expect_eq "added filter: the old line is filtered" "$(json_get "$T/cs.json" '[c["count"] for c in d["checks"] if c["id"]=="lint.builtin.trailing-whitespace"][0]')" 2
GITHUB_BASE_REF=nosuchbranch $L --builtin=trailing-whitespace >/dev/null 2>"$T/gh.err"
expect_eq "GITHUB_BASE_REF sets the default (unknown ref: exit 2)" "$?" 2
expect_grep "names origin/\$GITHUB_BASE_REF" "origin/nosuchbranch" "$T/gh.err"
done_testing
