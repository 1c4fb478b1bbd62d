/* fuzz_test_gcov.c -- libFuzzer target for qgate-test's gcov JSON (gcov --json-format) reader
 *
 * Coverage reports come from CI jobs and other machines: untrusted input.
 * Reading either succeeds or fails with QG_EINPUT naming "fuzz.gcov.json" (or
 * QG_ENOMEM), never a crash; what was read passes fuzz_test_cov.h's oracle
 * (sorted, unique lines; totals that add up; the Cobertura written from it
 * reads back to the same totals).
 */
#include "qgate/common.h"

#include "fuzz_test_cov.h"

FUZZ_COV_TARGET(cov_read_gcov_buf, "fuzz.gcov.json")
