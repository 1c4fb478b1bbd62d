#!/bin/sh
# t_data_types.sh -- every Table Schema type and format checked (issue 12): yearmonth, duration,
# geopoint, geojson/topojson, object, array, list, binary, bareNumber, NaN/INF, XSD times, and
# bounds printed as written in every report
. "$(dirname "$0")/lib.sh"

count() { # count FILE CHECK-ID: the check's count, "absent" when there is no such check
	json_get "$1" '([c["count"] for c in d["checks"] if c["id"]=="'"$2"'"] or ["absent"])[0]'
}
lines() { # lines FILE CHECK-ID: the lines of its locations, space-separated
	json_get "$1" '" ".join(str(l["line"]) for c in d["checks"] if c["id"]=="'"$2"'" for l in c.get("locations", []))'
}

# --- time follows XSD: hh:mm:ss with an optional fraction and Z or +-hh:mm
cat >"$T/time.json" <<'EOF'
{"fields": [{"name": "t", "type": "time"}, {"name": "a", "type": "time", "format": "any"},
            {"name": "dt", "type": "datetime"}]}
EOF
cat >"$T/time.csv" <<'EOF'
t,a,dt
06:00:00+01:00,09:00,2020-01-01T10:00:00+05:00
06:00:00.25Z,09:00:00,2020-01-01T10:00:00.5Z
EOF
expect_exit 0 "XSD times pass (06:00:00+01:00, fractions, Z)" qgate-data validate --schema "$T/time.json" "$T/time.csv"
cat >"$T/time-bad.csv" <<'EOF'
t,a,dt
09:00,09:00,2020-01-01T10:00:00+0500
06:00:00+15:00,9:00,2020-01-01T10:00
EOF
expect_exit 1 "09:00 is not a default-format time" qgate-data validate --schema "$T/time.json" "$T/time-bad.csv" --json "$T/time.out.json"
validate_result "time result" "$T/time.out.json"
expect_eq "time: 09:00 and +15:00 refused" "$(count "$T/time.out.json" field.t.type)" "2"
expect_eq "time any: 9:00 refused" "$(count "$T/time.out.json" field.a.type)" "1"
expect_eq "datetime: +0500 and no seconds refused" "$(count "$T/time.out.json" field.dt.type)" "2"

# --- yearmonth, duration
cat >"$T/ym.json" <<'EOF'
{"fields": [{"name": "ym", "type": "yearmonth", "constraints": {"minimum": "2000-01"}},
            {"name": "d", "type": "duration"}]}
EOF
printf 'ym,d\n2020-01,P1Y2M3DT4H5M6S\n2000-01,PT1.5S\n1999-12,P1W\n2020-13,P1D2Y\n2020-1,PT\n2021-06,P1DT\n' >"$T/ym.csv"
expect_exit 1 "yearmonth and duration checked" qgate-data validate --schema "$T/ym.json" "$T/ym.csv" --json "$T/ym.out.json"
validate_result "yearmonth result" "$T/ym.out.json"
expect_eq "yearmonth type errors on lines 5 6" "$(lines "$T/ym.out.json" field.ym.type)" "5 6"
expect_eq "yearmonth minimum on line 4" "$(lines "$T/ym.out.json" field.ym.minimum)" "4"
expect_eq "duration type errors on lines 5 6 7" "$(lines "$T/ym.out.json" field.d.type)" "5 6 7"

# --- geopoint in its three formats, geojson, topojson
cat >"$T/geo.json" <<'EOF'
{"fields": [{"name": "p", "type": "geopoint"},
            {"name": "pa", "type": "geopoint", "format": "array"},
            {"name": "po", "type": "geopoint", "format": "object"},
            {"name": "g", "type": "geojson"},
            {"name": "tj", "type": "geojson", "format": "topojson"}]}
EOF
cat >"$T/geo.csv" <<'EOF'
p,pa,po,g,tj
"90, 45","[90, 45]","{""lon"": 90, ""lat"": 45}","{""type"": ""Point"", ""coordinates"": [1, 2]}","{""type"": ""Topology"", ""objects"": {}, ""arcs"": []}"
"181, 45","[90]","{""lon"": 90}","{""type"": ""LineString"", ""coordinates"": [[1, 2]]}","{""type"": ""Point"", ""coordinates"": [1, 2]}"
"-180,-90","[-180, 90]","{""lat"": -90, ""lon"": 180}","{""type"": ""Polygon"", ""coordinates"": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}","{""type"": ""Topology"", ""objects"": {""a"": {""type"": ""LineString"", ""arcs"": [0]}}, ""arcs"": [[[0, 0], [1, 1]]]}"
"90, 91","[90, 45, 1]","{""lon"": 90, ""lat"": 45, ""x"": 0}","{""type"": ""Polygon"", ""coordinates"": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}","{""type"": ""Topology"", ""objects"": {}}"
EOF
expect_exit 1 "geopoint/geojson checked" qgate-data validate --schema "$T/geo.json" "$T/geo.csv" --json "$T/geo.out.json"
validate_result "geo result" "$T/geo.out.json"
for f in p pa po g tj; do
	expect_eq "geo field $f: lines 3 and 5 refused" "$(lines "$T/geo.out.json" "field.$f.type")" "3 5"
done

# --- object, array, list, binary; JSONL cells arrive as JSON values
cat >"$T/obj.json" <<'EOF'
{"fields": [{"name": "o", "type": "object"}, {"name": "a", "type": "array"},
            {"name": "l", "type": "list", "itemType": "integer"},
            {"name": "ls", "type": "list", "delimiter": ";"},
            {"name": "b", "type": "string", "format": "binary"},
            {"name": "g", "type": "geojson"}]}
EOF
cat >"$T/obj.jsonl" <<'EOF'
{"o": {"k": 1}, "a": [1, 2], "l": [1, 2, 3], "ls": "x;y", "b": "aGVsbG8=", "g": {"type": "Point", "coordinates": [1, 2]}}
{"o": "{\"k\": 1}", "a": "[]", "l": "1,2,3", "ls": ["x", "y"], "b": "", "g": "{\"type\": \"MultiPoint\", \"coordinates\": []}"}
{"o": [1], "a": {"k": 1}, "l": [1, 2.5], "ls": [1], "b": "aGVsbG8", "g": {"type": "Point"}}
{"o": 5, "a": "x", "l": "1,x", "ls": "", "b": "not base64!", "g": [1, 2]}
EOF
expect_exit 1 "object/array/list/binary checked (JSONL)" qgate-data validate --schema "$T/obj.json" "$T/obj.jsonl" --json "$T/obj.out.json"
validate_result "object result" "$T/obj.out.json"
for f in o a l b g; do
	expect_eq "JSONL $f: lines 3 and 4 refused" "$(lines "$T/obj.out.json" "field.$f.type")" "3 4"
done
expect_eq "JSONL list of strings: a number item refused" "$(lines "$T/obj.out.json" field.ls.type)" "3"
cat >"$T/obj.csv" <<'EOF'
o,a,l,ls,b,g
"{""k"": 1}","[1, 2]","1,2,3",x;y,aGVsbG8=,"{""type"": ""Point"", ""coordinates"": [1, 2]}"
"[1]","{}","1,,3",x,aGVsbG8,"{""type"": ""Point"", ""coordinates"": [1]}"
EOF
expect_exit 1 "object/array/list/binary checked (CSV)" qgate-data validate --schema "$T/obj.json" "$T/obj.csv" --json "$T/objc.out.json"
for f in o a l b g; do
	expect_eq "CSV $f: line 3 refused" "$(lines "$T/objc.out.json" "field.$f.type")" "3"
done

# --- numbers: bareNumber false, NaN/INF in any case
cat >"$T/num.json" <<'EOF'
{"fields": [{"name": "price", "type": "number", "bareNumber": false},
            {"name": "n", "type": "integer", "bareNumber": false},
            {"name": "x", "type": "number"}]}
EOF
printf 'price,n,x\n\342\202\25495,95%%,nan\n95%%,$ 12,INF\nEUR -1.5,7 units,-inf\nfree,x,NaN\n' >"$T/num.csv"
expect_exit 1 "bareNumber false strips text; NaN/INF any case" qgate-data validate --schema "$T/num.json" "$T/num.csv" --json "$T/num.out.json"
validate_result "number result" "$T/num.out.json"
expect_eq "bareNumber: only 'free' refused" "$(lines "$T/num.out.json" field.price.type)" "5"
expect_eq "bareNumber integer: only 'x' refused" "$(lines "$T/num.out.json" field.n.type)" "5"
expect_eq "nan/INF/-inf/NaN are numbers" "$(count "$T/num.out.json" field.x.type)" "0"
printf 'price,n,x\n95%%,1,1\n' >"$T/num2.csv"
sed 's/"bareNumber": false/"bareNumber": true/' "$T/num.json" >"$T/num-bare.json"
expect_exit 1 "bareNumber true (the default) refuses 95%" qgate-data validate --schema "$T/num-bare.json" "$T/num2.csv"

# --- messages: bounds as written; NaN outside the bounds is one violation
cat >"$T/b.json" <<'EOF'
{"fields": [{"name": "v", "type": "number", "constraints": {"minimum": 0, "maximum": 50}},
            {"name": "w", "type": "number", "constraints": {"maximum": 0.1}}]}
EOF
printf 'v,w\n51,0.2\nNaN,0\n10,0\n' >"$T/b.csv"
expect_exit 1 "bounds violated" env GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$T/summary.md" \
	qgate-data validate --schema "$T/b.json" "$T/b.csv" --json "$T/b.out.json" --junit "$T/b.xml" --format text
cp "$T/out" "$T/b.txt"
validate_result "bounds result" "$T/b.out.json"
validate_junit "bounds junit" "$T/b.xml"
expect_grep "text says 'above maximum 50'" "above maximum 50" "$T/b.txt"
expect_no_grep "text never says 5e+01" "5e\\+01" "$T/b.txt"
expect_grep "junit says 'above maximum 50'" "above maximum 50" "$T/b.xml"
expect_no_grep "junit never says 5e+01" "5e\\+01" "$T/b.xml"
expect_no_grep "json never says 5e+01" "5e\\+01" "$T/b.out.json"
expect_grep "json expected '<= 50'" '"<= 50"' "$T/b.out.json"
expect_grep "text says 'above maximum 0.1'" "above maximum 0.1" "$T/b.txt"
expect_eq "NaN: one violation in all (v.minimum + v.maximum = 2: 51 and NaN)" \
	"$(json_get "$T/b.out.json" 'sum(c["count"] for c in d["checks"] if c["id"] in ("field.v.minimum", "field.v.maximum"))')" "2"
expect_eq "NaN counted against minimum shows no observed value" \
	"$(json_get "$T/b.out.json" '[c.get("observed", "none") for c in d["checks"] if c["id"]=="field.v.minimum"][0]')" "none"
expect_eq "maximum observed 51" \
	"$(json_get "$T/b.out.json" '[c.get("observed", "none") for c in d["checks"] if c["id"]=="field.v.maximum"][0]')" "51"
expect_grep "step summary says 'above maximum 50'" "above maximum 50" "$T/summary.md"
expect_no_grep "step summary never says 5e+01" "5e\\+01" "$T/summary.md"

# --- schema errors: unknown itemType, a list delimiter that is not one character
cat >"$T/bad-item.json" <<'EOF'
{"fields": [{"name": "l", "type": "list", "itemType": "geojson"}]}
EOF
expect_exit 2 "list itemType geojson refused" qgate-data validate --schema "$T/bad-item.json" "$T/obj.csv"

done_testing
