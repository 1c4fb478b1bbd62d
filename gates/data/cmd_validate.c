/* cmd_validate.c -- `qgate-data validate`: DATA against a Table Schema
 *
 *   qgate-data validate --schema SCHEMA.json [--shard I/N] [-j N] [options] DATA...
 *
 * The options parse into struct qg_data_opts (data.h), shared with infer;
 * data_validate() (validate.c) does the work, one check per constraint.
 * $GITHUB_OUTPUT gets `rows` (the table.rows check) and `violations` (the
 * counts of the failed checks), also when the run could not be evaluated.
 */
#include "qgate/common.h"

#include "qgate/gate.h"
#include "qgate/opts.h"
#include "qgate/result.h"
#include "data.h"
#include "package.h"

void data_opts_init(struct qg_data_opts *o)
{
	memset(o, 0, sizeof(*o));
	data_input_opts_init(&o->input);
	qg_strvec_init(&o->data);
	o->unique_memory = QG_DATA_UNIQUE_MEMORY_DEFAULT;
	o->enum_max = 10;
	o->enum_min_rows = 20;
}

void data_opts_release(struct qg_data_opts *o)
{
	qg_strvec_clear(&o->data);
}

static const char *const validate_usage[] = {
	"qgate-data validate --schema SCHEMA.json [--shard I/N] [-j N] [options] DATA...",
	"qgate-data validate [options] datapackage.json",
	NULL,
};

/* The counts for $GITHUB_OUTPUT come from the checks. */
static int validate_outputs(const struct qg_result *r, struct qg_strvec *outputs)
{
	long long v = 0, n = -1;
	int err;

	for (size_t i = 0; i < r->nr_checks; i++) {
		const char *id = r->checks[i]->id;
		size_t l = strlen(id);

		/* a data package has one resource.<name>.table.rows per resource */
		if ((!strcmp(id, "table.rows") || (l > 11 && !strcmp(id + l - 11, ".table.rows"))) &&
		    r->checks[i]->observed.kind == QG_VALUE_NUMBER)
			n = (n < 0 ? 0 : n) + (long long)r->checks[i]->observed.number;
		else if (r->checks[i]->status == QG_STATUS_FAIL)
			v += r->checks[i]->count;
	}
	if ((err = qg_strvec_push(outputs, "rows")) < 0 ||
	    (err = qg_strvec_pushf(outputs, "%lld", n < 0 ? 0 : n)) < 0 ||
	    (err = qg_strvec_push(outputs, "violations")) < 0 ||
	    (err = qg_strvec_pushf(outputs, "%lld", v)) < 0)
		return err;
	return 0;
}

static int validate_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	const struct qg_data_opts *o = data;
	int err = data_package_wanted(o) ? data_package_validate(o, r) : data_validate(o, r);
	int oerr = validate_outputs(r, outputs);

	return err < 0 ? err : oerr;
}

int data_cmd_validate(int argc, const char **argv, const struct qg_gate *gate)
{
	struct qg_data_opts o;
	struct qg_fetch_opts fetch = { 0 };
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		QG_OPT_GROUP_("validate options"),
		QG_OPT_STRING_(0, "schema", &o.schema, "FILE", "the Frictionless Table Schema to check against"),
		QG_OPT_INT_(0, "max-errors", &o.max_errors, "N", 1, 1e15, "stop after N violations (counts are then lower bounds)"),
		QG_OPT_INT_(0, "unique-memory", &o.unique_memory, "MIB", 1, 65536,
			    "memory for unique and primaryKey keys before they spill to $TMPDIR (default 256)"),
		QG_OPT_FLAG_(0, "no-hash", &o.no_hash, "do not SHA-256 the inputs for the report's artifacts"),
		QG_OPT_FLAG_(0, "allow-unknown-keys", &o.allow_unknown_keys,
			     "accept keys the Table Schema does not define (custom metadata) at its top level and in fields"),
		QG_OPT_FLAG_(0, "allow-empty", &o.allow_empty, "a table with a header and no rows passes (table.rows)"),
		QG_DATA_INPUT_OPTIONS(&o.input),
		QG_OPTS_FETCH(&fetch),
		QG_OPT_END_(),
	};
	const struct qg_gate_cmd cmd = {
		.gate = gate,
		.name = "validate",
		.usage = validate_usage,
		.description = "Check DATA (CSV, TSV, JSONL; files, '-', directories, globs, .gz/.zst, https://, "
			       "s3://) against a Table Schema: one check per constraint, with counts and the first examples.",
		.options = options,
		.common = &o.common,
		.args = &o.data,
		.run = validate_run,
		.data = &o,
		.fetch = &fetch,
	};
	int ret;

	data_opts_init(&o);
	ret = qg_gate_run(&cmd, argc, argv);
	data_opts_release(&o);
	return ret;
}
