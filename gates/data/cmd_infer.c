/* cmd_infer.c -- `qgate-data infer`: a Table Schema from DATA
 *
 *   qgate-data infer [options] DATA... > SCHEMA.json
 *
 * The output is the schema (stdout, or -o FILE written atomically), not a
 * result: the command runs without one (QG_GATE_NO_RESULT) and refuses the
 * report flags. data_infer() (infer.c) does the work.
 */
#include "qgate/common.h"

#include "qgate/file.h"
#include "qgate/gate.h"
#include "qgate/opts.h"
#include "data.h"
#include "package.h"

struct infer_cmd {
	struct qg_data_opts o;
	const char *output;
};

static const char *const infer_usage[] = {
	"qgate-data infer [options] DATA... > SCHEMA.json",
	"qgate-data infer --package [-o DIR/datapackage.json] [options] DATA...",
	NULL,
};

static int infer_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	struct infer_cmd *ic = data;
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT);
	int err;

	(void)r;
	(void)outputs;
	if (ic->o.common.json || ic->o.common.junit || ic->o.common.out_dir)
		return qg_error(QG_EUSAGE, "infer writes a schema, not a result: --json, --junit and --out do not apply");
	if (!ic->o.infer_package && ic->output) {
		/* -o .../datapackage.json asks for a data package */
		const char *base = strrchr(ic->output, '/');

		ic->o.infer_package = !strcmp(base ? base + 1 : ic->output, "datapackage.json");
	}
	if (ic->o.infer_package)
		err = data_package_infer(&ic->o, ic->output, &out);
	else
		err = data_infer(&ic->o, &out);
	if (!err && ic->output)
		err = qg_file_write_atomic(ic->output, out.buf, out.len);
	else if (!err && fwrite(out.buf, 1, out.len, stdout) != out.len)
		err = qg_error(QG_EIO, "cannot write to stdout: %s", strerror(errno));
	qg_buf_release(&out);
	return err;
}

int data_cmd_infer(int argc, const char **argv, const struct qg_gate *gate)
{
	struct infer_cmd ic;
	struct qg_fetch_opts fetch = { 0 };
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&ic.o.common),
		QG_OPT_GROUP_("infer options"),
		QG_OPT_STRING_('o', "output", &ic.output, "FILE", "write the schema to FILE (atomically) instead of stdout"),
		QG_OPT_INT_(0, "enum-max", &ic.o.enum_max, "N", 1, 1000, "most distinct values for an enum (default 10)"),
		QG_OPT_INT_(0, "enum-min-rows", &ic.o.enum_min_rows, "N", 1, 1e15,
			    "fewest values before an enum is proposed (default 20)"),
		QG_OPT_FLAG_(0, "no-bounds", &ic.o.no_bounds, "leave out minimum and maximum"),
		QG_OPT_FLAG_(0, "package", &ic.o.infer_package,
			     "write a data package (datapackage.json): one resource per DATA file with its schema "
			     "(also when -o names datapackage.json)"),
		QG_OPT_CHOICE_(0, "header", &ic.o.infer_header, "auto|yes|no",
			       "whether the first CSV line is a header (default: sniffed)"),
		QG_DATA_INPUT_OPTIONS(&ic.o.input),
		QG_OPTS_FETCH(&fetch),
		QG_OPT_END_(),
	};
	const struct qg_gate_cmd cmd = {
		.gate = gate,
		.name = "infer",
		.usage = infer_usage,
		.description = "Infer a Table Schema (types, required, bounds, enums, formats) from DATA. "
			       "The data validates against the schema inferred from it. The report flags "
			       "(--json, --junit, --out) do not apply: the output is the schema.",
		.options = options,
		.flags = QG_GATE_NO_RESULT,
		.common = &ic.o.common,
		.args = &ic.o.data,
		.run = infer_run,
		.data = &ic,
		.fetch = &fetch,
	};
	int ret;

	data_opts_init(&ic.o);
	ic.output = NULL;
	ret = qg_gate_run(&cmd, argc, argv);
	data_opts_release(&ic.o);
	return ret;
}
