/* cmd_profile.c -- `qgate-data profile`: one pass of mergeable statistics
 *
 *   qgate-data profile [--schema S.json] [--shard I/N] [-j N] DATA... --profile-out P.json
 *   qgate-data profile --merge A.json B.json... --profile-out ALL.json
 *
 * DATA is read into a profile by the engine (data_profile_read, profile_read.c).
 * A profile run is a gate run too: one check `profile` that passes when the
 * profile was written, reports through qg_gate_finish().
 */
#include "qgate/common.h"

#include <math.h>
#include <pthread.h>
#include <time.h>

#include "qgate/gate.h"
#include "qgate/json.h"
#include "qgate/opts.h"
#include "qgate/result.h"
#include "qgate/sha256.h"
#include "qgate/stream.h"
#include "qgate/table.h"
#include "qgate/version.h"
#include "data.h"
#include "drift.h"
#include "input.h"
#include "profile.h"
#include "schema.h"

/* ---- the subcommand ------------------------------------------------------------------- */

struct profile_opts {
	struct qg_common_opts common;
	struct qg_data_input_opts input;
	struct qg_strvec args;        /* DATA, or the profiles to --merge */
	const char *profile_out;
	const char *schema;
	int merge;
	int no_hash;
	int allow_unknown_keys;
};

static const char *const profile_usage[] = {
	"qgate-data profile [--schema SCHEMA.json] [--shard I/N] [-j N] DATA... --profile-out PROFILE.json",
	"qgate-data profile --merge PROFILE.json... --profile-out PROFILE.json",
	NULL,
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A Markdown table of the fields for the text report and step summary. */
static int profile_markdown(struct qg_result *r, struct qg_profile *p)
{
	int err = qg_result_add_markdown(r, "| field | type | count | nulls | distinct | min | mean | max |\n"
					    "|---|---|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < p->nr_fields && !err; i++) {
		struct qg_prof_field *f = &p->fields[i];
		enum qg_prof_kind k = data_prof_field_kind(f);
		if (k == QG_PROF_NUMERIC && f->mom.n)
			err = qg_result_add_markdown(r, "| %s | numeric | %llu | %llu | %.0f | %.6g | %.6g | %.6g |\n", f->name,
						     (unsigned long long)f->count, (unsigned long long)f->nulls,
						     data_hll_estimate(&f->hll), f->mom.min, data_prof_field_mean(f), f->mom.max);
		else
			err = qg_result_add_markdown(r, "| %s | %s | %llu | %llu | %.0f | | | |\n", f->name,
						     k == QG_PROF_AUTO ? "empty" : k == QG_PROF_NUMERIC ? "numeric" : "categorical",
						     (unsigned long long)f->count, (unsigned long long)f->nulls,
						     data_hll_estimate(&f->hll));
	}
	return err;
}

static int run_profile(struct profile_opts *o, const struct qg_strvec *args, struct qg_result *r)
{
	struct qg_profile prof;
	struct qg_schema schema;
	int have_schema = 0, err = 0;
	long long bytes = 0;
	double t0 = now_s(), secs;
	struct qg_check *c;
	struct qg_json *m;

	data_profile_init(&prof);
	if (!o->profile_out) {
		err = qg_error(QG_EUSAGE, "profile needs --profile-out PROFILE.json");
		goto done;
	}
	if (!strcmp(o->profile_out, "-") &&
	    ((o->common.json && !strcmp(o->common.json, "-")) || !strcmp(qg_gate_format(&o->common), "json"))) {
		/* two JSON documents on one stdout: neither could be parsed */
		err = qg_error(QG_EUSAGE, "--profile-out - and %s both write JSON to stdout: send one to a file",
			       o->common.json && !strcmp(o->common.json, "-") ? "--json -" : "--format json");
		goto done;
	}
	if (!args->nr) {
		err = qg_error(QG_EUSAGE, o->merge ? "--merge needs PROFILE.json arguments" : "no DATA given");
		goto done;
	}
	if (o->merge) {
		if (o->schema || o->input.shard) {
			err = qg_error(QG_EUSAGE, "--merge takes profiles: --schema and --shard do not apply");
			goto done;
		}
		for (size_t i = 0; i < args->nr; i++) {
			struct qg_profile one;
			if ((err = data_profile_load(&one, args->v[i])) < 0)
				goto done;
			err = qg_result_add_artifact(r, args->v[i]);
			if (!err)
				err = data_profile_merge(&prof, &one);
			data_profile_release(&one);
			if (err < 0)
				goto done;
		}
		bytes = -1;
	} else {
		if (o->schema) {
			if ((err = data_schema_load_flags(&schema, o->schema,
							  o->allow_unknown_keys ? DATA_SCHEMA_ALLOW_UNKNOWN : 0)) < 0)
				goto done;
			have_schema = 1;
		}
		err = data_profile_read(&prof, &o->input, args, have_schema ? &schema : NULL, NULL, NULL, r, &bytes,
				      o->no_hash ? QG_PROFILE_NO_HASH : 0);
		if (err < 0)
			goto done;
	}
	if ((err = data_profile_save(&prof, o->profile_out)) < 0)
		goto done;
	secs = now_s() - t0;
	c = qg_result_add_check(r, "profile", QG_STATUS_PASS, "%s %llu rows, %zu fields into '%s'",
				o->merge ? "merged" : "profiled", (unsigned long long)prof.rows, prof.nr_fields,
				o->profile_out);
	m = qg_json_add_object(r->metrics, "profile");
	if (!c || !m || !qg_json_add_number(m, "rows", (double)prof.rows) ||
	    !qg_json_add_number(m, "fields", (double)prof.nr_fields) ||
	    !qg_json_add_string(m, "profile", o->profile_out) || !qg_json_add_number(m, "seconds", secs) ||
	    (bytes > 0 && !qg_json_add_number(m, "mb_per_s", secs > 0 ? (double)bytes / 1e6 / secs : 0))) {
		err = QG_ENOMEM;
		goto done;
	}
	if (o->input.shard && !qg_json_add_string(m, "shard", o->input.shard)) {
		err = QG_ENOMEM;
		goto done;
	}
	/* the bytes written: `qgate merge` merges a shard's profile only when
	 * the file beside its result is still this one */
	if (strcmp(o->profile_out, "-")) {
		char hex[QG_SHA256_HEX];
		long long n = 0;

		if ((err = qg_sha256_file(hex, &n, o->profile_out)) < 0)
			goto done;
		if (!qg_json_add_string(m, "sha256", hex)) {
			err = QG_ENOMEM;
			goto done;
		}
	}
	err = profile_markdown(r, &prof);
done:
	data_profile_release(&prof);
	if (have_schema)
		data_schema_release(&schema);
	return err;
}

static int profile_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	struct profile_opts *o = data;

	(void)outputs;
	return run_profile(o, &o->args, r);
}

int data_cmd_profile(int argc, const char **argv, const struct qg_gate *gate)
{
	struct profile_opts o;
	struct qg_fetch_opts fetch = { 0 };
	int ret;
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		QG_DATA_INPUT_OPTIONS(&o.input),
		QG_OPTS_FETCH(&fetch),
		QG_OPT_GROUP_("profile options"),
		QG_OPT_STRING_(0, "profile-out", &o.profile_out, "FILE",
			       "write the profile (qgate.profile/v1) here; '-' = stdout"),
		QG_OPT_STRING_(0, "schema", &o.schema, "SCHEMA.json",
			       "take field types and missing values from a Table Schema"),
		QG_OPT_FLAG_(0, "allow-unknown-keys", &o.allow_unknown_keys,
			     "accept keys the Table Schema does not define (custom metadata) at its top level and in fields"),
		QG_OPT_FLAG_(0, "merge", &o.merge, "the arguments are profiles (of shards): merge them"),
		QG_OPT_FLAG_(0, "no-hash", &o.no_hash, "do not SHA-256 the inputs for the report's artifacts"),
		QG_OPT_END_(),
	};
	const struct qg_gate_cmd cmd = {
		.gate = gate,
		.name = "profile",
		.usage = profile_usage,
		.description = "Profile DATA in one pass: per field count, nulls, min, max, mean, variance, "
			       "quantiles (KLL, rank error <= 1.65%), distinct values (HyperLogLog, 0.81%), top "
			       "values (space-saving, k = 64) and a decile histogram. Profiles of shards merge "
			       "with --merge. Exit 0 written, 2 usage, 3 could not read.",
		.options = options,
		.common = &o.common,
		.args = &o.args,
		.run = profile_run,
		.data = &o,
		.fetch = &fetch,
	};

	memset(&o, 0, sizeof(o));
	data_input_opts_init(&o.input);
	qg_strvec_init(&o.args);
	ret = qg_gate_run(&cmd, argc, argv);
	qg_strvec_clear(&o.args);
	return ret;
}
