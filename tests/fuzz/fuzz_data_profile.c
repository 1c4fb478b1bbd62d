/* fuzz_data_profile.c -- libFuzzer target for the profile loader
 *
 * A baseline profile is a file a user hands to `qgate-data drift` and
 * `profile --merge`, so it is untrusted input: the KLL levels, the HLL
 * registers (base64), the top-k items and the moments are checked when it is
 * loaded. The input is a JSON document. Loading either succeeds or fails
 * with QG_EPARSE naming "'fuzz.json'" (QG_ENOMEM aside), never a crash. A
 * loaded profile is then used the way the gate uses one:
 * - saved and loaded again (a round trip must load);
 * - compared with itself as current data (drift: quantile edges, bins, PSI,
 *   KS, Jensen-Shannon), both as a profile and as data read against it;
 * - merged into itself.
 */
#include "qgate/common.h"

#include "qgate/buf.h"
#include "qgate/json.h"
#include "qgate/result.h"
#include "qgate/version.h"

#include "data/drift.h"
#include "data/profile.h"

static int load(struct qg_profile *p, const uint8_t *data, size_t size)
{
	struct qg_json *root = NULL;
	int err = qg_json_parse(&root, (const char *)data, size, "fuzz.json");

	data_profile_init(p);
	if (err)
		return err;
	err = data_profile_from_json(p, root, "'fuzz.json'");
	qg_json_free(root);
	if (err && err != QG_ENOMEM && (err != QG_EPARSE || strncmp(qg_error_last(), "'fuzz.json'", 11)))
		abort();
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qg_profile base, cur, prep, again;
	struct qg_drift_opts o;
	struct qg_result r;
	struct qg_json *out = NULL;
	struct qg_buf text = QG_BUF_INIT(QG_CAP_REPORT);

	if (load(&base, data, size)) {
		data_profile_release(&base);
		return 0;
	}
	/* saved and loaded again */
	if (data_profile_to_json(&out, &base) == 0) {
		if (qg_json_print(&text, out, 0) == 0) {
			int err = load(&again, (const uint8_t *)text.buf, text.len);
			if (err && err != QG_ENOMEM)
				abort();
			data_profile_release(&again);
		}
		qg_json_free(out);
		qg_buf_release(&text);
	}
	/* drift against itself: as a current profile, and prepared as data */
	data_drift_opts_init(&o);
	if (load(&cur, data, size) == 0 && qg_result_init(&r, "data", QG_VERSION) == 0) {
		(void)data_drift_evaluate(&r, &base, &cur, &o, 0);
		qg_result_release(&r);
	}
	data_profile_init(&prep);
	if (data_drift_prepare(&prep, &base, &o) == 0 && qg_result_init(&r, "data", QG_VERSION) == 0) {
		(void)data_drift_evaluate(&r, &base, &prep, &o, 1);
		qg_result_release(&r);
	}
	data_profile_release(&prep);
	/* merged into itself */
	(void)data_profile_merge(&base, &cur);
	for (size_t i = 0; i < base.nr_fields; i++) {
		(void)data_prof_field_mean(&base.fields[i]);
		(void)data_prof_field_variance(&base.fields[i]);
	}
	data_profile_release(&cur);
	data_profile_release(&base);
	return 0;
}
