#!/bin/sh
# t_data_unique_keys.sh -- v2 uniqueKeys (issue 12): each listed key checked
# like primaryKey (typed values, both lines named, across -j pieces and
# files, spilled past --unique-memory), check table.unique-keys; a record
# missing a part of a key is not compared (SQL's rule for NULL).
. "$(dirname "$0")/lib.sh"

chk() { json_get "$1" "[c for c in d['checks'] if c['id']=='$2'][0]$3"; }

printf 'a,b,c\n1,x,p\n2,y,q\n1,x,r\n01,x,s\n,x,t\n,x,u\n3,z,p\n' >"$T/uk.csv"
echo '{"fields": [{"name": "a", "type": "integer"}, {"name": "b"}, {"name": "c"}], "uniqueKeys": [["a", "b"], ["c"]]}' >"$T/uk.json"
expect_exit 1 "uniqueKeys: repeats fail" qgate-data validate --schema "$T/uk.json" "$T/uk.csv" --json "$T/uk.out.json" --junit "$T/uk.xml"
validate_result "uniqueKeys result" "$T/uk.out.json"
validate_junit "uniqueKeys junit" "$T/uk.xml"
expect_eq "three rows repeat a key (01 is 1; missing parts not compared)" "$(chk "$T/uk.out.json" table.unique-keys "['count']")" "3"
expect_eq "locations in data order with both lines" \
	"$(json_get "$T/uk.out.json" "[(l['line'], l['message']) for l in [c for c in d['checks'] if c['id']=='table.unique-keys'][0]['locations']]")" \
	"[[4, \"unique key (a, b) repeats an earlier row (first on line 2)\"], [5, \"unique key (a, b) repeats an earlier row (first on line 2)\"], [8, \"unique key (c) repeats an earlier row (first on line 2)\"]]"
printf 'a,b,c\n1,x,p\n1,y,q\n2,x,r\n' >"$T/ok.csv"
expect_exit 0 "uniqueKeys: distinct keys pass" qgate-data validate --schema "$T/uk.json" "$T/ok.csv" --json "$T/ok.json"
expect_eq "pass message" "$(chk "$T/ok.json" table.unique-keys "['message']")" "every unique key is distinct"

# 300k rows, one repeat far apart, -j 2 and a spill
"$DEBIAN_PY" -c '
import sys
w = sys.stdout.write
w("a,b,c\n")
for i in range(300000): w("%d,s%d,%d\n" % (i % 1000, i // 1000, i))
w("7,s5,x\n")' >"$T/big.csv"
for args in "" "-j 2" "-j 2 --unique-memory 1"; do
	expect_exit 1 "300k rows, a repeat at the end ($args)" qgate-data validate --schema "$T/uk.json" $args "$T/big.csv" --json "$T/big.json"
	expect_eq "line 300002 repeats line 5009 ($args)" \
		"$(chk "$T/big.json" table.unique-keys "['count']"):$(chk "$T/big.json" table.unique-keys "['locations'][0]['line']"):$(chk "$T/big.json" table.unique-keys "['locations'][0]['message']")" \
		"1:300002:unique key (a, b) repeats an earlier row (first on line 5009)"
done

# between files
printf 'a,b,c\n5,k,m\n' >"$T/f2.csv"
printf 'a,b,c\n9,k,n\n5,k,o\n' >"$T/f3.csv"
expect_exit 1 "uniqueKeys across files" qgate-data validate --schema "$T/uk.json" "$T/f2.csv" "$T/f3.csv" --json "$T/f.json"
expect_eq "the first file is named" "$(chk "$T/f.json" table.unique-keys "['locations'][0]['message']")" \
	"unique key (a, b) repeats an earlier row (first in '$T/f2.csv' on line 2)"

done_testing
