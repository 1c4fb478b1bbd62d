#!/bin/sh
# t_docs_examples.sh -- the EXAMPLES of every man page run as written
#
# In the EXAMPLES section of docs/*.1, each line of an .EX/.EE block that
# starts with "$ " is a command a user can copy (a line ending in "\e", a
# backslash, goes on on the next line). A trailing "# exit N" comment is the
# exit status the page promises; without one the promise is 0. A troff comment
# line ".\" not run: REASON" right before a command marks one that needs a
# service this test does not start (an S3 bucket, a registry): it is listed as
# skipped with its reason, never run; ".\" needs: PROG" before one that runs
# PROG (inside --run, say) skips it loudly where PROG is not installed.
#
# Each page's commands run in order (later ones use what earlier ones wrote)
# in a fresh scratch copy of examples/ made a git repository with one commit,
# with the build's programs first on PATH. They run without a shell: the
# text is split into argv by the small parser below (single and double quotes,
# backslashes, "#" comments), and a command with an unquoted shell
# metacharacter (| & ; < > ( ) $ ` * ? [ ~) is refused, so what runs here is
# what a user's shell would run. "$ cd DIR" moves the page's later commands
# into DIR (inside the copy). http://127.0.0.1:8080/ in a command is the
# health endpoint this test serves on a free port (a folder with "healthz"
# saying ok).
#
# The README's ```console blocks run the same way, from a scratch tree that
# holds a copy of examples/ (their paths say examples/...). Its quick start and
# 30-second tour are checked against what they name: the make targets, the
# action's inputs (every with: key of a `uses: OWNER/qgate@...` step), the
# pre-commit hook ids, the report picture, and the pre-push hook its
# `qgate hook install` wrote.
. "$(dirname "$0")/lib.sh"
cd "$QG_ROOT" || exit 3

cat >"$T/extract.py" <<'EOF'
# extract.py PORT PAGE... -- print the runnable EXAMPLES commands, one a line:
#   PAGE<TAB>LINE<TAB>CODE<TAB>SKIP_REASON or -<TAB>ARGV (shell-quoted, shlex.quote)
# or ERR<TAB>PAGE<TAB>LINE<TAB>MESSAGE for text the parser refuses.
import re, shlex, shutil, sys

META = set('|&;<>()$`*?[~')

def troff(s):
    s = s.replace('\\-', '-').replace('\\(aq', "'").replace('\\(dq', '"')
    s = s.replace('\\&', '').replace('\\e', '\\')
    return re.sub(r'\\f[BIRP]', '', s)

def split(text):
    """argv of text as sh splits it; raise ValueError on what sh would expand."""
    words, cur, have, i, n = [], [], False, 0, len(text)
    comment = ''
    while i < n:
        c = text[i]
        if c in ' \t':
            if have:
                words.append(''.join(cur)); cur, have = [], False
            i += 1
        elif c == '#' and not have:
            comment = text[i + 1:].strip(); break
        elif c == "'":
            j = text.find("'", i + 1)
            if j < 0:
                raise ValueError('unterminated single quote')
            cur.append(text[i + 1:j]); have = True; i = j + 1
        elif c == '"':
            i += 1
            while True:
                if i >= n:
                    raise ValueError('unterminated double quote')
                d = text[i]
                if d == '"':
                    i += 1; break
                if d in '$`':
                    raise ValueError('%s inside double quotes' % d)
                if d == '\\' and i + 1 < n and text[i + 1] in '"\\$`':
                    cur.append(text[i + 1]); i += 2; continue
                cur.append(d); i += 1
            have = True
        elif c == '\\':
            if i + 1 >= n:
                raise ValueError('backslash at the end')
            cur.append(text[i + 1]); have = True; i += 2
        elif c in META:
            raise ValueError("unquoted '%s' (the test runs no shell: quote it)" % c)
        else:
            cur.append(c); have = True; i += 1
    if have:
        words.append(''.join(cur))
    return words, comment

port = sys.argv[1]
for page in sys.argv[2:]:
    lines = open(page, encoding='utf-8').read().split('\n')
    unroff = troff
    if page.endswith('.md'):
        # Markdown: the "$ " lines of ```console blocks, no troff escapes,
        # "<!-- not run: R -->" and "<!-- needs: P -->" for the troff comments
        unroff = lambda t: t
        lines = ['.SH EXAMPLES'] + [
            '.EX' if l == '```console' else '.EE' if l.startswith('```') else
            re.sub(r'^<!-- ((not run|needs): .*) -->$', r'.\\" \\1', l) for l in lines]
    on = ex = False
    skip = ''
    i = 0
    while i < len(lines):
        raw = lines[i]; no = i + 1; i += 1
        if raw.startswith('.SH '):
            on = raw == '.SH EXAMPLES'; continue
        if not on:
            continue
        if raw == '.EX':
            ex = True; continue
        if raw == '.EE':
            ex = False; continue
        m = re.match(r'^\.\\" not run: (.+)$', raw)
        if m:
            skip = m.group(1).strip(); continue
        m = re.match(r'^\.\\" needs: ([A-Za-z0-9._+-]+)$', raw)
        if m:
            if not shutil.which(m.group(1)):
                skip = m.group(1) + ' is not installed'
            continue
        if not ex or not raw.startswith('$ '):
            continue
        text = unroff(raw[2:])
        while text.endswith('\\') and i < len(lines):
            text = text[:-1] + unroff(lines[i]); i += 1
        try:
            argv, comment = split(text)
        except ValueError as e:
            print('ERR\t%s\t%d\t%s' % (page, no, e)); skip = ''; continue
        m = re.match(r'exit (\d)\b', comment)
        code = m.group(1) if m else '0'
        argv = [a.replace('http://127.0.0.1:8080/', 'http://127.0.0.1:%s/' % port) for a in argv]
        print('%s\t%d\t%s\t%s\t%s' % (page, no, code, skip or '-', ' '.join(shlex.quote(a) for a in argv)))
        skip = ''
EOF

# ---- the health endpoint the deploy examples name (http://127.0.0.1:8080/healthz)
mkdir -p "$T/www" && echo ok >"$T/www/healthz"
PORT=$("$DEBIAN_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || exit 3
(cd "$T/www" && exec "$DEBIAN_PY" -m http.server "$PORT" --bind 127.0.0.1) >/dev/null 2>&1 &
SRV=$!
trap 'kill "$SRV" 2>/dev/null; rm -rf "$T"' EXIT
i=0
until "$DEBIAN_PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
	"http://127.0.0.1:$PORT/healthz" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || break
	sleep 0.1
done

# ---- the parser refuses what a shell would expand (it can fail)
cat >"$T/bad.1" <<'EOF'
.SH EXAMPLES
.EX
$ qgate\-data validate \-\-schema s.json *.csv
$ qgate\-data validate \-\-schema s.json a.csv > out.txt
$ qgate\-data validate \-\-schema "$HOME/s.json" \e
    a.csv
$ qgate\-data validate \-\-schema 's.json' "a b.csv" x\e
y # exit 1: two words
.EE
EOF
"$DEBIAN_PY" "$T/extract.py" "$PORT" "$T/bad.1" >"$T/bad.out" 2>&1
expect_eq "the parser refuses an unquoted glob, a redirect and \$ in double quotes" \
	"$(grep -c '^ERR' "$T/bad.out")" 3
expect_grep "it joins a continued line and reads '# exit 1'" \
	"	1	-	qgate-data validate --schema s.json 'a b.csv' xy\$" "$T/bad.out"

"$DEBIAN_PY" "$T/extract.py" "$PORT" docs/*.1 README.md >"$T/cmds" 2>"$T/extract.err"
expect_eq "the extractor reads every page" "$?" 0
while IFS='	' read -r page line msg; do
	[ "$page" = ERR ] || continue
	not_ok "$line:$msg"
done <"$T/cmds"

# ---- every page has runnable examples
for page in docs/*.1; do
	n=$(grep -c "^$page	" "$T/cmds")
	expect_eq "$page has runnable EXAMPLES (at least 4: $n)" "$([ "$n" -ge 4 ] && echo yes)" yes
done

# ---- run them
GIT_AUTHOR_NAME=qgate GIT_AUTHOR_EMAIL=qgate@example.invalid
GIT_COMMITTER_NAME=qgate GIT_COMMITTER_EMAIL=qgate@example.invalid
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
unset GITHUB_ACTIONS GITHUB_OUTPUT GITHUB_STEP_SUMMARY GITHUB_BASE_REF
cur=
while IFS='	' read -r page line code why argv; do
	[ "$page" = ERR ] && continue
	if [ "$page" != "$cur" ]; then
		# a man page's commands run in a copy of examples/; the README's at
		# the top of a tree that holds one (its paths say examples/...)
		cur=$page
		W=$T/ex-$(basename "$page")
		D=.
		case $page in
		*.md) mkdir "$W" && cp -R "$QG_ROOT/examples" "$W/examples" ;;
		*) cp -R "$QG_ROOT/examples" "$W" ;;
		esac
		if ! { git -C "$W" init -q && git -C "$W" add -A && git -C "$W" commit -qm examples; }; then
			not_ok "$page: scratch copy of examples/"
			continue
		fi
	fi
	if [ "$why" != - ]; then
		skip "$page:$line: not run ($why): $argv"
		continue
	fi
	eval "set -- $argv"
	if [ "$1" = cd ]; then
		# "$ cd DIR": the page's later commands run there (inside the copy)
		case $#:${2:-} in
		2:/* | 2:*..*) not_ok "$page:$line: cd $2 leaves the copy of examples/" ;;
		2:*) if [ -d "$W/$D/$2" ]; then D=$D/$2; ok "$page:$line: cd $2"; else not_ok "$page:$line: cd $2: no such folder"; fi ;;
		*) not_ok "$page:$line: cd takes one folder" ;;
		esac
		continue
	fi
	# (cd here, not in a subshell: the TAP counter lives in this shell)
	cd "$W/$D" || exit 3
	expect_exit "$code" "$page:$line: $argv" "$@" </dev/null
	cd "$QG_ROOT" || exit 3
done <"$T/cmds"

# ---- the README's tour and quick start say what is true
R=$T/ex-README.md
expect_grep "README's 'qgate hook install' wrote qgate's pre-push hook" '^# qgate-hook:' "$R/.git/hooks/pre-push"
for target in demo check; do
	expect_grep "README's quick start: 'make $target' is a make target" "^$target:" Makefile
	expect_grep "README's quick start shows 'make $target'" "^make $target +#" README.md
done
expect_grep "make demo names the page the README promises" 'build/demo/report\.html' examples/demo.sh
expect_eq "docs/report-example.png is a PNG" \
	"$(od -An -tx1 -N8 docs/report-example.png | tr -d ' \n')" 89504e470d0a1a0a
# every `with:` key of a `uses: OWNER/qgate@...` step in the README (and in
# docs/ci.md) is an input of action.yml, every pre-commit hook id it names is
# declared, and it names every hook declared
cat >"$T/tour.py" <<'EOF2'
import re, sys, yaml
readme, action, hooks = sys.argv[1:4]
inputs = set((yaml.safe_load(open(action)) or {}).get('inputs') or {})
ids = {h['id'] for h in yaml.safe_load(open(hooks))}
text = open(readme, encoding='utf-8').read()
uses = hookids = 0
def walk(node):
    """every mapping in a parsed YAML tree"""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)
for block in re.findall(r'^```yaml\n(.*?)^```', text, re.S | re.M):
    for m in walk(yaml.safe_load(block)):
        if str(m.get('uses', '')).startswith('OWNER/qgate@'):
            uses += 1
            for k in m.get('with') or {}:
                print(('ok' if k in inputs else 'bad') + '\tinput ' + k + ' of action.yml')
        if 'hooks' in m and 'repo' in m:
            for h in m['hooks']:
                hookids += 1
                print(('ok' if h['id'] in ids else 'bad') + '\thook ' + h['id'] + ' of .pre-commit-hooks.yaml')
for i in sorted(ids):
    print(('ok' if i in text else 'bad') + '\tnames hook ' + i)
print('uses\t%d' % uses)
print('hookids\t%d' % hookids)
EOF2
# (the check can fail: a made-up input and hook id are caught)
printf '%s\n' '```yaml' '- uses: OWNER/qgate@v0' '  with: {stage: ci, bogus: 1}' '```' \
	'```yaml' 'repos:' '  - repo: x' '    hooks: [{id: qgate-nope}]' '```' >"$T/fake.md"
"$DEBIAN_PY" "$T/tour.py" "$T/fake.md" action.yml .pre-commit-hooks.yaml >"$T/fake.out" 2>&1
expect_eq "the tour check catches a made-up input and hook id" \
	"$(grep -c -e '^bad	input bogus' -e '^bad	hook qgate-nope' "$T/fake.out")" 2
for f in README.md docs/ci.md; do
	if "$DEBIAN_PY" "$T/tour.py" "$f" action.yml .pre-commit-hooks.yaml >"$T/tour" 2>"$T/tour.err"; then
		while IFS='	' read -r verdict what; do
			case $verdict in
			ok) ok "$f: $what" ;;
			bad) not_ok "$f: $what: not found" ;;
			uses) expect_eq "$f shows the action's uses: step ($what)" "$([ "$what" -ge 1 ] && echo yes)" yes ;;
			hookids) expect_eq "$f shows a pre-commit config ($what hooks)" "$([ "$what" -ge 1 ] && echo yes)" yes ;;
			esac
		done <"$T/tour"
	else
		not_ok "$f: its yaml blocks do not parse"; sed 's/^/#   /' "$T/tour.err"
	fi
done

done_testing
