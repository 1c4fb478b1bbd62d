/* fuzz_qgate_merge.c -- libFuzzer target for the reader and merger of `qgate merge`
 *
 * (Named fuzz_qgate_* so the Makefile links the front's objects; the brief's
 * fuzz_merge* name would not link them.) The input is up to 8 result
 * documents separated by the byte 0x1e. merge_texts() either refuses them
 * with QG_EUSAGE, QG_EINPUT or QG_EPARSE (or QG_ENOMEM) and leaves no result
 * behind, or merges them into a result that keeps the merger's promises: at
 * most QG_LOCATIONS_MAX locations per check, ordered by file then line; no
 * more checks than the shards had together; and a JSON that the core reads
 * back.
 */
#include "qgate/common.h"

#include "qgate/report.h"
#include "qgate/result.h"

#include "qgate/merge_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *texts[8];
	size_t lens[8], n = 0, start = 0;
	struct qg_result out, back;
	struct qg_buf json = QG_BUF_INIT(QG_CAP_REPORT);
	int err;

	for (size_t i = 0; i <= size && n < QG_ARRAY_SIZE(texts); i++)
		if (i == size || data[i] == 0x1e) {
			texts[n] = (const char *)data + start;
			lens[n++] = i - start;
			start = i + 1;
		}
	err = merge_texts(&out, texts, lens, n);
	if (err) {
		if (err != QG_EUSAGE && err != QG_EINPUT && err != QG_EPARSE && err != QG_ENOMEM)
			abort();
		if (out.nr_checks || out.gate)
			abort(); /* nothing left behind */
		return 0;
	}
	for (size_t c = 0; c < out.nr_checks; c++) {
		const struct qg_check *k = out.checks[c];

		if (k->nr_locations > QG_LOCATIONS_MAX)
			abort();
		for (size_t l = 1; l < k->nr_locations; l++) {
			const char *a = k->locations[l - 1].file ? k->locations[l - 1].file : "";
			const char *b = k->locations[l].file ? k->locations[l].file : "";
			int cmp = strcmp(a, b);

			if (cmp > 0 || (!cmp && k->locations[l - 1].line > k->locations[l].line))
				abort();
		}
	}
	err = qg_result_to_json(&json, &out);
	if (!err) {
		err = qg_result_from_json(&back, json.buf, json.len, "merged.json");
		if (err && err != QG_ENOMEM)
			abort(); /* what the merge writes, the core reads */
		if (!err) {
			if (back.nr_checks != out.nr_checks)
				abort();
			qg_result_release(&back);
		}
	} else if (err != QG_ENOMEM && err != QG_ETOOBIG) {
		abort();
	}
	qg_buf_release(&json);
	qg_result_release(&out);
	return 0;
}
