#!/bin/sh
# t_model_help.sh -- every long flag of `qgate-model check --help` is in the man page, and back
. "$(dirname "$0")/lib.sh"
MAN=$QG_ROOT/docs/qgate-model.1
expect_exit 0 "check --help" qgate-model check --help
grep -oE -- '--[a-z][a-z-]+' "$T/out" | sort -u >"$T/help.flags"
# man page flags are written \-\-name
sed 's/\\-/-/g' "$MAN" | grep -oE -- '--[a-z][a-z-]+' | sort -u >"$T/man.flags"
n=0
while read -r f; do
	n=$((n + 1))
	if grep -qx -- "$f" "$T/man.flags"; then ok "man page documents $f"; else not_ok "man page lacks $f"; fi
done <"$T/help.flags"
expect_eq "help lists flags" "$([ "$n" -gt 20 ] && echo yes)" yes
expect_exit 0 "metrics --help" qgate-model metrics --help
grep -oE -- '--[a-z][a-z-]+' "$T/out" >>"$T/help.flags"
sort -u "$T/help.flags" >"$T/all.flags"
while read -r f; do
	if grep -qx -- "$f" "$T/all.flags"; then ok "$f is a real flag"; else not_ok "man page documents $f, which --help does not list"; fi
done <"$T/man.flags"
if command -v man >/dev/null 2>&1; then
	MANWIDTH=80 man -l "$MAN" >"$T/man.txt" 2>"$T/man.err"
	expect_no_grep "man page renders without warnings" 'warning' "$T/man.err"
fi
done_testing
