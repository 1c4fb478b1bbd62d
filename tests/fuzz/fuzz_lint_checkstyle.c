/* fuzz_lint_checkstyle.c -- libFuzzer target for the checkstyle and cppcheck XML readers
 *
 * The first byte picks the reader (checkstyle, cppcheck, auto); the rest is
 * the report. Oracles: an error is QG_EINPUT with a message naming
 * fuzz.xml; findings keep their invariants; a failed parse leaves no
 * finding with a NULL field behind.
 */
#include "fuzz_lint_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const parsers[] = { "checkstyle", "cppcheck", "auto" };
	struct lint_findings fs = { 0 };
	struct lint_tools ts = { 0 };
	int err;

	if (!size)
		return 0;
	err = lint_parse_buf(NULL, parsers[data[0] % 3], NULL, "fuzz.xml", (const char *)data + 1, size - 1, &fs,
			     &ts);
	check_error(err);
	if (err == QG_EUSAGE)
		abort();
	if (err == QG_EINPUT && !strstr(qg_error_last(), "fuzz.xml"))
		abort();
	check_findings(&fs);
	lint_findings_release(&fs);
	lint_tools_release(&ts);
	qg_error_clear();
	return 0;
}
