#!/bin/sh
# t_model_sklearn.sh -- every qgate-model metric equals scikit-learn 1.2.1 to 1e-9
. "$(dirname "$0")/lib.sh"
if ! "$DEBIAN_PY" -c 'import sklearn, numpy' 2>/dev/null; then
	skip "python3-sklearn not installed: sklearn comparison NOT RUN"
	done_testing
	exit 0
fi
"$DEBIAN_PY" "$QG_ROOT/tests/e2e/model_sklearn.py" "$QG_BIN/qgate-model" "$T" >"$T/tap" 2>&1
rc=$?
# renumber the helper's TAP lines into ours
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok [0-9]* - }" ;;
	"not ok "*) not_ok "${line#not ok [0-9]* - }" ;;
	"#"*) echo "$line" ;;
	"1.."*) ;;
	*) echo "# $line" ;;
	esac
done <"$T/tap"
expect_eq "sklearn helper exit status" "$rc" 0
done_testing
