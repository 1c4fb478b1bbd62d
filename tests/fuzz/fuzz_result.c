/* fuzz_result.c -- libFuzzer target for the result JSON reader
 *
 * Result documents come back from other machines (shards of a CI matrix,
 * artifacts of earlier runs) to be merged and rendered, so they are
 * untrusted input. The input is a result JSON document. Reading either
 * succeeds or fails with QG_EPARSE or QG_ENOMEM naming "fuzz.json", never
 * a crash. A result that was read is rendered by every writer -- result
 * JSON (which must read back), JUnit XML, text in each mode, GitHub
 * annotations and step summary -- the way `qgate` reports one.
 */
#include "qgate/common.h"

#include "qgate/buf.h"
#include "qgate/report.h"
#include "qgate/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned text_modes[] = { 0, QG_TEXT_QUIET, QG_TEXT_VERBOSE, QG_TEXT_COLOR | QG_TEXT_VERBOSE };
	struct qg_result r, again;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	const struct qg_result *one[1] = { &r };
	int err = qg_result_from_json(&r, (const char *)data, size, "fuzz.json");

	if (err) {
		if (err != QG_ENOMEM && (err != QG_EPARSE || !strstr(qg_error_last(), "fuzz.json")))
			abort();
		return 0;
	}
	if (qg_result_to_json(&b, &r) == 0) {
		err = qg_result_from_json(&again, b.buf, b.len, "again.json");
		if (err && err != QG_ENOMEM)
			abort(); /* what was written must read back */
		if (!err) {
			if (qg_result_exit_code(&again) != qg_result_exit_code(&r))
				abort();
			qg_result_release(&again);
		}
	}
	qg_buf_reset(&b);
	(void)qg_junit_write(&b, one, 1);
	for (size_t i = 0; i < QG_ARRAY_SIZE(text_modes); i++) {
		qg_buf_reset(&b);
		(void)qg_text_render(&b, &r, text_modes[i]);
	}
	qg_buf_reset(&b);
	(void)qg_github_annotations(&b, &r);
	qg_buf_reset(&b);
	(void)qg_github_summary(&b, &r);
	qg_buf_release(&b);
	qg_result_release(&r);
	return 0;
}
