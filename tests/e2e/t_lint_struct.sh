#!/bin/sh
# t_lint_struct.sh -- the json, yaml and xml built-in checks against the peers
#
# A repository with good and broken JSON, YAML and XML files: syntax errors
# come with the line and column the peers name (python's json module,
# yamllint, xmllint), duplicate keys are found where yamllint finds them and
# where a JSON object repeats a key, several YAML documents are fine,
# aliases and entities are never expanded (billion laughs are quick and
# refused or clean), --staged checks the staged blob, not the work tree.
. "$(dirname "$0")/lib.sh"

W=$T/w
mkdir -p "$W"
cd "$W" || exit 1
git init -q . && git config user.email t@e && git config user.name t

printf '{\n  "a": [1, 2, {"b": null}],\n  "c": "\\u00e9"\n}\n' >good.json
printf '{\n  "a": 1,\n  "b": {"x": 1, "y": 2, "x": 3},\n  "\\u0061": 4\n}\n' >dup.json
printf '{\n  "a": 1,\n  "b" 2\n}\n' >bad.json
printf '[1, 2,]\n' >trailing.json
printf 'a: 1\nb: &anchor [1, 2]\nc: *anchor\n---\na: 2\n...\n' >good.yaml
printf 'a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\na: 4\nlist:\n  - k: 1\n  - k: 2\n' >dup.yaml
printf 'a: [1, 2\nb: 3\n' >bad.yml
{
	printf 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
	for x in b c d e f g h i; do
		p=$(printf '%s' "abcdefghi" | cut -c$(( $(printf '%d' "'$x") - 97 )))
		printf '%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n' $x $x $p $p $p $p $p $p $p $p $p
	done
} >lol.yaml
printf '<?xml version="1.0"?>\n<root a="1"><b>&amp;<![CDATA[<x>]]></b></root>\n' >good.xml
printf '<root>\n  <a>\n  </b>\n</root>\n' >bad.xml
printf '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n<lolz>&lol2;</lolz>\n' >lol.xml
printf '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<r>&x;</r>\n' >xxe.xml
printf 'not json at all\n' >notes.txt
git add . && git commit -q -m files

t0=$(date +%s)
expect_exit 1 "broken files fail the gate" qgate-lint --builtin=json,yaml,xml --json "$T/r.json"
t1=$(date +%s)
validate_result "struct result" "$T/r.json"
expect_eq "billion laughs (YAML aliases, XML entities) are not expanded: quick" "$([ $((t1 - t0)) -lt 10 ] && echo yes)" yes
loc() { json_get "$T/r.json" "sorted([(l['file'],l['line'],l['column']) for c in d['checks'] if c['id']=='lint.builtin.$1' for l in c.get('locations',[])])"; }
msgs() { json_get "$T/r.json" "sorted([l['file']+':'+str(l['line'])+': '+l['message'] for c in d['checks'] if c['id']=='lint.builtin.$1' for l in c.get('locations',[])])"; }

# json: python's json module is the peer for syntax positions
PYPOS=$("$DEBIAN_PY" -c '
import json,sys
for f in ("bad.json","trailing.json"):
    try: json.load(open(f))
    except json.JSONDecodeError as e: print(f, e.lineno, e.colno)')
diag "python json: $PYPOS"
expect_eq "json: the duplicate keys and the syntax errors, where python puts them" "$(loc json)" \
	"$("$DEBIAN_PY" -c '
import sys
p=[l.split() for l in sys.argv[1].splitlines()]
print(__import__("json").dumps(sorted([("dup.json",3,25),("dup.json",4,3)]+[(f,int(a),int(b)) for f,a,b in p])))' "$PYPOS")"
expect_grep "json: the duplicate names the first" 'duplicate key \\"x\\" \(first at line 3, column 9\)' "$T/r.json"
expect_grep "json: an escaped key equal to another is a duplicate" 'duplicate key \\"a\\" \(first at line 2, column 3\)' "$T/r.json"

# yaml: yamllint is the peer for duplicate keys and the syntax error's line
yamllint -f parsable -d '{rules: {key-duplicates: enable}}' dup.yaml bad.yml good.yaml >"$T/yl" 2>&1
YL=$("$DEBIAN_PY" -c '
import re,sys,json
out=[]
for l in open(sys.argv[1]):
    m=re.match(r"^(.+?):(\d+):(\d+): \[error\]", l)
    if m: out.append((m.group(1), int(m.group(2))))
print(json.dumps(sorted(out)))' "$T/yl")
diag "yamllint: $YL"
expect_eq "yaml: the same files and lines as yamllint's errors" \
	"$(json_get "$T/r.json" "sorted([(l['file'],l['line']) for c in d['checks'] if c['id']=='lint.builtin.yaml' for l in c.get('locations',[])])")" "$YL"
expect_grep "yaml: the duplicate names the first" 'duplicate key \\"c\\" \(first at line 3\)' "$T/r.json"
expect_no_grep "yaml: keys of different list items are not duplicates" 'duplicate key \\"k\\"' "$T/r.json"
expect_no_grep "yaml: several documents and aliases are fine" 'good\.yaml|lol\.yaml' "$T/r.json"

# xml: xmllint is the peer for well-formedness
for f in good.xml bad.xml; do
	if xmllint --noout "$f" 2>/dev/null; then echo "$f ok"; else echo "$f bad"; fi
done >"$T/xl"
expect_eq "xmllint agrees good.xml is fine and bad.xml is not" "$(tr '\n' ' ' <"$T/xl")" "good.xml ok bad.xml bad "
XLINE=$(xmllint --noout bad.xml 2>&1 | sed -n 's/^bad\.xml:\([0-9]*\):.*/\1/p' | head -1)
expect_eq "xml: bad.xml at the line xmllint names" "$(json_get "$T/r.json" "[l['line'] for c in d['checks'] if c['id']=='lint.builtin.xml' for l in c['locations'] if l['file']=='bad.xml']")" "[$XLINE]"
expect_eq "xml: entity declarations are refused (billion laughs, external entity), never expanded" \
	"$(json_get "$T/r.json" "sorted(l['file'] for c in d['checks'] if c['id']=='lint.builtin.xml' for l in c['locations'])")" '["bad.xml", "lol.xml", "xxe.xml"]'
expect_no_grep "the external entity was not read" 'root:x:0' "$T/r.json"
expect_no_grep "a .txt file is not checked as JSON" 'notes\.txt' "$T/r.json"

# --staged: the index's blob, not the work tree
printf '{"ok": true}\n' >bad.json
expect_exit 1 "--staged still sees the staged broken bad.json" qgate-lint --builtin=json --staged --json "$T/r.json"
expect_grep "--staged: bad.json reported" '"file": "bad\.json"' "$T/r.json"
expect_exit 1 "the work tree's fixed bad.json is clean (dup.json still fails)" qgate-lint --builtin=json --json "$T/r.json"
expect_no_grep "work tree: bad.json not reported" '"file": "bad\.json"' "$T/r.json"
git add bad.json
git rm -q --cached dup.json trailing.json
expect_exit 0 "--staged after staging the fix: clean" qgate-lint --builtin=json --staged --json "$T/r.json"

done_testing
