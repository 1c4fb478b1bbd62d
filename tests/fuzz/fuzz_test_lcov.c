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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cov_model m;

	if (cov_model_init(&m, "/r"))
		return 0;
	fuzz_cov_check(&m, cov_read_lcov_buf(&m, (const char *)data, size, "fuzz.info"), "fuzz.info");
	cov_model_release(&m);
	return 0;
}
