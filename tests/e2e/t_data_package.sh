#!/bin/sh
# t_data_package.sh -- Data Packages (issue 12): `qgate-data validate
# datapackage.json` validates every resource with its schema into one result
# (check ids resource.<name>.*), refuses what it cannot honour (exit 2 naming
# the JSON pointer), checks sha256 hash and bytes; `infer --package` writes a
# descriptor that validates. An https:// descriptor is read through nginx.
. "$(dirname "$0")/lib.sh"
trap '[ -n "${NGX_PID:-}" ] && kill "$NGX_PID" 2>/dev/null; rm -rf "$T"' EXIT

P=$T/pkg
mkdir -p "$P/data"
printf 'id,name\n1,ann\n2,bob\n' >"$P/data/people.csv"
printf 'id,score\n1,10\n2,20\n3,30\n' >"$P/data/scores.csv"
cat >"$P/scores.schema.json" <<'JSON'
{"fields": [{"name": "id", "type": "integer"},
            {"name": "score", "type": "integer", "constraints": {"maximum": 100}}]}
JSON
# write_pkg FILE RESOURCE2-EXTRA: a two-resource descriptor, the second
# resource's schema by path; RESOURCE2-EXTRA is spliced into resource 2.
write_pkg() {
	cat >"$1" <<JSON
{"name": "demo", "title": "Demo", "licenses": [{"name": "CC0-1.0"}],
 "\$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
 "resources": [
  {"name": "people", "path": "data/people.csv", "format": "csv", "mediatype": "text/csv",
   "encoding": "utf-8",
   "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}},
  {"name": "scores", "path": "data/scores.csv", "schema": "scores.schema.json"$2}
 ]}
JSON
}

write_pkg "$P/datapackage.json" ""
expect_exit 0 "a 2-resource package passes" \
	qgate-data validate "$P/datapackage.json" --json "$T/ok.json" --junit "$T/ok.xml"
validate_result "package result" "$T/ok.json"
validate_junit "package junit" "$T/ok.xml"
expect_eq "checks are prefixed with the resource name" \
	"$(json_get "$T/ok.json" '[c["status"] for c in d["checks"] if c["id"]=="resource.scores.field.score.maximum"][0]')" "pass"
expect_eq "both resources' rows" \
	"$(json_get "$T/ok.json" '[c["observed"] for c in d["checks"] if c["id"].endswith(".table.rows")]')" "[2, 3]"
expect_eq "artifacts: the descriptor and every data file" \
	"$(json_get "$T/ok.json" '[a["path"].split("/")[-1] for a in d["subject"]["artifacts"]]')" \
	'["datapackage.json", "people.csv", "scores.csv"]'

# a bad cell in resource 2: failed check naming the resource, file and line
printf 'id,score\n1,10\n2,200\n3,30\n' >"$P/data/scores.csv"
expect_exit 1 "a bad cell in resource 2 fails" \
	qgate-data validate "$P/datapackage.json" --json "$T/bad.json" --junit "$T/bad.xml"
validate_result "failing package result" "$T/bad.json"
validate_junit "failing package junit" "$T/bad.xml"
expect_grep "the text names the resource's check" "FAIL +resource\.scores\.field\.score\.maximum" "$T/out"
expect_grep "the location names file and line" "data/scores\.csv:3:3: value \"200\" above maximum 100" "$T/out"
expect_eq "location line in JSON" \
	"$(json_get "$T/bad.json" '[c["locations"][0]["line"] for c in d["checks"] if c["id"]=="resource.scores.field.score.maximum"][0]')" "3"
expect_eq "resource 1 still passes" \
	"$(json_get "$T/bad.json" '[c["status"] for c in d["checks"] if c["id"]=="resource.people.field.id.type"][0]')" "pass"
printf 'id,score\n1,10\n2,20\n3,30\n' >"$P/data/scores.csv"

# hash and bytes
SHA=$(sha256sum "$P/data/scores.csv" | cut -d' ' -f1)
SIZE=$(wc -c <"$P/data/scores.csv" | tr -d ' ')
write_pkg "$P/datapackage.json" ", \"hash\": \"sha256:$SHA\", \"bytes\": $SIZE"
expect_exit 0 "a matching sha256 hash and bytes pass" qgate-data validate "$P/datapackage.json" --json "$T/h.json"
expect_eq "resource.scores.hash passes" \
	"$(json_get "$T/h.json" '[c["status"] for c in d["checks"] if c["id"]=="resource.scores.hash"][0]')" "pass"
write_pkg "$P/datapackage.json" ", \"hash\": \"sha256:0000000000000000000000000000000000000000000000000000000000000000\""
expect_exit 1 "a hash mismatch fails" qgate-data validate "$P/datapackage.json" --json "$T/hm.json"
validate_result "hash mismatch result" "$T/hm.json"
expect_grep "the hash check fails" "FAIL +resource\.scores\.hash" "$T/out"
write_pkg "$P/datapackage.json" ", \"bytes\": 1"
expect_exit 1 "a bytes mismatch fails" qgate-data validate "$P/datapackage.json"
expect_grep "the bytes check fails" "FAIL +resource\.scores\.bytes" "$T/out"
write_pkg "$P/datapackage.json" ", \"hash\": \"d41d8cd98f00b204e9800998ecf8427e\""
expect_exit 2 "an MD5 hash (no algorithm) is refused" qgate-data validate "$P/datapackage.json"
expect_grep "the refusal names the pointer" "/resources/1/hash: .*MD5" "$T/err"

# refusals: exit 2 naming the JSON pointer
write_pkg "$P/datapackage.json" ", \"hashh\": \"x\""
expect_exit 2 "an unknown resource key is exit 2" qgate-data validate "$P/datapackage.json"
expect_grep "with the pointer and a suggestion" "/resources/1: unknown resource key 'hashh' \(did you mean 'hash'\?\)" "$T/err"
expect_exit 0 "--allow-unknown-keys accepts it" qgate-data validate --allow-unknown-keys "$P/datapackage.json"
write_pkg "$P/datapackage.json" ", \"encoding\": \"latin-1\""
expect_exit 2 "a non-UTF-8 encoding is refused" qgate-data validate "$P/datapackage.json"
expect_grep "encoding pointer" "/resources/1/encoding" "$T/err"
write_pkg "$P/datapackage.json" ", \"format\": \"xlsx\""
expect_exit 2 "a non-tabular format is refused" qgate-data validate "$P/datapackage.json"
cat >"$P/top.json" <<'JSON'
{"resourcez": [], "resources": [{"name": "a", "path": "data/people.csv", "schema": {"fields": []}}]}
JSON
expect_exit 2 "an unknown top-level key is exit 2" qgate-data validate "$P/top.json"
expect_grep "top-level suggestion" "unknown data package key 'resourcez' \(did you mean 'resources'\?\)" "$T/err"
cat >"$P/inline.json" <<'JSON'
{"resources": [{"name": "a", "data": [{"id": 1}], "schema": {"fields": [{"name": "id", "type": "integer"}]}}]}
JSON
expect_exit 2 "inline data is refused, not ignored" qgate-data validate "$P/inline.json"
expect_grep "inline data pointer" "/resources/0/data" "$T/err"
cat >"$P/noschema.json" <<'JSON'
{"resources": [{"name": "a", "path": "data/people.csv"}]}
JSON
expect_exit 2 "a resource without a schema is refused" qgate-data validate "$P/noschema.json"

# paths never leave the descriptor's folder
printf 'id\n1\n' >"$T/outside.csv"
cat >"$P/escape.json" <<'JSON'
{"resources": [{"name": "a", "path": "../outside.csv", "schema": {"fields": [{"name": "id", "type": "integer"}]}}]}
JSON
expect_exit 2 "a path escaping the folder is exit 2" qgate-data validate "$P/escape.json"
expect_grep "escape named" "/resources/0/path: '\.\./outside\.csv' escapes" "$T/err"
sed "s|\.\./outside\.csv|$T/outside.csv|" "$P/escape.json" >"$P/abs.json"
expect_exit 2 "an absolute path is exit 2" qgate-data validate "$P/abs.json"
expect_grep "absolute named" "/resources/0/path: .* is an absolute path" "$T/err"
ln -s "$T/outside.csv" "$P/data/link.csv"
sed "s|\.\./outside\.csv|data/link.csv|" "$P/escape.json" >"$P/link.json"
expect_exit 2 "a symlink out of the folder is exit 2" qgate-data validate "$P/link.json"
rm -f "$P/data/link.csv"

# chunked paths: one table, the header in the first file only
printf '3,cy\n4,x\n' >"$P/data/people2.csv"
printf 'x,dan\n' >"$P/data/people3.csv"
cat >"$P/chunks.json" <<'JSON'
{"resources": [{"name": "people", "path": ["data/people.csv", "data/people2.csv"],
  "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}}]}
JSON
expect_exit 0 "a chunked path is one table (later chunks have no header)" \
	qgate-data validate "$P/chunks.json" --json "$T/chunks.json"
expect_eq "rows of every chunk counted" \
	"$(json_get "$T/chunks.json" '[c["observed"] for c in d["checks"] if c["id"]=="resource.people.table.rows"][0]')" "4"
CSHA=$(cat "$P/data/people.csv" "$P/data/people2.csv" | sha256sum | cut -d' ' -f1)
sed "s|\"path\"|\"hash\": \"sha256:$CSHA\", \"path\"|" "$P/chunks.json" >"$P/chunks-hash.json"
expect_exit 0 "a chunked resource's hash is over the chunks concatenated" qgate-data validate "$P/chunks-hash.json"
sed 's|"data/people2.csv"|"data/people2.csv", "data/people3.csv"|' "$P/chunks.json" >"$P/chunks3.json"
expect_exit 1 "a bad cell in the third chunk fails" qgate-data validate "$P/chunks3.json"
expect_grep "named by chunk file and its own line" "data/people3\.csv:1:1: " "$T/out"
sed 's|"data/people2.csv"|"../outside.csv"|' "$P/chunks.json" >"$P/chunks-esc.json"
expect_exit 2 "a chunk escaping the folder is exit 2" qgate-data validate "$P/chunks-esc.json"
expect_grep "chunk pointer" "/resources/0/path/1: '\.\./outside\.csv' escapes" "$T/err"
cat >"$P/onechunk.json" <<'JSON'
{"resources": [{"name": "people", "path": ["data/people.csv"],
  "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}}]}
JSON
expect_exit 0 "a one-element path array is read" qgate-data validate "$P/onechunk.json"

# foreign keys across resources: the referenced resource's keys are read
cat >"$P/fk.json" <<'JSON'
{"resources": [
 {"name": "people", "path": "data/people.csv",
  "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}},
 {"name": "scores", "path": "data/scores.csv",
  "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "score", "type": "integer"}],
   "foreignKeys": [{"fields": "id", "reference": {"resource": "people", "fields": "id"}}]}}]}
JSON
expect_exit 1 "a foreign key into another resource is checked (id 3 has no person)" \
	qgate-data validate "$P/fk.json" --json "$T/fkx.json" --junit "$T/fkx.xml"
validate_result "cross-resource foreign key result" "$T/fkx.json"
validate_junit "cross-resource foreign key junit" "$T/fkx.xml"
expect_grep "the dangling row is named by file and line" "data/scores\.csv:4: .*has no match in 'people'" "$T/out"
expect_eq "one violation, on the referencing resource" \
	"$(json_get "$T/fkx.json" '[c["count"] for c in d["checks"] if c["id"]=="resource.scores.table.foreign-key"][0]')" "1"
printf 'id,name\n1,ann\n2,bob\n3,cy\n' >"$P/data/people.csv"
expect_exit 0 "every key matched passes" qgate-data validate "$P/fk.json"
printf 'id,name\n1,ann\n2,bob\n' >"$P/data/people.csv"
sed 's|"resource": "people"|"resource": "nobody"|' "$P/fk.json" >"$P/fk-missing.json"
expect_exit 2 "a foreign key into a resource the package lacks is exit 2" qgate-data validate "$P/fk-missing.json"
expect_grep "missing resource named" "no resource named 'nobody'" "$T/err"
# a key into the resource itself, by its name: the same-table check
printf 'id,parent\n1,\n2,1\n3,9\n' >"$P/data/tree.csv"
cat >"$P/fk-self.json" <<'JSON'
{"resources": [{"name": "tree", "path": "data/tree.csv",
  "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "parent", "type": "integer"}],
   "foreignKeys": [{"fields": "parent", "reference": {"resource": "tree", "fields": "id"}}]}}]}
JSON
expect_exit 1 "a self-reference by the resource's name is checked" qgate-data validate "$P/fk-self.json" --json "$T/fk.json"
validate_result "self foreign key result" "$T/fk.json"
expect_eq "the dangling parent is located" \
	"$(json_get "$T/fk.json" '[c["locations"][0]["line"] for c in d["checks"] if c["id"]=="resource.tree.table.foreign-key"][0]')" "4"

# a resource dialect is honoured (semicolons)
printf 'id;name\n1;ann\n' >"$P/data/semi.csv"
cat >"$P/dialect.json" <<'JSON'
{"resources": [{"name": "semi", "path": "data/semi.csv", "dialect": {"delimiter": ";"},
  "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}}]}
JSON
expect_exit 0 "a resource's dialect is used" qgate-data validate "$P/dialect.json"

# infer --package round trip
I=$T/inf
mkdir -p "$I/d"
printf 'id,city\n1,Oslo\n2,Rome\n3,Lima\n' >"$I/d/cities.csv"
printf '{"k": 1, "v": "x"}\n{"k": 2, "v": "y"}\n' >"$I/d/Events Log.jsonl"
expect_exit 0 "infer -o datapackage.json writes a package" \
	qgate-data infer -o "$I/datapackage.json" "$I/d/cities.csv" "$I/d/Events Log.jsonl"
expect_eq "one resource per file, paths relative to the descriptor" \
	"$(json_get "$I/datapackage.json" '[(r["name"], r["path"]) for r in d["resources"]]')" \
	'[["cities", "d/cities.csv"], ["events-log", "d/Events Log.jsonl"]]'
expect_exit 0 "the inferred package validates" \
	qgate-data validate "$I/datapackage.json" --json "$T/inf.json"
validate_result "inferred package result" "$T/inf.json"
expect_exit 2 "infer --package refuses a file outside the output's folder" \
	qgate-data infer --package -o "$I/d/datapackage.json" "$P/data/people.csv"
(cd "$I" && qgate-data infer --package d/cities.csv >"$T/stdout.json" 2>"$T/err")
expect_eq "infer --package to stdout names paths from the working folder" \
	"$(json_get "$T/stdout.json" '[r["path"] for r in d["resources"]]')" '["d/cities.csv"]'

# an https:// descriptor: its paths are relative to its URL
if [ -f "$QG_ROOT/tests/e2e/servers/nginx-tls.sh" ]; then
	. "$QG_ROOT/tests/e2e/servers/nginx-tls.sh"
	mkdir -p "$T/www/pkg/data"
	cp "$P/data/people.csv" "$P/data/scores.csv" "$P/scores.schema.json" "$T/www/pkg/" 2>/dev/null
	cp "$P/data/people.csv" "$P/data/scores.csv" "$T/www/pkg/data/"
	write_pkg "$T/www/pkg/datapackage.json" ""
	nginx_tls_start "$T/ngx" "$T/www"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		expect_exit 0 "an https:// descriptor with relative paths and a schema by path" \
			env QG_CA_BUNDLE="$NGX_CERT" qgate-data validate "https://127.0.0.1:$NGX_PORT/pkg/datapackage.json" \
			--json "$T/https.json"
		validate_result "https package result" "$T/https.json"
		expect_eq "its artifacts are URLs" \
			"$(json_get "$T/https.json" '[a["path"].startswith("https://") for a in d["subject"]["artifacts"]]')" \
			"[true, true, true]"
		write_pkg "$T/www/pkg/datapackage.json" ", \"hash\": \"sha256:$SHA\""
		expect_exit 0 "a remote resource's hash is checked" \
			env QG_CA_BUNDLE="$NGX_CERT" qgate-data validate "https://127.0.0.1:$NGX_PORT/pkg/datapackage.json"
	elif [ "$rc" -eq 77 ]; then
		skip "nginx or openssl missing: HTTPS PACKAGE TEST NOT RUN"
	else
		not_ok "nginx failed to start"
	fi
fi
done_testing
