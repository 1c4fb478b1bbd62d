#!/bin/sh
# t_data_help.sh -- each subcommand's --help flags are in docs/qgate-data.1, and back
#
# The man page has a section per subcommand (VALIDATE, INFER, PROFILE,
# DRIFT) plus COMMON OPTIONS and INPUT OPTIONS that every subcommand shares.
# Every long flag a subcommand's --help lists must be documented in its own
# section or a shared one; every flag a section documents must be a flag of
# that subcommand (shared sections: of every subcommand).
. "$(dirname "$0")/lib.sh"
MAN=$QG_ROOT/docs/qgate-data.1

# section NAME: the flags written in that .SH section (\-\-name in roff)
section_flags() {
	awk -v s="$1" '/^\.SH /{ on = ($0 == ".SH " s) ; next } on' "$MAN" | sed 's/\\-/-/g' |
		grep -oE -- '--[a-z][a-z0-9-]+' | sort -u
}
section_flags "COMMON OPTIONS" >"$T/common.man"
section_flags "INPUT OPTIONS" >"$T/input.man"
expect_eq "common options documented" "$([ "$(wc -l <"$T/common.man")" -ge 9 ] && echo yes)" yes
expect_eq "input options documented" "$([ "$(wc -l <"$T/input.man")" -ge 5 ] && echo yes)" yes

for sub in validate infer profile drift; do
	SUB=$(echo "$sub" | tr a-z A-Z)
	expect_exit 0 "$sub --help" qgate-data "$sub" --help
	grep -oE -- '--[a-z][a-z0-9-]+' "$T/out" | sort -u >"$T/$sub.help"
	section_flags "$SUB" >"$T/$sub.man"
	sort -u "$T/common.man" "$T/input.man" "$T/$sub.man" >"$T/$sub.doc"
	while read -r f; do
		if grep -qx -- "$f" "$T/$sub.doc"; then ok "$sub: $f is documented"; else not_ok "$sub: $f (in --help) is not in the man page"; fi
	done <"$T/$sub.help"
	# (a redirection, not a pipe: a loop in a pipe runs in a subshell and
	# loses the TAP counter)
	while read -r f; do
		if grep -qx -- "$f" "$T/$sub.help"; then ok "$sub: documented $f is a real flag"; else not_ok "$sub: the man page documents $f, which '$sub --help' does not list"; fi
	done <"$T/$sub.doc"
done

expect_exit 0 "top-level --help" qgate-data --help
for sub in validate infer profile drift; do
	expect_grep "top-level help names $sub" "^  $sub " "$T/out"
done
expect_exit 0 "--version" qgate-data --version
expect_grep "version line" '^qgate-data 0\.1\.0$' "$T/out"
if command -v man >/dev/null 2>&1; then
	MANWIDTH=80 man -l --warnings "$MAN" >"$T/man.txt" 2>"$T/man.err"
	expect_no_grep "man page renders without warnings" 'warning' "$T/man.err"
	expect_grep "man page renders" 'qgate-data validate' "$T/man.txt"
fi
done_testing
