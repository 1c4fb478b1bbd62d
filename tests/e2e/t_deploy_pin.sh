#!/bin/sh
# t_deploy_pin.sh -- qgate-deploy pin: image references pinned to a digest, no other byte changed
#
# A multi-document manifest with the image bare, tagged, digested, quoted
# both ways, in a flow mapping, beside comments, a similar repository that
# must stay, non-ASCII text before it; `diff` shows only the image lines
# changed and `cmp` the rest byte for byte (CRLF and a BOM too). The mode
# stays. --commit: a real repository, checked with `git log`, `git show`
# and `git status` (only the manifest committed; other staged work stays
# staged). Exit 1 when no image matches, 2 for a bad --digest/--image,
# 3 for malformed YAML naming file:line:col.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
D=qgate-deploy
DIG=sha256:$(printf 'model bytes' | sha256sum | cut -d' ' -f1)
REPO=registry.example.com/ml/model
OLD=sha256:1111111111111111111111111111111111111111111111111111111111111111

cat >deploy.yaml <<EOF
# deployment of the model server
apiVersion: apps/v1
kind: Deployment
metadata:
  name: modèle-serveur   # non-ASCII before the images
  labels: {app: model}
spec:
  template:
    spec:
      containers:
        - name: server
          image: $REPO:1.2.0   # the tag goes, this comment stays
          args: ["--port", "8080"]
        - name: sidecar
          image: "$REPO@$OLD"
        - name: unrelated
          image: $REPO-exporter:2.0
        - name: bare
          image:   '$REPO'
      initContainers: [{name: init, image: $REPO:init}]
---
# a second document
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - image: $REPO:latest
    name: x
  - image: other.example.com/ml/model:1
    name: y
EOF
cp deploy.yaml before.yaml
chmod 640 deploy.yaml
expect_exit 0 "pin" "$D" pin --file deploy.yaml --image "$REPO" --digest "$DIG" --json pin.json --junit pin.xml
validate_result "pin result" pin.json
validate_junit "pin junit" pin.xml
expect_eq "five references pinned" "$(json_get pin.json 'd["metrics"]["pin"]')" '{"matched": 5, "changed": 5}'
expect_eq "their lines" "$(json_get pin.json '[l["line"] for l in d["checks"][0]["locations"]]')" '[12, 15, 19, 20, 28]'
diff before.yaml deploy.yaml >d.txt
expect_eq "diff: only lines 12, 15, 19, 20, 28 changed" "$(grep -E '^[0-9]' d.txt | tr '\n' ' ')" "12c12 15c15 19,20c19,20 28c28 "
expect_eq "the new lines" "$(grep '^>' d.txt)" "> $(printf '          image: %s@%s   # the tag goes, this comment stays' "$REPO" "$DIG")
>           image: \"$REPO@$DIG\"
>           image:   '$REPO@$DIG'
>       initContainers: [{name: init, image: $REPO@$DIG}]
>   - image: $REPO@$DIG"
# every byte outside the image values is the same: undo the pins and compare
sed -e "s|$REPO@$DIG   #|$REPO:1.2.0   #|" -e "s|\"$REPO@$DIG\"|\"$REPO@$OLD\"|" -e "s|'$REPO@$DIG'|'$REPO'|" \
	-e "s|image: $REPO@$DIG}|image: $REPO:init}|" -e "s|- image: $REPO@$DIG|- image: $REPO:latest|" deploy.yaml >undone.yaml
expect_exit 0 "undoing the pins gives the original bytes" cmp before.yaml undone.yaml
expect_eq "the mode is kept" "$(stat -c %a deploy.yaml)" 640
expect_eq "the other repository is untouched" "$(grep -c "$REPO-exporter:2.0" deploy.yaml)" 1
if command -v python3 >/dev/null && "$DEBIAN_PY" -c 'import yaml' 2>/dev/null; then
	expect_eq "PyYAML reads the same documents with the new images" \
		"$("$DEBIAN_PY" -c 'import sys, yaml; print([c["image"] for doc in yaml.safe_load_all(open(sys.argv[1])) for c in doc["spec"].get("template", {"spec": doc["spec"]})["spec"]["containers"]])' deploy.yaml)" \
		"['$REPO@$DIG', '$REPO@$DIG', '$REPO-exporter:2.0', '$REPO@$DIG', '$REPO@$DIG', 'other.example.com/ml/model:1']"
else
	skip "PyYAML is missing: the YAML read-back NOT RUN"
fi

# --- again: nothing to change, the file is not rewritten
INO=$(stat -c %i deploy.yaml)
expect_exit 0 "pin again" "$D" pin --file deploy.yaml --image "$REPO" --digest "$DIG" --json again.json
expect_eq "already pinned: nothing changed" "$(json_get again.json 'd["metrics"]["pin"]')" '{"matched": 5, "changed": 0}'
expect_eq "the file was not replaced" "$(stat -c %i deploy.yaml)" "$INO"

# --- CRLF line ends and a byte-order mark stay
printf '\357\273\277kind: Pod\r\nmetadata: {name: "\303\251t\303\251"}\r\nspec:\r\n  containers:\r\n  - image: %s:v1 # c\r\n    name: a\r\n' "$REPO" >crlf.yaml
printf '\357\273\277kind: Pod\r\nmetadata: {name: "\303\251t\303\251"}\r\nspec:\r\n  containers:\r\n  - image: %s@%s # c\r\n    name: a\r\n' "$REPO" "$DIG" >crlf.want
expect_exit 0 "CRLF + BOM" "$D" pin --file crlf.yaml --image "$REPO" --digest "$DIG"
expect_exit 0 "CRLF + BOM: the exact bytes expected" cmp crlf.yaml crlf.want

# --- no match: exit 1 naming the file
cp before.yaml nomatch.yaml
expect_exit 1 "no image REPO" "$D" pin --file nomatch.yaml --image registry.example.com/ml/absent --digest "$DIG" --json no.json
validate_result "no match: result" no.json
expect_grep "says which image and file" "no image registry.example.com/ml/absent in 'nomatch.yaml'" "$T/out"
expect_exit 0 "no match: the file is unchanged" cmp before.yaml nomatch.yaml
expect_exit 1 "a prefix is not a match" "$D" pin --file nomatch.yaml --image registry.example.com/ml/mod --digest "$DIG"

# --- usage: exit 2
expect_exit 2 "malformed digest" "$D" pin --file nomatch.yaml --image "$REPO" --digest sha256:abc
expect_grep "names the digest" "--digest 'sha256:abc': expected sha256:<64 lowercase hex>" "$T/err"
expect_exit 2 "uppercase digest" "$D" pin --file nomatch.yaml --image "$REPO" --digest "$(echo "$DIG" | tr a-f A-F)"
expect_exit 2 "image with a tag" "$D" pin --file nomatch.yaml --image "$REPO:1.0" --digest "$DIG"
expect_exit 2 "image with a digest" "$D" pin --file nomatch.yaml --image "$REPO@$DIG" --digest "$DIG"
expect_exit 2 "no --file" "$D" pin --image "$REPO" --digest "$DIG"
expect_exit 2 "no --digest" "$D" pin --file nomatch.yaml --image "$REPO"
expect_exit 0 "a registry with a port" sh -c "printf 'image: localhost:5000/app:1\n' >port.yaml && $D pin --file port.yaml --image localhost:5000/app --digest $DIG"
expect_eq "port: pinned" "$(cat port.yaml)" "image: localhost:5000/app@$DIG"

# --- input: exit 3
printf 'spec:\n  containers:\n  - image: %s:1\n    name: [unclosed\n' "$REPO" >bad.yaml
expect_exit 3 "malformed YAML" "$D" pin --file bad.yaml --image "$REPO" --digest "$DIG" --json bad.json
expect_grep "names file:line:col" "'bad.yaml':[0-9]+:[0-9]+: malformed YAML" "$T/err"
validate_result "malformed: result" bad.json
printf 'image: %s:1\n' "$REPO" >ok.yaml
printf 'image: |\n  %s:1\n' "$REPO" >block.yaml
expect_exit 3 "a block scalar is refused" "$D" pin --file block.yaml --image "$REPO" --digest "$DIG"
expect_grep "block scalar named" "'block.yaml':1:8: the image value is a block scalar" "$T/err"
expect_exit 3 "missing file" "$D" pin --file nope.yaml --image "$REPO" --digest "$DIG"
ln -s ok.yaml link.yaml
expect_exit 3 "a symlink is refused" "$D" pin --file link.yaml --image "$REPO" --digest "$DIG"
expect_exit 3 "a folder" "$D" pin --file . --image "$REPO" --digest "$DIG"

# --- --commit in a real repository
if ! command -v git >/dev/null 2>&1; then
	skip "git is missing: --commit NOT TESTED"
	done_testing
	exit 0
fi
mkdir repo && cd repo || exit 1
git init -q -b main . && git config user.name "Pin Tester" && git config user.email pin@example.com
mkdir k8s && cp ../before.yaml k8s/deployment.yaml && printf 'notes\n' >notes.txt
git add . && git commit -qm initial
printf 'staged work\n' >>notes.txt && git add notes.txt
printf 'unstaged\n' >>notes.txt
expect_exit 0 "pin --commit" "$D" pin --file k8s/deployment.yaml --image "$REPO" --digest "$DIG" --commit --json ../commit.json
validate_result "commit: result" ../commit.json
expect_eq "git log: the commit message" "$(git log -1 --format=%s)" "deploy: pin $REPO to $DIG"
expect_eq "git log: the author from git config" "$(git log -1 --format='%an <%ae>')" "Pin Tester <pin@example.com>"
expect_eq "git log: two commits on main" "$(git rev-list --count main)" 2
expect_eq "git show: only the manifest" "$(git show --name-only --format= HEAD)" "k8s/deployment.yaml"
expect_eq "git show: the committed file is the pinned one" "$(git show HEAD:k8s/deployment.yaml | sha256sum)" "$(sha256sum <k8s/deployment.yaml)"
expect_eq "git show: 5 lines changed" "$(git show --numstat --format= HEAD)" "$(printf '5\t5\tk8s/deployment.yaml')"
expect_eq "the result names the commit" "$(json_get ../commit.json '[c["observed"] for c in d["checks"] if c["id"] == "pin.commit"]')" "[\"$(git rev-parse HEAD)\"]"
expect_eq "git status: staged and unstaged work untouched, the manifest clean" "$(git status --porcelain)" "MM notes.txt"
expect_eq "the staged change is still staged" "$(git diff --cached --numstat)" "$(printf '1\t0\tnotes.txt')"
expect_exit 0 "pin --commit again: nothing to commit" "$D" pin --file k8s/deployment.yaml --image "$REPO" --digest "$DIG" --commit --json ../again.json
expect_eq "no new commit" "$(git rev-list --count main)" 2
expect_grep "says so" "nothing to commit" "$T/out"
# from another folder, and the author from GITHUB_ACTOR when git config has none
cd .. || exit 1
git init -q -b main r2 && printf 'image: %s\n' "$REPO" >r2/app.yaml
expect_exit 0 "first commit of a repository, author from GITHUB_ACTOR" env HOME="$T" GIT_CONFIG_NOSYSTEM=1 XDG_CONFIG_HOME="$T/none" \
	GITHUB_ACTOR=octocat "$D" pin --file r2/app.yaml --image "$REPO" --digest "$DIG" --commit
expect_eq "the author" "$(git -C r2 log -1 --format='%an <%ae>')" "octocat <octocat@users.noreply.github.com>"
expect_eq "the tree holds the file" "$(git -C r2 show HEAD:app.yaml)" "image: $REPO@$DIG"
git init -q -b main r3 && printf 'image: %s\n' "$REPO" >r3/app.yaml
expect_exit 3 "no author anywhere" env -u GITHUB_ACTOR HOME="$T" GIT_CONFIG_NOSYSTEM=1 XDG_CONFIG_HOME="$T/none" \
	"$D" pin --file r3/app.yaml --image "$REPO" --digest "$DIG" --commit
expect_grep "says how to set one" "no commit author" "$T/err"
printf 'image: %s\n' "$REPO" >outside.yaml
expect_exit 3 "--commit outside a repository" env GIT_CEILING_DIRECTORIES="$T" "$D" pin --file outside.yaml --image "$REPO" --digest "$DIG" --commit
expect_grep "not a repository" "not a git repository" "$T/err"

done_testing
