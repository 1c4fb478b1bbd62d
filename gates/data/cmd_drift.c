/* cmd_drift.c -- `qgate-data drift`: current data against a baseline profile
 *
 *   qgate-data drift --baseline PROFILE.json [--psi-warn X] [--psi-max X]
 *                    [--ks-max X] [--js-max X] [--bins N] [--allow-new-fields] DATA...
 *   qgate-data drift --baseline PROFILE.json --current-profile P.json
 *
 * Data is read through the same path as `profile` (data_profile_read), with
 * each piece prepared on the baseline's bins so that the current fractions
 * are exact counts; a current profile gives sketch-derived fractions instead.
 * One check per baseline field, and a failed one per field the baseline
 * lacks (skipped under --allow-new-fields) (drift.h). Exit 0 no drift or only warnings
 * (annotated ::warning under GitHub Actions), 1 drift above a --*-max
 * threshold, 2 usage (bad threshold, both or neither current inputs),
 * 3 could not evaluate (baseline missing or not a profile, unreadable data).
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/gate.h"
#include "qgate/json.h"
#include "qgate/opts.h"
#include "qgate/result.h"
#include "qgate/shard.h"
#include "qgate/version.h"
#include "data.h"
#include "drift.h"
#include "input.h"
#include "profile.h"

struct drift_cmd_opts {
	struct qg_common_opts common;
	struct qg_data_input_opts input;
	struct qg_drift_opts drift;
	const char *baseline;
	const char *current_profile;
	const char *profile_out;
	struct qg_strvec args; /* DATA */
};

static const char *const drift_usage[] = {
	"qgate-data drift --baseline PROFILE.json [--psi-warn X] [--psi-max X] [--ks-max X] [--js-max X] "
	"[--bins N] [--allow-new-fields] [--shard I/N] [-j N] DATA...",
	"qgate-data drift --baseline PROFILE.json --current-profile PROFILE.json [--psi-max X] ...",
	NULL,
};

static int drift_markdown(struct qg_result *r)
{
	int err = qg_result_add_markdown(r, "| field | type | PSI | KS | JS | verdict |\n|---|---|---:|---:|---:|---|\n");
	for (size_t i = 0; i < r->nr_checks && !err; i++) {
		struct qg_check *c = r->checks[i];
		const struct qg_json *d = c->details;
		const char *type = qg_json_string(qg_json_get(d, "type"));
		double psi = qg_json_number(qg_json_get(d, "psi")), ks = qg_json_number(qg_json_get(d, "ks")),
		       js = qg_json_number(qg_json_get(d, "js"));
		char sp[32] = "", sk[32] = "", sj[32] = "";
		if (strncmp(c->id, "drift.", 6))
			continue;
		if (!isnan(psi))
			snprintf(sp, sizeof(sp), "%.4f", psi);
		if (!isnan(ks))
			snprintf(sk, sizeof(sk), "%.4f", ks);
		if (!isnan(js))
			snprintf(sj, sizeof(sj), "%.4f", js);
		err = qg_result_add_markdown(r, "| %s | %s | %s | %s | %s | %s |\n", c->id + 6, type ? type : "",
					     sp, sk, sj,
					     c->status == QG_STATUS_FAIL ? "fail"
					     : c->status == QG_STATUS_SKIP ? "skip"
					     : c->flags & QG_CHECK_WARNING ? "warn" : "pass");
	}
	return err;
}

static int run_drift(struct drift_cmd_opts *o, const struct qg_strvec *args, struct qg_result *r,
		     struct qg_buf *drifted, char *max_psi, size_t max_psi_len)
{
	struct qg_profile base, cur;
	long long bytes = 0;
	int err;

	data_profile_init(&base);
	data_profile_init(&cur);
	if (!o->baseline) {
		err = qg_error(QG_EUSAGE, "drift needs --baseline PROFILE.json");
		goto done;
	}
	if (o->drift.psi_warn > o->drift.psi_max) {
		err = qg_error(QG_EUSAGE, "--psi-warn %g is above --psi-max %g", o->drift.psi_warn, o->drift.psi_max);
		goto done;
	}
	if (o->current_profile && args->nr) {
		err = qg_error(QG_EUSAGE, "give DATA or --current-profile, not both");
		goto done;
	}
	if (!o->current_profile && !args->nr) {
		err = qg_error(QG_EUSAGE, "no DATA given (or --current-profile PROFILE.json)");
		goto done;
	}
	if ((err = data_profile_load(&base, o->baseline)) < 0)
		goto done;
	if ((err = qg_result_add_artifact(r, o->baseline)) < 0)
		goto done;
	if (o->current_profile) {
		if ((err = data_profile_load(&cur, o->current_profile)) < 0 ||
		    (err = qg_result_add_artifact(r, o->current_profile)) < 0)
			goto done;
	} else {
		err = data_profile_read(&cur, &o->input, args, NULL, &base, &o->drift, r, &bytes, 0);
		if (err < 0)
			goto done;
		if (o->profile_out && (err = data_profile_save(&cur, o->profile_out)) < 0)
			goto done;
	}
	if ((err = data_drift_evaluate(r, &base, &cur, &o->drift, !o->current_profile)) < 0)
		goto done;
	if (o->input.shard) {
		struct qg_shard sh;
		char norm[48];

		/* "K+1/N" recorded as the part it names, "I/N" (input.c parsed it already) */
		if (qg_shard_parse(&sh, o->input.shard) == 0)
			snprintf(norm, sizeof(norm), "%lld/%lld", sh.index, sh.count);
		else
			snprintf(norm, sizeof(norm), "%s", o->input.shard);
		qg_error_clear();
		if (!qg_json_add_string(qg_json_add_object(r->metrics, "input"), "shard", norm)) {
			err = QG_ENOMEM;
			goto done;
		}
	}
	for (size_t i = 0; i < r->nr_checks; i++) {
		struct qg_check *c = r->checks[i];
		if (c->status == QG_STATUS_FAIL || (c->flags & QG_CHECK_WARNING)) {
			if (drifted->len && (err = qg_buf_addch(drifted, ',')) < 0)
				goto done;
			if ((err = qg_buf_addstr(drifted, c->id + 6)) < 0)
				goto done;
		}
	}
	snprintf(max_psi, max_psi_len, "%.6g",
		 qg_json_number(qg_json_get(qg_json_get(r->metrics, "drift"), "max_psi")));
	err = drift_markdown(r);
done:
	data_profile_release(&base);
	data_profile_release(&cur);
	return err;
}

static int drift_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	struct drift_cmd_opts *o = data;
	struct qg_buf drifted = QG_BUF_INIT(QG_CAP_MESSAGE);
	char max_psi[32] = "";
	int err = run_drift(o, &o->args, r, &drifted, max_psi, sizeof(max_psi));

	/* $GITHUB_OUTPUT: the fields that drifted or warned, the largest PSI */
	if (!err && ((err = qg_strvec_push(outputs, "drifted")) < 0 ||
		     (err = qg_strvec_push(outputs, drifted.buf)) < 0 ||
		     (err = qg_strvec_push(outputs, "max_psi")) < 0 || (err = qg_strvec_push(outputs, max_psi)) < 0))
		err = qg_error(QG_ENOMEM, "out of memory");
	qg_buf_release(&drifted);
	return err;
}

int data_cmd_drift(int argc, const char **argv, const struct qg_gate *gate)
{
	struct drift_cmd_opts o;
	struct qg_fetch_opts fetch = { 0 };
	int ret;
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		QG_DATA_INPUT_OPTIONS(&o.input),
		QG_OPTS_FETCH(&fetch),
		QG_OPT_GROUP_("drift options"),
		QG_OPT_STRING_(0, "baseline", &o.baseline, "PROFILE.json", "the baseline profile (qgate-data profile)"),
		QG_OPT_STRING_(0, "current-profile", &o.current_profile, "PROFILE.json",
			       "compare this profile instead of reading DATA"),
		QG_OPT_DOUBLE_(0, "psi-warn", &o.drift.psi_warn, "X", 0, 1e9,
			       "PSI above X passes with a warning (default 0.1)"),
		QG_OPT_DOUBLE_(0, "psi-max", &o.drift.psi_max, "X", 0, 1e9, "PSI above X fails (default 0.25)"),
		QG_OPT_DOUBLE_(0, "ks-max", &o.drift.ks_max, "X", 0, 1,
			       "numeric fields: KS statistic above X fails (default: not checked)"),
		QG_OPT_DOUBLE_(0, "js-max", &o.drift.js_max, "X", 0, 1,
			       "categorical fields: Jensen-Shannon distance above X fails (default: not checked)"),
		QG_OPT_INT_(0, "bins", &o.drift.bins, "N", 2, 1000, "quantile bins for numeric PSI (default 10)"),
		QG_OPT_STRING_(0, "profile-out", &o.profile_out, "FILE", "also write the current data's profile"),
		QG_OPT_FLAG_(0, "allow-new-fields", &o.drift.allow_new_fields,
			     "fields missing from the baseline are skipped (default: they fail)"),
		QG_OPT_END_(),
	};
	const struct qg_gate_cmd cmd = {
		.gate = gate,
		.name = "drift",
		.usage = drift_usage,
		.description = "Compare DATA (or a profile of it) with a baseline profile, one check drift.<field> "
			       "per field: PSI on the baseline's quantile bins (numbers) or categories (plus "
			       "\"other\"), KS for numbers, Jensen-Shannon distance for categories. Exit 0 no "
			       "drift (warnings pass), 1 drift, 2 usage, 3 could not evaluate.",
		.options = options,
		.common = &o.common,
		.args = &o.args,
		.run = drift_run,
		.data = &o,
		.fetch = &fetch,
	};

	memset(&o, 0, sizeof(o));
	data_input_opts_init(&o.input);
	data_drift_opts_init(&o.drift);
	qg_strvec_init(&o.args);
	ret = qg_gate_run(&cmd, argc, argv);
	qg_strvec_clear(&o.args);
	return ret;
}
