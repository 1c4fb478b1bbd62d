#!/bin/sh
# t_lint_fix.sh -- qgate-lint --fix: exact bytes after the repair, mode kept, exit 1 then 0
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lint_repo.sh"

printf 'a  \nb\t\n \nc\n' >ws.txt
printf 'last line' >nonl.txt
printf 'x\n\n \n\n' >blank.txt
printf '\n\n' >onlyblank.txt
printf 'a\r\nb\r\nc\nd\r\n' >crlf-major.txt
printf 'a\nb\r\nc\n' >lf-major.txt
printf 'a\r\nb\n' >tie.txt
printf '\357\273\277hello  \n' >bom.txt
printf 'fine\n' >clean.txt
printf 'x \000 y \n\n' >bin.dat
printf '#!/bin/sh\necho hi   \n' >run.sh && chmod 755 run.sh
printf 'tail  ' >ws-eof.txt
g add -A && g commit -qm base
touch -d '2001-01-01 00:00:00' clean.txt
expect_exit 1 "--fix changed files: exit 1" $L --fix --json "$T/f.json"
validate_result "fix result" "$T/f.json"
expect_eq "fixed metric" "$(json_get "$T/f.json" 'd["metrics"]["fixed"]')" 15

bytes() { od -An -c "$1" | tr -s ' ' | tr -d '\n'; }
expect_eq "trailing whitespace stripped, blank kept inside" "$(bytes ws.txt)" "$(printf 'a\nb\n\nc\n' | od -An -c | tr -s ' ' | tr -d '\n')"
expect_eq "final newline added" "$(cat nonl.txt; echo .)" "last line
."
expect_eq "trailing blank lines dropped (whitespace-only too)" "$(bytes blank.txt)" "$(printf 'x\n' | od -An -c | tr -s ' ' | tr -d '\n')"
expect_eq "a file of blank lines becomes empty" "$(wc -c <onlyblank.txt | tr -d ' ')" 0
expect_eq "CRLF majority wins" "$(bytes crlf-major.txt)" "$(printf 'a\r\nb\r\nc\r\nd\r\n' | od -An -c | tr -s ' ' | tr -d '\n')"
expect_eq "LF majority wins" "$(bytes lf-major.txt)" "$(printf 'a\nb\nc\n' | od -An -c | tr -s ' ' | tr -d '\n')"
expect_eq "a tie goes to LF" "$(bytes tie.txt)" "$(printf 'a\nb\n' | od -An -c | tr -s ' ' | tr -d '\n')"
expect_eq "BOM dropped and whitespace stripped" "$(bytes bom.txt)" "$(printf 'hello\n' | od -An -c | tr -s ' ' | tr -d '\n')"
expect_eq "whitespace before EOF stripped, newline added" "$(bytes ws-eof.txt)" "$(printf 'tail\n' | od -An -c | tr -s ' ' | tr -d '\n')"
expect_eq "mode kept" "$(stat -c %a run.sh)" 755
expect_eq "script fixed" "$(sed -n 2p run.sh)" "echo hi"
expect_eq "clean file untouched (mtime)" "$(stat -c %Y clean.txt)" "$(date -d '2001-01-01 00:00:00' +%s)"
expect_eq "binary file untouched" "$(bytes bin.dat)" "$(printf 'x \000 y \n\n' | od -An -c | tr -s ' ' | tr -d '\n')"
expect_eq "no temp file left" "$(find . -name '.*fix*' | wc -l | tr -d ' ')" 0

expect_exit 0 "a second run finds nothing" $L
expect_exit 0 "a second --fix changes nothing: exit 0" $L --fix
expect_exit 2 "--fix --staged refused" $L --fix --staged
expect_grep "says why" "work tree, not the index" "$T/err"

# only the enabled fixers run
printf 'a  \n\n\n' >only.txt
g add only.txt
expect_exit 1 "--fix with --builtin=trailing-whitespace" $L --fix --builtin=trailing-whitespace only.txt
expect_eq "blank lines kept (end-of-file not enabled)" "$(bytes only.txt)" "$(printf 'a\n\n\n' | od -An -c | tr -s ' ' | tr -d '\n')"

# a read-only folder: exit 3 naming the file, the file whole
if [ "$(id -u)" != 0 ]; then
	mkdir ro && printf 'x \n' >ro/f.txt && g add ro/f.txt && chmod 555 ro
	expect_exit 3 "--fix in a read-only folder" $L --fix ro
	expect_grep "names the file" "ro/f.txt" "$T/err"
	expect_eq "file unchanged" "$(cat ro/f.txt)" "x "
	chmod 755 ro
else
	skip "read-only folder: root writes anyway"
fi

# a 9 MB file with CRLF majority, fixed in flat memory
awk 'BEGIN { for (i = 0; i < 400000; i++) printf "line %d with text  \r\n", i; printf "last\n" }' >big.txt
g add big.txt
expect_exit 1 "--fix on 9 MB" $L --fix --builtin=default,-large-file big.txt
expect_eq "every line CRLF, no trailing whitespace" "$(grep -c "$(printf ' \r')\$" big.txt)/$(grep -vc "$(printf '\r')\$" big.txt)" "0/0"
expect_exit 0 "big file clean after" $L --builtin=default,-large-file big.txt
done_testing
