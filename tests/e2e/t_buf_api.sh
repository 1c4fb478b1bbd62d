#!/bin/sh
# t_buf_api.sh -- the buffer API holds its two rules at compile time:
# every buffer names its cap (a bare QG_BUF_INIT does not compile) and every
# append's result is used (warn_unused_result: ignoring one is an error
# under -Werror, as the project builds). A program that follows both
# compiles, the control that the compiler and headers are found.
. "$(dirname "$0")/lib.sh"

CC=${CC:-cc}
try_cc() { # NAME: compile $T/NAME.c against include/
	$CC -std=c11 -Wall -Wextra -Werror -I"$QG_ROOT/include" -c -o "$T/$1.o" "$T/$1.c"
}

cat >"$T/good.c" <<'C'
#include "qgate/common.h"
int f(void);
int f(void)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err = qg_buf_addstr(&b, "x");

	if (!err)
		err = qg_buf_addf(&b, "%d", 1);
	qg_buf_release(&b);
	return err;
}
C
sed 's/QG_BUF_INIT(QG_CAP_MESSAGE)/QG_BUF_INIT/' "$T/good.c" >"$T/nocap.c"
cat >"$T/ignored.c" <<'C'
#include "qgate/common.h"
void f(struct qg_buf *b);
void f(struct qg_buf *b)
{
	qg_buf_addstr(b, "x");
}
C

expect_exit 0 "a buffer with its cap and checked appends compiles" try_cc good
expect_exit 1 "a bare QG_BUF_INIT (no cap) does not compile" try_cc nocap
expect_grep "the error names QG_BUF_INIT" "QG_BUF_INIT" "$T/err"
expect_exit 1 "an ignored append result does not compile" try_cc ignored
expect_grep "the error is warn_unused_result" "unused-result|warn_unused_result" "$T/err"

done_testing
