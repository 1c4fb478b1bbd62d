#!/bin/sh
# t_build.sh -- build switches of the Makefile, checked with `make -n`:
# SIMD=0 compiles with -DQG_SIMD=0 into its own build folders, and
# `make cross CROSS=aarch64-linux-gnu-` compiles every lib/ and gates/ object
# with the cross compiler (ci.yml's cross-aarch64 job runs it for real).
. "$(dirname "$0")/lib.sh"

cd "$QG_ROOT" || exit 3
# Nothing from the calling make (tests/run runs inside `make check`) may leak in.
mk() {
	env -u B -u SIMD -u CHECK_B -u TESTS -u CROSS -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -nB --no-print-directory "$@" 2>&1
}

mk SIMD=0 B="build/t-build-probe" build/t-build-probe/lib/core/buf.o >"$T/simd0"
expect_grep "SIMD=0 compiles with -DQG_SIMD=0" ' -DQG_SIMD=0 .*-c lib/core/buf\.c' "$T/simd0"
mk B="build/t-build-probe" build/t-build-probe/lib/core/buf.o >"$T/simd1"
expect_no_grep "without SIMD there is no QG_SIMD define" 'QG_SIMD' "$T/simd1"
mk SIMD=0 all >"$T/simd0-all"
expect_grep "make SIMD=0 builds into build/simd0" ' -o build/simd0/lib/core/buf\.o' "$T/simd0-all"
mk SIMD=0 check >"$T/simd0-check"
expect_grep "make SIMD=0 check builds into build/asan-simd0" 'B=build/asan-simd0 .*check-build' "$T/simd0-check"
expect_grep "... with the sanitizers" 'SAN="-fsanitize=address,undefined' "$T/simd0-check"
expect_grep "... and runs the tests there" 'B=build/asan-simd0 tests/run' "$T/simd0-check"

mk cross CROSS=aarch64-linux-gnu- >"$T/cross"
srcs=$(ls lib/*/*.c gates/*/*.c | wc -l)
got=$(grep -c '^aarch64-linux-gnu-gcc .* -c [a-z]*/.*\.c -o build/cross-aarch64/' "$T/cross")
expect_eq "make cross compiles every lib/ and gates/ source with aarch64-linux-gnu-gcc" "$got" "$srcs"
expect_no_grep "make cross links nothing" ' -o build/cross-aarch64/(bin/|libqgate\.a)' "$T/cross"
expect_no_grep "make cross keeps the host's multiarch folder out of -I" ' -I/usr/include/x86_64-linux-gnu' "$T/cross"
done_testing
