#!/bin/sh
# t_data_unique.sh -- unique and primaryKey at any size (issue 12): keys past
# --unique-memory spill to $TMPDIR and are still checked exactly, a duplicate
# names its line and the line of the first occurrence, -j and --shard agree,
# and a cap the process cannot map stops at once with "out of memory".
. "$(dirname "$0")/lib.sh"

chk() { json_get "$1" "[c for c in d['checks'] if c['id']=='$2'][0]$3"; }

# 1 M distinct string ids (and a copy with one planted duplicate)
"$DEBIAN_PY" -c '
import sys
w = sys.stdout.write
w("id,v\n")
for i in range(1000000): w("k%07d,%d\n" % ((i * 7919) % 1000000, i))' >"$T/m.csv"
echo '{"fields": [{"name": "id", "constraints": {"unique": true}}, {"name": "v", "type": "integer"}]}' >"$T/m.json"
echo '{"fields": [{"name": "id"}, {"name": "v", "type": "integer"}], "primaryKey": "id"}' >"$T/mpk.json"
# line 2 holds k0000000; the duplicate goes on line 900002
sed '900002s/^[^,]*,/k0000000,/' "$T/m.csv" >"$T/mdup.csv"

expect_exit 0 "1 M distinct string ids pass with the default memory" \
	qgate-data validate --schema "$T/m.json" "$T/m.csv" --json "$T/m.out.json"
validate_result "1 M result" "$T/m.out.json"
expect_exit 1 "1 M string ids with one duplicate fail" \
	qgate-data validate --schema "$T/m.json" "$T/mdup.csv" --json "$T/md.json" --junit "$T/md.xml"
validate_result "duplicate result" "$T/md.json"
validate_junit "duplicate junit" "$T/md.xml"
expect_eq "one duplicate" "$(chk "$T/md.json" field.id.unique "['count']")" "1"
expect_eq "the duplicate's line" "$(chk "$T/md.json" field.id.unique "['locations'][0]['line']")" "900002"
expect_eq "the first occurrence named" "$(chk "$T/md.json" field.id.unique "['locations'][0]['message']")" \
	"duplicate value (first on line 2)"
# 16 MB of keys fit the default 256 MiB cap: kept in memory, nothing spilled
expect_eq "default memory: the keys stay in memory" "$(json_get "$T/md.json" 'd["metrics"].get("unique_spilled_bytes", 0)')" "0"

# a tiny --unique-memory forces spilling: same answer, both lines named
expect_exit 1 "--unique-memory 1 spills and still finds the duplicate" \
	qgate-data validate --schema "$T/m.json" --unique-memory 1 "$T/mdup.csv" --json "$T/ms.json"
validate_result "spilled result" "$T/ms.json"
expect_eq "spilled: one duplicate" "$(chk "$T/ms.json" field.id.unique "['count']")" "1"
expect_eq "spilled: both lines" "$(chk "$T/ms.json" field.id.unique "['locations'][0]['line']"):$(chk "$T/ms.json" field.id.unique "['locations'][0]['message']")" \
	"900002:duplicate value (first on line 2)"
expect_eq "spilled: the metric says it spilled" "$(json_get "$T/ms.json" 'd["metrics"].get("unique_spilled_bytes", 0) > 0')" "true"
expect_exit 0 "--unique-memory 1 on distinct keys passes" \
	qgate-data validate --schema "$T/m.json" --unique-memory 1 "$T/m.csv"
mkdir "$T/tmp"
TMPDIR="$T/tmp" qgate-data validate --schema "$T/m.json" --unique-memory 1 "$T/mdup.csv" >/dev/null 2>&1
expect_eq "the spill file is gone after the run" "$(ls -A "$T/tmp" | wc -l | tr -d ' ')" "0"
TMPDIR="$T/nosuchdir" qgate-data validate --schema "$T/m.json" --unique-memory 1 "$T/mdup.csv" >/dev/null 2>"$T/err"
expect_eq "a spill folder that does not exist is exit 3" "$?" "3"
expect_grep "the spill error names the folder" "nosuchdir.*spill file" "$T/err"

# primary key, -j and --shard
expect_exit 1 "primaryKey duplicate, spilled, -j 2" \
	qgate-data validate --schema "$T/mpk.json" --unique-memory 1 -j 2 "$T/mdup.csv" --json "$T/mp.json"
expect_eq "primary key: one repeat at line 900002" \
	"$(chk "$T/mp.json" table.primary-key "['count']"):$(chk "$T/mp.json" table.primary-key "['locations'][0]['line']")" "1:900002"
expect_eq "primary key message names the first line" "$(chk "$T/mp.json" table.primary-key "['locations'][0]['message']")" \
	"primary key (id) repeats an earlier row (first on line 2)"
expect_exit 1 "-j 2 unique in memory" qgate-data validate --schema "$T/m.json" -j 2 "$T/mdup.csv" --json "$T/mj.json"
expect_eq "-j 2: same location" "$(chk "$T/mj.json" field.id.unique "['locations']")" "$(chk "$T/md.json" field.id.unique "['locations']")"

# several duplicates across files: counted once each, data order
printf 'id,v\na,1\nb,2\nc,3\n' >"$T/f1.csv"
printf 'id,v\nd,4\na,5\nb,6\na,7\n' >"$T/f2.csv"
expect_exit 1 "duplicates between files" qgate-data validate --schema "$T/m.json" --unique-memory 1 "$T/f1.csv" "$T/f2.csv" --json "$T/f.json"
expect_eq "three repeats" "$(chk "$T/f.json" field.id.unique "['count']")" "3"
expect_eq "the other file is named" "$(chk "$T/f.json" field.id.unique "['locations'][0]['message']")" \
	"duplicate value (first in '$T/f1.csv' on line 2)"
expect_eq "repeat lines in order" "$(json_get "$T/f.json" "[l['line'] for l in [c for c in d['checks'] if c['id']=='field.id.unique'][0]['locations']]")" "[3, 4, 5]"

# shuffled integer ids: intervals and entries together
"$DEBIAN_PY" -c '
import random
random.seed(3)
ids = list(range(1, 300001)); random.shuffle(ids)
ids[250000] = ids[10]
print("id")
for i in ids: print(i)' >"$T/ints.csv"
echo '{"fields": [{"name": "id", "type": "integer", "constraints": {"unique": true}}]}' >"$T/ints.json"
for mem in 256 1; do
	expect_exit 1 "shuffled integers with one repeat (--unique-memory $mem)" \
		qgate-data validate --schema "$T/ints.json" --unique-memory $mem "$T/ints.csv" --json "$T/i$mem.json"
	expect_eq "shuffled integers: count, line (mem $mem)" \
		"$(chk "$T/i$mem.json" field.id.unique "['count']"):$(chk "$T/i$mem.json" field.id.unique "['locations'][0]['line']")" "1:250002"
	# the repeat of a key held in an interval is found while reading (its
	# first line is not kept); a repeat of a scattered key names it
	expect_grep "the repeat is reported (mem $mem)" "appears more than once" "$T/i$mem.json"
done

# a cap larger than the process may map: stops at the first refusal (a
# sanitizer build reserves terabytes of address space up front: it cannot
# start under ulimit -v at all: the release build make check names in
# QG_FAULT_REL_BIN takes these cases, else they are skipped)
QD=qgate-data
[ -n "${QG_FAULT_REL_BIN:-}" ] && [ -x "$QG_FAULT_REL_BIN/qgate-data" ] && QD=$QG_FAULT_REL_BIN/qgate-data
if ! sh -c "ulimit -v 200000; exec '$QD' --version" >/dev/null 2>&1; then
	skip "ulimit -v: this build cannot start under an address-space limit (ASan): NOT RUN"
	skip "ulimit -v: exit 3: NOT RUN"
	skip "ulimit -v: out of memory message: NOT RUN"
	done_testing
	exit
fi
# the cap is a bound, never an allocation: a cap far over what the process
# may map still checks (exit 1: the planted duplicate), in bounded buffers
expect_exit 1 "--unique-memory 60000 under ulimit -v 200000 still checks" sh -c \
	"ulimit -v 200000; exec timeout 120 '$QD' validate --no-hash --schema '$T/m.json' --unique-memory 60000 '$T/mdup.csv' '$T/m.csv'"
# too little address space: the first refusal stops the run (timeout would
# be 124: the old code kept reading through thousands of failing mmaps).
# 34 MB: with runs of 10-byte entries the check fits in about 39 MB of
# address space (runs that cannot be kept in memory spill: exit 1, exact),
# so the limit is below what the key buffers alone need
expect_exit 3 "a refused allocation under ulimit -v 34000 is exit 3 at once" sh -c \
	"ulimit -v 34000; exec timeout 60 '$QD' validate --no-hash --schema '$T/m.json' --unique-memory 60000 '$T/m.csv' '$T/m.csv' '$T/m.csv' '$T/m.csv'"
expect_grep "out of memory message" "error: out of memory" "$T/err"

# integer ids repeated inside one piece: the piece's intervals catch the
# repeat while reading; the first line comes from reading the key column
# again (validate_locate.c), for unique and for primaryKey alike
printf 'id,v\n1,a\n2,b\n3,c\n2,d\n4,e\n1,f\n' >"$T/rep.csv"
echo '{"fields": [{"name": "id", "type": "integer", "constraints": {"unique": true}}, {"name": "v"}]}' >"$T/rep.json"
echo '{"fields": [{"name": "id", "type": "integer"}, {"name": "v"}], "primaryKey": "id"}' >"$T/reppk.json"
expect_exit 1 "repeated integer ids fail" qgate-data validate --schema "$T/rep.json" --json "$T/rep.out.json" "$T/rep.csv"
expect_eq "unique: each repeat names its first line" "$(chk "$T/rep.out.json" field.id.unique "['locations']" | tr -d ' ')" \
	"$(printf '[{"file":"%s","line":5,"column":1,"message":"value\\"2\\"appearsmorethanonce(firstonline3)"},{"file":"%s","line":7,"column":1,"message":"value\\"1\\"appearsmorethanonce(firstonline2)"}]' "$T/rep.csv" "$T/rep.csv")"
expect_exit 1 "repeated integer primary keys fail" qgate-data validate --schema "$T/reppk.json" --json "$T/reppk.out.json" "$T/rep.csv"
expect_eq "primaryKey: each repeat names its first line" "$(chk "$T/reppk.out.json" table.primary-key "['locations'][1]['message']")" \
	"primary key (id) repeats an earlier row (first on line 2)"

# a string primaryKey takes the column fast path (its text hashed there):
# the same verdict, counts and locations as the full path (QG_SIMD=general),
# with a missing key, a quoted repeat, non-ASCII keys and a composite key
printf 'id,name,v\na1,x,1\na2,y,2\n,z,3\na1,w,4\nb\303\251,q,5\nb\303\251,q,6\na2,x,7\n"a3",y,8\na3,y,9\n' >"$T/spk.csv"
echo '{"fields": [{"name": "id"}, {"name": "name"}, {"name": "v", "type": "integer"}], "primaryKey": "id"}' >"$T/spk1.json"
echo '{"fields": [{"name": "id"}, {"name": "name"}, {"name": "v", "type": "integer"}], "primaryKey": ["id", "name"]}' >"$T/spk2.json"
for k in 1 2; do
	expect_exit 1 "string primaryKey ($k field(s)), fast path" \
		qgate-data validate --no-hash --schema "$T/spk$k.json" --json "$T/spk$k.f.json" "$T/spk.csv"
	validate_result "string primaryKey ($k), fast path" "$T/spk$k.f.json"
	expect_exit 1 "string primaryKey ($k field(s)), full path" \
		env QG_SIMD=general qgate-data validate --no-hash --schema "$T/spk$k.json" --json "$T/spk$k.g.json" "$T/spk.csv"
	expect_eq "string primaryKey ($k): fast and full paths report the same" \
		"$(chk "$T/spk$k.f.json" table.primary-key "['count']") $(chk "$T/spk$k.f.json" table.primary-key "['locations']")" \
		"$(chk "$T/spk$k.g.json" table.primary-key "['count']") $(chk "$T/spk$k.g.json" table.primary-key "['locations']")"
done
expect_eq "string primaryKey: a missing key and four repeats, each naming its first line" \
	"$(chk "$T/spk1.f.json" table.primary-key "['count']"):$(chk "$T/spk1.f.json" table.primary-key "['locations'][3]['message']")" \
	"5:primary key (id) repeats an earlier row (first on line 3)"

done_testing
