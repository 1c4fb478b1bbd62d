#!/bin/sh
# t_fault_json.sh -- JSON inputs that cJSON accepts silently are refused where
# they are written: a number that overflows to infinity (1e999) and a key
# repeated in one object. Inputs are exit 3, configuration (a --config file, a
# Table Schema) exit 2, each naming file, line and column. An invalid QG_*
# environment value is exit 2 naming the variable, not the default.
. "$(dirname "$0")/../e2e/lib.sh"

printf '{"accuracy": 0.9,\n "f1": 0.8}\n' >"$T/ok.json"
printf '{"accuracy": 0.9,\n "f1": 1e999}\n' >"$T/inf.json"
printf '{"accuracy": 0.9,\n "f1": 0.8,\n  "accuracy": 0.1}\n' >"$T/dup.json"

expect_exit 0 "finite metrics pass" qgate-model check --metrics "$T/ok.json" --require 'accuracy >= 0.5'
expect_exit 3 "1e999 in --metrics" qgate-model check --metrics "$T/inf.json" --require 'f1 >= 0.5' \
	--json "$T/inf-r.json"
expect_grep "names file, line and column" "inf\.json':2:8: number 1e999 is out of range" "$T/err"
validate_result "inf-r.json" "$T/inf-r.json"
expect_eq "the report says error" "$(json_get "$T/inf-r.json" 'd["status"]')" error
expect_exit 3 "duplicate key in --metrics" qgate-model check --metrics "$T/dup.json" --require 'accuracy >= 0.5'
expect_grep "names the repeat and the first" "dup\.json':3:3: duplicate key \"accuracy\" \(first at 1:2\)" "$T/err"
expect_exit 3 "1e999 in --baseline-metrics" qgate-model check --metrics "$T/ok.json" \
	--baseline-metrics "$T/inf.json" --require 'f1 >= baseline-0.1'
expect_grep "the baseline is named" "inf\.json':2:8:" "$T/err"

# configuration: a repeated key in qgate.json or a Table Schema is exit 2
printf '{"model": {"check": {}},\n "model": {}}\n' >"$T/qgate.json"
expect_exit 2 "duplicate key in --config" qgate-model check --config "$T/qgate.json" --metrics "$T/ok.json" \
	--require 'accuracy >= 0.5'
expect_grep "config names line and column" "qgate\.json':2:2: duplicate key \"model\"" "$T/err"
printf 'a\n1\n' >"$T/d.csv"
printf '{"fields": [{"name": "a", "type": "integer", "constraints": {"maximum": 1e400}}]}\n' >"$T/schema.json"
expect_exit 2 "1e400 in a Table Schema" qgate-data validate --schema "$T/schema.json" "$T/d.csv"
expect_grep "schema names line and column" "schema\.json':1:73: number 1e400" "$T/err"

# environment
expect_exit 2 "QG_SIMD=avx is refused" env QG_SIMD=avx qgate-model check --metrics "$T/ok.json" \
	--require 'accuracy >= 0.5'
expect_grep "names the variable and the values" "QG_SIMD='avx': expected avx2, sse2, 0, scalar, off or general" "$T/err"
printf '{"fields": [{"name": "a", "type": "integer"}]}\n' >"$T/s-ok.json"
expect_exit 0 "QG_SIMD=sse2 still runs" env QG_SIMD=sse2 qgate-data validate --schema "$T/s-ok.json" "$T/d.csv"
expect_exit 0 "QG_SIMD= (empty) counts as unset" env QG_SIMD= qgate-data validate --schema "$T/s-ok.json" "$T/d.csv"
expect_exit 2 "QG_HTTP_CONNECT_TIMEOUT=30s is refused" env QG_HTTP_CONNECT_TIMEOUT=30s qgate-data validate \
	"$T/d.csv"
expect_grep "names the variable" "QG_HTTP_CONNECT_TIMEOUT='30s': expected an integer from 1 to 604800" "$T/err"
done_testing
