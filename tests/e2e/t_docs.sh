#!/bin/sh
# t_docs.sh -- the documentation users get is whole and stands on its own
#
# - every man page in docs/ renders without a single troff warning (groff -ww,
#   and man-db's --warnings), e.g. a line starting with '.ndjson' is a macro
#   call troff drops;
# - nothing users read points at ../shared (it exists only beside the
#   developers' checkout; nor at its CONTRACT.md or STYLE.md): README,
#   docs/*.md, the man pages, the result schema, every --help text;
# - every file the README and docs/*.md link to, or name in backquotes as
#   docs/..., examples/..., lib/... (and tests, ci, include, gates), exists;
# - docs/interface.md covers what ships: each shared flag of the gates'
#   --help, each command, and marks the gates not shipped as planned.
. "$(dirname "$0")/lib.sh"
cd "$QG_ROOT" || exit 3

# ---- man pages render without warnings
if command -v groff >/dev/null 2>&1; then
	for page in docs/*.1; do
		groff -ww -z -man "$page" >"$T/groff" 2>&1
		if [ -s "$T/groff" ]; then
			not_ok "$page: groff -ww warns"; sed 's/^/#   /' "$T/groff"
		else
			ok "$page: no groff warning"
		fi
	done
else
	skip "groff not installed (ci/install-deps installs groff-base): man pages NOT CHECKED by groff"
fi
if command -v man >/dev/null 2>&1 && man -l --warnings docs/qgate.1 >/dev/null 2>&1; then
	for page in docs/*.1; do
		LC_ALL=C.UTF-8 MANWIDTH=80 man -l --warnings "$page" >"$T/man.txt" 2>"$T/man.err"
		if [ -s "$T/man.err" ]; then
			not_ok "$page: man --warnings warns"; sed 's/^/#   /' "$T/man.err"
		else
			ok "$page: no man warning"
		fi
		name=$(basename "$page" .1)
		expect_grep "$page renders its NAME" "^ +$name +- " "$T/man.txt"
	done
else
	skip "man-db not installed (ci/install-deps installs man-db): man pages NOT CHECKED by man"
fi

# ---- nothing points at ../shared
for f in README.md docs/*.md docs/*.1 docs/*.json; do
	expect_no_grep "$f does not point at ../shared" '\.\./shared|CONTRACT\.md|STYLE\.md' "$f"
done
# and the schema stays JSON
if "$DEBIAN_PY" -c 'import json,sys; json.load(open(sys.argv[1]))' docs/result.schema.json 2>"$T/pyerr"; then
	ok "docs/result.schema.json is JSON"
else
	not_ok "docs/result.schema.json is not JSON"; sed 's/^/#   /' "$T/pyerr"
fi
: >"$T/helps"
for cmd in "qgate" "qgate-data" "qgate-data validate" "qgate-data infer" "qgate-data profile" \
	"qgate-data drift" "qgate-model" "qgate-model check" "qgate-model metrics" \
	"qgate-deploy" "qgate-deploy push" "qgate-deploy promote" "qgate-deploy rollback" \
	"qgate-deploy health" "qgate-deploy audit"; do
	# shellcheck disable=SC2086
	expect_exit 0 "$cmd --help" $cmd --help
	cat "$T/out" >>"$T/helps"
	expect_no_grep "$cmd --help does not point at ../shared" '\.\./shared|CONTRACT\.md' "$T/out"
done

# ---- what the docs link to exists
for f in README.md docs/*.md; do
	dir=$(dirname "$f")
	# markdown links [text](target), without URLs and anchors
	grep -oE '\]\([^)#]+(#[^)]*)?\)' "$f" | sed -E 's/^\]\(//; s/\)$//; s/#.*//' |
		grep -vE '^[a-z]+:' | sort -u >"$T/links"
	while read -r l; do
		[ -n "$l" ] || continue
		if [ -e "$dir/$l" ]; then ok "$f links to $l"; else not_ok "$f links to $l, which does not exist"; fi
	done <"$T/links"
	# paths named in backquotes: `docs/...`, `examples/...` (no placeholders, no globs)
	grep -oE '`(docs|examples|tests|ci|lib|include|gates)/[A-Za-z0-9_./-]+`' "$f" | tr -d '`' | grep -v -e '\*' -e node_modules |
		sort -u >"$T/paths"
	while read -r p; do
		if [ -e "$p" ]; then ok "$f names $p"; else not_ok "$f names $p, which does not exist"; fi
	done <"$T/paths"
done

# ---- docs/interface.md covers what ships
I=docs/interface.md
expect_file "docs/interface.md exists" "$I"
expect_exit 0 "qgate-data validate --help" qgate-data validate --help
sed -n '/^common options:$/,/^$/p' "$T/out" | grep -oE -- '--[a-z][a-z-]+' | sort -u >"$T/common"
expect_eq "the common flags are found in --help" "$([ "$(wc -l <"$T/common")" -ge 9 ] && echo yes)" yes
while read -r flag; do
	if grep -q -- "\`$flag" "$I"; then ok "interface.md documents $flag"; else not_ok "interface.md does not document $flag"; fi
done <"$T/common"
for c in "qgate-data validate" "qgate-data infer" "qgate-data profile" "qgate-data drift" \
	"qgate-model check" "qgate-model metrics" "qgate-deploy push" "qgate-deploy promote" \
	"qgate-deploy rollback" "qgate-deploy health" "qgate-deploy pin" "qgate-deploy audit verify"; do
	expect_grep "interface.md shows $c" "^$c " "$I"
done
for g in data model lint test deploy; do
	expect_grep "interface.md marks qgate-$g shipped" "^\| \`qgate-$g\` \|.*\| ships \|$" "$I"
	expect_grep "qgate.1 refers to the page of qgate-$g" "qgate\\\\-$g \\(1\\)" docs/qgate.1
done
expect_grep "interface.md points at the result schema" '\(result\.schema\.json\)' "$I"
expect_grep "README points at interface.md" '\(docs/interface\.md\)' README.md

done_testing
