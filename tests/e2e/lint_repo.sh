# tests/e2e/lint_repo.sh -- sourced by the t_lint_{builtin,fix,files} scripts (after lib.sh)
#
# Makes $T/repo, a fresh git repository on branch main, and cds into it;
# g runs git there with a fixed identity (tests never read the user's).
# shellcheck disable=SC2034 # L is the scripts' name for the gate
L=qgate-lint
R=$T/repo
mkdir -p "$R"
cd "$R" || exit 1
g() { git -c user.name=t -c user.email=t@example.com -c init.defaultBranch=main "$@"; }
g init -q .
