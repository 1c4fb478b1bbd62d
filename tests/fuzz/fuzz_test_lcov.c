/* fuzz_test_lcov.c -- libFuzzer target for qgate-test's lcov tracefile (.info) reader
 *
 * Coverage reports come from CI jobs and other machines: untrusted input.
 * Reading either succeeds or fails with QG_EINPUT naming "fuzz.info" (or
 * QG_ENOMEM), never a crash; what was read passes fuzz_test_cov.h's oracle
 * (sorted, unique lines; totals that add up; the Cobertura written from it
 * reads back to the same totals).
 */
#include "qgate/common.h"

#include "fuzz_test_cov.h"

FUZZ_COV_TARGET(cov_read_lcov_buf, "fuzz.info")
