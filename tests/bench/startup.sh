#!/bin/sh
# startup.sh -- start-up cost of every gate's --version against /bin/true and
# `python3 -c pass` (the first python3 on PATH and Debian's), measured in the same run with hyperfine.
# Usage: tests/bench/startup.sh [BIN_DIR]   (default build/bin)
set -eu
BIN=${1:-build/bin}
command -v hyperfine >/dev/null || { echo "startup.sh: hyperfine missing (ci/install-deps --bench)" >&2; exit 3; }
set --
for g in "$BIN"/qgate "$BIN"/qgate-*; do
	[ -x "$g" ] && set -- "$@" "$g --version"
done
hyperfine -N --warmup 50 --runs 500 --export-markdown "${OUT:-/dev/stdout}" \
	/bin/true "python3 -c pass" "/usr/bin/python3 -c pass" "$@"
