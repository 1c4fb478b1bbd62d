# shellcheck shell=sh
# lint_outputs_repo.sh -- the scratch repository t_lint_sarif and t_lint_codequality share
#
# planted_repo DIR: a git repository with one commit holding a problem per
# common built-in check: trailing whitespace (a.txt, and non-ASCII lines in
# café.txt), mixed line endings in a path with spaces (sub dir/sp ace.txt),
# a duplicate JSON key (d.json) and an AWS key id (s.cfg) that no output may
# print.
planted_repo() {
	mkdir -p "$1/sub dir"
	git -C "$1" init -q
	printf 'hello  \nworld\n' >"$1/a.txt"
	printf 'x\t\r\ny\n' >"$1/sub dir/sp ace.txt"
	printf 'caf\303\251 \n\360\237\230\200x\t\n' >"$1/$(printf 'caf\303\251.txt')"
	printf '{"a": 1, "a": 2}\n' >"$1/d.json"
	printf 'aws_key = AKIAIOSFODNN7EXAMPLE\n' >"$1/s.cfg"
	git -C "$1" add . && git -C "$1" -c user.email=t@example.org -c user.name=t commit -qm one
}
