#!/bin/sh
# t_fault_data.sh -- qgate-data on inputs that cannot be opened: the message
# says why (the system's reason, e.g. "Permission denied"), never just
# "cannot hash the input". Run as an unprivileged user: as root through
# setpriv (uid/gid 65534, no groups), otherwise as ourselves.
. "$(dirname "$0")/../e2e/lib.sh"

if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null 2>&1 || { skip "setpriv not installed"; done_testing; exit 0; }
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 755 "$T" # the unprivileged user walks into the temp dir
else
	AS=""
fi
printf 'a,b\n1,x\n2,y\n' >"$T/data.csv"
printf 'a,b\n1,x\n' >"$T/secret.csv"
chmod 644 "$T/data.csv"
chmod 000 "$T/secret.csv"
printf '{"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "string"}]}\n' >"$T/schema.json"
chmod 644 "$T/schema.json"

# shellcheck disable=SC2086 # $AS is a command prefix, split on purpose
expect_exit 0 "a readable file validates as that user" $AS qgate-data validate --schema "$T/schema.json" "$T/data.csv"

# shellcheck disable=SC2086
expect_exit 3 "validate: unreadable input is exit 3" $AS qgate-data validate --schema "$T/schema.json" "$T/secret.csv"
expect_grep "validate: says permission denied" "secret\.csv': cannot open: Permission denied" "$T/err"
expect_no_grep "validate: not 'cannot hash'" "cannot hash" "$T/err"

# shellcheck disable=SC2086
expect_exit 3 "validate: one unreadable among readable inputs" $AS qgate-data validate --schema "$T/schema.json" \
	"$T/data.csv" "$T/secret.csv"
expect_grep "validate (two inputs): says permission denied" "secret\.csv': cannot open: Permission denied" "$T/err"

# shellcheck disable=SC2086
expect_exit 3 "profile: unreadable input is exit 3" $AS qgate-data profile "$T/secret.csv" --profile-out -
expect_grep "profile: says permission denied" "secret\.csv': cannot open: Permission denied" "$T/err"
expect_no_grep "profile: not 'cannot hash'" "cannot hash" "$T/err"

# shellcheck disable=SC2086
expect_exit 3 "infer: unreadable input is exit 3" $AS qgate-data infer "$T/secret.csv"
expect_grep "infer: says permission denied" "secret\.csv': cannot open: Permission denied" "$T/err"
done_testing
