#!/bin/sh
# t_lazy_libs.sh -- `--version` loads none of the libraries qgate dlopens on
# first use (libcrypto through lib/core/crypto.c, libcurl through
# lib/net/http.c, libgit2 through lib/proc/git.c): start-up stays ~1 ms
# (tests/bench/startup.sh). The dynamic loader's own trace (LD_DEBUG=libs)
# says which libraries a run loaded; libc in it shows the trace works.
. "$(dirname "$0")/lib.sh"

for prog in qgate qgate-data qgate-model; do
	if [ ! -x "$QG_BIN/$prog" ]; then
		not_ok "$prog not built in $QG_BIN"
		continue
	fi
	expect_exit 0 "$prog --version" env LD_DEBUG=libs "$QG_BIN/$prog" --version
	expect_grep "$prog: the loader trace is there" 'calling init: .*libc\.so' "$T/err"
	expect_no_grep "$prog --version loads no libcrypto, libcurl or libgit2" \
		'calling init: .*(libcrypto|libcurl|libgit2)' "$T/err"
done

done_testing
