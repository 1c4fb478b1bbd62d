#!/bin/sh
# t_data_foreign_keys.sh -- foreignKeys to the same table (issue 12): every
# row's key must appear among the referenced fields' values of the table
# (all its files, every -j piece); check table.foreign-key, one location per
# offending row; a row with a part of its key missing is not checked; key
# sets spill past --unique-memory with the same result; a named resource is
# refused outside a Data Package, and so is --shard.
. "$(dirname "$0")/lib.sh"

chk() { json_get "$1" "[c for c in d['checks'] if c['id']=='$2'][0]$3"; }
locs() { json_get "$1" "[(l['line'], l['message']) for l in [c for c in d['checks'] if c['id']=='table.foreign-key'][0]['locations']]"; }

# self-reference on one integer field
echo '{"fields": [{"name": "id", "type": "integer"}, {"name": "parent_id", "type": "integer"}, {"name": "name"}],
 "foreignKeys": [{"fields": "parent_id", "reference": {"resource": "", "fields": "id"}}]}' >"$T/fk.json"
printf 'id,parent_id,name\n1,,root\n2,1,a\n3,2,b\n4,3,c\n5,05,d\n' >"$T/ok.csv"
expect_exit 0 "self-reference: every parent exists" qgate-data validate --schema "$T/fk.json" "$T/ok.csv" --json "$T/ok.out.json" --junit "$T/ok.xml"
validate_result "pass result" "$T/ok.out.json"
validate_junit "pass junit" "$T/ok.xml"
expect_eq "pass message" "$(chk "$T/ok.out.json" table.foreign-key "['message']")" "every foreign key has a match"

printf 'id,parent_id,name\n1,,root\n2,1,a\n3,77,b\n4,3,c\n5,99,d\n6,77,e\n7,6,f\n' >"$T/bad.csv"
expect_exit 1 "a missing parent fails" qgate-data validate --schema "$T/fk.json" "$T/bad.csv" --json "$T/bad.out.json" --junit "$T/bad.xml"
validate_result "fail result" "$T/bad.out.json"
validate_junit "fail junit" "$T/bad.xml"
expect_eq "three offending rows" "$(chk "$T/bad.out.json" table.foreign-key "['count']")" "3"
expect_eq "one location per offending row, in data order, with the value" "$(locs "$T/bad.out.json")" \
	"[[4, \"foreign key (parent_id)=(77) has no match in (id)\"], [6, \"foreign key (parent_id)=(99) has no match in (id)\"], [7, \"foreign key (parent_id)=(77) has no match in (id)\"]]"
qgate-data validate --schema "$T/fk.json" "$T/bad.csv" >"$T/bad.txt" 2>&1
expect_grep "text report names file:line" "bad.csv:4: foreign key .parent_id.=.77. has no match in .id." "$T/bad.txt"

# composite key, strings and integers; a row with a part missing is not checked
echo '{"fields": [{"name": "a"}, {"name": "b", "type": "integer"}, {"name": "pa"}, {"name": "pb", "type": "integer"}],
 "foreignKeys": [{"fields": ["pa", "pb"], "reference": {"resource": "", "fields": ["a", "b"]}}]}' >"$T/ck.json"
printf 'a,b,pa,pb\nx,1,,\nx,2,x,1\ny,1,x,02\ny,2,y,3\nz,1,x,\nz,2,,9\nz,3,y,1\n' >"$T/ck.csv"
expect_exit 1 "composite key: (y, 3) has no match" qgate-data validate --schema "$T/ck.json" "$T/ck.csv" --json "$T/ck.out.json"
validate_result "composite result" "$T/ck.out.json"
expect_eq "composite: one row, missing parts skipped" "$(locs "$T/ck.out.json")" \
	"[[5, \"foreign key (pa, pb) has no match in (a, b)\"]]"
printf 'a,b,pa,pb\nx,1,,\nx,2,x,1\ny,1,x,2\n' >"$T/ck2.csv"
expect_exit 0 "composite key: all matched" qgate-data validate --schema "$T/ck.json" "$T/ck2.csv"

# a string key referencing itself (the spec's simplest self-reference)
echo '{"fields": [{"name": "v"}], "foreignKeys": [{"fields": ["v"], "reference": {"resource": "", "fields": ["v"]}}]}' >"$T/self.json"
printf 'v\nq\nr\n' >"$T/self.csv"
expect_exit 0 "each value references itself" qgate-data validate --schema "$T/self.json" "$T/self.csv"

# 300k rows, string ids: -j 2, two files and a spill agree with -j 1
"$DEBIAN_PY" -c '
import sys
w = sys.stdout.write
w("id,parent,name\n")
for i in range(300000):
    p = "" if i == 0 else "k%d" % ((i * 7919 + 13) % i)
    if i in (1000, 150001, 299999): p = "nope%d" % i
    w("k%d,%s,n\n" % (i, p))' >"$T/big.csv"
head -n 150001 "$T/big.csv" >"$T/p1.csv"
{ echo "id,parent,name"; tail -n +150002 "$T/big.csv"; } >"$T/p2.csv"
echo '{"fields": [{"name": "id"}, {"name": "parent"}, {"name": "name"}],
 "foreignKeys": [{"fields": "parent", "reference": {"resource": "", "fields": "id"}}]}' >"$T/big.json"
expect_exit 1 "300k rows, -j 1" qgate-data validate --schema "$T/big.json" -j 1 "$T/big.csv" --json "$T/b1.json"
expect_eq "three rows without a parent, lines exact" "$(chk "$T/b1.json" table.foreign-key "['count']"):$(json_get "$T/b1.json" "[l['line'] for l in [c for c in d['checks'] if c['id']=='table.foreign-key'][0]['locations']]")" \
	"3:[1002, 150003, 300001]"
for args in "-j 2" "-j 2 --unique-memory 1" "--unique-memory 1"; do
	expect_exit 1 "300k rows ($args)" qgate-data validate --schema "$T/big.json" $args "$T/big.csv" --json "$T/bj.json"
	expect_eq "same rows as -j 1 ($args)" "$(locs "$T/bj.json")" "$(locs "$T/b1.json")"
done
expect_grep "a tiny --unique-memory spills" "unique_spilled_bytes" "$T/bj.json"
expect_exit 1 "two files are one table" qgate-data validate --schema "$T/big.json" -j 2 "$T/p1.csv" "$T/p2.csv" --json "$T/bf.json"
expect_eq "two files: the same three rows" \
	"$(json_get "$T/bf.json" "[(l['file'].split('/')[-1], l['line']) for l in [c for c in d['checks'] if c['id']=='table.foreign-key'][0]['locations']]")" \
	"[[\"p1.csv\", 1002], [\"p2.csv\", 3], [\"p2.csv\", 150001]]"

# another resource: only inside a Data Package
echo '{"fields": [{"name": "id", "type": "integer"}],
 "foreignKeys": [{"fields": "id", "reference": {"resource": "people", "fields": "id"}}]}' >"$T/other.json"
expect_exit 2 "a named resource is refused outside a Data Package" qgate-data validate --schema "$T/other.json" "$T/ok.csv"
expect_grep "the JSON pointer is named" "/foreignKeys/0/reference/resource" "$T/err"
# one shard does not hold the rows others reference
expect_exit 2 "--shard with foreignKeys is refused" qgate-data validate --schema "$T/fk.json" --shard 1/2 "$T/bad.csv"
expect_grep "shard refusal says why" "cannot be checked on one shard" "$T/err"

done_testing
